"""DG4: encoded eye(s) (Doc 9303-10 §4.7.4), EAC-protected (Doc 9303-11 §7.1).

    76 L { 7F61 L { 02 01 n  7F60 L { A1 L {... 81 10 [82 01 right | 02 left] 87 0101 88 0009}
                                     5F2E|7F2E L <ISO/IEC 19794-6:2005 iris image record> } ... } }

The template layer is the one DG2 and DG3 share (``_cbeff``); each data block is an iris image
record (``iso19794_6``). ``build`` writes one template per eye, the header's subtype naming the eye.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ._base import check_build, parse_guard, wrap
from ._cbeff import (IRIS, BiometricHeader, Instance, RecordKind, check_record, encode_group, group_dict, make_header,
                     parse_group, template_dict)
from .iso19794_6 import FORMAT_TYPE, IrisEye, IrisImage, IrisImageRecord

__all__ = ["Dg4", "IrisTemplate", "IrisEye", "IrisImage", "IrisImageRecord"]

TAG = 0x76
_WHAT = "DG4"
_RECORD = RecordKind(IRIS, "iris", FORMAT_TYPE, b"IIR\x00", "an iris image record", "ISO/IEC 19794-6 iris images")


@dataclass(frozen=True)
class IrisTemplate:
    """One 7F60 template of DG4: its header and its iris image record."""

    header: BiometricHeader
    record: IrisImageRecord
    bdb_tag: int = 0x5F2E
    other: tuple[tuple[int, bytes], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return template_dict(self.header, self.record.to_dict(), self.bdb_tag, self.other)


@dataclass(frozen=True)
class Dg4:
    """DG4 (Doc 9303-10 §4.7.4): iris templates; ``images`` flattens (record, eye, image) of all of them."""

    raw: bytes = field(repr=False)
    templates: tuple[IrisTemplate, ...]
    other: tuple[tuple[int, bytes], ...] = ()  # children of 76 other than 7F61

    @property
    def images(self) -> tuple[tuple[IrisImageRecord, IrisEye, IrisImage], ...]:
        """Every iris image with its record (format, size) and eye, in order."""
        return tuple((t.record, e, i) for t in self.templates for e, i in t.record.images)

    @classmethod
    @parse_guard(_WHAT)
    def from_bytes(cls, data: bytes) -> Dg4:
        """Parse DG4 strictly; ParseError names the template and byte offset of any fault."""
        raw, templates, other = parse_group(data, TAG, _WHAT, _template)
        return cls(raw=raw, templates=templates, other=other)

    @classmethod
    def build(cls, records: Sequence[IrisImageRecord], *, creation_date: bytes | None = None,
              validity_period: bytes | None = None, creator: bytes | None = None) -> Dg4:
        """A new DG4 with one template per record (normally one record per eye).

        Raises:
            InputError: no record, a value out of range, an image whose bytes are not the record's format.
        """
        check_build(0 < len(records) <= 255, "DG4 holds 1 to 255 iris records", _WHAT)
        parts = []
        for r in records:
            check_build(isinstance(r, IrisImageRecord), "records must be IrisImageRecord values", _WHAT)
            r.check(_WHAT)
            eyes = {e.eye for e in r.eyes}
            subtype = next(iter(eyes)) if len(eyes) == 1 and eyes <= {1, 2} else None  # 7816-11: 01 right, 02 left
            header = make_header(IRIS, FORMAT_TYPE, subtype=subtype, creation_date=creation_date,
                                 validity_period=validity_period, creator=creator, what=_WHAT)
            parts.append((header, 0x5F2E, r.to_bytes()))
        return cls.from_bytes(wrap(TAG, encode_group(parts)))

    def to_bytes(self) -> bytes:
        return self.raw

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe view (images summarised by size)."""
        return group_dict(_WHAT, [t.to_dict() for t in self.templates], self.other)


def _template(inst: Instance) -> IrisTemplate:
    check_record(inst, _RECORD, _WHAT)
    record = IrisImageRecord.from_bytes(inst.bdb.value, base=inst.bdb.value_start, what=f"{_WHAT} {inst.label}")
    return IrisTemplate(inst.header, record, inst.bdb_tag, inst.other)
