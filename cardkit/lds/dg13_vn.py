"""DG13 of the Vietnamese chip citizen ID card, CCCD: its "optional details" (Doc 9303-10 §4.7.13).

    6D L { 30 L { 02 01 01                         version
                  06 06 28D316010008               1.0.10646.1.0.8 (ISO 10646 UTF-8)
                  31 L { 30 L { 02 01 n  value... } ... } } }

Fields are found by their number n, never by position; any may be absent. Reading takes every
string under a field, depth first: field 13 yields father then mother whether the card holds two
SEQUENCEs or one SEQUENCE with both names; field 14 holds no string when unmarried. Unknown
numbers are kept as their DER. Writing uses the form seen on real cards: fields in number order
(the SET is not DER-sorted, as on cards), field 13 as two SEQUENCEs, field 14 number-only when
unmarried, PrintableString for numbers and dates, UTF8String for text, all text in NFC.

The DER is declared with asn1crypto, not hand-parsed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, fields as dc_fields
from typing import Any, Iterable

from asn1crypto import core

from ..algorithms import ID_UTF8
from ..errors import ParseError
from ._base import check_build, parse_guard, unwrap, wrap

__all__ = ["Dg13Vn", "FIELD_NUMBERS"]

TAG = 0x6D
_WHAT = "DG13"
_MAX_FIELDS = 64
_MAX_DEPTH = 4

# attribute -> (field number, "p" PrintableString | "u" UTF8String) for single-valued fields
FIELD_NUMBERS: dict[str, tuple[int, str]] = {
    "id_number": (1, "p"),
    "full_name": (2, "u"),
    "date_of_birth": (3, "p"),
    "sex": (4, "u"),
    "nationality": (5, "u"),
    "ethnicity": (6, "u"),
    "religion": (7, "u"),
    "place_of_origin": (8, "u"),
    "place_of_residence": (9, "u"),
    "identification_features": (10, "u"),
    "date_of_issue": (11, "p"),
    "date_of_expiry": (12, "u"),
    "spouse_name": (14, "u"),
    "old_id_number": (15, "p"),
    "field16": (16, "p"),
}
# optional fields where "" means "none": written number-only (14) or left out, as cards do
_EMPTY_IS_ABSENT = {"spouse_name", "old_id_number", "field16", "father_name", "mother_name"}
_PARENTS = 13
_SPOUSE = 14
_BY_NUMBER = {n: attr for attr, (n, _) in FIELD_NUMBERS.items()}
_STRING_TAGS = {12, 19, 20, 22, 26}  # UTF8, Printable, Teletex(T61), IA5, Visible
_PRINTABLE = re.compile(r"[A-Za-z0-9 '()+,\-./:=?]*")


class _Values(core.SequenceOf):
    """A field: SEQUENCE { INTEGER number, value... } (values of several shapes, hence ANY)."""

    _child_spec = core.Any


class _Fields(core.SequenceOf):
    """The SET of fields, kept in the order read or written (cards write it in number order)."""

    tag = 17
    _child_spec = _Values


class _Content(core.Sequence):
    _fields = [("version", core.Integer), ("oid", core.ObjectIdentifier), ("fields", _Fields)]


@dataclass(frozen=True)
class Dg13Vn:
    """Vietnamese DG13 as real CCCD chips carry it: the 16 numbered fields, absent ones None."""

    raw: bytes = field(repr=False)
    id_number: str | None = field(default=None, repr=False)  # the CAN is its last 6 digits
    full_name: str | None = None
    date_of_birth: str | None = None
    sex: str | None = None
    nationality: str | None = None
    ethnicity: str | None = None
    religion: str | None = None
    place_of_origin: str | None = None
    place_of_residence: str | None = None
    identification_features: str | None = None
    date_of_issue: str | None = None
    date_of_expiry: str | None = None
    father_name: str | None = None
    mother_name: str | None = None
    spouse_name: str | None = None
    old_id_number: str | None = None
    field16: str | None = None
    version: int = 1
    oid: str = ID_UTF8
    unknown: tuple[tuple[int, bytes], ...] = ()  # (field number, DER of the whole field)

    @classmethod
    @parse_guard(_WHAT)
    def from_bytes(cls, data: bytes) -> "Dg13Vn":
        """Parse the VN DG13; ParseError on bad DER, a repeated field or more strings than a field holds."""
        raw, outer = unwrap(data, TAG, _WHAT)
        content = _Content.load(outer.value, strict=True)
        version = content["version"].native
        if not -(1 << 31) <= version < (1 << 31):
            raise ParseError("version out of range", what=_WHAT)
        oid = content["oid"].dotted
        values: dict[str, Any] = {}
        unknown: list[tuple[int, bytes]] = []
        seen: set[int] = set()
        items = content["fields"]
        if len(items) > _MAX_FIELDS:
            raise ParseError(f"more than {_MAX_FIELDS} fields", what=_WHAT)
        for i, item in enumerate(items):
            if len(item) == 0:
                raise ParseError(f"field {i + 1} of the SET is empty", what=_WHAT)
            number = item[0].parse(core.Integer).native
            if number in seen:
                raise ParseError(f"field {number} repeated", what=_WHAT)
            seen.add(number)
            if number == _PARENTS or number in _BY_NUMBER:
                strings: list[str] = []
                for v in list(item)[1:]:
                    _strings(v, 1, strings)
                _assign(values, number, strings)
            else:
                unknown.append((number, item.dump()))
        return cls(raw=raw, version=version, oid=oid, unknown=tuple(unknown), **values)

    @classmethod
    def build(cls, *, unknown: Iterable[tuple[int, bytes]] = (), **fields: str | None) -> "Dg13Vn":
        """A new VN DG13 (text normalised to NFC; None fields left out, 13 and 14 always written).

        An empty spouse, old ID number, field 16 or parent name counts as absent.

        Raises:
            InputError: a value that is not text, or a number/date field outside PrintableString.
        """
        allowed = set(FIELD_NUMBERS) | {"father_name", "mother_name"}
        bad = set(fields) - allowed
        if bad:
            raise TypeError(f"Dg13Vn.build: unknown fields {sorted(bad)}")
        norm: dict[str, str] = {}
        for k, v in fields.items():
            if v is None or (v == "" and k in _EMPTY_IS_ABSENT):
                continue
            check_build(isinstance(v, str), f"{k} must be text", _WHAT)
            norm[k] = unicodedata.normalize("NFC", v)
        extra = sorted(((int(n), bytes(d)) for n, d in unknown), key=lambda x: x[0])
        for n, d in extra:
            check_build(n not in _BY_NUMBER and n != _PARENTS, f"unknown field {n} is a known number", _WHAT)
            try:  # must be a field SEQUENCE starting with its number
                ok = _Values.load(d, strict=True)[0].parse(core.Integer).native == n
            except (ValueError, TypeError, KeyError, IndexError):
                ok = False
            check_build(ok, f"unknown field {n} is not a DER SEQUENCE {{ INTEGER {n}, ... }}", _WHAT)
        items: list[tuple[int, _Values]] = []
        for attr, (n, kind) in FIELD_NUMBERS.items():
            v = norm.get(attr)
            if v is None and n != _SPOUSE:
                continue
            if v is None:
                items.append((n, _Values([core.Integer(n)])))  # unmarried: the number only
                continue
            if kind == "p":
                check_build(bool(_PRINTABLE.fullmatch(v)), f"{attr} must be PrintableString characters", _WHAT)
                value: core.Asn1Value = core.PrintableString(v)
            else:
                value = core.UTF8String(v)
            items.append((n, _Values([core.Integer(n), value])))
        father, mother = norm.get("father_name"), norm.get("mother_name")
        parents = [core.Integer(_PARENTS)]
        if father is not None or mother is not None:
            parents += [_Values([core.UTF8String(father or "")]), _Values([core.UTF8String(mother or "")])]
        items.append((_PARENTS, _Values(parents)))
        for n, d in extra:
            items.append((n, _Values.load(d)))
        items.sort(key=lambda x: x[0])
        content = _Content({"version": 1, "oid": ID_UTF8, "fields": _Fields([v for _, v in items])})
        raw = wrap(TAG, content.dump())
        return cls.from_bytes(raw)

    def to_bytes(self) -> bytes:
        return self.raw

    def fields(self) -> dict[str, str]:
        """The fields present, by attribute name, in field-number order."""
        out = {}
        for f in dc_fields(self):
            if f.name in ("raw", "version", "oid", "unknown"):
                continue
            v = getattr(self, f.name)
            if v is not None:
                out[f.name] = v
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe view (text as stored, with diacritics)."""
        d: dict[str, Any] = {"file": _WHAT, "profile": "VN CCCD", "version": self.version, "oid": self.oid}
        d.update(self.fields())
        if self.unknown:
            d["unknown"] = {str(n): der.hex().upper() for n, der in self.unknown}
        return d


def _strings(v: core.Any, depth: int, out: list[str]) -> None:
    """Collect the strings under one value, depth first (bounded)."""
    if depth > _MAX_DEPTH:
        raise ParseError("field nested too deep", what=_WHAT)
    if v.class_ != 0:
        raise ParseError(f"unexpected tagged value (class {v.class_})", what=_WHAT)
    p = v.parse()
    if p.tag in _STRING_TAGS:
        if p.tag == 12:
            try:
                out.append(p.contents.decode("utf-8"))
            except UnicodeDecodeError as e:
                raise ParseError(f"UTF8String is not UTF-8 (byte {e.start})", what=_WHAT) from None
        else:  # Printable/IA5/Visible are ASCII subsets; refuse other bytes instead of guessing a code page
            try:
                out.append(p.contents.decode("ascii"))
            except UnicodeDecodeError:
                raise ParseError("non-ASCII bytes in a PrintableString", what=_WHAT) from None
        if len(out) > 8:
            raise ParseError("too many strings in one field", what=_WHAT)
    elif p.tag == 16:
        for w in v.parse(_Values):
            _strings(w, depth + 1, out)
    else:
        raise ParseError(f"unexpected ASN.1 type (tag {p.tag}) in a field", what=_WHAT)


def _assign(values: dict[str, Any], number: int, strings: list[str]) -> None:
    if number == _PARENTS:
        if len(strings) > 2:
            raise ParseError(f"field 13 holds {len(strings)} names (father, mother expected)", what=_WHAT)
        # an empty name stands for "not known" (build writes it so the mother stays second)
        if strings and strings[0]:
            values["father_name"] = strings[0]
        if len(strings) > 1 and strings[1]:
            values["mother_name"] = strings[1]
        return
    if len(strings) > 1:
        raise ParseError(f"field {number} holds {len(strings)} values", what=_WHAT)
    if strings:  # a number-only field (14 when unmarried) means "no value"
        values[_BY_NUMBER[number]] = strings[0]
