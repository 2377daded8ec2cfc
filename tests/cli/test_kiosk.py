"""``cardkit verify --reader R --loop``: one process serves card after card through pcscd and vpcd.

The kiosk runs as its own process, as at a terminal, with no controlling terminal: the keys it asks
for each card ('-') come from its stdin, one line per card, typed when the card is in the reader.
Cards are software chips bridged into one vpcd slot (``PcscStack.insert``/``remove``), so PC/SC
reports each arrival and removal as it would for a real card. Stopping is by signal (SIGINT as
Ctrl-C, SIGTERM as a service manager), and the PC/SC service vanishing is a proxy cut
(``PcscServiceProxy``) that the real pcscd and other tests never see.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from simulators._faults import Faults
from simulators.emrtd import EmrtdChip
from tests.support.cards import make_td1_card, make_vn_card, pcsc_insert
from tests.support.cli import ROOT
from tests.support.pcsc import PcscServiceProxy

pytestmark = pytest.mark.pcsc

CARDS = 20  # good cards served in one run (issue 16), with one pulled mid-read among them
WAIT = 60.0  # seconds a line may take before the test gives up (a loaded machine; never reached when it works)


class Kiosk:
    """``cardkit ARGS`` in its own session (so signals reach only it); stdout and stderr read line by line."""

    def __init__(self, *args: object, env: dict[str, str] | None = None) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "from cardkit.cli import _entry; _entry()", *(str(a) for a in args)], cwd=ROOT,
            env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            encoding="utf-8", start_new_session=True)
        self.out: queue.Queue[str | None] = queue.Queue()
        self.err_lines: list[str] = []
        self._err_seen = threading.Condition()
        threading.Thread(target=self._pump_out, daemon=True).start()
        threading.Thread(target=self._pump_err, daemon=True).start()

    def _pump_out(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.out.put(line.rstrip("\n"))
        self.out.put(None)

    def _pump_err(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            with self._err_seen:
                self.err_lines.append(line.rstrip("\n"))
                self._err_seen.notify_all()
        with self._err_seen:
            self.err_lines.append("")  # end of stream
            self._err_seen.notify_all()

    @property
    def err(self) -> str:
        return "\n".join(self.err_lines)

    def type(self, text: str) -> None:
        """What the operator types at the prompt (a line of stdin)."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()

    def line(self) -> str:
        """The next stdout line (one per card)."""
        try:
            line = self.out.get(timeout=WAIT)
        except queue.Empty:
            raise AssertionError(f"no line from the kiosk in {WAIT:g} s; stderr:\n{self.err}") from None
        assert line is not None, f"the kiosk ended (exit {self.proc.poll()}); stderr:\n{self.err}"
        return line

    def wait_err(self, words: str) -> None:
        """Wait until stderr shows ``words``."""
        with self._err_seen:
            ok = self._err_seen.wait_for(lambda: any(words in line for line in self.err_lines), timeout=WAIT)
        assert ok, f"stderr never said {words!r}:\n{self.err}"

    def stop(self, sig: int) -> int:
        """Send ``sig`` to the kiosk (by its PID) and wait for it to end; its exit code."""
        os.kill(self.proc.pid, sig)
        return self.wait()

    def wait(self) -> int:
        try:
            code = self.proc.wait(timeout=WAIT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise AssertionError(f"the kiosk did not end; stderr:\n{self.err}") from None
        with self._err_seen:
            self._err_seen.wait_for(lambda: self.err_lines[-1:] == [""], timeout=WAIT)
        return code

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()  # only when a test failed half-way: the process we started, by its PID
            self.proc.wait(timeout=WAIT)


@pytest.fixture(scope="module")
def deck(tmp_path_factory):
    """Two kinds of card (a VN CCCD, CAN 012345; a French TD1, CAN 654321) as images, and their CSCAs."""
    base = tmp_path_factory.mktemp("kiosk")
    vn_chip, _t, vn = make_vn_card(base)
    fr_chip, _t, fr = make_td1_card(base)
    vn_chip.save(base / "vn.image")
    fr_chip.save(base / "fr.image")
    return {"vn": (base / "vn.image", vn), "fr": (base / "fr.image", fr), "trust": (vn.csca_path, fr.csca_path)}


def _trust_args(deck) -> list[object]:
    return [a for p in deck["trust"] for a in ("--trust", p)]


def test_the_kiosk_verifies_20_cards_one_after_another_and_ends_on_ctrl_c(deck, pcsc_stack):
    pulled_at = 8  # this card is pulled out mid-read (its 12th APDU, a data group): an INCOMPLETE line, then on
    order = [("vn", "fr")[i % 2] for i in range(CARDS)]
    order.insert(pulled_at - 1, "pulled")
    first = pcsc_insert(pcsc_stack, EmrtdChip.load(deck["vn"][0]))
    port = pcsc_stack.port
    kiosk = Kiosk("-v", "verify", "--reader", first, "--loop", "--json", "--can", "-", *_trust_args(deck))
    lines = []
    try:
        for n, kind in enumerate(order, 1):
            if n > 1:
                chip = (EmrtdChip.load(deck["vn"][0], faults=Faults(remove_at_apdu=12)) if kind == "pulled"
                        else EmrtdChip.load(deck[kind][0]))
                pcsc_stack.insert(chip, port=port)
            kiosk.type(deck["fr" if kind == "fr" else "vn"][1].can)
            lines.append(json.loads(kiosk.line()))
            pcsc_stack.remove()
        code = kiosk.stop(signal.SIGINT)
    finally:
        kiosk.close()
        pcsc_stack.remove()
    assert code == 0, kiosk.err
    assert [d["card"] for d in lines] == list(range(1, CARDS + 2))
    for d, kind in zip(lines, order):
        assert d["latency_ms"] > 0, d
        if kind == "pulled":
            assert d["verdict"] == "INCOMPLETE" and d["exit_code"] == 3 and d["stopped_at"], d
        else:
            assert d["verdict"] == "GENUINE", d
            assert d["holder"]["mrz"]["document_number"] == deck[kind][1].document_number
    assert sum(d["verdict"] == "GENUINE" for d in lines) == CARDS
    assert "Traceback" not in kiosk.err
    assert kiosk.err_lines[-2] == f"cardkit: stopped after {CARDS + 1} cards", kiosk.err
    # start-up paid once: one process, one trust store, a card-in and a card-out event per card
    assert kiosk.err.count("trust store:") == 1, kiosk.err
    assert kiosk.err.count("INFO    cardkit.card.pcsc: card in ") == CARDS + 1, kiosk.err


def test_text_mode_shows_each_card_with_its_face_and_a_bad_key_costs_no_card(deck, pcsc_stack, tmp_path):
    image, info = deck["vn"]
    faces = tmp_path / "faces"
    first = pcsc_insert(pcsc_stack, EmrtdChip.load(image))
    port = pcsc_stack.port
    kiosk = Kiosk("--debug", "verify", "--reader", first, "--loop", "--can", "-", "--face-dir", faces,
                  *_trust_args(deck))
    try:
        kiosk.type("12a456")  # mistyped: refused before any APDU, and the card waits to be taken out
        refused = kiosk.line()
        pcsc_stack.remove()
        shown = []
        for _ in range(2):
            pcsc_stack.insert(EmrtdChip.load(image), port=port)
            kiosk.type(info.can)
            shown.append(kiosk.line())
            pcsc_stack.remove()
        kiosk.wait_err("card left")
        code = kiosk.stop(signal.SIGTERM)  # how a service manager stops it
    finally:
        kiosk.close()
        pcsc_stack.remove()
    assert code == 0, kiosk.err
    assert refused.startswith("card 1  NOT VERIFIED  --can: the CAN must be digits"), refused
    debug_apdus = [line for line in kiosk.err_lines if "DEBUG" in line and "->" in line]
    assert debug_apdus and all(line.endswith(" ms") for line in debug_apdus)
    for n, line in enumerate(shown, 2):
        assert line.startswith(f"card {n}  GENUINE  "), line
        assert info.dg13["full_name"] in line and f"document {info.document_number}" in line, line
        face = Path(line.split("  face ")[1].split("  ")[0])
        assert face.parent == faces and face.name.endswith(f"-{n:04d}.jpg"), line
        assert face.read_bytes() == info.face and stat.S_IMODE(face.stat().st_mode) == 0o600
    assert kiosk.err_lines[-2] == "cardkit: stopped after 3 cards", kiosk.err
    assert info.can not in kiosk.err and "Traceback" not in kiosk.err


def test_the_pcsc_service_vanishing_is_one_line_and_exit_3(deck, pcsc_stack, tmp_path):
    _port, reader = pcsc_stack.reserve()  # an empty reader nobody else puts a card into meanwhile
    proxy = PcscServiceProxy(tmp_path)
    kiosk = Kiosk("verify", "--reader", reader, "--loop", "--can", "654321", *_trust_args(deck), env=proxy.env)
    try:
        kiosk.wait_err("waiting for cards")
        proxy.cut()
        code = kiosk.wait()
    finally:
        kiosk.close()
        pcsc_stack.remove()
    assert code == 3, kiosk.err
    assert kiosk.err_lines[-2].startswith(f"cardkit: reader {reader!r} is gone: the PC/SC service stopped "
                                          "answering"), kiosk.err
    assert "Traceback" not in kiosk.err
