"""ISO/IEC 7816-4 command and response APDUs (short and extended length) and status words.

This is a pure codec, below every protocol: the crypto layer builds and wraps
``CommandApdu`` objects, the card layer sends their bytes, and the simulator parses
the same bytes on the chip side. Nothing here does I/O.

Length rules (ISO/IEC 7816-4 §5.1):
- short: Lc 1..255, Le 1..256 (Le byte 00 means 256);
- extended: 00 then Lc on two bytes 1..65535; Le on two bytes (0000 means 65536),
  preceded by 00 only when there is no command data.
An APDU is encoded short whenever it fits, unless ``extended=True`` is asked.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import ParseError, StatusWordError

__all__ = [
    "CommandApdu",
    "ResponseApdu",
    "SW_OK",
    "STATUS_WORDS",
    "sw_meaning",
    "check_sw",
]

SW_OK = 0x9000

STATUS_WORDS: dict[int, str] = {
    0x9000: "success",
    0x6282: "end of file reached before Le bytes",
    0x6300: "authentication failed",
    0x6700: "wrong length",
    0x6881: "logical channel not supported",
    0x6882: "secure messaging not supported",
    0x6883: "last command of the chain expected",
    0x6884: "command chaining not supported",
    0x6982: "security status not satisfied",
    0x6983: "authentication method blocked",
    0x6984: "reference data not usable",
    0x6985: "conditions of use not satisfied",
    0x6986: "command not allowed (no current EF)",
    0x6987: "expected secure messaging data objects missing",
    0x6988: "incorrect secure messaging data objects",
    0x6A80: "incorrect parameters in the command data field",
    0x6A81: "function not supported",
    0x6A82: "file or application not found",
    0x6A84: "not enough memory space in the file",
    0x6A86: "incorrect parameters P1-P2",
    0x6A88: "referenced data not found",
    0x6A89: "file already exists",
    0x6B00: "wrong parameters (offset outside the EF)",
    0x6D00: "instruction code not supported",
    0x6E00: "class not supported",
    0x6F00: "no precise diagnosis",
}


def sw_meaning(sw: int) -> str:
    """A short English meaning of a status word (ISO/IEC 7816-4 Table 6)."""
    if sw in STATUS_WORDS:
        return STATUS_WORDS[sw]
    if sw >> 8 == 0x61:
        return f"{sw & 0xFF} more bytes available"
    if sw >> 8 == 0x6C:
        return f"wrong Le: {sw & 0xFF} bytes available"
    if sw & 0xFFF0 == 0x63C0:
        return f"verification failed, {sw & 0x0F} tries left"
    return "unknown status"


@dataclass(frozen=True, slots=True)
class CommandApdu:
    """A command APDU. ``le`` is the number of bytes expected (None: no Le field; 256/65536 allowed)."""

    cla: int
    ins: int
    p1: int
    p2: int
    data: bytes = b""
    le: int | None = None
    extended: bool = False

    def __post_init__(self) -> None:
        for name in ("cla", "ins", "p1", "p2"):
            v = getattr(self, name)
            if not 0 <= v <= 0xFF:
                raise ValueError(f"{name} {v} is not a byte")
        if len(self.data) > 65535:
            raise ValueError("command data longer than 65535 bytes")
        if self.le is not None and not 0 < self.le <= 65536:
            raise ValueError(f"Le {self.le} outside 1..65536")

    @property
    def needs_extended(self) -> bool:
        """True when the APDU cannot be encoded in short form."""
        return len(self.data) > 255 or (self.le is not None and self.le > 256)

    @property
    def header(self) -> bytes:
        return bytes((self.cla, self.ins, self.p1, self.p2))

    def to_bytes(self) -> bytes:
        """Encode in short form when it fits (unless ``extended``), else extended form."""
        ext = self.extended or self.needs_extended
        out = bytearray(self.header)
        if ext:
            if self.data:
                out += b"\x00" + len(self.data).to_bytes(2, "big") + self.data
                if self.le is not None:
                    out += (self.le & 0xFFFF).to_bytes(2, "big")
            elif self.le is not None:
                out += b"\x00" + (self.le & 0xFFFF).to_bytes(2, "big")
        else:
            if self.data:
                out += bytes([len(self.data)]) + self.data
            if self.le is not None:
                out.append(self.le & 0xFF)
        return bytes(out)

    @classmethod
    def from_bytes(cls, data: bytes) -> "CommandApdu":
        """Parse the four ISO cases, short and extended.

        Raises:
            ParseError: fewer than 4 bytes, or a body that matches no case.
        """
        data = bytes(data)
        n = len(data)
        if n < 4:
            raise ParseError(f"command APDU of {n} bytes (at least 4)", what="command APDU", offset=0)
        cla, ins, p1, p2 = data[:4]
        body = data[4:]
        b = len(body)
        if b == 0:
            return cls(cla, ins, p1, p2)
        if b == 1:
            return cls(cla, ins, p1, p2, le=body[0] or 256)
        if body[0] != 0 or b < 3:
            # short case 3 or 4
            lc = body[0]
            if lc == 0:
                raise ParseError("short Lc of 0", what="command APDU", offset=4)
            if b == 1 + lc:
                return cls(cla, ins, p1, p2, body[1:])
            if b == 2 + lc:
                return cls(cla, ins, p1, p2, body[1 : 1 + lc], le=body[-1] or 256)
            raise ParseError(f"Lc {lc} does not match {b - 1} bytes of body", what="command APDU", offset=4)
        # extended: body starts with 00
        if b == 3:
            le = int.from_bytes(body[1:3], "big") or 65536
            return cls(cla, ins, p1, p2, le=le, extended=True)
        lc = int.from_bytes(body[1:3], "big")
        if lc == 0:
            raise ParseError("extended Lc of 0", what="command APDU", offset=5)
        if b == 3 + lc:
            return cls(cla, ins, p1, p2, body[3:], extended=True)
        if b == 5 + lc:
            le = int.from_bytes(body[-2:], "big") or 65536
            return cls(cla, ins, p1, p2, body[3 : 3 + lc], le=le, extended=True)
        raise ParseError(f"extended Lc {lc} does not match {b - 3} bytes of body", what="command APDU", offset=5)

    def __repr__(self) -> str:
        le = "" if self.le is None else f" le={self.le}"
        return f"CommandApdu({self.header.hex().upper()} lc={len(self.data)}{le})"


@dataclass(frozen=True, slots=True)
class ResponseApdu:
    """A response APDU: data then the two status bytes."""

    data: bytes
    sw: int

    @property
    def sw1(self) -> int:
        return self.sw >> 8

    @property
    def sw2(self) -> int:
        return self.sw & 0xFF

    @property
    def ok(self) -> bool:
        return self.sw == SW_OK

    def to_bytes(self) -> bytes:
        return self.data + self.sw.to_bytes(2, "big")

    @classmethod
    def from_bytes(cls, data: bytes) -> "ResponseApdu":
        """Raises ParseError when there are fewer than the two status bytes."""
        data = bytes(data)
        if len(data) < 2:
            raise ParseError(f"response of {len(data)} bytes has no status word", what="response APDU", offset=0)
        return cls(data[:-2], int.from_bytes(data[-2:], "big"))

    def __repr__(self) -> str:
        return f"ResponseApdu(len={len(self.data)} sw={self.sw:04X})"


def check_sw(resp: ResponseApdu, step: str, *, accept: tuple[int, ...] = (SW_OK,)) -> ResponseApdu:
    """Return ``resp`` when its status word is one of ``accept``, else raise.

    Args:
        resp: the (unwrapped) response.
        step: the protocol step, for the message ("SELECT DG1", "READ BINARY DG2 offset 4").
        accept: the status words that count as success.

    Raises:
        StatusWordError: with ``.sw``, ``.step`` and the ISO meaning.
    """
    if resp.sw in accept:
        return resp
    raise StatusWordError(resp.sw, step=step, meaning=sw_meaning(resp.sw))
