"""Signature algorithms of eMRTD PKI objects: naming, AlgorithmIdentifiers, verification (9303-12 §4.4).

Signing writes, and verification reads, exactly these algorithms:
RSA PKCS#1 v1.5 (sha*WithRSAEncryption, and bare rsaEncryption with the SignerInfo digest,
as some issuers write it), RSASSA-PSS with explicit parameters (RFC 4055: MGF1, salt, trailer 1),
ECDSA (ecdsa-with-SHA*, and BSI TR-03111 plain r||s signatures). The algorithm always comes
from the signed object, never from the certificate; PSS parameters are checked, not assumed.
"""

from __future__ import annotations

import functools

from asn1crypto import algos, core
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from ..algorithms import HASHES, ID_MGF1, SIGNATURE_ALGORITHMS, hash_by_oid
from ..certificates import Certificate, Quirk
from ..errors import InputError, VerificationError

__all__ = [
    "hash_for",
    "signature_algorithm_name",
    "algorithm_identifier",
    "verify_signature",
    "describe_algorithm",
    "verify_certificate",
    "public_key_of",
]

def hash_for(name: str) -> hashes.HashAlgorithm:
    """A cryptography hash object for "sha256" etc.; InputError for anything else."""
    try:
        return HASHES[name.lower().replace("-", "")]()
    except KeyError:
        raise InputError(f"unsupported hash algorithm {name!r}; use one of {', '.join(HASHES)}") from None


def signature_algorithm_name(key: rsa.RSAPublicKey | ec.EllipticCurvePublicKey, hash_algorithm: str, pss: bool) -> str:
    """The RFC name of the algorithm cardkit signs with: sha256WithRSAEncryption, RSASSA-PSS, ecdsa-with-SHA256."""
    hash_for(hash_algorithm)
    if isinstance(key, rsa.RSAPublicKey):
        return "RSASSA-PSS" if pss else f"{hash_algorithm}WithRSAEncryption"
    if isinstance(key, ec.EllipticCurvePublicKey):
        return f"ecdsa-with-{hash_algorithm.upper()}"
    raise InputError(f"unsupported key type {type(key).__name__}: cardkit signs with RSA or ECDSA keys")


def algorithm_identifier(name: str, hash_algorithm: str) -> algos.SignedDigestAlgorithm:
    """The DER AlgorithmIdentifier for a signature algorithm name (PSS with explicit parameters)."""
    h = hash_algorithm.lower()
    if name == "RSASSA-PSS":
        params = algos.RSASSAPSSParams(
            {
                "hash_algorithm": {"algorithm": h, "parameters": core.Null()},
                "mask_gen_algorithm": {"algorithm": "mgf1", "parameters": {"algorithm": h, "parameters": core.Null()}},
                "salt_length": HASHES[h].digest_size,
            }
        )
        return algos.SignedDigestAlgorithm({"algorithm": "rsassa_pss", "parameters": params})
    if name.endswith("WithRSAEncryption"):
        return algos.SignedDigestAlgorithm({"algorithm": f"{h}_rsa", "parameters": core.Null()})
    if name.startswith("ecdsa-with-"):
        # RFC 5758 §3.2: the parameters field is absent for ecdsa-with-SHA2.
        return algos.SignedDigestAlgorithm({"algorithm": f"{h}_ecdsa"})
    raise InputError(f"unknown signature algorithm {name!r}")


def describe_algorithm(alg: algos.SignedDigestAlgorithm, digest_algorithm: str | None = None) -> tuple[str, str]:
    """(algorithm name, hash name) of a signature AlgorithmIdentifier; raises VerificationError if unknown."""
    oid = alg["algorithm"].dotted
    known = SIGNATURE_ALGORITHMS.get(oid)
    if known is None:
        raise VerificationError(f"unsupported signature algorithm {oid}")
    if known.hash is not None:
        return known.name, known.hash
    if known.scheme == "RSA":
        if digest_algorithm not in HASHES:
            raise VerificationError("rsaEncryption as signature algorithm needs a known digest algorithm")
        return known.name, digest_algorithm
    return known.name, _pss_params(alg)[0]


def _pss_params(alg: algos.SignedDigestAlgorithm) -> tuple[str, str, int]:
    """(hash, mgf1 hash, salt length) from RSASSA-PSS-params, checked (RFC 4055 §3.1)."""
    params = alg["parameters"]
    if not isinstance(params, algos.RSASSAPSSParams):
        raise VerificationError("RSASSA-PSS without parameters")
    h = hash_by_oid(params["hash_algorithm"]["algorithm"].dotted)
    if h is None:
        raise VerificationError(f"RSASSA-PSS hash {params['hash_algorithm']['algorithm'].dotted} not supported")
    mgf = params["mask_gen_algorithm"]
    if mgf["algorithm"].dotted != ID_MGF1:
        raise VerificationError(f"RSASSA-PSS mask generation {mgf['algorithm'].dotted} is not MGF1")
    mgf_h = hash_by_oid(mgf["parameters"]["algorithm"].dotted)
    if mgf_h is None:
        raise VerificationError("RSASSA-PSS MGF1 hash not supported")
    salt = params["salt_length"].native
    if not isinstance(salt, int) or salt < 0 or salt > 1024:
        raise VerificationError(f"RSASSA-PSS salt length {salt} out of range")
    trailer = params["trailer_field"].native
    if trailer not in ("trailer_field_bc", 1):
        raise VerificationError(f"RSASSA-PSS trailer field {trailer} is not 1 (0xBC)")
    return h, mgf_h, salt


def verify_signature(
    public_key: object,
    alg: algos.SignedDigestAlgorithm,
    signature: bytes,
    data: bytes,
    *,
    digest_algorithm: str | None = None,
) -> tuple[str, str]:
    """Verify ``signature`` over ``data`` with the algorithm named by ``alg``; return (algorithm, hash).

    Raises:
        VerificationError: unknown or mismatched algorithm, wrong key type, or a bad signature.
    """
    name, h = describe_algorithm(alg, digest_algorithm)
    digest = HASHES[h]()
    try:
        if name == "RSASSA-PSS":
            if not isinstance(public_key, rsa.RSAPublicKey):
                raise VerificationError("RSASSA-PSS signature but the certificate key is not RSA")
            _, mgf_h, salt = _pss_params(alg)
            public_key.verify(signature, data, padding.PSS(padding.MGF1(HASHES[mgf_h]()), salt), digest)
        elif name.endswith("RSAEncryption") or name == "rsaEncryption":
            if not isinstance(public_key, rsa.RSAPublicKey):
                raise VerificationError(f"{name} signature but the certificate key is not RSA")
            public_key.verify(signature, data, padding.PKCS1v15(), digest)
        else:
            if not isinstance(public_key, ec.EllipticCurvePublicKey):
                raise VerificationError(f"{name} signature but the certificate key is not EC")
            if name.startswith("ecdsa-plain"):
                n = (public_key.curve.key_size + 7) // 8
                if len(signature) != 2 * n:
                    raise VerificationError(f"plain ECDSA signature of {len(signature)} bytes, expected {2 * n}")
                signature = encode_dss_signature(
                    int.from_bytes(signature[:n], "big"), int.from_bytes(signature[n:], "big")
                )
            public_key.verify(signature, data, ec.ECDSA(digest))
    except InvalidSignature:
        raise VerificationError(f"{name} signature does not verify") from None
    except (ValueError, UnsupportedAlgorithm) as e:
        raise VerificationError(f"{name} signature cannot be checked: {e}") from None
    return name, h


@functools.lru_cache(maxsize=256)
def signature_algorithm(der: bytes) -> algos.SignedDigestAlgorithm:
    """A signature AlgorithmIdentifier from its DER, parsed once per distinct encoding (read-only)."""
    alg = algos.SignedDigestAlgorithm.load(der)
    alg.native  # noqa: B018  (parse fully now, so a cached object is never half-parsed)
    return alg


def verify_certificate(cert: Certificate, issuer: Certificate) -> None:
    """Check that ``issuer`` signed ``cert``: names (RFC 5280 §7.1) and the signature over the TBSCertificate.

    The algorithm is the one ``cert`` names (NULL parameters of an ECDSA identifier are read past);
    the issuer's key is converted to a ``cryptography`` key, explicit curves as the named curve they are.

    Raises:
        VerificationError: names differ, the key cannot be used, or the signature does not verify.
    """
    if not cert.issuer.matches(issuer.subject):
        raise VerificationError(f"certificate not issued by {issuer.subject.rfc4514_string()} (names differ)")
    try:
        alg = signature_algorithm(cert.signature_algorithm)
    except (ValueError, TypeError) as e:
        raise VerificationError(f"certificate signature algorithm cannot be read: {e}") from None
    try:
        verify_signature(public_key_of(issuer), alg, cert.signature, cert.tbs)
    except VerificationError as e:
        raise VerificationError(f"certificate signature: {e}") from None


def public_key_of(cert: Certificate) -> rsa.RSAPublicKey | ec.EllipticCurvePublicKey:
    """The certificate's key as a ``cryptography`` key; VerificationError when it cannot be used (curve, encoding)."""
    key = cert.crypto_public_key
    if key is None:
        why = next((f.detail for f in cert.findings if f.quirk is Quirk.PUBLIC_KEY_UNREADABLE),
                   f"a {cert.key_description} key cannot verify signatures here")
        raise VerificationError(f"the certificate's public key cannot be used: {why}")
    return key
