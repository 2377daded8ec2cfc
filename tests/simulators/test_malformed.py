"""The card side answers anything with a status word and never raises (property test)."""

from __future__ import annotations

from hypothesis import given, strategies as st

from simulators.emrtd import EmrtdChip

from .helpers import locked_chip

_CHIP = locked_chip()
_BLANK = EmrtdChip()
_BLANK.power_on()


def _check(out: bytes) -> None:
    assert isinstance(out, bytes) and len(out) >= 2
    sw1 = out[-2]
    assert sw1 in (0x90, 0x61, 0x62, 0x63, 0x67, 0x68, 0x69, 0x6A, 0x6B, 0x6C, 0x6D, 0x6E, 0x6F), out.hex()


@given(st.binary(max_size=300))
def test_random_bytes_get_a_status_word(data):
    for chip in (_CHIP, _BLANK):
        _check(chip.process_apdu(data))
        assert chip.present and chip.internal_errors == 0


@given(st.sampled_from([0x00, 0x0C, 0x10, 0x1C, 0x80, 0xFF, 0x01]),
       st.sampled_from([0xA4, 0xB0, 0xB1, 0x84, 0x82, 0x88, 0x22, 0x86, 0xE0, 0xD6, 0xD7, 0xDA, 0x00, 0xCA]),
       st.integers(0, 255), st.integers(0, 255), st.binary(max_size=80), st.one_of(st.none(), st.integers(1, 300)))
def test_well_formed_random_commands_get_a_status_word(cla, ins, p1, p2, data, le):
    from cardkit.iso7816 import CommandApdu

    apdu = CommandApdu(cla, ins, p1, p2, data, le).to_bytes()
    for chip in (_CHIP, _BLANK):
        _check(chip.process_apdu(apdu))
        _check(chip.process_apdu(bytes.fromhex("00A4040C07A0000002471001")))
        assert chip.internal_errors == 0


def test_specific_malformed_encodings():
    chip = locked_chip()
    cases = {
        "": 0x6700, "00": 0x6700, "00A4": 0x6700, "00A404": 0x6700,
        "00A4040C05A000": 0x6700,  # Lc larger than the body
        "00B0000000000100": 0x6700,  # extended Lc 1 + 1 byte + stray
        "FFA4040C00": 0x6E00,
        "80A4040C07A0000002471001": 0x6E00,
        "01A4040C07A0000002471001": 0x6881,  # logical channel
        "00CA010100": 0x6D00,  # GET DATA: not supported
        "0CB0000004": 0x6882,  # SM CLA with no session
        "08B0000004": 0x6882,
        "10A4040C07A0000002471001": 0x6884,  # chaining on SELECT
    }
    for hexa, want in cases.items():
        out = chip.process_apdu(bytes.fromhex(hexa))
        assert int.from_bytes(out[-2:], "big") == want, hexa


@given(st.lists(st.tuples(
    st.sampled_from([0xA4, 0xB0, 0xB1, 0x84, 0x82, 0x88, 0x22, 0x86, 0xE0, 0xD6, 0xDA, 0xCA]),
    st.integers(0, 255), st.integers(0, 255), st.binary(max_size=60), st.one_of(st.none(), st.integers(1, 300))),
    min_size=1, max_size=6))
def test_random_commands_under_secure_messaging(commands):
    """Well-wrapped random commands after BAC: the chip answers each inside the session, no internal error."""
    from cardkit.crypto.bac import Bac
    from cardkit.crypto.sm import SecureMessaging
    from cardkit.errors import SecureMessagingError
    from cardkit.iso7816 import CommandApdu

    from .helpers import MRZ_INFO, Terminal

    chip = _SM_CHIP
    chip.power_on()
    t = Terminal(chip)
    t.select_app()
    t.sm = SecureMessaging(t.run(Bac(MRZ_INFO)))
    for ins, p1, p2, data, le in commands:
        try:
            r = t.send(CommandApdu(0x00, ins, p1, p2, data, le))
        except SecureMessagingError:
            break  # e.g. a plain 6700: the terminal's SM object refuses further use
        assert 0x6100 <= r.sw <= 0x6FFF or r.sw == 0x9000
        if chip.volatile.sm is None or chip.volatile.next_sm is not None:
            break
    assert chip.internal_errors == 0


_SM_CHIP = locked_chip()


def test_not_bytes_at_all():
    chip = locked_chip()
    for junk in (None, 5, "00A4040C", [0, 0xA4]):
        assert chip.process_apdu(junk) == b"\x67\x00"
    assert chip.internal_errors == 0
