"""The "tag list, then the listed data elements" layout shared by DG11 and DG12 (Doc 9303-10 §4.7.11-12).

    6B|6C L { 5C n <tags present>  <element>...  [A0 L { 02 01 count  <inner tag> L <text> ... }] }

A repeated element (other names in DG11, other persons in DG12) sits in an A0 template with a
count; its inner tag is what the tag list names (as JMRTD writes it). Elements the table does not
know are kept, in order, in ``other``. Text is UTF-8; dates are ASCII digits (an old BCD date is
shown as its hex digits); images stay bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, ClassVar, Mapping, Self

from .. import tlv
from ..errors import ParseError
from ._base import (MAX_ITEMS, check_build, decode_text, hex_or_text, parse_guard, parse_tag_list, tag_list_bytes,
                    unwrap, wrap)

__all__ = ["Element", "Layout", "TagListFile", "parse_elements", "encode_elements", "decode_element",
           "encode_element"]

_TAG_LIST, _GROUP, _COUNT = 0x5C, 0xA0, 0x02


@dataclass(frozen=True)
class Element:
    """One data element: its tag, the attribute that holds it, and its kind (text/date/bytes/group)."""

    tag: int
    attr: str
    kind: str  # "text" | "date" | "bytes" | "group" (a tuple of texts in an A0 template)


@dataclass(frozen=True)
class Layout:
    """The elements of one DG, in the order they are written."""

    what: str
    elements: tuple[Element, ...]

    def by_tag(self, tag: int) -> Element | None:
        for e in self.elements:
            if e.tag == tag:
                return e
        return None

    @property
    def group(self) -> Element | None:
        return next((e for e in self.elements if e.kind == "group"), None)


def decode_element(e: Element, value: bytes, what: str, offset: int) -> Any:
    """One element's value as its kind says: text (UTF-8), date digits (ASCII, or BCD as hex digits), bytes."""
    if e.kind == "bytes":
        return value
    if e.kind == "date":
        if value.isdigit():
            return value.decode("ascii")
        h = value.hex()
        if len(value) in (4, 7) and h.isdigit():  # CCYYMMDD[hhmmss] in BCD, as some early documents store it
            return h
        raise ParseError(f"tag {e.tag:X}: date is neither ASCII nor BCD digits", what=what, offset=offset)
    return decode_text(value, f"{what} tag {e.tag:X}")


def encode_element(e: Element, value: Any) -> bytes:
    """The bytes of one element's value; InputError when the value is not of the element's kind."""
    if e.kind == "bytes":
        check_build(isinstance(value, (bytes, bytearray)), f"{e.attr} must be bytes", e.attr)
        return bytes(value)
    check_build(isinstance(value, str), f"{e.attr} must be text", e.attr)
    if e.kind == "date":
        check_build(value.isascii() and value.isdigit(), f"{e.attr} must be digits (YYYYMMDD...)", e.attr)
    return value.encode("utf-8")


def parse_elements(outer: tlv.Tlv, layout: Layout) -> tuple[dict[str, Any], tuple[int, ...], tuple]:
    """Decode the content of a tag-list DG: (values by attribute, tag list, other (tag, value))."""
    what = layout.what
    children = outer.children()
    if not children or children[0].tag != _TAG_LIST:
        raise ParseError("content must start with the tag list 5C", what=what, path=(outer.tag,))
    tag_list = parse_tag_list(children[0].value, what)
    values: dict[str, Any] = {}
    other: list[tuple[int, bytes]] = []
    group = layout.group
    for c in children[1:]:
        if c.tag == _GROUP and group is not None:
            if group.attr in values:
                raise ParseError(f"{group.attr} given twice", what=what, offset=c.start)
            values[group.attr] = _group(c, group, what)
            continue
        e = layout.by_tag(c.tag)
        if e is None:
            if c.tag == _TAG_LIST:
                raise ParseError("tag list 5C repeated", what=what, offset=c.start)
            other.append((c.tag, c.value))
        elif e.kind == "group":  # a bare repeated element without its A0 template (seen in the field)
            if group is None or group.attr in values and not isinstance(values[group.attr], list):
                raise ParseError(f"tag {c.tag:X} after its A0 template", what=what, offset=c.start)
            values.setdefault(e.attr, []).append(decode_text(c.value, f"{what} tag {c.tag:X}"))
        else:
            if e.attr in values:
                raise ParseError(f"tag {c.tag:X} repeated", what=what, offset=c.start)
            values[e.attr] = decode_element(e, c.value, what, c.start)
    for k, v in list(values.items()):
        if isinstance(v, list):
            values[k] = tuple(v)
    return values, tag_list, tuple(other)


def _group(c: tlv.Tlv, e: Element, what: str) -> tuple[str, ...]:
    kids = c.children()
    if not kids or kids[0].tag != _COUNT:
        raise ParseError("A0 template must start with a count 02", what=what, offset=c.start)
    if not 1 <= len(kids[0].value) <= 2:
        raise ParseError("count in A0 must be 1 or 2 bytes", what=what, offset=kids[0].start)
    count = int.from_bytes(kids[0].value, "big")
    items = kids[1:]
    if count != len(items) or count > MAX_ITEMS:
        raise ParseError(f"A0 count {count} but {len(items)} elements", what=what, offset=kids[0].start)
    out = []
    for k in items:
        if k.tag != e.tag:
            raise ParseError(f"tag {k.tag:X} in A0, expected {e.tag:X}", what=what, offset=k.start)
        out.append(decode_text(k.value, f"{what} tag {e.tag:X}"))
    return tuple(out)


def encode_elements(layout: Layout, values: Mapping[str, Any], other: tuple = ()) -> tuple[bytes, tuple[int, ...]]:
    """Encode the content (tag list first, then the elements in layout order, then ``other``)."""
    tags: list[int] = []
    body = b""
    for e in layout.elements:
        v = values.get(e.attr)
        if v is None or (e.kind == "group" and len(v) == 0):
            continue
        tags.append(e.tag)
        if e.kind == "group":
            check_build(len(v) <= 255 and all(isinstance(x, str) for x in v), f"{e.attr}: up to 255 texts", e.attr)
            inner = tlv.encode(_COUNT, bytes([len(v)])) + b"".join(tlv.encode(e.tag, x.encode("utf-8")) for x in v)
            body += tlv.encode(_GROUP, inner)
        else:
            body += tlv.encode(e.tag, encode_element(e, v))
    for t, v in other:
        tags.append(t)
        body += tlv.encode(t, v)
    return tlv.encode(_TAG_LIST, tag_list_bytes(tags)) + body, tuple(tags)



class TagListFile:
    """What DG11 and DG12 share beyond the layout: parsing, building and showing a whole file.

    A subclass is a frozen dataclass with the fields ``raw``, ``tag_list``, one per layout element
    and ``other``; it sets the class attributes ``_TAG`` (outer tag) and ``_LAYOUT``.
    """

    _TAG: ClassVar[int]
    _LAYOUT: ClassVar[Layout]

    @classmethod
    def from_bytes(cls, data: bytes) -> Self:
        """Parse the file; ParseError on a missing tag list, a repeated element or bad text."""
        return parse_guard(cls._LAYOUT.what)(cls._parse)(data)

    @classmethod
    def _parse(cls, data: bytes) -> Self:
        raw, outer = unwrap(data, cls._TAG, cls._LAYOUT.what)
        values, tag_list, other = parse_elements(outer, cls._LAYOUT)
        return cls(raw=raw, tag_list=tag_list, other=other, **values)  # type: ignore[call-arg]

    @classmethod
    def build(cls, *, other: tuple[tuple[int, bytes], ...] = (), **values: Any) -> Self:
        """A new file from the element attributes given (None/absent elements, and an empty group, are left out).

        Raises:
            TypeError: an attribute the layout does not have.
            InputError: an element of the wrong type, a date that is not digits.
        """
        layout = cls._LAYOUT
        unknown = set(values) - {e.attr for e in layout.elements}
        if unknown:
            raise TypeError(f"{cls.__name__}.build: unknown fields {sorted(unknown)}")
        group = layout.group.attr if layout.group is not None else None
        values = {k: (tuple(v) if k == group and v is not None else v) for k, v in values.items()}
        other = tuple((int(t), bytes(v)) for t, v in other)
        content, tags = encode_elements(layout, values, other)
        kept = {k: v for k, v in values.items() if v is not None and not (k == group and not v)}
        return cls(raw=wrap(cls._TAG, content), tag_list=tags, other=other, **kept)  # type: ignore[call-arg]

    def to_bytes(self) -> bytes:
        return self.raw  # type: ignore[attr-defined,no-any-return]

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe view of the elements present: tags in hex, images by size, unknown elements as text/hex."""
        d: dict[str, Any] = {"file": self._LAYOUT.what}
        for f in fields(self):  # type: ignore[arg-type]
            v = getattr(self, f.name)
            if f.name == "raw" or v is None or v == ():
                continue
            if f.name == "tag_list":
                d[f.name] = [f"{t:X}" for t in v]
            elif f.name == "other":
                d[f.name] = {f"{t:X}": hex_or_text(b) for t, b in v}
            elif isinstance(v, bytes):
                d[f.name] = {"size": len(v), "start": v[:8].hex().upper()}
            elif isinstance(v, tuple):
                d[f.name] = list(v)
            else:
                d[f.name] = v
        return d
