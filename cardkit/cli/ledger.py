"""``cardkit ledger``: reports over the issuance ledger (counts per day, station and outcome)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from urllib.request import pathname2url

import click

from ..errors import InputError, LedgerError
from ..production.ledger import Ledger

__all__ = ["ledger"]


@click.group("ledger")
def ledger() -> None:
    """Issuance ledger reports."""


def _open(path: Path) -> Ledger:
    if not path.is_file():
        raise InputError(f"{path}: no such ledger")
    # Ledger() creates its tables: look read-only first, so a report never turns an empty or foreign
    # database into a ledger that says "nothing issued".
    try:
        db = sqlite3.connect(f"file:{pathname2url(str(path.resolve()))}?mode=ro", uri=True)
        try:
            known = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'documents'").fetchone()
        finally:
            db.close()
    except sqlite3.DatabaseError as e:
        raise LedgerError(f"{path}: not a usable ledger: {e}") from None
    if not known:
        raise LedgerError(f"{path}: not a cardkit ledger (no documents table)")
    return Ledger(path)


@ledger.command("report")
@click.option("--ledger", "path", required=True, type=click.Path(path_type=Path, dir_okay=False), metavar="DB")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def report(path: Path, as_json: bool) -> None:
    """Cards issued and rejected per day and station, and the documents in each state now."""
    with _open(path) as lg:
        rows = lg.report()
        counts = lg.counts()
        problems = lg.check_integrity()
    if as_json:
        click.echo(json.dumps({"ledger": str(path), "states": counts, "problems": problems,
                               "outcomes": [{"day": d, "station": s, "outcome": o, "count": n}
                                            for d, s, o, n in rows]}, indent=2))
    else:
        from rich.console import Console
        from rich.table import Table

        t = Table(title=f"Issuance ledger {path.name}")
        for col, just in (("day (UTC)", "left"), ("station", "left"), ("outcome", "left"), ("cards", "right")):
            t.add_column(col, justify=just)  # type: ignore[arg-type]
        for d, s, o, n in rows:
            t.add_row(d, s or "-", o, str(n))
        console = Console()
        console.print(t)
        console.print("now: " + ", ".join(f"{k} {v}" for k, v in counts.items()), highlight=False)
        for p in problems:
            console.print(f"[red]inconsistent:[/] {p}", highlight=False)
    if problems:
        raise LedgerError(f"{path}: {len(problems)} inconsistencies (see above)")


@ledger.command("check")
@click.option("--ledger", "path", required=True, type=click.Path(path_type=Path, dir_okay=False), metavar="DB")
def check(path: Path) -> None:
    """Check the ledger's consistency (SQLite integrity, state history, one issue per person)."""
    with _open(path) as lg:
        problems = lg.check_integrity()
    for p in problems:
        click.echo(p)
    if problems:
        raise LedgerError(f"{path}: {len(problems)} inconsistencies")
    click.echo("ledger consistent")
