"""The chip's ISO/IEC 7816-4 file system: SELECT, READ BINARY (B0/B1), CREATE FILE, UPDATE BINARY (D6/D7).

Rules (Doc 9303-10 §3, ISO/IEC 7816-4 §7 and §11.2, and what real eMRTD chips answer):
- one flat store of transparent EFs keyed by FID. EF.CardAccess (011C) lives in the master file and is
  readable before access control; every other EF lives in the eMRTD application (AID A0000002471001)
  and is reachable only once that application is selected. EF.CardSecurity (PACE-CAM) also lives in the
  MF under FID 011D, the FID of EF.SOD in the application: it is stored under ``CARD_SECURITY_KEY``
  (above the 16-bit FID range) and 011D / SFI 1D name it while the application is not selected;
- EF.CVCA (Terminal Authentication) lives in the application under 011C, EF.CardAccess's FID in the MF:
  the chip keeps it under ``CVCA_KEY``, made from its trust points (never written by a command), and
  011C / SFI 1C name it once the application is selected; a chip without trust points answers 011C with
  EF.CardAccess there too, as before;
- the SFI of an LDS file is the low byte of its FID (0101 <-> 01, 011E <-> 1E), so an SFI maps to 01xx;
- SELECT of a missing file answers 6A82; SELECT MF answers 6D00 unless ``select_mf_supported`` (VN chips);
- READ BINARY past the end answers 6B00; a read that stops at the end of the EF answers 6282 with the data;
- whether a read is allowed (access control, EAC-protected DG3/DG4) is the chip's decision, asked through
  ``chip.read_denied(fid)``; this module only does the file-system mechanics.
Every handler takes the chip and a plain CommandApdu and returns a ResponseApdu; nothing here raises.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cardkit import tlv
from cardkit.errors import ParseError
from cardkit.iso7816 import CommandApdu, ResponseApdu
from cardkit.lds.files import MRTD_AID

if TYPE_CHECKING:  # pragma: no cover
    from .emrtd import EmrtdChip

__all__ = ["CARD_ACCESS_FID", "CARD_SECURITY_FID", "CARD_SECURITY_KEY", "CVCA_KEY", "MF_FID", "MF_FIDS",
           "MAX_TOTAL_SIZE", "select", "read_binary", "create_file", "update_binary", "sw"]

CARD_ACCESS_FID = 0x011C
MF_FID = 0x3F00
MF_FIDS = frozenset({CARD_ACCESS_FID})
CARD_SECURITY_FID = 0x011D  # in the MF; the same FID in the application is EF.SOD
CARD_SECURITY_KEY = 0x1_011D  # where EF.CardSecurity is kept in ``chip.files`` (no clash with EF.SOD)
CVCA_KEY = 0x2_011C  # where EF.CVCA is kept in ``chip.files`` (no clash with EF.CardAccess)
MAX_FILE_SIZE = 0xFFFF  # CREATE FILE carries the size on two bytes
MAX_TOTAL_SIZE = 512 * 1024  # EEPROM of the simulated chip; CREATE FILE past it answers 6A84


def sw(code: int, data: bytes = b"") -> ResponseApdu:
    """A response with data and status word."""
    return ResponseApdu(bytes(data), code)


def fid_for_sfi(sfi: int) -> int:
    """Doc 9303-10 §4.6: every LDS EF has FID 01xx with SFI xx."""
    return 0x0100 | sfi


def resolve(chip: "EmrtdChip", fid: int) -> int | None:
    """The ``chip.files`` key an FID names in the current DF (MF files always, application files once selected), or None."""
    if fid == CARD_SECURITY_FID and not chip.volatile.app_selected:
        return CARD_SECURITY_KEY if CARD_SECURITY_KEY in chip.files else None
    if fid == CARD_ACCESS_FID and chip.volatile.app_selected and CVCA_KEY in chip.files:
        return CVCA_KEY
    if fid not in chip.files:
        return None
    return fid if fid in MF_FIDS or chip.volatile.app_selected else None


def select(chip: "EmrtdChip", cmd: CommandApdu) -> ResponseApdu:
    """SELECT (00 A4): by AID (P1 04), by FID (P1 00/02), MF (3F00). ISO/IEC 7816-4 §11.1.1."""
    vol = chip.volatile
    p1, p2 = cmd.p1, cmd.p2
    if p2 & 0xF0 or (p2 & 0x0C) not in (0x00, 0x04, 0x0C) or p2 & 0x03 not in (0x00, 0x02):
        return sw(0x6A86)
    if p1 == 0x04:
        if not cmd.data:
            return sw(0x6700)
        if cmd.data != MRTD_AID:
            return sw(0x6A82)
        vol.app_selected = True
        vol.current_ef = None
        return sw(0x9000)
    if p1 not in (0x00, 0x02):
        # child DF, parent DF, path selections: this chip has no DF but the application
        return sw(0x6A86)
    if len(cmd.data) != 2:
        if p1 == 0x00 and not cmd.data:
            return _select_mf(chip)
        return sw(0x6700)
    fid = int.from_bytes(cmd.data, "big")
    if fid == MF_FID:
        if p1 != 0x00:
            return sw(0x6A82)
        return _select_mf(chip)
    key = resolve(chip, fid)
    if key is None:
        return sw(0x6A82)
    vol.current_ef = key
    if p2 & 0x0C == 0x0C:
        return sw(0x9000)
    size = len(chip.files[key])
    fcp = tlv.encode(0x62, tlv.encode(0x80, size.to_bytes(2, "big")) + tlv.encode(0x82, b"\x01")
                     + tlv.encode(0x83, fid.to_bytes(2, "big")))
    return _with_le(chip, cmd, fcp)


def _select_mf(chip: "EmrtdChip") -> ResponseApdu:
    # real VN chips answer 6D00 to SELECT MF; readers must not depend on it.
    if not chip.options.select_mf_supported:
        return sw(0x6D00)
    chip.volatile.app_selected = False
    chip.volatile.current_ef = None
    return sw(0x9000)


def _with_le(chip: "EmrtdChip", cmd: CommandApdu, data: bytes) -> ResponseApdu:
    """Answer data only when Le asks for it (no Le: the FCP is simply not returned)."""
    if cmd.le is None:
        return sw(0x9000)
    return sw(0x9000, data[: cmd.le])


def _resolve_sfi(chip: "EmrtdChip", sfi: int) -> tuple[int | None, int]:
    """The FID an SFI names, or a status word when it names nothing visible."""
    if not 1 <= sfi <= 30:
        return None, 0x6A86
    key = resolve(chip, fid_for_sfi(sfi))
    if key is None:
        return None, 0x6A82
    return key, 0x9000


def _even_target(chip: "EmrtdChip", cmd: CommandApdu) -> tuple[int | None, int, int]:
    """(FID, offset, 9000) that an even-INS P1-P2 names, or a status word when it names nothing.

    P1 bit 8 set: SFI in P1 bits 5-1 (bits 7-6 must be 0), offset in P2; else the current EF
    (None when there is none, for the caller to answer 6986) at offset P1-P2 (ISO 7816-4 §11.2.2).
    """
    if cmd.p1 & 0x80:
        if cmd.p1 & 0x60:
            return None, 0, 0x6A86
        fid, code = _resolve_sfi(chip, cmd.p1 & 0x1F)
        return fid, cmd.p2, code
    return chip.volatile.current_ef, (cmd.p1 << 8) | cmd.p2, 0x9000


def _max_le(chip: "EmrtdChip", cmd: CommandApdu) -> int:
    """Le bounded by what the chip advertises (short: 256; extended: ``max_response_length``)."""
    le = cmd.le or 0
    return min(le, chip.options.max_response_length)


def _wildcard(cmd: CommandApdu) -> bool:
    """Le 00 (short) or 0000 (extended) asks for everything available: no 6282 when less comes (ISO 7816-4 §5.1)."""
    return cmd.le in (256, 65536)


def read_binary(chip: "EmrtdChip", cmd: CommandApdu) -> ResponseApdu:
    """READ BINARY, even INS B0 (offset in P1-P2 or SFI in P1) and odd INS B1 (offset in DO54). ISO 7816-4 §11.2.3."""
    odd = cmd.ins == 0xB1
    if cmd.le is None:
        return sw(0x6700)
    if odd:
        try:
            do54 = tlv.decode(cmd.data)
        except ParseError:
            return sw(0x6A80)
        if do54.tag != 0x54 or not 1 <= do54.length <= 3:
            return sw(0x6A80)
        offset = int.from_bytes(do54.value, "big")
        p1p2 = (cmd.p1 << 8) | cmd.p2
        if p1p2 == 0:
            fid = chip.volatile.current_ef
        elif cmd.p1 == 0 and cmd.p2 <= 0x1F:
            fid, code = _resolve_sfi(chip, cmd.p2)
            if fid is None:
                return sw(code)
        else:
            fid = resolve(chip, p1p2)
            if fid is None:
                return sw(0x6A82)
    else:
        if cmd.data:
            return sw(0x6700)
        fid, offset, code = _even_target(chip, cmd)
        if code != 0x9000:
            return sw(code)
    if fid is None:
        return sw(0x6986)
    denied = chip.read_denied(fid)
    if denied:
        return sw(denied)
    chip.volatile.current_ef = fid  # a read by SFI or FID makes the EF current (ISO 7816-4 §7.2.2)
    content = chip.file_content(fid)
    if offset >= len(content):
        return sw(0x6B00)
    le = _max_le(chip, cmd)
    if odd:
        # the response is DO53 and must fit in Le as a whole
        n = min(len(content) - offset, le)
        while n > 0 and n + 1 + len(tlv.encode_length(n)) > le:
            n -= 1
        if n <= 0:
            return sw(0x6700)
        part = content[offset : offset + n]
        short = n + 1 + len(tlv.encode_length(n)) < le and not _wildcard(cmd)
        return sw(0x6282 if short else 0x9000, tlv.encode(0x53, part))
    part = content[offset : offset + le]
    return sw(0x6282 if len(part) < le and not _wildcard(cmd) else 0x9000, part)


def create_file(chip: "EmrtdChip", cmd: CommandApdu) -> ResponseApdu:
    """CREATE FILE (00 E0 00 00 06 63 04 size(2) fid(2)), the JMRTD passport applet form. The new EF becomes current."""
    if cmd.p1 != 0 or cmd.p2 != 0:
        return sw(0x6A86)
    data = cmd.data
    if len(data) != 6:
        return sw(0x6700)
    if data[0] != 0x63 or data[1] != 0x04:
        return sw(0x6A80)
    size = int.from_bytes(data[2:4], "big")
    fid = int.from_bytes(data[4:6], "big")
    if fid in (0x0000, MF_FID, 0xFFFF) or size == 0:
        return sw(0x6A80)
    if fid in chip.files:
        return sw(0x6A89)
    if sum(len(f) for f in chip.files.values()) + size > MAX_TOTAL_SIZE:
        return sw(0x6A84)
    chip.files[fid] = bytearray(size)
    chip.volatile.current_ef = fid
    return sw(0x9000)


def update_binary(chip: "EmrtdChip", cmd: CommandApdu) -> ResponseApdu:
    """UPDATE BINARY: D6 (offset in P1-P2 or SFI in P1) and D7 (DO54 offset, DO53 data). ISO 7816-4 §11.2.5."""
    if cmd.ins == 0xD7:
        try:
            dos = tlv.decode_all(cmd.data)
        except ParseError:
            return sw(0x6A80)
        if len(dos) != 2 or dos[0].tag != 0x54 or dos[1].tag != 0x53 or not 1 <= dos[0].length <= 3:
            return sw(0x6A80)
        offset = int.from_bytes(dos[0].value, "big")
        data = dos[1].value
        if (cmd.p1 << 8) | cmd.p2:
            return sw(0x6A86)
        fid = chip.volatile.current_ef
    else:
        data = cmd.data
        fid, offset, code = _even_target(chip, cmd)
        if code != 0x9000:
            return sw(code)
    if not data:
        return sw(0x6700)
    if fid is None:
        return sw(0x6986)
    if fid == CVCA_KEY:
        return sw(0x6982)  # EF.CVCA changes only with the chip's trust points
    f = chip.files[fid]
    if offset > len(f):
        return sw(0x6B00)
    if offset + len(data) > len(f):
        return sw(0x6A84)
    f[offset : offset + len(data)] = data
    chip.volatile.current_ef = fid
    return sw(0x9000)
