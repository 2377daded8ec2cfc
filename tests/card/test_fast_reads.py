"""The session's fast read path and bounded reads (Doc 9303-10 §3.6, §4): the fewest APDUs the chip allows,
the fallbacks when it refuses a short FID, a whole first block or extended length, and headers claiming
more than a file can hold refused after the first READ BINARY."""

from __future__ import annotations

import math
from typing import Any

import pytest

from cardkit import tlv
from cardkit.algorithms import Cipher
from cardkit.card import Session, SimulatorTransport
from cardkit.card._reading import MAX_FILE_SIZE, sm_block_cap
from cardkit.crypto.pace import Password
from cardkit.errors import ParseError, StatusWordError
from cardkit.iso7816 import CommandApdu, ResponseApdu
from cardkit.lds.files import FILES, MAX_SIZES
from simulators.emrtd import ChipOptions, EmrtdChip
from tests.support.cards import make_td1_card

CAN = "654321"
APP_FILES = ("EF.COM", "EF.SOD", "DG1", "DG2", "DG14", "DG15")


class QuirkChip(EmrtdChip):
    """The simulator with one real-world quirk switched on; its answers are still wrapped by SM."""

    sfi_sw: int | None = None  # answer to READ BINARY by short FID (a chip without short FIDs)
    le_past_end_sw: int | None = None  # answer to a READ BINARY asking past the end of the file
    claim: tuple[int, bytes] | None = None  # (FID, header) the file starts with instead of its own
    extended_sw: int | None = None  # answer to an extended-length READ BINARY (the ATR promised more)
    b0_reads = 0

    def _dispatch(self, cmd: CommandApdu, protected: bool) -> ResponseApdu:
        if cmd.ins == 0xB0:
            self.b0_reads += 1
            if self.extended_sw is not None and cmd.extended:
                return ResponseApdu(b"", self.extended_sw)
            if self.sfi_sw is not None and cmd.p1 & 0x80:
                return ResponseApdu(b"", self.sfi_sw)
            ef = self.volatile.current_ef
            if self.le_past_end_sw is not None and not cmd.p1 & 0x80 and ef is not None:
                if ((cmd.p1 << 8) | cmd.p2) + (cmd.le or 0) > len(self.files[ef]):
                    return ResponseApdu(b"", self.le_past_end_sw)
        return super()._dispatch(cmd, protected)

    def file_content(self, fid: int) -> bytes:
        content = super().file_content(fid)
        if self.claim is not None and self.claim[0] == fid:
            return self.claim[1] + content[len(self.claim[1]):]
        return content


@pytest.fixture(scope="module")
def td1(tmp_path_factory):
    return make_td1_card(tmp_path_factory.mktemp("fast-td1"), can=CAN, face_size=3000)


def quirk(chip: EmrtdChip, **options: Any) -> QuirkChip:
    q = QuirkChip(options=ChipOptions(**options) if options else chip.options)
    q.files = {fid: bytearray(b) for fid, b in chip.files.items()}
    q.secrets = chip.secrets
    q.life_cycle = chip.life_cycle
    return q


def opened(chip: EmrtdChip, **kwargs: Any) -> Session:
    s = Session(SimulatorTransport(chip), fast_reads=True, **kwargs)
    s.pace(Password.can(CAN))  # reads EF.CardAccess first
    s.select_application()
    return s


def reads(s: Session, names: tuple[str, ...], info: Any) -> int:
    before = s.apdu_count
    for name in names:
        assert s.read_file(name) == info.files[name], name
    return s.apdu_count - before


def test_one_read_binary_per_file_with_extended_length(td1):
    chip, _trust, info = td1
    s = Session(SimulatorTransport(chip), fast_reads=True)
    assert s.read_file("EF.CardAccess") == info.files["EF.CardAccess"]
    assert s.apdu_count == 1  # by short FID 1C, a whole block, no SELECT, no header read
    s.pace(Password.can(CAN))
    s.select_application()
    assert s.effective_block_size() == sm_block_cap(65536, Cipher.AES_128)  # the ATR advertises extended length
    assert reads(s, APP_FILES, info) == len(APP_FILES)


def test_short_apdus_read_whole_blocks_from_offset_zero(td1):
    chip, _trust, info = td1
    s = opened(quirk(chip, extended_length=False))
    assert s.effective_block_size() == 0xDF
    minimum = sum(math.ceil(len(info.files[n]) / 0xDF) for n in APP_FILES)
    assert reads(s, APP_FILES, info) == minimum


def test_the_default_order_is_select_and_a_4_byte_header(td1):
    chip, _trust, info = td1
    q = quirk(chip)
    s = Session(SimulatorTransport(q))
    s.pace(Password.can(CAN))
    s.select_application()
    before = s.apdu_count
    assert s.read_file("DG1") == info.files["DG1"]
    assert s.apdu_count - before == 3  # SELECT, READ BINARY Le 4, the rest in one block


@pytest.mark.parametrize("sw", [0x6A86, 0x6A81, 0x6B00, 0x6986, 0x6981, 0x6A82])
def test_a_chip_without_short_fids_costs_one_apdu_once(td1, sw):
    chip, _trust, info = td1
    q = quirk(chip)
    q.sfi_sw = sw
    s = opened(q)
    # EF.CardAccess learnt it (SFI refused, SELECT + read); every file after: SELECT + one block
    assert reads(s, APP_FILES, info) == 2 * len(APP_FILES)


def test_a_file_absent_by_short_fid_and_by_select_is_6a82_and_short_fids_stay(td1):
    chip, _trust, info = td1
    s = Session(SimulatorTransport(chip), fast_reads=True)
    with pytest.raises(StatusWordError) as e:
        s.read_file("DG16")  # no short-FID read has worked yet: SELECT confirms the 6A82
    assert e.value.sw == 0x6A82 and s.apdu_count == 2
    s.pace(Password.can(CAN))
    s.select_application()
    before = s.apdu_count
    with pytest.raises(StatusWordError) as e:
        s.read_file("DG16")  # short FIDs have worked since (EF.CardAccess): 6A82 is the answer
    assert e.value.sw == 0x6A82 and s.apdu_count - before == 1
    assert reads(s, ("DG1",), info) == 1


def test_eac_protected_dg3_is_one_refused_read(tmp_path):
    chip, _trust, _info = make_td1_card(tmp_path, can=CAN, face_size=1000, dg3=True)
    s = opened(chip)
    before = s.apdu_count
    with pytest.raises(StatusWordError) as e:
        s.read_file("DG3")
    assert e.value.sw == 0x6982 and s.apdu_count - before == 1


def test_a_chip_refusing_le_past_the_end_gets_the_header_first(td1):
    chip, _trust, info = td1
    q = quirk(chip, extended_length=False)
    q.le_past_end_sw = 0x6700
    q.sfi_sw = 0x6A86  # with short FIDs the quirk never shows: P1 carries the SFI, not an offset
    s = opened(q)
    for name in APP_FILES:
        assert s.read_file(name) == info.files[name]


@pytest.mark.parametrize("sw", [0x6700, 0x6F00])
def test_extended_length_refused_despite_the_atr_falls_back_to_short_blocks(td1, sw):
    chip, _trust, info = td1
    q = quirk(chip)
    q.extended_sw = sw  # the ATR advertises extended length; the chip refuses it all the same
    s = Session(SimulatorTransport(q), fast_reads=True)
    assert s.read_file("EF.CardAccess") == info.files["EF.CardAccess"]
    assert s.apdu_count == 2 and s.extended_length is False  # the refused trial, then a short block
    s.pace(Password.can(CAN))
    s.select_application()
    assert s.effective_block_size() == 0xDF
    assert reads(s, APP_FILES, info) == sum(math.ceil(len(info.files[n]) / 0xDF) for n in APP_FILES)


def test_extended_length_forced_and_refused_is_an_error(td1):
    chip, _trust, _info = td1
    q = quirk(chip)
    q.extended_sw = 0x6700
    with pytest.raises(StatusWordError):
        Session(SimulatorTransport(q), fast_reads=True, block_size=0x1000, extended_length=True).read_file("EF.COM")


# --- bounded reads ---------------------------------------------------------------------------------------


def test_limits_live_beside_the_fids():
    assert {f.name: f.max_size for f in FILES.values()} == MAX_SIZES
    assert MAX_SIZES["DG1"] == MAX_SIZES["EF.COM"] == 256 and MAX_SIZES["DG2"] == 1 << 20
    assert MAX_SIZES["EF.SOD"] == 1 << 16 and all(v <= MAX_FILE_SIZE for v in MAX_SIZES.values())


@pytest.mark.parametrize("fast", [True, False])
def test_a_16_mb_dg2_claim_is_refused_at_the_header(td1, fast):
    chip, _trust, _info = td1
    q = quirk(chip)
    q.claim = (0x0102, bytes.fromhex("758400F42400"))  # 16,000,000 bytes
    s = opened(q) if fast else Session(SimulatorTransport(q))
    if not fast:
        s.pace(Password.can(CAN))
        s.select_application()
    before, b0 = s.apdu_count, q.b0_reads
    with pytest.raises(ParseError, match="claims 16000006 bytes, more than DG2 can hold"):
        s.read_file("DG2")
    # the default order: SELECT, the 4-byte header read, 4 more bytes for the 6-byte header 75 84 00F42400
    assert (q.b0_reads - b0, s.apdu_count - before) == ((1, 1) if fast else (2, 3))


@pytest.mark.parametrize("name, tag", [("DG1", 0x61), ("EF.COM", 0x60)])
def test_256_bytes_pass_and_257_do_not(name, tag):
    ok = tlv.encode(tag, bytes(256 - 3))  # 61 81 FD and 253 bytes
    assert len(ok) == 256
    assert Session(SimulatorTransport(_OneFile(ok)), fast_reads=True).read_file(name) == ok
    bad = tlv.encode(tag, bytes(254))
    assert len(bad) == 257
    with pytest.raises(ParseError, match="limit 256"):
        Session(SimulatorTransport(_OneFile(bad)), fast_reads=True).read_file(name)


def test_a_profile_may_raise_a_limit():
    big = tlv.encode(0x75, bytes(30_000))
    with pytest.raises(ParseError, match="more than DG2 can hold"):
        Session(SimulatorTransport(_OneFile(big)), max_sizes={"DG2": 29_000}).read_file("DG2")
    assert Session(SimulatorTransport(_OneFile(big)), max_sizes={"DG2": len(big)}).read_file("DG2") == big
    with pytest.raises(ValueError, match="outside"):
        Session(SimulatorTransport(_OneFile(big)), max_sizes={"DG2": MAX_FILE_SIZE + 1})
    with pytest.raises(KeyError, match="DG17"):
        Session(SimulatorTransport(_OneFile(big)), max_sizes={"DG17": 10})


def test_sm_block_caps():
    assert sm_block_cap(256, Cipher.AES_128) == 0xDF and sm_block_cap(256, Cipher.TDES) == 0xE7
    assert sm_block_cap(65536, Cipher.AES_256) == 65503 and sm_block_cap(65536, Cipher.TDES) == 65511


class _OneFile:
    """A plain chip holding one file under every FID and short FID (ATR silent on extended length)."""

    present = True

    def __init__(self, content: bytes) -> None:
        self.content = content

    def power_on(self) -> bytes:
        return bytes.fromhex("3B8080010101")

    def process_apdu(self, apdu: bytes) -> bytes:
        cmd = CommandApdu.from_bytes(apdu)
        if cmd.ins == 0xA4:
            return b"\x90\x00"
        off = cmd.p2 if cmd.p1 & 0x80 else (cmd.p1 << 8 | cmd.p2)
        part = self.content[off: off + (cmd.le or 256)]
        return part + (b"\x62\x82" if len(part) < (cmd.le or 256) else b"\x90\x00")
