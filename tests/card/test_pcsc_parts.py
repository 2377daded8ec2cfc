"""PC/SC pieces that need no running pcscd: no-service errors and the busy-slot rule of the test stack."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys

import pytest

from tests.support import pcsc as support

pytest.importorskip("smartcard")

_NO_SERVICE = """
import sys
from cardkit.card import PcscTransport
from cardkit.errors import ReaderError
try:
    PcscTransport(None, timeout=0)
except ReaderError as e:
    print("ReaderError:", e); sys.exit(0)
sys.exit(1)
"""


def test_no_service_is_reader_error(tmp_path) -> None:
    r = subprocess.run([sys.executable, "-c", _NO_SERVICE], env=support.env_without_pcscd(tmp_path), cwd=os.getcwd(),
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "PC/SC service not running" in r.stdout


def test_busy_slots_fail_clearly() -> None:
    held = []
    try:
        for port, _ in support.SLOTS:
            fd = os.open(support.LOCK_DIR / f"cardkit-vpcd-{port}.lock", os.O_RDWR | os.O_CREAT, 0o666)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                pytest.skip("another test run holds a vpcd slot right now")
            held.append(fd)
        stack = support.PcscStack(timeout=1)
        with pytest.raises(RuntimeError, match="every vpcd slot .* is busy"):
            stack.reserve()
    finally:
        for fd in held:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
