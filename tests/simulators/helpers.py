"""Shared helpers for the simulator tests: sample files, perso APDUs, an in-memory terminal.

The terminal side is cardkit.crypto's sans-I/O protocol objects connected straight to the chip's
``process_apdu`` (h11 ConnectionPair style): no mocks, no card layer.
"""

from __future__ import annotations

import itertools

from cardkit import tlv
from cardkit.crypto.sm import SecureMessaging
from cardkit.iso7816 import CommandApdu, ResponseApdu
from simulators.emrtd import EmrtdChip

# Doc 9303-11 Appendix D: the BAC worked example's MRZ fields.
DOC, DOB, DOE = "L898902C", "690806", "940623"
MRZ_INFO = "L898902C<369080619406236"
CAN = "123456"
TD1 = ("I<UTOD231458907<<<<<<<<<<<<<<<"
       "7408122F1204159UTO<<<<<<<<<<<6"
       "ERIKSSON<<ANNA<MARIA<<<<<<<<<<")
# the EF.CardAccess seen on real VN chips (TA, CA ECDH AES-128, PACE ECDH-GM AES-128 id 13)
VN_CARD_ACCESS = bytes.fromhex(
    "3134300d060804007f0007020202020101300f060a04007f000702020302020201013012060a04007f0007020204020202010202010d")

DG1 = tlv.encode(0x61, tlv.encode(0x5F1F, TD1.encode()))
COM = bytes.fromhex("60145F0104303130365F36063034303030305C026175")
BIG = bytes(range(256)) * 160  # 40 960 bytes: past the 32 767 limit of B0 offsets
DG2 = tlv.encode(0x75, BIG)


def sample_files() -> dict[str, bytes]:
    return {"EF.CardAccess": VN_CARD_ACCESS, "EF.COM": COM, "DG1": DG1, "DG2": DG2,
            "DG3": tlv.encode(0x63, b"\x01" * 40)}


def counter_rng(seed: int = 0):
    """A deterministic rng for tests: bytes of an incrementing counter."""
    c = itertools.count(seed)

    def rng(n: int) -> bytes:
        return bytes(next(c) & 0xFF for _ in range(n))

    return rng


def locked_chip(**kw) -> EmrtdChip:
    chip = EmrtdChip.personalised(sample_files(), document_number=DOC, date_of_birth=DOB,
                                  date_of_expiry=DOE, can=CAN, **kw)
    chip.power_on()
    return chip


class Terminal:
    """Sends APDUs to a chip, wrapping and unwrapping them once a session is set."""

    def __init__(self, chip: EmrtdChip, full_le: bool = False) -> None:
        self.chip = chip
        self.sm: SecureMessaging | None = None
        # full_le: an extended command asks Le 0000 (everything) instead of exactly 256 bytes
        self.full_le = full_le

    def raw(self, apdu: bytes | str) -> bytes:
        if isinstance(apdu, str):
            apdu = bytes.fromhex(apdu.replace(" ", ""))
        return self.chip.process_apdu(apdu)

    def send(self, cmd: CommandApdu) -> ResponseApdu:
        if self.full_le and cmd.le == 256 and (cmd.extended or cmd.needs_extended):
            cmd = CommandApdu(cmd.cla, cmd.ins, cmd.p1, cmd.p2, cmd.data, le=65536, extended=True)
        if self.sm is not None:
            wrapped = self.sm.wrap(cmd)
            return self.sm.unwrap(ResponseApdu.from_bytes(self.chip.process_apdu(wrapped.to_bytes())))
        return ResponseApdu.from_bytes(self.chip.process_apdu(cmd.to_bytes()))

    def run(self, protocol) -> object:
        """Drive a sans-I/O protocol object (start/receive/done) to the end."""
        cmd = protocol.start()
        while cmd is not None:
            cmd = protocol.receive(self.send(cmd))
        return protocol.result

    def select_app(self) -> ResponseApdu:
        return self.send(CommandApdu(0x00, 0xA4, 0x04, 0x0C, bytes.fromhex("A0000002471001")))

    def select(self, fid: int) -> ResponseApdu:
        return self.send(CommandApdu(0x00, 0xA4, 0x02, 0x0C, fid.to_bytes(2, "big")))

    def read_file(self, fid: int, block: int = 0xDF) -> bytes:
        """Select, read the TLV header, then the rest (B1 past 32 767), the order of the Doc 9303-10 worked example."""
        r = self.select(fid)
        assert r.sw == 0x9000, hex(r.sw)
        head = self.send(CommandApdu(0x00, 0xB0, 0x00, 0x00, le=4))
        assert head.sw == 0x9000, hex(head.sw)
        _, vstart, vlen = tlv.decode_header(head.data)
        total = vstart + vlen
        out = bytearray(head.data)
        while len(out) < total:
            n = min(block, total - len(out))
            off = len(out)
            if off <= 0x7FFF:
                r = self.send(CommandApdu(0x00, 0xB0, off >> 8, off & 0xFF, le=n))
                part = r.data
            else:
                # Le counts the whole DO53 (tag, length, data): it stays within the block size
                r = self.send(CommandApdu(0x00, 0xB1, 0x00, 0x00, tlv.encode(0x54, off.to_bytes(3, "big")),
                                          le=min(block, n + 3)))
                assert r.sw in (0x9000, 0x6282), hex(r.sw)
                part = tlv.decode(r.data).value
            assert r.sw in (0x9000, 0x6282), hex(r.sw)
            assert part, "empty read"
            out += part
        return bytes(out[:total])


def perso_commands(files: dict[int, bytes], *, doc=DOC, dob=DOB, doe=DOE, can=CAN, block=0xDF) -> list[bytes]:
    """The PERSO.md command sequence, built byte for byte from the document (not from simulator code)."""
    cmds = [bytes.fromhex("00A4040C07A0000002471001")]
    for fid, content in files.items():
        cmds.append(bytes.fromhex("00E0000006 6304") + len(content).to_bytes(2, "big") + fid.to_bytes(2, "big"))
        cmds.append(bytes.fromhex("00A4020C02") + fid.to_bytes(2, "big"))
        for off in range(0, len(content), block):
            part = content[off : off + block]
            if off <= 0x7FFF:
                cmds.append(bytes([0x00, 0xD6, off >> 8, off & 0xFF, len(part)]) + part)
            else:  # odd INS D7: 54 offset, 53 data
                body = tlv.encode(0x54, off.to_bytes(3, "big")) + tlv.encode(0x53, part)
                cmds.append(bytes([0x00, 0xD7, 0x00, 0x00, len(body)]) + body)
    mrz = tlv.encode(0x62, tlv.encode(0x04, doc.encode()) + tlv.encode(0x04, dob.encode()) + tlv.encode(0x04, doe.encode()))
    cmds.append(bytes([0x00, 0xDA, 0x00, 0x62, len(mrz)]) + mrz)
    if can:
        sec = tlv.encode(0x65, tlv.encode(0x66, b"\x02" + can.encode()))
        cmds.append(bytes([0x00, 0xDA, 0x00, 0x65, len(sec)]) + sec)
    return cmds
