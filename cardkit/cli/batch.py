"""``cardkit batch``: a batch loaded once into a shared ledger, then worked on by many stations.

    cardkit batch load --ledger postgresql:///cardkit?host=/run/postgresql --records day-1.csv --batch day-1 \\
        --profile vn-cccd
    cardkit batch status --ledger ... --batch day-1
Every record is validated and registered once (bad ones rejected with their reasons); stations then run
``cardkit personalise --ledger ... --batch day-1 --station S (--reader R | --sim DIR)``.
"""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from ..errors import InputError
from ..production.intake import load_batch
from ..production.ledger import Ledger
from ..production.records import load_records
from ..profiles import load_profile
from .ledger import open_existing

__all__ = ["batch"]


@click.group("batch")
def batch() -> None:
    """Batches shared by many stations: load once, then watch them."""


@batch.command("load")
@click.option("--ledger", "target", required=True, metavar="DB", help="The ledger: a file or a postgresql:// URL.")
@click.option("--records", required=True, type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--batch", "name", required=True, metavar="NAME", help="The batch's name, for personalise --batch.")
@click.option("--profile", "profile_name", required=True, metavar="P", help="Profile the batch is made for.")
@click.option("--station", default="loader", show_default=True, help="Who loaded it (kept in the history).")
@click.option("--json", "as_json", is_flag=True)
def load(target: str, records: Path, name: str, profile_name: str, station: str, as_json: bool) -> None:
    """Validate and register every record of RECORDS as batch NAME (rejects kept with their reasons)."""
    profile = load_profile(profile_name)
    items = list(load_records(records))
    with Ledger(target, station=station) as lg:
        summary = load_batch(lg, items, profile=profile, batch=name, source=records.name)
    if as_json:
        click.echo(json.dumps({"batch": name, "records": summary.records, "pending": summary.pending,
                               "rejected": summary.rejected, "already": summary.already,
                               "rejects": [{"line": ln, "reasons": list(r)} for ln, r in summary.rejects]},
                              ensure_ascii=False, indent=2))
        return
    for line, reasons in summary.rejects:
        click.echo(f"rejected line {line}: " + "; ".join(reasons), err=True)
    click.echo(f"batch {name}: {summary.records} records, {summary.pending} pending, {summary.rejected} rejected, "
               f"{summary.already} already in the ledger")


@batch.command("status")
@click.option("--ledger", "target", required=True, metavar="DB", help="The ledger: a file or a postgresql:// URL.")
@click.option("--batch", "name", required=True, metavar="NAME")
@click.option("--json", "as_json", is_flag=True)
def status(target: str, name: str, as_json: bool) -> None:
    """Pending, claimed (by whom, since when), issued and rejected records of a batch."""
    with open_existing(target) as lg:
        if lg.batch_profile(name) is None:
            raise InputError(f"no batch {name!r} in {lg.target}")
        counts = lg.counts(name)
        claims = [(r.line, r.claimed_by, r.updated_at, r.lease_until, r.card_touched)
                  for r in lg.rows(batch=name, state="writing")]
        spoiled = len(lg.spoiled(name))
    if as_json:
        click.echo(json.dumps({"batch": name, "states": counts, "cards_to_destroy": spoiled,
                               "claimed": [{"line": ln, "station": st, "since": since, "lease_until": lease,
                                            "card_touched": t} for ln, st, since, lease, t in claims]}, indent=2))
        return
    console = Console()
    console.print(f"batch {name}: " + ", ".join(f"{k} {v}" for k, v in counts.items())
                  + f"; cards to destroy {spoiled}", highlight=False)
    if claims:
        t = Table(title="claimed")
        for col in ("line", "station", "since (UTC)", "lease until (UTC)", "card touched"):
            t.add_column(col)
        for ln, st, since, lease, touched in claims:
            t.add_row(str(ln), str(st), str(since)[:19], str(lease)[:19], "yes" if touched else "no")
        console.print(t)
