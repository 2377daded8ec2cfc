"""The chip's Terminal Authentication: trust written by PUT DATA, EF.CVCA, refusals out of place, images.

Byte-level checks of the commands simulators/PERSO.md documents (PUT DATA 01/02 64, 00 67), of where
EF.CVCA answers (011C inside the application, EF.CardAccess outside), and of TA's status words before
and after Chip Authentication; the full TA flows run through ``Session`` in tests/card/test_session_ta.py.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from cardkit import tlv
from cardkit.card import Session, SimulatorTransport
from cardkit.crypto.pace import Password
from cardkit.crypto.ta import ChipTrust, TaKeySigner
from cardkit.errors import StatusWordError
from cardkit.iso7816 import CommandApdu
from cardkit.lds.ef_cvca import EfCvca
from simulators.emrtd import EmrtdChip
from tests.support.cards import make_vn_card
from tests.support.cvc_pki import D0, make_cv_pki
from tests.support.eac_cards import make_eac_card

from .helpers import CAN, DOB, DOC, DOE, VN_CARD_ACCESS, Terminal, locked_chip, sample_files

H = bytes.fromhex
SELECT_APP = H("00A4040C07A0000002471001")


def blank() -> EmrtdChip:
    chip = EmrtdChip()
    chip.power_on()
    assert chip.process_apdu(SELECT_APP) == H("9000")
    return chip


def put(chip: EmrtdChip, p1: int, p2: int, data: bytes, cla: int = 0x00) -> bytes:
    return chip.process_apdu(CommandApdu(cla, 0xDA, p1, p2, data).to_bytes())


def test_put_data_64_takes_the_cvca_body_as_jmrtd_sends_it():
    pki = make_cv_pki()
    chip = blank()
    body = pki.cvca.body.raw
    assert len(body) > 255  # brainpoolP256r1 domain parameters: extended length (or chaining) is needed
    assert put(chip, 0x01, 0x64, body) == H("9000")
    assert chip.ta_trust.cars == (pki.cvca.chr,) and chip.ta_trust.current_date == pki.cvca.effective_date
    assert put(chip, 0x02, 0x64, pki.cvca.to_bytes()) == H("9000")  # a whole certificate is taken too
    assert chip.ta_trust.cars == (pki.cvca.chr,)  # the same key once


def test_put_data_64_in_chained_parts():
    pki = make_cv_pki()
    chip = blank()
    body = pki.cvca.body.raw
    assert put(chip, 0x01, 0x64, body[:200], cla=0x10) == H("9000") and chip.ta_trust is None
    assert put(chip, 0x01, 0x64, body[200:]) == H("9000")
    assert chip.ta_trust.cars == (pki.cvca.chr,)


@pytest.mark.parametrize("p1,data,sw", [
    (0x03, "cvca", "6A86"),  # slots 1 and 2 only
    (0x01, "dv", "6A80"),  # a DV key is no trust point
    (0x01, "7F4E03AABBCC", "6A80"),
    (0x01, "", "6700"),
])
def test_put_data_64_refuses(p1, data, sw):
    pki = make_cv_pki()
    chip = blank()
    known = {"cvca": pki.cvca.body.raw, "dv": pki.dv.body.raw}
    payload = known[data] if data in known else H(data)
    assert put(chip, p1, 0x64, payload) == H(sw)
    assert chip.ta_trust is None


def test_put_data_67_sets_the_current_date_but_never_before_a_trust_point():
    pki = make_cv_pki()
    chip = blank()
    assert put(chip, 0x00, 0x67, bytes([2, 6, 0, 3, 1, 5])) == H("9000")
    assert chip.ta_trust.current_date == dt.date(2026, 3, 15) and chip.ta_trust.trust_points == ()
    assert put(chip, 0x01, 0x64, pki.cvca.body.raw) == H("9000")
    assert chip.ta_trust.current_date == dt.date(2026, 3, 15)  # after the CVCA's effective date already
    assert put(chip, 0x00, 0x67, bytes([2, 5, 0, 1, 0, 1])) == H("9000")
    assert chip.ta_trust.current_date == pki.cvca.effective_date  # raised to the trust point's
    for bad, sw in ((bytes([2, 6, 1, 3, 0, 1]), "6A80"), (b"260315", "6A80"), (bytes(5), "6700")):
        assert put(chip, 0x00, 0x67, bad) == H(sw)


def test_ef_cvca_inside_the_application_card_access_outside():
    pki = make_cv_pki()
    chip = EmrtdChip.personalised(sample_files(), document_number=DOC, date_of_birth=DOB, date_of_expiry=DOE,
                                  can=CAN, ta_trust=ChipTrust.personalise([pki.cvca], D0))
    chip.power_on()
    t = Terminal(chip)
    assert t.read_file(0x011C)[:1] == b"\x31"  # before SELECT application: EF.CardAccess (MF)
    s = Session(SimulatorTransport(chip))
    s.pace(Password.can(CAN))
    assert s.read_file("EF.CardAccess") == VN_CARD_ACCESS
    s.select_application()
    cvca = s.read_cvca()
    assert cvca.cars == (pki.cvca.chr,) and cvca.raw == EfCvca.build([pki.cvca.chr]).raw and len(cvca.raw) == 36
    sfi = s.transmit(CommandApdu(0x00, 0xB0, 0x9C, 0x00, le=256))  # short FID 1C
    assert sfi.data == cvca.raw


def test_ef_cvca_is_never_written_by_a_command():
    pki = make_cv_pki()
    chip = blank()
    assert put(chip, 0x01, 0x64, pki.cvca.body.raw) == H("9000")
    assert chip.process_apdu(H("00A4020C02011C")) == H("9000")  # in the application: EF.CVCA
    assert chip.process_apdu(H("00D6000002420B")) == H("6982")
    assert chip.process_apdu(H("00B0000024"))[:-2] == EfCvca.build([pki.cvca.chr]).raw


def test_a_chip_without_trust_answers_011C_with_card_access_as_before():
    chip = locked_chip()
    s = Session(SimulatorTransport(chip))
    s.pace(Password.can(CAN))
    s.select_application()
    assert s.read_file("EF.CardAccess") == VN_CARD_ACCESS  # no EF.CVCA to hide it


def test_ta_commands_out_of_place(tmp_path):
    pki = make_cv_pki()
    chip, _trust, info = make_eac_card(tmp_path, pki)
    dst = CommandApdu(0x00, 0x22, 0x81, 0xB6, tlv.encode(0x83, pki.cvca.chr.encode()))
    chip.power_on()
    assert chip.process_apdu(dst.to_bytes()) == H("6982")  # plain: no secure messaging
    s = Session(SimulatorTransport(chip))
    s.pace(Password.can(info.can))
    assert s.transmit(dst).sw == 0x6985  # under PACE, but before Chip Authentication
    assert s.transmit(CommandApdu(0x00, 0x2A, 0x00, 0xBE, pki.dv.verify_data)).sw == 0x6985
    assert s.transmit(CommandApdu(0x00, 0x82, 0x00, 0x00, b"\x00" * 64)).sw == 0x6985


def test_no_trust_point_after_ca_answers_6a88(tmp_path):
    pki = make_cv_pki()
    chip, _trust, info = make_vn_card(tmp_path)
    s = Session(SimulatorTransport(chip))
    s.pace(Password.can(info.can))
    s.select_application()
    s.chip_authentication(s.read_file("DG14"))
    dst = CommandApdu(0x00, 0x22, 0x81, 0xB6, tlv.encode(0x83, pki.cvca.chr.encode()))
    assert s.transmit(dst).sw == 0x6A88


def test_ta_once_per_session_and_again_in_the_next(tmp_path):
    pki = make_cv_pki()
    chip, _trust, info = make_eac_card(tmp_path, pki)
    s = Session(SimulatorTransport(chip))
    s.pace(Password.can(info.can))
    s.select_application()
    s.chip_authentication(s.read_file("DG14"))
    s.terminal_authentication(pki.chain, TaKeySigner(pki.is_key, pki.algorithm), today=D0)
    assert s.transmit(CommandApdu(0x00, 0x84, 0x00, 0x00, le=8)).sw == 0x9000
    assert s.transmit(CommandApdu(0x00, 0x82, 0x00, 0x00, b"\x00" * 64)).sw == 0x6982  # not a second time
    assert s.read_file("DG3") == info.files["DG3"]
    chip.power_off()  # a new session forgets the rights
    s = Session(SimulatorTransport(chip))
    s.pace(Password.can(info.can))
    s.select_application()
    with pytest.raises(StatusWordError) as e:
        s.read_file("DG3")
    assert e.value.sw == 0x6982


def test_a_version_2_image_keeps_its_cvca_bodies_as_trust(tmp_path):
    pki = make_cv_pki()
    chip = locked_chip()
    path = tmp_path / "old.image"
    chip.save(path)
    doc = json.loads(path.read_text())
    del doc["ta_trust"], doc["options"]["ta_static_binding"]
    doc["version"] = 2
    doc["secrets"]["cvca"] = {"1": pki.cvca.body.raw.hex(), "2": "7F4E00"}  # what PUT DATA 64 stored before
    path.write_text(json.dumps(doc))
    back = EmrtdChip.load(path)
    assert back.ta_trust.cars == (pki.cvca.chr,) and back.ta_trust.current_date == pki.cvca.effective_date
    back.save(path)
    assert json.loads(path.read_text())["version"] == 3 and EmrtdChip.load(path).ta_trust == back.ta_trust


def test_jmrtd_personality_takes_put_data_64():
    pki = make_cv_pki("secp256r1")
    chip = EmrtdChip(personality="jmrtd")
    chip.power_on()
    assert chip.process_apdu(SELECT_APP) == H("9000")
    body = pki.dv.body.raw  # the applet's buffer takes short APDUs only; a DV body is no trust point
    assert len(body) <= 255 and put(chip, 0x01, 0x64, body) == H("6A80")
    assert put(chip, 0x00, 0x67, bytes([2, 6, 0, 1, 1, 0])) == H("6A86")  # not the original applet's
