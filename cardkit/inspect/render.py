"""Drawing an inspection report for a person: holder, access, checks, verdict, with rich.

Vietnamese text is shown as read (NFC); DG13's fields carry their Vietnamese labels first, in the
order the card lists them. The checks are coloured by status, the verdict by what it allows.
rich is loaded when a report is drawn, not when this module is: ``verify --json`` never needs it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..checks import Status
from .report import InspectionReport, Verdict

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["render", "DG13_LABELS", "VERDICT_TEXT"]

VERDICT_TEXT = {
    Verdict.GENUINE: "GENUINE: data authentic and the chip proved it holds its key",
    Verdict.DATA_AUTHENTIC_CHIP_NOT_PROVEN: "DATA AUTHENTIC, CHIP NOT PROVEN: signed data, but the chip did not "
                                            "prove its key",
    Verdict.NOT_GENUINE: "NOT GENUINE",
    Verdict.UNKNOWN_ISSUER: "UNKNOWN ISSUER: no trust anchor for this document's signer (not a forgery finding: "
                            "the trust store holds no CSCA of its issuer)",
    Verdict.INCOMPLETE: "INCOMPLETE: the chip could not be fully read or checked",
}
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
    Verdict.UNKNOWN_ISSUER: "bold yellow",
    Verdict.INCOMPLETE: "bold red",
}

# DG13 field labels in the order the card lists them, Vietnamese first.
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


def render(report: InspectionReport, console: Console, *, face_path: str | None = None) -> None:
    """Draw the report on a rich ``Console``: holder, access, checks, algorithms, verdict."""
    from rich.table import Table  # rich costs about 20 ms to load: only text output pays it
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
        for key, element in (data or {}).items():
            if element not in (None, "", [], ()):
                holder.add_row(f"{title} {key.replace('_', ' ')}", Text(str(element)))
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
    verdict = Text(VERDICT_TEXT[report.verdict], style=_VERDICT_STYLE[report.verdict])
    if report.verdict_reason:
        verdict.append(f" ({report.verdict_reason})", style="")
    console.print(verdict)
