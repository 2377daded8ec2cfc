"""``cardkit ledger``: the issuance ledger's campaign report, consistency check, withdrawn cards, schema.

``--ledger`` is a file (SQLite) or a ``postgresql://`` URL (password from PGPASSWORD or ~/.pgpass).
A report never creates a ledger: a file that is not one is refused, not turned into an empty ledger.
"""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from simulators.emrtd import EmrtdChip

from ..errors import CardkitError, InputError, LedgerError
from ..production.ledger import CampaignReport, Ledger, campaign_report, is_url
from ..profiles import load_profile

__all__ = ["ledger", "open_existing"]

_LEDGER = click.option("--ledger", "target", required=True, metavar="DB",
                       help="The ledger: a file (SQLite) or a postgresql:// URL.")


def open_existing(target: str) -> Ledger:
    """An existing ledger (InputError for a missing file; LedgerError for a database that is not one)."""
    if not is_url(target) and not Path(target).is_file():
        raise InputError(f"{target}: no such ledger")
    return Ledger(target, create=False, migrate=False)


@click.group("ledger")
def ledger() -> None:
    """Issuance ledger: campaign report, consistency check, withdrawn cards, schema migration."""


@ledger.command("report")
@_LEDGER
@click.option("--profile", "profile_name", default=None, metavar="P",
              help="Take the time zone from this profile (vn-cccd: Asia/Ho_Chi_Minh).")
@click.option("--tz", "tz", default=None, help="Local time zone for days and hours (IANA name; default from the "
              "profile, else the profile of the ledger's batches, else UTC).")
@click.option("--batch", default=None, help="Only this batch.")
@click.option("--target-per-device", type=click.IntRange(1), default=None, metavar="N",
              help="Cards per capture device per day the campaign aims at (progress column).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--csv", "as_csv", is_flag=True, help="Print the groups as CSV.")
def report(target: str, profile_name: str | None, tz: str | None, batch: str | None, target_per_device: int | None,
           as_json: bool, as_csv: bool) -> None:
    """Cards per local day, station, operator and capture device; rejections, reissues, withdrawn cards."""
    with open_existing(target) as lg:
        zone = tz or _zone_of(lg, profile_name)
        try:
            rep = campaign_report(lg, timezone=zone, target_per_device=target_per_device, batch=batch)
        except (ValueError, KeyError) as e:
            raise InputError(f"--tz {zone}: not a time zone ({e})") from None
        problems = lg.check_integrity()
    if as_json:
        click.echo(json.dumps({**rep.to_dict(), "problems": problems}, ensure_ascii=False, indent=2))
    elif as_csv:
        click.echo(rep.to_csv(), nl=False)
    else:
        _render(rep, problems)
    if problems:
        raise LedgerError(f"{len(problems)} inconsistencies in the ledger (see above)")


def _zone_of(lg: Ledger, profile_name: str | None) -> str:
    if profile_name is not None:
        return load_profile(profile_name).issuance.timezone
    names = {p for _, p, _, _, _ in lg.batches()}
    if len(names) == 1:
        try:
            return load_profile(names.pop()).issuance.timezone
        except CardkitError:
            return "UTC"
    return "UTC"


def _render(rep: CampaignReport, problems: list[str]) -> None:
    console = Console()
    t = Table(title=f"Cards issued ({rep.timezone})")
    for col, just in (("day", "left"), ("station", "left"), ("operator", "left"), ("capture device", "left"),
                      ("cards", "right"), ("first", "left"), ("last", "left"), ("cards/h", "right"),
                      ("target", "right")):
        t.add_column(col, justify=just)  # type: ignore[arg-type]
    for g in rep.groups:
        rate = "-" if g.cards_per_hour is None else f"{g.cards_per_hour:.1f}"
        target = "-" if g.progress is None else f"{100 * g.progress:.0f}% of {g.target}"
        t.add_row(g.day, g.station or "-", g.operator or "-", g.capture_device or "-", str(g.cards), g.first[11:19],
                  g.last[11:19], rate, target)
    console.print(t)
    for day, devices in rep.device_days.items():
        console.print(f"{day} per capture device: " + ", ".join(
            f"{d or '-'} {n}" + (f" ({100 * n / rep.groups[0].target:.0f}% of {rep.groups[0].target})"
                                 if rep.groups and rep.groups[0].target else "")
            for d, n in sorted(devices.items())), highlight=False)
    console.print(f"cards: {rep.cards}; now: " + ", ".join(f"{k} {v}" for k, v in rep.states.items()), highlight=False)
    for title, counts in (("rejections by reason", rep.rejections), ("reissues by reason", rep.reissues),
                          ("withdrawn cards", rep.withdrawn)):
        if counts:
            console.print(f"{title}: " + ", ".join(f"{k} {v}" for k, v in counts.items()), highlight=False)
    if rep.spoiled:
        console.print(f"cards to destroy (touched, never issued): {rep.spoiled}", highlight=False)
    for p in problems:
        console.print(f"[red]inconsistent:[/] {p}", highlight=False)


def _sod_of_image(folder: Path, artifact: str | None) -> bytes | None:
    """EF.SOD of a saved simulated card, None when it is missing or unreadable."""
    path = folder / f"{artifact}.image"
    if not artifact or not path.is_file():
        return None
    try:
        sod = EmrtdChip.load(path).files.get(0x011D)
    except CardkitError:
        return None
    return bytes(sod) if sod is not None else None


@ledger.command("check")
@_LEDGER
@click.option("--sim", type=click.Path(path_type=Path, file_okay=False, exists=True), metavar="DIR",
              help="The --sim folder: every issued card's image must be there with the recorded EF.SOD.")
def check(target: str, sim: Path | None) -> None:
    """Check the ledger: the engine's own check, histories, one valid card per person, card artifacts."""
    with open_existing(target) as lg:
        problems = lg.check_integrity(artifact_sod=(lambda a: _sod_of_image(sim, a)) if sim is not None else None)
        issued = sum(lg.counts()[s] for s in ("issued", "superseded", "revoked"))
    for p in problems:
        click.echo(p)
    if problems:
        raise LedgerError(f"{len(problems)} inconsistencies")
    click.echo(f"ledger consistent: {issued} cards" + (f", every one in {sim} with its EF.SOD" if sim else ""))


@ledger.command("withdrawn")
@_LEDGER
@click.option("--since", default=None, metavar="DATE", help="Withdrawn on or after this date (YYYY-MM-DD, UTC).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def withdrawn(target: str, since: str | None, as_json: bool) -> None:
    """Cards no longer valid: superseded (damaged, changed, renewal) or revoked (lost, stolen)."""
    with open_existing(target) as lg:
        rows = lg.withdrawn(since)
    items = [{"person": r.person_key, "issue": r.issue_number, "document_number": r.document_number,
              "state": r.state, "reason": r.withdrawn_reason, "withdrawn_at": r.withdrawn_at, "issued_at": r.issued_at,
              "batch": r.batch, "line": r.line} for r in rows]
    if as_json:
        click.echo(json.dumps(items, ensure_ascii=False, indent=2))
        return
    t = Table(title="Withdrawn cards")
    for col in ("person", "issue", "document", "state", "reason", "withdrawn at (UTC)"):
        t.add_column(col)
    for i in items:
        t.add_row(str(i["person"]), str(i["issue"]), str(i["document_number"]), str(i["state"]), str(i["reason"]),
                  str(i["withdrawn_at"])[:19])
    Console().print(t)


@ledger.command("migrate")
@_LEDGER
def migrate(target: str) -> None:
    """Create the ledger's schema (or say it is up to date); a ledger of another version is refused."""
    with Ledger(target, check_schema=False) as lg:
        click.echo(f"{lg.target}: {lg.migrate()}")
