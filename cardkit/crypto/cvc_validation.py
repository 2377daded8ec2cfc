"""One step of CV certificate validation (ICAO Doc 9303-11 §7.1.4.3; BSI TR-03110-3 §2.5, §2.6).

``import_certificate(issuer, cert, current_date)`` is what PSO:Verify Certificate does: check that the
certificate names the issuer key (CAR = issuer's CHR), that the issuer may certify its role (a CVCA
certifies a new CVCA key or a DV, a DV certifies terminals, nothing else), that both speak of one
terminal type, that the issuer's signature verifies, and that it has not expired (CVCA link
certificates excepted); then it returns the imported key with its *effective* authorization (the
bitwise AND of the relative authorizations down the chain) and domain parameters handed down from
the CVCA key. The chip runs it with its approximated current date, a terminal or an auditor with
today's date (``strict_dates`` then also refuses a certificate not yet effective, which a chip
without a clock cannot know). Every refusal is a ``CvRejected`` carrying a ``Rejection`` reason.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from ..errors import ParseError, VerificationError
from .cvc import Chat, CvCertificate, CvCertificateBody, Role
from .cvc_keys import TaPublicKey, resolve_key

__all__ = ["Rejection", "CvRejected", "CvKey", "MAY_CERTIFY", "import_certificate", "advances_date"]


class Rejection(enum.Enum):
    """Why a certificate (or a chain) was refused: one typed reason per rule."""

    WRONG_ISSUER = "its CAR does not name the issuer key"
    NO_TRUST_POINT = "the chain does not start at a trust point"
    BAD_SIGNATURE = "the issuer's signature does not verify"
    EXPIRED = "expired"
    NOT_YET_VALID = "not yet effective"
    BAD_DATES = "effective date after expiration date"
    ROLE = "the issuer may not certify this role"
    TERMINAL_TYPE = "terminal type differs from the issuer's"
    BAD_KEY = "public key unusable"
    TRUST_POINT_EXPIRED = "the trust point has expired for DV certificates"
    NOT_A_TERMINAL = "the last certificate is not a terminal certificate"
    INSUFFICIENT_RIGHTS = "the effective authorization lacks a required right"
    CHALLENGE_SIGNATURE = "the chip did not accept the terminal's signature of its challenge"


class CvRejected(VerificationError):
    """A CV certificate refused, with the reason and the holder it concerns.

    Attributes:
        reason: the ``Rejection``.
        chr: the certificate holder reference of the refused certificate.
    """

    def __init__(self, reason: Rejection, chr: str, detail: str = "") -> None:
        self.reason = reason
        self.chr = chr
        super().__init__(f"CV certificate {chr}: {reason.value}" + (f" ({detail})" if detail else ""))


@dataclass(frozen=True)
class CvKey:
    """An imported public key with what TA keeps of it (9303-11 §7.1.4.3.7: CHR, authorization, dates).

    ``issuer_role`` is the effective role of the key that certified it (None for a trust point): a
    terminal certificate is *accurate*, and may advance the chip's date, only under a domestic DV.
    """

    chr: str
    key: TaPublicKey
    authorization: Chat
    effective_date: dt.date
    expiration_date: dt.date
    issuer_role: Role | None = None

    @property
    def role(self) -> Role:
        """The effective role (from the effective authorization)."""
        return self.authorization.role

    @classmethod
    def trust_point(cls, cert: CvCertificate | CvCertificateBody) -> CvKey:
        """A trust point from a CVCA certificate (self-signed or link), or its body, carrying its domain parameters.

        Raises:
            CvRejected: not a CVCA certificate, or its key cannot be used on its own.
        """
        if cert.chat.role is not Role.CVCA:
            raise CvRejected(Rejection.ROLE, cert.chr, f"a trust point is a CVCA key, not {cert.chat.role.name}")
        try:
            key = resolve_key(cert.public_key, None)
        except ParseError as e:
            raise CvRejected(Rejection.BAD_KEY, cert.chr, e.message) from None
        return cls(cert.chr, key, cert.chat, cert.effective_date, cert.expiration_date)


#: the roles each role may certify (TR-03110-3 §2.3): a CVCA its link certificates and DVs, a DV terminals
MAY_CERTIFY = {
    Role.CVCA: (Role.CVCA, Role.DV_DOMESTIC, Role.DV_FOREIGN),
    Role.DV_DOMESTIC: (Role.TERMINAL,),
    Role.DV_FOREIGN: (Role.TERMINAL,),
    Role.TERMINAL: (),
}


def import_certificate(issuer: CvKey, cert: CvCertificate, current_date: dt.date, *,
                       strict_dates: bool = False) -> CvKey:
    """Verify ``cert`` with the imported ``issuer`` key and return the key it certifies.

    Args:
        issuer: the trust point or the key imported by the previous certificate.
        cert: the certificate to import.
        current_date: the chip's current date, or today for a terminal.
        strict_dates: also refuse a certificate whose effective date is after ``current_date``.

    Raises:
        CvRejected: with the reason the certificate is refused.
    """
    if cert.car != issuer.chr:
        raise CvRejected(Rejection.WRONG_ISSUER, cert.chr, f"CAR {cert.car}, issuer {issuer.chr}")
    if cert.chat.terminal_type_oid != issuer.authorization.terminal_type_oid \
            or len(cert.chat.template) != len(issuer.authorization.template):
        raise CvRejected(Rejection.TERMINAL_TYPE, cert.chr)
    if cert.role not in MAY_CERTIFY[issuer.role]:
        raise CvRejected(Rejection.ROLE, cert.chr, f"{issuer.role.name} {issuer.chr} certifying {cert.role.name}")
    if not issuer.key.verify(cert.body.raw, cert.signature):
        raise CvRejected(Rejection.BAD_SIGNATURE, cert.chr)
    if cert.effective_date > cert.expiration_date:
        raise CvRejected(Rejection.BAD_DATES, cert.chr)
    link = cert.role is Role.CVCA
    if not link and cert.expiration_date < current_date:
        raise CvRejected(Rejection.EXPIRED, cert.chr, f"expired {cert.expiration_date}, date {current_date}")
    if strict_dates and cert.effective_date > current_date:
        raise CvRejected(Rejection.NOT_YET_VALID, cert.chr, f"effective {cert.effective_date}, date {current_date}")
    if issuer.role is Role.CVCA and cert.role.is_dv and issuer.expiration_date < current_date:
        raise CvRejected(Rejection.TRUST_POINT_EXPIRED, cert.chr, f"{issuer.chr} expired {issuer.expiration_date}")
    try:
        key = resolve_key(cert.public_key, issuer.key.curve)
    except ParseError as e:
        raise CvRejected(Rejection.BAD_KEY, cert.chr, e.message) from None
    return CvKey(cert.chr, key, issuer.authorization.restrict(cert.chat), cert.effective_date,
                 cert.expiration_date, issuer.role)


def advances_date(imported: CvKey) -> bool:
    """True when the certificate of ``imported`` may advance a chip's current date (9303-11 §7.1.4.3.3).

    CVCA link and DV certificates are issued by the CVCA, a trusted source of time; a terminal
    certificate is accurate only when a domestic DV issued it.
    """
    if imported.role is Role.TERMINAL:
        return imported.issuer_role is Role.DV_DOMESTIC
    return True
