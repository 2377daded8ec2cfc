"""PKCS#11 signing and key generation (python-pkcs11; SoftHSM2 in tests, a real HSM in production).

The private key never leaves the token: it is found by label (CKA_LABEL) and used with
RSA-PSS (CKM_SHA*_RSA_PKCS_PSS), RSA PKCS#1 v1.5 (CKM_SHA*_RSA_PKCS) or ECDSA. SoftHSM 2.6
has no CKM_ECDSA_SHA256, so for ECDSA the data is hashed here, signed with bare CKM_ECDSA, and
the r||s result is DER-encoded as X.509 and CMS carry it. The PIN is never logged or shown.

A PKCS#11 library is initialised once per process; SoftHSM2 reads ``SOFTHSM2_CONF`` at
initialisation, so when that variable changes (tests make a token per temp dir) the library
is re-initialised.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from ..algorithms import SIGNING_CURVES
from ..errors import KeyStoreError
from .algorithms import hash_for, signature_algorithm_name
from .signers import load_certificate

__all__ = ["Pkcs11Signer", "open_session", "generate_key", "store_certificate"]

_LIBS: dict[str, tuple[Any, str | None]] = {}


def _pkcs11() -> Any:
    try:
        import pkcs11
    except ImportError:
        raise KeyStoreError("PKCS#11 needs python-pkcs11: pip install 'cardkit[hsm]'") from None
    return pkcs11


def _lib(module: str) -> Any:
    pkcs11 = _pkcs11()
    conf = os.environ.get("SOFTHSM2_CONF")
    cached = _LIBS.get(module)
    if cached is not None:
        lib, seen_conf = cached
        if seen_conf != conf:
            lib.reinitialize()
            _LIBS[module] = (lib, conf)
        return lib
    try:
        lib = pkcs11.lib(module)
    except Exception as e:  # python-pkcs11 raises its own types, and RuntimeError for a bad path
        raise KeyStoreError(f"cannot load PKCS#11 module {module}: {type(e).__name__}") from None
    _LIBS[module] = (lib, conf)
    return lib


def open_session(module: str, token_label: str, pin: str, *, rw: bool = False) -> Any:
    """Open a logged-in session on the token labelled ``token_label``."""
    pkcs11 = _pkcs11()
    lib = _lib(module)
    try:
        token = lib.get_token(token_label=token_label)
    except (pkcs11.NoSuchToken, pkcs11.MultipleTokensReturned):
        raise KeyStoreError(f"no single PKCS#11 token labelled {token_label!r} in {module}") from None
    try:
        return token.open(user_pin=pin, rw=rw)
    except pkcs11.UserAlreadyLoggedIn:
        # PKCS#11 login is per application, not per session: another session of ours is logged in.
        return token.open(rw=rw)
    except pkcs11.PinIncorrect:
        raise KeyStoreError(f"token {token_label!r} refused the PIN") from None
    except pkcs11.PKCS11Error as e:
        raise KeyStoreError(f"cannot open token {token_label!r}: {type(e).__name__}") from None


def _public_key(session: Any, label: str) -> rsa.RSAPublicKey | ec.EllipticCurvePublicKey:
    pkcs11 = _pkcs11()
    from pkcs11.util.ec import encode_ec_public_key
    from pkcs11.util.rsa import encode_rsa_public_key

    try:
        pub = session.get_key(object_class=pkcs11.ObjectClass.PUBLIC_KEY, label=label)
    except (pkcs11.NoSuchKey, pkcs11.MultipleObjectsReturned):
        raise KeyStoreError(f"no single public key labelled {label!r} on the token") from None
    der = encode_rsa_public_key(pub) if pub.key_type == pkcs11.KeyType.RSA else encode_ec_public_key(pub)
    key = serialization.load_der_public_key(der)
    assert isinstance(key, (rsa.RSAPublicKey, ec.EllipticCurvePublicKey))
    return key


def generate_key(session: Any, key_type: str, label: str) -> rsa.RSAPublicKey | ec.EllipticCurvePublicKey:
    """Generate a signing key pair on the token (``rsa-3072``, ``ec-p256``, ``ec-brainpoolp256r1`` ...)."""
    pkcs11 = _pkcs11()
    from pkcs11.util.ec import encode_named_curve_parameters

    kt = key_type.lower()
    try:
        session.get_key(object_class=pkcs11.ObjectClass.PRIVATE_KEY, label=label)
        raise KeyStoreError(f"the token already holds a key labelled {label!r}")
    except pkcs11.NoSuchKey:
        pass
    except pkcs11.MultipleObjectsReturned:
        raise KeyStoreError(f"the token already holds keys labelled {label!r}") from None
    attrs = {pkcs11.Attribute.SIGN: True, pkcs11.Attribute.EXTRACTABLE: False, pkcs11.Attribute.SENSITIVE: True}
    if kt.startswith("rsa-"):
        bits = int(kt[4:])
        session.generate_keypair(
            pkcs11.KeyType.RSA, bits, label=label, store=True,
            public_template={pkcs11.Attribute.VERIFY: True}, private_template=attrs,
        )
    elif kt.startswith("ec-") and kt[3:] in SIGNING_CURVES:
        # python-pkcs11 names curves in lowercase ("brainpoolp256r1")
        ec_params = encode_named_curve_parameters(SIGNING_CURVES[kt[3:]].name.lower())
        params = session.create_domain_parameters(pkcs11.KeyType.EC, {pkcs11.Attribute.EC_PARAMS: ec_params},
                                                  local=True)
        params.generate_keypair(
            label=label, store=True, public_template={pkcs11.Attribute.VERIFY: True}, private_template=attrs
        )
    else:
        raise KeyStoreError(f"unknown key type {key_type!r}")
    return _public_key(session, label)


def store_certificate(session: Any, label: str, certificate: x509.Certificate) -> None:
    """Store ``certificate`` on the token as a CKO_CERTIFICATE object with ``label``."""
    pkcs11 = _pkcs11()
    session.create_object(
        {
            pkcs11.Attribute.CLASS: pkcs11.ObjectClass.CERTIFICATE,
            pkcs11.Attribute.CERTIFICATE_TYPE: pkcs11.CertificateType.X_509,
            pkcs11.Attribute.TOKEN: True,
            pkcs11.Attribute.LABEL: label,
            pkcs11.Attribute.SUBJECT: certificate.subject.public_bytes(),
            pkcs11.Attribute.VALUE: certificate.public_bytes(serialization.Encoding.DER),
        }
    )


def _certificate_from_token(session: Any, label: str) -> x509.Certificate:
    pkcs11 = _pkcs11()
    try:
        obj = session.get_objects(
            {pkcs11.Attribute.CLASS: pkcs11.ObjectClass.CERTIFICATE, pkcs11.Attribute.LABEL: label}
        )
        certs = list(obj)
    except pkcs11.PKCS11Error as e:
        raise KeyStoreError(f"cannot search the token for certificate {label!r}: {type(e).__name__}") from None
    if len(certs) != 1:
        raise KeyStoreError(f"expected one certificate labelled {label!r} on the token, found {len(certs)}")
    return x509.load_der_x509_certificate(certs[0][pkcs11.Attribute.VALUE])


@dataclass
class Pkcs11Signer:
    """A signer whose private key stays in a PKCS#11 token."""

    session: Any = field(repr=False)
    key: Any = field(repr=False)
    certificate: x509.Certificate | None = field(repr=False)
    public: rsa.RSAPublicKey | ec.EllipticCurvePublicKey = field(repr=False)
    key_label: str = ""
    hash_algorithm: str = "sha256"
    pss: bool = True

    @classmethod
    def open(
        cls,
        module: str,
        token_label: str,
        pin: str,
        key_label: str,
        cert: x509.Certificate | Path | str | None = None,
        *,
        hash_algorithm: str = "sha256",
        pss: bool = True,
    ) -> Pkcs11Signer:
        """Open the token and find the key by label; the certificate from a file, an object, or the token."""
        pkcs11 = _pkcs11()
        hash_for(hash_algorithm)
        session = open_session(module, token_label, pin)
        try:
            key = session.get_key(object_class=pkcs11.ObjectClass.PRIVATE_KEY, label=key_label)
        except (pkcs11.NoSuchKey, pkcs11.MultipleObjectsReturned):
            session.close()
            raise KeyStoreError(f"no single private key labelled {key_label!r} on token {token_label!r}") from None
        public = _public_key(session, key_label)
        if cert is None:
            certificate: x509.Certificate | None = _certificate_from_token(session, key_label)
        elif isinstance(cert, x509.Certificate):
            certificate = cert
        else:
            certificate = load_certificate(cert)
        spki = serialization.PublicFormat.SubjectPublicKeyInfo
        if certificate is not None and certificate.public_key().public_bytes(
            serialization.Encoding.DER, spki
        ) != public.public_bytes(serialization.Encoding.DER, spki):
            session.close()
            raise KeyStoreError(f"the certificate does not belong to token key {key_label!r}")
        return cls(session, key, certificate, public, key_label, hash_algorithm, pss)

    @classmethod
    def for_new_key(cls, session: Any, key_label: str, *, hash_algorithm: str = "sha256", pss: bool = True) -> Pkcs11Signer:
        """A signer over a key just generated in ``session`` (no certificate yet)."""
        pkcs11 = _pkcs11()
        key = session.get_key(object_class=pkcs11.ObjectClass.PRIVATE_KEY, label=key_label)
        return cls(session, key, None, _public_key(session, key_label), key_label, hash_algorithm, pss)

    @property
    def signature_algorithm(self) -> str:
        return signature_algorithm_name(self.public, self.hash_algorithm, self.pss)

    def public_key(self) -> rsa.RSAPublicKey | ec.EllipticCurvePublicKey:
        return self.public

    def with_certificate(self, certificate: x509.Certificate) -> Pkcs11Signer:
        self.certificate = certificate
        return self

    def sign(self, data: bytes) -> bytes:
        """Sign in the token; ECDSA is hashed here and signed with CKM_ECDSA (SoftHSM 2.6)."""
        pkcs11 = _pkcs11()
        h = self.hash_algorithm
        M, MGF = pkcs11.Mechanism, pkcs11.MGF
        try:
            if isinstance(self.public, rsa.RSAPublicKey):
                if self.pss:
                    mech = {"sha1": M.SHA1_RSA_PKCS_PSS, "sha224": M.SHA224_RSA_PKCS_PSS, "sha256": M.SHA256_RSA_PKCS_PSS,
                            "sha384": M.SHA384_RSA_PKCS_PSS, "sha512": M.SHA512_RSA_PKCS_PSS}[h]
                    hmech = {"sha1": M.SHA_1, "sha224": M.SHA224, "sha256": M.SHA256, "sha384": M.SHA384, "sha512": M.SHA512}[h]
                    mgf = {"sha1": MGF.SHA1, "sha224": MGF.SHA224, "sha256": MGF.SHA256, "sha384": MGF.SHA384, "sha512": MGF.SHA512}[h]
                    return self.key.sign(data, mechanism=mech, mechanism_param=(hmech, mgf, hash_for(h).digest_size))
                mech = {"sha1": M.SHA1_RSA_PKCS, "sha224": M.SHA224_RSA_PKCS, "sha256": M.SHA256_RSA_PKCS,
                        "sha384": M.SHA384_RSA_PKCS, "sha512": M.SHA512_RSA_PKCS}[h]
                return self.key.sign(data, mechanism=mech)
            digest = hashes.Hash(hash_for(h))
            digest.update(data)
            raw = self.key.sign(digest.finalize(), mechanism=M.ECDSA)
        except pkcs11.PKCS11Error as e:
            raise KeyStoreError(f"the token could not sign with key {self.key_label!r}: {type(e).__name__}") from None
        from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

        n = len(raw) // 2
        return encode_dss_signature(int.from_bytes(raw[:n], "big"), int.from_bytes(raw[n:], "big"))

    def close(self) -> None:
        """Close the token session."""
        self.session.close()

    def __enter__(self) -> Pkcs11Signer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
