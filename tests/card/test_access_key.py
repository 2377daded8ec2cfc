"""The access key: checked once where it is made, given to PACE and BAC as they need it, never shown.

The DESIGN contract stays: ``Session.pace(Password.can(...))``, ``Session.bac(mrz_information)``;
``Session.pace`` and ``Session.bac`` also take an ``AccessKey`` and take from it what they need.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cardkit.algorithms import Cipher
from cardkit.card import AccessKey, Session, SimulatorTransport
from cardkit.crypto.pace import Password
from cardkit.errors import AuthenticationError, InputError
from cardkit.mrz import mrz_information
from cardkit.vn import can_of
from simulators.emrtd import EmrtdChip

from .test_session_sim import CAN, COM, DOB, DOC, DOE, MRZ_INFO, files


def chip(**kw):
    return EmrtdChip.personalised(files(), document_number=DOC, date_of_birth=DOB, date_of_expiry=DOE, can=CAN, **kw)


@pytest.mark.parametrize("key,kind", [(AccessKey.from_can(CAN), "CAN"),
                                      (AccessKey.from_mrz_information(MRZ_INFO), "MRZ"),
                                      (AccessKey.from_document(DOC, DOB, DOE), "MRZ")], ids=["can", "mrz", "document"])
def test_session_pace_takes_the_key(key, kind):
    s = Session(SimulatorTransport(chip()))
    s.pace(key)
    assert s.access == "PACE" and key.password_kind == kind
    s.select_application()
    assert s.read_file("EF.COM") == COM


def test_session_bac_takes_the_key_and_refuses_a_can():
    s = Session(SimulatorTransport(chip()))
    s.select_application()
    s.bac(AccessKey.from_document(DOC, DOB, DOE))
    assert s.access == "BAC" and s.read_file("EF.COM") == COM
    with pytest.raises(InputError, match="BAC needs the MRZ data"):
        Session(SimulatorTransport(chip())).bac(AccessKey.from_can(CAN))


def test_the_design_contract_still_holds():
    s = Session(SimulatorTransport(chip()))
    s.pace(Password.can(CAN), pace_info=None)
    s.select_application()
    assert s.read_file("EF.COM") == COM
    s2 = Session(SimulatorTransport(chip()))
    s2.select_application()
    s2.bac(MRZ_INFO)
    assert s2.access == "BAC"


def test_a_wrong_can_in_a_key_is_refused_without_naming_it():
    s = Session(SimulatorTransport(chip()))
    with pytest.raises(AuthenticationError) as e:
        s.pace(AccessKey.from_can("654321"))
    assert "654321" not in str(e.value) and CAN not in str(e.value)


def test_a_vn_id_number_gives_its_can_and_is_kept_to_compare():
    key = AccessKey.from_vn_id_number("001090123456")
    assert key.password_kind == "CAN" and key.has_id_number and not key.has_mrz_information
    # the PACE password is the CAN's: K_pi = KDF(pi, 3) of the last 6 digits (Doc 9303-11 §4.4.3.1)
    assert key.pace_password().key(Cipher.AES_128) == Password.can("123456").key(Cipher.AES_128)
    assert repr(key.pace_password()) == "Password(CAN, <redacted>)"
    assert key.can_matches(("001090123456",)) and not key.can_matches(("001090999999",))
    assert key.matches_id_number(("xx", "001090123456")) and not key.matches_id_number(("001090123457",))
    assert not key.matches_mrz_information(MRZ_INFO)


def test_a_can_with_the_mrz_opens_pace_by_can_and_compares_the_mrz():
    key = AccessKey.from_can(CAN, mrz_information=MRZ_INFO.lower())
    assert key.password_kind == "CAN" and key.has_mrz_information and key.bac_mrz_information() == MRZ_INFO
    assert key.matches_mrz_information(MRZ_INFO) and not key.matches_mrz_information("X" + MRZ_INFO[1:])


@given(st.text(max_size=14))
def test_any_text_is_a_can_or_one_input_error(text):
    try:
        key = AccessKey.from_can(text)
    except InputError as e:
        assert text not in str(e) or not text or text in "the CAN must be digits (6 on most cards)"
        return
    assert text.isascii() and text.isdigit() and 1 <= len(text) <= 10 and key.has_can


@given(st.text(alphabet="0123456789", min_size=12, max_size=12))
def test_a_vn_id_number_always_yields_its_last_six_digits(id_number):
    assert can_of(id_number) == id_number[-6:]
    assert AccessKey.from_vn_id_number(id_number).can_matches((id_number,))


# --- the MRZ information's check digits, checked where the key is made (Doc 9303-3 §4.9) -----------------

_FIELDS = {"document number": 9, "date of birth": 16, "date of expiry": 23}  # where each check digit sits


@pytest.mark.parametrize("field,at", list(_FIELDS.items()))
def test_a_wrong_check_digit_is_refused_naming_the_field_never_the_value(field, at):
    wrong = MRZ_INFO[:at] + str((int(MRZ_INFO[at]) + 1) % 10) + MRZ_INFO[at + 1:]
    with pytest.raises(InputError) as e:
        AccessKey.from_mrz_information(wrong)
    assert f"check digit of the {field} is wrong" in str(e.value) and e.value.exit_code == 2
    assert wrong not in str(e.value) and DOC not in str(e.value)


def test_a_long_document_number_is_taken_whole_with_its_digit():
    info = mrz_information("D23145890734", "340712", "950803")  # 12 characters (Doc 9303-11 §4.3.2)
    assert AccessKey.from_mrz_information(info).bac_mrz_information() == info
    with pytest.raises(InputError, match="document number"):
        AccessKey.from_mrz_information(info[:12] + str((int(info[12]) + 1) % 10) + info[13:])


_MRZ_CHAR = st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<")


@given(number=st.text(_MRZ_CHAR, min_size=1, max_size=14), dob=st.text(st.sampled_from("0123456789<"), min_size=6,
       max_size=6), doe=st.text(st.sampled_from("0123456789"), min_size=6, max_size=6), at=st.integers(0, 2),
       shift=st.integers(1, 9))
def test_every_mrz_information_made_is_taken_and_one_wrong_digit_is_not(number, dob, doe, at, shift):
    info = mrz_information(number, dob, doe)
    assert AccessKey.from_mrz_information(info).bac_mrz_information() == info
    where = (len(info) - 15, len(info) - 8, len(info) - 1)[at]
    wrong = info[:where] + str((int(info[where]) + shift) % 10) + info[where + 1:]
    with pytest.raises(InputError, match="check digit"):
        AccessKey.from_mrz_information(wrong)
