"""``cardkit audit PATH... --trust PATH...``: verify dumps and bare EF.SOD files offline, in bulk.

Inputs are streamed (constant memory) over ``--jobs`` processes; a progress bar runs on stderr;
the summary table counts genuine, failed and unreadable items, by reason and by DS certificate.
``--json`` prints one JSON document (items streamed, then the summary); ``--report FILE`` writes
every item's findings as JSON Lines. Exit 0 when every item is genuine, 1 otherwise.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import IO

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from ..audit import AuditItem, AuditSummary, audit as run_audit
from ..errors import InputError
from .verify import load_trust

__all__ = ["audit"]


def _render(summary: AuditSummary) -> None:
    console = Console()
    t = Table(title="Audit summary")
    t.add_column("items", justify="right")
    t.add_column("genuine", justify="right", style="green")
    t.add_column("failed", justify="right", style="red")
    t.add_column("unreadable", justify="right", style="yellow")
    t.add_row(str(summary.total), str(summary.genuine), str(summary.failed), str(summary.unreadable))
    console.print(t)
    if summary.by_reason:
        r = Table(title="Failures by reason")
        r.add_column("check")
        r.add_column("items", justify="right")
        for reason, n in summary.by_reason.most_common():
            r.add_row(reason, str(n))
        console.print(r)
    d = Table(title="By DS certificate")
    d.add_column("DS certificate")
    for col in ("GENUINE", "FAILED", "UNREADABLE"):
        d.add_column(col.lower(), justify="right")
    for ds, counts in sorted(summary.by_ds.items()):
        d.add_row(ds, *(str(counts.get(c, 0)) for c in ("GENUINE", "FAILED", "UNREADABLE")))
    console.print(d)
    for f in summary.trust_findings:
        if f.failed:
            console.print(f"[yellow]trust store:[/yellow] {f.reason}")


@click.command("audit")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--trust", "trust", multiple=True, required=True, type=click.Path(exists=True, path_type=Path),
              help="CSCA certificates, master lists, or directories of them (repeatable).")
@click.option("--crl", "crls", multiple=True, type=click.Path(exists=True, path_type=Path), help="CRL file or directory.")
@click.option("--jobs", "-j", type=click.IntRange(1, 512), default=None, help="Worker processes (default: all cores).")
@click.option("--json", "as_json", is_flag=True, help="Print items and summary as one JSON document.")
@click.option("--report", "report", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write every item's findings to FILE as JSON Lines.")
@click.option("--at", "at", default=None, metavar="YYYY-MM-DD", help="Check validity at this date (default: now).")
def audit(paths: tuple[Path, ...], trust: tuple[Path, ...], crls: tuple[Path, ...], jobs: int | None,
          as_json: bool, report: Path | None, at: str | None) -> None:
    """Verify dumps and EF.SOD files against CSCAs, master lists and CRLs."""
    when = None
    if at:
        try:
            when = dt.datetime.strptime(at, "%Y-%m-%d").replace(tzinfo=dt.timezone.utc)
        except ValueError:
            raise InputError(f"--at {at!r} is not a date YYYY-MM-DD") from None
    out: IO[str] = sys.stdout
    load_trust(tuple(trust), tuple(crls))  # a named trust or CRL file that is unreadable: InputError, before work
    try:
        report_file = report.open("w", encoding="utf-8") if report else None
    except OSError as e:
        raise InputError(f"{report}: cannot write ({e.strerror or e})") from None
    first = [True]
    progress = Progress(SpinnerColumn(), TextColumn("auditing"), BarColumn(), TextColumn("{task.completed} items"),
                        TimeElapsedColumn(), console=Console(stderr=True), transient=True)
    task = progress.add_task("audit", total=None)
    if as_json:
        out.write('{"items": [')

    def on_item(item: AuditItem) -> None:
        d = item.to_dict()
        if report_file:
            report_file.write(json.dumps(d, ensure_ascii=False) + "\n")
        if as_json:
            out.write(("\n" if first[0] else ",\n") + json.dumps(d, ensure_ascii=False))
            first[0] = False
        progress.advance(task)

    try:
        with progress:
            summary = run_audit(paths, trust, crls, jobs=jobs, at=when, on_item=on_item,
                                with_checks=as_json or report is not None)
    finally:
        if report_file:
            report_file.close()
    if as_json:
        out.write('\n], "summary": ' + json.dumps(summary.to_dict(), ensure_ascii=False) + "}\n")
    else:
        _render(summary)
    if summary.genuine != summary.total:
        raise click.exceptions.Exit(1)
