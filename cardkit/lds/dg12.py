"""DG12: additional document details (Doc 9303-10 §4.7.12).

    6C L { 5C <tags>  5F19 issuing authority  5F26 date of issue (YYYYMMDD)
           A0 { 02 n  5F1A name of other person ... }  5F1B endorsements/observations
           5F1C tax/exit requirements  5F1D image of front  5F1E image of rear
           5F55 date and time of personalisation (YYYYMMDDhhmmss)  5F56 personalisation system serial }
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ._tagged import Element, Layout, TagListFile

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
class Dg12(TagListFile):
    """DG12 (Doc 9303-10 §4.7.12); absent elements are None (``other_persons`` is a tuple)."""

    _TAG = TAG
    _LAYOUT = LAYOUT

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
