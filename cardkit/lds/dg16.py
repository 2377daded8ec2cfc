"""DG16: persons to notify (Doc 9303-10 §4.7.16).

    70 L { 02 01 n
           A1 L { 5F50 date recorded (YYYYMMDD)  5F51 name (primary<<secondary)
                  5F52 telephone  5F53 address (lines split by '<') }
           A2 L { ... }  ...  An }

Template i has tag A0 + i, so n is at most 30 (AF..BE stay one-byte tags). Strict: the count
equals the number of templates, the templates come in order, each element appears at most once
in a template, text is UTF-8. Elements the table does not know are kept, in order, in ``other``;
an element left out is None (the telephone is often absent).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .. import tlv
from ..errors import ParseError
from ._base import check_build, leading_count, parse_guard, unwrap, with_other, wrap
from ._tagged import Element, decode_element, encode_element

__all__ = ["Dg16", "PersonToNotify"]

TAG = 0x70
_WHAT = "DG16"
_COUNT = 0x02
_FIRST_TEMPLATE = 0xA1
MAX_PERSONS = 30  # templates A1..BE
_ELEMENTS = (
    Element(0x5F50, "date_recorded", "date"),
    Element(0x5F51, "name", "text"),
    Element(0x5F52, "telephone", "text"),
    Element(0x5F53, "address", "text"),
)
_BY_TAG = {e.tag: e for e in _ELEMENTS}


@dataclass(frozen=True)
class PersonToNotify:
    """One template of DG16; each element as stored (None when absent)."""

    date_recorded: str | None = None
    name: str | None = None
    telephone: str | None = None
    address: str | None = None
    other: tuple[tuple[int, bytes], ...] = ()

    def _values(self) -> tuple[str | None, ...]:
        return (self.date_recorded, self.name, self.telephone, self.address)

    def to_dict(self) -> dict[str, Any]:
        return with_other({e.attr: v for e, v in zip(_ELEMENTS, self._values()) if v is not None}, self.other)


@dataclass(frozen=True)
class Dg16:
    """DG16 (Doc 9303-10 §4.7.16): the persons to notify, in template order."""

    raw: bytes = field(repr=False)
    persons: tuple[PersonToNotify, ...]
    other: tuple[tuple[int, bytes], ...] = ()

    @classmethod
    @parse_guard(_WHAT)
    def from_bytes(cls, data: bytes) -> "Dg16":
        """Parse DG16; ParseError on a wrong count, templates out of order, a repeated element, bad text."""
        raw, outer = unwrap(data, TAG, _WHAT)
        count, count_tlv, rest = leading_count(outer, _WHAT, max_bytes=1)
        persons: list[PersonToNotify] = []
        other: list[tuple[int, bytes]] = []
        for k in rest:
            if _FIRST_TEMPLATE <= k.tag < _FIRST_TEMPLATE + MAX_PERSONS:
                expected = _FIRST_TEMPLATE + len(persons)
                if k.tag != expected:
                    raise ParseError(f"template {k.tag:X} where {expected:X} comes next", what=_WHAT, offset=k.start)
                persons.append(_person(k, len(persons) + 1))
            elif k.tag == _COUNT:
                raise ParseError("count 02 repeated", what=_WHAT, offset=k.start)
            else:
                other.append((k.tag, k.value))
        if count != len(persons) or count == 0:
            raise ParseError(f"count {count} but {len(persons)} templates", what=_WHAT, offset=count_tlv.start)
        return cls(raw=raw, persons=tuple(persons), other=tuple(other))

    @classmethod
    def build(cls, persons: tuple[PersonToNotify, ...] | list[PersonToNotify]) -> "Dg16":
        """A new DG16 with one template per person, elements in table order.

        Raises:
            InputError: no person or more than 30, a date that is not digits.
        """
        persons = tuple(persons)
        check_build(1 <= len(persons) <= MAX_PERSONS, f"1 to {MAX_PERSONS} persons", _WHAT)
        body = tlv.encode(_COUNT, bytes([len(persons)]))
        for i, p in enumerate(persons):
            inner = b"".join(tlv.encode(e.tag, encode_element(e, v)) for e, v in zip(_ELEMENTS, p._values())
                             if v is not None)
            inner += b"".join(tlv.encode(t, v) for t, v in p.other)
            body += tlv.encode(_FIRST_TEMPLATE + i, inner)
        return cls(raw=wrap(TAG, body), persons=persons)

    def to_bytes(self) -> bytes:
        return self.raw

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe view: the persons in order."""
        return with_other({"file": _WHAT, "persons": [p.to_dict() for p in self.persons]}, self.other)


def _person(t: tlv.Tlv, index: int) -> PersonToNotify:
    what = f"{_WHAT} person {index}"
    values: dict[str, Any] = {}
    other: list[tuple[int, bytes]] = []
    for k in t.children():
        e = _BY_TAG.get(k.tag)
        if e is None:
            other.append((k.tag, k.value))
        elif e.attr in values:
            raise ParseError(f"tag {k.tag:X} repeated", what=what, offset=k.start)
        else:
            values[e.attr] = decode_element(e, k.value, what, k.start)
    return PersonToNotify(**values, other=tuple(other))
