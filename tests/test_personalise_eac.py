"""A VN card personalised with fingerprints and a CVCA trust point, then read with Terminal Authentication.

The whole path of issue 15 on one card: the record's two fingers go into DG3 as given, the chip is
told its trust point and date by PUT DATA, TA is announced alike in EF.CardAccess and DG14, the
read-back finds DG3 refused without TA, and a terminal holding DV and IS certificates reads DG3 after TA,
with its hash in EF.SOD and its finger images exported as stored.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest

from cardkit.card import Session, SimulatorTransport
from cardkit.cli._images import write_biometric_images
from cardkit.crypto.pace import Password
from cardkit.crypto.ta import TaKeySigner
from cardkit.errors import InputError, StatusWordError
from cardkit.lds import CardAccess, Com, Dg3, Dg14, Sod
from cardkit.personalise import build_card, personalise_card, plan_perso
from cardkit.profiles import load_profile
from simulators.emrtd import EmrtdChip
from tests.support.cvc_pki import issue, make_cv_pki
from tests.support.perso import FINGER_LEFT, FINGER_RIGHT, PHOTO, sample_record, today_cv_pki

TODAY = dt.date.today()
CV = today_cv_pki()  # the EAC PKI: the chips trust its CVCA; its IS runs TA


@pytest.fixture(scope="module")
def card(pki, tmp_path_factory):
    """A vn-cccd card personalised in process (written, locked, read back GENUINE); (chip, build, result)."""
    profile = load_profile("vn-cccd")
    build = build_card(sample_record(21), profile, pki.ds_signer, cvca=[CV.cvca])
    chip = EmrtdChip()
    result = personalise_card(lambda: SimulatorTransport(chip), build, profile, pki.trust)
    return chip, build, result


def _ta_session(chip, build) -> Session:
    s = Session(SimulatorTransport(chip))
    s.pace(Password.can(build.can))
    s.select_application()
    s.chip_authentication(s.read_file("DG14"))
    s.terminal_authentication(CV.chain, TaKeySigner(CV.is_key, CV.algorithm), today=TODAY)
    return s


def test_the_card_is_issued_with_dg3_behind_ta(card):
    chip, build, result = card
    assert result.verdict == "GENUINE"
    read = result.report.check("read:DG3")
    # the read-back leaves DG3 unread (the chip announces TA); test_without_ta_dg3_stays_closed asks it
    assert read is not None and read.status.value == "NOT_SUPPORTED"
    assert read.details["needs"] == "terminal_authentication"
    probe = result.report.check("eac_protection")  # and asked once without TA after the proofs: refused
    assert probe is not None and probe.status.value == "PASSED" and probe.details["sw"] == "6982"
    assert 3 in Com.from_bytes(build.files["EF.COM"]).data_groups
    fingers = Dg3.from_bytes(build.files["DG3"]).fingers
    assert [(f.position_name, f.image_type) for f in fingers] == [("right index finger", "jpeg2000"),
                                                                  ("left index finger", "jpeg2000")]
    assert [f.image for f in fingers] == [FINGER_RIGHT.read_bytes(), FINGER_LEFT.read_bytes()]
    # the chip trusts the CVCA from the day of personalisation
    assert chip.ta_trust.cars == (CV.cvca.chr,) and chip.ta_trust.current_date == TODAY


def test_ta_announced_alike_in_card_access_and_dg14(card):
    _, build, _ = card
    in_access = CardAccess.from_bytes(build.files["EF.CardAccess"]).ta_infos
    in_dg14 = Dg14.from_bytes(build.files["DG14"]).ta_infos
    assert len(in_access) == 1 and in_access == in_dg14 and in_access[0].version == 1
    assert in_access[0].raw == in_dg14[0].raw  # the same DER, byte for byte
    # and EF.CardAccess is still the real card's (spec/vn-cccd.md)
    assert build.files["EF.CardAccess"].hex() == (
        "3134300d060804007f0007020202020101300f060a04007f000702020302020201013012060a04007f0007020204020202010202010d")


def test_dg3_read_after_ta_hashes_to_the_sod_and_its_fingers_export(card, tmp_path):
    chip, build, _ = card
    s = _ta_session(chip, build)
    dg3 = s.read_file("DG3")
    sod = Sod.from_bytes(s.read_file("EF.SOD"))
    assert hashlib.new(sod.hash_algorithm, dg3).digest() == sod.dg_hashes[3]
    assert dg3 == build.files["DG3"]
    done = write_biometric_images("fingers", dg3, tmp_path / "fingers", "DG3")
    assert done.failure is None and [w.path.name for w in done.written] == [
        "finger-1-right-index-finger.jp2", "finger-2-left-index-finger.jp2"]
    assert [w.path.read_bytes() for w in done.written] == [FINGER_RIGHT.read_bytes(), FINGER_LEFT.read_bytes()]
    assert [(w.exported.width, w.exported.height) for w in done.written] == [(200, 250), (200, 250)]


def test_the_trust_written_at_perso_survives_the_image(card, tmp_path):
    chip, build, _ = card
    chip.save(tmp_path / "card.image")
    back = EmrtdChip.load(tmp_path / "card.image")
    assert back.ta_trust == chip.ta_trust
    s = _ta_session(back, build)
    assert s.read_file("DG3") == build.files["DG3"]


def test_without_ta_dg3_stays_closed(card):
    chip, build, _ = card
    s = Session(SimulatorTransport(chip))
    s.pace(Password.can(build.can))
    s.select_application()
    s.chip_authentication(s.read_file("DG14"))
    with pytest.raises(StatusWordError) as e:
        s.read_file("DG3")
    assert e.value.sw == 0x6982


def test_a_wsq_finger_is_written_as_given(pki, tmp_path):
    # SOI, a comment segment (the bulk a real image has), a 320 x 400 frame header, EOI: WSQ is never decoded
    wsq = (bytes.fromhex("FFA0") + bytes.fromhex("FFA8") + (2 + 400).to_bytes(2, "big") + b"c" * 400
           + bytes.fromhex("FFA2" "0011" "00FF" "0190" "0140" "000000000000000000") + bytes.fromhex("FFA1"))
    path = tmp_path / "right.wsq"
    path.write_bytes(wsq)
    profile = load_profile("vn-cccd")
    build = build_card(sample_record(22, finger_right=path), profile, pki.ds_signer, cvca=[CV.cvca])
    right, left = Dg3.from_bytes(build.files["DG3"]).fingers
    assert (right.image_type, right.width, right.height, right.image) == ("wsq", 320, 400, wsq)
    assert left.image_type == "jpeg2000"


@pytest.mark.parametrize("change,fragment", [
    ({"finger_left": None, "finger_right": None}, "fingers: the profile writes DG3"),
    ({"finger_right": "missing.jp2"}, "right index finger image missing.jp2"),
    ({"finger_right": "photo"}, "neither WSQ nor JPEG 2000"),
])
def test_records_without_usable_fingers_are_refused(pki, tmp_path, change, fragment):
    changes = {k: (PHOTO if v == "photo" else tmp_path / v if isinstance(v, str) else v) for k, v in change.items()}
    with pytest.raises(InputError) as e:
        build_card(sample_record(23, **changes), load_profile("vn-cccd"), pki.ds_signer, cvca=[CV.cvca])
    assert fragment in str(e.value)


def test_a_holder_without_one_finger_gets_the_other(pki):
    """A missing finger (an amputation, a scar) is not a reason to refuse a card: DG3 holds the one given."""
    build = build_card(sample_record(26, finger_left=None), load_profile("vn-cccd"), pki.ds_signer, cvca=[CV.cvca])
    (only,) = Dg3.from_bytes(build.files["DG3"]).fingers
    assert only.position_name == "right index finger" and only.image == FINGER_RIGHT.read_bytes()


def test_cvca_is_required_usable_and_only_with_ta(pki):
    record, profile = sample_record(24), load_profile("vn-cccd")
    with pytest.raises(InputError, match="--cvca"):
        build_card(record, profile, pki.ds_signer)
    with pytest.raises(InputError, match=CV.dv.chr):
        build_card(record, profile, pki.ds_signer, cvca=[CV.dv])  # a DV is not a trust point
    old = make_cv_pki(prefix="OLD", effective=TODAY - dt.timedelta(days=4 * 365))
    with pytest.raises(InputError, match="expired"):
        build_card(record, profile, pki.ds_signer, cvca=[old.cvca])
    with pytest.raises(InputError, match="no Terminal Authentication"):
        build_card(record, load_profile("icao-td1"), pki.ds_signer, cvca=[CV.cvca])


def test_two_trust_points_and_the_date_put_first(pki):
    profile = load_profile("vn-cccd")
    cv = CV
    # a second, self-signed CVCA (during a key rollover a chip trusts the old and the new key)
    second = issue(issuer=None, issuer_key=cv.dv_key, subject_key=cv.dv_key, car="VNCVCANEW01", chr="VNCVCANEW01",
                   chat=cv.cvca.chat, effective=TODAY, expiration=TODAY + dt.timedelta(days=365),
                   algorithm=cv.algorithm, domain_parameters=True)
    build = build_card(sample_record(25), profile, pki.ds_signer, cvca=[CV.cvca, second])
    puts = [(c.p1, c.p2) for c in plan_perso(build, profile) if c.ins == 0xDA and c.cla == 0x00]
    order = [p for p in puts if p[1] in (0x64, 0x67)]
    assert order == [(0x00, 0x67), (0x01, 0x64), (0x02, 0x64)]
    chip = EmrtdChip()
    personalise_card(lambda: SimulatorTransport(chip), build, profile, pki.trust)
    assert set(chip.ta_trust.cars) == {CV.cvca.chr, "VNCVCANEW01"}

