"""CV certificate chains as a terminal or an auditor sees them (ICAO Doc 9303-11 §7.1.4.3; TR-03110-3 §2).

A chain runs from a CVCA trust point (a CVCA certificate the verifier trusts) through CVCA link
certificates, a DV certificate, down to a terminal (inspection system) certificate. ``validate_chain``
checks it with today's date, one ``import_certificate`` step per certificate (the chip's own rules,
plus "not yet effective", which a chip without a clock cannot judge), and tells the effective
authorization: the AND of the relative authorizations along the chain. ``chain_for`` picks, from the
certificates a terminal holds, the path that starts at a trust point the chip names (EF.CVCA, or
CARs announced by PACE) and ends at the terminal certificate: what TA sends. ``prepare_path`` does
both before a terminal talks to a chip: it picks the path, then checks it as far as the terminal can
(every rule when it holds the CVCA certificate the path starts from; otherwise dates, roles and the
rights the chain could at most grant), so a chain the chip would refuse is named before it is sent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..crypto.cvc import Chat, CvCertificate, Role
from ..crypto.cvc_validation import MAY_CERTIFY, CvKey, CvRejected, Rejection, import_certificate

__all__ = ["CvChainResult", "TaPath", "validate_chain", "chain_for", "prepare_path", "root_cars"]


@dataclass(frozen=True)
class CvChainResult:
    """A chain that validated: where it starts, what it holds, and what it grants."""

    trust_point: str
    certificates: tuple[CvCertificate, ...]
    key: CvKey  # the key the last certificate certifies, with its effective authorization

    @property
    def role(self) -> Role:
        return self.key.role

    @property
    def authorization(self) -> Chat:
        return self.key.authorization

    @property
    def read_dg3(self) -> bool:
        return self.key.authorization.read_dg3

    @property
    def read_dg4(self) -> bool:
        return self.key.authorization.read_dg4


def validate_chain(
    chain: Sequence[CvCertificate],
    trust: Iterable[CvCertificate],
    today: dt.date,
    *,
    terminal: bool = True,
    require_dg3: bool = False,
    require_dg4: bool = False,
) -> CvChainResult:
    """Validate ``chain`` (trust point side first) against trusted CVCA certificates on ``today``.

    Certificates of the chain that are themselves trusted (a CVCA root sent along) are skipped.

    Args:
        terminal: the last certificate must be a terminal's (not a CVCA's or a DV's).
        require_dg3, require_dg4: the effective authorization must grant reading DG3 / DG4.

    Raises:
        CvRejected: the first rule broken, with its ``Rejection`` reason and the certificate's CHR.
    """
    anchors = {c.chr: c for c in trust}
    certs = list(chain)
    while certs and certs[0].role is Role.CVCA and certs[0].chr in anchors \
            and certs[0].raw == anchors[certs[0].chr].raw:
        certs.pop(0)
    if not certs:
        raise CvRejected(Rejection.NOT_A_TERMINAL, chain[-1].chr if chain else "(empty chain)",
                         "the chain holds nothing below the trust point")
    anchor = anchors.get(certs[0].car)
    if anchor is None:
        raise CvRejected(Rejection.NO_TRUST_POINT, certs[0].chr, f"no trusted CVCA {certs[0].car}")
    key = CvKey.trust_point(anchor)
    for cert in certs:
        key = import_certificate(key, cert, today, strict_dates=True)
    last = certs[-1].chr
    if terminal and key.role is not Role.TERMINAL:
        raise CvRejected(Rejection.NOT_A_TERMINAL, last, f"effective role {key.role.name}")
    wanted = (("read DG3", require_dg3, key.authorization.read_dg3), ("read DG4", require_dg4, key.authorization.read_dg4))
    lacking = [name for name, needed, has in wanted if needed and not has]
    if lacking:
        raise CvRejected(Rejection.INSUFFICIENT_RIGHTS, last, ", ".join(lacking))
    return CvChainResult(anchor.chr, tuple(certs), key)


def chain_for(trust_cars: Sequence[str], certificates: Iterable[CvCertificate], *,
              terminal_chr: str | None = None) -> list[CvCertificate]:
    """The certificates TA must send: from a CAR the chip trusts down to the terminal certificate.

    Args:
        trust_cars: the chip's trust point references, most recent first (EF.CVCA, PACE 87/88).
        certificates: what the terminal holds (link, DV and terminal certificates, maybe its CVCA's).
        terminal_chr: which terminal certificate, when several are held.

    Raises:
        CvRejected: no terminal certificate, or none of its issuers leads to a CAR the chip trusts.
    """
    by_chr: dict[str, list[CvCertificate]] = {}
    for c in certificates:
        by_chr.setdefault(c.chr, []).append(c)
    terminals = [c for cs in by_chr.values() for c in cs
                 if c.role is Role.TERMINAL and (terminal_chr is None or c.chr == terminal_chr)]
    if not terminals:
        held = [c for cs in by_chr.values() for c in cs]
        issuers = {c.car for c in held if not c.is_self_signed}
        leaf = next((c for c in held if c.chr not in issuers), None)  # what was offered as the terminal's
        if terminal_chr is None and leaf is not None:
            raise CvRejected(Rejection.NOT_A_TERMINAL, leaf.chr,
                             f"a {leaf.role.name} certificate, and no terminal certificate is held")
        raise CvRejected(Rejection.NOT_A_TERMINAL, terminal_chr or "(none)", "no such terminal certificate is held")
    if len(terminals) != 1:
        raise CvRejected(Rejection.NOT_A_TERMINAL, terminal_chr or "(several)",
                         f"{len(terminals)} terminal certificates to choose from: name one")
    path = [terminals[0]]
    for _ in range(sum(len(cs) for cs in by_chr.values())):
        if path[0].car in trust_cars:
            return path
        issuers = sorted((c for c in by_chr.get(path[0].car, []) if not c.is_self_signed and c not in path),
                         key=lambda c: c.effective_date, reverse=True)
        if not issuers:
            break
        path.insert(0, issuers[0])
    raise CvRejected(Rejection.NO_TRUST_POINT, path[0].chr,
                     f"no path from {path[0].car} to a trust point the chip names ({', '.join(trust_cars) or 'none'})")


def root_cars(certificates: Iterable[CvCertificate]) -> tuple[str, ...]:
    """The CARs the held certificates start from: issuers not among them, and the CVCAs that are.

    What a chain must begin at when the chip names no trust point (no EF.CVCA, no PACE CARs).
    """
    certs = list(certificates)
    issued = {c.chr for c in certs if not c.is_self_signed}
    return tuple(dict.fromkeys([*(c.chr for c in certs if c.is_self_signed),
                                *(c.car for c in certs if c.car not in issued and not c.is_self_signed)]))


@dataclass(frozen=True)
class TaPath:
    """The certificates TA will send, checked before anything is sent.

    ``authorization`` is the effective authorization when ``verified`` (every signature checked from a
    held CVCA certificate), else the AND of the path's own CHATs: the most the chain can grant.
    """

    certificates: tuple[CvCertificate, ...]
    authorization: Chat
    verified: bool

    @property
    def terminal(self) -> CvCertificate:
        return self.certificates[-1]

    @property
    def read_dg3(self) -> bool:
        return self.authorization.read_dg3

    @property
    def read_dg4(self) -> bool:
        return self.authorization.read_dg4


def prepare_path(trust_cars: Sequence[str], certificates: Iterable[CvCertificate], today: dt.date, *,
                 need_dg3: bool = False, need_dg4: bool = False, terminal_chr: str | None = None) -> TaPath:
    """Pick the path TA sends (``chain_for``) and check it with the terminal's date.

    With the CVCA certificate the path starts from among ``certificates`` every rule of
    ``validate_chain`` applies; without it, each certificate's dates (not expired, already effective),
    the roles down the path (CVCA link, DV, terminal), and the rights the path's CHATs leave.

    Raises:
        CvRejected: no path to a trust point the chip names, or the first rule the path breaks, naming
            the certificate and the ``Rejection``.
    """
    held = list(certificates)
    path = chain_for(trust_cars, held, terminal_chr=terminal_chr)
    anchor = next((c for c in held if c.role is Role.CVCA and c.chr == path[0].car and c not in path), None)
    if anchor is not None:
        result = validate_chain(path, [anchor], today, require_dg3=need_dg3, require_dg4=need_dg4)
        return TaPath(tuple(path), result.authorization, True)
    issuer_role = Role.CVCA  # a CAR the chip trusts names a CVCA key
    rights = path[0].chat
    for cert in path:
        if cert.role not in MAY_CERTIFY[issuer_role]:
            raise CvRejected(Rejection.ROLE, cert.chr, f"{issuer_role.name} {cert.car} certifying {cert.role.name}")
        if cert.chat.terminal_type_oid != rights.terminal_type_oid or len(cert.chat.template) != len(rights.template):
            raise CvRejected(Rejection.TERMINAL_TYPE, cert.chr)
        if cert.effective_date > cert.expiration_date:
            raise CvRejected(Rejection.BAD_DATES, cert.chr)
        if cert.role is not Role.CVCA and cert.expiration_date < today:
            raise CvRejected(Rejection.EXPIRED, cert.chr, f"expired {cert.expiration_date}, date {today}")
        if cert.effective_date > today:
            raise CvRejected(Rejection.NOT_YET_VALID, cert.chr, f"effective {cert.effective_date}, date {today}")
        rights = rights.restrict(cert.chat)
        issuer_role = cert.role
    lacking = [name for name, needed, has in (("read DG3", need_dg3, rights.read_dg3),
                                              ("read DG4", need_dg4, rights.read_dg4)) if needed and not has]
    if lacking:
        raise CvRejected(Rejection.INSUFFICIENT_RIGHTS, path[-1].chr, ", ".join(lacking))
    return TaPath(tuple(path), rights, False)
