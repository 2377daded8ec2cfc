"""The inspection report: what a verification terminal found, as data (DESIGN.md principle 8).

An ``InspectionReport`` is frozen and JSON-safe through ``to_dict()``. It holds personal data
(the holder's MRZ, DG13, face) because showing it is the terminal's job, but never a secret:
no CAN, no MRZ_information, no key, no session key. ``render(report, console)`` draws it with
rich: the holder table (Vietnamese text as read, NFC), the checks coloured by status, the verdict.

Verdicts and exit codes (DESIGN.md "Exit codes"):

=================================  ====  =====================================================
verdict                            exit  meaning
=================================  ====  =====================================================
GENUINE                            0     PA passed and the chip proved its key (CA or AA)
DATA_AUTHENTIC_CHIP_NOT_PROVEN     1     PA passed but no chip proof (none offered, or offline)
NOT_GENUINE                        1     some check FAILED
INCOMPLETE                         3     the read stopped (wrong key, card removed, reader gone)
=================================  ====  =====================================================

"Data authentic, chip not proven" exits 1, not 0: exit 0 is the promise "this document is
genuine", and signed data alone does not keep it — a chip without CA/AA can be cloned byte for
byte (Doc 9303-11 §6: PA "does not prevent exact copying"). A terminal script testing ``$? = 0``
must not wave a possible clone through; the report says which of the two non-zero cases it is.
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass, field
from typing import Any

from .checks import Check, Status

__all__ = ["Verdict", "VERDICT_EXIT", "AccessInfo", "FaceInfo", "Holder", "InspectionReport", "render"]


class Verdict(str, enum.Enum):
    """The one-word answer of a terminal (DESIGN.md principle 8)."""

    GENUINE = "GENUINE"
    DATA_AUTHENTIC_CHIP_NOT_PROVEN = "DATA_AUTHENTIC_CHIP_NOT_PROVEN"
    NOT_GENUINE = "NOT_GENUINE"
    INCOMPLETE = "INCOMPLETE"

    def __str__(self) -> str:
        return self.value


VERDICT_EXIT: dict[Verdict, int] = {
    Verdict.GENUINE: 0,
    Verdict.DATA_AUTHENTIC_CHIP_NOT_PROVEN: 1,
    Verdict.NOT_GENUINE: 1,
    Verdict.INCOMPLETE: 3,
}

_VERDICT_TEXT = {
    Verdict.GENUINE: "GENUINE: data authentic and the chip proved it holds its key",
    Verdict.DATA_AUTHENTIC_CHIP_NOT_PROVEN: "DATA AUTHENTIC, CHIP NOT PROVEN: signed data, but the chip did not prove its key",
    Verdict.NOT_GENUINE: "NOT GENUINE",
    Verdict.INCOMPLETE: "INCOMPLETE: the chip could not be fully read or checked",
}


@dataclass(frozen=True, slots=True)
class AccessInfo:
    """How the secure channel was opened (Doc 9303-11 §4): PACE or BAC, and whether PACE fell back."""

    method: str | None = None  # "PACE", "BAC", or None when access control did not succeed
    algorithm: str | None = None  # e.g. "id-PACE-ECDH-GM-AES-CBC-CMAC-128", "BAC (3DES)"
    parameter_id: int | None = None
    password: str | None = None  # "CAN" or "MRZ": the kind, never the value
    fell_back: bool = False
    fallback_reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "algorithm": self.algorithm,
            "parameter_id": self.parameter_id,
            "password": self.password,
            "fell_back": self.fell_back,
            "fallback_reason": self.fallback_reason,
        }


@dataclass(frozen=True, slots=True)
class FaceInfo:
    """The first facial image of DG2 (Doc 9303-10 §4.7.2); ``image`` is kept out of repr and JSON."""

    image_type: str
    width: int | None
    height: int | None
    image: bytes = field(repr=False, default=b"")

    def to_dict(self) -> dict[str, Any]:
        return {"image_type": self.image_type, "width": self.width, "height": self.height, "size": len(self.image)}


@dataclass(frozen=True, slots=True)
class Holder:
    """The holder data decoded from DG1, DG2, DG11, DG12 and (Vietnam) DG13, JSON-safe except ``face.image``."""

    mrz: dict[str, str] | None = None
    mrz_lines: tuple[str, ...] = ()
    dg13: dict[str, Any] | None = None
    dg11: dict[str, Any] | None = None
    dg12: dict[str, Any] | None = None
    face: FaceInfo | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "mrz": self.mrz,
            "mrz_lines": list(self.mrz_lines),
            "dg13": self.dg13,
            "dg11": self.dg11,
            "dg12": self.dg12,
            "face": self.face.to_dict() if self.face else None,
        }


@dataclass(frozen=True, slots=True)
class InspectionReport:
    """Everything a terminal learnt about one chip or dump (see the module docstring for verdicts).

    Attributes:
        verdict: GENUINE / DATA_AUTHENTIC_CHIP_NOT_PROVEN / NOT_GENUINE / INCOMPLETE.
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

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form: files by size and SHA-256 only, the face image by type and size only."""
        return {
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


# --- rendering -------------------------------------------------------------------

_STATUS_STYLE = {
    Status.PASSED: "green",
    Status.FAILED: "bold red",
    Status.NOT_SUPPORTED: "yellow",
    Status.SKIPPED: "dim",
    Status.WARNING: "yellow",
}
_VERDICT_STYLE = {
    Verdict.GENUINE: "bold green",
    Verdict.DATA_AUTHENTIC_CHIP_NOT_PROVEN: "bold yellow",
    Verdict.NOT_GENUINE: "bold red",
    Verdict.INCOMPLETE: "bold red",
}

# DG13 field labels in the order the card lists them (spec/vn-cccd.md), Vietnamese first.
DG13_LABELS: dict[str, str] = {
    "id_number": "Số định danh (ID number)",
    "full_name": "Họ và tên (full name)",
    "date_of_birth": "Ngày sinh (date of birth)",
    "sex": "Giới tính (sex)",
    "nationality": "Quốc tịch (nationality)",
    "ethnicity": "Dân tộc (ethnicity)",
    "religion": "Tôn giáo (religion)",
    "place_of_origin": "Quê quán (place of origin)",
    "place_of_residence": "Nơi thường trú (residence)",
    "identification_features": "Đặc điểm nhận dạng (features)",
    "date_of_issue": "Ngày cấp (date of issue)",
    "date_of_expiry": "Có giá trị đến (expiry)",
    "father_name": "Họ tên cha (father)",
    "mother_name": "Họ tên mẹ (mother)",
    "spouse_name": "Họ tên vợ/chồng (spouse)",
    "old_id_number": "Số CMND cũ (old ID number)",
    "field16": "Trường 16 (field 16)",
}


def render(report: InspectionReport, console: Any, *, face_path: str | None = None) -> None:
    """Draw the report on a rich ``Console``: holder, access, checks, algorithms, verdict."""
    from rich.table import Table
    from rich.text import Text

    h = report.holder
    holder = Table(title="Holder", show_header=False, title_justify="left")
    holder.add_column("field", style="bold")
    holder.add_column("value")
    if h.mrz:
        for key in ("document_code", "issuing_state", "document_number", "primary_identifier",
                    "secondary_identifier", "nationality", "date_of_birth", "sex", "date_of_expiry",
                    "optional_data"):
            if h.mrz.get(key):
                holder.add_row(f"MRZ {key.replace('_', ' ')}", Text(str(h.mrz[key])))
    if h.dg13:
        for key, label in DG13_LABELS.items():
            value = h.dg13.get(key)
            if value not in (None, ""):
                holder.add_row(label, Text(str(value)))
    for title, data in (("DG11", h.dg11), ("DG12", h.dg12)):
        for key, value in (data or {}).items():
            if value not in (None, "", [], ()):
                holder.add_row(f"{title} {key.replace('_', ' ')}", Text(str(value)))
    if h.face:
        size = f"{h.face.image_type}, {len(h.face.image)} bytes"
        if h.face.width and h.face.height:
            size += f", {h.face.width}x{h.face.height}"
        if face_path:
            size += f" -> {face_path}"
        holder.add_row("Face image", Text(size))
    if holder.row_count:
        console.print(holder)

    a = report.access
    if a.method or a.fallback_reason:
        line = f"Access control: {a.method or 'none'}"
        if a.algorithm:
            line += f" ({a.algorithm})"
        if a.fell_back:
            line += f"; fell back from PACE: {a.fallback_reason}"
        console.print(Text(line))

    checks = Table(title="Checks", title_justify="left")
    checks.add_column("check")
    checks.add_column("status")
    checks.add_column("reason")
    for c in report.checks:
        checks.add_row(c.name, Text(c.status.value, style=_STATUS_STYLE[c.status]), Text(c.reason))
    console.print(checks)

    if report.algorithms:
        console.print(Text("Algorithms: " + ", ".join(f"{k}={v}" for k, v in report.algorithms.items())))
    total = report.timings.get("total")
    if report.source == "card":
        console.print(Text(f"APDUs: {report.apdu_count}" + (f", {total:.0f} ms" if total is not None else "")))
    verdict = Text(_VERDICT_TEXT[report.verdict], style=_VERDICT_STYLE[report.verdict])
    if report.verdict_reason:
        verdict.append(f" ({report.verdict_reason})", style="")
    console.print(verdict)
