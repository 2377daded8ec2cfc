"""Checks of one CMS SignerInfo (RFC 5652 §5.4-5.6), shared by EF.SOD and Master Lists.

Strict where 9303-12 and RFC 5652 are: signed attributes must be present; exactly one
contentType attribute with one value equal to the eContentType; exactly one messageDigest
attribute with one value equal to the hash of the eContent under the SignerInfo's digest
algorithm; the signature verifies under the algorithm the SignerInfo names, and that
algorithm's hash is the digest algorithm. Each function returns a reason or raises
VerificationError with one; none of them trusts a certificate (that is path validation).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
from collections.abc import Iterable

from asn1crypto import algos
from cryptography import x509

from ..algorithms import HASHES
from ..errors import VerificationError
from ..lds.sod import SignerInfoData
from .algorithms import verify_signature

__all__ = ["find_signer_certificate", "check_signed_attributes", "verify_signer_info", "ski_of", "is_self_signed"]


def ski_of(cert: x509.Certificate) -> bytes | None:
    """The subjectKeyIdentifier of a certificate, or None when it has none."""
    try:
        return cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    except x509.ExtensionNotFound:
        return None


def find_signer_certificate(si: SignerInfoData, certs: Iterable[x509.Certificate]) -> x509.Certificate | None:
    """The certificate the SignerInfo's sid names (issuer + serial, or SKI), or None."""
    for cert in certs:
        if si.sid_kind == "issuer_serial":
            if cert.serial_number == si.serial_number and cert.issuer.public_bytes() == si.issuer_der:
                return cert
        elif ski_of(cert) == si.subject_key_identifier:
            return cert
    return None


def check_signed_attributes(si: SignerInfoData, econtent_type: str, econtent: bytes) -> None:
    """Check contentType and messageDigest signed attributes; raise VerificationError with the reason."""
    if si.signed_attrs is None:
        raise VerificationError("SignerInfo has no signed attributes (9303 requires contentType and messageDigest)")
    if len(si.content_types) != 1:
        raise VerificationError(f"{len(si.content_types)} contentType attribute values, expected exactly 1")
    if si.content_types[0] != econtent_type:
        raise VerificationError(f"contentType attribute {si.content_types[0]} differs from eContentType {econtent_type}")
    if len(si.message_digests) != 1:
        raise VerificationError(f"{len(si.message_digests)} messageDigest attribute values, expected exactly 1")
    if si.digest_algorithm not in HASHES:
        raise VerificationError(f"unsupported SignerInfo digest algorithm {si.digest_algorithm}")
    digest = hashlib.new(si.digest_algorithm, econtent).digest()
    if not hmac.compare_digest(digest, si.message_digests[0]):
        raise VerificationError(f"messageDigest does not match the {si.digest_algorithm} hash of the eContent")


@functools.lru_cache(maxsize=64)
def _algorithm(der: bytes) -> algos.SignedDigestAlgorithm:
    # One per DS in practice; parsed once (the object is only read, never changed).
    alg = algos.SignedDigestAlgorithm.load(der)
    alg.native  # noqa: B018  (parse fully now, so a cached object is never half-parsed)
    return alg


def verify_signer_info(si: SignerInfoData, public_key: object) -> tuple[str, str]:
    """Verify the signature over the signed attributes; return (algorithm name, hash)."""
    if si.signed_attrs is None:
        raise VerificationError("no signed attributes to verify")
    alg = _algorithm(si.signature_algorithm_der)
    name, h = verify_signature(public_key, alg, si.signature, si.signed_attrs, digest_algorithm=si.digest_algorithm)
    if h != si.digest_algorithm:
        raise VerificationError(f"signature hash {h} differs from the SignerInfo digest algorithm {si.digest_algorithm}")
    return name, h


def is_self_signed(cert: x509.Certificate) -> bool:
    """Self-signed (a root CSCA): issuer = subject and, when both are present, AKI = SKI.

    The key identifiers matter: a link certificate keeps the CSCA's name and differs only in keys.
    """
    if cert.issuer != cert.subject:
        return False
    try:
        aki = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value.key_identifier
    except x509.ExtensionNotFound:
        return True
    ski = ski_of(cert)
    return aki is None or ski is None or aki == ski
