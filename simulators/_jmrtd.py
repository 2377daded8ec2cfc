"""The ``jmrtd`` personality: the open JMRTD passport applet (``sos.passportapplet``) as it answers.

Observed on the applet in a Java Card simulator behind pcscd (simulators/PERSO.md, "The jmrtd
personality", has the table); where those observations are silent, the applet's own source decides:
- CREATE FILE does not make the new EF current: UPDATE BINARY needs a SELECT first (6985 without one);
  the first CREATE of an FID fixes its allocation: CREATE again answers 9000 up to that size (the EF
  takes the new size, its bytes are kept), 6A84 above it; only the applet's fixed slots exist
  (DG1-DG15, EF.SOD, EF.COM, EF.CVCA 011C); sizes are Java shorts (at most 7FFF bytes);
- short APDUs only (the chip options say so; extended length answers 6700), no odd INS (B1, D7: 6D00);
  P1-P2 is always an offset, so an SFI (P1 bit 8) turns into a negative index: 6F00;
- UPDATE past the end of the EF 6A84; SELECT of a file not created (MF, EF.CardAccess) 6A82;
  after the lock SELECT needs BAC (6982); READ BINARY needs BAC in every life cycle (6982);
- PUT DATA knows 60/61 (RSA-1024 AA key halves in the form 60 00 {04 L n}: the parser skips the outer
  value, so a real outer length makes it read past the data: 6F00), 62 (the BAC key from the document
  number exactly as sent: no '<' padding), 64 and the lock; 65, 68, 6A and any other: 6A86; 63 (the
  applet's EC key with a binary-field polynomial in 81) cannot hold a prime-curve CA key: 6A80;
- BAC with a wrong cryptogram answers 6982 (the applet's MAC check), not 6300; no PACE: GENERAL
  AUTHENTICATE is an unknown instruction (6D00).
Every handler takes the chip and a plain command and returns a response; nothing here raises.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from cardkit import tlv
from cardkit.errors import InputError, ParseError
from cardkit.iso7816 import CommandApdu, ResponseApdu
from cardkit.mrz import check_digit

from . import _access, _fs, _perso
from ._fs import sw

if TYPE_CHECKING:  # pragma: no cover
    from .emrtd import EmrtdChip

__all__ = ["HANDLERS", "FIDS", "LDS_NAMES", "MODULUS_BYTES", "mrz_key_as_sent"]

# FileSystem.getFileIndex of the applet: DG1..DG15, EF.CVCA (011C), EF.SOD (011D), EF.COM (011E).
FIDS = frozenset(range(0x0101, 0x0110)) | {0x011C, 0x011D, 0x011E}
LDS_NAMES = frozenset({f"DG{n}" for n in range(1, 16)} | {"EF.SOD", "EF.COM"})
MODULUS_BYTES = 128  # the applet's AA key is an RSA-1024 key object
_MAX_SIZE = 0x7FFF  # file sizes and offsets are Java shorts


def mrz_key_as_sent(document_number: str, date_of_birth: str, date_of_expiry: str) -> bytes:
    """SHA-1 over the fields as written, each followed by its check digit (Doc 9303-3 §4.9).

    The applet pads nothing: a document number shorter than 9 characters without '<' filler gives a
    key no 9303 terminal derives (9303-11 §4.3.2 pads to 9). Raises InputError for non-MRZ characters.
    """
    info = "".join(v + check_digit(v) for v in (document_number, date_of_birth, date_of_expiry))
    return hashlib.sha1(info.encode("ascii")).digest()


def _perso_refused(chip: "EmrtdChip") -> bool:
    return chip.life_cycle != "PERSONALISATION" or not chip.volatile.app_selected


def select(chip: "EmrtdChip", cmd: CommandApdu, protected: bool) -> ResponseApdu:
    """SELECT: by AID as the default chip (the Java Card runtime does it); by FID only created EFs, no FCP."""
    vol = chip.volatile
    if cmd.p1 == 0x04:
        return _fs.select(chip, cmd)
    if not vol.app_selected:
        return sw(0x6A82)  # no applet selected: nothing answers for an EF
    if chip.life_cycle != "PERSONALISATION" and vol.sm is None:
        return sw(0x6982)
    if len(cmd.data) != 2:
        return sw(0x6700)
    fid = int.from_bytes(cmd.data, "big")
    if fid not in chip.files or fid not in FIDS:
        vol.current_ef = None  # a failed SELECT leaves no EF selected
        return sw(0x6A82)
    vol.current_ef = fid
    return sw(0x9000)


def read_binary(chip: "EmrtdChip", cmd: CommandApdu, protected: bool) -> ResponseApdu:
    """READ BINARY B0 of the selected EF, only under BAC; the read itself is the default chip's."""
    if cmd.ins != 0xB0:
        return sw(0x6D00)
    if chip.volatile.sm is None:
        return sw(0x6982)
    if chip.volatile.current_ef is None:
        return sw(0x6985)
    if cmd.p1 & 0x80:
        return sw(0x6F00)
    return _fs.read_binary(chip, cmd)


def create_file(chip: "EmrtdChip", cmd: CommandApdu, protected: bool) -> ResponseApdu:
    """CREATE FILE 63 04 size fid: allocates (or resizes within the first allocation); selects nothing."""
    if _perso_refused(chip):
        return sw(0x6985)
    data = cmd.data
    if len(data) < 6 or data[1] < 4:
        return sw(0x6700)
    if data[0] != 0x63:
        return sw(0x6984)
    size = int.from_bytes(data[2:4], "big")
    fid = int.from_bytes(data[4:6], "big")
    if fid not in FIDS or size > _MAX_SIZE:
        return sw(0x6F00)  # no slot for the FID / a negative Java array size
    if size == 0:
        return sw(0x6A80)  # an empty EF holds nothing a reader could use; refused as the default chip does
    current = chip.files.get(fid)
    if current is None:
        used = sum(len(f) for f in chip.files.values()) + sum(len(t) for t in chip.spare.values())
        if used + size > _fs.MAX_TOTAL_SIZE:
            return sw(0x6A84)
        chip.files[fid] = bytearray(size)
        return sw(0x9000)
    whole = current + chip.spare.get(fid, bytearray())
    if size > len(whole):
        return sw(0x6A84)  # the first CREATE fixed the allocation
    chip.files[fid] = whole[:size]
    if len(whole) > size:
        chip.spare[fid] = whole[size:]
    else:
        chip.spare.pop(fid, None)
    return sw(0x9000)


def update_binary(chip: "EmrtdChip", cmd: CommandApdu, protected: bool) -> ResponseApdu:
    """UPDATE BINARY D6 into the selected EF at offset P1-P2."""
    if cmd.ins != 0xD6:
        return sw(0x6D00)
    fid = chip.volatile.current_ef
    if _perso_refused(chip) or fid is None:
        return sw(0x6985)
    if cmd.p1 & 0x80:
        return sw(0x6F00)
    offset = (cmd.p1 << 8) | cmd.p2
    f = chip.files[fid]
    if offset + len(cmd.data) > len(f):
        return sw(0x6A84)
    f[offset : offset + len(cmd.data)] = cmd.data
    return sw(0x9000)


def put_data(chip: "EmrtdChip", cmd: CommandApdu, protected: bool) -> ResponseApdu:
    """PUT DATA 60, 61, 62, 64 and DE AD; the applet has no command chaining (6884)."""
    if cmd.cla & 0x10:
        return sw(0x6884)
    if _perso_refused(chip):
        return sw(0x6985)
    p1p2 = (cmd.p1 << 8) | cmd.p2
    if p1p2 == 0xDEAD or cmd.p2 == 0x64:
        return _perso.put_data(chip, cmd)
    if p1p2 in (0x0060, 0x0061):
        return _rsa_half(chip, cmd.data, modulus=p1p2 == 0x0060)
    if p1p2 == 0x0062:
        return _mrz(chip, cmd.data)
    if p1p2 == 0x0063:
        return sw(0x6A80)
    return sw(0x6A86)


def _rsa_half(chip: "EmrtdChip", data: bytes, *, modulus: bool) -> ResponseApdu:
    """60 00 {04 L n} / 61 00 {04 L d}: the outer value is skipped, the 04 object after it is the key half."""
    try:
        _, start, length = tlv.decode_header(data)
        _, vstart, vlen = tlv.decode_header(data, start + length)
    except ParseError:
        return sw(0x6F00)  # the applet's scanner ran past the data
    value = bytes(data[vstart : vstart + vlen])
    if vstart + vlen > len(data) or not value:
        return sw(0x6F00)
    if value[0] == 0:
        value = value[1:]  # Java BigInteger.toByteArray's sign byte
    if len(value) > MODULUS_BYTES or (modulus and len(value) != MODULUS_BYTES):
        return sw(0x6F00)  # the key object is RSA-1024: any other size throws
    sec = chip.secrets
    if modulus:
        sec.rsa_modulus = int.from_bytes(value, "big")
    else:
        sec.rsa_private_exponent = int.from_bytes(value, "big")
    sec.aa_private_key = None  # the halves replace a key; it is rebuilt at the lock
    return sw(0x9000)


def _mrz(chip: "EmrtdChip", data: bytes) -> ResponseApdu:
    """62 L {04 doc no, 04 DOB, 04 DOE}: the key comes from the fields exactly as sent."""
    try:
        fields = [t.value for t in tlv.decode(data).children()]
    except ParseError:
        return sw(0x6F00)
    if len(fields) < 3:
        return sw(0x6F00)
    try:
        doc, dob, doe = (bytes(f).decode("ascii") for f in fields[:3])
        chip.secrets.mrz_key = mrz_key_as_sent(doc, dob, doe)
    except (UnicodeDecodeError, InputError):
        return sw(0x6A80)  # the applet would derive some key; a key from non-MRZ characters is refused here
    return sw(0x9000)


def external_authenticate(chip: "EmrtdChip", cmd: CommandApdu, protected: bool) -> ResponseApdu:
    """BAC's EXTERNAL AUTHENTICATE; a cryptogram that does not verify answers 6982 (the applet's MAC check)."""
    resp = _access.external_authenticate(chip, cmd, protected)
    return sw(0x6982) if resp.sw == 0x6300 else resp


def internal_authenticate(chip: "EmrtdChip", cmd: CommandApdu, protected: bool) -> ResponseApdu:
    """Active Authentication only under BAC, in every life cycle; the signing is the default chip's."""
    if chip.volatile.sm is None:
        return sw(0x6982)
    return _access.dispatch(chip, cmd, protected)


def _unknown(chip: "EmrtdChip", cmd: CommandApdu, protected: bool) -> ResponseApdu:
    return sw(0x6D00)


HANDLERS = {
    0xA4: select,
    0xB0: read_binary,
    0xB1: read_binary,
    0xE0: create_file,
    0xD6: update_binary,
    0xD7: update_binary,
    0xDA: put_data,
    0x82: external_authenticate,
    0x88: internal_authenticate,
    0x86: _unknown,  # no PACE, no CA with GENERAL AUTHENTICATE
}
