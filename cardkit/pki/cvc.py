"""Issuing CV certificates (BSI TR-03110-3 C.1): an immutable builder that signs with a cardkit signer.

The codec, the keys and the validation step live in ``cardkit.crypto`` (``cvc``, ``cvc_keys``,
``cvc_validation``) because the chip side of Terminal Authentication needs them too; this module
adds what only an issuer or a terminal operator needs: building and signing certificates with a key
in an encrypted file or a PKCS#11 token, adapting such a signer to TA (DER ECDSA -> plain r ‖ s, as
TR-03110-3 A.6.4.1 requires), and reading certificates from files. The codec's names are re-exported
here for convenience.

Rules the builder keeps (after cryptography's ``CertificateBuilder``): every setter returns a new
builder and each field is set once; ``sign`` refuses an incomplete builder, a signer whose hash or
padding differs from what the issuer key's TA algorithm says, a signer whose key is not the
issuer's, and a DV or terminal key on other domain parameters than its issuer's (they inherit them,
D.3.3). The new certificate is verified with the issuer key before it is returned.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from ..algorithms import CURVES, TaAlgorithm
from ..crypto.cvc import (
    Chat,
    CvCertificate,
    CvCertificateBody,
    CvExtension,
    Role,
    check_holder_reference,
)
from ..crypto.cvc_keys import (
    CvEcPublicKey,
    CvPublicKey,
    CvRsaPublicKey,
    TaPublicKey,
    ec_public_key,
    plain_signature,
    rsa_public_key,
)
from ..errors import InputError, KeyStoreError, ParseError
from ..public_keys import EcPublicKey

__all__ = [
    "CvSigner",
    "CvCertificateBuilder",
    "TaSignerAdapter",
    "cv_public_key",
    "key_matches",
    "load_cv_certificate",
    "CvCertificate",
    "CvCertificateBody",
    "Chat",
    "Role",
]


class CvSigner(Protocol):
    """What signs a CV certificate or a TA challenge: ``KeyFileSigner`` and ``Pkcs11Signer`` both are one."""

    hash_algorithm: str
    pss: bool

    def sign(self, data: bytes) -> bytes: ...

    def public_key(self) -> object: ...


def cv_public_key(key: object, algorithm: TaAlgorithm, *, domain_parameters: bool) -> CvPublicKey:
    """The public key data object of a ``cryptography`` public key under a TA algorithm.

    Raises:
        InputError: the key does not fit the algorithm, or lies on a curve TR-03110 does not name.
    """
    if isinstance(key, ec.EllipticCurvePublicKey) and algorithm.family == "ECDSA":
        curve = CURVES.get(key.curve.name)
        if curve is None:
            raise InputError(f"curve {key.curve.name} is not one of TR-03110's ({', '.join(CURVES)})")
        return ec_public_key(algorithm, _uncompressed(key), curve if domain_parameters else None)
    if isinstance(key, rsa.RSAPublicKey) and algorithm.family == "RSA":
        n = key.public_numbers()
        return rsa_public_key(algorithm, n.n, n.e)
    raise InputError(f"a {type(key).__name__} cannot carry {algorithm.name}")


def _uncompressed(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)


def key_matches(signer_key: object, cv_key: CvPublicKey) -> bool:
    """True when a ``cryptography`` public key is the key of a CV public key data object."""
    if isinstance(signer_key, ec.EllipticCurvePublicKey) and isinstance(cv_key, CvEcPublicKey):
        return _uncompressed(signer_key) == cv_key.point
    if isinstance(signer_key, rsa.RSAPublicKey) and isinstance(cv_key, CvRsaPublicKey):
        n = signer_key.public_numbers()
        return (n.n, n.e) == (cv_key.modulus, cv_key.exponent)
    return False


def _signer_curve(signer: CvSigner) -> EcPublicKey | None:
    key = signer.public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey):
        return None
    curve = CURVES.get(key.curve.name)
    if curve is None:
        raise InputError(f"the signing key's curve {key.curve.name} is not one of TR-03110's")
    return EcPublicKey(curve, curve.decode_point(_uncompressed(key)))


@dataclass(frozen=True)
class TaSignerAdapter:
    """A cardkit signer (key file or PKCS#11) signing as TA needs: plain r ‖ s for ECDSA (TR-03111).

    Raises (on ``sign``):
        InputError: the signer's hash or padding is not the algorithm's.
    """

    signer: CvSigner
    algorithm: TaAlgorithm

    def sign(self, data: bytes) -> bytes:
        a = self.algorithm
        if self.signer.hash_algorithm.lower() != a.hash or (a.family == "RSA" and self.signer.pss != a.pss):
            raise InputError(f"the signer signs with {self.signer.hash_algorithm}{' PSS' if self.signer.pss else ''}, "
                             f"but {a.name} needs {a.hash}{' PSS' if a.pss else ''}")
        signature = self.signer.sign(data)
        point = _signer_curve(self.signer)
        if a.family == "RSA":
            return signature
        if point is None:
            raise InputError(f"{a.name} needs an EC key")
        try:
            return plain_signature(signature, point.curve.order_size)
        except ValueError:
            raise KeyStoreError("the signer returned something that is not a DER ECDSA signature") from None


_FIELDS = ("car", "chr", "public_key", "chat", "validity", "extensions")


class CvCertificateBuilder:
    """Build a CV certificate field by field; ``sign`` makes it (TR-03110-3 C.1)."""

    def __init__(self, _values: dict[str, object] | None = None) -> None:
        self._values: dict[str, object] = dict(_values or {})

    def _with(self, name: str, value: object) -> CvCertificateBuilder:
        if name in self._values:
            raise InputError(f"the certificate's {name} is already set")
        return CvCertificateBuilder({**self._values, name: value})

    def certification_authority_reference(self, car: str) -> CvCertificateBuilder:
        """The CAR: the CHR of the key that will sign (equal to the CHR for a self-signed CVCA)."""
        return self._with("car", _reference(car))

    def holder_reference(self, chr: str) -> CvCertificateBuilder:
        """The CHR: country code, holder mnemonic, 5-character sequence number (A.6.1)."""
        try:
            return self._with("chr", check_holder_reference(chr))
        except ValueError as e:
            raise InputError(str(e)) from None

    def public_key(self, key: object, algorithm: TaAlgorithm, *, domain_parameters: bool) -> CvCertificateBuilder:
        """The certified key; CVCA keys carry their domain parameters, DV and terminal keys do not (D.3.3)."""
        return self._with("public_key", cv_public_key(key, algorithm, domain_parameters=domain_parameters))

    def authorization(self, chat: Chat) -> CvCertificateBuilder:
        """The CHAT: terminal type, role and relative authorization."""
        return self._with("chat", chat)

    def validity(self, effective: dt.date, expiration: dt.date) -> CvCertificateBuilder:
        """Effective (the date of generation, C.1.6) and expiration dates, both in 2000-2099."""
        if expiration < effective or not (2000 <= effective.year and expiration.year <= 2099):
            raise InputError(f"validity {effective} .. {expiration} is empty or outside 2000-2099")
        return self._with("validity", (effective, expiration))

    def extensions(self, extensions: tuple[CvExtension, ...]) -> CvCertificateBuilder:
        """Certificate extensions (C.3); optional."""
        return self._with("extensions", tuple(extensions))

    def sign(self, signer: CvSigner, *, issuer: CvCertificate | None = None) -> CvCertificate:
        """Sign the body with ``signer``: the issuer's key, or the subject's own for a self-signed CVCA.

        Raises:
            InputError: a missing field, an issuer that does not match, a signer unfit for the algorithm.
        """
        missing = [f for f in _FIELDS[:-1] if f not in self._values]
        if missing:
            raise InputError(f"the certificate lacks {', '.join(missing)}")
        car, chr = str(self._values["car"]), str(self._values["chr"])
        subject = self._values["public_key"]
        chat = self._values["chat"]
        effective, expiration = self._values["validity"]  # type: ignore[misc]
        assert isinstance(subject, (CvEcPublicKey, CvRsaPublicKey)) and isinstance(chat, Chat)
        signing_key: CvPublicKey = subject if issuer is None else issuer.public_key
        if issuer is None and car != chr:
            raise InputError(f"without an issuer certificate the CAR ({car}) must equal the CHR ({chr})")
        if issuer is not None and issuer.chr != car:
            raise InputError(f"the CAR {car} does not name the issuer {issuer.chr}")
        if not key_matches(signer.public_key(), signing_key):
            raise InputError("the signing key is not the key of " + (f"issuer {issuer.chr}" if issuer else "this CVCA"))
        point = _signer_curve(signer)
        if isinstance(subject, CvEcPublicKey) and subject.curve is None and point is not None:
            own = _signer_point_curve(subject, point)
            if own is None:
                raise InputError("a DV or terminal key inherits its issuer's domain parameters: "
                                 f"use a key on {point.curve.name}")
        body = CvCertificateBody.build(car=car, public_key=subject, chr=chr, chat=chat, effective_date=effective,
                                       expiration_date=expiration,
                                       extensions=tuple(self._values.get("extensions", ())))  # type: ignore[arg-type]
        signature = TaSignerAdapter(signer, signing_key.algorithm).sign(body.raw)
        cert = CvCertificate.assemble(body, signature)
        verifier = TaPublicKey(signing_key.algorithm, point) if point is not None else None
        if verifier is not None and not verifier.verify(body.raw, signature):
            raise KeyStoreError("the signer's signature does not verify with its own key")
        return cert


def _signer_point_curve(subject: CvEcPublicKey, issuer: EcPublicKey) -> EcPublicKey | None:
    """The subject key decoded on the issuer's curve, or None when it is not a point of it."""
    try:
        return EcPublicKey(issuer.curve, issuer.curve.decode_point(subject.point))
    except ParseError:
        return None


def _reference(value: str) -> str:
    if not 0 < len(value) <= 16 or any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F or ord(c) > 0xFF for c in value):
        raise InputError(f"reference {value!r}: 1-16 ISO/IEC 8859-1 characters")
    return value


def load_cv_certificate(path: Path | str) -> CvCertificate:
    """Read one CV certificate (binary 7F21) from a file.

    Raises:
        InputError: the file cannot be read. ParseError: it is not a CV certificate (names the file).
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > 65536:
            raise ParseError(f"{size} bytes is too large for a CV certificate", what="CV certificate",
                             source=str(path))
        data = path.read_bytes()
    except OSError as e:
        raise InputError(f"cannot read {path}: {e.strerror}") from None
    return CvCertificate.from_bytes(data, source=str(path))
