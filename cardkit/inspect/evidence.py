"""Evidence: what a terminal gathered from a chip (or a dump), as typed values, before any judgement.

The card phase (``cardkit.inspect.card_phase``) records how each step ended and nothing else:
- every file read and how the read ended (``FileRead``: ok, protected or absent with the status
  word, refused, malformed, secure messaging broken, transport failure);
- the access-control outcome (``AccessOutcome``: PACE with which PACEInfo and password kind, or BAC,
  and why PACE did not open the channel when BAC had to);
- after PACE-CAM, EF.CardSecurity and whether CA_IC matched its key (``CamOutcome``);
- the chip's proofs of its key, Active and Chip Authentication (``ProofAttempt``);
- Terminal Authentication, when the terminal brought credentials (``TaAttempt``): what it sent, what
  the chip granted, or which certificate was refused and why;
- the read-back's probe of Extended Access Control (``eac_probe``): DG3 (else DG4) asked for without
  Terminal Authentication, which the chip must refuse;
- where the card phase stopped and why (``Stop``, with a typed ``StopReason``), APDU counts, timings.
A dump gives evidence of the same type (``dump_evidence``): its files, all read, no chip steps. The
one judge (``cardkit.inspect.judge``) turns any evidence into an ``InspectionReport``.
Evidence holds personal data (the files) but no secret: never the CAN, the MRZ information or a key.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..algorithms import Cipher
from ..crypto.cvc_validation import Rejection
from ..dump import DUMP_FILE_NAMES
from ..lds import PaceInfo

__all__ = [
    "Source", "ReadEnd", "FileRead", "PaceEnd", "BacEnd", "AccessOutcome", "CamOutcome", "ProofRun",
    "ProofAttempt", "TaRun", "TaAttempt", "StopReason", "Stop", "Evidence", "dump_evidence", "PROTECTED_SW",
    "ABSENT_SW", "EAC_GROUPS",
]

# Status words meaning "you may not read this" (EAC-protected DG3/DG4, Doc 9303-11 §7.1.2; TR-03110-1).
PROTECTED_SW = frozenset({0x6982, 0x6985, 0x6986})
# "no such file" (ISO 7816-4 §5.6): file or record not found, referenced data not found
ABSENT_SW = frozenset({0x6A82, 0x6A88})
# The data groups Extended Access Control may protect (Doc 9303-11 §7.1): fingers and irises.
EAC_GROUPS = ("DG3", "DG4")


class Source(str, enum.Enum):
    """Where the files came from: a chip in a reader, or a dump directory."""

    CARD = "card"
    DUMP = "dump"


class ReadEnd(str, enum.Enum):
    """How reading one file ended."""

    OK = "ok"
    PROTECTED = "protected"  # a status word of PROTECTED_SW
    ABSENT = "absent"  # a status word of ABSENT_SW
    REFUSED = "refused"  # another status word
    MALFORMED = "malformed"  # the chip's answer does not make a file (bad header, short or oversized reads)
    CHANNEL_BROKEN = "channel_broken"  # a secure-messaging answer whose MAC or structure is wrong
    TRANSPORT = "transport"  # the reader, the link or the card went away
    # not asked for: DG3/DG4 of a chip that announces Terminal Authentication (EF.CardAccess or DG14),
    # which this terminal does not run; such a chip refuses them without it (6982, Doc 9303-11 §7.1)
    NEEDS_TA = "needs_ta"


@dataclass(frozen=True, slots=True)
class FileRead:
    """One file and how its read ended; ``data`` only when OK, ``sw`` when the chip answered a status word."""

    name: str
    end: ReadEnd
    data: bytes = field(default=b"", repr=False)
    sw: int | None = None
    detail: str = ""  # the error's own words when not OK (never a secret)
    ms: float | None = None


class PaceEnd(str, enum.Enum):
    """How PACE ended (Doc 9303-11 §4.4)."""

    NOT_OFFERED = "not_offered"  # no PACEInfo: no EF.CardAccess, or one that could not be read
    UNSUPPORTED = "unsupported"  # PACEInfos, none of a protocol this terminal runs
    OPENED = "opened"
    REFUSED = "refused"  # the chip refused the password or a token
    FAILED = "failed"  # the protocol could not run (bad parameters, a malformed answer)
    TRANSPORT = "transport"


class BacEnd(str, enum.Enum):
    """How BAC ended (Doc 9303-11 §4.3)."""

    NOT_TRIED = "not_tried"  # PACE opened the channel, or stopped the inspection
    NO_MRZ = "no_mrz"  # needed, but the key holds no MRZ information (a CAN cannot open BAC)
    OPENED = "opened"
    REFUSED = "refused"
    FAILED = "failed"
    TRANSPORT = "transport"


@dataclass(frozen=True, slots=True)
class AccessOutcome:
    """Access control: the PACE attempt (if any), the BAC attempt (if any), and the channel's cipher."""

    password: str  # "CAN" or "MRZ": the PACE password kind (BAC always uses the MRZ)
    pace: PaceEnd
    pace_info: PaceInfo | None = None  # the PACEInfo run (by ``cardkit.algorithms.choose_pace_info``)
    pace_detail: str = ""  # why PACE did not open; for UNSUPPORTED, the PACEInfos offered
    pace_step: str | None = None
    bac: BacEnd = BacEnd.NOT_TRIED
    bac_detail: str = ""
    bac_step: str | None = None
    sm_cipher: Cipher | None = None  # the secure-messaging cipher once a channel opened

    @property
    def opened_by(self) -> str | None:
        """"PACE" or "BAC": what opened the secure channel; None when nothing did."""
        if self.pace is PaceEnd.OPENED:
            return "PACE"
        return "BAC" if self.bac is BacEnd.OPENED else None


@dataclass(frozen=True, slots=True)
class CamOutcome:
    """PACE-CAM (Doc 9303-11 §4.4.3.5): EF.CardSecurity as read after PACE, and the CA_IC check against its key."""

    card_security: FileRead
    verified: bool | None = None  # None: not checked (``detail`` says why)
    detail: str = ""


class ProofRun(str, enum.Enum):
    """How one chip proof (Active or Chip Authentication) ended."""

    NOT_OFFERED = "not_offered"  # no key file, a key file that does not decode, or no key in it
    VERIFIED = "verified"
    REJECTED = "rejected"  # the chip answered, and its proof does not verify (a clone)
    ERROR = "error"  # the chip did not answer the protocol properly
    CHANNEL_BROKEN = "channel_broken"
    TRANSPORT = "transport"


@dataclass(frozen=True, slots=True)
class ProofAttempt:
    """One chip proof as attempted: its ending, the error's words and the protocol step when it failed."""

    run: ProofRun
    detail: str = ""
    step: str | None = None


class TaRun(str, enum.Enum):
    """How Terminal Authentication ended (Doc 9303-11 §7.1; BSI TR-03110-1 EAC1)."""

    AUTHENTICATED = "authenticated"  # the chip accepted the chain and the challenge's signature
    NOT_OFFERED = "not_offered"  # the chip announces no TA and lists neither DG3 nor DG4
    NO_CHIP_AUTHENTICATION = "no_chip_authentication"  # TA signs CA's key: CA did not run or did not verify
    REFUSED_BY_TERMINAL = "refused_by_terminal"  # the terminal's own check of its chain: nothing was sent
    REFUSED_BY_CHIP = "refused_by_chip"  # the chip refused a certificate, the key or the signature
    ERROR = "error"  # the protocol could not run (a malformed answer, the terminal's key failed to sign)
    CHANNEL_BROKEN = "channel_broken"  # the chip ended secure messaging during TA
    TRANSPORT = "transport"


@dataclass(frozen=True, slots=True)
class TaAttempt:
    """Terminal Authentication as attempted with the terminal's credentials.

    Attributes:
        run: how it ended.
        terminal: the terminal certificate's holder reference (CHR).
        wanted: the EAC groups the chip lists (``EAC_GROUPS`` it has), the ones TA is for.
        granted: the groups the certificates sent grant reading (after AUTHENTICATED).
        certificate, rejection, sw: for a refusal, the certificate concerned (CHR), the rule it broke
            as far as it is known, and the chip's status word (a refusal by the chip).
        sent: the CHRs of the certificates sent; trust_points / trust_point_source: the chip's CARs and
            where they came from (PACE, EF.CVCA); binding: how ID_PICC was taken.
    """

    run: TaRun
    terminal: str
    wanted: tuple[str, ...] = ()
    granted: tuple[str, ...] = ()
    certificate: str | None = None
    rejection: Rejection | None = None
    sw: int | None = None
    detail: str = ""
    step: str | None = None
    sent: tuple[str, ...] = ()
    trust_points: tuple[str, ...] = ()
    trust_point_source: str = ""
    binding: str = ""


class StopReason(str, enum.Enum):
    """Why the card phase stopped; the judge's verdict and exit code follow from it."""

    LINK = "link"  # the reader, the link or the card went away
    ACCESS_FAILED = "access_failed"  # PACE/BAC did not open the channel (wrong key, or unusable protocol data)
    NEEDS_MRZ = "needs_mrz"  # the chip offers no PACE and the operator gave only a CAN
    CARD_DATA = "card_data"  # EF.CardAccess cannot be read or decoded, and there is no BAC to fall back to
    NO_APPLICATION = "no_application"  # the eMRTD application could not be selected
    CHANNEL_BROKEN = "channel_broken"  # the chip broke the open secure channel
    MALFORMED = "malformed"  # the chip answered a read with something that is not the file
    PROOF_FAILED = "proof_failed"  # Chip Authentication failed: the channel is gone

    @property
    def incomplete(self) -> bool:
        """True when nothing is known against the chip (the verdict is INCOMPLETE); False: the chip misbehaved."""
        return self not in (StopReason.CHANNEL_BROKEN, StopReason.MALFORMED, StopReason.PROOF_FAILED)

    @property
    def exit_code(self) -> int:
        """3 for a card or reader reason; 2 only when the operator's key cannot open this chip at all."""
        return 2 if self is StopReason.NEEDS_MRZ else 3


@dataclass(frozen=True, slots=True)
class Stop:
    """Where the card phase stopped (a check name), why, and the error's words."""

    step: str
    reason: StopReason
    detail: str


@dataclass(frozen=True, slots=True)
class Evidence:
    """Everything one card phase (or one dump) gave, for the judge. Frozen; no secret inside.

    ``reads`` are in file order (EF.CardAccess first on a card, then EF.COM, EF.SOD, the data groups by
    number; DG3/DG4 may be read after DG14, which says whether they need TA; a group read after Terminal
    Authentication takes the place of its first read); ``active_authentication``, ``chip_authentication``
    and ``terminal_authentication`` are None when the step was not reached (TA: or no credentials were
    given); ``prove_chip`` False when the caller asked for the files only. ``eac_probe`` is the read of
    an EAC group without Terminal Authentication when the caller asked for that probe (the read-back
    after personalisation), None otherwise; its data never joins ``files``.
    """

    source: Source
    reads: tuple[FileRead, ...]
    access: AccessOutcome | None = None
    cam: CamOutcome | None = None
    active_authentication: ProofAttempt | None = None
    chip_authentication: ProofAttempt | None = None
    terminal_authentication: TaAttempt | None = None
    stop: Stop | None = None
    prove_chip: bool = True
    apdu_count: int = 0
    timings: Mapping[str, float] = field(default_factory=dict)
    phase_apdus: Mapping[str, int] = field(default_factory=dict)
    eac_probe: FileRead | None = None

    @property
    def files(self) -> dict[str, bytes]:
        """File name -> bytes of every read that ended OK (EF.CardSecurity is in ``cam``)."""
        return {r.name: r.data for r in self.reads if r.end is ReadEnd.OK}

    def read_of(self, name: str) -> FileRead | None:
        """The read of file ``name``, or None when it was not attempted."""
        return next((r for r in self.reads if r.name == name), None)


def dump_evidence(files: Mapping[str, bytes]) -> Evidence:
    """The evidence of a dump: each file read as given, no chip steps (CA and AA need the chip).

    The files are taken in the dump's order (``cardkit.dump.DUMP_FILE_NAMES``) whatever order they
    came in (a directory listing has none), so a dump is judged the same from anywhere.
    """
    ordered = sorted(files, key=lambda n: _DUMP_ORDER.get(n, len(_DUMP_ORDER)))
    return Evidence(source=Source.DUMP, reads=tuple(FileRead(n, ReadEnd.OK, bytes(files[n])) for n in ordered),
                    prove_chip=False)


_DUMP_ORDER = {name: i for i, name in enumerate(DUMP_FILE_NAMES)}
