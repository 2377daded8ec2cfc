"""``cardkit audit PATH... --trust PATH...``: verify dumps and bare EF.SOD files offline, in bulk.

Inputs are streamed (constant memory) in this process, joined by worker processes on a long audit
(``--jobs N``: N workers from the start); a progress bar runs on stderr. Each
item gets the verdict ``cardkit verify --dump`` gives the same files. The text output names every
item that did not pass, one line per failed check (verdict, item, check: reason), as the items
arrive; then the summary counts items by verdict, by failed check and by DS certificate.
``--json`` prints one JSON document (schema, items streamed, then the summary); ``--report FILE``
writes every item's findings as JSON Lines (each line carries the schema version).
Exit 0 when every item's data verified to a trusted CSCA; 5 when the others all lack a trust
anchor (UNKNOWN_ISSUER); 1 otherwise.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import IO

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from ..audit import AUDIT_SCHEMA_VERSION, AuditItem, AuditSummary
from ..audit import audit as run_audit
from ..errors import InputError
from ..inspect import Verdict
from .verify import load_trust

__all__ = ["audit"]


def _render(summary: AuditSummary, console: Console) -> None:
    t = Table(title="Audit summary")
    t.add_column("items", justify="right")
    t.add_column("data authentic", justify="right", style="green")
    t.add_column("not genuine", justify="right", style="red")
    t.add_column("unknown issuer", justify="right", style="yellow")
    t.add_column("incomplete", justify="right", style="yellow")
    v = summary.by_verdict
    t.add_row(str(summary.total), str(summary.authentic), str(v[Verdict.NOT_GENUINE]), str(v[Verdict.UNKNOWN_ISSUER]),
              str(v[Verdict.INCOMPLETE]))
    console.print(t)
    if summary.by_reason:
        r = Table(title="Failures by check")
        r.add_column("check")
        r.add_column("items", justify="right")
        for reason, n in summary.by_reason.most_common():
            r.add_row(reason, str(n))
        console.print(r)
    shown = [w for w in Verdict if any(c.get(w.value) for c in summary.by_ds.values())]
    d = Table(title="By DS certificate")
    d.add_column("DS certificate")
    for w in shown:
        d.add_column(w.value.lower(), justify="right")
    for ds, counts in sorted(summary.by_ds.items()):
        d.add_row(ds, *(str(counts.get(w.value, 0)) for w in shown))
    console.print(d)
    for f in summary.trust_findings:
        if f.failed:
            console.print(f"[yellow]trust store:[/yellow] {escape(f.reason)}")


def _not_passed_lines(item: AuditItem) -> list[str]:
    """One line per failed check of an item that did not pass: verdict, item, check: reason."""
    return [f"{item.verdict.value}  {item.path}  {reason}" for reason in item.reasons] or \
        [f"{item.verdict.value}  {item.path}"]


@click.command("audit")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--trust", "trust", multiple=True, required=True, type=click.Path(exists=True, path_type=Path),
              help="CSCA certificates, master lists, or directories of them (repeatable).")
@click.option("--crl", "crls", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="CRL file or directory.")
@click.option("--jobs", "-j", type=click.IntRange(1, 512), default=None,
              help="Worker processes. Default: audit in this process; once the audit has run 0.5 s with inputs "
                   "left, add one worker per idle core (on a busy machine, one per other core after 2 s). A short "
                   "audit starts none.")
@click.option("--json", "as_json", is_flag=True, help="Print items and summary as one JSON document.")
@click.option("--report", "report", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write every item's findings to FILE as JSON Lines.")
@click.option("--at", "at", default=None, metavar="YYYY-MM-DD", help="Check validity at this date (default: now).")
def audit(paths: tuple[Path, ...], trust: tuple[Path, ...], crls: tuple[Path, ...], jobs: int | None,
          as_json: bool, report: Path | None, at: str | None) -> None:
    """Verify dumps and EF.SOD files against CSCAs, master lists and CRLs.

    \b
    Exit codes: 0 every item's data verified (DATA_AUTHENTIC_CHIP_NOT_PROVEN: a dump cannot prove
    its chip); 1 an item NOT_GENUINE or INCOMPLETE (unreadable); 2 usage or input error;
    5 the items that did not verify all lack a trust anchor (UNKNOWN_ISSUER).
    """
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
    console = Console(soft_wrap=True, highlight=False)
    progress = Progress(SpinnerColumn(), TextColumn("auditing"), BarColumn(), TextColumn("{task.completed} items"),
                        TimeElapsedColumn(), console=Console(stderr=True), transient=True)
    task = progress.add_task("audit", total=None)
    if as_json:
        out.write('{"schema": %d, "items": [' % AUDIT_SCHEMA_VERSION)

    def on_item(item: AuditItem) -> None:
        d = item.to_dict() if report_file or as_json else None
        if report_file and d is not None:
            report_file.write(json.dumps({"schema": AUDIT_SCHEMA_VERSION, **d}, ensure_ascii=False) + "\n")
        if as_json and d is not None:
            out.write(("\n" if first[0] else ",\n") + json.dumps(d, ensure_ascii=False))
            first[0] = False
        elif not item.passed:
            for line in _not_passed_lines(item):
                console.print(escape(line))
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
        _render(summary, console)
    if summary.exit_code:
        raise click.exceptions.Exit(summary.exit_code)
