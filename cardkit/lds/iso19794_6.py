"""ISO/IEC 19794-6:2005 iris image records, as DG4 holds them (Doc 9303-10 §4.7.4).

General record header, 45 bytes, big-endian:
    'IIR\\0'  '010\\0'  record length (4, the whole record)  capture device ID (2)
    number of iris biometric subtypes (1)  record header length (2, always 45)
    image property bit field (2)  iris diameter (2)  image format (2)  image width, height (2 + 2)
    intensity depth (1)  image transformation (1)  device unique identifier (16)
Then per subtype (eye): subtype (1: 0 undefined, 1 right eye, 2 left eye), number of images (2), and
per image an 11-byte header and the image data:
    image sequence number (2)  quality (1)  rotation angle (2)  rotation uncertainty (2)  image length (4)
Image formats: 2 mono raw, 4 RGB raw, 6 mono JPEG, 8 RGB JPEG, 10 mono JPEG-LS, 12 RGB JPEG-LS,
14 mono JPEG 2000, 16 RGB JPEG 2000; one format and one size for every image of the record.

Parsing is strict: the record and header lengths must match, each eye names at least one image,
the images fill the record exactly. Image bytes are kept as stored.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any

from ..images import ImageFormat, image_format
from ._base import MAX_ITEMS, check_build
from ._iso19794 import VERSION_010, check_fits, check_record_start, record_failure

__all__ = ["IrisImage", "IrisEye", "IrisImageRecord", "IMAGE_FORMATS", "EYES", "FORMAT_TYPE"]

FORMAT_TYPE = 0x0009  # CBEFF format type of a 19794-6 iris image record (header tag 88)
_IIR = b"IIR\x00"
_HEADER = struct.Struct(">4s4sIHBHHHHHHBB16s")  # 45 bytes
_EYE = struct.Struct(">BH")  # 3 bytes
_IMAGE = struct.Struct(">HBHHI")  # 11 bytes
#: image format code -> name (19794-6:2005 §6.5.6)
IMAGE_FORMATS = {2: "mono raw", 4: "RGB raw", 6: "mono jpeg", 8: "RGB jpeg", 10: "mono jpeg-ls", 12: "RGB jpeg-ls",
                 14: "mono jpeg2000", 16: "RGB jpeg2000"}
_STORED = {6: (ImageFormat.JPEG,), 8: (ImageFormat.JPEG,), 14: (ImageFormat.JP2, ImageFormat.J2K),
           16: (ImageFormat.JP2, ImageFormat.J2K)}
#: subtype code -> name
EYES = {0: "undefined eye", 1: "right eye", 2: "left eye"}


@dataclass(frozen=True)
class IrisImage:
    """One iris image with its header values; format and size are the record's."""

    image: bytes = field(repr=False)
    sequence_number: int = 1
    quality: int = 0xFE  # 0-100; FE when not computed
    rotation_angle: int = 0xFFFF  # FFFF: undefined
    rotation_uncertainty: int = 0xFFFF

    def to_dict(self) -> dict[str, Any]:
        return {"sequence_number": self.sequence_number, "quality": self.quality, "image_size": len(self.image),
                "rotation_angle": self.rotation_angle, "rotation_uncertainty": self.rotation_uncertainty}


@dataclass(frozen=True)
class IrisEye:
    """The images of one eye (a 19794-6 biometric subtype)."""

    eye: int  # 0 undefined, 1 right, 2 left
    images: tuple[IrisImage, ...]

    @property
    def eye_name(self) -> str:
        return EYES.get(self.eye, f"subtype {self.eye}")


@dataclass(frozen=True)
class IrisImageRecord:
    """An ISO/IEC 19794-6:2005 iris image record (the data block of one DG4 template)."""

    eyes: tuple[IrisEye, ...]
    image_format: int
    width: int
    height: int
    capture_device_id: int = 0
    image_properties: int = 0  # orientation, scan type, occlusion and boundary bits (§6.5.4)
    iris_diameter: int = 0
    intensity_depth: int = 8
    image_transformation: int = 0
    device_unique_id: bytes = bytes(16)

    @property
    def images(self) -> tuple[tuple[IrisEye, IrisImage], ...]:
        """(eye, image) for every image of the record, in order."""
        return tuple((e, i) for e in self.eyes for i in e.images)

    @property
    def image_type(self) -> str:
        return IMAGE_FORMATS.get(self.image_format, f"code {self.image_format}")

    @classmethod
    def from_bytes(cls, rec: bytes, *, base: int = 0, what: str = "iris image record") -> IrisImageRecord:
        """Decode a record; ``base`` is its offset in the file (for messages).

        Raises:
            ParseError: anything that is not one complete 19794-6:2005 record.
        """
        fail = record_failure("iris record", what, base)
        check_record_start(rec, fail, identifier=_IIR, standard="ISO/IEC 19794-6:2005", header_size=_HEADER.size)
        (_fmt, _version, _length, device, n_eyes, header_length, properties, diameter, image_format, width, height,
         depth, transformation, unique) = _HEADER.unpack_from(rec)
        if header_length != _HEADER.size:
            raise fail(f"record header length {header_length} (a 2005 record header is {_HEADER.size})", 15)
        if n_eyes == 0:
            raise fail("number of iris subtypes 0", 14)
        pos = _HEADER.size
        eyes = []
        for e in range(n_eyes):
            if pos + _EYE.size > len(rec):
                raise fail(f"subtype {e + 1}: subtype header truncated", pos)
            eye, count = _EYE.unpack_from(rec, pos)
            if not 1 <= count <= MAX_ITEMS:
                raise fail(f"subtype {e + 1}: number of images {count} (expected 1..{MAX_ITEMS})", pos + 1)
            pos += _EYE.size
            images = []
            for i in range(count):
                if pos + _IMAGE.size > len(rec):
                    raise fail(f"subtype {e + 1} image {i + 1}: image header truncated", pos)
                seq, quality, angle, uncertainty, size = _IMAGE.unpack_from(rec, pos)
                pos += _IMAGE.size
                if size == 0 or pos + size > len(rec):
                    raise fail(f"subtype {e + 1} image {i + 1}: image length {size} does not fit "
                               f"({len(rec) - pos} bytes left)", pos - 4)
                images.append(IrisImage(rec[pos : pos + size], seq, quality, angle, uncertainty))
                pos += size
            eyes.append(IrisEye(eye, tuple(images)))
        if pos != len(rec):
            raise fail(f"{len(rec) - pos} bytes after the last image", pos)
        return cls(tuple(eyes), image_format, width, height, device, properties, diameter, depth, transformation,
                   unique)

    def to_bytes(self) -> bytes:
        """The record's encoding (45-byte header, then each eye with its images)."""
        body = b""
        for e in self.eyes:
            body += _EYE.pack(e.eye, len(e.images))
            for i in e.images:
                body += _IMAGE.pack(i.sequence_number, i.quality, i.rotation_angle, i.rotation_uncertainty,
                                    len(i.image)) + i.image
        return _HEADER.pack(_IIR, VERSION_010, _HEADER.size + len(body), self.capture_device_id, len(self.eyes),
                            _HEADER.size, self.image_properties, self.iris_diameter, self.image_format, self.width,
                            self.height, self.intensity_depth, self.image_transformation,
                            self.device_unique_id) + body

    def check(self, what: str) -> None:
        """Refuse a record the builder must not write (InputError naming ``what``)."""
        check_build(1 <= len(self.eyes) <= 255, "a record holds 1 to 255 eyes", what)
        check_build(isinstance(self.device_unique_id, bytes) and len(self.device_unique_id) == 16,
                    "device unique identifier must be 16 bytes", what)
        header = (("capture device ID", self.capture_device_id, 16), ("image properties", self.image_properties, 16),
                  ("iris diameter", self.iris_diameter, 16), ("image format", self.image_format, 16),
                  ("width", self.width, 16), ("height", self.height, 16), ("intensity depth", self.intensity_depth, 8),
                  ("image transformation", self.image_transformation, 8))
        check_fits(header, what)
        stored = _STORED.get(self.image_format)
        for e in self.eyes:
            check_build(isinstance(e.eye, int) and 0 <= e.eye <= 0xFF, "eye must fit in one byte", what)
            check_build(1 <= len(e.images) <= MAX_ITEMS, f"each eye holds 1 to {MAX_ITEMS} images", what)
            for i in e.images:
                check_fits((("sequence number", i.sequence_number, 16), ("quality", i.quality, 8),
                            ("rotation angle", i.rotation_angle, 16), ("rotation uncertainty", i.rotation_uncertainty, 16)),
                           what, prefix="iris ")
                check_build(0 < len(i.image) < 1 << 32, "empty or oversized iris image", what)
                if stored is not None:
                    check_build(image_format(i.image) in stored,
                                f"the {e.eye_name} image is not {self.image_type} as the record says", what)

    def to_dict(self) -> dict[str, Any]:
        return {"format": "ISO/IEC 19794-6:2005", "image_format": self.image_type, "width": self.width,
                "height": self.height, "intensity_depth": self.intensity_depth, "iris_diameter": self.iris_diameter,
                "capture_device_id": self.capture_device_id, "image_properties": f"{self.image_properties:04X}",
                "eyes": [{"eye": e.eye_name, "images": [i.to_dict() for i in e.images]} for e in self.eyes]}
