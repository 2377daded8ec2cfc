"""Terminal Authentication over a Session (ICAO Doc 9303-11 §7.1; BSI TR-03110-1 EAC1, TR-03110-3 B.11).

What ``Session.terminal_authentication`` does, in order, and why:
1. It runs after Chip Authentication, whose ephemeral key TA signs (Comp(PK_PCD), §7.1.4.1.3);
   without it the session refuses (ProtocolError) rather than let the chip refuse.
2. The chip's trust points: the CARs given, else those PACE announced (DO87/88), else EF.CVCA
   (two APDUs); a chip that names none (no EF.CVCA, 6A82) is sent the chain from its own root.
3. ``prepare_path`` picks the certificates from a trust point down to the terminal's and checks
   them with the terminal's date, so a chain the chip would refuse (wrong CVCA, broken, expired,
   a DV offered as the terminal, rights short of what is needed) is a ``CvRejected`` naming the
   certificate and the rule, and nothing is sent.
4. ID_PICC (§7.1.2): after PACE, Comp of the chip's ephemeral PACE key (dynamic binding); after
   BAC, the document number with its check digit. Some states bind statically after PACE too (the
   document number, or the CAN: TR-03110-1 TA version 1); their chips refuse the dynamic signature
   with 6300 at EXTERNAL AUTHENTICATE. The session does not guess: the caller that knows such a
   chip passes ``id_picc=id_picc_from_document_number(...)`` (or ``id_picc_from_can``) in a new
   session, as one failed challenge is all a chip grants.
5. The machine of ``cardkit.crypto.ta`` runs; a certificate longer than a short APDU (a CVCA link
   certificate, anything on P-384 and above) goes in one extended-length PSO when the chip says it
   takes extended length, in ISO command chaining otherwise. A refusal is a ``TaRefusedError`` naming
   the certificate and what its status word stands for; secure messaging stays up, so the terminal
   reads on without DG3/DG4.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..crypto.cvc import CvCertificate
from ..crypto.ta import TaResult, TaSigner, TerminalAuthentication, id_picc_from_pace
from ..errors import ParseError, ProtocolError, StatusWordError
from ..pki.cvc_chain import TaPath, prepare_path, root_cars

if TYPE_CHECKING:  # pragma: no cover
    from .session import Session

__all__ = ["TerminalAuthenticationResult", "authenticate"]

# EF.CVCA not there (6A82, 6A88) or not readable (6982): the chain is sent from its own root, and the
# chip, which knows its trust points, judges it
_NO_CVCA = frozenset({0x6A82, 0x6A88, 0x6982})


@dataclass(frozen=True)
class TerminalAuthenticationResult:
    """A completed TA: what was sent, what it grants, and how the chip was identified.

    Attributes:
        result: the machine's result (terminal CHR, certificates sent, the chip's challenge).
        path: the certificates sent, with the rights they grant (exact when ``path.verified``).
        trust_points: the CARs the chip named, most recent first (empty when it named none).
        trust_point_source: "given", "PACE", "EF.CVCA" or "none".
        binding: how ID_PICC was taken: "PACE (dynamic)", "BAC (document number)" or "given".
    """

    result: TaResult
    path: TaPath
    trust_points: tuple[str, ...]
    trust_point_source: str
    binding: str

    @property
    def terminal_chr(self) -> str:
        return self.result.terminal_chr

    @property
    def read_dg3(self) -> bool:
        """The chain grants reading DG3 (fingerprints)."""
        return self.path.read_dg3

    @property
    def read_dg4(self) -> bool:
        """The chain grants reading DG4 (iris)."""
        return self.path.read_dg4


def _trust_points(session: Session, given: Sequence[str] | None) -> tuple[tuple[str, ...], str]:
    if given is not None:
        return tuple(given), "given"
    pace = session.pace_result
    if session.access == "PACE" and pace is not None and pace.car:
        return tuple(bytes(c).decode("latin-1") for c in pace.car), "PACE"  # CARs are ISO/IEC 8859-1
    try:
        return session.read_cvca().cars, "EF.CVCA"
    except StatusWordError as e:
        if e.sw not in _NO_CVCA:
            raise
        return (), "none"
    except ParseError:
        return (), "none"  # a chip without EF.CVCA answering 011C with another file


def _id_picc(session: Session, given: bytes | None) -> tuple[bytes, str]:
    if given is not None:
        return bytes(given), "given"
    if session.access == "PACE" and session.pace_result is not None:
        result = session.pace_result
        return id_picc_from_pace(result.chip_public_key, result.algorithm.key_agreement), "PACE (dynamic)"
    bac = session.bac_id_picc
    if session.access == "BAC" and bac is not None:
        return bac, "BAC (document number)"
    raise ProtocolError("no ID_PICC: the session ran neither PACE nor BAC; give id_picc", step="TA")


def authenticate(session: Session, certificates: Iterable[CvCertificate], signer: TaSigner, *,
                 id_picc: bytes | None, trust_points: Sequence[str] | None, today: dt.date,
                 need_dg3: bool, need_dg4: bool, terminal_chr: str | None) -> TerminalAuthenticationResult:
    """Steps 1-5 of the module header; ``Session.terminal_authentication`` documents the arguments."""
    ephemeral = session.ca_ephemeral_public_key
    if ephemeral is None or session.secure_messaging is None:
        raise ProtocolError("Terminal Authentication runs after Chip Authentication, in its secure messaging",
                            step="TA")
    held = list(certificates)
    cars, source = _trust_points(session, trust_points)
    path = prepare_path(cars or root_cars(held), held, today, need_dg3=need_dg3, need_dg4=need_dg4,
                        terminal_chr=terminal_chr)
    picc, binding = _id_picc(session, id_picc)
    machine = TerminalAuthentication(path.certificates, signer, id_picc=picc, ca_ephemeral_public_key=ephemeral,
                                     key_agreement=str(session.ca_key_agreement), today=today)
    cmd = machine.start()
    n = 0
    while cmd is not None:
        n += 1
        resp = session.transmit_long(cmd, step=f"TA step {n}")
        cmd = machine.receive(resp)  # TaRefusedError on a refusal, naming the certificate
    return TerminalAuthenticationResult(machine.result, path, cars, source, binding)
