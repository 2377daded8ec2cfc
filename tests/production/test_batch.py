"""The batch runner: every card issued or rejected, pulled cards at every APDU, HSM failure, resume, kill."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cardkit.card import AccessKey
from cardkit.errors import RecordError
from cardkit.production.batch import SimulatorSource, run_batch
from cardkit.production.ledger import Ledger
from cardkit.production.records import RecordResult
from cardkit.profiles import load_profile
from simulators.emrtd import EmrtdChip, Faults
from tests.support.cli import EXAMPLES, ROOT, run_cli
from tests.support.perso import sample_record

# A minimal baseline JPEG header (SOI, SOF0 8x8, EOI) keeps DG2 tiny for the fault sweep.
TINY_FACE = bytes.fromhex("FFD8FFC0000B080008000801011100FFD9")


@pytest.fixture
def ledger(tmp_path: Path):
    with Ledger(tmp_path / "ledger.sqlite", station="test-station", operator="tester") as lg:
        yield lg


def results(*records) -> list[RecordResult]:
    return [RecordResult(i + 1, r) for i, r in enumerate(records)]


def issued_events(lg: Ledger, doc: str) -> int:
    return sum(1 for _, to, _ in lg.events(doc) if to == "issued")


def test_batch_issues_rejects_and_saves_images(pki, ledger, tmp_path):
    profile = load_profile("vn-cccd")
    bad = RecordResult(3, None, RecordError("line 3", ["date_of_birth: not a date", "photo: required"]))
    items = results(sample_record(1), sample_record(2)) + [bad] + [RecordResult(4, sample_record(1))]
    seen = []
    out = tmp_path / "sim"
    summary = run_batch(items, profile=profile, signer=pki.ds_signer, trust=pki.trust, ledger=ledger,
                        source=SimulatorSource(out), batch="b1", progress=seen.append)
    assert (summary.issued, summary.rejected, summary.skipped, summary.stopped) == (2, 2, 0, None)
    rejects = {o.line: o.reasons for o in summary.outcomes if o.outcome == "rejected"}
    assert rejects[3] == ("date_of_birth: not a date", "photo: required")  # every reason kept
    assert "duplicate ID in the batch (first at line 1)" in rejects[4]
    assert sorted(p.name for p in out.iterdir()) == ["090000001.image", "090000002.image"]
    assert [p.done for p in seen] == [0, 1, 2, 3, 4] and seen[-1].total == 4
    e = ledger.get("090000001")
    assert e.state == "issued" and e.station == "test-station" and e.operator == "tester" and e.sod_hash
    assert ledger.get("b1:line 3").reason == "date_of_birth: not a date; photo: required"
    assert ledger.check_integrity() == []
    # the saved image is the real card: it verifies again from disk
    from cardkit.card import SimulatorTransport
    from cardkit.inspect import inspect

    chip = EmrtdChip.load(out / "090000001.image")
    report = inspect(SimulatorTransport(chip), key=AccessKey.from_can("000001"), trust=pki.trust)
    assert report.verdict == "GENUINE"


def test_rerun_resumes_and_never_issues_twice(pki, ledger, tmp_path):
    profile = load_profile("icao-td1")
    items = results(sample_record(1), sample_record(2))
    first = run_batch(items, profile=profile, signer=pki.ds_signer, trust=pki.trust, ledger=ledger,
                      source=SimulatorSource(tmp_path / "a"), batch="b")
    second = run_batch(items, profile=profile, signer=pki.ds_signer, trust=pki.trust, ledger=ledger,
                       source=SimulatorSource(tmp_path / "b"), batch="b")
    assert first.issued == 2 and second.issued == 0 and second.skipped == 2
    assert not (tmp_path / "b").exists() or not list((tmp_path / "b").iterdir())
    assert all(issued_events(ledger, d) == 1 for d in ("090000001", "090000002"))


def test_person_already_issued_under_another_document(pki, ledger, tmp_path):
    ledger.register("OLD000001", "001090000001", "old")
    ledger.begin_card("OLD000001")
    ledger.card_touched("OLD000001")
    ledger.issued("OLD000001", ds_certificate_der=b"\x30\x00", ds_subject="CN=x", sod=b"s")
    s = run_batch(results(sample_record(1)), profile=load_profile("icao-td1"), signer=pki.ds_signer, trust=pki.trust,
                  ledger=ledger, source=SimulatorSource(None), batch="b")
    assert s.rejected == 1 and "ID already issued in the ledger (document OLD000001)" in s.outcomes[0].reasons


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


def test_hsm_failure_stops_the_batch_cleanly(pki, ledger, tmp_path):
    profile = load_profile("icao-td1")
    items = results(*(sample_record(i) for i in range(1, 5)))
    source = SimulatorSource(tmp_path / "sim")
    s = run_batch(items, profile=profile, signer=FlakyHsm(pki.ds_signer, 1), trust=pki.trust, ledger=ledger,
                  source=source, batch="b")
    assert s.issued == 1 and s.rejected == 0 and s.pending == 3
    assert "document signer failed" in s.stopped and "CKR_DEVICE_REMOVED" in s.stopped
    assert len(source.chips) == 1  # no blank card was touched after the failure
    assert ledger.counts() == {"pending": 1, "writing": 0, "issued": 1, "rejected": 0}
    assert ledger.check_integrity() == []
    s2 = run_batch(items, profile=profile, signer=pki.ds_signer, trust=pki.trust, ledger=ledger,
                   source=SimulatorSource(tmp_path / "sim"), batch="b")
    assert (s2.issued, s2.skipped) == (3, 1)
    assert all(issued_events(ledger, f"09000000{i}") == 1 for i in range(1, 5))


def test_retry_on_the_next_card(pki, ledger):
    chips = iter([EmrtdChip(faults=Faults(remove_at_apdu=5)), EmrtdChip()])
    s = run_batch(results(sample_record(1)), profile=load_profile("icao-td1"), signer=pki.ds_signer, trust=pki.trust,
                  ledger=ledger, source=SimulatorSource(None, lambda doc: next(chips)), batch="b", retries=1)
    assert s.issued == 1
    e = ledger.get("090000001")
    assert e.attempts == 2
    hist = ledger.events("090000001")
    assert [h[1] for h in hist] == ["pending", "writing", "rejected", "pending", "writing", "issued"]
    assert "card must be destroyed" in hist[2][2]


def _one_card_apdus(pki, profile, record) -> int:
    chip = EmrtdChip()
    calls = []
    real = chip.process_apdu
    chip.process_apdu = lambda apdu: (calls.append(1), real(apdu))[1]  # count what reaches the chip
    with Ledger(":memory:", wal=False) as lg:
        s = run_batch(results(record), profile=profile, signer=pki.ds_signer, trust=pki.trust, ledger=lg,
                      source=SimulatorSource(None, lambda d: chip), batch="count")
    assert s.issued == 1
    return len(calls)


def test_card_pulled_at_every_apdu(pki, tmp_path):
    """Faults(remove_at_apdu=n) for every APDU of one personalisation, writing and read-back alike.

    After each n: the record is rejected (never issued), the ledger is consistent, and a re-run on a
    good card issues it exactly once.
    """
    profile = load_profile("icao-td1")
    face = tmp_path / "face.jpg"
    face.write_bytes(TINY_FACE)
    total = _one_card_apdus(pki, profile, sample_record(999, photo=face))
    assert total > 20
    with Ledger(tmp_path / "sweep.sqlite", station="sweep") as lg:
        for n in range(1, total + 1):
            record = sample_record(n, photo=face)
            doc = f"090{n:06d}"
            chip = EmrtdChip(faults=Faults(remove_at_apdu=n))
            s = run_batch(results(record), profile=profile, signer=pki.ds_signer, trust=pki.trust, ledger=lg,
                          source=SimulatorSource(None, lambda d: chip), batch=f"fault-{n}")
            e = lg.get(doc)
            assert s.issued == 0 and e.state == "rejected", (n, e.state)
            assert "card must be destroyed" in e.reason, (n, e.reason)
            assert not chip.present
            assert lg.check_integrity() == [], n
            assert issued_events(lg, doc) == 0
            s = run_batch(results(record), profile=profile, signer=pki.ds_signer, trust=pki.trust, ledger=lg,
                          source=SimulatorSource(None), batch="rerun")
            assert s.issued == 1 and lg.get(doc).state == "issued" and issued_events(lg, doc) == 1, n
            assert lg.get(doc).attempts == 2
        # a further re-run of the whole sweep's records issues nothing
        everyone = results(*(sample_record(n, photo=face) for n in range(1, total + 1)))
        s = run_batch(everyone, profile=profile, signer=pki.ds_signer, trust=pki.trust, ledger=lg,
                      source=SimulatorSource(None), batch="again")
        assert (s.issued, s.skipped) == (0, total)
        assert lg.counts() == {"pending": 0, "writing": 0, "issued": total, "rejected": 0}
        assert lg.check_integrity() == []


class NoCards:
    def next_card(self, document_number):
        from cardkit.errors import CardRemovedError

        raise CardRemovedError("no card in Virtual PCD 00 00 after 1 s")


def test_no_blank_card_stops_and_leaves_pending(pki, ledger):
    s = run_batch(results(sample_record(1), sample_record(2)), profile=load_profile("icao-td1"), signer=pki.ds_signer,
                  trust=pki.trust, ledger=ledger, source=NoCards(), batch="b")
    assert s.stopped.startswith("no blank card") and s.pending == 2 and s.issued == 0
    assert ledger.get("090000001").state == "pending" and ledger.get("090000002") is None
    assert ledger.check_integrity() == []


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
                  ledger=ledger, source=SimulatorSource(None, lambda d: chip), batch="b")
    e = ledger.get("090000001")
    assert e.state == "rejected" and "card must be destroyed" in e.reason
    assert ledger.check_integrity() == []


_KILLED = r"""
import sys
from pathlib import Path
from cardkit.production.batch import SimulatorSource, run_batch
from cardkit.production.ledger import Ledger
from cardkit.production.records import RecordResult
from cardkit.profiles import load_profile
from tests.support.perso import sample_record
from tests.support.pki import shared_pki
pki = shared_pki()
items = [RecordResult(i, sample_record(i)) for i in range(1, 21)]
with Ledger(sys.argv[1], station="killed") as lg:
    print("start", flush=True)
    run_batch(items, profile=load_profile("icao-td1"), signer=pki.ds_signer, trust=pki.trust, ledger=lg,
              source=SimulatorSource(Path(sys.argv[2])), batch="k",
              progress=lambda p: print(p.done, flush=True))
"""


def test_killed_batch_resumes_exactly_once(pki, tmp_path):
    path = tmp_path / "k.sqlite"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", _KILLED, str(path), str(tmp_path / "sim")], stdout=subprocess.PIPE,
                            env=env, cwd=ROOT)
    assert proc.stdout.readline().strip() == b"start"
    while int(proc.stdout.readline() or b"99") < 3:  # let a few cards through, then pull the plug mid-card
        pass
    time.sleep(0.03)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    items = [RecordResult(i, sample_record(i)) for i in range(1, 21)]
    with Ledger(path, station="killed") as lg:  # the same station, restarted
        assert lg.check_integrity() == []
        before = lg.counts()
        assert before["issued"] >= 3
        s = run_batch(items, profile=load_profile("icao-td1"), signer=pki.ds_signer, trust=pki.trust, ledger=lg,
                      source=SimulatorSource(tmp_path / "sim2"), batch="k")
        assert s.skipped == before["issued"] and s.issued == 20 - before["issued"]
        assert lg.counts()["issued"] == 20
        assert all(issued_events(lg, f"090{i:06d}") == 1 for i in range(1, 21))
        assert lg.check_integrity() == []


# --- real parts: SoftHSM2 signing, pcscd + vpcd -------------------------------------------


@pytest.mark.hsm
def test_batch_signed_by_softhsm(pki, softhsm, tmp_path):
    """The DS key lives in a real SoftHSM2 token; the batch and the CLI issue genuine cards with it."""
    from cryptography.hazmat.primitives import serialization

    from cardkit.pki.hsm import Pkcs11Signer, generate_key, open_session

    session = open_session(softhsm.module, softhsm.label, softhsm.pin, rw=True)
    try:
        public = generate_key(session, "ec-p256", "ds-hsm")
    finally:
        session.close()
    ds_cert = pki.certify(public, common_name="cardkit test DS in HSM")
    signer = Pkcs11Signer.open(softhsm.module, softhsm.label, softhsm.pin, "ds-hsm", ds_cert)
    try:
        with Ledger(tmp_path / "hsm.sqlite") as lg:
            s = run_batch(results(sample_record(1), sample_record(2)), profile=load_profile("vn-cccd"), signer=signer,
                          trust=pki.trust, ledger=lg, source=SimulatorSource(tmp_path / "sim"), batch="hsm")
            assert s.issued == 2 and s.stopped is None and lg.check_integrity() == []
    finally:
        signer.close()
    # the same through the CLI: --pkcs11-module/--token/--key-label, PIN from CARDKIT_PIN
    (tmp_path / "ds.pem").write_bytes(ds_cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "csca.pem").write_bytes(pki.csca.public_bytes(serialization.Encoding.PEM))
    code, out, err = run_cli("personalise", "--profile", "icao-td1", "--records", EXAMPLES / "vn-citizens.csv",
                         "--pkcs11-module", softhsm.module, "--token", softhsm.label, "--key-label", "ds-hsm",
                         "--ds-cert", tmp_path / "ds.pem", "--trust", tmp_path / "csca.pem",
                         "--sim", tmp_path / "sim2", "--ledger", tmp_path / "cli.sqlite", "--json",
                         env={"CARDKIT_PIN": softhsm.pin})
    assert code == 0, err
    assert json.loads(out)["issued"] == 5


@pytest.mark.pcsc
@pytest.mark.parametrize("name", ["vn-cccd", "icao-td1", "icao-td3"])
def test_batch_through_pcscd(pki, pcsc_stack, tmp_path, name):
    """Blank chips in pcscd's virtual reader, one after another; each issued card then verifies via the CLI."""
    from cryptography.hazmat.primitives import serialization

    from cardkit.production.batch import ReaderSource

    issued_chips = []
    reader = pcsc_stack.insert(EmrtdChip())
    pcsc_stack.remove()

    def operator(message: str) -> None:  # the operator: puts a blank card in, takes the done card out
        if message.startswith("Insert"):
            chip = EmrtdChip()
            issued_chips.append(chip)
            assert pcsc_stack.insert(chip) == reader
        else:
            pcsc_stack.remove()

    with Ledger(tmp_path / "pcsc.sqlite", station="pcsc") as lg:
        s = run_batch(results(sample_record(1), sample_record(2)), profile=load_profile(name), signer=pki.ds_signer,
                      trust=pki.trust, ledger=lg, source=ReaderSource(reader, prompt=operator, timeout=15,
                                                                      removal_timeout=15), batch="pcsc")
        assert (s.issued, s.rejected, s.stopped) == (2, 0, None), s.outcomes
        assert lg.check_integrity() == []
    csca = tmp_path / "csca.pem"
    csca.write_bytes(pki.csca.public_bytes(serialization.Encoding.PEM))
    reader = pcsc_stack.insert(issued_chips[0])
    try:
        mrz = sample_record(1).to_mrz()
        code, out, err = run_cli("verify", "--reader", reader, "--mrz-info", mrz.mrz_information, "--trust", csca, "--json")
    finally:
        pcsc_stack.remove()
    assert code == 0, err
    assert json.loads(out)["verdict"] == "GENUINE"

