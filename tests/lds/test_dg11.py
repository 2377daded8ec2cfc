"""DG11 (Doc 9303-10 §4.7.11): tag list and elements both ways, other names in A0, unknown tags kept."""

import pytest
from hypothesis import given, strategies as st

from cardkit.errors import InputError, ParseError
from cardkit.lds import Dg11

from ._helpers import mutations, rejects_trailing, rejects_truncated, roundtrip, value_or_parse_error
from ._tlvhand import H, T

FULL = T("6B", T("5C", H("5F0E5F0F5F105F2B5F115F425F125F135F145F155F165F175F18"))
         + T("5F0E", "NGUYEN<<VAN<A")
         + T("A0", T("02", H("02")) + T("5F0F", "NGUYEN<<VAN<B") + T("5F0F", "NGUYEN<<A"))
         + T("5F10", "001090012345") + T("5F2B", "19900101") + T("5F11", "Hà Nội")
         + T("5F42", "Số 1, Phố Huế") + T("5F12", "+84 24 1234") + T("5F13", "Kỹ sư") + T("5F14", "TS")
         + T("5F15", "—") + T("5F16", H("FFD8FFD9")) + T("5F17", "B1234567") + T("5F18", "none"))

CASES = [
    (Dg11.build(full_name="NGUYEN<<VAN<A", other_names=["NGUYEN<<VAN<B", "NGUYEN<<A"], personal_number="001090012345",
                date_of_birth="19900101", place_of_birth="Hà Nội", address="Số 1, Phố Huế", telephone="+84 24 1234",
                profession="Kỹ sư", title="TS", personal_summary="—", proof_of_citizenship=H("FFD8FFD9"),
                other_td_numbers="B1234567", custody_information="none"), FULL),
    (Dg11.build(full_name="A<<B"), T("6B", T("5C", H("5F0E")) + T("5F0E", "A<<B"))),
    (Dg11.build(), T("6B", T("5C", b""))),
    (Dg11.build(place_of_birth="X", other=[(0x5F40, b"\x01")]),
     T("6B", T("5C", H("5F115F40")) + T("5F11", "X") + T("5F40", H("01")))),
]


@pytest.mark.parametrize("obj,data", CASES)
def test_table_both_ways(obj, data):
    roundtrip(Dg11, obj, data)
    rejects_trailing(Dg11, data)
    rejects_truncated(Dg11, data, step=3)


def test_fields():
    d = Dg11.from_bytes(FULL)
    assert d.full_name == "NGUYEN<<VAN<A"
    assert d.other_names == ("NGUYEN<<VAN<B", "NGUYEN<<A")
    assert d.place_of_birth == "Hà Nội" and d.date_of_birth == "19900101"
    assert d.proof_of_citizenship == H("FFD8FFD9")
    assert d.tag_list[:2] == (0x5F0E, 0x5F0F)
    assert d.to_dict()["proof_of_citizenship"] == {"size": 4, "start": "FFD8FFD9"}


def test_bcd_date_and_bare_other_names():
    data = T("6B", T("5C", H("5F2B5F0F")) + T("5F2B", H("19900101")) + T("5F0F", "X") + T("5F0F", "Y"))
    d = Dg11.from_bytes(data)
    assert d.date_of_birth == "19900101" and d.other_names == ("X", "Y")


@pytest.mark.parametrize(
    "data,fragment",
    [
        (T("6B", T("5F0E", "A")), "tag list 5C"),
        (T("6B", T("5C", H("5F0E")) + T("5F0E", "A") + T("5F0E", "B")), "repeated"),
        (T("6B", T("5C", b"") + T("5C", b"")), "tag list 5C repeated"),
        (T("6B", T("5C", H("5F"))), "truncated tag"),
        (T("6B", T("5C", b"") + T("5F0E", H("C3"))), "UTF-8"),
        (T("6B", T("5C", b"") + T("5F2B", "1990-01-01")), "date"),
        (T("6B", T("5C", b"") + T("A0", T("02", H("03")) + T("5F0F", "X"))), "A0 count 3 but 1"),
        (T("6B", T("5C", b"") + T("A0", T("5F0F", "X"))), "must start with a count"),
        (T("6B", T("5C", b"") + T("A0", T("02", H("01")) + T("5F0E", "X"))), "expected 5F0F"),
        (T("6B", T("5C", b"") + T("A0", T("02", H("00"))) + T("A0", T("02", H("00")))), "given twice"),
        (T("6C", T("5C", b"")), "outer tag"),
    ],
)
def test_malformed(data, fragment):
    with pytest.raises(ParseError) as e:
        Dg11.from_bytes(data)
    assert fragment in str(e.value)


def test_build_refuses_bad_input():
    with pytest.raises(InputError):
        Dg11.build(date_of_birth="1990-01-01")
    with pytest.raises(InputError):
        Dg11.build(full_name=b"bytes")
    with pytest.raises(InputError):
        Dg11.build(proof_of_citizenship="text")
    with pytest.raises(TypeError):
        Dg11.build(nickname="x")


def test_mutations():
    for m in mutations(CASES[3][1]):
        value_or_parse_error(Dg11, m)


_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)


@given(st.none() | _TEXT, st.lists(_TEXT, max_size=3), st.none() | st.from_regex(r"[0-9]{8}", fullmatch=True),
       st.none() | _TEXT, st.none() | st.binary(max_size=20))
def test_build_parse_roundtrip(name, others, dob, address, proof):
    d = Dg11.build(full_name=name, other_names=others, date_of_birth=dob, address=address, proof_of_citizenship=proof)
    back = Dg11.from_bytes(d.to_bytes())
    assert back == d
    assert (back.full_name, back.other_names, back.date_of_birth, back.address, back.proof_of_citizenship) == (
        name, tuple(others), dob, address, proof)


@given(st.binary(max_size=80))
def test_random_bytes(data):
    value_or_parse_error(Dg11, data)


@given(st.binary(max_size=60))
def test_random_content_after_tag_list(content):
    value_or_parse_error(Dg11, bytes([0x6B, len(content) + 2, 0x5C, 0x00]) + content)
