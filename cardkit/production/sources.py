"""Where blank cards come from, and where an issued card is kept: simulated chips or a PC/SC reader.

A ``CardSource`` hands out one ``CardSlot`` per card. The runner asks a slot to ``open`` the card
(a transport; again for the read-back), to ``keep`` it once it is verified (it must exist before the
ledger calls it issued), and to ``finish`` (hand it back). For recovery after a crash, ``find`` gives
a transport to a card kept earlier, and ``discard`` destroys a spoiled one.

Simulated chips (``SimulatorSource``) are made and loaded by functions the caller injects (the
library never imports ``simulators``): the CLI passes ``EmrtdChip``'s. An issued chip is saved as
``<out_dir>/<person key>-<issue number>.image``: first under a temporary name private to this process
(mode 0600: the image holds the chip's keys), fsynced, renamed into place, and the directory fsynced.
A temporary file left by a killed process is removed at the next run (``cleanup``).

Cards in a reader (``ReaderSource``) are put in and taken out by the operator, prompted through a callback.
"""

from __future__ import annotations

import os
import re
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from ..card import PcscTransport, SimulatorTransport, Transport
from ..errors import CardRemovedError, InputError

__all__ = ["CardSource", "CardSlot", "SimChip", "SimulatorSource", "ReaderSource"]


class CardSlot(Protocol):
    """One physical (or simulated) blank card in the reader."""

    def open(self) -> Transport:
        """Power the card (again) and return a transport to it."""
        ...

    def keep(self) -> None:
        """Make the verified card exist durably (simulator: its image saved and fsynced) before the ledger commit."""
        ...

    def finish(self, issued: bool, blank: bool = False) -> None:
        """The card is done: hand it back. ``blank``: no perso command reached it, it can be used again."""
        ...


class CardSource(Protocol):
    """Where blank cards come from (see the module header)."""

    def next_card(self, artifact: str) -> CardSlot:
        """Wait for the next blank card, to be kept as ``artifact``; raise TransportError when none comes."""
        ...

    def find(self, artifact: str) -> Transport | None:
        """A transport to a card kept earlier as ``artifact``, or None when it cannot be found."""
        ...

    def discard(self, artifact: str) -> None:
        """Destroy a spoiled card kept as ``artifact`` (nothing to do for a card in someone's hand)."""
        ...

    def cleanup(self) -> list[str]:
        """Remove what a killed run left behind (temporary files with chip keys); returns their names."""
        ...


class SimChip(Protocol):
    """What the runner needs of a software chip (``simulators.emrtd.EmrtdChip`` is one)."""

    present: bool

    def power_on(self) -> bytes: ...
    def process_apdu(self, apdu: bytes) -> bytes: ...
    def save(self, path: str | Path) -> None: ...


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "_", socket.gethostname())


_TEMP = re.compile(r"^\.(?P<name>.+)\.(?P<host>[A-Za-z0-9_-]+)\.(?P<pid>\d+)\.tmp(\.tmp)?$")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class _SimSlot:
    def __init__(self, source: "SimulatorSource", chip: SimChip, artifact: str) -> None:
        self.source = source
        self.chip = chip
        self.artifact = artifact

    def open(self) -> Transport:
        return SimulatorTransport(self.chip)

    def keep(self) -> None:
        self.source.save(self.chip, self.artifact)

    def finish(self, issued: bool, blank: bool = False) -> None:
        return None


class SimulatorSource:
    """Simulated blank chips, one per card; issued ones saved as ``<out_dir>/<artifact>.image`` (module header).

    Args:
        out_dir: where issued chips are saved (None: kept in memory only, e.g. benchmarks).
        blank: makes a blank chip (the CLI: ``lambda: EmrtdChip(personality=...)``); tests inject faults here.
        load: loads a saved chip image (the CLI: ``EmrtdChip.load``), for recovery after a crash.
    """

    def __init__(self, out_dir: Path | None, blank: Callable[[], SimChip],
                 load: Callable[[Path], SimChip] | None = None) -> None:
        self.out_dir = out_dir
        if out_dir is not None:
            try:
                out_dir.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise InputError(f"{out_dir}: cannot make the card folder ({e.strerror})") from None
        self.blank = blank
        self.load = load
        self.chips: list[SimChip] = []
        self.kept: dict[str, SimChip] = {}  # artifact -> chip, when there is no out_dir

    def path(self, artifact: str) -> Path | None:
        return self.out_dir / f"{artifact}.image" if self.out_dir is not None else None

    def next_card(self, artifact: str) -> _SimSlot:
        chip = self.blank()
        self.chips.append(chip)
        return _SimSlot(self, chip, artifact)

    def save(self, chip: SimChip, artifact: str) -> None:
        """Save durably: private temporary file, fsync, rename, fsync the folder.

        Raises:
            InputError: the image cannot be written (names the file and why).
        """
        final = self.path(artifact)
        if final is None:
            self.kept[artifact] = chip
            return
        tmp = final.with_name(f".{final.name}.{_host()}.{os.getpid()}.tmp")
        try:
            chip.save(tmp)  # 0600 from the start, fsynced
            os.replace(tmp, final)
            fd = os.open(final.parent, os.O_RDONLY | os.O_DIRECTORY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as e:
            for leftover in (tmp, tmp.with_name(tmp.name + ".tmp")):
                try:
                    leftover.unlink()
                except OSError:
                    pass
            raise InputError(f"cannot save the card image {final}: {e.strerror or e}") from None

    def find(self, artifact: str) -> Transport | None:
        path = self.path(artifact)
        if path is None:
            chip = self.kept.get(artifact)
            return SimulatorTransport(chip) if chip is not None else None
        if self.load is None or not path.is_file():
            return None
        try:
            return SimulatorTransport(self.load(path))
        except InputError:
            return None  # a damaged image is no card: the record gets a new one

    def discard(self, artifact: str) -> None:
        path = self.path(artifact)
        if path is None:
            self.kept.pop(artifact, None)
            return
        try:
            path.unlink()
        except FileNotFoundError:
            pass

    def cleanup(self) -> list[str]:
        if self.out_dir is None or not self.out_dir.is_dir():
            return []
        removed = []
        me = _host()
        for p in self.out_dir.iterdir():
            m = _TEMP.match(p.name)
            if m is None or m["host"] != me or _alive(int(m["pid"])):
                continue
            try:
                p.unlink()
                removed.append(p.name)
            except FileNotFoundError:
                pass
        return removed


class _ReaderSlot:
    def __init__(self, source: "ReaderSource") -> None:
        self.source = source
        self.transport: PcscTransport | None = None

    def open(self) -> Transport:
        if self.transport is not None:
            self.transport.close()  # unpowers the card: the read-back starts from a cold reset
        self.transport = PcscTransport(self.source.reader, timeout=0)
        return self.transport

    def keep(self) -> None:
        return None  # the card is in the operator's hand

    def finish(self, issued: bool, blank: bool = False) -> None:
        if self.transport is not None:
            self.transport.close()
            self.transport = None
        if issued:
            self.source.prompt("Card issued: take it out.")
        elif blank:
            self.source.prompt("Card not written: take it out (it is still blank and can be used again).")
        else:
            self.source.prompt("Card REJECTED: take it out and destroy it.")
        self.source.wait_for_removal()


class ReaderSource:
    """Blank cards put one after another into a PC/SC reader by the operator.

    Args:
        reader: reader name substring or index (as ``PcscTransport``).
        prompt: shows the operator a message (the CLI prints it).
        timeout: seconds to wait for each card; removal_timeout: for it to be taken out (the last one too).
    """

    def __init__(self, reader: str | int | None, prompt: Callable[[str], None] = lambda _m: None,
                 timeout: float = 120.0, removal_timeout: float = 120.0) -> None:
        self.reader = reader
        self.prompt = prompt
        self.timeout = timeout
        self.removal_timeout = removal_timeout

    def next_card(self, artifact: str) -> _ReaderSlot:
        self.prompt(f"Insert a blank card for {artifact}.")
        PcscTransport(self.reader, timeout=self.timeout).close()  # waits for insertion
        return _ReaderSlot(self)

    def find(self, artifact: str) -> Transport | None:
        return None  # a card of a crashed run is in the operator's hand or the reject bin: never trusted

    def discard(self, artifact: str) -> None:
        return None

    def cleanup(self) -> list[str]:
        return []

    def wait_for_removal(self) -> None:
        deadline = time.monotonic() + self.removal_timeout
        while time.monotonic() < deadline:
            try:
                PcscTransport(self.reader, timeout=0).close()
            except CardRemovedError:
                return
            time.sleep(0.2)
        raise CardRemovedError(f"the card was not taken out of the reader within {self.removal_timeout:g} s")
