"""The card phase reads with the fewest APDUs the chip allows, and asks nothing Terminal Authentication guards.

Doc 9303-11 §7.1: DG3 and DG4 open only after Terminal Authentication, which this terminal does not run.
A chip whose EF.CardAccess or DG14 announces TA is therefore not asked for them (it would answer 6982);
a chip that announces no TA is asked, as for any other file. Every other file is read by short FID in one
READ BINARY of the largest block the chip allows (the simulated chips advertise extended length).
"""

from __future__ import annotations

import dataclasses
import math

from cardkit.card import AccessKey, ApduTrace, SimulatorTransport
from cardkit.checks import Status
from cardkit.inspect import Verdict, inspect
from cardkit.inspect.evidence import ReadEnd
from cardkit.lds import CardAccess, PaceInfo
from tests.support.cards import ID_PACE_ECDH_GM_AES128, make_td3_card, make_vn_card


def _reads(files: dict[str, bytes], block: int) -> int:
    """READ BINARYs of the readable files of a VN card at ``block`` bytes each, the first by short FID."""
    return sum(math.ceil(len(files[n]) / block) for n in ("EF.COM", "EF.SOD", "DG1", "DG2", "DG13", "DG14", "DG15"))


def _steps(trace: ApduTrace) -> list[str]:
    return [e.step or "" for e in trace.entries]


def test_a_chip_announcing_ta_in_ef_cardaccess_is_not_asked_for_dg3(tmp_path):
    chip, trust, info = make_vn_card(tmp_path)  # the VN EF.CardAccess carries a TerminalAuthenticationInfo
    trace = ApduTrace()
    r = inspect(SimulatorTransport(chip), key=AccessKey.from_can(info.can), trust=trust, trace=trace)
    assert r.verdict is Verdict.GENUINE, r.verdict_reason
    assert not any("DG3" in step for step in _steps(trace))
    dg3 = r.check("read:DG3")
    assert dg3.status is Status.NOT_SUPPORTED and "Terminal Authentication" in dg3.reason
    assert dg3.details == {"needs": "terminal_authentication"}
    # EF.CardAccess 1, PACE 5, SELECT application 1, 7 files 1 each, AA 1, CA 2, the CA check 1
    assert r.apdu_count == 18 and r.phase_apdus["read"] == 7
    assert [c.name for c in r.checks if c.name.startswith("read:")] == [
        "read:EF.COM", "read:EF.SOD", "read:DG1", "read:DG2", "read:DG3", "read:DG13", "read:DG14", "read:DG15"]


def test_a_chip_announcing_ta_only_in_dg14_is_asked_for_dg3_only_if_dg14_does_not_say(tmp_path):
    access = CardAccess.build([PaceInfo(ID_PACE_ECDH_GM_AES128, 2, 13)]).to_bytes()  # no TA info here
    chip, trust, info = make_vn_card(tmp_path, card_access=access, dg14_mirrors_card_access=False)
    trace = ApduTrace()
    r = inspect(SimulatorTransport(chip), key=AccessKey.from_can(info.can), trust=trust, trace=trace)
    assert r.verdict is Verdict.GENUINE, r.verdict_reason
    assert not any("DG3" in step for step in _steps(trace))
    assert r.check("read:DG3").details == {"needs": "terminal_authentication"}
    names = [c.name for c in r.checks if c.name.startswith("read:")]
    assert names.index("read:DG3") == names.index("read:DG2") + 1  # reported in file order though read last


def test_a_chip_announcing_no_ta_is_asked_for_dg3_and_its_refusal_reported(tmp_path):
    chip, trust, info = make_td3_card(tmp_path, dg3=True)  # BAC, no DG14, no EF.CardAccess
    r = inspect(SimulatorTransport(chip), key=AccessKey.from_mrz_information(info.mrz_information), trust=trust)
    dg3 = r.check("read:DG3")
    assert dg3.status is Status.NOT_SUPPORTED and dg3.details == {"sw": "6982"}
    assert r.verdict is Verdict.GENUINE, r.verdict_reason


def test_evidence_marks_the_groups_not_asked_for(tmp_path):
    from cardkit.card import Session
    from cardkit.inspect import read_card

    chip, _trust, info = make_vn_card(tmp_path)
    evidence = read_card(Session(SimulatorTransport(chip), fast_reads=True), AccessKey.from_can(info.can))
    dg3 = evidence.read_of("DG3")
    assert dg3 is not None and dg3.end is ReadEnd.NEEDS_TA and dg3.sw is None and not dg3.data


def test_the_sfi_option_changes_nothing(tmp_path):
    chip, trust, info = make_vn_card(tmp_path)
    plain = inspect(SimulatorTransport(chip), key=AccessKey.from_can(info.can), trust=trust)
    sfi = inspect(SimulatorTransport(chip), key=AccessKey.from_can(info.can), trust=trust, sfi=True)
    assert (plain.apdu_count, plain.verdict) == (sfi.apdu_count, sfi.verdict)


def test_a_block_size_given_is_the_block_read(tmp_path):
    chip, trust, info = make_vn_card(tmp_path)
    r = inspect(SimulatorTransport(chip), key=AccessKey.from_can(info.can), trust=trust, block_size=0xDF)
    assert r.verdict is Verdict.GENUINE
    assert r.phase_apdus["read"] == _reads(info.files, 0xDF)


def test_a_chip_with_short_apdus_only_is_read_in_its_largest_short_block(tmp_path):
    chip, trust, info = make_vn_card(tmp_path)
    chip.options = dataclasses.replace(chip.options, extended_length=False)  # its ATR says so too
    r = inspect(SimulatorTransport(chip), key=AccessKey.from_can(info.can), trust=trust)
    assert r.verdict is Verdict.GENUINE, r.verdict_reason
    assert r.phase_apdus["read"] == _reads(info.files, 0xDF)  # 0xDF: a whole short answer under AES SM


def test_the_judge_fails_any_other_group_left_unread_for_terminal_authentication(tmp_path):
    from cardkit.card import Session
    from cardkit.inspect import judge, read_card
    from cardkit.inspect.evidence import FileRead

    chip, trust, info = make_vn_card(tmp_path)
    evidence = read_card(Session(SimulatorTransport(chip), fast_reads=True), AccessKey.from_can(info.can))
    reads = tuple(FileRead("DG2", ReadEnd.NEEDS_TA) if r.name == "DG2" else r for r in evidence.reads)
    r = judge(dataclasses.replace(evidence, reads=reads), trust)
    assert r.check("read:DG2").status is Status.FAILED and r.check("read:DG3").status is Status.NOT_SUPPORTED
    assert r.verdict is Verdict.NOT_GENUINE
