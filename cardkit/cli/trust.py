"""``cardkit trust``: build and describe trust store folders; check bare signed objects against trust anchors.

    cardkit trust import SOURCE... --store DIR      master lists, PEM/DER bundles, CRLs, PKD LDIF -> DIR
    cardkit trust list --store DIR [--country XX]   counts per country, validity, algorithms
    cardkit trust check FILE... --trust PATH...     Passive Authentication of bare EF.SOD / EF.CardSecurity

A store folder is accepted by every ``--trust`` option (verify, audit, personalise). Exit codes: 0 done
(or every checked file passed), 1 a source refused whole or a file that failed, 2 bad input (a source
that is garbage or cut: nothing is imported).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from ..checks import Status
from ..errors import InputError, ParseError
from ..pki.passive import check_signed_file
from ..pki.store import import_sources, summarise_store
from .verify import load_trust, parse_at

__all__ = ["trust"]


@click.group("trust")
def trust() -> None:
    """Trust store folders (CSCAs, master lists, CRLs, PKD LDIF) and checks against them."""


@trust.command("import")
@click.argument("sources", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--store", required=True, type=click.Path(file_okay=False, path_type=Path), help="Trust store folder.")
@click.option("--json", "as_json", is_flag=True, help="Print the import report as JSON.")
def import_cmd(sources: tuple[Path, ...], store: Path, as_json: bool) -> None:
    """Import SOURCES (files or folders) into the trust store folder STORE (made when missing)."""
    report = import_sources(store, sources)
    if as_json:
        click.echo(json.dumps({
            "store": report.store, "sources": list(report.sources), "added_certificates": report.added_certificates,
            "added_crls": report.added_crls, "certificates": report.total_certificates, "crls": report.total_crls,
            "master_lists": [{"source": o.source, "verified": o.verified, "reason": o.reason,
                              "certificates": o.certificates, "skipped": list(o.skipped)} for o in report.lists],
            "findings": [c.to_dict() for c in report.findings]}, ensure_ascii=False, indent=2))
        return
    lists = {Path(o.source).name: o for o in report.lists}
    for s in report.sources:
        line = f"{s['name']}: {s['kind']}"
        o = lists.get(s["name"])
        if o is not None:
            line += f", {o.certificates} CSCA certificates, {o.reason}"
        elif s["certificates"]:
            line += f", {s['certificates']} certificates"
        if s["crls"]:
            line += f", {s['crls']} CRL(s)"
        if s["skipped"]:
            line += f"; {len(s['skipped'])} skipped"
        click.echo(line)
        for item in s["skipped"]:
            click.echo(f"  skipped {item}")
        for f in s["findings"]:
            if o is None or o.reason not in f:  # the list's own outcome is on the line above
                click.echo(f"  note: {f}")
    for c in report.findings:
        if c.name == "CRL signature" or (c.name == "trust store input" and c.status is Status.PASSED):
            click.echo(f"  {c.reason}")
    click.echo(f"{report.store}: {report.total_certificates} certificates ({report.added_certificates} new), "
               f"{report.total_crls} CRLs ({report.added_crls} new)")


@trust.command("list")
@click.option("--store", required=True, type=click.Path(file_okay=False, path_type=Path), help="Trust store folder.")
@click.option("--country", default=None, metavar="XX", help="Only this country (ISO 3166 alpha-2).")
@click.option("--at", "at", default=None, metavar="DATE", help="Judge validity at this date (default: now).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def list_cmd(store: Path, country: str | None, at: str | None, as_json: bool) -> None:
    """Show the trust store: certificates per country and role, validity, key and signature algorithms, CRLs."""
    summary = summarise_store(store, country=country, at=parse_at(at))
    if as_json:
        click.echo(json.dumps(summary.to_dict(), ensure_ascii=False, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{summary.store} at {summary.at:%Y-%m-%d}", title_justify="left")
    for col in ("country", "CSCA", "link", "DS", "valid", "expired", "CRLs", "keys", "signature algorithms"):
        table.add_column(col, overflow="fold")
    for c, d in summary.countries.items():
        table.add_row(c, str(d["csca"]), str(d["link"]), str(d["ds"]), str(d["valid"]),
                      str(d["expired"] + d["not_yet_valid"]), str(d["crls"]),
                      ", ".join(f"{k} {n}" for k, n in d["keys"].items()),
                      ", ".join(f"{k} {n}" for k, n in d["signature_algorithms"].items()))
    Console(soft_wrap=False).print(table)
    total = sum(d["csca"] + d["link"] + d["ds"] for d in summary.countries.values())
    click.echo(f"{len(summary.countries)} countries, {total} certificates")


@trust.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--trust", "trust_paths", multiple=True, required=True, type=click.Path(exists=True, path_type=Path),
              help="CSCA certificates, master lists, LDIF, trust store folders (repeatable).")
@click.option("--crl", "crls", multiple=True, type=click.Path(exists=True, path_type=Path), help="CRL (repeatable).")
@click.option("--at", "at", default=None, metavar="DATE", help="Check validity at this date (default: now).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def check_cmd(files: tuple[Path, ...], trust_paths: tuple[Path, ...], crls: tuple[Path, ...], at: str | None,
              as_json: bool) -> None:
    """Passive Authentication of bare EF.SOD or EF.CardSecurity FILES: signature, chain, validity, revocation.

    Without the data groups, an EF.SOD's hashes are not compared: the file passes when nothing failed
    and its signature and certificate path verified.
    """
    store = load_trust(trust_paths, crls)
    when = parse_at(at)
    results: list[dict[str, Any]] = []
    ok_all = True
    for f in files:
        try:
            data = f.read_bytes()
        except OSError as e:
            raise InputError(f"{f}: cannot read ({e.strerror or e})") from None
        try:
            kind, result = check_signed_file(data, store, at=when)
        except ParseError as e:
            e.source = str(f)
            raise
        passed = result.signed_and_anchored
        ok_all &= passed
        results.append({**result.to_dict(), "file": str(f), "kind": kind, "passed": passed})
    if as_json:
        click.echo(json.dumps(results if len(results) > 1 else results[0], ensure_ascii=False, indent=2))
    else:
        for r in results:
            click.echo(f"{r['file']}: {r['kind']}: {'PASSED' if r['passed'] else 'FAILED'}")
            for c in r["checks"]:
                if c["status"] != "PASSED":
                    click.echo(f"  {c['status']:8} {c['name']}: {c['reason']}")
    if not ok_all:
        raise click.exceptions.Exit(1)
