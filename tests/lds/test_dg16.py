"""DG16: persons to notify (Doc 9303-10 §4.7.16), both ways, strict faults."""

import pytest
from hypothesis import given, strategies as st

from cardkit.errors import InputError, ParseError
from cardkit.lds import Dg16, PersonToNotify

from ._helpers import mutations, rejects_trailing, rejects_truncated, roundtrip, value_or_parse_error
from ._tlvhand import H, T

NGUYEN = PersonToNotify("20240517", "NGUYỄN<<VĂN AN", "+84 90 123 4567", "1 Tràng Tiền<Hoàn Kiếm<Hà Nội")
TRAN = PersonToNotify(name="TRAN<<THI BINH")

ONE = T("70", H("020101") + T("A1", T("5F50", "20240517") + T("5F51", "NGUYỄN<<VĂN AN") + T("5F52", "+84 90 123 4567")
                              + T("5F53", "1 Tràng Tiền<Hoàn Kiếm<Hà Nội")))
TWO = T("70", H("020102") + ONE[5:] + T("A2", T("5F51", "TRAN<<THI BINH")))  # ONE[5:]: its A1 template

CASES = [(Dg16.build([NGUYEN]), ONE), (Dg16.build([NGUYEN, TRAN]), TWO)]


@pytest.mark.parametrize("obj,data", CASES)
def test_table_both_ways(obj, data):
    roundtrip(Dg16, obj, data)
    rejects_trailing(Dg16, data)
    rejects_truncated(Dg16, data)


def test_persons_in_order_with_absent_elements_none():
    dg16 = Dg16.from_bytes(TWO)
    assert dg16.persons == (NGUYEN, TRAN)
    assert dg16.persons[1].telephone is None and dg16.persons[1].date_recorded is None
    assert dg16.to_dict() == {"file": "DG16", "persons": [
        {"date_recorded": "20240517", "name": "NGUYỄN<<VĂN AN", "telephone": "+84 90 123 4567",
         "address": "1 Tràng Tiền<Hoàn Kiếm<Hà Nội"}, {"name": "TRAN<<THI BINH"}]}


def test_bcd_date_and_unknown_elements_are_kept():
    data = T("70", H("020101") + T("A1", H("5F500420240517") + T("5F51", "A<<B") + H("5F540101")))
    (p,) = Dg16.from_bytes(data).persons
    assert p.date_recorded == "20240517" and p.other == ((0x5F54, b"\x01"),)
    rebuilt = Dg16.build([p])
    assert Dg16.from_bytes(rebuilt.to_bytes()).persons[0].other == p.other


@pytest.mark.parametrize("data,fragment", [
    (T("70", T("A1", T("5F51", "A"))), "must start with the count"),
    (T("70", H("020102") + T("A1", T("5F51", "A"))), "count 2 but 1"),
    (T("70", H("020100")), "count 0 but 0"),
    (T("70", H("02020001") + T("A1", T("5F51", "A"))), "count of 2 bytes"),
    (T("70", H("020101") + T("A2", T("5F51", "A"))), "template A2 where A1 comes next"),
    (T("70", H("020102") + T("A1", T("5F51", "A")) + T("A1", T("5F51", "B"))), "template A1 where A2"),
    (T("70", H("020101") + T("A1", T("5F51", "A") + T("5F51", "B"))), "person 1, offset"),
    (T("70", H("020101") + T("A1", H("5F5102C328"))), "not UTF-8"),
    (T("70", H("020101") + T("A1", H("5F50024142"))), "neither ASCII nor BCD"),
    (T("70", H("020101") + T("A1", b"") + H("020101")), "count 02 repeated"),
    (T("6F", H("020101") + T("A1", b"")), "outer tag"),
])
def test_malformed(data, fragment):
    with pytest.raises(ParseError) as e:
        Dg16.from_bytes(data)
    assert fragment in str(e.value) and "DG16" in str(e.value)


@pytest.mark.parametrize("persons", [[], [TRAN] * 31, [PersonToNotify(date_recorded="17.05.2024")]])
def test_build_refuses(persons):
    with pytest.raises(InputError):
        Dg16.build(persons)


def test_thirty_persons_use_tags_a1_to_be():
    dg16 = Dg16.build([PersonToNotify(name=f"P<<{i}") for i in range(30)])
    assert Dg16.from_bytes(dg16.to_bytes()) == dg16 and H("BE") in dg16.to_bytes()


def test_corruptions_give_a_value_or_parse_error():
    for data in mutations(TWO):
        value_or_parse_error(Dg16, data)


@given(st.binary(max_size=150))
def test_any_bytes(data):
    value_or_parse_error(Dg16, data)


_text = st.none() | st.text(max_size=30)
_person = st.builds(PersonToNotify, st.none() | st.from_regex(r"\A[0-9]{8}\Z"), _text, _text, _text)


@given(st.lists(_person, min_size=1, max_size=5))
def test_build_parse(persons):
    d = Dg16.build(persons)
    assert Dg16.from_bytes(d.to_bytes()) == d and d.persons == tuple(persons)
