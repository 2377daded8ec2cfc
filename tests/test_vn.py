"""Vietnam's ID number rules, in their one home: 12 digits, the CAN is the last 6, where the chip states it."""

from __future__ import annotations

import pytest

from cardkit.mrz import Mrz, check_digit
from cardkit.vn import can_of, id_numbers_stated, is_id_number

VN_ID = "001090012345"


def td1(state: str, optional: str) -> Mrz:
    return Mrz.td1(document_code="ID", issuing_state=state, document_number="090012345", optional_data=optional,
                   date_of_birth="900101", sex="F", date_of_expiry="300101", nationality=state,
                   primary_identifier="NGUYEN", secondary_identifier="AN")


@pytest.mark.parametrize("text,ok", [(VN_ID, True), ("00109001234", False), ("0010900123456", False),
                                     ("00109001234X", False), ("00109001234٣", False), ("", False)])
def test_the_form_of_an_id_number(text, ok):
    assert is_id_number(text) is ok


def test_the_can_is_the_last_six_digits_and_nothing_else_is_taken():
    assert can_of(VN_ID) == "012345"
    with pytest.raises(ValueError):
        can_of("12345")


def test_the_numbers_a_chip_states():
    vn = td1("VNM", VN_ID + "<<" + check_digit(VN_ID))
    assert id_numbers_stated(vn, None) == (VN_ID,)
    assert id_numbers_stated(vn, "001090999999") == (VN_ID, "001090999999")
    other = td1("FRA", VN_ID)  # another state's optional data is not a Vietnamese ID number
    assert id_numbers_stated(other, None) == ()
    assert id_numbers_stated(td1("VNM", "ABC"), VN_ID) == (VN_ID,)
