"""The batch runner: identity, reissue, faults at every APDU, HSM failure, resume, SIGKILL anywhere."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cardkit.errors import CardRemovedError, RecordError
from cardkit.personalise import mrz_for
from cardkit.lds import Dg3
from cardkit.production.batch import KILL_POINTS, SimulatorSource, run_batch
from cardkit.production.intake import load_batch
from cardkit.production.ledger import Ledger
from cardkit.production.records import RecordResult, load_records
from cardkit.profiles import load_profile
from simulators.emrtd import EmrtdChip, Faults
from tests.production._helpers import (PASSPHRASE, ROOT, cvca_file, ds_folder, small_face, verdict, write_icao_csv,
                                      write_vn_csv)
from tests.support.perso import FINGER_LEFT, FINGER_RIGHT, cvca_for, sample_record
from tests.support.pki import make_pki

VN = load_profile("vn-cccd")
VN_CVCA = cvca_for(VN)  # the chips of vn-cccd trust a CVCA (Terminal Authentication)


@pytest.fixture
def ledger(tmp_path: Path):
    with Ledger(tmp_path / "ledger.sqlite", station="test-station", operator="tester") as lg:
        yield lg


def results(*records) -> list[RecordResult]:
    return [RecordResult(i + 1, r) for i, r in enumerate(records)]


def sim(out: Path | None, blank=EmrtdChip) -> SimulatorSource:
    return SimulatorSource(out, blank, EmrtdChip.load)


def test_two_citizens_with_one_mrz_number_both_get_cards(pki, ledger, tmp_path):
    """087080999154 (Đồng Tháp) and 001080999154 (Hà Nội): one MRZ number 080999154, two people, two cards."""
    a = sample_record(0, id_number="087080999154", date_of_birth="01/01/1980")
    b = sample_record(0, id_number="001080999154", date_of_birth="01/01/1980")
    out = tmp_path / "sim"
    s = run_batch(results(a, b), profile=VN, cvca=VN_CVCA, signer=pki.ds_signer, trust=pki.trust, ledger=ledger,
                  source=sim(out), batch="b1")
    assert (s.issued, s.rejected, s.stopped) == (2, 0, None), s.outcomes
    assert sorted(p.name for p in out.iterdir()) == ["VNM-001080999154-1.image", "VNM-087080999154-1.image"]
    for rec in (a, b):
        assert verdict(out / f"VNM-{rec.id_number}-1.image", pki.trust, can=rec.can) == "GENUINE"
    assert ledger.check_integrity() == []


def test_fingerprints_travel_in_the_ledger_with_the_record(pki, ledger, tmp_path):
    """A shared batch is made from the ledger alone: the fingerprints' bytes are stored at load, as the photo's
    are, so the card's DG3 is the enrolment's images even once their files are gone."""
    left, right = tmp_path / "left.jp2", tmp_path / "right.jp2"
    shutil.copy(FINGER_LEFT, left)
    shutil.copy(FINGER_RIGHT, right)
    load_batch(ledger, results(sample_record(5, finger_left=left, finger_right=right)), profile=VN, batch="shared")
    left.unlink()
    right.unlink()
    out = tmp_path / "sim"
    s = run_batch(None, profile=VN, cvca=VN_CVCA, signer=pki.ds_signer, trust=pki.trust, ledger=ledger,
                  source=sim(out), batch="shared")
    assert s.issued == 1, s.outcomes
    chip = EmrtdChip.load(out / "VNM-001090000005-1.image")
    fingers = Dg3.from_bytes(bytes(chip.files[0x0103])).fingers
    assert [f.image for f in fingers] == [FINGER_RIGHT.read_bytes(), FINGER_LEFT.read_bytes()]


def test_lost_card_reissue_revokes_the_first_and_reruns_add_nothing(pki, ledger, tmp_path):
    out = tmp_path / "sim"
    first = sample_record(7)
    run_batch(results(first), profile=VN, cvca=VN_CVCA, signer=pki.ds_signer, trust=pki.trust, ledger=ledger,
              source=sim(out), batch="day-1")
    again = run_batch(results(first), profile=VN, cvca=VN_CVCA, signer=pki.ds_signer, trust=pki.trust,
                      ledger=ledger, source=sim(out), batch="day-2")
    assert again.issued == 0 and "issue_reason" in again.outcomes[0].reasons[0]
    lost = [RecordResult(1, sample_record(7, issue_reason="lost"))]
    for _ in range(2):  # the second run of the same file makes no second reissue
        s = run_batch(lost, profile=VN, cvca=VN_CVCA, signer=pki.ds_signer, trust=pki.trust, ledger=ledger,
                      source=sim(out), batch="day-3")
    assert s.issued == 0
    issues = ledger.issues_of("VNM-001090000007")
    assert [(r.issue_number, r.state) for r in issues if r.issue_number] == [(1, "revoked"), (2, "issued")]
    assert sorted(p.name for p in out.iterdir()) == ["VNM-001090000007-1.image", "VNM-001090000007-2.image"]
    (w,) = ledger.withdrawn()
    assert w.issue_number == 1 and w.withdrawn_reason == "lost"


def test_german_td3_and_a_td1_of_another_state_are_genuine(tmp_path):
    """Generic records: the record names its state; the DS of that state signs; the cards verify GENUINE."""
    face = small_face(tmp_path / "photos")
    rows = {
        "DEU": ({"document_type": "P", "issuing_state": "D<<", "document_number": "C01X00T47", "surname": "Müller",
                 "given_names": "Jürgen Øystein", "nationality": "D", "sex": "M", "date_of_birth": "1964-08-12",
                 "date_of_expiry": "2031-10-31", "photo": str(face), "place_of_birth": "Köln"}, "icao-td3", "DE"),
        "FRA": ({"document_type": "ID", "issuing_state": "FRA", "document_number": "X4RTBPFW46AB12",
                 "surname": "Dupré-Lefèvre", "given_names": "Anaïs Ç", "nationality": "FRA", "sex": "F",
                 "date_of_birth": "1990-02", "date_of_expiry": "2033-01-01", "photo": str(face)}, "icao-td1", "FR"),
    }
    for state, (row, profile_name, country) in rows.items():
        state_pki = make_pki(country=country, document_types=("P", "ID"))
        trust = state_pki.trust
        items = list(load_records(write_icao_csv(tmp_path / f"{state}.csv", [row])))
        assert items[0].ok, items[0].error
        out = tmp_path / state
        with Ledger(tmp_path / f"{state}.sqlite") as lg:
            s = run_batch(items, profile=load_profile(profile_name), signer=state_pki.ds_signer, trust=trust, ledger=lg,
                          source=sim(out), batch=state)
            assert s.issued == 1, s.outcomes
        (image,) = out.iterdir()
        mrz = items[0].record.to_mrz()
        assert image.name == f"{mrz.issuing_state}-{mrz.document_number}-1.image"
        assert verdict(image, trust, mrz_information=mrz.mrz_information) == "GENUINE"


def test_jmrtd_profile_on_the_jmrtd_applet(pki, ledger, tmp_path):
    out = tmp_path / "sim"
    s = run_batch(results(sample_record(3)), profile=load_profile("jmrtd"), signer=pki.ds_signer, trust=pki.trust,
                  ledger=ledger, source=sim(out, lambda: EmrtdChip(personality="jmrtd")), batch="j")
    assert s.issued == 1, s.outcomes
    (image,) = out.iterdir()
    chip = EmrtdChip.load(image)
    assert chip.personality.name == "jmrtd"
    mrz = sample_record(3).to_mrz()
    info = mrz_for(sample_record(3), load_profile("jmrtd")).mrz_information
    assert mrz.document_number and verdict(image, pki.trust, mrz_information=info) == "GENUINE"


class FlakyHsm:
    """A DS that works ``good`` times, then fails as an unplugged HSM would."""

    def __init__(self, real, good: int) -> None:
        self.real, self.good = real, good
        self.certificate = real.certificate
        self.signature_algorithm = real.signature_algorithm
        self.hash_algorithm = real.hash_algorithm

    def sign(self, data: bytes) -> bytes:
        if self.good <= 0:
            raise OSError("CKR_DEVICE_REMOVED")
        self.good -= 1
        return self.real.sign(data)


def test_hsm_failure_stops_the_batch_and_a_rerun_resumes(pki, ledger, tmp_path):
    profile = load_profile("icao-td1")
    items = results(*(sample_record(i) for i in range(1, 5)))
    source = sim(tmp_path / "sim")
    s = run_batch(items, profile=profile, signer=FlakyHsm(pki.ds_signer, 1), trust=pki.trust, ledger=ledger,
                  source=source, batch="b")
    assert s.issued == 1 and s.rejected == 0 and s.pending == 3 and "CKR_DEVICE_REMOVED" in s.stopped
    assert len(source.chips) == 1  # no blank card was touched after the failure
    s2 = run_batch(items, profile=profile, signer=pki.ds_signer, trust=pki.trust, ledger=ledger,
                   source=sim(tmp_path / "sim"), batch="b")
    assert (s2.issued, s2.skipped) == (3, 1) and ledger.counts("b")["issued"] == 4
    assert ledger.check_integrity() == []


def test_retry_on_the_next_card_logs_the_spoiled_one(pki, ledger):
    chips = iter([EmrtdChip(faults=Faults(remove_at_apdu=5)), EmrtdChip()])
    s = run_batch(results(sample_record(1)), profile=load_profile("icao-td1"), signer=pki.ds_signer, trust=pki.trust,
                  ledger=ledger, source=SimulatorSource(None, lambda: next(chips)), batch="b", retries=1)
    assert s.issued == 1
    (row,) = ledger.rows(batch="b")
    assert row.attempts == 2 and len(ledger.spoiled("b")) == 1
    assert [h[1] for h in ledger.events(row.id)] == ["pending", "writing", "pending", "writing", "issued"]


def test_card_pulled_at_every_apdu(pki, tmp_path):
    """Faults(remove_at_apdu=n) for every APDU of one personalisation, writing and read-back alike: never issued,
    logged for destruction once touched, and a re-run issues the record exactly once."""
    profile = load_profile("icao-td1")
    face = small_face(tmp_path)
    chip = EmrtdChip()
    calls = []
    real = chip.process_apdu
    chip.process_apdu = lambda apdu: (calls.append(1), real(apdu))[1]
    with Ledger(":memory:", wal=False) as lg:
        assert run_batch(results(sample_record(999, photo=face)), profile=profile, signer=pki.ds_signer, trust=pki.trust,
                         ledger=lg, source=SimulatorSource(None, lambda: chip), batch="count").issued == 1
    total = len(calls)
    assert total > 20
    with Ledger(tmp_path / "sweep.sqlite", station="sweep") as lg:
        for n in range(1, total + 1):
            items = results(sample_record(n, photo=face))
            bad = EmrtdChip(faults=Faults(remove_at_apdu=n))
            s = run_batch(items, profile=profile, signer=pki.ds_signer, trust=pki.trust, ledger=lg,
                          source=SimulatorSource(None, lambda: bad), batch=f"f{n}")
            (row,) = lg.rows(batch=f"f{n}")
            assert s.issued == 0 and row.state == "rejected", (n, row.state)
            assert not bad.present and lg.check_integrity() == [], n
            s = run_batch(items, profile=profile, signer=pki.ds_signer, trust=pki.trust, ledger=lg,
                          source=SimulatorSource(None, EmrtdChip), batch=f"f{n}")
            assert s.issued == 1 and lg.get(row.id).state == "issued" and lg.get(row.id).attempts == 2, n
        assert lg.counts()["issued"] == total and lg.check_integrity() == []


class NoCards:
    def next_card(self, artifact):
        raise CardRemovedError("no card in Virtual PCD 00 00 after 1 s")

    def find(self, artifact):
        return None

    def discard(self, artifact):
        return None

    def cleanup(self):
        return []


def test_no_blank_card_stops_and_leaves_pending(pki, ledger):
    s = run_batch(results(sample_record(1), sample_record(2)), profile=load_profile("icao-td1"), signer=pki.ds_signer,
                  trust=pki.trust, ledger=ledger, source=NoCards(), batch="b")
    assert s.stopped.startswith("no blank card") and s.pending == 2 and s.issued == 0
    assert ledger.counts("b")["pending"] == 2 and ledger.check_integrity() == []


class InterruptingChip(EmrtdChip):
    """Ctrl-C arrives while the n-th APDU is being processed."""

    def __init__(self, n: int) -> None:
        super().__init__()
        self.n, self.seen = n, 0

    def process_apdu(self, apdu: bytes) -> bytes:
        self.seen += 1
        if self.seen == self.n:
            raise KeyboardInterrupt
        return super().process_apdu(apdu)


def test_ctrl_c_mid_card_settles_the_ledger_then_stops(pki, ledger):
    chip = InterruptingChip(7)
    with pytest.raises(KeyboardInterrupt):
        run_batch(results(sample_record(1)), profile=load_profile("icao-td1"), signer=pki.ds_signer, trust=pki.trust,
                  ledger=ledger, source=SimulatorSource(None, lambda: chip), batch="b")
    (row,) = ledger.rows(batch="b")
    assert row.state == "pending" and len(ledger.spoiled("b")) == 1 and ledger.check_integrity() == []


def test_bad_records_are_rejected_with_every_reason(pki, ledger):
    bad = RecordResult(3, None, RecordError("line 3", ["date_of_birth: not a date", "photo: required"]))
    s = run_batch(results(sample_record(1)) + [bad], profile=VN, cvca=VN_CVCA, signer=pki.ds_signer,
                  trust=pki.trust, ledger=ledger, source=sim(None), batch="b")
    assert (s.issued, s.rejected) == (1, 1)
    (o,) = [o for o in s.outcomes if o.outcome == "rejected"]
    assert o.line == 3 and o.reasons == ("date_of_birth: not a date", "photo: required")


# --- SIGKILL anywhere: every record issued exactly once, every card there and genuine, no key left behind -----


def _cli(args: list, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(ROOT / "cli.py"), *map(str, args)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_sigkill_at_every_point_and_at_random_moments(pki, tmp_path):
    n = 14
    face = small_face(tmp_path / "photos")
    records = [sample_record(i) for i in range(1, n + 1)]
    batch = write_vn_csv(tmp_path / "batch.csv", records, face)
    ds = ds_folder(pki, tmp_path / "ds")
    out, ledger = tmp_path / "cards", tmp_path / "l.sqlite"
    args = ["personalise", "--profile", "vn-cccd", "--records", batch, "--ds", ds, "--sim", out, "--ledger", ledger,
            "--station", "kill-test", "--cvca", cvca_file(tmp_path), "--json"]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CARDKIT_PASSPHRASE": PASSPHRASE}
    env.pop("CARDKIT_FAULT_KILL_AT", None)
    for point in KILL_POINTS:  # the named moments, the one between card and ledger ("kept") among them
        p = _cli(args, {**env, "CARDKIT_FAULT_KILL_AT": point})
        p.communicate(timeout=120)
        assert p.returncode == -signal.SIGKILL, point
    rng = random.Random(1303)
    for _ in range(3):  # and moments nobody chose
        p = _cli(args, env)
        time.sleep(rng.uniform(0.8, 2.0))
        p.send_signal(signal.SIGKILL)
        p.communicate(timeout=120)
    p = _cli(args, env)
    stdout, stderr = p.communicate(timeout=300)
    assert p.returncode == 0, stderr.decode()
    with Ledger(ledger, create=False) as lg:
        rows = lg.rows(batch="batch.csv")
        assert len(rows) == n and all(r.state == "issued" for r in rows)
        assert sorted(r.person_key for r in rows) == sorted(f"VNM-{r.id_number}" for r in records)
        assert lg.check_integrity(artifact_sod=lambda a: _sod(out / f"{a}.image")) == []
        spoiled = lg.spoiled()
        reasons = [e[2] or "" for r in rows for e in lg.events(r.id)]
    assert all(any(x in s[4] for x in ("interrupted", "card must be destroyed")) for s in spoiled)
    # line 2 met the named kills in turn: killed after "touched" and after "written" (two cards to destroy), then
    # after "kept": the next run found that card saved and genuine and completed the record (no third card)
    first = next(r for r in rows if r.line == 2)
    assert first.attempts == 3 and sum(1 for s in spoiled if s[0] == first.id) == 2
    assert reasons
    images = sorted(out.iterdir())
    assert [p.name for p in images] == sorted(f"VNM-{r.id_number}-1.image" for r in records)  # no temp file left
    for rec in records:
        assert verdict(out / f"VNM-{rec.id_number}-1.image", pki.trust, can=rec.can) == "GENUINE"
    assert json.loads(stdout)["stopped"] is None


def _sod(path: Path) -> bytes | None:
    if not path.is_file():
        return None
    sod = EmrtdChip.load(path).files.get(0x011D)
    return bytes(sod) if sod is not None else None
