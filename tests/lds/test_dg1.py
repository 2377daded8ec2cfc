"""DG1 (Doc 9303-10 §4.7.1): MRZ of each format both ways, strict length/charset, lazy Mrz."""

import pytest
from hypothesis import given, strategies as st

from cardkit.errors import InputError, ParseError
from cardkit.lds import Dg1

from ._helpers import mutations, rejects_trailing, rejects_truncated, roundtrip, value_or_parse_error

TD1_VN = "IDVNM0000123453999000012345<<2" "9001011M3001019VNM<<<<<<<<<<<6" "NGUYEN<<VAN<A<<<<<<<<<<<<<<<<<"
TD1_ICAO = "I<UTOD231458907<<<<<<<<<<<<<<<" "7408122F1204159UTO<<<<<<<<<<<6" "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"
TD3_ICAO = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<" "L898902C36UTO7408122F1204159ZE184226B<<<<<10"
TD2 = "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<" "D231458907UTO7408122F1204159<<<<<<<6"


def _dg1(text: str) -> bytes:
    # 61 L 5F1F L text, lengths written out by hand so the table checks the encoder
    n = len(text)
    return bytes([0x61, n + 3, 0x5F, 0x1F, n]) + text.encode()


@pytest.mark.parametrize("text,fmt", [(TD1_VN, "TD1"), (TD1_ICAO, "TD1"), (TD3_ICAO, "TD3"), (TD2, "TD2")])
def test_table_both_ways(text, fmt):
    data = _dg1(text)
    obj = Dg1.build(text)
    roundtrip(Dg1, obj, data)
    rejects_trailing(Dg1, data)
    rejects_truncated(Dg1, data)
    assert obj.format == fmt
    assert "".join(obj.lines) == text


def test_mrz_is_parsed_lazily_with_cardkit_mrz():
    dg1 = Dg1.from_bytes(_dg1(TD1_VN))
    m = dg1.mrz
    assert m.format == "TD1"
    assert m.issuing_state == "VNM"
    assert m.text == TD1_VN
    assert m.mrz_information == "000012345390010113001019"
    assert Dg1.build(m) == dg1  # build from an Mrz object gives the same bytes


def test_bad_check_digit_still_parses_but_mrz_raises():
    bad = TD1_VN[:14] + "9" + TD1_VN[15:]  # document number check digit 3 -> 9
    dg1 = Dg1.from_bytes(_dg1(bad))  # the file itself is well formed
    with pytest.raises(ParseError):
        dg1.mrz
    assert "mrz_error" in dg1.to_dict()


def test_repr_hides_the_mrz():
    dg1 = Dg1.build(TD1_VN)
    assert "000012345" not in repr(dg1)
    assert "NGUYEN" not in repr(dg1)


@pytest.mark.parametrize(
    "data,fragment",
    [
        (_dg1(TD1_VN[:-1]), "89 characters"),
        (_dg1(TD1_VN[:-1] + "a"), "character 90"),
        (bytes.fromhex("6100"), "missing tag 5F1F"),
        (bytes.fromhex("6200"), "outer tag"),
        (bytes([0x61, 0x60, 0x5F, 0x1F, 0x5A]) + TD1_VN.encode() + b"\x5F\x1F\x00", "5F1F repeated"),
        (bytes([0x61, 0x5D, 0x5F, 0x1F, 0x5A]) + TD1_VN[:-1].encode() + b"\xc3", "not ASCII"),
    ],
)
def test_malformed(data, fragment):
    with pytest.raises(ParseError) as e:
        Dg1.from_bytes(data)
    assert fragment in str(e.value)


def test_unknown_tag_kept():
    data = bytes([0x61, 0x61, 0x5F, 0x1F, 0x5A]) + TD1_VN.encode() + bytes.fromhex("5F400101")
    assert Dg1.from_bytes(data).other == ((0x5F40, b"\x01"),)


def test_build_refuses_bad_mrz():
    for bad in ("", TD1_VN[:-1], TD1_VN[:-1] + "ễ", TD1_VN.lower()):
        with pytest.raises(InputError):
            Dg1.build(bad)
    # lines with newlines are joined
    assert Dg1.build("\n".join([TD1_VN[:30], TD1_VN[30:60], TD1_VN[60:]])).mrz_text == TD1_VN


def test_mutations():
    for m in mutations(_dg1(TD3_ICAO)[:12]):
        value_or_parse_error(Dg1, m)


_MRZ = st.sampled_from([90, 72, 88]).flatmap(
    lambda n: st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<", min_size=n, max_size=n))


@given(_MRZ)
def test_build_parse_roundtrip(text):
    dg1 = Dg1.build(text)
    back = Dg1.from_bytes(dg1.to_bytes())
    assert back == dg1 and back.mrz_text == text


@given(st.binary(max_size=120))
def test_random_bytes(data):
    value_or_parse_error(Dg1, data)


@given(st.binary(max_size=100))
def test_random_content_under_the_right_tag(content):
    value_or_parse_error(Dg1, bytes([0x61, len(content)]) + content)
