"""APDU codec: the four ISO cases, short and extended, both ways; strict parsing."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cardkit.errors import ParseError
from cardkit.iso7816 import CommandApdu, ResponseApdu, sw_meaning

CASES = [
    (CommandApdu(0x00, 0x84, 0, 0, le=8), "0084000008"),
    (CommandApdu(0x00, 0xA4, 0x02, 0x0C, bytes.fromhex("011E")), "00A4020C02011E"),
    (CommandApdu(0x0C, 0xB0, 0, 0, bytes.fromhex("9701048E08ED6705417E96BA55"), le=256),
     "0CB000000D9701048E08ED6705417E96BA5500"),
    (CommandApdu(0x00, 0xB0, 0, 0, le=65536, extended=True), "00B00000000000"),
    (CommandApdu(0x00, 0xB0, 0, 0, le=1000), "00B0000000" + "03E8"),
    (CommandApdu(0x00, 0xD6, 0, 0, bytes(300)), "00D6000000012C" + "00" * 300),
    (CommandApdu(0x00, 0x88, 0, 0, bytes(8), le=512), "0088000000000800000000000000000200"),
    (CommandApdu(0x00, 0x44, 0, 0), "00440000"),
]


@pytest.mark.parametrize("apdu,hexed", CASES)
def test_command_table_both_ways(apdu, hexed):
    assert apdu.to_bytes().hex().upper() == hexed.upper()
    parsed = CommandApdu.from_bytes(bytes.fromhex(hexed))
    assert (parsed.header, parsed.data, parsed.le) == (apdu.header, apdu.data, apdu.le)


@pytest.mark.parametrize("hexed", ["", "00", "00A402", "00A4020C0501", "00A4020C02011E0000", "00B000000000", "00B00000000002AA"])
def test_malformed_commands(hexed):
    with pytest.raises(ParseError):
        CommandApdu.from_bytes(bytes.fromhex(hexed))


def test_response():
    r = ResponseApdu.from_bytes(bytes.fromhex("4608F919887022129000"))
    assert r.ok and r.data == bytes.fromhex("4608F91988702212") and r.sw1 == 0x90
    assert ResponseApdu.from_bytes(bytes.fromhex("6982")).sw == 0x6982
    with pytest.raises(ParseError):
        ResponseApdu.from_bytes(b"\x90")


def test_status_word_meanings():
    assert sw_meaning(0x6982) == "security status not satisfied"
    assert "3 tries" in sw_meaning(0x63C3)
    assert sw_meaning(0x6C10).startswith("wrong Le")


def test_invalid_fields_refused():
    with pytest.raises(ValueError):
        CommandApdu(0x100, 0, 0, 0)
    with pytest.raises(ValueError):
        CommandApdu(0, 0, 0, 0, le=0)


@given(st.integers(0, 255), st.integers(0, 255), st.binary(max_size=600),
       st.one_of(st.none(), st.integers(1, 65536)), st.booleans())
def test_round_trip_property(ins, p1, data, le, extended):
    apdu = CommandApdu(0x00, ins, p1, 0, data, le, extended)
    back = CommandApdu.from_bytes(apdu.to_bytes())
    assert (back.header, back.data, back.le) == (apdu.header, apdu.data, apdu.le)


@given(st.binary(max_size=300))
def test_random_bytes_parse_or_parse_error(data):
    try:
        CommandApdu.from_bytes(data)
    except ParseError:
        pass
