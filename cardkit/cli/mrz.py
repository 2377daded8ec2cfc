"""``cardkit mrz``: MRZ lines from citizen records, and a checker for given MRZ lines.

Exit codes (those of ``cardkit.errors``): 0 all good; 1 ``check`` found a wrong check digit in a well-formed
MRZ (the report shows which); 2 input error — an MRZ that does not parse (the ParseError's one
line, naming line and position), a record file that cannot be read, or ``make`` meeting an
invalid record (its reasons are printed, the valid records' lines still are).
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import click

from ..errors import InputError, VerificationError
from ..mrz import verify
from ..production.records import load_records

__all__ = ["mrz"]


@click.group()
def mrz() -> None:
    """Make MRZ lines from a record, or check given lines (ICAO Doc 9303)."""


@mrz.command()
@click.argument("record_file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--line", "line", type=int, metavar="N", help="Only the record on line N of the file.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--today", "today", metavar="YYYY-MM-DD", help="Validate as of this date (default: today).")
@click.option("--no-photo-check", is_flag=True, help="Do not require the photo files.")
def make(record_file: Path, line: int | None, as_json: bool, today: str | None, no_photo_check: bool) -> None:
    """Print the MRZ of each citizen record in RECORD_FILE (CSV or JSON Lines)."""
    as_of = _parse_today(today)
    out, bad = [], []
    for result in load_records(record_file, today=as_of, check_photo=not no_photo_check):
        if line is not None and result.line != line:
            continue
        if result.error is not None:
            bad.append(result.error)
            out.append({"line": result.line, "errors": list(result.error.reasons)})
            continue
        m = result.record.to_mrz()
        out.append({"line": result.line, "format": m.format, "lines": list(m.lines)})
    if line is not None and not out:
        raise InputError(f"{record_file.name}: no record on line {line}")
    if as_json:
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        for item in out:
            if "lines" in item:
                click.echo("\n".join(item["lines"]))
                click.echo()
    if bad:
        if len(bad) == 1 and line is not None:
            raise bad[0]
        if not as_json:
            for err in bad:
                click.echo(f"cardkit: {err}", err=True)
        raise InputError(f"{record_file.name}: {len(bad)} of {len(out)} records invalid")


@mrz.command()
@click.argument("lines", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def check(lines: tuple[str, ...], as_json: bool) -> None:
    """Parse MRZ LINES (2 or 3 lines, or the concatenated text; none: read stdin) and check every digit."""
    if not lines:
        lines = tuple(x for x in sys.stdin.read(4096).split() if x)
    text = lines[0] if len(lines) == 1 else list(lines)
    result = verify(text)
    m = result.mrz
    report = {
        "format": m.format,
        "valid": result.valid,
        "fields": {
            "document_code": m.document_code, "issuing_state": m.issuing_state,
            "document_number": m.document_number, "date_of_birth": m.date_of_birth, "sex": m.sex,
            "date_of_expiry": m.date_of_expiry, "nationality": m.nationality,
            "primary_identifier": m.primary_identifier, "secondary_identifier": m.secondary_identifier,
            "optional_data": m.optional_data, **({"optional_data_2": m.optional_data_2} if m.format == "TD1" else {}),
        },
        "check_digits": [
            {"name": c.name, "line": c.line, "position": c.position, "expected": c.expected, "found": c.found,
             "ok": c.ok} for c in result.check_digits
        ],
    }
    if as_json:
        click.echo(json.dumps(report, indent=2))
    else:
        _render(report)
    if not result.valid:
        wrong = ", ".join(f"{c.name} (line {c.line} position {c.position})" for c in result.check_digits if not c.ok)
        raise VerificationError(f"MRZ check digit wrong: {wrong}")


def _render(report: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    fields = Table(title=f"MRZ {report['format']}", show_header=False)
    fields.add_column("field", style="bold")
    fields.add_column("value")
    for k, v in report["fields"].items():
        fields.add_row(k.replace("_", " "), v or "-")
    console.print(fields)
    digits = Table(title="Check digits")
    for col in ("check digit", "line", "position", "expected", "found", "result"):
        digits.add_column(col)
    for c in report["check_digits"]:
        digits.add_row(c["name"], str(c["line"]), str(c["position"]), c["expected"], c["found"],
                       "[green]ok[/]" if c["ok"] else "[red]WRONG[/]")
    console.print(digits)


def _parse_today(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError("--today must be a date YYYY-MM-DD") from None
