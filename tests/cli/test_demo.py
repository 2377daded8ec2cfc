"""`cardkit demo`, `cardkit personalise` and `cardkit ledger report` through cardkit.cli.main."""

from __future__ import annotations

import json
import shutil
import stat
from pathlib import Path

import pytest

from tests.support.cli import EXAMPLES
from tests.support.cli import run_cli as run


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    base = tmp_path_factory.mktemp("demo")
    code, out, err = run("demo", "--out", base / "out", "--keys", base / "keys", "--json")
    return base, code, out, err


def test_demo_personalises_and_verifies(demo_run):
    base, code, out, err = demo_run
    assert code == 0, err
    report = json.loads(out)
    assert report["verdict"] == "GENUINE"
    assert report["holder"]["dg13"]["full_name"] == "Nguyễn Thị Ánh Tuyết"  # full Vietnamese text, NFC
    outdir = base / "out"
    assert (outdir / "card.image").is_file() and (outdir / "report.json").is_file()
    assert {"DG1", "DG2", "DG13", "DG14", "DG15", "EF.COM", "EF.SOD", "EF.CardAccess"} <= {
        p.name for p in (outdir / "dump").iterdir()}
    assert json.loads((outdir / "report.json").read_text(encoding="utf-8"))["verdict"] == "GENUINE"
    assert stat.S_IMODE((outdir / "report.json").stat().st_mode) == 0o600
    keys = {p.name for p in (base / "keys").iterdir()}
    assert {"csca.pem", "ds.pem", "ds.key"} <= keys
    assert b"TEST" in (base / "keys" / "ds.pem").read_bytes() or "TEST" in _subject(base / "keys" / "ds.pem")
    assert b"ENCRYPTED" in (base / "keys" / "ds.key").read_bytes()


def _subject(path: Path) -> str:
    from cryptography import x509

    return x509.load_pem_x509_certificate(path.read_bytes()).subject.rfc4514_string()


def test_demo_image_verifies_with_cardkit_verify(demo_run):
    base, *_ = demo_run
    code, out, err = run("verify", "--sim", base / "out" / "card.image", "--can", "999001",
                         "--trust", base / "keys" / "csca.pem", "--json")
    assert code == 0, err
    assert json.loads(out)["verdict"] == "GENUINE"


def test_demo_rerun_reuses_the_pki_and_prints_a_table(demo_run):
    base, *_ = demo_run
    before = (base / "keys" / "ds.pem").read_bytes()
    code, out, err = run("demo", "--out", base / "out2", "--keys", base / "keys")
    assert code == 0, err
    assert "GENUINE" in out and "TEST PKI" in out
    assert (base / "keys" / "ds.pem").read_bytes() == before


def test_demo_with_wrong_passphrase_for_existing_keys(demo_run):
    base, *_ = demo_run
    code, _, err = run("demo", "--out", base / "o3", "--keys", base / "keys", env={"CARDKIT_PASSPHRASE": "nope"})
    assert code == 2 and err.startswith("cardkit: ")


@pytest.mark.parametrize("profile", ["vn-cccd", "icao-td1", "icao-td3"])
def test_personalise_cli_sim_then_verify(demo_run, tmp_path, profile):
    base, *_ = demo_run
    env = {"CARDKIT_PASSPHRASE": "cardkit-demo"}
    code, out, err = run("personalise", "--profile", profile, "--records", EXAMPLES / "vn-citizens.csv",
                         "--ds", base / "keys", "--sim", tmp_path / "sim", "--ledger", tmp_path / "l.sqlite",
                         "--station", "st-A", "--json", env=env)
    assert code == 0, err
    summary = json.loads(out)
    assert (summary["issued"], summary["rejected"], summary["stopped"]) == (5, 0, None)
    images = sorted((tmp_path / "sim").iterdir())
    assert len(images) == 5
    for image in images[:2]:  # each image verifies genuine through `cardkit verify` with the MRZ key
        code, out, err = run("verify", "--sim", image, "--trust", base / "keys" / "csca.pem", "--json",
                             *_mrz_key(image), env=env)
        assert code == 0, err
        assert json.loads(out)["verdict"] == "GENUINE"
    code, out, err = run("ledger", "report", "--ledger", tmp_path / "l.sqlite", "--json")
    assert code == 0, err
    rep = json.loads(out)
    assert rep["states"]["issued"] == 5 and rep["problems"] == []
    assert [(r["station"], r["outcome"], r["count"]) for r in rep["outcomes"]] == [("st-A", "issued", 5)]


def _mrz_key(image: Path) -> list[str]:
    from cardkit.production.records import load_records

    doc = image.stem
    for r in load_records(EXAMPLES / "vn-citizens.csv"):
        if r.record is not None and r.record.id_number.endswith(doc):
            m = r.record.to_mrz()
            return ["--mrz-info", m.mrz_information]
    raise AssertionError(doc)


def test_personalise_cli_rejects_bad_records_and_shows_progress(demo_run, tmp_path):
    base, *_ = demo_run
    records = tmp_path / "bad.csv"
    shutil.copy(EXAMPLES / "vn-citizens-bad.csv", records)
    shutil.copytree(EXAMPLES / "photos", tmp_path / "photos")
    if (EXAMPLES / "bad-photos").is_dir():
        shutil.copytree(EXAMPLES / "bad-photos", tmp_path / "bad-photos")
    code, out, err = run("personalise", "--profile", "vn-cccd", "--records", records, "--ds", base / "keys",
                         "--sim", tmp_path / "sim", env={"CARDKIT_PASSPHRASE": "cardkit-demo"})
    assert code == 0, err
    assert "rejected line 2" in err and "Batch summary" in out
    assert (tmp_path / "bad.ledger.sqlite").is_file()  # default ledger: next to the batch
    code, out, err = run("ledger", "report", "--ledger", tmp_path / "bad.ledger.sqlite")
    assert code == 0 and "rejected" in out


def test_personalise_cli_usage_errors(demo_run, tmp_path):
    base, *_ = demo_run
    code, _, err = run("personalise", "--profile", "vn-cccd", "--records", EXAMPLES / "vn-citizens.csv",
                       "--ds", base / "keys")
    assert code == 2 and "exactly one of --reader R or --sim DIR" in err
    code, _, err = run("personalise", "--profile", "nope", "--records", EXAMPLES / "vn-citizens.csv",
                       "--ds", base / "keys", "--sim", tmp_path)
    assert code == 2 and "no such profile" in err
    code, _, err = run("ledger", "report", "--ledger", tmp_path / "none.sqlite")
    assert code == 2 and "no such ledger" in err


def test_personalise_cli_without_a_card_stops_with_exit_3(demo_run, tmp_path):
    base, *_ = demo_run
    code, out, err = run("personalise", "--profile", "vn-cccd", "--records", EXAMPLES / "vn-citizens.csv",
                         "--ds", base / "keys", "--reader", "no-such-reader-xyz", "--card-timeout", "0.1",
                         "--ledger", tmp_path / "l.sqlite", "--json", env={"CARDKIT_PASSPHRASE": "cardkit-demo"})
    assert code == 3, err
    assert "batch stopped: no blank card" in err and "left pending, re-run to resume" in err
    assert json.loads(out)["pending"] == 5
    from cardkit.production.ledger import Ledger

    with Ledger(tmp_path / "l.sqlite") as lg:
        assert lg.counts() == {"pending": 1, "writing": 0, "issued": 0, "rejected": 0}
