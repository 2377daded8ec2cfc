"""``cardkit sim serve IMAGE``: the software chip in pcscd's virtual reader until interrupted."""

from __future__ import annotations

import subprocess
import sys

import pytest

from cardkit.card import PcscTransport, Session
from tests.support.cards import make_td3_card
from tests.support.cli import CLI_PY, ROOT
from tests.support.pcsc import interrupt


@pytest.mark.pcsc
def test_sim_serve_puts_the_card_in_the_reader(tmp_path, pcsc_stack) -> None:
    chip, _, info = make_td3_card(tmp_path)
    image = tmp_path / "card.image"
    chip.save(image)
    port, reader = pcsc_stack.reserve()
    proc = subprocess.Popen([sys.executable, str(CLI_PY), "sim", "serve", str(image), "--port", str(port)],
                            stderr=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        pcsc_stack.wait_for_card(True)
        with PcscTransport(reader, timeout=5) as t:
            s = Session(t)
            s.select_application()
            s.bac(info.mrz_information)
            assert s.read_file("DG1") == info.files["DG1"]
    finally:
        err = interrupt(proc)
        pcsc_stack.remove()
    assert proc.returncode == 0, err
    assert "serving" in err and "removed" in err
