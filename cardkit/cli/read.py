"""``cardkit read``: open the chip (PACE, else BAC), read every file, write a dump (one raw file per LDS file).

The dump holds the raw bytes as read (mode 0700 directory, 0600 files). No verification is done
here: ``cardkit verify --dump`` does that offline. Exit 0 when every file was read, 3 when the read
stopped (wrong key, card removed, reader gone: the files read so far are still written and the
step that failed is named), 2 for bad options, or for a face or signature image asked for with
``--face-out``/``--signature-out`` that does not decode (the dump is written first). With an inspection
system's certificates and key (``--is-cert``, ``--is-key`` or PKCS#11; ``_eac``) Chip and Terminal
Authentication run after the other files are read, and DG3/DG4 go into the dump as far as TA granted
them; ``--fingers-out``/``--iris-out`` write their images (exit 2 when asked for and not read).
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..checks import Status
from ..dump import write_dump
from ..errors import InputError
from ._config import from_command_line
from ._eac import export_options, load_terminal, terminal_options, write_eac_images
from ._images import image_options, write_images
from ._terminal import inspect_chip, key_options, resolve_key, source_options

__all__ = ["read"]


@click.command("read")
@source_options(dump=False)
@key_options
@click.option("--out", "out", required=True, type=click.Path(path_type=Path), metavar="DUMP",
              help="The dump directory to write.")
@click.option("--json/--text", "as_json", default=False, help="Print what was read as JSON (default: text).")
@click.option("--trace", type=click.Path(path_type=Path), metavar="FILE",
              help="Write the APDU trace with each exchange's time (secure-messaging payloads redacted).")
@click.option("--block-size", type=click.IntRange(1, 65536), help="READ BINARY block size (default: the largest the chip "
              "allows, extended length when its ATR offers it; 0xDF in short APDUs under AES).")
@click.option("--sfi/--no-sfi", default=False, help="Ignored: files are read by short FID wherever the chip "
              "takes it, by SELECT where it does not.",
              deprecated="It changes nothing and will be removed; files are read by short FID where the chip allows.")
@image_options
@export_options
@terminal_options
@click.pass_context
def read(ctx: click.Context, reader: str | None, sim: Path | None, can: str | None, id_number: str | None,
         mrz_info: str | None, doc: str | None, dob: str | None, doe: str | None, out: Path, as_json: bool,
         trace: Path | None, block_size: int | None, sfi: bool, face_out: Path | None,
         signature_out: Path | None, fingers_out: Path | None, iris_out: Path | None, is_cert: tuple[Path, ...],
         is_key: Path | None, pkcs11_module: str | None, token: str | None, key_label: str | None) -> None:
    """Read a chip into the dump directory DUMP (DG3/DG4 too with --is-cert and the terminal's key)."""
    if sim is not None and not from_command_line(ctx, "reader"):
        reader = None  # a configured reader yields to a simulator image named on the command line
    key = resolve_key(can=can, id_number=id_number, mrz_info=mrz_info, doc=doc, dob=dob, doe=doe)
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out} exists and is not a directory")
    terminal = load_terminal(is_cert, is_key, pkcs11_module, token, key_label)
    try:
        report = inspect_chip(reader, sim, trace, key=key, trust=None, block_size=block_size, prove_chip=False,
                              sfi=sfi, terminal=terminal)
    finally:
        if terminal is not None:
            terminal.close()
    if report.files:
        write_dump(out, report.files)
    code = 0 if report.stopped_at is None else (report.exit_code if report.exit_code in (2, 3) else 3)
    reads = [c for c in report.checks if c.name.startswith("read:") or c.name in ("card_access", "access_control")
             or (terminal is not None and c.name in ("chip_authentication", "terminal_authentication"))]
    # after the dump is safe on disk: an image that does not decode must not cost the read
    images_done = write_images(report.files, {"face": face_out, "signature": signature_out},
                               lambda name: f"{name} (read from the chip)")
    eac_done = write_eac_images(report, {"fingers": fingers_out, "iris": iris_out},
                                lambda name: f"{name} (read from the chip)")
    for note in (*images_done.notes, *eac_done.notes):
        click.echo(f"cardkit: {note}", err=True)
    if as_json:
        click.echo(json.dumps({
            "dump": str(out), "access": report.access.to_dict(), "apdu_count": report.apdu_count,
            "timings_ms": {k: round(v, 3) for k, v in report.timings.items()},
            "stopped_at": report.stopped_at, "checks": [c.to_dict() for c in reads],
            **images_done.paths(),
            **({"images_written": [str(w.path) for w in eac_done.written]} if eac_done.written else {}),
        }, ensure_ascii=False, indent=2))
    else:
        from rich.console import Console  # only text output loads rich (about 20 ms)
        from rich.table import Table
        from rich.text import Text

        styles = {Status.PASSED: "green", Status.FAILED: "bold red", Status.NOT_SUPPORTED: "yellow", Status.SKIPPED: "dim"}
        table = Table(title=f"Read into {out}", title_justify="left")
        table.add_column("step")
        table.add_column("status")
        table.add_column("detail")
        for c in reads:
            table.add_row(c.name, Text(c.status.value, style=styles[c.status]), Text(c.reason))
        console = Console(soft_wrap=False)
        console.print(table)
        total = report.timings.get("total", 0.0)
        console.print(Text(f"{len(report.files)} files, {report.apdu_count} APDUs, {total:.0f} ms"))
        for w in (*images_done.written, *eac_done.written):
            console.print(Text(w.line()))
    images_done.raise_failure()  # the one error line; what was read is in the table above
    eac_done.raise_failure()
    if code:
        click.echo(f"cardkit: read stopped: {report.verdict_reason}", err=True)
    ctx.exit(code)
