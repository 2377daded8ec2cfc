"""The one judge on evidence made by hand: no card phase, no chip; each row names the evidence and its verdict.

The files are a complete Vietnamese card's, built and signed by the real builders (tests/support/cards.py);
the evidence around them says how a card phase would have ended. ``judge`` must give the verdict,
the exit code and the deciding check of each row, and the same report for the same evidence.
"""

from __future__ import annotations

import dataclasses

import pytest

from cardkit.algorithms import Cipher
from cardkit.card import AccessKey
from cardkit.checks import Status
from cardkit.inspect import Evidence, Verdict, dump_evidence, judge
from cardkit.inspect.holder import Holder
from cardkit.inspect.evidence import (
    AccessOutcome,
    BacEnd,
    FileRead,
    PaceEnd,
    ProofAttempt,
    ProofRun,
    ReadEnd,
    Source,
    Stop,
    StopReason,
)
from cardkit.lds import CardAccess
from cardkit.pki.trust import TrustStore
from tests.support.cards import VN_ID, make_vn_card

_ORDER = ("EF.CardAccess", "EF.COM", "EF.SOD", "DG1", "DG2", "DG3", "DG13", "DG14", "DG15")


@pytest.fixture(scope="module")
def card(tmp_path_factory):
    """(files, trust, info) of a complete VN card; the files as built and signed, never read from a chip."""
    _chip, trust, info = make_vn_card(tmp_path_factory.mktemp("judge"))
    return dict(info.files), trust, info


@pytest.fixture(scope="module")
def foreign(tmp_path_factory):
    """The files of a VN card signed under a CSCA that the trust store does not hold."""
    _chip, trust, info = make_vn_card(tmp_path_factory.mktemp("judge-other"), csca="other")
    return dict(info.files), trust


def _reads(files: dict[str, bytes], **ends: ReadEnd) -> tuple[FileRead, ...]:
    """The reads of a card phase over ``files``: DG3 refused as EAC-protected, ``ends`` overriding a file's end."""
    out = []
    for name in (n for n in _ORDER if n in files or n == "DG3"):
        end = ends.get(name.replace(".", "_"), ReadEnd.PROTECTED if name == "DG3" else ReadEnd.OK)
        if end is ReadEnd.OK:
            out.append(FileRead(name, end, files[name], ms=1.0))
        elif end in (ReadEnd.PROTECTED, ReadEnd.ABSENT, ReadEnd.REFUSED):
            out.append(FileRead(name, end, sw={ReadEnd.PROTECTED: 0x6982, ReadEnd.ABSENT: 0x6A82}.get(end, 0x6F00),
                                detail="card answered"))
        else:
            out.append(FileRead(name, end, detail=f"{end.value} on {name}"))
            break  # a card phase stops at such a read
    return tuple(out)


def _pace(files: dict[str, bytes]) -> AccessOutcome:
    info = CardAccess.from_bytes(files["EF.CardAccess"]).pace_infos[0]
    return AccessOutcome("CAN", PaceEnd.OPENED, info, sm_cipher=Cipher.AES_128)


def card_evidence(files: dict[str, bytes], *, aa: ProofRun | None = ProofRun.VERIFIED,
                  ca: ProofRun | None = ProofRun.VERIFIED, stop: Stop | None = None,
                  access: AccessOutcome | None = None, **ends: ReadEnd) -> Evidence:
    return Evidence(Source.CARD, _reads(files, **ends), access=access or _pace(files),
                    active_authentication=ProofAttempt(aa) if aa is not None else None,
                    chip_authentication=ProofAttempt(ca, "no answer", "CA step 1") if ca is not None else None,
                    stop=stop, apdu_count=130)


def _tampered(files: dict[str, bytes], name: str) -> dict[str, bytes]:
    data = bytearray(files[name])
    data[-3] ^= 1
    return {**files, name: bytes(data)}


# (id, evidence maker(files), verdict, exit code, check deciding it, its status)
ROWS = [
    ("genuine", lambda f: card_evidence(f), Verdict.GENUINE, 0, "chip_authentication", Status.PASSED),
    ("aa only", lambda f: card_evidence(f, ca=ProofRun.NOT_OFFERED), Verdict.GENUINE, 0, "active_authentication",
     Status.PASSED),
    ("cloned (AA rejected)", lambda f: card_evidence(f, aa=ProofRun.REJECTED), Verdict.NOT_GENUINE, 1,
     "active_authentication", Status.FAILED),
    ("CA error stops", lambda f: card_evidence(f, ca=ProofRun.ERROR, stop=Stop(
        "chip_authentication", StopReason.PROOF_FAILED, "no answer")), Verdict.NOT_GENUINE, 1, "chip_authentication",
     Status.FAILED),
    ("tampered DG2", lambda f: card_evidence(_tampered(f, "DG2")), Verdict.NOT_GENUINE, 1, "pa:DG2 hash",
     Status.FAILED),
    ("link lost mid-read", lambda f: card_evidence(f, aa=None, ca=None, DG2=ReadEnd.TRANSPORT, stop=Stop(
        "read:DG2", StopReason.LINK, "card removed")), Verdict.INCOMPLETE, 3, "read:DG2", Status.FAILED),
    ("channel broken mid-read", lambda f: card_evidence(f, aa=None, ca=None, DG2=ReadEnd.CHANNEL_BROKEN, stop=Stop(
        "read:DG2", StopReason.CHANNEL_BROKEN, "wrong MAC")), Verdict.NOT_GENUINE, 1, "read:DG2", Status.FAILED),
    ("malformed answer", lambda f: card_evidence(f, aa=None, ca=None, DG13=ReadEnd.MALFORMED, stop=Stop(
        "read:DG13", StopReason.MALFORMED, "short read")), Verdict.NOT_GENUINE, 1, "read:DG13", Status.FAILED),
    ("DG2 refused as EAC-protected", lambda f: card_evidence(f, DG2=ReadEnd.PROTECTED), Verdict.NOT_GENUINE, 1,
     "read:DG2", Status.FAILED),
    ("DG3 refused as EAC-protected", lambda f: card_evidence(f), Verdict.GENUINE, 0, "read:DG3",
     Status.NOT_SUPPORTED),
    ("a dump", lambda f: dump_evidence({k: v for k, v in f.items() if k != "EF.CardSecurity"}),
     Verdict.DATA_AUTHENTIC_CHIP_NOT_PROVEN, 1, "chip_authentication", Status.SKIPPED),
    ("a bare EF.SOD", lambda f: dump_evidence({"EF.SOD": f["EF.SOD"]}), Verdict.DATA_AUTHENTIC_CHIP_NOT_PROVEN, 1,
     "passive_authentication", Status.PASSED),
    ("a dump without EF.SOD", lambda f: dump_evidence({k: v for k, v in f.items() if k != "EF.SOD"}),
     Verdict.NOT_GENUINE, 1, "passive_authentication", Status.FAILED),
]


@pytest.mark.parametrize("row", ROWS, ids=[r[0] for r in ROWS])
def test_evidence_to_verdict(card, row):
    files, trust, _ = card
    _id, make, verdict, code, check, status = row
    evidence = make(files)
    report = judge(evidence, trust)
    assert (report.verdict, report.exit_code) == (verdict, code), (report.verdict_reason, report.failed_checks)
    c = report.check(check)
    assert c is not None and c.status is status, c
    assert judge(evidence, trust) == report  # pure: the same evidence, the same report


@pytest.mark.parametrize("row", ROWS, ids=[r[0] for r in ROWS])
def test_holder_false_leaves_only_the_holder_out(card, row):
    """A bulk audit asks for no holder data: every check, the verdict and the rest of the report stay the same."""
    files, trust, _ = card
    evidence = row[1](files)
    full, lean = judge(evidence, trust), judge(evidence, trust, holder=False)
    assert lean.holder == Holder()
    assert dataclasses.replace(lean, holder=full.holder) == full
    if "DG1" in evidence.files:
        assert full.holder.mrz is not None


def test_no_proof_offered_is_data_authentic(tmp_path):
    _chip, trust, info = make_vn_card(tmp_path, ca=False, aa=None)
    report = judge(card_evidence(dict(info.files), aa=ProofRun.NOT_OFFERED, ca=ProofRun.NOT_OFFERED), trust)
    assert report.verdict is Verdict.DATA_AUTHENTIC_CHIP_NOT_PROVEN and report.exit_code == 1
    assert "neither CA nor AA" in report.verdict_reason


def test_a_proof_whose_key_file_is_not_signed_proves_nothing(tmp_path):
    _chip, trust, info = make_vn_card(tmp_path, aa="rsa")
    files = dict(info.files)
    dg15 = bytearray(files["DG15"])
    dg15[len(dg15) // 2] ^= 1  # a bit of the RSA modulus: DG15 still decodes, its hash no longer matches
    report = judge(card_evidence({**files, "DG15": bytes(dg15)}), trust)
    aa = report.check("active_authentication")
    assert aa is not None and aa.status is Status.PASSED and not aa.details["proof"]
    assert report.verdict is Verdict.NOT_GENUINE  # DG15's hash fails PA


@pytest.mark.parametrize("reason,incomplete,code", [
    (StopReason.LINK, True, 3), (StopReason.ACCESS_FAILED, True, 3), (StopReason.NEEDS_MRZ, True, 2),
    (StopReason.CARD_DATA, True, 3), (StopReason.NO_APPLICATION, True, 3), (StopReason.CHANNEL_BROKEN, False, 1),
    (StopReason.MALFORMED, False, 1), (StopReason.PROOF_FAILED, False, 1),
])
def test_every_stop_reason_has_its_verdict_and_exit_code(card, reason, incomplete, code):
    files, trust, _ = card
    assert reason.incomplete is incomplete
    stop = Stop("access_control", reason, "why")
    failed = AccessOutcome("CAN", PaceEnd.FAILED, CardAccess.from_bytes(files["EF.CardAccess"]).pace_infos[0],
                           "the chip's PACE parameters are unusable")
    evidence = Evidence(Source.CARD, (FileRead("EF.CardAccess", ReadEnd.OK, files["EF.CardAccess"]),),
                        access=failed, stop=stop)
    report = judge(evidence, trust)
    if incomplete:
        assert report.verdict is Verdict.INCOMPLETE and report.exit_code == code == reason.exit_code
        assert report.verdict_reason == "stopped at access_control: why"
    else:
        assert report.verdict is Verdict.NOT_GENUINE and report.exit_code == 1
    assert report.stopped_at == "access_control" and report.check("access_control").status is Status.FAILED


def test_no_trust_store_is_incomplete_with_exit_2(card):
    files, _, _ = card
    report = judge(card_evidence(files), None)
    assert report.verdict is Verdict.INCOMPLETE and report.exit_code == 2
    assert report.check("passive_authentication").status is Status.SKIPPED


def test_no_trust_anchor_is_unknown_issuer_and_exit_5(foreign):
    files, trust = foreign
    for evidence in (card_evidence(files), dump_evidence(files)):
        report = judge(evidence, trust)
        assert report.verdict is Verdict.UNKNOWN_ISSUER and report.exit_code == 5, report.failed_checks
        assert {c.name for c in report.failed_checks} == {"passive_authentication", "pa:certificate path"}
        assert "OTHER CSCA VN" in report.verdict_reason


def test_no_trust_anchor_and_another_failure_is_not_genuine(foreign):
    files, trust = foreign
    assert judge(card_evidence(files, aa=ProofRun.REJECTED), trust).verdict is Verdict.NOT_GENUINE
    assert judge(dump_evidence(_tampered(files, "DG13")), trust).verdict is Verdict.NOT_GENUINE
    assert judge(card_evidence(files), TrustStore()).verdict is Verdict.UNKNOWN_ISSUER  # an empty store


def test_access_control_reasons_from_the_access_outcome(card):
    files, trust, _ = card
    info = CardAccess.from_bytes(files["EF.CardAccess"]).pace_infos[0]
    fell_back = AccessOutcome("MRZ", PaceEnd.FAILED, info, "PACE step 2: chip refused", bac=BacEnd.OPENED,
                              sm_cipher=Cipher.TDES)
    report = judge(card_evidence(files, access=fell_back), trust)
    a = report.check("access_control")
    assert a.status is Status.PASSED and "fell back from PACE: PACE failed: PACE step 2" in a.reason
    assert (report.access.method, report.access.fell_back, report.algorithms["sm_cipher"]) == ("BAC", True, "3DES")
    refused = AccessOutcome("CAN", PaceEnd.REFUSED, info, "PACE step 4: chip refused (6300)")
    stop = Stop("access_control", StopReason.ACCESS_FAILED, "PACE step 4: chip refused (6300)")
    report = judge(Evidence(Source.CARD, _reads(files)[:1], access=refused, stop=stop), trust)
    assert "wrong CAN?" in report.check("access_control").reason and report.exit_code == 3
    assert report.access.password == "CAN" and "id-PACE-ECDH-GM" in report.access.algorithm


def test_dg1_is_compared_with_the_key_in_constant_time(card):
    files, trust, info = card
    evidence = dump_evidence({k: v for k, v in files.items() if k != "EF.CardSecurity"})
    cases = [
        (AccessKey.from_mrz_information(info.mrz_information), Status.PASSED, "MRZ data shown matches"),
        (AccessKey.from_document("ZZ9999999", "900101", "300101"), Status.FAILED, "does not match DG1"),
        (AccessKey.from_vn_id_number(VN_ID), Status.PASSED, "ID number shown matches"),
        (AccessKey.from_vn_id_number("001090999999"), Status.FAILED, "does not match DG1/DG13"),
        (AccessKey.from_can(VN_ID[-6:]), Status.PASSED, "last 6 digits"),
        (AccessKey.from_can("999999"), Status.FAILED, "not the last 6 digits"),
        (None, Status.SKIPPED, "no holder data shown"),
    ]
    for key, status, words in cases:
        c = judge(evidence, trust, key=key).check("dg1_matches_input")
        assert c is not None and c.status is status and words in c.reason, (key, c)


def test_evidence_is_frozen_and_holds_no_secret(card):
    files, trust, info = card
    evidence = card_evidence(files)
    with pytest.raises(dataclasses.FrozenInstanceError):
        evidence.stop = None  # type: ignore[misc]
    assert info.can not in repr(evidence) and info.mrz_information not in repr(evidence)
    assert judge(evidence, trust).to_dict()["schema"] == 1
