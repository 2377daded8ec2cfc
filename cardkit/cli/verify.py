"""``cardkit verify``: read and judge a chip (reader or simulator image) or a dump; print the report.

Exit codes (see cardkit.inspect.report): 0 GENUINE; 1 NOT_GENUINE or DATA_AUTHENTIC_CHIP_NOT_PROVEN
(a chip that did not prove its key is not called genuine); 2 usage or input error (bad option, bad
dump, bad trust file); 3 INCOMPLETE: card or reader error (wrong CAN/MRZ, card removed, reader
gone, a chip whose data cannot be used); 4 a bug; 5 UNKNOWN_ISSUER: no trust anchor for the
document (the trust store holds no CSCA of its issuer). An INCOMPLETE report is still printed,
with the step that failed.

``--loop`` (with a reader) is the kiosk mode of ``_kiosk``: one card after another until stopped,
exit 0 when stopped (Ctrl-C, SIGTERM, ``--count``), 3 when the reader vanishes. The trust store,
reader, block size, output and face folder may come from the settings file or the environment
(``_config``); an option on the command line wins, and a ``--sim`` or ``--dump`` given there sets a
configured reader aside.

With an inspection system's CV certificates and key (``--is-cert``, ``--is-key`` or PKCS#11; ``_eac``)
Terminal Authentication runs after CA, and DG3/DG4 are read and hashed against EF.SOD; a refused
terminal is a FAILED ``terminal_authentication`` check that leaves the verdict alone (the terminal's
fault, not the chip's). ``--fingers-out``/``--iris-out`` write the images; asked for and not read, they
are exit 2 after the report. TA is for one card: not with ``--loop`` nor ``--dump``.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from pathlib import Path

import click

from ..errors import InputError
from ..inspect import InspectionReport, inspect_dump
from ..inspect.render import render
from ..pki.trust import TrustStore
from ._config import from_command_line
from ._eac import export_options, load_terminal, terminal_options, write_eac_images
from ._images import image_options, write_images
from ._kiosk import run_kiosk, write_face
from ._terminal import asks_for_key, inspect_chip, key_options, optional_key, reader_ref, resolve_key, source_options

__all__ = ["verify", "load_trust", "parse_at", "show"]

log = logging.getLogger(__name__)


def parse_at(value: str | None) -> dt.datetime | None:
    """The moment ``--at`` names (a date or ISO 8601; UTC when it names no zone), None when not given."""
    if value is None:
        return None
    try:
        d = dt.datetime.fromisoformat(value)
    except ValueError:
        raise InputError(f"--at {value!r} is not a date (YYYY-MM-DD or ISO 8601)") from None
    return d if d.tzinfo else d.replace(tzinfo=dt.timezone.utc)


def load_trust(trust: tuple[Path, ...], crl: tuple[Path, ...]) -> TrustStore:
    """The TrustStore of --trust/--crl (InputError when none is given)."""
    if not trust:
        raise InputError("give the trust anchors: --trust PATH (CSCA certificates, master lists, a directory)")
    for p in (*trust, *crl):
        if not p.exists():
            raise InputError(f"{p} does not exist")
    t0 = time.perf_counter()
    store = TrustStore.load(list(trust), crls=list(crl))
    log.info("trust store: %d CSCA certificates, %d CRLs from %d paths in %.1f ms", len(store.cscas), len(store.crls),
             len(trust) + len(crl), (time.perf_counter() - t0) * 1000)
    # A file named on the command line that gives nothing (garbage, a key, a CRL nobody signed) is a
    # mistake to report, not a finding to bury: an unread CRL would let a revoked DS pass. Files found
    # by walking a directory stay findings.
    named = {str(p) for p in (*trust, *crl) if p.is_file()}
    for f in store.findings:
        source = f.reason.split(": ", 1)[0]
        if f.failed and source in named:
            raise InputError(f.reason)
    return store


@click.command("verify")
@source_options(dump=True)
@key_options
@click.option("--trust", "trust", multiple=True, type=click.Path(path_type=Path), metavar="PATH",
              help="CSCA certificate, master list or directory of them (repeatable).")
@click.option("--crl", "crl", multiple=True, type=click.Path(path_type=Path), metavar="PATH",
              help="A CRL (repeatable).")
@click.option("--json/--text", "as_json", default=False, help="Print the report as JSON (default: text).")
@image_options
@export_options
@terminal_options
@click.option("--face-dir", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
              help="Write each card's face into DIR as stored (<date>-<time>-<card>.jpg/.jp2, mode 0600).")
@click.option("--trace", type=click.Path(path_type=Path), metavar="FILE",
              help="Write the APDU trace with each exchange's time (secure-messaging payloads redacted).")
@click.option("--out", "out", type=click.Path(path_type=Path), metavar="DUMP",
              help="Also save the files read and report.json as a dump (mode 0700).")
@click.option("--at", "at", metavar="DATE", help="Check certificate validity as of this date (default: now).")
@click.option("--block-size", type=click.IntRange(1, 65536), help="READ BINARY block size (default: the largest the chip "
              "allows, extended length when its ATR offers it; 0xDF in short APDUs under AES).")
@click.option("--sfi/--no-sfi", default=False, help="Ignored: files are read by short FID wherever the chip "
              "takes it, by SELECT where it does not.",
              deprecated="It changes nothing and will be removed; files are read by short FID where the chip allows.")
@click.option("--loop", is_flag=True, help="Kiosk: verify each card put in --reader, one after another, until "
              "Ctrl-C (exit 0). A key option given as '-' is asked for each card.")
@click.option("--count", type=click.IntRange(1), metavar="N", help="With --loop: stop after N cards.")
@click.pass_context
def verify(ctx: click.Context, reader: str | None, sim: Path | None, dump: Path | None, can: str | None,
           id_number: str | None, mrz_info: str | None, doc: str | None, dob: str | None, doe: str | None,
           trust: tuple[Path, ...], crl: tuple[Path, ...], as_json: bool, face_out: Path | None,
           signature_out: Path | None, fingers_out: Path | None, iris_out: Path | None, is_cert: tuple[Path, ...],
           is_key: Path | None, pkcs11_module: str | None, token: str | None, key_label: str | None,
           face_dir: Path | None, trace: Path | None, out: Path | None, at: str | None,
           block_size: int | None, sfi: bool, loop: bool, count: int | None) -> None:
    """Verify a chip (--reader or --sim) or a dump (--dump): PACE/BAC, PA, CA, AA (and TA); print the verdict.

    With --is-cert and the inspection system's key, Terminal Authentication runs after CA and DG3/DG4
    (fingers, irises) are read and checked against EF.SOD; --fingers-out/--iris-out write their images.

    \b
    Exit codes: 0 GENUINE; 1 NOT_GENUINE, or DATA_AUTHENTIC_CHIP_NOT_PROVEN (signed data but
    no CA/AA proof: a chip without them, or a dump); 2 usage or input error; 3 INCOMPLETE
    (wrong CAN/MRZ data, card removed, reader gone, unusable chip data); 4 internal error;
    5 UNKNOWN_ISSUER (no CSCA in --trust for the document's issuer: not a forgery finding).
    With --loop: 0 when stopped (Ctrl-C, SIGTERM, --count), 3 when the reader vanishes;
    each card's verdict is in its own line.
    """
    if (sim is not None or dump is not None) and not from_command_line(ctx, "reader"):
        reader = None  # a configured reader yields to a simulator image or a dump named on the command line
    sources = [n for n, v in (("--reader", reader), ("--sim", sim), ("--dump", dump)) if v is not None]
    if len(sources) != 1:
        raise InputError("give exactly one of --reader R, --sim IMAGE, --dump DUMP")
    if count is not None and not loop:
        raise InputError("--count goes with --loop")
    when = parse_at(at)
    ta_given = bool(is_cert) or is_key is not None or pkcs11_module is not None
    if loop:
        if reader is None:
            raise InputError("--loop serves the cards of a reader: give --reader R")
        if trace is not None or out is not None or face_out is not None or signature_out is not None:
            raise InputError("--trace, --out, --face-out and --signature-out are for one card, not --loop "
                             "(--face-dir keeps each card's face)")
        if ta_given or fingers_out is not None or iris_out is not None:
            raise InputError("Terminal Authentication (--is-cert) and --fingers-out/--iris-out are for one card, "
                             "not --loop")
        keys = dict(can=can, id_number=id_number, mrz_info=mrz_info, doc=doc, dob=dob, doe=doe)
        fixed = None if asks_for_key(can=can, id_number=id_number, mrz_info=mrz_info) else resolve_key(**keys)
        store = load_trust(trust, crl)
        code = run_kiosk(reader_ref(reader), (lambda: fixed) if fixed is not None else (lambda: resolve_key(**keys)),
                         trust=store, as_json=as_json, face_dir=face_dir, at=when, block_size=block_size, sfi=sfi,
                         count=count)
        ctx.exit(code)
    store = load_trust(trust, crl)
    if dump is not None:
        if trace is not None or any(from_command_line(ctx, p) for p in ("block_size", "sfi")):
            raise InputError("--trace, --block-size and --sfi need a chip, not a dump")
        if can is not None or id_number is not None:
            raise InputError("a dump is checked against --mrz-info or --doc/--dob/--doe, not a CAN")
        if ta_given:
            raise InputError("Terminal Authentication needs the chip, not a dump (a dump holds DG3/DG4 when they "
                             "were read with it)")
        shown = optional_key(can=None, id_number=None, mrz_info=mrz_info, doc=doc, dob=dob, doe=doe)
        report = inspect_dump(dump, store, key=shown, at=when)
        where = str(dump)
    else:
        key = resolve_key(can=can, id_number=id_number, mrz_info=mrz_info, doc=doc, dob=dob, doe=doe)
        terminal = load_terminal(is_cert, is_key, pkcs11_module, token, key_label)
        try:
            report = inspect_chip(reader, sim, trace, key=key, trust=store, at=when, block_size=block_size,
                                  out_dir=out, sfi=sfi, terminal=terminal)
        finally:
            if terminal is not None:
                terminal.close()
        where = None
    show(report, as_json=as_json, images={"face": face_out, "signature": signature_out}, dump=where, face_dir=face_dir,
         biometric={"fingers": fingers_out, "iris": iris_out})
    ctx.exit(report.exit_code)


def show(report: InspectionReport, *, as_json: bool, images: dict[str, Path | None], dump: str | None = None,
         face_dir: Path | None = None, biometric: dict[str, Path | None] | None = None) -> None:
    """Print the report (rich table or JSON) and write the images asked for (face, signature, ``face_dir``;
    ``biometric``: the fingers and irises, kind -> folder).

    An image that cannot be written (it does not decode, the path is bad, its data group was not
    read) is raised after the report is printed: the verdict is still seen, and the exit code (2)
    and the one error line say the image failed.
    """
    def source(name: str) -> str:
        return f"{dump}/{name}" if dump else f"{name} (read from the chip)"

    images_done = write_images(report.files, images, source)
    eac_done = write_eac_images(report, biometric or {}, source)
    for note in (*images_done.notes, *eac_done.notes):
        click.echo(f"cardkit: {note}", err=True)
    in_dir = write_face(report, face_dir, 1, dt.datetime.now(dt.timezone.utc)) if face_dir is not None else None
    if as_json:
        d = report.to_dict()
        d.update(images_done.paths())
        if in_dir is not None:
            d.setdefault("face_image_path", str(in_dir))
        if eac_done.written:
            d["images_written"] = [str(w.path) for w in eac_done.written]
        click.echo(json.dumps(d, ensure_ascii=False, indent=2))
    else:
        face = next((w for w in images_done.written if w.kind == "face"), None)
        face_path = f"{face.path} ({face.exported.describe()})" if face else None
        from rich.console import Console  # only text output loads rich (about 20 ms)

        render(report, Console(soft_wrap=False), face_path=face_path)
        for w in images_done.written:
            if w.kind != "face":
                click.echo(w.line())
        if in_dir is not None:
            click.echo(f"face -> {in_dir} (as stored)")
        for w in eac_done.written:
            click.echo(w.line())
    images_done.raise_failure()  # the one error line; the verdict is in the report above
    eac_done.raise_failure()
    if report.exit_code:  # one line for scripts and logs, whatever the output format
        click.echo(f"cardkit: {report.verdict.value}: {report.verdict_reason}", err=True)
