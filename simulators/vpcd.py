"""Put a software chip into pcscd through vsmartcard's vpcd driver, so any PC/SC program sees a card.

vpcd (loaded by pcscd) listens on TCP 35963 for the reader "Virtual PCD 00 00" (35964 for
"... 00 01"); the card side — this module — connects to it. Wire protocol (vsmartcard's vpcd):
every message is a 2-byte big-endian length then the payload. A 1-byte payload from vpcd is
a control code: 00 power off, 01 power on, 02 reset, 04 get ATR. Anything longer is a
command APDU, answered with the chip's response APDU.

Rules kept here:
- every get-ATR poll is answered (pcscd polls it to see whether a card is present; an
  unanswered poll stalls the reader);
- TCP_NODELAY on our side, and TCP_QUICKACK re-armed before each recv: vpcd writes the
  length and the body in two segments without TCP_NODELAY, so a delayed ACK from us would
  stall every message about 40 ms (Linux clears QUICKACK after use, hence the re-arm);
- a chip with ``present = False`` has been pulled: the connection is closed, which vpcd
  reports to pcscd as a removed card, and we reconnect once it is back;
- when vpcd closes the connection (pcscd restarted), we reconnect; ``stop_event`` ends it all;
- pcscd powers a card up when it sees it inserted: a new connection that gets presence polls but no
  power-on within ``_POWER_ON_WAIT`` seconds is a card pcscd still holds for the one before, mute (seen
  after a card was pulled in the middle of a command). It is closed once and made again after a gap
  pcscd's polls notice, so pcscd sees a removal and an insertion, instead of a card out of sight.
This module imports nothing from cardkit above ``iso7816`` (simulators' layering rule).
"""

from __future__ import annotations

import logging
import socket
import struct
import threading
import time
from typing import Any

__all__ = ["serve", "VPCD_PORT", "VpcdConnection"]

VPCD_PORT = 35963
POWER_OFF, POWER_ON, RESET, GET_ATR = 0, 1, 2, 4
_POLL = 0.2  # seconds between stop_event checks while idle
_POWER_ON_WAIT = 3.0  # seconds a new connection may wait for pcscd's power-on (pcscd polls every ~0.4 s)
_GAP = 1.0  # seconds out of the reader, so that pcscd's polls see the card gone
_MAX_MESSAGE = 0xFFFF

log = logging.getLogger("cardkit.vpcd")


class _Closed(Exception):
    """vpcd closed the connection."""


class _NotPowered(_Closed):
    """pcscd polls the new connection but never powers the card up: it still holds an older card, mute."""


class VpcdConnection:
    """One connection to vpcd, with message framing (length-prefixed, both directions)."""

    def __init__(self, sock: socket.socket, stop_event: threading.Event) -> None:
        self.sock = sock
        self.stop = stop_event
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.settimeout(_POLL)

    def _quickack(self) -> None:
        if hasattr(socket, "TCP_QUICKACK"):
            try:
                self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
            except OSError:  # pragma: no cover - not on Linux
                pass

    def _recv_exact(self, n: int, *, stoppable: bool = True) -> bytes | None:
        """n bytes, or None when ``stoppable`` and stop_event is set before the first byte came."""
        buf = bytearray()
        deadline = None
        while len(buf) < n:
            if stoppable and self.stop.is_set() and not buf:
                return None
            if self.stop.is_set():
                # Stopping in the middle of a message: finish it, but never wait forever.
                deadline = deadline or time.monotonic() + 2.0
                if time.monotonic() > deadline:
                    raise _Closed("stopped in the middle of a message")
            self._quickack()
            try:
                part = self.sock.recv(n - len(buf))
            except socket.timeout:
                continue
            except OSError as e:
                raise _Closed(str(e)) from None
            if not part:
                raise _Closed("vpcd closed the connection")
            buf += part
        return bytes(buf)

    def receive(self) -> bytes | None:
        """The next message from vpcd, or None when asked to stop."""
        head = self._recv_exact(2)
        if head is None:
            return None
        (n,) = struct.unpack(">H", head)
        if n == 0:
            return b""
        # Once a message has started, finish it even if a stop was asked (a message cut in
        # two would desynchronise the framing); the stop is honoured at the next message.
        return self._recv_exact(n, stoppable=False)

    def send(self, payload: bytes) -> None:
        if len(payload) > _MAX_MESSAGE:
            raise ValueError(f"message of {len(payload)} bytes exceeds {_MAX_MESSAGE}")
        try:
            self.sock.sendall(struct.pack(">H", len(payload)) + payload)
        except OSError as e:
            raise _Closed(str(e)) from None


def _present(chip: Any) -> bool:
    return bool(getattr(chip, "present", True))


def _serve_connection(conn: VpcdConnection, chip: Any, atr: bytes, power_on_by: float | None = None) -> bytes:
    """Answer vpcd until it closes, the chip is pulled, or stop is set. Returns the current ATR.

    ``power_on_by``: the monotonic time by which pcscd must have powered the card up (else _NotPowered).
    """
    while True:
        if not _present(chip):
            return atr
        msg = conn.receive()
        if msg is None:
            return atr
        if power_on_by is not None and time.monotonic() > power_on_by:
            raise _NotPowered("pcscd polls the card but never powers it up")
        if len(msg) == 1:
            code = msg[0]
            if code in (POWER_ON, RESET):
                power_on_by = None
            if code == GET_ATR:
                if not atr:
                    atr = bytes(chip.power_on())
                conn.send(atr)
            elif code in (POWER_ON, RESET):
                if not _present(chip):
                    return atr
                atr = bytes(chip.power_on())
            elif code == POWER_OFF:
                off = getattr(chip, "power_off", None)
                if off is not None:
                    off()
            else:
                log.warning("vpcd sent unknown control code %02X", code)
            continue
        if not msg:
            continue
        try:
            resp = bytes(chip.process_apdu(msg))
        except Exception:  # the chip must never raise; answer "no precise diagnosis", keep serving
            log.exception("chip raised on an APDU")
            resp = b"\x6f\x00"
        if not _present(chip):
            return atr  # pulled mid-command: no answer, the connection closes
        if len(resp) > _MAX_MESSAGE:
            log.warning("response of %d bytes does not fit vpcd's 2-byte length; answering 6700", len(resp))
            resp = b"\x67\x00"
        conn.send(resp)


def serve(chip: Any, host: str = "127.0.0.1", port: int = VPCD_PORT,
          stop_event: threading.Event | None = None, *, connect_timeout: float | None = None) -> None:
    """Serve ``chip`` to vpcd at host:port until ``stop_event`` is set (or Ctrl-C).

    Args:
        chip: object with ``power_on() -> ATR``, ``process_apdu(bytes) -> bytes`` and
            optionally ``power_off()`` and ``present``.
        stop_event: set it to stop; the connection is closed, so pcscd sees the card removed.
        connect_timeout: give up (ConnectionError) when vpcd cannot be reached for this long;
            None keeps trying.
    """
    stop = stop_event or threading.Event()
    atr = bytes(chip.power_on()) if _present(chip) else b""
    waited_since = time.monotonic()
    retried = False
    while not stop.is_set():
        if not _present(chip):
            stop.wait(_POLL)  # card out of the reader: stay disconnected
            continue
        try:
            sock = socket.create_connection((host, port), timeout=2.0)
        except OSError as e:
            if connect_timeout is not None and time.monotonic() - waited_since > connect_timeout:
                raise ConnectionError(f"cannot reach vpcd at {host}:{port}: {e}") from None
            stop.wait(_POLL)
            continue
        log.info("connected to vpcd at %s:%d", host, port)
        gap = _POLL
        try:
            power_on_by = None if retried else time.monotonic() + _POWER_ON_WAIT
            atr = _serve_connection(VpcdConnection(sock, stop), chip, atr, power_on_by)
            retried = False
        except _NotPowered as e:
            log.info("%s: out of the reader for %g s, then in again", e, _GAP)
            retried, gap = True, _GAP
        except _Closed as e:
            log.info("vpcd connection closed: %s", e)
            retried = False
        finally:
            sock.close()
        waited_since = time.monotonic()
        if not stop.is_set():
            stop.wait(gap)
