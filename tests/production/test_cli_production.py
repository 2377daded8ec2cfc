"""The production CLI: a profile that cannot work stops before the first card; report, withdrawn, migrate."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from cardkit.profiles import PROFILES_DIR
from tests.production._helpers import PASSPHRASE, cvca_file, ds_folder, small_face, write_vn_csv
from tests.support.perso import sample_record
from tests.support.pki import shared_pki
from tests.support.cli import run_cli as run

ENV = {"CARDKIT_PASSPHRASE": PASSPHRASE}


def _perso(tmp_path: Path, records: Path, profile: str = "vn-cccd", *extra) -> tuple[int, str, str]:
    ds = tmp_path / "ds"
    if not ds.is_dir():
        ds_folder(shared_pki(), ds)
    cvca = ["--cvca", cvca_file(tmp_path / "eac")] if profile == "vn-cccd" else []
    return run("personalise", "--profile", profile, "--records", records, "--ds", ds,
               "--sim", tmp_path / "sim", "--ledger", tmp_path / "l.sqlite", *cvca, *extra, env=ENV)


def test_a_profile_that_cannot_work_stops_before_the_first_card(tmp_path):
    text = (PROFILES_DIR / "icao-td3.toml").read_text(encoding="utf-8")
    text = text.replace("write_block_size = 1024", "write_block_size = 255").replace(
        "read_block_size = 1024", "read_block_size = 223")
    text = "\n".join(line.split("#")[0] if line.startswith("extended_length") else line for line in text.splitlines())
    text = text.replace("extended_length = true", "extended_length = false")
    profile = tmp_path / "short.toml"
    profile.write_text(text, encoding="utf-8")
    records = write_vn_csv(tmp_path / "b.csv", [sample_record(1), sample_record(2)], small_face(tmp_path / "p"))
    code, _, err = _perso(tmp_path, records, str(profile))
    assert code == 2 and "active_authentication" in err and "262 bytes" in err
    assert not (tmp_path / "sim").exists() or not list((tmp_path / "sim").iterdir())


def test_report_withdrawn_and_exit_codes(tmp_path):
    face = small_face(tmp_path / "p")
    day1 = write_vn_csv(tmp_path / "day1.csv", [sample_record(1, capture_device="cam-A"),
                                                sample_record(2, capture_device="cam-B")], face)
    assert _perso(tmp_path, day1, "vn-cccd", "--station", "st-1", "--operator", "an")[0] == 0
    day2 = write_vn_csv(tmp_path / "day2.csv", [sample_record(1, issue_reason="stolen", capture_device="cam-A"),
                                                sample_record(2, capture_device="cam-B")], face)
    code, _, err = _perso(tmp_path, day2, "vn-cccd", "--station", "st-2", "--operator", "binh")
    assert code == 7 and "1 issued, 1 rejected" in err  # person 2 already holds a card: rejected, own exit code
    ledger = tmp_path / "l.sqlite"
    code, out, _ = run("ledger", "withdrawn", "--ledger", ledger, "--json")
    (w,) = json.loads(out)
    assert code == 0 and (w["person"], w["issue"], w["state"], w["reason"]) == ("VNM-001090000001", 1, "revoked",
                                                                                 "stolen")
    code, out, _ = run("ledger", "report", "--ledger", ledger, "--json", "--target-per-device", "350")
    rep = json.loads(out)
    assert code == 0 and rep["timezone"] == "Asia/Ho_Chi_Minh" and rep["cards"] == 3
    assert rep["reissues_by_reason"] == {"stolen": 1} and rep["rejections_by_reason"] == {"already issued": 1}
    assert {(g["station"], g["operator"], g["capture_device"], g["cards"]) for g in rep["groups"]} == {
        ("st-1", "an", "cam-A", 1), ("st-1", "an", "cam-B", 1), ("st-2", "binh", "cam-A", 1)}
    assert all(g["first"].endswith("+07:00") and g["target"] == 350 for g in rep["groups"])
    code, out, _ = run("ledger", "report", "--ledger", ledger, "--csv", "--tz", "UTC")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and sum(int(r["cards"]) for r in rows) == 3 and rows[0]["first"].endswith("+00:00")
    code, out, _ = run("ledger", "check", "--ledger", ledger, "--sim", tmp_path / "sim")
    assert code == 0 and "3 cards" in out
    (tmp_path / "sim" / "VNM-001090000002-1.image").unlink()
    code, out, _ = run("ledger", "check", "--ledger", ledger, "--sim", tmp_path / "sim")
    assert code == 2 and "VNM-001090000002-1 is missing" in out
    code, out, _ = run("ledger", "migrate", "--ledger", ledger)
    assert code == 0 and "up to date" in out
