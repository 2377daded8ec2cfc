"""The production line with its real parts: a SoftHSM2 DS reached through the DS folder, cards through pcscd."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from cardkit.personalise import mrz_for
from cardkit.production.batch import ReaderSource, run_batch
from cardkit.production.ledger import Ledger
from cardkit.production.records import RecordResult
from cardkit.profiles import load_profile
from simulators.emrtd import EmrtdChip
from tests.production._helpers import PASSPHRASE, ROOT, cvca_file, ds_folder, small_face, write_vn_csv
from tests.support.perso import cvca_for, sample_record
from tests.support.cli import EXAMPLES
from tests.support.cli import run_cli as run


@pytest.mark.hsm
def test_hsm_ds_folder_is_all_personalise_needs(softhsm, tmp_path):  # noqa: F811
    """`pki issue-ds --hsm-…` writes the folder; `personalise --ds DIR` signs with the HSM key, PIN from the
    environment variable the folder names, and no other flag."""
    env = {"CARDKIT_PASSPHRASE": "hsm-test", "DS_PIN": softhsm.pin}
    code, _, err = run("pki", "init-csca", "--country", "VN", "--out", tmp_path / "csca", env=env)
    assert code == 0, err
    code, _, err = run("pki", "issue-ds", "--csca", tmp_path / "csca", "--out", tmp_path / "ds", "--hsm-module",
                       softhsm.module, "--hsm-token", softhsm.label, "--hsm-pin-env", "DS_PIN", env=env)
    assert code == 0, err
    assert not (tmp_path / "ds" / "ds.key").exists() and (tmp_path / "ds" / "csca.pem").is_file()
    cvca = ["--cvca", cvca_file(tmp_path)]
    code, out, err = run("personalise", "--profile", "vn-cccd", "--records", EXAMPLES / "vn-citizens.csv",
                         "--ds", tmp_path / "ds", "--sim", tmp_path / "sim", "--ledger", tmp_path / "l.sqlite",
                         *cvca, "--json", env={"DS_PIN": softhsm.pin, "CARDKIT_PASSPHRASE": None})
    assert code == 0, err
    assert json.loads(out)["issued"] == 5
    code, _, err = run("personalise", "--profile", "vn-cccd", "--records", EXAMPLES / "vn-citizens.csv",
                       "--ds", tmp_path / "ds", "--sim", tmp_path / "sim2", "--ledger", tmp_path / "l2.sqlite",
                       *cvca, env={"DS_PIN": None})
    assert code == 2 and "DS_PIN" in err


@pytest.mark.pcsc
@pytest.mark.parametrize("name", ["vn-cccd", "icao-td1", "icao-td3", "jmrtd"])
def test_batch_through_pcscd(pki, pcsc_stack, tmp_path, name):  # noqa: F811
    """Blank chips in pcscd's virtual reader, one after another; each issued card then verifies via the CLI."""
    personality = "jmrtd" if name == "jmrtd" else "default"
    issued_chips = []
    reader = pcsc_stack.insert(EmrtdChip(personality=personality))
    pcsc_stack.remove()

    def operator(message: str) -> None:  # the operator: puts a blank card in, takes the done card out
        if message.startswith("Insert"):
            chip = EmrtdChip(personality=personality)
            issued_chips.append(chip)
            assert pcsc_stack.insert(chip) == reader
        else:
            pcsc_stack.remove()

    face = small_face(tmp_path)
    with Ledger(tmp_path / "pcsc.sqlite", station="pcsc") as lg:
        s = run_batch([RecordResult(1, sample_record(1, photo=face)), RecordResult(2, sample_record(2, photo=face))],
                      profile=load_profile(name), cvca=cvca_for(load_profile(name)), signer=pki.ds_signer,
                      trust=pki.trust, ledger=lg,
                      source=ReaderSource(reader, prompt=operator, timeout=15, removal_timeout=15), batch="pcsc")
        assert (s.issued, s.rejected, s.stopped) == (2, 0, None), s.outcomes
        assert lg.check_integrity() == []
    csca = tmp_path / "csca.pem"
    csca.write_bytes(pki.csca.public_bytes(serialization.Encoding.PEM))
    reader = pcsc_stack.insert(issued_chips[0])
    try:
        mrz = mrz_for(sample_record(1), load_profile(name))
        code, out, err = run("verify", "--reader", reader, "--mrz-info", mrz.mrz_information, "--trust", csca, "--json")
    finally:
        pcsc_stack.remove()
    assert code == 0, err
    assert json.loads(out)["verdict"] == "GENUINE"


@pytest.mark.pcsc
def test_sim_blank_serve_and_personalise_reader_with_the_jmrtd_applet(pki, pcsc_stack, tmp_path):  # noqa: F811
    """The operator's way: `sim blank --personality jmrtd`, `sim serve`, then `personalise --reader`."""
    image = tmp_path / "blank.image"
    code, out, err = run("sim", "blank", image, "--personality", "jmrtd")
    assert code == 0 and image.is_file(), err
    port, reader = pcsc_stack.reserve()
    server = subprocess.Popen([sys.executable, str(ROOT / "cli.py"), "sim", "serve", str(image), "--port", str(port)],
                              cwd=ROOT, stderr=subprocess.PIPE)
    try:
        pcsc_stack.wait_for_card(True)
        records = write_vn_csv(tmp_path / "one.csv", [sample_record(5)], small_face(tmp_path / "p"))
        code, out, err = run("personalise", "--profile", "jmrtd", "--records", records, "--ds",
                             ds_folder(pki, tmp_path / "ds"), "--reader", reader, "--ledger", tmp_path / "l.sqlite",
                             "--card-timeout", "0.5", "--json", env={"CARDKIT_PASSPHRASE": PASSPHRASE})
        # the card is issued; nobody takes it out of the served reader, so the wait for removal ends the run
        assert "card was not taken out of the reader within 0.5 s" in err, err
        with Ledger(tmp_path / "l.sqlite", create=False) as lg:
            assert lg.counts()["issued"] == 1
    finally:
        server.send_signal(signal.SIGINT)
        server.communicate(timeout=30)
        pcsc_stack.remove()
    assert EmrtdChip.load(image).life_cycle == "OPERATIONAL"  # serve saved the personalised chip back


def test_sim_serve_says_at_once_when_pcscd_is_not_there(tmp_path):
    image = tmp_path / "c.image"
    assert run("sim", "blank", image)[0] == 0
    t0 = time.monotonic()
    code, _, err = run("sim", "serve", image, "--port", "1", "--host", "127.0.0.1")
    assert code == 3 and "cannot reach pcscd's vpcd reader at 127.0.0.1:1" in err
    assert time.monotonic() - t0 < 30
    code, _, err = run("sim", "blank", image)
    assert code == 2 and "never written over a card" in err
