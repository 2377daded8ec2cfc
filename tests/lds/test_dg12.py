"""DG12 (Doc 9303-10 §4.7.12): tag list and elements both ways, other persons in A0, images kept."""

import pytest
from hypothesis import given, strategies as st

from cardkit.errors import InputError, ParseError
from cardkit.lds import Dg12

from ._helpers import mutations, rejects_trailing, rejects_truncated, roundtrip, value_or_parse_error
from ._tlvhand import H, T

FRONT = H("FFD8") + b"front" * 40  # 202 bytes: long-form length 81 CA
FULL = T("6C", T("5C", H("5F195F265F1A5F1B5F1C5F1D5F1E5F555F56"))
         + T("5F19", "Cục Cảnh sát QLHC về TTXH") + T("5F26", "20210301")
         + T("A0", T("02", H("01")) + T("5F1A", "TRAN<<THI<C"))
         + T("5F1B", "endorsed") + T("5F1C", "none") + T("5F1D", FRONT) + T("5F1E", H("FFD8FFD9"))
         + T("5F55", "20210301120000") + T("5F56", "SN-0001"))

CASES = [
    (Dg12.build(issuing_authority="Cục Cảnh sát QLHC về TTXH", date_of_issue="20210301", other_persons=["TRAN<<THI<C"],
                endorsements="endorsed", tax_exit_requirements="none", front_image=FRONT, rear_image=H("FFD8FFD9"),
                personalisation_time="20210301120000", personalisation_system_serial="SN-0001"), FULL),
    (Dg12.build(date_of_issue="20210301"), T("6C", T("5C", H("5F26")) + T("5F26", "20210301"))),
    (Dg12.build(), T("6C", T("5C", b""))),
]


@pytest.mark.parametrize("obj,data", CASES)
def test_table_both_ways(obj, data):
    roundtrip(Dg12, obj, data)
    rejects_trailing(Dg12, data)
    rejects_truncated(Dg12, data, step=5)


def test_fields():
    d = Dg12.from_bytes(FULL)
    assert d.issuing_authority == "Cục Cảnh sát QLHC về TTXH"
    assert d.other_persons == ("TRAN<<THI<C",)
    assert d.front_image == FRONT and d.personalisation_time == "20210301120000"
    assert d.to_dict()["front_image"]["size"] == len(FRONT)


def test_unknown_tag_kept():
    data = T("6C", T("5C", H("5F26")) + T("5F26", "20210301") + T("5F40", "x"))
    assert Dg12.from_bytes(data).other == ((0x5F40, b"x"),)


@pytest.mark.parametrize(
    "data,fragment",
    [
        (T("6C", T("5F19", "A")), "tag list 5C"),
        (T("6C", T("5C", b"") + T("5F26", "2021030A")), "date"),
        (T("6C", T("5C", b"") + T("5F19", "A") + T("5F19", "A")), "repeated"),
        (T("6C", T("5C", b"") + T("A0", T("02", H("02")) + T("5F1A", "X"))), "A0 count 2 but 1"),
        (T("6B", T("5C", b"")), "outer tag"),
    ],
)
def test_malformed(data, fragment):
    with pytest.raises(ParseError) as e:
        Dg12.from_bytes(data)
    assert fragment in str(e.value)


def test_build_refuses_bad_input():
    with pytest.raises(InputError):
        Dg12.build(date_of_issue="01/03/2021")
    with pytest.raises(InputError):
        Dg12.build(front_image="not bytes")


def test_mutations():
    for m in mutations(CASES[1][1]):
        value_or_parse_error(Dg12, m)


@given(st.none() | st.text(max_size=30), st.lists(st.text(max_size=10), max_size=3),
       st.none() | st.binary(max_size=300), st.none() | st.from_regex(r"[0-9]{14}", fullmatch=True))
def test_build_parse_roundtrip(authority, persons, rear, when):
    d = Dg12.build(issuing_authority=authority, other_persons=persons, rear_image=rear, personalisation_time=when)
    back = Dg12.from_bytes(d.to_bytes())
    assert back == d
    assert (back.issuing_authority, back.other_persons, back.rear_image, back.personalisation_time) == (
        authority, tuple(persons), rear, when)


@given(st.binary(max_size=80))
def test_random_bytes(data):
    value_or_parse_error(Dg12, data)
