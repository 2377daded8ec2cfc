"""``cardkit sim``: the software chip, served in pcscd's virtual reader (vpcd) for any PC/SC program."""

from __future__ import annotations

import os
import signal
import tempfile
import threading
from pathlib import Path

import click

from simulators.emrtd import EmrtdChip
from simulators.vpcd import serve

from ..errors import InputError

__all__ = ["sim"]


@click.group()
def sim() -> None:
    """The software chip (simulators/emrtd.py)."""


def _image_bytes(chip: EmrtdChip, directory: Path) -> bytes:
    fd, tmp = tempfile.mkstemp(prefix=".cardkit-sim-", dir=directory)
    os.close(fd)
    try:
        chip.save(tmp)
        return Path(tmp).read_bytes()
    finally:
        os.unlink(tmp)


@sim.command("serve")
@click.argument("image", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--port", default=35963, show_default=True, help="vpcd port (35963: 'Virtual PCD 00 00', 35964: '... 00 01').")
@click.option("--host", default="127.0.0.1", show_default=True, help="Host where pcscd's vpcd listens.")
def serve_cmd(image: Path, port: int, host: str) -> None:
    """Put the chip IMAGE into pcscd's vpcd reader until Ctrl-C; save IMAGE back if the chip changed (e.g. perso)."""
    if not image.is_file():
        raise InputError(f"{image}: no such chip image")
    chip = EmrtdChip.load(image)
    before = _image_bytes(chip, image.parent)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    reader = "Virtual PCD 00 00" if port == 35963 else ("Virtual PCD 00 01" if port == 35964 else "vpcd")
    click.echo(f"serving {image} in {reader!r} via vpcd at {host}:{port}; Ctrl-C to stop", err=True)
    try:
        serve(chip, host=host, port=port, stop_event=stop)
    except KeyboardInterrupt:
        stop.set()
    finally:
        after = _image_bytes(chip, image.parent)
        if after != before:
            tmp = image.with_name(image.name + ".tmp")
            chip.save(tmp)
            os.replace(tmp, image)
            click.echo(f"chip changed: saved {image}", err=True)
        click.echo("card removed from the reader", err=True)
