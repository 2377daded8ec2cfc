"""EF.COM (Doc 9303-10 §4.6.1): the Appendix D.4 EF.COM, tables both ways, hostile input."""

import pytest
from hypothesis import given, strategies as st

from cardkit.errors import InputError, ParseError
from cardkit.lds import Com

from ._helpers import mutations, rejects_trailing, rejects_truncated, roundtrip, value_or_parse_error

# Doc 9303-11 Appendix D.4, as decrypted from the secure-messaging example
VECTOR = bytes.fromhex("60145F0104303130365F36063034303030305C026175")

def test_vector_parses_to_dg1_dg2():
    com = Com.from_bytes(VECTOR)
    assert com.lds_version == "0106"
    assert com.unicode_version == "040000"
    assert com.tag_list == (0x61, 0x75)
    assert com.data_groups == (1, 2)
    assert com.other == ()
    assert com.to_bytes() == VECTOR


@pytest.mark.parametrize(
    "obj,data",
    [
        (Com.build([1, 2], "0106", "040000"), VECTOR),
        (Com.build([1, 2, 3, 13, 14, 15], "0107"),
         bytes.fromhex("60185F0104303130375F36063034303030305C066175636D6E6F")),
        (Com.build([], "0108"), bytes.fromhex("60125F0104303130385F36063034303030305C00")),
        (Com.build([1], other=[(0x5F40, b"\x01")]),
         bytes.fromhex("60175F0104303130385F36063034303030305C01615F400101")),
    ],
)
def test_table_both_ways(obj, data):
    roundtrip(Com, obj, data)
    rejects_trailing(Com, data)
    rejects_truncated(Com, data)


def test_vn_profile_lists_its_groups():
    com = Com.build([1, 2, 3, 13, 14, 15])
    assert Com.from_bytes(com.raw).data_groups == (1, 2, 3, 13, 14, 15)
    assert com.tag_list == (0x61, 0x75, 0x63, 0x6D, 0x6E, 0x6F)


def test_unknown_tag_is_kept_and_raw_untouched():
    # non-minimal length (81 xx) and an unknown tag: both survive
    data = bytes.fromhex("6081175F0104303130385F36063034303030305C01615F400101")
    com = Com.from_bytes(data)
    assert com.other == ((0x5F40, b"\x01"),)
    assert com.to_bytes() == data


@pytest.mark.parametrize(
    "hexdata,fragment",
    [
        ("61145F0104303130365F36063034303030305C026175", "outer tag"),
        ("600D5F36063034303030305C026175", "missing tag 5F01"),
        ("600B5F0104303130365C026175", "missing tag 5F36"),
        ("60105F0104303130365F3606303430303030", "missing tag 5C"),
        ("60145F0104303130415F36063034303030305C026175", "LDS version"),
        ("60135F01033031305F36063034303030305C026175", "LDS version"),
        ("601B5F0104303130365F0104303130365F36063034303030305C026175", "repeated"),
        ("60145F0104303130365F36063034303030305C02615F", "tag list"),
    ],
)
def test_malformed(hexdata, fragment):
    with pytest.raises(ParseError) as e:
        Com.from_bytes(bytes.fromhex(hexdata))
    assert fragment in str(e.value)


def test_build_refuses_bad_input():
    with pytest.raises(InputError):
        Com.build([17])
    with pytest.raises(InputError):
        Com.build([1], lds_version="1.8")
    with pytest.raises(InputError):
        Com.build([1], unicode_version="4")


def test_mutations_give_value_or_parse_error():
    for m in mutations(VECTOR):
        value_or_parse_error(Com, m)


@given(st.lists(st.integers(1, 16), max_size=16), st.from_regex(r"[0-9]{4}", fullmatch=True),
       st.from_regex(r"[0-9]{6}", fullmatch=True))
def test_build_parse_roundtrip(dgs, lds, uni):
    com = Com.build(dgs, lds, uni)
    back = Com.from_bytes(com.to_bytes())
    assert back == com
    assert (back.data_groups, back.lds_version, back.unicode_version) == (tuple(dgs), lds, uni)


@given(st.binary(max_size=64))
def test_random_bytes(data):
    value_or_parse_error(Com, data)


@given(st.binary(max_size=40))
def test_random_content_under_the_right_tag(content):
    value_or_parse_error(Com, bytes([0x60, len(content)]) + content)
