"""The holder's record as personalisation takes it: a declared interface and the values made from it once.

A batch reads records of several kinds (a Vietnamese citizen, a generic ICAO holder); personalisation
needs the same few things of each, declared here as ``HolderRecord`` (a ``typing.Protocol``) so that
no layer asks a record's shape. ``CardContent`` is what one card is made of — the MRZ in the
profile's format, the parsed face image, the fingerprints (``Fingerprint``, for DG3), the CAN, the
national data groups — computed once at the edge (``cardkit.personalise.prepare``) and passed on,
never rebuilt on the way to the chip.

Records hold personal data and, through the MRZ and CAN, the chip's access keys: no repr shows them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

from .errors import InputError, ParseError
from .images import ImageFormat, image_format, wsq_dimensions
from .mrz import Mrz

__all__ = ["HolderRecord", "Face", "Fingerprint", "CardContent", "ISSUE_REASONS", "WITHDRAWN_STATE", "face_size"]

# Why a card is issued (the record's ``issue_reason``) and what a reissue does to the card before it:
# a lost or stolen card is revoked (it may be in someone's hands), the others are superseded.
ISSUE_REASONS = ("first", "lost", "stolen", "damaged", "changed", "renewal")
WITHDRAWN_STATE = {"lost": "revoked", "stolen": "revoked", "damaged": "superseded", "changed": "superseded",
                   "renewal": "superseded"}
_MAX_FACE = 1 << 20  # a DG2 face is tens of kilobytes; bound what is read
_MAX_FINGER = 1 << 20  # a compressed fingerprint is tens of kilobytes (WSQ at 500 ppi: 10-30 KB)


@runtime_checkable
class HolderRecord(Protocol):
    """What a batch and personalisation need of a record, whatever its kind (VN citizen, ICAO holder)."""

    kind: str  # "vn-citizen" | "icao"
    issue_reason: str  # one of ISSUE_REASONS
    capture_device: str | None  # the enrolment device that captured the photo (campaign report)
    photo: Path | None

    @property
    def national_id(self) -> str | None:
        """The holder's national identity number, when the record kind has one (VN: the 12-digit ID)."""
        ...

    @property
    def can(self) -> str | None:
        """The Card Access Number the record implies (VN: last 6 digits of the ID), else None."""
        ...

    def to_mrz(self) -> Mrz:
        """The record's own MRZ (InputError when a field cannot be written in one)."""
        ...

    @property
    def finger_images(self) -> Mapping[int, Path]:
        """Fingerprint image files by ISO/IEC 19794-4 finger position (2 right index, 7 left index); {} if none."""
        ...

    def extra_data_groups(self) -> Mapping[int, bytes]:
        """Data groups beyond DG1/DG2 this record can build, encoded (VN: DG13; ICAO: DG11, DG12)."""
        ...

    def content_fields(self) -> Mapping[str, str | None]:
        """Every field as text, in a fixed order: what identifies this record's content (request key)."""
        ...


def _read_bounded(path: Path, limit: int, label: str) -> bytes:
    """An image file's bytes, refused when larger than ``limit``; InputError names ``label``, never the content."""
    try:
        with open(path, "rb") as f:
            data = f.read(limit + 1)
    except OSError as e:
        raise InputError(f"{label}: {e.strerror}") from None
    if len(data) > limit:
        raise InputError(f"{label}: larger than {limit} bytes")
    return data


def face_size(image: bytes, *, what: str = "face image") -> tuple[int, int]:
    """(width, height) of a JPEG from its SOFn marker (ITU T.81 B.2.2), or of a JPEG2000 (ISO 15444-1 A.5.1).

    Raises:
        InputError: not a JPEG/JPEG2000, or no frame header found (the message starts with ``what``).
    """
    if image[:2] == b"\xff\xd8":
        i = 2
        while i + 4 <= len(image):
            if image[i] != 0xFF:
                raise InputError(f"{what}: JPEG marker expected at offset {i}")
            marker = image[i + 1]
            if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
                i += 2
                continue
            seg = int.from_bytes(image[i + 2 : i + 4], "big")
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                if i + 9 > len(image):
                    break
                return int.from_bytes(image[i + 7 : i + 9], "big"), int.from_bytes(image[i + 5 : i + 7], "big")
            i += 2 + seg
        raise InputError(f"{what}: JPEG without a frame header (SOFn)")
    j = image.find(b"\xff\x51")  # SIZ marker of a J2K codestream (also inside a JP2 box)
    if j >= 0 and j + 22 <= len(image):
        xs, ys = int.from_bytes(image[j + 6 : j + 10], "big"), int.from_bytes(image[j + 10 : j + 14], "big")
        xo, yo = int.from_bytes(image[j + 14 : j + 18], "big"), int.from_bytes(image[j + 18 : j + 22], "big")
        return xs - xo, ys - yo
    raise InputError(f"{what} is neither JPEG nor JPEG2000")


@dataclass(frozen=True, repr=False)
class Face:
    """A face image read and parsed once: bytes, type ("jpeg" / "jpeg2000") and size (Doc 9303-10 §4.7.2)."""

    data: bytes
    image_type: str
    width: int
    height: int

    @classmethod
    def from_bytes(cls, data: bytes) -> "Face":
        """Parse an image's type and size. Raises InputError for anything but JPEG / JPEG 2000."""
        width, height = face_size(data)
        return cls(bytes(data), "jpeg" if data[:2] == b"\xff\xd8" else "jpeg2000", width, height)

    @classmethod
    def read(cls, path: Path) -> "Face":
        """Read (bounded) and parse the image file. Raises InputError naming the file's name."""
        return cls.from_bytes(_read_bounded(path, _MAX_FACE, f"face image {Path(path).name}"))

    def __repr__(self) -> str:
        return f"Face({self.image_type}, {self.width}x{self.height}, {len(self.data)} bytes)"


@dataclass(frozen=True, repr=False)
class Fingerprint:
    """A finger image read and checked once, kept as stored (Doc 9303-10 §4.7.3; ISO/IEC 19794-4 §7-8).

    Attributes:
        data: the image bytes, WSQ or JPEG 2000 as the enrolment gave them (never recompressed).
        position: the finger position (ISO/IEC 19794-4 Table 2: 2 right index, 7 left index).
        image_type: "wsq" or "jpeg2000".
        width, height: from the image's own frame header.
    """

    data: bytes
    position: int
    image_type: str
    width: int
    height: int

    @classmethod
    def from_bytes(cls, data: bytes, position: int, *, what: str = "finger image") -> "Fingerprint":
        """Parse the image's type and size. Raises InputError for anything but WSQ / JPEG 2000."""
        kind = image_format(data)
        try:
            if kind is ImageFormat.WSQ:
                (width, height), image_type = wsq_dimensions(data, what=what), "wsq"
            elif kind is not None and kind.is_jpeg2000:
                (width, height), image_type = face_size(data, what=what), "jpeg2000"
            else:
                raise InputError(f"{what} is neither WSQ nor JPEG 2000")
        except ParseError as e:
            raise InputError(f"{what}: {e}") from None
        return cls(bytes(data), position, image_type, width, height)

    @classmethod
    def read(cls, path: Path, position: int, *, what: str = "finger image") -> "Fingerprint":
        """Read (bounded) and parse the image file. Raises InputError naming ``what`` and the file's name."""
        label = f"{what} {Path(path).name}"
        return cls.from_bytes(_read_bounded(path, _MAX_FINGER, label), position, what=label)

    def __repr__(self) -> str:
        return f"Fingerprint(position {self.position}, {self.image_type}, {self.width}x{self.height})"


@dataclass(frozen=True, repr=False)
class CardContent:
    """One card's content from one record under one profile, made once (``cardkit.personalise.prepare``).

    Attributes:
        mrz: the MRZ in the profile's format (DG1, and the BAC/PACE-MRZ key).
        face: the parsed face image (DG2).
        can: the PACE CAN written to the chip, or None.
        data_groups: the record kind's national data groups (e.g. DG13) and DG3, encoded.
        fingers: the fingerprints DG3 was made from (kept for the ledger), or ().
        person_key: who the card belongs to, as the profile identifies people (the ledger's key).
        national_id: the VN ID (or None), kept for the ledger and the read-back.
    """

    mrz: Mrz
    face: Face
    can: str | None
    data_groups: Mapping[int, bytes] = field(default_factory=dict)
    person_key: str = ""
    national_id: str | None = None
    fingers: tuple[Fingerprint, ...] = ()

    @property
    def document_number(self) -> str:
        return self.mrz.document_number

    def __repr__(self) -> str:
        return "CardContent(<personal data redacted>)"
