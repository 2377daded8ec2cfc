"""The shared LDS machinery: decode_file dispatch, name guessing, DataGroup, hostile input fencing."""

import pytest
from hypothesis import given, strategies as st

import cardkit.lds as lds
from cardkit.errors import InputError, ParseError
from cardkit.lds import CLASSES, DataGroup, decode_file, guess_name, normalise_name
from cardkit.lds._base import MAX_FILE_SIZE, parse_guard, parse_tag_list

from ._helpers import value_or_parse_error
from ._tlvhand import H, T

COM = H("60145F0104303130365F36063034303030305C026175")
CARD_ACCESS = H("31143012060A04007F0007020204020202010202010D")


def test_public_names():
    for name in ("Com", "Dg1", "Dg2", "FaceImage", "Dg11", "Dg12", "Dg13Vn", "Dg14", "Dg15", "CardAccess",
                 "SecurityInfos", "PaceInfo", "ChipAuthenticationInfo", "ChipAuthenticationPublicKeyInfo",
                 "TerminalAuthenticationInfo", "ActiveAuthenticationInfo", "decode_file"):
        assert name in lds.__all__ and getattr(lds, name)
    assert lds.Sod.__name__ == "Sod"  # loaded lazily from cardkit.lds.sod


@pytest.mark.parametrize("name,expected", [
    ("DG1", "DG1"), ("dg01", "DG1"), ("DG16", "DG16"), ("DG17", None), ("EF.COM", "EF.COM"), ("COM", "EF.COM"),
    ("ef.sod", "EF.SOD"), ("EF_CardAccess", "EF.CardAccess"), ("CardAccess", "EF.CardAccess"), ("x", None),
])
def test_normalise_name(name, expected):
    assert normalise_name(name) == expected


@pytest.mark.parametrize("filename,data,expected", [
    ("dump/DG1", b"", "DG1"), ("EF.COM", b"", "EF.COM"), ("EF.COM.bin", b"", "EF.COM"), ("dg2.bin", b"", "DG2"),
    ("x.bin", COM, "EF.COM"), ("x.bin", CARD_ACCESS, "EF.CardAccess"), ("x", H("7700"), "EF.SOD"),
    ("x", H("6D00"), "DG13"), ("x", H("0102"), None), ("x", b"", None), (None, H("FF"), None),
])
def test_guess_name(filename, data, expected):
    assert guess_name(data, filename) == expected


def test_decode_file_dispatch():
    assert isinstance(decode_file("EF.COM", COM), lds.Com)
    assert isinstance(decode_file("EF.CardAccess", CARD_ACCESS), lds.CardAccess)
    assert isinstance(decode_file("com", COM), lds.Com)
    dg5 = decode_file("DG5", T("65", H("5F4000")))
    assert isinstance(dg5, DataGroup) and dg5.dg == 5 and dg5.content == H("5F4000")
    assert set(CLASSES) == {"EF.COM", "DG1", "DG2", "DG3", "DG4", "DG7", "DG11", "DG12", "DG13", "DG14", "DG15",
                            "DG16", "EF.CardAccess", "EF.CVCA"}


def test_decode_file_errors_name_the_file():
    with pytest.raises(ParseError) as e:
        decode_file("DG1", COM)
    assert e.value.source == "DG1" and "outer tag" in str(e.value)
    with pytest.raises(ParseError) as e:
        decode_file("DG6", T("65", b""))
    assert "DG5" in str(e.value)
    with pytest.raises(ParseError):
        decode_file("EF.Nothing", COM)
    with pytest.raises(ParseError):
        decode_file("EF.CardSecurity", CARD_ACCESS)
    with pytest.raises(ParseError):
        decode_file("EF.SOD", H("7700"))


def test_data_group_both_ways():
    dg = DataGroup.build(7, H("5F4300"))
    assert dg.to_bytes() == H("67035F4300") and DataGroup.from_bytes(dg.to_bytes()) == dg
    with pytest.raises(InputError):
        DataGroup.build(17, b"")
    with pytest.raises(ParseError):
        DataGroup.from_bytes(H("6003") + b"abc")  # EF.COM is not a data group
    with pytest.raises(ParseError):
        DataGroup.from_bytes(H("6703") + b"ab")


def test_guard_turns_any_exception_into_parse_error():
    @parse_guard("X")
    def boom(kind):
        raise kind("inner detail")

    for kind in (ValueError, IndexError, KeyError, TypeError, OverflowError, UnicodeError, RecursionError):
        with pytest.raises(ParseError) as e:
            boom(kind)
        assert e.value.what == "X"


def test_tag_list_bounds():
    assert parse_tag_list(H("5F0E5F0F61"), "t") == (0x5F0E, 0x5F0F, 0x61)
    with pytest.raises(ParseError):
        parse_tag_list(H("5F"), "t")
    with pytest.raises(ParseError):
        parse_tag_list(H("5F8181818101"), "t")
    with pytest.raises(ParseError):
        parse_tag_list(b"\x61" * 2000, "t")


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_hostile_inputs_are_bounded(name):
    cls = CLASSES[name]
    tag = {"EF.CardAccess": "31", "EF.CVCA": "42"}.get(name) or f"{lds.by_name(name).tag:02X}"
    deep = b""
    for _ in range(500):  # 500 nested SEQUENCEs
        deep = T("30", deep) if len(deep) < 60000 else deep
    hostile = [
        b"", b"\x00", H(tag), H(tag + "84FFFFFFFF"), H(tag + "80") + b"\x00\x00", H(tag + "8A") + b"\x00" * 10,
        T(tag, deep), T(tag, b"\x30\x80" * 100), T(tag, b"\xff" * 1000), bytes(MAX_FILE_SIZE + 1),
        "not bytes",
    ]
    for data in hostile:  # each returns or raises ParseError (anything else fails the test)
        try:
            cls.from_bytes(data)
        except ParseError:
            pass


@given(st.sampled_from(sorted(CLASSES)), st.binary(max_size=120))
def test_any_class_any_bytes(name, data):
    value_or_parse_error(CLASSES[name], data)


@given(st.sampled_from([5, 6, 8, 9, 10]), st.binary(max_size=300))
def test_data_group_roundtrip(dg, content):
    d = DataGroup.build(dg, content)
    back = DataGroup.from_bytes(d.to_bytes())
    assert back == d and (back.dg, back.content) == (dg, content)
    assert decode_file(f"DG{dg}", d.to_bytes()) == d
