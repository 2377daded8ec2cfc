"""DG11: additional personal details (Doc 9303-10 §4.7.11).

    6B L { 5C <tags>  5F0E full name  A0 { 02 n  5F0F other name ... }  5F10 personal number
           5F2B full date of birth (YYYYMMDD)  5F11 place of birth  5F42 address  5F12 telephone
           5F13 profession  5F14 title  5F15 personal summary  5F16 proof of citizenship (image)
           5F17 other valid travel document numbers  5F18 custody information }
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ._tagged import Element, Layout, TagListFile

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
class Dg11(TagListFile):
    """DG11 (Doc 9303-10 §4.7.11); absent elements are None (``other_names`` is a tuple)."""

    _TAG = TAG
    _LAYOUT = LAYOUT

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

