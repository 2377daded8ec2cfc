"""PACE with Chip Authentication Mapping end to end (Doc 9303-11 §4.4.3.5, §9.2.12; TR-03110-3 A.1.2).

EF.CardSecurity (parse, build, Passive Authentication), the simulated chip's MF/application split of FID
011D, the Session's ``read_card_security`` / ``verify_cam``, and the inspection verdict when CAM is the
chip's only proof: genuine, cloned (CAM fails) and a tampered EF.CardSecurity (PA fails: CAM is no proof).
"""

from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from cardkit.algorithms import ID_SECURITY_OBJECT
from cardkit.card import AccessKey, Session, SimulatorTransport
from cardkit.checks import Status
from cardkit.crypto.pace import Password
from cardkit.errors import InputError, ParseError, ProtocolError, StatusWordError
from cardkit.inspect import inspect
from cardkit.lds import CardAccess, PaceInfo, decode_file, guess_name
from cardkit.lds.card_security import CardSecurity
from cardkit.pki.passive import verify_card_security
from cardkit.inspect import Verdict
from simulators._fs import CARD_SECURITY_KEY
from simulators.emrtd import Faults
from tests.support.cards import make_vn_card

CAM_AES128 = "0.4.0.127.0.7.2.2.4.6.2"
GM_AES128 = "0.4.0.127.0.7.2.2.4.2.2"


def _card(tmp_path, faults=None, pid=13, **options):
    options = {"ca": False, "aa": None, "dg3": False, "face_size": 2000, **options}
    return make_vn_card(tmp_path, faults, cam=(CAM_AES128, pid), **options)


def _cam_info(info):
    return next(p for p in CardAccess.from_bytes(info.files["EF.CardAccess"]).pace_infos if p.protocol == CAM_AES128)


def _status(report, name):
    found = [c for c in report.checks if c.name == name]
    assert found, f"no check {name}: {[c.name for c in report.checks]}"
    return found[-1]


# --- EF.CardSecurity ----------------------------------------------------------------------------

def test_card_security_parses_what_was_built_and_keeps_the_bytes(tmp_path):
    _, _, info = _card(tmp_path)
    raw = info.files["EF.CardSecurity"]
    cs = CardSecurity.from_bytes(raw)
    assert cs.to_bytes() == raw and cs.econtent_type == ID_SECURITY_OBJECT
    assert {p.protocol for p in cs.pace_infos} == {CAM_AES128, GM_AES128}
    assert len(cs.ca_public_keys) == 1 and cs.signed_data_version == 3
    assert cs.certificates[0].subject.rfc4514_string().startswith("CN=TEST DS VN")
    assert raw[0] == 0x30  # a bare ContentInfo: no tag 77 as EF.SOD has


@pytest.mark.parametrize("data", [b"", b"\x77\x03\x30\x01\x00", b"\x30\x00", b"\x30\x03\x02\x01\x00", b"\x31\x00"])
def test_card_security_rejects_malformed_input_with_parse_error(data):
    with pytest.raises(ParseError) as ei:
        CardSecurity.from_bytes(data)
    assert ei.value.what and "CardSecurity" in ei.value.what


@given(st.binary(max_size=200))
def test_card_security_any_bytes_give_a_value_or_parse_error(data):
    try:
        CardSecurity.from_bytes(data)
    except ParseError:
        pass


def test_card_security_pa_passes_and_fails_on_tamper_or_untrusted_signer(tmp_path):
    _, trust, info = _card(tmp_path)
    raw = info.files["EF.CardSecurity"]
    ok = verify_card_security(raw, trust)
    assert ok.passed and ok.ds_certificate is not None and ok.csca is not None
    assert {"CardSecurity signature", "certificate path"} <= {c.name for c in ok.checks if c.status is Status.PASSED}
    bad = bytearray(raw)
    bad[-1] ^= 1  # the last byte of the DS signature
    broken = verify_card_security(bytes(bad), trust)
    assert not broken.passed
    assert any(c.name == "CardSecurity signature" and c.status is Status.FAILED for c in broken.checks)
    garbage = verify_card_security(b"\x30\x00", trust)
    assert not garbage.passed and garbage.checks[0].name == "CardSecurity parse"
    from cardkit.pki.trust import TrustStore

    assert not verify_card_security(raw, TrustStore.load([])).passed


def test_card_security_pa_wants_id_security_object(tmp_path):
    from cardkit.lds.security_infos import PaceInfo as _P
    from cardkit.pki.sod_builder import build_card_security
    from tests.support.cards import card_pki

    ds = card_pki("VN").ds_signer
    _, trust, _ = _card(tmp_path)
    wrong = build_card_security([_P(CAM_AES128, 2, 13)], ds, econtent_type="2.23.136.1.1.1")
    r = verify_card_security(wrong, trust)
    assert not r.passed
    assert any(c.name == "eContent type" and c.status is Status.FAILED for c in r.checks)
    with pytest.raises(InputError):
        build_card_security([], ds)


# --- the simulated chip and the session -----------------------------------------------------------

def test_fid_011d_is_card_security_in_the_mf_and_the_sod_in_the_application(tmp_path):
    chip, _, info = _card(tmp_path)
    s = Session(SimulatorTransport(chip))
    s.pace(Password.can(info.can), pace_info=_cam_info(info))
    assert s.read_card_security() == info.files["EF.CardSecurity"]
    s.select_application()
    assert s.read_file("EF.SOD") == info.files["EF.SOD"]
    with pytest.raises(ProtocolError, match="before selecting the application"):
        s.read_card_security()
    assert chip.internal_errors == 0


def test_card_security_needs_pace_on_a_locked_chip(tmp_path):
    chip, _, _ = _card(tmp_path)
    s = Session(SimulatorTransport(chip))
    with pytest.raises(ProtocolError, match="after PACE"):
        s.read_card_security()
    with pytest.raises(StatusWordError) as ei:
        s.read_file("EF.CardSecurity")  # plain: refused, like the data groups
    assert ei.value.sw == 0x6982


def test_chip_without_card_security_answers_6a82(tmp_path):
    chip, _, info = _card(tmp_path)
    del chip.files[CARD_SECURITY_KEY]
    s = Session(SimulatorTransport(chip))
    s.pace(Password.can(info.can), pace_info=_cam_info(info))
    with pytest.raises(StatusWordError) as ei:
        s.read_card_security()
    assert ei.value.sw == 0x6A82


def test_cam_offered_without_a_static_key_on_the_curve_is_refused(tmp_path):
    chip, _, info = _card(tmp_path)
    chip.secrets.ca_keys.clear()
    s = Session(SimulatorTransport(chip))
    with pytest.raises(StatusWordError) as ei:
        s.pace(Password.can(info.can), pace_info=_cam_info(info))
    assert ei.value.sw == 0x6A88


def test_verify_cam_needs_a_cam_run_and_a_key_on_the_curve(tmp_path):
    chip, _, info = _card(tmp_path)
    gm = PaceInfo(GM_AES128, 2, 13)
    s = Session(SimulatorTransport(chip))
    s.pace(Password.can(info.can), pace_info=gm)
    with pytest.raises(ProtocolError, match="Chip Authentication Mapping"):
        s.verify_cam(info.files["EF.CardSecurity"])
    # EF.CardSecurity of a P-256 card does not fit a brainpoolP256r1 PACE run
    (tmp_path / "p256").mkdir()
    _, _, other = _card(tmp_path / "p256", pid=12)
    s2 = Session(SimulatorTransport(chip))
    s2.pace(Password.can(info.can), pace_info=_cam_info(info))
    with pytest.raises(ProtocolError, match="PACE curve"):
        s2.verify_cam(other.files["EF.CardSecurity"])
    with pytest.raises(ParseError):
        s2.verify_cam(b"\x30\x00")


# --- inspection ------------------------------------------------------------------------------------

def test_inspect_genuine_by_cam_alone(tmp_path):
    chip, trust, info = _card(tmp_path)
    r = inspect(SimulatorTransport(chip), trust=trust, key=AccessKey.from_can(info.can))
    assert r.verdict is Verdict.GENUINE, r.verdict_reason
    assert "chip_authentication_mapping" in r.verdict_reason
    cam = _status(r, "chip_authentication_mapping")
    assert cam.status is Status.PASSED and cam.details["proof"] is True
    assert _status(r, "card_security_authentication").status is Status.PASSED
    assert _status(r, "chip_authentication").status is Status.NOT_SUPPORTED
    assert _status(r, "active_authentication").status is Status.NOT_SUPPORTED
    assert "CAM" in r.algorithms["pace"]
    assert chip.internal_errors == 0


def test_inspect_prefers_cam_over_gm_when_both_are_offered(tmp_path):
    chip, trust, info = _card(tmp_path)
    assert {p.protocol for p in CardAccess.from_bytes(info.files["EF.CardAccess"]).pace_infos} == {CAM_AES128, GM_AES128}
    r = inspect(SimulatorTransport(chip), trust=trust, key=AccessKey.from_can(info.can))
    assert r.algorithms["access"] == "PACE" and "CAM" in r.algorithms["pace"]
    assert r.verdict is Verdict.GENUINE


def test_session_and_inspection_choose_the_same_pace_info(tmp_path):
    """One policy (cardkit.algorithms.choose_pace_info): Session.pace(pace_info=None) runs CAM too."""
    chip, trust, info = _card(tmp_path)
    s = Session(SimulatorTransport(chip))
    result = s.pace(Password.can(info.can))
    assert result.algorithm.oid == CAM_AES128 and result.chip_authentication_data is not None
    assert s.verify_cam(s.read_card_security())
    r = inspect(SimulatorTransport(chip), trust=trust, key=AccessKey.from_can(info.can))
    assert r.algorithms["pace"].startswith(result.algorithm.name)


def test_inspect_cloned_cam_chip_is_not_genuine(tmp_path):
    chip, trust, info = _card(tmp_path, Faults(cloned=True))
    r = inspect(SimulatorTransport(chip), trust=trust, key=AccessKey.from_can(info.can))
    assert r.verdict is Verdict.NOT_GENUINE
    assert _status(r, "chip_authentication_mapping").status is Status.FAILED
    assert _status(r, "card_security_authentication").status is Status.PASSED


def test_inspect_tampered_card_security_makes_cam_no_proof(tmp_path):
    chip, trust, info = _card(tmp_path)
    chip.files[CARD_SECURITY_KEY][-1] ^= 1
    r = inspect(SimulatorTransport(chip), trust=trust, key=AccessKey.from_can(info.can))
    assert r.verdict is not Verdict.GENUINE
    cam = _status(r, "chip_authentication_mapping")
    assert cam.status is Status.PASSED and cam.details["proof"] is False
    assert _status(r, "card_security_authentication").status is Status.FAILED


def test_inspect_without_trust_store_cannot_count_cam(tmp_path):
    chip, _, info = _card(tmp_path)
    r = inspect(SimulatorTransport(chip), trust=None, key=AccessKey.from_can(info.can))
    assert r.verdict is not Verdict.GENUINE
    assert _status(r, "card_security_authentication").status is Status.SKIPPED
    assert _status(r, "chip_authentication_mapping").details["proof"] is False


def test_inspect_cam_chip_missing_card_security_fails_cam(tmp_path):
    chip, trust, info = _card(tmp_path)
    del chip.files[CARD_SECURITY_KEY]
    r = inspect(SimulatorTransport(chip), trust=trust, key=AccessKey.from_can(info.can))
    assert r.verdict is Verdict.NOT_GENUINE
    assert "6A82" in _status(r, "chip_authentication_mapping").reason


def test_inspect_cam_with_dg14_ca_as_well(tmp_path):
    chip, trust, info = _card(tmp_path, ca=True)  # the DG14 CA key is also the CAM key (same curve)
    r = inspect(SimulatorTransport(chip), trust=trust, key=AccessKey.from_can(info.can))
    assert r.verdict is Verdict.GENUINE, r.verdict_reason
    assert _status(r, "chip_authentication").status is Status.PASSED
    assert _status(r, "chip_authentication_mapping").status is Status.PASSED


def test_lds_recognises_and_decodes_card_security(tmp_path):
    _, _, info = _card(tmp_path)
    raw = info.files["EF.CardSecurity"]
    assert guess_name(raw) == "EF.CardSecurity"
    assert decode_file("EF.CardSecurity", raw).to_bytes() == raw
