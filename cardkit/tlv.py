"""BER-TLV as used by ISO/IEC 7816-4 and ICAO Doc 9303 (strict, bounded).

Rules this module enforces, whatever the input:
- tags of 1 to 4 bytes (the first byte's low five bits all set announce more bytes,
  and every following byte but the last has bit 8 set);
- definite lengths only: short form (0..127) or long form with 1 to 4 length bytes;
  the indefinite form (0x80) is refused, as Doc 9303 never uses it;
- a length that runs past the end of the buffer, trailing bytes where a single TLV
  is expected, and nesting deeper than ``MAX_DEPTH`` raise ``ParseError`` with the
  offset and the tag path;
- a header cut short is not an error to ``read_header``: it answers ``Incomplete(needed)``,
  so a reader asks the chip for more bytes by type, never by an error's wording.

Decoding does not copy: a ``Tlv`` is a view (start, end) into the buffer it was
found in; ``value`` copies only when asked for. ``raw`` gives back the exact bytes,
so a parsed file re-encodes byte for byte even when its lengths were not minimal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from .errors import ParseError

__all__ = [
    "MAX_DEPTH",
    "Tlv",
    "decode",
    "decode_all",
    "decode_header",
    "read_header",
    "Incomplete",
    "iter_tlvs",
    "encode",
    "encode_tag",
    "encode_length",
    "is_constructed",
    "tag_bytes",
]

MAX_DEPTH = 16
MAX_TAG_BYTES = 4
MAX_LENGTH_BYTES = 4


def is_constructed(tag: int) -> bool:
    """True when the tag's first byte has the constructed bit (0x20) set."""
    first = tag
    while first > 0xFF:
        first >>= 8
    return bool(first & 0x20)


def tag_bytes(tag: int) -> bytes:
    """The encoded bytes of a tag given as an integer (0x5F1F -> b'\\x5f\\x1f')."""
    if tag < 0:
        raise ValueError("negative tag")
    n = max(1, (tag.bit_length() + 7) // 8)
    if n > MAX_TAG_BYTES:
        raise ValueError(f"tag {tag:X} longer than {MAX_TAG_BYTES} bytes")
    return tag.to_bytes(n, "big")


encode_tag = tag_bytes


def encode_length(length: int) -> bytes:
    """Minimal definite-length encoding (short form below 128, else long form)."""
    if length < 0:
        raise ValueError("negative length")
    if length < 0x80:
        return bytes([length])
    n = (length.bit_length() + 7) // 8
    if n > MAX_LENGTH_BYTES:
        raise ValueError(f"length {length} needs more than {MAX_LENGTH_BYTES} bytes")
    return bytes([0x80 | n]) + length.to_bytes(n, "big")


def encode(tag: int, value: bytes | bytearray | memoryview) -> bytes:
    """Encode one TLV with a minimal length."""
    value = bytes(value)
    return tag_bytes(tag) + encode_length(len(value)) + value


@dataclass(frozen=True, slots=True)
class Incomplete:
    """The bytes stop inside a tag or length: read at least ``needed`` more bytes, then decode again.

    A typed "need more bytes" signal for readers that learn a file's size from its first bytes
    (Doc 9303-10 §3.6: read the header, then the rest). ``needed`` is a lower bound: the header
    may turn out longer (a tag's continuation bytes are not known in advance), never shorter.
    """

    needed: int
    reason: str  # for the ParseError that ``decode_header`` raises; never used to decide anything


def read_header(buf: bytes | bytearray | memoryview, pos: int = 0,
                end: int | None = None) -> tuple[int, int, int] | Incomplete:
    """Decode the tag and length at ``pos``, or say how many more bytes the header needs.

    Returns:
        (tag, value_start, value_length) as ``decode_header`` does, or ``Incomplete`` when ``buf``
        ends inside the header, where more bytes could still make it valid.

    Raises:
        ParseError: a header no further bytes can mend: a padding byte (00, FF) where a tag starts,
            a tag longer than ``MAX_TAG_BYTES``, the indefinite length, more than ``MAX_LENGTH_BYTES``
            length bytes.
    """
    mv = buf if isinstance(buf, memoryview) else memoryview(buf)
    if end is None:
        end = len(mv)
    start = pos
    if pos >= end:
        return Incomplete(2, "expected a tag, found end of data")  # a tag byte and a length byte at least
    first = mv[pos]
    if first in (0x00, 0xFF):
        raise ParseError(f"tag byte {first:02X} is padding, not a tag", what="BER-TLV", offset=pos)
    tag = first
    pos += 1
    if first & 0x1F == 0x1F:
        while True:
            if pos >= end:
                return Incomplete(2, "tag runs past the end of data")  # a tag byte and a length byte at least
            b = mv[pos]
            tag = (tag << 8) | b
            pos += 1
            # a continuation bit on the last byte allowed: no further bytes can make this tag valid
            if pos - start > MAX_TAG_BYTES or (pos - start == MAX_TAG_BYTES and b & 0x80):
                raise ParseError(f"tag longer than {MAX_TAG_BYTES} bytes", what="BER-TLV", offset=start)
            if not b & 0x80:
                break
    if pos >= end:
        return Incomplete(1, f"tag {tag:X} has no length")
    lb = mv[pos]
    pos += 1
    if lb < 0x80:
        length = lb
    elif lb == 0x80:
        raise ParseError(f"tag {tag:X}: indefinite length is not allowed", what="BER-TLV", offset=start)
    else:
        n = lb & 0x7F
        if n > MAX_LENGTH_BYTES:
            raise ParseError(f"tag {tag:X}: {n} length bytes (at most {MAX_LENGTH_BYTES})", what="BER-TLV", offset=start)
        if pos + n > end:
            return Incomplete(pos + n - end, f"tag {tag:X}: length runs past the end of data")
        length = int.from_bytes(mv[pos : pos + n], "big")
        pos += n
    return tag, pos, length


def decode_header(buf: bytes | bytearray | memoryview, pos: int = 0, end: int | None = None) -> tuple[int, int, int]:
    """Decode the tag and length at ``pos``.

    Returns:
        (tag, value_start, value_length). The value is *not* checked to fit in the
        buffer, so this can be used on the first bytes of a file to learn its size.

    Raises:
        ParseError: truncated header, over-long tag or length, indefinite length.
    """
    header = read_header(buf, pos, end)
    if isinstance(header, Incomplete):
        raise ParseError(header.reason, what="BER-TLV", offset=pos)
    return header


@dataclass(frozen=True, slots=True, eq=False)
class Tlv:
    """One decoded TLV: a view into the buffer it came from (no copy)."""

    tag: int
    buf: memoryview
    start: int  # offset of the tag in buf
    value_start: int
    end: int  # offset just past the value
    depth: int = 0

    @property
    def constructed(self) -> bool:
        return is_constructed(self.tag)

    @property
    def length(self) -> int:
        return self.end - self.value_start

    @property
    def value(self) -> bytes:
        """The value bytes (copied)."""
        return bytes(self.buf[self.value_start : self.end])

    @property
    def value_view(self) -> memoryview:
        """The value bytes as a view into the original buffer (no copy)."""
        return self.buf[self.value_start : self.end]

    @property
    def raw(self) -> bytes:
        """Tag, length and value exactly as they were in the input."""
        return bytes(self.buf[self.start : self.end])

    def children(self) -> list["Tlv"]:
        """Decode the value as a sequence of TLVs that fills it exactly."""
        if self.depth + 1 > MAX_DEPTH:
            raise ParseError(f"nesting deeper than {MAX_DEPTH}", what="BER-TLV", offset=self.start, path=(self.tag,))
        try:
            return list(_iter(self.buf, self.value_start, self.end, self.depth + 1))
        except ParseError as e:
            raise e.within(tag=self.tag)

    def child(self, tag: int) -> "Tlv":
        """The first child with this tag; ParseError if there is none."""
        for c in self.children():
            if c.tag == tag:
                return c
        raise ParseError(f"missing tag {tag:X}", what="BER-TLV", offset=self.start, path=(self.tag,))

    def find(self, tag: int) -> "Tlv | None":
        """The first child with this tag, or None when absent."""
        for c in self.children():
            if c.tag == tag:
                return c
        return None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Tlv):
            return NotImplemented
        return self.tag == other.tag and self.raw == other.raw

    def __hash__(self) -> int:
        return hash((self.tag, self.raw))

    def __repr__(self) -> str:
        return f"Tlv(tag={self.tag:X}, length={self.length})"


# ``Tlv(...)`` of a frozen dataclass sets each field through ``object.__setattr__``: twice the cost of
# setting its slots directly, and every file of every document is made of TLVs.
_new = object.__new__
_SET = tuple(getattr(Tlv, name).__set__ for name in ("tag", "buf", "start", "value_start", "end", "depth"))


def _make(tag: int, mv: memoryview, start: int, value_start: int, end: int, depth: int) -> Tlv:
    """``Tlv(tag, mv, start, value_start, end, depth)``, made by setting its slots."""
    t = _new(Tlv)
    s_tag, s_buf, s_start, s_value_start, s_end, s_depth = _SET
    s_tag(t, tag)
    s_buf(t, mv)
    s_start(t, start)
    s_value_start(t, value_start)
    s_end(t, end)
    s_depth(t, depth)
    return t


def _one(mv: memoryview, pos: int, end: int, depth: int) -> Tlv:
    # The common headers first, in line (a tag of one or two bytes, a length of up to three): every
    # file of every document goes through here. Anything else, error cases included, is
    # ``decode_header``'s, which says exactly what is wrong.
    header = _common_header(mv, pos, end)
    tag, vstart, length = header if header is not None else decode_header(mv, pos, end)
    if vstart + length > end:
        raise ParseError(
            f"tag {tag:X}: length {length} runs past the end of data ({end - vstart} bytes left)",
            what="BER-TLV",
            offset=pos,
        )
    return _make(tag, mv, pos, vstart, vstart + length, depth)


def _common_header(mv: memoryview, pos: int, end: int) -> tuple[int, int, int] | None:
    """``read_header``'s answer for a 1- or 2-byte tag and a short, 81 or 82 length wholly in ``mv[:end]``; else None."""
    if pos + 2 > end:
        return None
    tag = mv[pos]
    if tag == 0x00 or tag == 0xFF:
        return None
    p = pos + 1
    if tag & 0x1F == 0x1F:
        b = mv[p]
        if b & 0x80 or p + 2 > end:
            return None
        tag = (tag << 8) | b
        p += 1
    lb = mv[p]
    if lb < 0x80:
        return tag, p + 1, lb
    if lb == 0x81 and p + 2 <= end:
        return tag, p + 2, mv[p + 1]
    if lb == 0x82 and p + 3 <= end:
        return tag, p + 3, (mv[p + 1] << 8) | mv[p + 2]
    return None


def _iter(mv: memoryview, pos: int, end: int, depth: int) -> Iterator[Tlv]:
    while pos < end:
        t = _one(mv, pos, end, depth)
        yield t
        pos = t.end


def _view(data: bytes | bytearray | memoryview) -> memoryview:
    if isinstance(data, memoryview):
        return data
    if isinstance(data, bytearray):
        data = bytes(data)  # a bytearray may change under us; take a snapshot once
    return memoryview(data)


def decode(data: bytes | bytearray | memoryview, *, allow_trailing: bool = False) -> Tlv:
    """Decode exactly one TLV from ``data``.

    Raises:
        ParseError: malformed header, overrun, or trailing bytes (unless allowed).
    """
    mv = _view(data)
    t = _one(mv, 0, len(mv), 0)
    if not allow_trailing and t.end != len(mv):
        raise ParseError(f"{len(mv) - t.end} trailing bytes after tag {t.tag:X}", what="BER-TLV", offset=t.end)
    return t


def iter_tlvs(data: bytes | bytearray | memoryview) -> Iterator[Tlv]:
    """Iterate over consecutive TLVs that fill ``data`` exactly."""
    mv = _view(data)
    return _iter(mv, 0, len(mv), 0)


def decode_all(data: bytes | bytearray | memoryview) -> list[Tlv]:
    """Decode consecutive TLVs that fill ``data`` exactly."""
    return list(iter_tlvs(data))
