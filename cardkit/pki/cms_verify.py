"""Checks of one CMS SignerInfo (RFC 5652 §5.4-5.6), shared by EF.SOD, EF.CardSecurity and Master Lists.

Strict where 9303-12 and RFC 5652 are: signed attributes must be present; exactly one
contentType attribute with one value equal to the eContentType; exactly one messageDigest
attribute with one value equal to the hash of the eContent under the SignerInfo's digest
algorithm; the signature verifies under the algorithm the SignerInfo names, and that
algorithm's hash is the digest algorithm. Each function returns a reason or raises
VerificationError with one; none of them trusts a certificate (that is path validation).

Finding the signer's certificate is tolerant the way real issuers need it: the SignerInfo's
issuer is compared as RFC 5280 §7.1 says (string types and case do not matter), then with its
RDNs in any order, then, when the SignedData carries one certificate only, by serial number
alone. Each fallback is reported (``SignerMatch.note``); none weakens anything, since the
signature is then verified with that certificate's key and the certificate's path is validated.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass

from asn1crypto import x509 as asn1_x509

from ..algorithms import HASHES
from ..certificates import Certificate, DistinguishedName, read_name
from ..errors import ParseError, VerificationError
from ..lds.sod import SignerInfoData
from .algorithms import signature_algorithm, verify_signature

__all__ = ["find_signer_certificate", "check_signed_attributes", "verify_signer_info", "SignerMatch", "MatchKind"]


class MatchKind(enum.StrEnum):
    """How the certificate was matched to the SignerInfo's signer identifier (RFC 5652 §5.3)."""

    EXACT = "issuer and serial number"
    PREPARED = "issuer (compared as RFC 5280 §7.1 says) and serial number"
    REORDERED = "serial number, with the issuer's RDNs in another order"
    SERIAL_ONLY = "serial number only (the one certificate carried)"
    SKI = "subject key identifier"


@dataclass(frozen=True)
class SignerMatch:
    """The certificate a SignerInfo names, and how it was found."""

    certificate: Certificate
    kind: MatchKind

    @property
    def note(self) -> str | None:
        """A note for the report when the match needed a fallback, else None."""
        if self.kind is MatchKind.REORDERED:
            return "the SignerInfo names the issuer with its RDNs in another order than the certificate"
        if self.kind is MatchKind.SERIAL_ONLY:
            return "the SignerInfo's issuer does not match; the one certificate carried has its serial number"
        return None


def _issuer(si: SignerInfoData) -> DistinguishedName | None:
    try:
        return read_name(asn1_x509.Name.load(si.issuer_der or b""))
    except (ParseError, ValueError, TypeError):
        return None


def find_signer_certificate(si: SignerInfoData, certs: Sequence[Certificate]) -> SignerMatch | None:
    """The certificate the SignerInfo's sid names (issuer + serial, or SKI), with how it matched; None if none."""
    if si.sid_kind != "issuer_serial":
        for cert in certs:
            if cert.subject_key_identifier is not None and cert.subject_key_identifier == si.subject_key_identifier:
                return SignerMatch(cert, MatchKind.SKI)
        return None
    same_serial = [c for c in certs if c.serial_number == si.serial_number]
    for cert in same_serial:
        if cert.issuer.raw == si.issuer_der:
            return SignerMatch(cert, MatchKind.EXACT)
    issuer = _issuer(si) if same_serial else None
    if issuer is not None:
        for cert in same_serial:
            if cert.issuer.matches(issuer):
                return SignerMatch(cert, MatchKind.PREPARED)
        for cert in same_serial:
            if cert.issuer.same_attributes(issuer):
                return SignerMatch(cert, MatchKind.REORDERED)
    if len(certs) == 1 and len(same_serial) == 1:
        return SignerMatch(same_serial[0], MatchKind.SERIAL_ONLY)
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


def verify_signer_info(si: SignerInfoData, public_key: object) -> tuple[str, str]:
    """Verify the signature over the signed attributes; return (algorithm name, hash)."""
    if si.signed_attrs is None:
        raise VerificationError("no signed attributes to verify")
    alg = signature_algorithm(si.signature_algorithm_der)
    name, h = verify_signature(public_key, alg, si.signature, si.signed_attrs, digest_algorithm=si.digest_algorithm)
    if h != si.digest_algorithm:
        raise VerificationError(f"signature hash {h} differs from the SignerInfo digest algorithm {si.digest_algorithm}")
    return name, h

