"""``cardkit personalise``: a batch of citizen records -> cards, with a progress bar and the ledger.

    cardkit personalise --profile vn-cccd --records citizens.csv --ds keys/ds/ --sim out/
    cardkit personalise --profile vn-cccd --records citizens.csv --ds keys/ds/ --reader 0 --ledger l.sqlite

The DS comes from ``--ds DIR`` (``ds.pem`` + encrypted ``ds.key``, and ``ds.json`` when
``cardkit pki issue-ds`` made the folder: its hash, padding, or HSM key; passphrase from the prompt
or ``CARDKIT_PASSPHRASE``) or from an HSM (``--pkcs11-module``, ``--token``, ``--key-label``; PIN
from ``CARDKIT_PIN`` or the prompt). The read-back check trusts ``--trust``, by default the
issuing CSCA's certificate that ``cardkit pki issue-ds`` puts in the folder (``DIR/csca.pem``).
Exit 0 when the run went through (rejects are normal outcomes, listed and kept in the ledger);
2 when it stopped on a DS/HSM failure or bad input; 3 when no card came.
"""

from __future__ import annotations

import getpass
import json
import os
import socket
import sys
from pathlib import Path
from typing import IO

import click

from ..errors import InputError, KeyStoreError, TransportError
from ..pki import keystore
from ..pki.hsm import Pkcs11Signer
from ..pki.signers import KeyFileSigner, Signer, passphrase_from_env
from ..pki.trust import TrustStore
from ..production.batch import BatchProgress, BatchSummary, CardSource, ReaderSource, SimulatorSource, run_batch
from ..production.ledger import Ledger, default_ledger_path
from ..production.records import RecordResult, load_records
from ..profiles import Profile, load_profile
from ._secrets import ask_secret
from .verify import load_trust

__all__ = ["personalise", "load_signer", "load_trust_for"]


def load_signer(ds: Path | None, module: str | None, token: str | None, key_label: str | None,
                ds_cert: Path | None) -> Signer:
    """The Document Signer from --ds DIR or from a PKCS#11 token."""
    if (ds is None) == (module is None):
        raise InputError("give the Document Signer: --ds DIR, or --pkcs11-module with --token and --key-label")
    if ds is not None:
        if ds_cert is None and (ds / "ds.json").is_file():  # a folder `cardkit pki issue-ds` made
            return keystore.load_signer(ds, "ds", ask_passphrase=lambda: _ask_ds_passphrase(ds / "ds.key"))
        cert = ds_cert or _first(ds, ("ds.pem", "ds.crt", "ds.der", "ds.cer"))
        key = _first(ds, ("ds.key", "ds.pk8", "ds-key.pem"))
        if cert is None or key is None:
            raise InputError(f"{ds}: expected ds.pem and ds.key (the Document Signer certificate and key)")
        passphrase = passphrase_from_env()
        if passphrase is None:
            passphrase = _ask_ds_passphrase(key)
        return KeyFileSigner.load(key, cert, passphrase)
    if not token or not key_label:
        raise InputError("--pkcs11-module needs --token and --key-label")
    pin = os.environ.get("CARDKIT_PIN") or ask_secret(f"PIN of token {token}", env="CARDKIT_PIN", mention_env=True)
    return Pkcs11Signer.open(module, token, pin, key_label, ds_cert)  # type: ignore[arg-type]


def _ask_ds_passphrase(key: Path) -> bytes:
    return ask_secret(f"Passphrase of the Document Signer private key {key}", env="CARDKIT_PASSPHRASE",
                      mention_env=True).encode("utf-8")


def _first(d: Path, names: tuple[str, ...]) -> Path | None:
    return next((d / n for n in names if (d / n).is_file()), None)


def load_trust_for(trust: tuple[Path, ...], ds: Path | None) -> TrustStore:
    """--trust, else the CSCA next to the DS (DIR/csca.pem): the read-back's trust anchors."""
    paths = list(trust)
    if not paths and ds is not None:
        csca = _first(ds, ("csca.pem", "csca.crt", "csca.der"))
        if csca is not None:
            paths = [csca]
    if not paths:
        raise InputError("give the CSCA for the read-back check: --trust PATH (or put csca.pem in the --ds folder)")
    return load_trust(tuple(paths), ())  # InputError for a missing file or a named file with nothing usable


@click.command("personalise")
@click.option("--profile", "profile_name", required=True, metavar="P", help="Profile name (vn-cccd ...) or TOML file.")
@click.option("--records", required=True, type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="Citizen records, CSV or JSON Lines.")
@click.option("--ds", type=click.Path(path_type=Path, file_okay=False), metavar="DIR",
              help="Folder with the Document Signer's ds.pem and encrypted ds.key.")
@click.option("--ds-cert", type=click.Path(path_type=Path, dir_okay=False), help="DS certificate (HSM keys).")
@click.option("--pkcs11-module", metavar="SO", help="PKCS#11 module of the HSM holding the DS key.")
@click.option("--token", metavar="LABEL", help="HSM token label.")
@click.option("--key-label", metavar="LABEL", help="Label of the DS key on the token.")
@click.option("--trust", multiple=True, type=click.Path(path_type=Path), metavar="PATH",
              help="CSCA certificate(s) for the read-back check (default: csca.pem in --ds, put there by "
                   "`cardkit pki issue-ds`).")
@click.option("--reader", metavar="R", help="PC/SC reader with the blank cards (one after another).")
@click.option("--sim", type=click.Path(path_type=Path, file_okay=False), metavar="DIR",
              help="Personalise simulated cards, saved as DIR/<document>.image.")
@click.option("--ledger", "ledger_path", type=click.Path(path_type=Path, dir_okay=False), metavar="DB",
              help="Issuance ledger (default: <records>.ledger.sqlite next to the records).")
@click.option("--station", default=None, help="Station name in the ledger (default: host name).")
@click.option("--operator", default=None, help="Operator in the ledger (default: login name).")
@click.option("--retries", type=click.IntRange(0, 5), default=0, help="More blank cards to try per record.")
@click.option("--card-timeout", type=float, default=120.0, help="Seconds to wait for each card (--reader).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON (no progress bar).")
def personalise(profile_name: str, records: Path, ds: Path | None, ds_cert: Path | None, pkcs11_module: str | None,
                token: str | None, key_label: str | None, trust: tuple[Path, ...], reader: str | None,
                sim: Path | None, ledger_path: Path | None, station: str | None, operator: str | None, retries: int,
                card_timeout: float, as_json: bool) -> None:
    """Personalise a batch: build, sign, write, lock and verify each card; keep every outcome in the ledger."""
    if (reader is None) == (sim is None):
        raise InputError("give exactly one of --reader R or --sim DIR")
    profile = load_profile(profile_name)
    items = list(load_records(records))
    signer = load_signer(ds, pkcs11_module, token, key_label, ds_cert)
    store = load_trust_for(trust, ds)
    ledger = Ledger(ledger_path or default_ledger_path(records), station=station or socket.gethostname(),
                    operator=operator or _user())
    err = sys.stderr
    if sim is not None:
        source: CardSource = SimulatorSource(sim)
    else:
        source = ReaderSource(_reader_arg(reader), prompt=lambda m: click.echo(m, err=True), timeout=card_timeout)
    try:
        if as_json:
            summary = run_batch(items, profile=profile, signer=signer, trust=store, ledger=ledger, source=source,
                                batch=records.name, retries=retries)
        else:
            summary = _run_with_progress(items, profile, signer, store, ledger, source, records.name, retries, err)
    finally:
        ledger.close()
        if isinstance(signer, Pkcs11Signer):  # a key file holds nothing open; a token session does
            signer.close()
    if as_json:
        click.echo(json.dumps({**summary.to_dict(), "ledger": str(ledger.path), "profile": profile.name},
                              ensure_ascii=False, indent=2))
    else:
        _print_summary(summary, ledger.path)
    if summary.stopped:
        cls = KeyStoreError if summary.stopped.startswith("document signer failed") else TransportError
        raise cls(f"batch stopped: {summary.stopped}; {summary.pending} record(s) left pending, re-run to resume")


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


def _reader_arg(reader: str | None) -> str | int | None:
    return int(reader) if reader is not None and reader.isdigit() else reader


def _run_with_progress(items: list[RecordResult], profile: Profile, signer: Signer, store: TrustStore, ledger: Ledger,
                       source: CardSource, batch: str, retries: int, err: IO[str]) -> BatchSummary:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn


    console = Console(file=err)
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[rate]:.1f} records/min"), TextColumn("issued {task.fields[issued]}"),
               TextColumn("rejected {task.fields[rejected]}"), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=False) as bar:
        task = bar.add_task(profile.name, total=len(items), rate=0.0, issued=0, rejected=0)

        def on_progress(p: BatchProgress) -> None:
            bar.update(task, completed=p.done, rate=p.rate_per_minute, issued=p.issued, rejected=p.rejected)
            o = p.last
            if o is not None and o.outcome == "rejected":
                who = o.document_number or "-"
                bar.console.print(f"[red]rejected[/] line {o.line} ({who}): " + "; ".join(o.reasons),
                                  markup=True, highlight=False)

        return run_batch(items, profile=profile, signer=signer, trust=store, ledger=ledger, source=source,
                         batch=batch, progress=on_progress, retries=retries)


def _print_summary(summary: BatchSummary, ledger_path: Path) -> None:
    from rich.console import Console
    from rich.table import Table

    t = Table(title="Batch summary")
    for col in ("records", "issued", "rejected", "already issued", "left pending", "seconds", "cards/min"):
        t.add_column(col, justify="right")
    rate = 60.0 * summary.issued / summary.seconds if summary.seconds > 0 else 0.0
    t.add_row(str(summary.total), str(summary.issued), str(summary.rejected), str(summary.skipped),
              str(summary.pending), f"{summary.seconds:.1f}", f"{rate:.1f}")
    console = Console()
    console.print(t)
    console.print(f"ledger: {ledger_path}", highlight=False)
