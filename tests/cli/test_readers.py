"""``cardkit readers``: the PC/SC readers and the card in each, as a table or JSON; no service is exit 3."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.support.cards import make_td3_card, pcsc_insert
from tests.support.cli import CLI_PY, ROOT, run_cli
from tests.support.pcsc import env_without_pcscd


def test_readers_without_service_exits_3(tmp_path) -> None:
    r = subprocess.run([sys.executable, str(CLI_PY), "readers"], env=env_without_pcscd(tmp_path), cwd=ROOT,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 3
    assert "PC/SC service not running" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.pcsc
def test_readers_lists_the_card(pcsc_stack, tmp_path) -> None:
    chip, _, _ = make_td3_card(tmp_path)
    reader = pcsc_insert(pcsc_stack, chip)
    try:
        code, out, err = run_cli("readers", "--json")
    finally:
        pcsc_stack.remove()
    assert code == 0, err
    rows = {r["name"]: r for r in json.loads(out)}
    assert rows[reader]["card_present"] is True and rows[reader]["atr"].startswith("3B")
