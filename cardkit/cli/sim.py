"""``cardkit sim``: the software chip — a blank one for ``personalise --reader``, served in pcscd's vpcd reader.

    cardkit sim blank card.image --personality jmrtd     a blank chip (PERSONALISATION life cycle)
    cardkit sim serve card.image                           put it into "Virtual PCD 00 00" until Ctrl-C
"""

from __future__ import annotations

import os
import signal
import tempfile
import threading
from pathlib import Path

import click

from simulators.emrtd import PERSONALITIES, EmrtdChip
from simulators.vpcd import serve

from ..errors import InputError, ReaderError

__all__ = ["sim"]

_CONNECT_TIMEOUT = 2.0  # seconds: vpcd listens inside pcscd, so a refused connection means no pcscd


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
        for leftover in (Path(tmp), Path(tmp + ".tmp")):
            try:
                leftover.unlink()
            except FileNotFoundError:
                pass


@sim.command("blank")
@click.argument("image", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--personality", type=click.Choice(sorted(PERSONALITIES)), default="default", show_default=True,
              help="The chip's command set: cardkit's default chip, or the JMRTD applet as a Java Card runs it.")
def blank(image: Path, personality: str) -> None:
    """Write a blank chip to IMAGE, for cardkit sim serve and personalise --reader."""
    if image.exists():
        raise InputError(f"{image} exists; a blank chip is never written over a card")
    try:
        EmrtdChip(personality=personality).save(image)
    except OSError as e:
        raise InputError(f"{image}: cannot write ({e.strerror or e})") from None
    click.echo(f"blank {personality} chip: {image}")


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
        serve(chip, host=host, port=port, stop_event=stop, connect_timeout=_CONNECT_TIMEOUT)
    except ConnectionError:
        raise ReaderError(f"cannot reach pcscd's vpcd reader at {host}:{port}: is pcscd running (as root: pcscd -f &) "
                          "with vsmartcard-vpcd installed?") from None
    except KeyboardInterrupt:
        stop.set()
    finally:
        after = _image_bytes(chip, image.parent)
        if after != before:
            chip.save(image)  # written 0600 under a temporary name, fsynced, renamed into place
            click.echo(f"chip changed: saved {image}", err=True)
        click.echo("card removed from the reader", err=True)
