"""DG3: encoded finger(s) (Doc 9303-10 §4.7.3), EAC-protected (Doc 9303-11 §7.1).

    63 L { 7F61 L { 02 01 n  7F60 L { A1 L {... 81 08 [82 subtype] 87 0101 88 0007}
                                     5F2E|7F2E L <ISO/IEC 19794-4:2005 finger image record> } ... } }

The template layer is the one DG2 and DG4 share (``_cbeff``); each data block is a finger image
record (``iso19794_4``). ``build`` writes one template per finger, as issuers do (the header's
subtype then names the finger: 7816-11 Table C.3). The finger images keep the bytes they were
stored with: WSQ (the FBI's fingerprint compression) or JPEG 2000 as the issuer chose.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ._base import check_build, parse_guard, wrap
from ._cbeff import (FINGER, BiometricHeader, Instance, RecordKind, check_record, encode_group, group_dict,
                     make_header, parse_group, template_dict)
from .iso19794_4 import FORMAT_TYPE, FingerImage, FingerImageRecord, finger_subtype

__all__ = ["Dg3", "FingerTemplate", "FingerImage", "FingerImageRecord"]

TAG = 0x63
_WHAT = "DG3"
_RECORD = RecordKind(FINGER, "finger", FORMAT_TYPE, b"FIR\x00", "a finger image record",
                     "ISO/IEC 19794-4 finger images")


@dataclass(frozen=True)
class FingerTemplate:
    """One 7F60 template of DG3: its header and its finger image record."""

    header: BiometricHeader
    record: FingerImageRecord
    bdb_tag: int = 0x5F2E
    other: tuple[tuple[int, bytes], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return template_dict(self.header, self.record.to_dict(), self.bdb_tag, self.other)


@dataclass(frozen=True)
class Dg3:
    """DG3 (Doc 9303-10 §4.7.3): finger templates; ``fingers`` flattens the images of all of them."""

    raw: bytes = field(repr=False)
    templates: tuple[FingerTemplate, ...]
    other: tuple[tuple[int, bytes], ...] = ()  # children of 63 other than 7F61

    @property
    def fingers(self) -> tuple[FingerImage, ...]:
        """Every finger image of every template, in order."""
        return tuple(f for t in self.templates for f in t.record.fingers)

    @classmethod
    @parse_guard(_WHAT)
    def from_bytes(cls, data: bytes) -> Dg3:
        """Parse DG3 strictly; ParseError names the template and byte offset of any fault."""
        raw, templates, other = parse_group(data, TAG, _WHAT, _template)
        return cls(raw=raw, templates=templates, other=other)

    @classmethod
    def build(cls, fingers: Sequence[FingerImage], *, creation_date: bytes | None = None,
              validity_period: bytes | None = None, creator: bytes | None = None,
              resolution: int = 500) -> Dg3:
        """A new DG3 with one template (and one 19794-4 record) per finger image.

        Args:
            fingers: the images, each with its position, size and compression (2 WSQ, 4 JPEG 2000 ...).
            resolution: scan and image resolution in pixels per inch (500 in the ICAO profile).
        Raises:
            InputError: no finger, a value out of range, an image whose bytes are not its compression's.
        """
        check_build(0 < len(fingers) <= 255, "DG3 holds 1 to 255 finger images", _WHAT)
        parts = []
        for f in fingers:
            check_build(isinstance(f, FingerImage), "fingers must be FingerImage values", _WHAT)
            record = FingerImageRecord((f,), scan_resolution=(resolution, resolution),
                                       image_resolution=(resolution, resolution))
            record.check(_WHAT)
            header = make_header(FINGER, FORMAT_TYPE, subtype=finger_subtype(f.position), creation_date=creation_date,
                                 validity_period=validity_period, creator=creator, what=_WHAT)
            parts.append((header, 0x5F2E, record.to_bytes()))
        return cls.from_bytes(wrap(TAG, encode_group(parts)))

    def to_bytes(self) -> bytes:
        return self.raw

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe view (images summarised by type and size)."""
        return group_dict(_WHAT, [t.to_dict() for t in self.templates], self.other)


def _template(inst: Instance) -> FingerTemplate:
    check_record(inst, _RECORD, _WHAT)
    record = FingerImageRecord.from_bytes(inst.bdb.value, base=inst.bdb.value_start, what=f"{_WHAT} {inst.label}")
    return FingerTemplate(inst.header, record, inst.bdb_tag, inst.other)
