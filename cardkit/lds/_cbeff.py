"""The biometric templates of DG2, DG3 and DG4 (Doc 9303-10 §4.7.2-§4.7.4; ISO/IEC 7816-11 Annex C).

    7F61 L {                           biometric information group template
      02 01 n                          number of instances
      7F60 L {                         biometric information template, n times
        A1 L { [80 0101] 81 type [82 subtype] [83 created] [85 validity] [86 creator] 87 owner 88 format }
        5F2E|7F2E L <biometric data block: a face, finger or iris record> } }

One layer for the three groups: ``split_group`` checks the group (7F61 once, the count first and
equal to the number of 7F60 templates, nothing else inside) and each template (one header A1, one
data block, other elements kept), and ``parse_group`` hands each data block to the group's own
record codec (``check_record`` first refuses a template of another type or record format);
``encode_group`` writes them back, and ``template_dict``/``group_dict`` show them. Biometric types (7816-11 Table C.2): 02 face, 08 finger, 10 iris.
Parsing is strict, as readers in the field abort on a malformed template: every length must match
and counts must agree. Errors name the data group, the template and the byte offset.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from .. import tlv
from ..errors import ParseError
from ._base import MAX_ITEMS, check_build, unwrap, with_other

T = TypeVar("T")

__all__ = ["BiometricHeader", "Instance", "RecordKind", "split_group", "parse_group", "encode_group", "make_header",
           "expect_type", "check_record", "template_dict", "group_dict", "FACE", "FINGER", "IRIS",
           "FORMAT_OWNER_SC37"]

BIT_GROUP, BIT, BHT, COUNT = 0x7F61, 0x7F60, 0xA1, 0x02
BDB_TAGS = (0x5F2E, 0x7F2E)
FACE, FINGER, IRIS = 0x02, 0x08, 0x10  # biometric types (ISO/IEC 7816-11 Table C.2)
FORMAT_OWNER_SC37 = 0x0101  # ISO/IEC JTC 1/SC 37
_MAX_HEADER_ELEMENTS = 64


@dataclass(frozen=True)
class BiometricHeader:
    """Biometric header template A1 (ISO/IEC 7816-11 Table C.1); ``elements`` keeps every (tag, value)."""

    elements: tuple[tuple[int, bytes], ...]

    def get(self, tag: int) -> bytes | None:
        for t, v in self.elements:
            if t == tag:
                return v
        return None

    def _int(self, tag: int) -> int | None:
        v = self.get(tag)
        return int.from_bytes(v, "big") if v else None

    @property
    def version(self) -> bytes | None:  # 80: patron header version, 0101
        return self.get(0x80)

    @property
    def biometric_type(self) -> int | None:  # 81: 02 face, 08 finger, 10 iris
        return self._int(0x81)

    @property
    def biometric_subtype(self) -> int | None:  # 82: which finger or eye (7816-11 Table C.3)
        return self._int(0x82)

    @property
    def creation_date(self) -> bytes | None:  # 83: CCYYMMDDhhmmss, BCD (7 bytes)
        return self.get(0x83)

    @property
    def validity_period(self) -> bytes | None:  # 85: from CCYYMMDD to CCYYMMDD, BCD (8 bytes)
        return self.get(0x85)

    @property
    def creator(self) -> bytes | None:  # 86: PID of the product that created the data
        return self.get(0x86)

    @property
    def format_owner(self) -> int | None:  # 87: 0101 = ISO/IEC JTC 1/SC 37
        return self._int(0x87)

    @property
    def format_type(self) -> int | None:  # 88: 0008 face (19794-5), 0007 finger (19794-4), 0009 iris (19794-6)
        return self._int(0x88)

    def to_bytes(self) -> bytes:
        """The A1 template's content (the elements in their order)."""
        return b"".join(tlv.encode(tag, v) for tag, v in self.elements)

    def to_dict(self) -> dict[str, str]:
        return {f"{t:02X}": v.hex().upper() for t, v in self.elements}


@dataclass(frozen=True)
class Instance:
    """One 7F60 template as the CBEFF layer sees it: header, the data block (undecoded), other elements."""

    index: int  # 0-based position in the group, for messages
    header: BiometricHeader
    bdb: tlv.Tlv
    other: tuple[tuple[int, bytes], ...]

    @property
    def bdb_tag(self) -> int:
        return self.bdb.tag

    @property
    def label(self) -> str:
        return f"template {self.index + 1}"


def _count(value: bytes, what: str, offset: int) -> int:
    if not 1 <= len(value) <= 4:
        raise ParseError(f"instance count of {len(value)} bytes", what=what, offset=offset)
    return int.from_bytes(value, "big")


def split_group(outer: tlv.Tlv, what: str) -> tuple[tuple[Instance, ...], tuple[tuple[int, bytes], ...]]:
    """The templates of a biometric data group, and the children of its outer tag other than 7F61.

    Raises:
        ParseError: no or a repeated 7F61, a count that is absent, zero or wrong, a foreign element in
            7F61, a template without its header or data block or with either repeated.
    """
    group = None
    other = []
    for c in outer.children():
        if c.tag == BIT_GROUP:
            if group is not None:
                raise ParseError("tag 7F61 repeated", what=what, offset=c.start)
            group = c
        else:
            other.append((c.tag, c.value))
    if group is None:
        raise ParseError("missing biometric information group 7F61", what=what, path=(outer.tag,))
    children = group.children()
    if not children or children[0].tag != COUNT:
        raise ParseError("7F61 must start with the instance count 02", what=what, offset=group.start)
    count = _count(children[0].value, what, children[0].start)
    bits = children[1:]
    bad = next((c for c in bits if c.tag != BIT), None)
    if bad is not None:
        raise ParseError(f"unexpected tag {bad.tag:X} in 7F61", what=what, offset=bad.start)
    if count != len(bits) or count == 0 or count > MAX_ITEMS:
        raise ParseError(f"instance count {count} but {len(bits)} templates 7F60", what=what,
                         offset=children[0].start)
    return tuple(_instance(b, i, what) for i, b in enumerate(bits)), tuple(other)


def parse_group(data: bytes, tag: int, what: str, template: Callable[[Instance], T]
                ) -> tuple[bytes, tuple[T, ...], tuple[tuple[int, bytes], ...]]:
    """A whole biometric data group: (raw bytes, each template decoded by ``template``, other children)."""
    raw, outer = unwrap(data, tag, what)
    instances, other = split_group(outer, what)
    return raw, tuple(template(i) for i in instances), other


def _instance(bit: tlv.Tlv, index: int, what: str) -> Instance:
    header = None
    bdb = None
    other = []
    for c in bit.children():
        if c.tag == BHT and header is None:
            kids = c.children()
            if len(kids) > _MAX_HEADER_ELEMENTS:
                raise ParseError("too many elements in A1", what=what, offset=c.start)
            header = BiometricHeader(tuple((k.tag, k.value) for k in kids))
        elif c.tag in BDB_TAGS and bdb is None:
            bdb = c
        elif c.tag == BHT or c.tag in BDB_TAGS:
            raise ParseError(f"tag {c.tag:X} repeated in template {index + 1}", what=what, offset=c.start)
        else:
            other.append((c.tag, c.value))
    if header is None:
        raise ParseError(f"template {index + 1} has no biometric header A1", what=what, offset=bit.start)
    if bdb is None:
        raise ParseError(f"template {index + 1} has no biometric data block 5F2E/7F2E", what=what, offset=bit.start)
    return Instance(index, header, bdb, tuple(other))


def expect_type(instance: Instance, biometric_type: int, name: str, what: str) -> None:
    """Refuse a template whose header names another biometric type (an absent 81 is accepted).

    Raises:
        ParseError: "template 2: biometric type 8 is not face (2)".
    """
    found = instance.header.biometric_type
    if found not in (None, biometric_type):
        raise ParseError(f"{instance.label}: biometric type {found} is not {name} ({biometric_type})",
                         what=what, offset=instance.bdb.start)


@dataclass(frozen=True)
class RecordKind:
    """The record a group's data blocks hold: its biometric type, format type and the identifier it starts with."""

    biometric_type: int
    name: str  # "finger", in "biometric type 8 is not finger (8)"
    format_type: int  # the header's 88 (ISO/IEC 7816-11 Table C.1)
    identifier: bytes  # the record's format identifier, "FIR\0"
    record: str  # "a finger image record"
    reads: str  # "ISO/IEC 19794-4 finger images"


def check_record(instance: Instance, kind: RecordKind, what: str) -> None:
    """Refuse a template of another biometric type, or whose format type names another record.

    A format type other than the kind's is forgiven when the data block starts with the kind's identifier.

    Raises:
        ParseError: "template 1: format type 0008 is not a finger image record (0007); ...".
    """
    expect_type(instance, kind.biometric_type, kind.name, what)
    fmt = instance.header.format_type
    if fmt not in (None, kind.format_type) and not instance.bdb.value.startswith(kind.identifier):
        raise ParseError(f"{instance.label}: format type {fmt:04X} is not {kind.record} ({kind.format_type:04X}); "
                         f"cardkit reads {kind.reads}", what=what, offset=instance.bdb.start)


def template_dict(header: BiometricHeader, record: dict[str, Any], bdb_tag: int,
                  other: tuple[tuple[int, bytes], ...]) -> dict[str, Any]:
    """JSON-safe view of one template: its header, its record's view, the data block tag, other elements."""
    return with_other({"header": header.to_dict(), **record, "data_block_tag": f"{bdb_tag:X}"}, other)


def group_dict(what: str, templates: Sequence[dict[str, Any]], other: tuple[tuple[int, bytes], ...]) -> dict[str, Any]:
    """JSON-safe view of a biometric data group: the file, its templates' views, other children."""
    return with_other({"file": what, "templates": list(templates)}, other)


def make_header(biometric_type: int, format_type: int, *, subtype: int | None = None,
                creation_date: bytes | None = None, validity_period: bytes | None = None,
                creator: bytes | None = None, what: str) -> BiometricHeader:
    """The A1 header of a new template: version 0101, the type, the optional elements given, owner SC 37.

    Raises:
        InputError: a creation date that is not 7 bytes or a validity period that is not 8.
    """
    elements: list[tuple[int, bytes]] = [(0x80, b"\x01\x01"), (0x81, bytes([biometric_type]))]
    if subtype is not None:
        check_build(0 <= subtype <= 0xFF, "biometric subtype must fit in one byte", what)
        elements.append((0x82, bytes([subtype])))
    for tag, val, n in ((0x83, creation_date, 7), (0x85, validity_period, 8), (0x86, creator, None)):
        if val is not None:
            check_build(n is None or len(val) == n, f"tag {tag:X} must be {n} bytes", what)
            elements.append((tag, bytes(val)))
    elements += [(0x87, FORMAT_OWNER_SC37.to_bytes(2, "big")), (0x88, format_type.to_bytes(2, "big"))]
    return BiometricHeader(tuple(elements))


def encode_group(instances: Sequence[tuple[BiometricHeader, int, bytes]]) -> bytes:
    """7F61 with the count and one 7F60 per (header, data block tag, data block), in order."""
    bits = b"".join(tlv.encode(BIT, tlv.encode(BHT, h.to_bytes()) + tlv.encode(tag, bdb)) for h, tag, bdb in instances)
    return tlv.encode(BIT_GROUP, tlv.encode(COUNT, _count_bytes(len(instances))) + bits)


def _count_bytes(n: int) -> bytes:
    return n.to_bytes(max(1, (n.bit_length() + 7) // 8), "big")
