"""simulators/vpcd.py against a stand-in for vpcd's server side on a loopback socket.

The stand-in speaks vpcd's wire protocol (2-byte length + payload; 1-byte control codes) so
the bridge's framing, ATR polls, power handling, removal and reconnection are checked without
pcscd; tests/test_pcsc_integration.py runs the real thing.
"""

from __future__ import annotations

import socket
import struct
import threading
import time

import pytest

from simulators import vpcd
from simulators.vpcd import serve

ATR = bytes.fromhex("3B858001807394014000")


class Chip:
    def __init__(self) -> None:
        self.present = True
        self.power_ons = 0
        self.offs = 0

    def power_on(self) -> bytes:
        self.power_ons += 1
        return ATR

    def power_off(self) -> None:
        self.offs += 1

    def process_apdu(self, apdu: bytes) -> bytes:
        if apdu == b"\x00\xdd\x00\x00":
            self.present = False
            return b"\x90\x00"
        if apdu == b"\x00\xee\x00\x00":
            raise RuntimeError("bug")
        return apdu[:4][::-1] + b"\x90\x00"


class FakeVpcd:
    def __init__(self) -> None:
        self.srv = socket.socket()
        self.srv.bind(("127.0.0.1", 0))
        self.srv.listen(1)
        self.srv.settimeout(10)
        self.port = self.srv.getsockname()[1]
        self.conn: socket.socket | None = None

    def accept(self) -> None:
        self.conn, _ = self.srv.accept()
        self.conn.settimeout(10)

    def send(self, payload: bytes) -> None:
        # two writes, as vpcd does (length, then body)
        self.conn.sendall(struct.pack(">H", len(payload)))
        self.conn.sendall(payload)

    def recv(self) -> bytes:
        head = self._exact(2)
        return self._exact(struct.unpack(">H", head)[0])

    def _exact(self, n: int) -> bytes:
        buf = b""
        while len(buf) < n:
            part = self.conn.recv(n - len(buf))
            if not part:
                raise EOFError
            buf += part
        return buf

    def close(self) -> None:
        if self.conn:
            self.conn.close()
        self.srv.close()


@pytest.fixture
def bridge():
    v = FakeVpcd()
    chip = Chip()
    stop = threading.Event()
    errors: list[BaseException] = []

    def run() -> None:
        try:
            serve(chip, port=v.port, stop_event=stop, connect_timeout=10)
        except BaseException as e:
            errors.append(e)

    th = threading.Thread(target=run, daemon=True)
    th.start()
    v.accept()
    yield v, chip, stop, th
    stop.set()
    th.join(5)
    v.close()
    assert not th.is_alive()
    assert not errors


def test_atr_power_and_apdus(bridge) -> None:
    v, chip, stop, th = bridge
    for _ in range(3):  # every poll is answered
        v.send(b"\x04")
        assert v.recv() == ATR
    v.send(b"\x01")
    v.send(b"\x00\xa4\x04\x0c")
    assert v.recv() == b"\x0c\x04\xa4\x00\x90\x00"
    v.send(b"\x02")
    v.send(b"\x00")
    v.send(b"\x04")
    assert v.recv() == ATR
    assert chip.power_ons >= 3 and chip.offs == 1
    # a chip that raises answers 6F00 and the bridge goes on
    v.send(b"\x00\xee\x00\x00")
    assert v.recv() == b"\x6f\x00"
    v.send(b"\x04")
    assert v.recv() == ATR


def test_card_pulled_closes_the_connection_and_stop_ends(bridge) -> None:
    v, chip, stop, th = bridge
    v.send(b"\x00\xdd\x00\x00")  # the chip is pulled while answering
    with pytest.raises((EOFError, ConnectionResetError)):
        v.recv()
    chip.present = True  # put back: the bridge reconnects
    v.accept()
    v.send(b"\x04")
    assert v.recv() == ATR
    stop.set()
    th.join(5)
    assert not th.is_alive()


def test_reconnects_when_vpcd_closes(bridge) -> None:
    v, chip, stop, th = bridge
    v.conn.close()
    v.accept()
    v.send(b"\x04")
    assert v.recv() == ATR


def test_connect_timeout_when_no_vpcd() -> None:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    with pytest.raises(ConnectionError, match="cannot reach vpcd"):
        serve(Chip(), port=port, connect_timeout=0.3)


def test_stop_between_length_and_body_neither_spins_nor_hangs(bridge) -> None:
    v, chip, stop, th = bridge
    v.conn.sendall(struct.pack(">H", 1))  # the length only, as vpcd's first write

    time.sleep(0.3)  # the bridge is now waiting for the body
    stop.set()
    time.sleep(0.1)
    v.conn.sendall(b"\x04")  # the body arrives after the stop: the message is finished and answered
    assert v.recv() == ATR
    th.join(5)
    assert not th.is_alive()


def test_stop_with_body_never_arriving_ends(bridge) -> None:
    v, chip, stop, th = bridge
    v.conn.sendall(struct.pack(">H", 5))

    time.sleep(0.3)
    stop.set()
    th.join(5)  # gives up on the half message after a bounded wait
    assert not th.is_alive()


def test_a_card_pcscd_never_powers_up_is_taken_out_once_and_put_back(monkeypatch) -> None:
    """pcscd polls a new connection (04) but never sends power-on: it holds the card for the one before,
    mute. The bridge closes once, stays out for a gap, reconnects, and then waits as long as pcscd likes."""
    monkeypatch.setattr(vpcd, "_POWER_ON_WAIT", 0.3)
    monkeypatch.setattr(vpcd, "_GAP", 0.1)
    v, stop = FakeVpcd(), threading.Event()
    th = threading.Thread(target=serve, args=(Chip(),), kwargs={"port": v.port, "stop_event": stop}, daemon=True)
    th.start()
    try:
        v.accept()
        with pytest.raises((EOFError, ConnectionResetError)):
            for _ in range(100):  # polls only, past the wait: the bridge closes the connection
                v.send(b"\x04")
                assert v.recv() == ATR
                time.sleep(0.02)
        v.accept()  # back in the reader
        for _ in range(25):  # this time it stays, powered or not (no loop of reconnections)
            v.send(b"\x04")
            assert v.recv() == ATR
            time.sleep(0.02)
        v.send(b"\x01")
        v.send(b"\x00\xa4\x04\x0c")
        assert v.recv() == b"\x0c\x04\xa4\x00\x90\x00"
    finally:
        stop.set()
        th.join(5)
        v.close()
    assert not th.is_alive()
