"""DG12: additional document details (Doc 9303-10 §4.7.12).

    6C L { 5C <tags>  5F19 issuing authority  5F26 date of issue (YYYYMMDD)
           A0 { 02 n  5F1A name of other person ... }  5F1B endorsements/observations
           5F1C tax/exit requirements  5F1D image of front  5F1E image of rear
           5F55 date and time of personalisation (YYYYMMDDhhmmss)  5F56 personalisation system serial }
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ._base import parse_guard, unwrap, wrap
from ._tagged import Element, Layout, encode_elements, parse_elements
from .dg11 import _to_dict

__all__ = ["Dg12"]

TAG = 0x6C
LAYOUT = Layout("DG12", (
    Element(0x5F19, "issuing_authority", "text"),
    Element(0x5F26, "date_of_issue", "date"),
    Element(0x5F1A, "other_persons", "group"),
    Element(0x5F1B, "endorsements", "text"),
    Element(0x5F1C, "tax_exit_requirements", "text"),
    Element(0x5F1D, "front_image", "bytes"),
    Element(0x5F1E, "rear_image", "bytes"),
    Element(0x5F55, "personalisation_time", "date"),
    Element(0x5F56, "personalisation_system_serial", "text"),
))


@dataclass(frozen=True)
class Dg12:
    """DG12 (Doc 9303-10 §4.7.12); absent elements are None (``other_persons`` is a tuple)."""

    raw: bytes = field(repr=False)
    tag_list: tuple[int, ...] = ()
    issuing_authority: str | None = None
    date_of_issue: str | None = None
    other_persons: tuple[str, ...] = ()
    endorsements: str | None = None
    tax_exit_requirements: str | None = None
    front_image: bytes | None = None
    rear_image: bytes | None = None
    personalisation_time: str | None = None
    personalisation_system_serial: str | None = None
    other: tuple[tuple[int, bytes], ...] = ()

    @classmethod
    @parse_guard("DG12")
    def from_bytes(cls, data: bytes) -> "Dg12":
        """Parse DG12; ParseError on a missing tag list, a repeated element or bad text."""
        raw, outer = unwrap(data, TAG, "DG12")
        values, tag_list, other = parse_elements(outer, LAYOUT)
        return cls(raw=raw, tag_list=tag_list, other=other, **values)

    @classmethod
    def build(cls, *, other: tuple[tuple[int, bytes], ...] = (), **values: Any) -> "Dg12":
        """A new DG12 from the element attributes given (None/absent elements are left out).

        Raises:
            InputError: an element of the wrong type, a date that is not digits.
        """
        known = {e.attr for e in LAYOUT.elements}
        unknown = set(values) - known
        if unknown:
            raise TypeError(f"Dg12.build: unknown fields {sorted(unknown)}")
        values = {k: (tuple(v) if k == "other_persons" and v is not None else v) for k, v in values.items()}
        other = tuple((int(t), bytes(v)) for t, v in other)
        content, tags = encode_elements(LAYOUT, values, other)
        kept = {k: v for k, v in values.items() if v is not None and not (k == "other_persons" and not v)}
        return cls(raw=wrap(TAG, content), tag_list=tags, other=tuple(other), **kept)

    def to_bytes(self) -> bytes:
        return self.raw

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe view of the elements present (images by size)."""
        return _to_dict(self, "DG12")
