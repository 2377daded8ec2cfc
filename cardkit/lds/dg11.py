"""DG11: additional personal details (Doc 9303-10 §4.7.11).

    6B L { 5C <tags>  5F0E full name  A0 { 02 n  5F0F other name ... }  5F10 personal number
           5F2B full date of birth (YYYYMMDD)  5F11 place of birth  5F42 address  5F12 telephone
           5F13 profession  5F14 title  5F15 personal summary  5F16 proof of citizenship (image)
           5F17 other valid travel document numbers  5F18 custody information }
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from ._base import hex_or_text, parse_guard, unwrap, wrap
from ._tagged import Element, Layout, encode_elements, parse_elements

__all__ = ["Dg11"]

TAG = 0x6B
LAYOUT = Layout("DG11", (
    Element(0x5F0E, "full_name", "text"),
    Element(0x5F0F, "other_names", "group"),
    Element(0x5F10, "personal_number", "text"),
    Element(0x5F2B, "date_of_birth", "date"),
    Element(0x5F11, "place_of_birth", "text"),
    Element(0x5F42, "address", "text"),
    Element(0x5F12, "telephone", "text"),
    Element(0x5F13, "profession", "text"),
    Element(0x5F14, "title", "text"),
    Element(0x5F15, "personal_summary", "text"),
    Element(0x5F16, "proof_of_citizenship", "bytes"),
    Element(0x5F17, "other_td_numbers", "text"),
    Element(0x5F18, "custody_information", "text"),
))


@dataclass(frozen=True)
class Dg11:
    """DG11 (Doc 9303-10 §4.7.11); absent elements are None (``other_names`` is a tuple)."""

    raw: bytes = field(repr=False)
    tag_list: tuple[int, ...] = ()
    full_name: str | None = None
    other_names: tuple[str, ...] = ()
    personal_number: str | None = None
    date_of_birth: str | None = None
    place_of_birth: str | None = None
    address: str | None = None
    telephone: str | None = None
    profession: str | None = None
    title: str | None = None
    personal_summary: str | None = None
    proof_of_citizenship: bytes | None = None
    other_td_numbers: str | None = None
    custody_information: str | None = None
    other: tuple[tuple[int, bytes], ...] = ()

    @classmethod
    @parse_guard("DG11")
    def from_bytes(cls, data: bytes) -> "Dg11":
        """Parse DG11; ParseError on a missing tag list, a repeated element or bad text."""
        raw, outer = unwrap(data, TAG, "DG11")
        values, tag_list, other = parse_elements(outer, LAYOUT)
        return cls(raw=raw, tag_list=tag_list, other=other, **values)

    @classmethod
    def build(cls, *, other: tuple[tuple[int, bytes], ...] = (), **values: Any) -> "Dg11":
        """A new DG11 from the element attributes given (None/absent elements are left out).

        Raises:
            InputError: an element of the wrong type, a date that is not digits.
        """
        known = {e.attr for e in LAYOUT.elements}
        unknown = set(values) - known
        if unknown:
            raise TypeError(f"Dg11.build: unknown fields {sorted(unknown)}")
        values = {k: (tuple(v) if k == "other_names" and v is not None else v) for k, v in values.items()}
        other = tuple((int(t), bytes(v)) for t, v in other)
        content, tags = encode_elements(LAYOUT, values, other)
        kept = {k: v for k, v in values.items() if v is not None and not (k == "other_names" and not v)}
        return cls(raw=wrap(TAG, content), tag_list=tags, other=tuple(other), **kept)

    def to_bytes(self) -> bytes:
        return self.raw

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe view of the elements present."""
        return _to_dict(self, "DG11")


def _to_dict(obj: Any, name: str) -> dict[str, Any]:
    d: dict[str, Any] = {"file": name}
    for f in fields(obj):
        v = getattr(obj, f.name)
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
