"""The card layer's small parts: status words, ATR parsing, replay, traces, transports, choices."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cardkit import tlv
from cardkit.card import ApduTrace, ReplayMismatch, ReplayTransport, Session, SimulatorTransport
from cardkit.card.apdu import CommandApdu, ResponseApdu, check_sw
from cardkit.card.atr import extended_length_supported, historical_bytes
from cardkit.card._select import pick_ca_keys
from cardkit.card._reading import block_data_odd
from cardkit.errors import (CardRemovedError, ParseError, ProtocolError, StatusWordError, TransportError)
from cardkit.lds import ChipAuthenticationInfo, ChipAuthenticationPublicKeyInfo, SecurityInfos


# --- status words ----------------------------------------------------------------------------


def test_check_sw() -> None:
    ok = ResponseApdu(b"\x01", 0x9000)
    assert check_sw(ok, "x") is ok
    assert check_sw(ResponseApdu(b"", 0x6282), "x", accept=(0x9000, 0x6282)).sw == 0x6282
    with pytest.raises(StatusWordError) as ei:
        check_sw(ResponseApdu(b"", 0x6982), "READ BINARY DG3")
    e = ei.value
    assert e.sw == 0x6982 and e.step == "READ BINARY DG3"
    assert "security status not satisfied" in str(e) and "6982" in str(e)
    assert e.exit_code == 3


# --- ATR ---------------------------------------------------------------------------------------


def test_atr_card_capabilities() -> None:
    # 3B 85 80 01 | 80 73 94 01 C0 | TCK: T=1, card capabilities with extended length
    assert historical_bytes(bytes.fromhex("3B858001807394014000")) == bytes.fromhex("8073940140")
    assert extended_length_supported(bytes.fromhex("3B858001807394014000")) is True
    assert extended_length_supported(bytes.fromhex("3B858001807394018000")) is False
    # no card-capabilities object, no category indicator, malformed: the ATR does not tell
    assert extended_length_supported(bytes.fromhex("3B8880010000000000718100F9")) is None
    assert extended_length_supported(bytes.fromhex("3B02AABB")) is None
    assert extended_length_supported(b"") is None
    assert extended_length_supported(None) is None
    assert historical_bytes(bytes.fromhex("3B8F80")) is None  # TD1 promised, ATR ends


@given(st.binary(max_size=40))
def test_atr_parser_never_raises(atr: bytes) -> None:
    assert extended_length_supported(atr) in (True, False, None)


# --- replay --------------------------------------------------------------------------------


def test_replay_checks_each_command_and_the_end() -> None:
    t = ReplayTransport([("00 84 00 00 08", "0102030405060708 9000")])
    assert not t.done
    with pytest.raises(ReplayMismatch, match="expected 0084000008, got 0084000004"):
        t.transmit(bytes.fromhex("0084000004"))
    assert t.transmit(bytes.fromhex("0084000008")) == bytes.fromhex("01020304050607089000")
    assert t.done
    with pytest.raises(ReplayMismatch, match="ended"):
        t.transmit(bytes.fromhex("0084000008"))


# --- trace ---------------------------------------------------------------------------------


def test_trace_plain_entries_are_kept_and_sm_redacted(tmp_path) -> None:
    tr = ApduTrace()
    tr.record(bytes.fromhex("00A4020C02011C"), bytes.fromhex("9000"), step="SELECT EF.CardAccess")
    tr.record(bytes.fromhex("0CB000000D9701048E08ED6705417E96BA5500"), bytes.fromhex("8709019FF0EC34F99226519000"),
              plain_command=bytes.fromhex("00B0000004"), plain_response=bytes.fromhex("60145F019000"), sensitive=True)
    assert tr.entries[0].text == "00A4020C02011C" and not tr.entries[0].redacted
    assert tr.entries[2].text == "0CB00000 [15 bytes redacted]"
    assert tr.entries[2].plain.text == "00B0000004"  # header + Le: nothing secret
    assert tr.entries[3].text == "[11 bytes redacted] 9000"
    assert tr.entries[3].plain.text == "[4 bytes redacted] 9000"
    p = tmp_path / "t.json"
    tr.write(p)
    assert "60145F01" not in p.read_text()


def test_unredacted_trace_file_is_private(tmp_path) -> None:
    tr = ApduTrace(redact=False)
    tr.record(b"\x00\xb0\x00\x00\x04", b"\x60\x14\x5f\x01\x90\x00", sensitive=True)
    p = tmp_path / "t.json"
    tr.write(p)
    assert "60145F019000" in p.read_text()
    assert p.stat().st_mode & 0o777 == 0o600
    assert tr.to_replay() == [(b"\x00\xb0\x00\x00\x04", b"\x60\x14\x5f\x01\x90\x00")]


# --- transports and the session's handling of a bad link -----------------------------------------


class _Link:
    def __init__(self, answer) -> None:
        self.answer = answer

    def transmit(self, apdu: bytes):
        return self.answer


@pytest.mark.parametrize("answer", [b"", b"\x90", None, "9000"])
def test_garbage_from_the_link_is_transport_error(answer) -> None:
    tr = ApduTrace()
    s = Session(_Link(answer), trace=tr)
    with pytest.raises(TransportError):
        s.select_application()
    assert len(tr) == 1  # the command is recorded, with no answer


class _Chip:
    present = True

    def __init__(self) -> None:
        self.powered = 0
        self.seen: list[bytes] = []

    def power_on(self) -> bytes:
        self.powered += 1
        return bytes.fromhex("3B858001807394014000")

    def process_apdu(self, apdu: bytes) -> bytes:
        self.seen.append(apdu)
        if apdu[1] == 0xEE:
            raise RuntimeError("chip bug")
        if apdu[1] == 0xDD:
            self.present = False
        return b"\x90\x00"


def test_simulator_transport() -> None:
    c = _Chip()
    t = SimulatorTransport(c)
    assert c.powered == 1 and t.atr == bytes.fromhex("3B858001807394014000")
    assert t.transmit(b"\x00\xa4\x04\x0c") == b"\x90\x00"
    with pytest.raises(TransportError, match="RuntimeError"):
        t.transmit(b"\x00\xee\x00\x00")
    with pytest.raises(CardRemovedError):  # pulled during the command: no answer reaches the terminal
        t.transmit(b"\x00\xdd\x00\x00")
    with pytest.raises(CardRemovedError):
        t.transmit(b"\x00\xa4\x04\x0c")
    with pytest.raises(CardRemovedError):
        SimulatorTransport(c)
    assert Session(SimulatorTransport(_Chip())).extended_length is True


# --- files the chip describes wrongly ----------------------------------------------------------


class _FileChip:
    """Plain (no SM) chip holding one file under every FID; answers Le bytes from the offset."""

    present = True

    def __init__(self, content: bytes, extra: int = 0) -> None:
        self.content = content
        self.extra = extra
        self.log: list[CommandApdu] = []

    def power_on(self) -> bytes:
        return bytes.fromhex("3B8880010000000000718100F9")

    def process_apdu(self, apdu: bytes) -> bytes:
        cmd = CommandApdu.from_bytes(apdu)
        if cmd.ins == 0xA4:
            return b"\x90\x00"
        self.log.append(cmd)
        if cmd.ins == 0xB1:
            off = int.from_bytes(tlv.decode(cmd.data).value, "big")
            n = cmd.le - 1 - len(tlv.encode_length(cmd.le))
            while n + 1 + len(tlv.encode_length(n)) < cmd.le and off + n < len(self.content):
                n += 1
            part = self.content[off : off + n]
            return tlv.encode(0x53, part) + b"\x90\x00"
        off = (cmd.p1 << 8 | cmd.p2) if not cmd.p1 & 0x80 else cmd.p2
        part = self.content[off : off + cmd.le] + b"\xAA" * self.extra
        if not part:
            return b"\x6b\x00"
        return part + (b"\x62\x82" if len(part) < cmd.le else b"\x90\x00")


def test_read_file_bounds() -> None:
    with pytest.raises(ParseError, match="expected 61"):
        Session(SimulatorTransport(_FileChip(tlv.encode(0x75, b"x" * 10)))).read_file("DG1")
    with pytest.raises(ParseError, match="limit"):
        Session(SimulatorTransport(_FileChip(b"\x61\x84\x7f\xff\xff\xff"))).read_file("DG1")
    with pytest.raises(ProtocolError, match="for Le"):
        Session(SimulatorTransport(_FileChip(tlv.encode(0x75, b"x" * 300), extra=1))).read_file("DG2")
    # a file shorter than it claims: the chip runs out of data
    with pytest.raises(StatusWordError) as ei:
        Session(SimulatorTransport(_FileChip(tlv.encode(0x75, b"x" * 300)[:100]))).read_file("DG2")
    assert ei.value.sw == 0x6B00


def test_read_file_header_cut_short_is_a_parse_error_naming_the_file() -> None:
    # the chip's whole file stops inside the header: tlv.read_header says Incomplete, nothing more to read
    for content in (bytes.fromhex("61"), bytes.fromhex("6182"), bytes.fromhex("618201")):
        chip = _FileChip(content)
        with pytest.raises(ParseError, match="file header is truncated") as ei:
            Session(SimulatorTransport(chip)).read_file("DG1")
        assert ei.value.source == "DG1"
        assert [c.le for c in chip.log] == [4]  # one header read, no second one past the end
    # a long-form length beyond the first four bytes that the file does not back: asked once more, then refused
    chip = _FileChip(bytes.fromhex("61840001"))
    with pytest.raises(StatusWordError):
        Session(SimulatorTransport(chip)).read_file("DG1")
    assert [c.le for c in chip.log] == [4, 4]


def test_read_file_plain_and_tiny_files() -> None:
    small = tlv.encode(0x61, b"")  # 2 bytes: the chip answers 6282 to the 4-byte header read
    assert Session(SimulatorTransport(_FileChip(small))).read_file("DG1") == small
    big = tlv.encode(0x75, bytes(range(256)) * 300)  # 76 804 bytes: header 75 83 01 2C 00 (5 bytes)
    chip = _FileChip(big)
    s = Session(SimulatorTransport(chip), block_size=256)
    assert s.read_file("DG2") == big
    reads = [c for c in chip.log if c.ins in (0xB0, 0xB1)]
    assert [c.le for c in reads[:3]] == [4, 4, 256]  # header, rest of the long-form header, first block
    odd = [c for c in reads if c.ins == 0xB1]
    assert odd and all(c.le <= 256 for c in odd)
    assert int.from_bytes(tlv.decode(odd[0].data).value, "big") == 32776  # 8 + 128 * 256: just past the last B0
    # every byte read exactly once: B0 up to 32 767 + 256, B1 after
    assert sum(1 for c in reads if c.ins == 0xB0) == 2 + -(-(0x7FFF + 1 - 8) // 256)


def test_block_data_odd() -> None:
    # the largest n whose DO53 (53, length, n bytes) fits in the block
    for block in (8, 0x80, 0x81, 0x82, 0xDF, 0x100, 0x1000, 0x10000):
        n = block_data_odd(block)
        assert len(tlv.encode(0x53, bytes(n))) <= block < len(tlv.encode(0x53, bytes(n + 1)))


# --- choices ------------------------------------------------------------------------------------


def K(protocol: str, key_id: int | None = None) -> ChipAuthenticationPublicKeyInfo:
    return ChipAuthenticationPublicKeyInfo(protocol, b"", key_id)


def CI(protocol: str, key_id: int | None = None) -> ChipAuthenticationInfo:
    return ChipAuthenticationInfo(protocol, 1, key_id)


def D14(keys: list[ChipAuthenticationPublicKeyInfo], infos: list[ChipAuthenticationInfo]) -> SecurityInfos:
    return SecurityInfos(raw=b"", infos=(*keys, *infos))


def test_pick_ca_keys() -> None:
    dh, ecdh = K("0.4.0.127.0.7.2.2.1.1", 1), K("0.4.0.127.0.7.2.2.1.2", 2)
    i_dh, i_ec = CI("0.4.0.127.0.7.2.2.3.1.2", 1), CI("0.4.0.127.0.7.2.2.3.2.2", 2)
    assert pick_ca_keys(D14([dh, ecdh], [i_dh, i_ec])) == (i_ec, ecdh)
    assert pick_ca_keys(D14([dh], [i_dh, i_ec])) == (i_dh, dh)
    single = K("0.4.0.127.0.7.2.2.1.2")
    assert pick_ca_keys(D14([single], [CI("0.4.0.127.0.7.2.2.3.2.1")]))[0].protocol.endswith("3.2.1")
    assert pick_ca_keys(D14([single], [])) == (None, single)
    with pytest.raises(ProtocolError, match="no Chip Authentication public key"):
        pick_ca_keys(D14([], [i_ec]))


def test_trace_with_unanswered_command_cannot_replay() -> None:
    tr = ApduTrace(redact=False)
    tr.record(b"\x00\xa4\x04\x0c", None)
    tr.record(b"\x00\xa4\x04\x0c", b"\x90\x00")
    with pytest.raises(ValueError, match="incomplete"):
        tr.to_replay()


@given(size=st.integers(0, 3000), block=st.integers(1, 300), sfi=st.booleans())
def test_read_file_any_size_and_block(size: int, block: int, sfi: bool) -> None:
    content = tlv.encode(0x75, bytes(i & 0xFF for i in range(size)))
    chip = _FileChip(content)
    s = Session(SimulatorTransport(chip), block_size=block)
    assert s.read_file("DG2", sfi=sfi) == content
    eff = block  # the ATR is silent: a block above 256 probes extended length, which this chip accepts
    # SELECT (unless SFI) + one 4-byte header read (answered 6282 when the file is shorter) + the rest in blocks
    expected = (0 if sfi else 1) + 1 + -(-max(0, len(content) - 4) // eff)
    assert s.apdu_count == expected
    first = next(c for c in chip.log if c.ins == 0xB0)
    assert (first.p1, first.p2, first.le) == ((0x82, 0, 4) if sfi else (0, 0, 4))
