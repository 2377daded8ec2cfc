"""The judge on Terminal Authentication evidence made by hand: the terminal's failure never fails the chip.

Each row is a ``TaAttempt`` as the card phase records it (nothing sent, refused by the chip, the channel
ended, rights short of DG3, authenticated); the files are a complete VN card's, DG3 included, built and
signed by the real builders. The ``terminal_authentication`` check says what happened, with the
certificate and the rule; the verdict stays what PA and the chip's proofs make it; DG3 counts for PA
only when it was read, and then its hash must match EF.SOD like any group's.
"""

from __future__ import annotations

import dataclasses

import pytest

from cardkit.checks import Status
from cardkit.crypto.cvc_validation import Rejection
from cardkit.inspect import TaAttempt, TaRun, Verdict, judge
from cardkit.inspect.evidence import FileRead, ReadEnd
from tests.inspection.test_judge import card_evidence
from tests.support.cards import make_vn_card
from tests.support.eac_cards import finger_dg3

TERMINAL = "VNIS00001"


@pytest.fixture(scope="module")
def card(tmp_path_factory):
    """(files, trust) of a VN card whose DG3 holds two real fingers (hashed into EF.SOD)."""
    _chip, trust, info = make_vn_card(tmp_path_factory.mktemp("judge-ta"), dg3_data=finger_dg3())
    return dict(info.files), trust


def _with_ta(files: dict[str, bytes], attempt: TaAttempt, *, dg3_read: bool = False):
    evidence = card_evidence(files)
    if dg3_read:
        reads = tuple(FileRead("DG3", ReadEnd.OK, files["DG3"], ms=1.0) if r.name == "DG3" else r
                      for r in evidence.reads)
        evidence = dataclasses.replace(evidence, reads=reads)
    return dataclasses.replace(evidence, terminal_authentication=attempt)


FAILURES = [
    (TaAttempt(TaRun.REFUSED_BY_TERMINAL, TERMINAL, ("DG3",), certificate="VNDVX00001",
               rejection=Rejection.NO_TRUST_POINT, detail="CV certificate VNDVX00001: the chain does not start at a "
               "trust point"), "refused by the terminal's own check, nothing sent", "no_trust_point"),
    (TaAttempt(TaRun.REFUSED_BY_CHIP, TERMINAL, ("DG3",), certificate=TERMINAL, rejection=Rejection.BAD_SIGNATURE,
               sw=0x6300, step="TA PSO:Verify Certificate VNIS00001", detail="6300"), "refused by the chip",
     "bad_signature"),
    (TaAttempt(TaRun.CHANNEL_BROKEN, TERMINAL, ("DG3",), detail="chip refused secure messaging (6988)"),
     "ended secure messaging during TA", None),
    (TaAttempt(TaRun.ERROR, TERMINAL, ("DG3",), detail="challenge of 4 bytes"), "did not complete", None),
    (TaAttempt(TaRun.AUTHENTICATED, TERMINAL, ("DG3",), granted=("DG4",), sent=("VNDV00001", TERMINAL)),
     "insufficient rights", "insufficient_rights"),
]


@pytest.mark.parametrize("attempt,words,rule", FAILURES, ids=[a.run.value for a, _, _ in FAILURES])
def test_a_failed_terminal_is_a_finding_and_the_chip_stays_genuine(card, attempt, words, rule):
    files, trust = card
    report = judge(_with_ta(files, attempt), trust)
    ta = report.check("terminal_authentication")
    assert ta is not None and ta.status is Status.FAILED and words in ta.reason
    assert ta.details.get("rule") == rule and ta.details["terminal"] == TERMINAL
    if attempt.certificate is not None:
        assert ta.details["certificate"] == attempt.certificate and attempt.certificate in ta.reason
    assert report.verdict is Verdict.GENUINE and report.exit_code == 0
    assert "Terminal Authentication failed" in report.verdict_reason
    dg3 = report.check("read:DG3")
    assert dg3 is not None and dg3.status is Status.NOT_SUPPORTED and "DG3" not in report.files


def test_authenticated_opens_dg3_which_pa_hashes(card):
    files, trust = card
    attempt = TaAttempt(TaRun.AUTHENTICATED, TERMINAL, ("DG3",), granted=("DG3", "DG4"),
                        sent=("VNDV00001", TERMINAL), trust_points=("VNCVCA00001",), trust_point_source="EF.CVCA",
                        binding="PACE (dynamic)")
    report = judge(_with_ta(files, attempt, dg3_read=True), trust)
    ta = report.check("terminal_authentication")
    assert ta is not None and ta.status is Status.PASSED and "opens DG3" in ta.reason
    assert "VNCVCA00001 from EF.CVCA" in ta.reason and ta.details["granted"] == ["DG3", "DG4"]
    assert report.check("pa:DG3 hash").status is Status.PASSED and report.verdict is Verdict.GENUINE


def test_a_dg3_opened_by_ta_that_does_not_match_the_sod_fails_the_chip(card):
    files, trust = card
    forged = {**files, "DG3": files["DG3"][:-1] + bytes([files["DG3"][-1] ^ 1])}
    attempt = TaAttempt(TaRun.AUTHENTICATED, TERMINAL, ("DG3",), granted=("DG3",), sent=(TERMINAL,))
    report = judge(_with_ta(forged, attempt, dg3_read=True), trust)
    assert report.check("terminal_authentication").status is Status.PASSED
    assert report.check("pa:DG3 hash").status is Status.FAILED and report.verdict is Verdict.NOT_GENUINE


@pytest.mark.parametrize("run,status", [(TaRun.NOT_OFFERED, Status.NOT_SUPPORTED),
                                        (TaRun.NO_CHIP_AUTHENTICATION, Status.SKIPPED)])
def test_ta_that_could_not_run_is_not_a_failure(card, run, status):
    files, trust = card
    report = judge(_with_ta(files, TaAttempt(run, TERMINAL, detail="the chip offers no Chip Authentication")), trust)
    assert report.check("terminal_authentication").status is status
    assert report.verdict is Verdict.GENUINE and "Terminal Authentication" not in report.verdict_reason


def test_without_credentials_there_is_no_ta_check_and_dg3_says_why(card):
    files, trust = card
    report = judge(card_evidence(files), trust)
    assert report.check("terminal_authentication") is None
    assert "no terminal certificates given" in report.check("read:DG3").reason


def test_the_same_evidence_gives_the_same_report(card):
    files, trust = card
    evidence = _with_ta(files, FAILURES[1][0])
    assert judge(evidence, trust).to_dict() == judge(evidence, trust).to_dict()
