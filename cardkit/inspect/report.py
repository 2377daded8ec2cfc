"""The inspection report: what a verification terminal found, as data.

An ``InspectionReport`` is frozen and JSON-safe through ``to_dict()``. It holds personal data
(the holder's MRZ, DG13, face) because showing it is the terminal's job, but never a secret:
no CAN, no MRZ information, no key, no session key.

Verdicts and exit codes:

=================================  ====  =====================================================
verdict                            exit  meaning
=================================  ====  =====================================================
GENUINE                            0     PA passed and the chip proved its key (CA, AA or CAM)
DATA_AUTHENTIC_CHIP_NOT_PROVEN     1     PA passed but no chip proof (none offered, or offline)
NOT_GENUINE                        1     some check FAILED
INCOMPLETE                         3     the read stopped (wrong key, card removed, reader gone);
                                         2 when the operator's input cannot open this chip
UNKNOWN_ISSUER                     5     no trust anchor: the trust store holds no CSCA named as
                                         the Document Signer's issuer; nothing else failed
=================================  ====  =====================================================

"Data authentic, chip not proven" exits 1, not 0: exit 0 is the promise "this document is
genuine", and signed data alone does not keep it — a chip without CA/AA can be cloned byte for
byte (Doc 9303-11 §6: PA "does not prevent exact copying"). UNKNOWN_ISSUER is not a forgery
finding: the terminal cannot tell, because it does not trust the issuing state's CSCA (Doc
9303-12 §5: the CSCA is distributed out of band); exit 5 lets a script tell it from NOT_GENUINE.

JSON schema (``SCHEMA_VERSION``): version 1 is the object of ``InspectionReport.to_dict``: schema,
verdict, verdict_reason, exit_code, source, stopped_at, access, holder, algorithms, checks (name,
status, reason, details), files (size and SHA-256 only), apdu_count, timings_ms, phase_apdus.
A new key may be added within a version; a key removed or changed in meaning raises it.
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass, field

from ..checks import Check, Status
from .holder import Holder

__all__ = ["SCHEMA_VERSION", "Verdict", "VERDICT_EXIT", "AccessInfo", "InspectionReport"]

SCHEMA_VERSION = 1


class Verdict(str, enum.Enum):
    """The one-word answer of a terminal, the same from ``verify`` (card or dump) and ``audit``."""

    GENUINE = "GENUINE"
    DATA_AUTHENTIC_CHIP_NOT_PROVEN = "DATA_AUTHENTIC_CHIP_NOT_PROVEN"
    NOT_GENUINE = "NOT_GENUINE"
    UNKNOWN_ISSUER = "UNKNOWN_ISSUER"
    INCOMPLETE = "INCOMPLETE"

    def __str__(self) -> str:
        return self.value

    @property
    def data_authentic(self) -> bool:
        """True for the verdicts that say the signed data verified to a trusted CSCA."""
        return self in (Verdict.GENUINE, Verdict.DATA_AUTHENTIC_CHIP_NOT_PROVEN)


VERDICT_EXIT: dict[Verdict, int] = {
    Verdict.GENUINE: 0,
    Verdict.DATA_AUTHENTIC_CHIP_NOT_PROVEN: 1,
    Verdict.NOT_GENUINE: 1,
    Verdict.INCOMPLETE: 3,
    Verdict.UNKNOWN_ISSUER: 5,
}


@dataclass(frozen=True, slots=True)
class AccessInfo:
    """How the secure channel was opened (Doc 9303-11 §4): PACE or BAC, and whether PACE fell back."""

    method: str | None = None  # "PACE", "BAC", or None when access control did not succeed
    algorithm: str | None = None  # e.g. "id-PACE-ECDH-GM-AES-CBC-CMAC-128 (brainpoolP256r1)", "3DES"
    parameter_id: int | None = None
    password: str | None = None  # "CAN" or "MRZ": the kind, never the value
    fell_back: bool = False
    fallback_reason: str = ""

    def to_dict(self) -> dict[str, object]:
        return {
            "method": self.method,
            "algorithm": self.algorithm,
            "parameter_id": self.parameter_id,
            "password": self.password,
            "fell_back": self.fell_back,
            "fallback_reason": self.fallback_reason,
        }


@dataclass(frozen=True, slots=True)
class InspectionReport:
    """Everything a terminal learnt about one chip or dump (see the module docstring for verdicts).

    Attributes:
        verdict: GENUINE / DATA_AUTHENTIC_CHIP_NOT_PROVEN / NOT_GENUINE / UNKNOWN_ISSUER / INCOMPLETE.
        verdict_reason: one line saying why.
        checks: each step, PASSED / FAILED / NOT_SUPPORTED / SKIPPED with a reason.
        access: how the channel was opened.
        holder: decoded holder data.
        algorithms: name -> algorithm seen ("pace", "sm_cipher", "sod_hash", "sod_signature", "ca", "aa").
        files: LDS file name -> raw bytes as read.
        apdu_count: APDUs exchanged with the chip (0 for a dump).
        timings: phase -> milliseconds ("total" included).
        phase_apdus: phase -> APDUs exchanged in it.
        source: "card" or "dump".
        stopped_at: the step at which reading stopped, or None.
        exit_code: the CLI exit code for this report.
        document_signer: the DS certificate's subject and serial, when EF.SOD carried it (not in JSON).
    """

    verdict: Verdict
    verdict_reason: str
    checks: tuple[Check, ...]
    access: AccessInfo
    holder: Holder
    algorithms: dict[str, str]
    files: dict[str, bytes] = field(repr=False)
    apdu_count: int
    timings: dict[str, float]
    phase_apdus: dict[str, int] = field(default_factory=dict)
    source: str = "card"
    stopped_at: str | None = None
    exit_code: int = 4
    document_signer: str | None = None

    @property
    def genuine(self) -> bool:
        """True only for the GENUINE verdict."""
        return self.verdict is Verdict.GENUINE

    def check(self, name: str) -> Check | None:
        """The check called ``name``, or None."""
        for c in self.checks:
            if c.name == name:
                return c
        return None

    @property
    def failed_checks(self) -> tuple[Check, ...]:
        """The FAILED checks, in the order they ran."""
        return tuple(c for c in self.checks if c.status is Status.FAILED)

    def to_dict(self) -> dict[str, object]:
        """JSON-safe form (schema ``SCHEMA_VERSION``): files by size and SHA-256 only, the face by type and size."""
        return {
            "schema": SCHEMA_VERSION,
            "verdict": self.verdict.value,
            "verdict_reason": self.verdict_reason,
            "exit_code": self.exit_code,
            "source": self.source,
            "stopped_at": self.stopped_at,
            "access": self.access.to_dict(),
            "holder": self.holder.to_dict(),
            "algorithms": dict(self.algorithms),
            "checks": [c.to_dict() for c in self.checks],
            "files": {
                name: {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
                for name, data in self.files.items()
            },
            "apdu_count": self.apdu_count,
            "timings_ms": {k: round(v, 3) for k, v in self.timings.items()},
            "phase_apdus": dict(self.phase_apdus),
        }
