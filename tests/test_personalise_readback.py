"""The read-back proves DG3 is behind Extended Access Control: asked without TA, the chip must refuse it.

A vn-cccd card (DG3 with two fingers, TA announced in EF.CardAccess and DG14) is personalised on the
simulator, which refuses DG3 without Terminal Authentication (6982): the read-back's probe costs one
APDU and the card is issued. A faulty chip that hands the fingerprints to any reader that opens the
channel (``ChipOptions(eac_protected=...)`` without 3) is refused with ``BiometricsUnprotectedError``,
in process, through the batch runner (the card logged for destruction) and through pcscd. Verifying
terminals (``inspect`` without ``probe_eac``) never probe; the recovery of a card found after a crash
does. With an inspection system's credentials the read-back also reads DG3 after TA and requires it as
written.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt

import pytest
from cryptography.hazmat.primitives import serialization

from cardkit.card import AccessKey, Session, SimulatorTransport
from cardkit.checks import Status
from cardkit.crypto.ta import TaKeySigner
from cardkit.errors import InputError, VerificationError
from cardkit.inspect import inspect, judge, read_card
from cardkit.inspect.evidence import FileRead, ReadEnd
from cardkit.lds import CardAccess, PaceInfo
from cardkit.personalise import (BiometricsUnprotectedError, build_card, card_access_key, personalise_card,
                                 read_back)
from cardkit.personalise_readback import check_terminal
from cardkit.pki.demo import DEMO_PASSPHRASE, ensure_demo_pki
from cardkit.pki.terminal import TerminalCredentials
from cardkit.production.batch import ReaderSource, SimulatorSource, run_batch
from cardkit.production.intake import content_of, load_batch
from cardkit.production.ledger import Ledger
from cardkit.production.records import RecordResult
from cardkit.profiles import load_profile
from simulators._options import ChipOptions
from simulators.emrtd import EmrtdChip, Faults
from tests.support.cards import ID_PACE_ECDH_GM_AES128, make_td1_card
from tests.support.cli import EXAMPLES, run_cli
from tests.support.cvc_pki import make_cv_pki
from tests.support.perso import sample_record, today_cv_pki

VN = load_profile("vn-cccd")
CV = today_cv_pki()
TODAY = dt.date.today()


def _terminal(cv=CV) -> TerminalCredentials:
    return TerminalCredentials((cv.dv, cv.is_), cv.is_, TaKeySigner(cv.is_key, cv.algorithm))


def _exposing(*protected: int) -> EmrtdChip:
    """A faulty chip: only the groups given sit behind TA; the others go to anyone who opens the channel."""
    return EmrtdChip(options=ChipOptions(eac_protected=frozenset(protected)))


def _build(pki, n: int):
    return build_card(sample_record(n), VN, pki.ds_signer, cvca=[CV.cvca])


@pytest.fixture(scope="module")
def issued(pki):
    """(chip, build, result): a vn-cccd card personalised on the simulator, whose DG3 needs TA."""
    build = _build(pki, 41)
    chip = EmrtdChip()
    return chip, build, personalise_card(lambda: SimulatorTransport(chip), build, VN, pki.trust)


def test_readback_asks_dg3_once_without_ta_and_the_chip_refuses(issued):
    _chip, _build_, result = issued
    report = result.report
    assert result.verdict == "GENUINE"
    probe = report.check("eac_protection")
    assert probe is not None and probe.status is Status.PASSED
    assert probe.details == {"data_group": "DG3", "sw": "6982"}
    assert report.phase_apdus["eac_probe"] == 1  # one READ BINARY by short FID, refused
    assert "DG3" not in report.files  # the probe's answer is never a file
    read = report.check("read:DG3")
    assert read is not None and read.status is Status.NOT_SUPPORTED  # not asked during the reads (TA announced)


def test_a_verifying_terminal_does_not_probe(issued, pki):
    chip, build, result = issued
    key = card_access_key(build.can, build.mrz_information)
    report = inspect(SimulatorTransport(chip), key=key, trust=pki.trust, block_size=VN.chip.read_block_size)
    assert report.verdict.value == "GENUINE"
    assert report.check("eac_protection") is None and "eac_probe" not in report.phase_apdus
    assert report.apdu_count == result.apdus_read_back - 1


@pytest.mark.parametrize("protected", [frozenset(), frozenset({4})], ids=["nothing", "dg4-only"])
def test_a_chip_handing_out_fingerprints_fails_readback(pki, protected):
    build = _build(pki, 42)
    chip = _exposing(*protected)
    with pytest.raises(BiometricsUnprotectedError) as e:
        personalise_card(lambda: SimulatorTransport(chip), build, VN, pki.trust)
    assert "DG3 handed out without Terminal Authentication" in str(e.value)
    assert f"({len(build.files['DG3'])} bytes)" in str(e.value)
    assert isinstance(e.value, VerificationError) and e.value.exit_code == VerificationError.exit_code
    assert chip.life_cycle == "OPERATIONAL"  # written and locked: a card to destroy, not a blank one


def _evidence(chip: EmrtdChip, build):
    session = Session(SimulatorTransport(chip), fast_reads=True)
    return read_card(session, card_access_key(build.can, build.mrz_information), probe_eac=True)


@pytest.mark.parametrize("probe,status,words", [
    (FileRead("DG3", ReadEnd.PROTECTED, sw=0x6982), Status.PASSED, "refused without Terminal Authentication (6982)"),
    (FileRead("DG3", ReadEnd.PROTECTED, sw=0x6985), Status.PASSED, "refused without Terminal Authentication (6985)"),
    (FileRead("DG3", ReadEnd.OK, b"\x63\x02\x01\x00"), Status.FAILED, "handed out without Terminal Authentication"),
    (FileRead("DG3", ReadEnd.ABSENT, sw=0x6A82, detail="not found"), Status.FAILED, "answered 6A82, not a security"),
    (FileRead("DG3", ReadEnd.REFUSED, sw=0x6A86, detail="p1p2"), Status.FAILED, "answered 6A86, not a security"),
    (FileRead("DG3", ReadEnd.MALFORMED, detail="short read"), Status.FAILED, "without Terminal Authentication: short"),
    (FileRead("DG3", ReadEnd.TRANSPORT, detail="card removed"), Status.SKIPPED, "no answer: card removed"),
])
def test_the_judge_reads_the_probe_and_keeps_it_out_of_the_verdict(issued, pki, probe, status, words):
    chip, build, _ = issued
    evidence = dataclasses.replace(_evidence(chip, build), eac_probe=probe)
    report = judge(evidence, pki.trust)
    check = report.check("eac_protection")
    assert check is not None and check.status is status and words in check.reason
    # authentic data and a proved chip stay GENUINE; the access control finding is in the reason
    assert report.verdict.value == "GENUINE"
    assert ("EAC not enforced" in report.verdict_reason) is (status is Status.FAILED)


def test_a_chip_announcing_no_ta_is_probed_by_its_own_read(tmp_path):
    """A chip announcing no TA has DG3 asked with the other groups: that read is the probe (no second APDU)."""
    no_ta = CardAccess.build([PaceInfo(ID_PACE_ECDH_GM_AES128, 2, 13)]).to_bytes()
    chip, _trust, _info = make_td1_card(tmp_path, dg3=True, face_size=1000, card_access=no_ta)
    evidence = read_card(Session(SimulatorTransport(chip), fast_reads=True), AccessKey.from_can("654321"),
                         probe_eac=True)
    assert evidence.read_of("DG3").end is ReadEnd.PROTECTED and evidence.eac_probe == evidence.read_of("DG3")
    assert evidence.phase_apdus["eac_probe"] == 0


def test_with_terminal_credentials_dg3_reads_back_as_written_after_the_probe(pki):
    build = _build(pki, 44)
    dg3 = build.files["DG3"]
    chip = EmrtdChip()
    result = personalise_card(lambda: SimulatorTransport(chip), build, VN, pki.trust, terminal=_terminal())
    report = result.report
    assert report.check("eac_protection").status is Status.PASSED  # refused first, then TA opened it
    assert report.check("terminal_authentication").status is Status.PASSED
    assert report.files["DG3"] == dg3 and report.check("read:DG3").status is Status.PASSED
    assert 3 in report.check("passive_authentication").details["data_groups"]  # its hash checked against EF.SOD
    faulty = _exposing()
    with pytest.raises(BiometricsUnprotectedError):  # the probe still comes first
        personalise_card(lambda: SimulatorTransport(faulty), _build(pki, 45), VN, pki.trust, terminal=_terminal())


def test_terminal_credentials_the_chip_refuses_fail_the_readback_and_are_caught_before_a_batch(pki, tmp_path):
    other = make_cv_pki(prefix="OTH", effective=TODAY)  # a chain from a CVCA the chips do not trust
    chip = EmrtdChip()
    with pytest.raises(VerificationError, match="DG3 was not read after Terminal Authentication"):
        personalise_card(lambda: SimulatorTransport(chip), _build(pki, 46), VN, pki.trust, terminal=_terminal(other))
    with pytest.raises(InputError, match="cannot open DG3/DG4 on these chips"):
        check_terminal(_terminal(other), (CV.cvca,), VN, TODAY)
    with pytest.raises(InputError, match="writes no DG3/DG4"):
        check_terminal(_terminal(), (), load_profile("icao-td1"), TODAY)
    check_terminal(_terminal(), (CV.cvca,), VN, TODAY)
    with Ledger(tmp_path / "l.sqlite", station="s") as lg:
        with pytest.raises(InputError):
            run_batch([RecordResult(1, sample_record(47))], profile=VN, cvca=(CV.cvca,), signer=pki.ds_signer,
                      trust=pki.trust, ledger=lg, source=SimulatorSource(None, EmrtdChip), batch="b",
                      terminal=_terminal(other))
        assert lg.counts("b")["writing"] == 0 and lg.spoiled("b") == []  # no card touched


def test_a_card_pulled_at_the_probe_is_a_removed_card_not_an_unprotected_one(issued, pki):
    chip, build, result = issued
    # the read-back's last APDU is the probe (no TA follows): the card leaves the reader right there
    chip.faults = Faults(remove_at_apdu=chip.apdu_count + result.apdus_read_back)
    try:
        with pytest.raises(VerificationError) as e:
            read_back(SimulatorTransport(chip), build, VN, pki.trust)
    finally:
        chip.faults, chip.present = Faults(), True
    assert not isinstance(e.value, BiometricsUnprotectedError)
    assert "read-back verdict INCOMPLETE" in str(e.value) and "eac_protection" not in str(e.value)


def _assert_one_spoiled_then_issued(lg: Ledger, summary) -> None:
    assert (summary.issued, summary.rejected, summary.stopped) == (1, 0, None), summary.outcomes
    (spoiled,) = lg.spoiled("b")
    assert "BiometricsUnprotectedError: read-back: DG3 handed out without Terminal Authentication" in spoiled[4]
    assert "card must be destroyed" in spoiled[4]
    assert lg.check_integrity() == []


def test_the_batch_logs_a_card_that_exposes_fingerprints_for_destruction(pki, tmp_path):
    chips = iter([_exposing(), EmrtdChip()])
    with Ledger(tmp_path / "l.sqlite", station="s") as lg:
        s = run_batch([RecordResult(1, sample_record(48))], profile=VN, cvca=(CV.cvca,), signer=pki.ds_signer,
                      trust=pki.trust, ledger=lg, source=SimulatorSource(None, lambda: next(chips)), batch="b",
                      retries=1)
        _assert_one_spoiled_then_issued(lg, s)
    with Ledger(tmp_path / "l2.sqlite", station="s") as lg:
        s = run_batch([RecordResult(1, sample_record(49))], profile=VN, cvca=(CV.cvca,), signer=pki.ds_signer,
                      trust=pki.trust, ledger=lg, source=SimulatorSource(None, _exposing), batch="b")
        assert (s.issued, s.rejected) == (0, 1)
        (row,) = lg.rows(batch="b")
        assert row.state == "rejected" and "BiometricsUnprotectedError" in s.outcomes[-1].reasons[0]


@pytest.mark.pcsc
def test_through_pcscd_a_card_exposing_fingerprints_is_spoiled_and_the_next_issued(pki, pcsc_stack, tmp_path):
    chips = [_exposing(), EmrtdChip()]
    reader = pcsc_stack.insert(EmrtdChip())
    pcsc_stack.remove()

    def operator(message: str) -> None:  # puts the next blank card in, takes the done one out
        if message.startswith("Insert"):
            assert pcsc_stack.insert(chips.pop(0)) == reader
        else:
            pcsc_stack.remove()

    with Ledger(tmp_path / "pcsc.sqlite", station="pcsc") as lg:
        s = run_batch([RecordResult(1, sample_record(50))], profile=VN, cvca=(CV.cvca,), signer=pki.ds_signer,
                      trust=pki.trust, ledger=lg, batch="b", retries=1,
                      source=ReaderSource(reader, prompt=operator, timeout=15, removal_timeout=15))
        _assert_one_spoiled_then_issued(lg, s)
    assert chips == []


def test_personalise_cli_reads_dg3_back_with_the_terminal_given(tmp_path):
    keys = tmp_path / "keys"
    ensure_demo_pki(keys)
    eac = keys / "eac"
    with (EXAMPLES / "vn-citizens.csv").open(encoding="utf-8", newline="") as f:
        header, first = list(csv.reader(f))[:2]
    row = [str(EXAMPLES / v) if name in ("photo", "finger_left", "finger_right") else v
           for name, v in zip(header, first)]
    records = tmp_path / "one.csv"
    with records.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([header, row])
    base = ["personalise", "--profile", "vn-cccd", "--records", records, "--ds", keys, "--cvca", eac / "cvca.cvcert",
            "--sim", tmp_path / "cards", "--ledger", tmp_path / "l.sqlite", "--json"]
    env = {"CARDKIT_PASSPHRASE": DEMO_PASSPHRASE.decode()}
    code, _out, err = run_cli(*base, "--is-key", eac / "is.key", env=env)
    assert code == 2 and "--is-cert and --is-key go together" in err
    code, _out, err = run_cli(*base, "--is-cert", eac / "dv.cvcert", "--is-cert", eac / "is.cvcert", "--is-key",
                              eac / "is.key", env=env)
    assert code == 0, err
    with Ledger(tmp_path / "l.sqlite", station="t") as lg:
        assert lg.counts("one.csv")["issued"] == 1 and lg.spoiled() == []


@pytest.mark.parametrize("make,found", [(EmrtdChip, "recovered"), (_exposing, "spoiled")], ids=["good", "exposing"])
def test_a_card_found_after_a_crash_is_probed_before_it_counts(pki, tmp_path, make, found):
    """Recovery of a row left writing verifies the card it finds: one exposing DG3 is spoiled, not recovered."""
    out = tmp_path / "cards"
    with Ledger(tmp_path / "l.sqlite", station="s") as lg:
        load_batch(lg, [RecordResult(1, sample_record(51))], profile=VN, batch="b")
        row = lg.claim("b")
        content = content_of(lg, row, VN)
        build = build_card(content, VN, pki.ds_signer, cvca=[CV.cvca])
        artifact = f"{content.person_key}-{row.issue_number}"
        der = pki.ds_signer.certificate.public_bytes(serialization.Encoding.DER)
        chip = make()

        def touch() -> None:
            lg.touch(row, expected_sod=build.sod, ds_certificate_der=der, ds_subject="DS", artifact=artifact)

        try:  # the card is written and locked; the station dies before the ledger hears the read-back
            personalise_card(lambda: SimulatorTransport(chip), build, VN, pki.trust, on_first_write=touch)
        except BiometricsUnprotectedError:
            pass
        source = SimulatorSource(out, EmrtdChip, EmrtdChip.load)
        source.save(chip, artifact)
        s = run_batch(None, profile=VN, cvca=(CV.cvca,), signer=pki.ds_signer, trust=pki.trust, ledger=lg,
                      source=source, batch="b")
        assert s.issued == 1 and lg.check_integrity() == []
        if found == "recovered":
            assert [o.outcome for o in s.outcomes] == ["recovered"] and lg.spoiled("b") == []
        else:
            (spoiled,) = lg.spoiled("b")
            assert "interrupted while writing; card must be destroyed" in spoiled[4]
            assert [o.outcome for o in s.outcomes] == ["issued"]  # on a new blank card
