"""``cardkit personalise``: a batch of records -> cards, with a progress bar and the ledger.

    cardkit personalise --profile vn-cccd --records citizens.csv --ds pki/ds --sim out/
    cardkit personalise --profile vn-cccd --records citizens.csv --ds pki/ds --reader 0 --ledger l.sqlite
    cardkit personalise --profile vn-cccd --batch day-1 --station s1 --ledger postgresql://... --sim out/

The DS comes from ``--ds DIR`` as ``cardkit pki issue-ds`` left it (``ds.pem``, ``ds.json``: its hash,
padding, and either an encrypted ``ds.key`` — passphrase from the prompt or ``CARDKIT_PASSPHRASE`` — or an
HSM key: module, token and label, the PIN from the environment variable named there), a folder with
``ds.pem`` + encrypted ``ds.key``, or ``--pkcs11-module/--token/--key-label`` (PIN from ``CARDKIT_PIN``).
The read-back check trusts ``--trust``, by default the issuing CSCA's certificate that
``cardkit pki issue-ds`` puts in the folder (``DIR/csca.pem``). A profile with Terminal Authentication
(vn-cccd) needs ``--cvca FILE``: the CVCA certificate every chip trusts (``cardkit pki cvca init`` makes
one; give it twice for two trust points during a CVCA key rollover). Every card written with DG3/DG4 must
refuse them to the read-back without Terminal Authentication; with ``--is-cert`` and ``--is-key`` (an
inspection system's CV certificates and encrypted key, as ``verify`` takes them) the read-back then runs
TA and requires DG3/DG4 as written, their hashes in EF.SOD.

Exit codes (the table of ``cardkit.errors``): 0 every record issued (or issued before); 7 the batch
finished but records were rejected (listed, and kept in the ledger); 2 bad input, profile or DS, or a
stop on a DS/HSM failure; 3 no card came; 6 the ledger's database could not be reached; 130 Ctrl-C.
Every stop says how to resume: run the same command again.
"""

from __future__ import annotations

import getpass
import json
import os
import socket
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import IO

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from simulators.emrtd import EmrtdChip

from ..crypto.cvc import CvCertificate
from ..errors import CardkitError, InputError, KeyStoreError
from ..personalise import chip_trust_points
from ..pki import keystore
from ..pki.cvc import load_cv_certificate
from ..pki.hsm import Pkcs11Signer
from ..pki.signers import KeyFileSigner, Signer, passphrase_from_env
from ..pki.terminal import TerminalCredentials
from ..pki.trust import TrustStore
from ..production.batch import BatchProgress, BatchSummary, CardSource, ReaderSource, SimulatorSource, run_batch
from ..production.ledger import DEFAULT_LEASE, Ledger, default_ledger_path, redact_url
from ..production.records import RecordResult, load_records
from ..production.sources import SimChip
from ..profiles import Profile, load_profile
from ._eac import load_terminal
from ._secrets import ask_secret
from .verify import load_trust

__all__ = ["personalise", "load_signer", "load_trust_for", "EXIT_REJECTED", "EXIT_INTERRUPTED", "chip_factory"]

EXIT_REJECTED = 7
EXIT_INTERRUPTED = 130


class BatchRejectedRecords(CardkitError):
    """The batch went through, but some records were rejected (exit 7: see the summary and the ledger)."""

    exit_code = EXIT_REJECTED


class BatchStopped(CardkitError):
    """The batch stopped early; the exit code is that of the cause (DS 2, no card 3, ledger 6, Ctrl-C 130)."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def load_signer(ds: Path | None, module: str | None, token: str | None, key_label: str | None,
                ds_cert: Path | None) -> Signer:
    """The Document Signer from a DS folder (key file or HSM, as ``ds.json`` says) or from PKCS#11 options."""
    if (ds is None) == (module is None):
        raise InputError("give the Document Signer: --ds DIR, or --pkcs11-module with --token and --key-label")
    if ds is not None:
        if not ds.is_dir():
            raise InputError(f"{ds}: no such DS folder")
        if ds_cert is None and (ds / "ds.json").is_file():  # a folder `cardkit pki issue-ds` made
            return keystore.load_signer(  # type: ignore[no-any-return]
                ds, "ds", ask_passphrase=lambda: _ask_ds_passphrase(ds / "ds.key"))
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


def chip_factory(profile: Profile) -> Callable[[], SimChip]:
    """Blank simulated chips of the kind the profile's command set is written for."""
    personality = "jmrtd" if profile.chip.command_set == "jmrtd" else "default"
    return lambda: EmrtdChip(personality=personality)


@click.command("personalise")
@click.option("--profile", "profile_name", required=True, metavar="P", help="Profile name (vn-cccd ...) or TOML file.")
@click.option("--records", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="Records, CSV or JSON Lines (loaded into the ledger as batch --batch, default the file name).")
@click.option("--batch", "batch_name", metavar="NAME", help="Batch name; without --records: a batch loaded before "
              "(cardkit batch load) that several stations share.")
@click.option("--ds", type=click.Path(path_type=Path, file_okay=False), metavar="DIR",
              help="The Document Signer folder of cardkit pki issue-ds (key file or HSM key).")
@click.option("--ds-cert", type=click.Path(path_type=Path, dir_okay=False), help="DS certificate (HSM keys).")
@click.option("--pkcs11-module", metavar="SO", help="PKCS#11 module of the HSM holding the DS key.")
@click.option("--token", metavar="LABEL", help="HSM token label.")
@click.option("--key-label", metavar="LABEL", help="Label of the DS key on the token.")
@click.option("--trust", multiple=True, type=click.Path(path_type=Path), metavar="PATH",
              help="CSCA certificate(s) for the read-back check (default: csca.pem in --ds, put there by "
                   "`cardkit pki issue-ds`).")
@click.option("--cvca", multiple=True, type=click.Path(path_type=Path, dir_okay=False), metavar="FILE",
              help="CVCA certificate (CV, binary) the chips trust for Terminal Authentication; repeat for two.")
@click.option("--is-cert", "is_cert", multiple=True, type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Read-back with Terminal Authentication: the inspection system's CV certificate and its DV's; "
                   "repeatable, a file may hold several. Without it DG3/DG4 are only checked to be refused.")
@click.option("--is-key", "is_key", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="The inspection system's private key for --is-cert (encrypted PKCS#8; passphrase from "
                   "CARDKIT_PASSPHRASE or a prompt).")
@click.option("--reader", metavar="R", help="PC/SC reader with the blank cards (one after another).")
@click.option("--sim", type=click.Path(path_type=Path, file_okay=False), metavar="DIR",
              help="Personalise simulated cards, saved as DIR/<person>-<issue>.image.")
@click.option("--ledger", "ledger_target", metavar="DB",
              help="Issuance ledger: a file (SQLite; default <records>.ledger.sqlite) or a postgresql:// URL.")
@click.option("--station", default=None, help="Station name in the ledger (default: host name); unique per process.")
@click.option("--operator", default=None, help="Operator in the ledger (default: login name).")
@click.option("--retries", type=click.IntRange(0, 5), default=0, help="More blank cards to try per record.")
@click.option("--card-timeout", type=float, default=120.0,
              help="Seconds to wait for each card to be put in, and taken out (--reader).")
@click.option("--lease", type=click.FloatRange(10.0), default=DEFAULT_LEASE, show_default=True,
              help="Seconds a station's claim on a record lasts before another station may take it over.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON (no progress bar).")
def personalise(profile_name: str, records: Path | None, batch_name: str | None, ds: Path | None,
                ds_cert: Path | None, pkcs11_module: str | None, token: str | None, key_label: str | None,
                trust: tuple[Path, ...], cvca: tuple[Path, ...], is_cert: tuple[Path, ...], is_key: Path | None,
                reader: str | None, sim: Path | None, ledger_target: str | None, station: str | None,
                operator: str | None, retries: int, card_timeout: float, lease: float, as_json: bool) -> None:
    """Personalise a batch: build, sign, write, lock and verify each card; keep every outcome in the ledger."""
    if (reader is None) == (sim is None):
        raise InputError("give exactly one of --reader R or --sim DIR")
    if records is None and batch_name is None:
        raise InputError("give --records FILE, or --batch NAME of a batch already in the ledger")
    if records is None and ledger_target is None:
        raise InputError("--batch without --records needs --ledger (where the batch was loaded)")
    profile = load_profile(profile_name)
    trust_points = tuple(load_cv_certificate(p) for p in cvca)
    chip_trust_points(trust_points, profile, date.today())  # a missing CVCA stops here, before the DS prompt
    if is_key is not None and not is_cert or is_cert and is_key is None:
        raise InputError("--is-cert and --is-key go together (the inspection system's certificates and its key)")
    items = list(load_records(records)) if records is not None else None
    batch = batch_name or (records.name if records is not None else "")
    terminal = load_terminal(is_cert, is_key, None, None, None)
    signer = load_signer(ds, pkcs11_module, token, key_label, ds_cert)
    try:
        store = load_trust_for(trust, ds)
        target = ledger_target or str(default_ledger_path(records))  # type: ignore[arg-type]
        ledger = Ledger(target, station=station or socket.gethostname(), operator=operator or _user(), lease=lease)
        try:
            if sim is not None:
                source: CardSource = SimulatorSource(sim, chip_factory(profile), EmrtdChip.load)
            else:
                source = ReaderSource(_reader_arg(reader), prompt=lambda m: click.echo(m, err=True),
                                      timeout=card_timeout, removal_timeout=card_timeout)
            summary = _run(items, profile, signer, store, ledger, source, batch, retries, as_json, sys.stderr,
                           trust_points, terminal)
        finally:
            ledger.close()
    finally:
        if isinstance(signer, Pkcs11Signer):  # a key file holds nothing open; a token session does
            signer.close()
    where = redact_url(ledger.target) if ledger.backend.kind == "postgres" else ledger.target
    if as_json:
        click.echo(json.dumps({**summary.to_dict(), "ledger": where, "profile": profile.name, "batch": batch},
                              ensure_ascii=False, indent=2))
    else:
        _print_summary(summary, where)
    if summary.stopped:
        code = summary.stop_error.exit_code if summary.stop_error is not None else KeyStoreError.exit_code
        raise BatchStopped(f"batch stopped: {summary.stopped}; {summary.pending} record(s) left pending: run the same "
                           "command again to resume", code)
    if summary.rejected:
        raise BatchRejectedRecords(f"batch finished: {summary.issued} issued, {summary.rejected} rejected (reasons "
                                   "above and in the ledger)")


def _run(items: list[RecordResult] | None, profile: Profile, signer: Signer, store: TrustStore, ledger: Ledger,
         source: CardSource, batch: str, retries: int, as_json: bool, err: IO[str],
         cvca: tuple[CvCertificate, ...], terminal: TerminalCredentials | None) -> BatchSummary:
    try:
        if as_json:
            return run_batch(items, profile=profile, signer=signer, trust=store, ledger=ledger, source=source,
                             batch=batch, retries=retries, cvca=cvca, terminal=terminal)
        return _run_with_progress(items, profile, signer, store, ledger, source, batch, retries, err, cvca,
                                  terminal)
    except KeyboardInterrupt:
        raise BatchStopped("interrupted: the card in progress is settled in the ledger (a touched one is listed for "
                           "destruction); run the same command again to resume", EXIT_INTERRUPTED) from None


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


def _reader_arg(reader: str | None) -> str | int | None:
    return int(reader) if reader is not None and reader.isdigit() else reader


def _run_with_progress(items: list[RecordResult] | None, profile: Profile, signer: Signer, store: TrustStore,
                       ledger: Ledger, source: CardSource, batch: str, retries: int, err: IO[str],
                       cvca: tuple[CvCertificate, ...], terminal: TerminalCredentials | None) -> BatchSummary:
    console = Console(file=err)
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[rate]:.1f} records/min"), TextColumn("issued {task.fields[issued]}"),
               TextColumn("rejected {task.fields[rejected]}"), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=False) as bar:
        task = bar.add_task(profile.name, total=None, rate=0.0, issued=0, rejected=0)

        def on_progress(p: BatchProgress) -> None:
            bar.update(task, total=p.total, completed=p.done, rate=p.rate_per_minute, issued=p.issued,
                       rejected=p.rejected)
            o = p.last
            if o is not None and o.outcome == "rejected":
                bar.console.print(f"[red]rejected[/] line {o.line}: " + "; ".join(o.reasons), markup=True,
                                  highlight=False)

        return run_batch(items, profile=profile, signer=signer, trust=store, ledger=ledger, source=source,
                         batch=batch, progress=on_progress, retries=retries, cvca=cvca, terminal=terminal)


def _print_summary(summary: BatchSummary, where: str) -> None:
    t = Table(title="Batch summary")
    for col in ("records", "issued", "rejected", "issued before", "left pending", "seconds", "cards/min"):
        t.add_column(col, justify="right")
    rate = 60.0 * summary.issued / summary.seconds if summary.seconds > 0 else 0.0
    t.add_row(str(summary.total), str(summary.issued), str(summary.rejected), str(summary.skipped),
              str(summary.pending), f"{summary.seconds:.1f}", f"{rate:.1f}")
    console = Console()
    console.print(t)
    console.print(f"ledger: {where}", highlight=False)
