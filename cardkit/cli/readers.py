"""``cardkit readers``: the PC/SC readers, and the card (ATR) in each."""

from __future__ import annotations

import json

import click

from ..card.pcsc import list_readers

__all__ = ["readers"]


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def readers(as_json: bool) -> None:
    """List PC/SC readers and whether a card is present (with its ATR)."""
    found = list_readers()  # ReaderError (exit 3) when pcscd is not running
    if as_json:
        click.echo(json.dumps([r.to_dict() for r in found], indent=2))
        return
    if not found:
        click.echo("no PC/SC readers")
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("#", "reader", "card", "ATR")
    for r in found:
        table.add_row(str(r.index), r.name, "present" if r.card_present else "-", r.atr.hex().upper() if r.atr else "")
    Console().print(table)
