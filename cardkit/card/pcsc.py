"""PC/SC transport through pyscard's low-level ``smartcard.scard`` API (PC/SC Part 5).

Why the low-level API: every call returns a PC/SC result code, so each failure maps to
one typed error — no card or card pulled -> ``CardRemovedError``; no pcscd, unknown
or vanished reader -> ``ReaderError``; anything else -> ``TransportError`` with the
PC/SC message. Waiting for a card uses SCardGetStatusChange with a timeout, so nothing
here blocks forever. T=0 cards get GET RESPONSE (61xx) and Le correction (6Cxx) here,
so the session above sees the same APDUs on every protocol.

``ReaderWatch`` follows one reader for a terminal serving card after card: it blocks in
SCardGetStatusChange until PC/SC reports a card arriving or leaving (no polling: the reader's
state goes to pcscd and back only when it changes). Each wait is cut into slices of
``WAIT_SLICE_MS`` so that Python sees Ctrl-C between them (the C call is not interrupted by a
signal). pcsc-lite counts insertions and removals in the upper 16 bits of a reader's event
state, so a card swapped between two looks is still seen as a new card.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from ..errors import CardRemovedError, ReaderError, TransportError
from .transport import check_response_bytes

__all__ = ["PcscTransport", "ReaderInfo", "ReaderWatch", "list_readers", "WAIT_SLICE_MS"]

log = logging.getLogger(__name__)
WAIT_SLICE_MS = 250  # how long one SCardGetStatusChange may block before Python checks for Ctrl-C

try:  # pyscard is a declared dependency, but keep `cardkit --help` alive without it
    from smartcard import scard as _s
except ImportError:  # pragma: no cover - exercised only on a broken install
    _s = None


def _scard():
    if _s is None:
        raise ReaderError("pyscard is not installed (pip install pyscard)")
    return _s


def _code(rc: int) -> int:
    return rc & 0xFFFFFFFF


def _raise_for(rc: int, where: str) -> None:
    """Map a PC/SC result code to a typed error (no-op on success)."""
    s = _scard()
    rc = _code(rc)
    if rc == s.SCARD_S_SUCCESS:
        return
    removed = {s.SCARD_W_REMOVED_CARD, s.SCARD_E_NO_SMARTCARD, s.SCARD_W_UNPOWERED_CARD, s.SCARD_W_UNRESPONSIVE_CARD}
    reader = {s.SCARD_E_NO_SERVICE, s.SCARD_E_SERVICE_STOPPED, s.SCARD_E_READER_UNAVAILABLE,
              s.SCARD_E_UNKNOWN_READER, s.SCARD_E_NO_READERS_AVAILABLE, s.SCARD_E_INVALID_HANDLE}
    msg = s.SCardGetErrorMessage(rc)
    if rc in (s.SCARD_E_NO_SERVICE, s.SCARD_E_SERVICE_STOPPED):
        raise ReaderError(f"{where}: PC/SC service not running ({msg})")
    if rc in removed:
        raise CardRemovedError(f"{where}: card removed or not present ({msg})")
    if rc == s.SCARD_W_RESET_CARD:
        raise CardRemovedError(f"{where}: card was reset by another application; its session is lost")
    if rc in reader:
        raise ReaderError(f"{where}: {msg}")
    raise TransportError(f"{where}: PC/SC error {rc:08X} ({msg})")


def _context() -> int:
    s = _scard()
    rc, ctx = s.SCardEstablishContext(s.SCARD_SCOPE_USER)
    _raise_for(rc, "establish PC/SC context")
    return ctx


def _reader_names(ctx: int) -> list[str]:
    s = _scard()
    rc, names = s.SCardListReaders(ctx, [])
    if _code(rc) == s.SCARD_E_NO_READERS_AVAILABLE:
        return []
    _raise_for(rc, "list readers")
    return list(names)


def _status(ctx: int, names: list[str], timeout_ms: int = 0) -> list[tuple[str, int, bytes]]:
    s = _scard()
    rc, states = s.SCardGetStatusChange(ctx, timeout_ms, [(n, s.SCARD_STATE_UNAWARE) for n in names])
    if _code(rc) == s.SCARD_E_TIMEOUT:
        return [(n, 0, b"") for n in names]
    _raise_for(rc, "reader status")
    return [(n, st, bytes(atr)) for n, st, atr in states]


def _pick_reader(ctx: int, reader: str | int | None) -> str:
    """The reader named by ``reader``: an index, a case-insensitive part of its name, or None (one with a card)."""
    names = _reader_names(ctx)
    if not names:
        raise ReaderError("no PC/SC readers found")
    if isinstance(reader, int):
        if not 0 <= reader < len(names):
            raise ReaderError(f"reader index {reader} out of range (0..{len(names) - 1})")
        return names[reader]
    if reader is None:
        for n, st, _ in _status(ctx, names):
            if st & _scard().SCARD_STATE_PRESENT:
                return n
        return names[0]
    hits = [n for n in names if reader.lower() in n.lower()]
    if not hits:
        raise ReaderError(f"no reader matching {reader!r}; readers: {'; '.join(names)}")
    return hits[0]


@dataclass(frozen=True, slots=True)
class ReaderInfo:
    """A PC/SC reader and the card in it (if any)."""

    index: int
    name: str
    card_present: bool
    atr: bytes | None

    def to_dict(self) -> dict:
        return {"index": self.index, "name": self.name, "card_present": self.card_present,
                "atr": self.atr.hex().upper() if self.atr else None}


def list_readers() -> list[ReaderInfo]:
    """Every PC/SC reader with card presence and ATR (``cardkit readers``).

    Raises:
        ReaderError: PC/SC service not running.
    """
    s = _scard()
    ctx = _context()
    try:
        names = _reader_names(ctx)
        if not names:
            return []
        out = []
        for i, (n, st, atr) in enumerate(_status(ctx, names)):
            present = bool(st & s.SCARD_STATE_PRESENT) and not st & s.SCARD_STATE_MUTE
            out.append(ReaderInfo(i, n, present, atr if present and atr else None))
        return out
    finally:
        s.SCardReleaseContext(ctx)


class PcscTransport:
    """A card in a PC/SC reader (pyscard), as a ``transmit(bytes) -> bytes`` transport."""

    def __init__(self, reader: str | int | None = None, timeout: float = 10.0) -> None:
        """Pick a reader, wait up to ``timeout`` seconds for a card, and connect to it.

        Args:
            reader: a substring of the reader name (case-insensitive), an index into the
                reader list, or None for the first reader holding a card (else the first reader).
            timeout: seconds to wait for a card; 0 fails at once when none is there.

        Raises:
            ReaderError: no PC/SC service, no readers, no reader matching ``reader``.
            CardRemovedError: no card arrived within ``timeout``.
        """
        self._ctx = _context()  # ReaderError first when pyscard is missing
        self._card: int | None = None
        try:
            self.reader_name = self._pick(reader)
            self._wait_for_card(timeout)
            self._connect()
        except BaseException:
            self.close()
            raise

    def _pick(self, reader: str | int | None) -> str:
        return _pick_reader(self._ctx, reader)

    def _wait_for_card(self, timeout: float) -> None:
        s = _scard()
        deadline = time.monotonic() + max(0.0, timeout)
        state = s.SCARD_STATE_UNAWARE
        while True:
            left_ms = max(0, int((deadline - time.monotonic()) * 1000))
            rc, states = s.SCardGetStatusChange(self._ctx, left_ms, [(self.reader_name, state)])
            if _code(rc) != s.SCARD_E_TIMEOUT:
                _raise_for(rc, f"wait for a card in {self.reader_name}")
                _, ev, _atr = states[0]
                if ev & s.SCARD_STATE_PRESENT and not ev & s.SCARD_STATE_MUTE:
                    return
                state = ev & ~s.SCARD_STATE_CHANGED
            if time.monotonic() >= deadline:
                raise CardRemovedError(f"no card in {self.reader_name} after {timeout:g} s")

    def _connect(self) -> None:
        s = _scard()
        rc, card, proto = s.SCardConnect(self._ctx, self.reader_name, s.SCARD_SHARE_SHARED,
                                         s.SCARD_PROTOCOL_T0 | s.SCARD_PROTOCOL_T1)
        _raise_for(rc, f"connect to the card in {self.reader_name}")
        self._card, self._protocol = card, proto
        rc, _name, _state, _proto, atr = s.SCardStatus(card)
        _raise_for(rc, "card status")
        self.atr: bytes | None = bytes(atr)

    @property
    def connected(self) -> bool:
        return self._card is not None

    def card_present(self) -> bool:
        """True while the card is still in the reader (a status query; no APDU is sent)."""
        if self._card is None:
            return False
        rc, *_ = _scard().SCardStatus(self._card)
        return _code(rc) == _scard().SCARD_S_SUCCESS

    def _raw(self, apdu: bytes) -> bytes:
        if self._card is None:
            raise CardRemovedError(f"not connected to a card in {self.reader_name}")
        rc, resp = _scard().SCardTransmit(self._card, self._protocol, list(apdu))
        _raise_for(rc, f"transmit to {self.reader_name}")
        return check_response_bytes(bytes(resp), self.reader_name)

    def transmit(self, apdu: bytes) -> bytes:
        """Send one APDU; raise CardRemovedError when the card left, ReaderError when the reader went."""
        apdu = bytes(apdu)
        resp = self._raw(apdu)
        if self._protocol == _scard().SCARD_PROTOCOL_T0:
            # ISO 7816-3 T=0 case handling is the transport's job, not the session's.
            if resp[-2] == 0x6C and len(apdu) >= 5:
                resp = self._raw(apdu[:-1] + resp[-1:])
            data = b""
            for _ in range(256):
                if resp[-2] != 0x61:
                    break
                data += resp[:-2]
                resp = self._raw(bytes((apdu[0] & 0x03, 0xC0, 0, 0, resp[-1])))
            resp = data + resp
        return resp

    def close(self) -> None:
        """Disconnect (powering the card down) and release the PC/SC context; safe to call twice."""
        s = _s
        if s is None:
            return
        if self._card is not None:
            s.SCardDisconnect(self._card, s.SCARD_UNPOWER_CARD)
            self._card = None
        if getattr(self, "_ctx", None) is not None:
            s.SCardReleaseContext(self._ctx)
            self._ctx = None

    def __enter__(self) -> "PcscTransport":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"PcscTransport({getattr(self, 'reader_name', '?')!r})"


class ReaderWatch:
    """One reader, followed by PC/SC status change: wait for a card, connect to it, wait for it to leave.

    What a kiosk terminal needs (``cardkit.inspect.kiosk``): the reader is picked once, one PC/SC
    context is kept for the waits, and each card gets its own ``PcscTransport``.
    """

    def __init__(self, reader: str | int | None) -> None:
        """Pick the reader (as ``PcscTransport`` does) and take a PC/SC context for watching it.

        Raises:
            ReaderError: no PC/SC service, no readers, no reader matching ``reader``.
        """
        self._ctx: int | None = _context()
        try:
            self.reader_name = _pick_reader(self._ctx, reader)
        except BaseException:
            self.close()
            raise
        self._state = _scard().SCARD_STATE_UNAWARE
        self._counter_at_card: int | None = None

    def _wait(self, done: Callable[[int], bool]) -> int:
        """Block (in slices) until ``done(event_state)``; return that state.

        Raises:
            ReaderError: the reader vanished or the PC/SC service stopped.
        """
        s = _scard()
        if self._ctx is None:
            raise ReaderError(f"the watch on {self.reader_name} is closed")
        while True:
            rc, states = s.SCardGetStatusChange(self._ctx, WAIT_SLICE_MS, [(self.reader_name, self._state)])
            code = _code(rc)
            if code == s.SCARD_E_TIMEOUT:
                continue  # nothing changed: wait again (Ctrl-C was checked between the slices)
            if code in (s.SCARD_E_UNKNOWN_READER, s.SCARD_E_READER_UNAVAILABLE):
                raise ReaderError(f"reader {self.reader_name!r} is gone")
            if code in (s.SCARD_E_NO_SERVICE, s.SCARD_E_SERVICE_STOPPED, s.SCARD_F_COMM_ERROR):
                raise ReaderError(f"reader {self.reader_name!r} is gone: the PC/SC service stopped answering "
                                  f"({s.SCardGetErrorMessage(code)})")
            _raise_for(rc, f"watch {self.reader_name}")
            _, event, _atr = states[0]
            if event & (s.SCARD_STATE_UNKNOWN | s.SCARD_STATE_IGNORE):  # how pcsc-lite reports a reader removed
                raise ReaderError(f"reader {self.reader_name!r} is gone")
            self._state = event & ~s.SCARD_STATE_CHANGED
            if done(event):
                return event

    def wait_for_card(self) -> None:
        """Return once a card that answers is in the reader (at once when one is there already).

        A mute card (no answer to reset) is waited out: it is not a card the terminal can read.
        """
        s = _scard()
        event = self._wait(lambda ev: bool(ev & s.SCARD_STATE_PRESENT) and not ev & s.SCARD_STATE_MUTE)
        self._counter_at_card = event >> 16
        log.info("card in %s", self.reader_name)

    def wait_for_removal(self) -> None:
        """Return once the card seen by ``wait_for_card`` has left (or another card took its place)."""
        s = _scard()
        seen = self._counter_at_card

        def gone(ev: int) -> bool:
            return not ev & s.SCARD_STATE_PRESENT or (seen is not None and ev >> 16 != seen)

        self._wait(gone)
        self._counter_at_card = None
        log.info("card left %s", self.reader_name)

    def connect(self) -> PcscTransport:
        """A transport to the card in the reader now.

        Raises:
            CardRemovedError: the card has already gone; ReaderError: the reader or service went.
        """
        return PcscTransport(self.reader_name, timeout=0)

    def close(self) -> None:
        """Release the PC/SC context; safe to call twice."""
        if self._ctx is not None and _s is not None:
            _s.SCardReleaseContext(self._ctx)
        self._ctx = None

    def __enter__(self) -> "ReaderWatch":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"ReaderWatch({getattr(self, 'reader_name', '?')!r})"
