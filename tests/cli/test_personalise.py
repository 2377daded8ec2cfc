"""``cardkit personalise`` and ``cardkit ledger report`` through cardkit.cli.main.

The Document Signer folder is the demo's TEST PKI (``--ds keys``), or one made by ``cardkit pki``:
then personalise signs as its descriptor (ds.json) says and trusts the CSCA certificate issue-ds
put beside it. Passphrases come from CARDKIT_PASSPHRASE, or a prompt that names the key.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from cardkit.pki.demo import DEMO_PASSPHRASE, ensure_demo_pki
from cardkit.production.ledger import Ledger
from cardkit.production.records import load_records
from tests.support.cli import EXAMPLES
from tests.support.cli import run_cli as run

DEMO_ENV = {"CARDKIT_PASSPHRASE": DEMO_PASSPHRASE.decode()}


def _cvca(keys: Path) -> list[object]:
    """The chips' Terminal Authentication trust point, which vn-cccd needs: the demo's TEST CVCA."""
    return ["--cvca", keys / "eac" / "cvca.cvcert"]


@pytest.fixture(scope="module")
def keys(tmp_path_factory) -> Path:
    """A DS folder: the demo's TEST PKI (csca.pem beside ds.pem and ds.key)."""
    keys = tmp_path_factory.mktemp("perso") / "keys"
    ensure_demo_pki(keys)
    return keys


@pytest.mark.parametrize("profile", ["vn-cccd", "icao-td1", "icao-td3"])
def test_personalise_cli_sim_then_verify(keys, tmp_path, profile):
    env = DEMO_ENV
    cvca = _cvca(keys) if profile == "vn-cccd" else []
    code, out, err = run("personalise", "--profile", profile, "--records", EXAMPLES / "vn-citizens.csv",
                         "--ds", keys, "--sim", tmp_path / "sim", "--ledger", tmp_path / "l.sqlite",
                         "--station", "st-A", "--json", *cvca, env=env)
    assert code == 0, err
    summary = json.loads(out)
    assert (summary["issued"], summary["rejected"], summary["stopped"]) == (5, 0, None)
    images = sorted((tmp_path / "sim").iterdir())
    assert len(images) == 5
    for image in images[:2]:  # each image verifies genuine through `cardkit verify` with the MRZ key
        code, out, err = run("verify", "--sim", image, "--trust", keys / "csca.pem", "--json",
                             *_mrz_key(image), env=env)
        assert code == 0, err
        assert json.loads(out)["verdict"] == "GENUINE"
    code, out, err = run("ledger", "report", "--ledger", tmp_path / "l.sqlite", "--json")
    assert code == 0, err
    rep = json.loads(out)
    assert rep["states"]["issued"] == 5 and rep["problems"] == [] and rep["cards"] == 5
    assert sum(g["cards"] for g in rep["groups"] if g["station"] == "st-A") == 5


def _mrz_key(image: Path) -> list[str]:
    doc = image.stem.rsplit("-", 1)[0].split("-", 1)[1]  # <state>-<person>-<issue>: the ID, or the document number
    for r in load_records(EXAMPLES / "vn-citizens.csv"):
        if r.record is not None and r.record.id_number.endswith(doc):
            m = r.record.to_mrz()
            return ["--mrz-info", m.mrz_information]
    raise AssertionError(doc)


def test_personalise_cli_rejects_bad_records_and_shows_progress(keys, tmp_path):
    records = tmp_path / "bad.csv"
    shutil.copy(EXAMPLES / "vn-citizens-bad.csv", records)
    shutil.copytree(EXAMPLES / "photos", tmp_path / "photos")
    if (EXAMPLES / "bad-photos").is_dir():
        shutil.copytree(EXAMPLES / "bad-photos", tmp_path / "bad-photos")
    code, out, err = run("personalise", "--profile", "vn-cccd", "--records", records, "--ds", keys,
                         "--sim", tmp_path / "sim", *_cvca(keys), env=DEMO_ENV)
    assert code == 7, err  # the batch finished, with rejected records: its own exit code
    assert "rejected line 2" in err and "Batch summary" in out and "rejected (reasons above" in err
    assert (tmp_path / "bad.ledger.sqlite").is_file()  # default ledger: next to the batch
    code, out, err = run("ledger", "report", "--ledger", tmp_path / "bad.ledger.sqlite")
    assert code == 0 and "rejected" in out


def test_personalise_cli_usage_errors(keys, tmp_path):
    code, _, err = run("personalise", "--profile", "vn-cccd", "--records", EXAMPLES / "vn-citizens.csv",
                       "--ds", keys)
    assert code == 2 and "exactly one of --reader R or --sim DIR" in err
    code, _, err = run("personalise", "--profile", "nope", "--records", EXAMPLES / "vn-citizens.csv",
                       "--ds", keys, "--sim", tmp_path)
    assert code == 2 and "no such profile" in err
    code, _, err = run("ledger", "report", "--ledger", tmp_path / "none.sqlite")
    assert code == 2 and "no such ledger" in err


def test_personalise_cli_without_a_card_stops_with_exit_3(keys, tmp_path):
    code, out, err = run("personalise", "--profile", "vn-cccd", "--records", EXAMPLES / "vn-citizens.csv",
                         "--ds", keys, *_cvca(keys), "--reader", "no-such-reader-xyz", "--card-timeout", "0.1",
                         "--ledger", tmp_path / "l.sqlite", "--json", env=DEMO_ENV)
    assert code == 3, err
    assert "batch stopped: no blank card" in err and "run the same command again to resume" in err
    assert json.loads(out)["pending"] == 5
    with Ledger(tmp_path / "l.sqlite") as lg:
        counts = lg.counts()
        assert counts["pending"] == 5 and counts["writing"] == counts["issued"] == counts["rejected"] == 0


def _pki_folder(tmp_path: Path, *ds_options: str) -> Path:
    """pki init-csca then issue-ds (passphrase from the environment); returns the DS folder."""
    env = {"CARDKIT_PASSPHRASE": "ceremony-Pass-1"}
    code, _, err = run("pki", "init-csca", "--country", "VN", "--out", tmp_path / "csca", env=env)
    assert code == 0, err
    code, _, err = run("pki", "issue-ds", "--csca", tmp_path / "csca", "--out", tmp_path / "ds", *ds_options, env=env)
    assert code == 0, err
    return tmp_path / "ds"


def test_a_ds_folder_from_issue_ds_signs_as_its_descriptor_says_and_needs_no_trust_option(tmp_path):
    """RSA-PSS with SHA-384 (ds.json), and the read-back trusts the csca.pem issue-ds put in the folder."""
    ds = _pki_folder(tmp_path, "--key-type", "rsa-2048", "--hash", "sha384", "--pss")
    code, out, err = run("personalise", "--profile", "icao-td1", "--records", EXAMPLES / "vn-citizens.csv",
                         "--ds", ds, "--sim", tmp_path / "sim", "--ledger", tmp_path / "l.sqlite", "--json",
                         env={"CARDKIT_PASSPHRASE": "ceremony-Pass-1"})
    assert code == 0, err
    assert json.loads(out)["issued"] == 5
    image = tmp_path / "sim" / "VNM-192999001-1.image"  # icao-td1 tells people apart by state + document number
    code, out, err = run("verify", "--sim", image, "--id-number", "002192999001", "--trust", ds / "csca.pem", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["algorithms"]["sod_signature"] == "RSASSA-PSS"
    assert any("messageDigest (sha384)" in c["reason"] for c in report["checks"])


def test_personalise_asks_for_the_ds_passphrase_by_the_key_it_opens(keys, tmp_path):
    ds = _pki_folder(tmp_path)
    code, out, err = run("personalise", "--profile", "vn-cccd", "--records", EXAMPLES / "vn-citizens.csv",
                         "--ds", ds, *_cvca(keys), "--sim", tmp_path / "sim", "--ledger", tmp_path / "l.sqlite", "--json",
                         input="ceremony-Pass-1\n")
    assert code == 0, err
    assert f"Passphrase of the Document Signer private key {ds / 'ds.key'} (or set CARDKIT_PASSPHRASE): " in err
    assert "ceremony-Pass-1" not in out + err


def test_without_trust_or_csca_pem_the_read_back_has_no_anchor(keys, tmp_path):
    ds = tmp_path / "ds"
    ds.mkdir()
    for name in ("ds.pem", "ds.key"):
        shutil.copy2(keys / name, ds / name)
    code, _, err = run("personalise", "--profile", "vn-cccd", "--records", EXAMPLES / "vn-citizens.csv",
                       "--ds", ds, *_cvca(keys), "--sim", tmp_path / "sim", "--ledger", tmp_path / "l.sqlite",
                       env=DEMO_ENV)
    assert code == 2
    assert err == ("cardkit: give the CSCA for the read-back check: --trust PATH (or put csca.pem in the --ds "
                   "folder)\n")
