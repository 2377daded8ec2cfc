"""ISO/IEC 19794-4:2005 finger image records, as DG3 holds them (Doc 9303-10 §4.7.3).

General record header, 32 bytes, big-endian:
    'FIR\\0'  '010\\0'  record length (6 bytes, the whole record)  capture device ID (2)
    image acquisition level (2)  number of finger images (1)  scale units (1: 1 ppi, 2 ppcm)
    horizontal, vertical scan resolution (2 + 2)  horizontal, vertical image resolution (2 + 2)
    pixel depth (1, bits)  image compression algorithm (1)  reserved (2)
Then, once per image, a 14-byte finger image header and the image data:
    length of the finger data block (4: header and image)  finger position (1)  count of views (1)
    view number (1)  image quality (1)  impression type (1)  horizontal, vertical line length (2 + 2)
    reserved (1)
Compression (Table 3): 0 uncompressed, 1 uncompressed bit-packed, 2 WSQ, 3 JPEG, 4 JPEG 2000, 5 PNG;
one code for every image of the record. Finger positions (Table 2): 0 unknown, 1-5 right thumb to
little finger, 6-10 left thumb to little finger, 11-15 plain thumbs and four-finger slaps.

Parsing is strict, like the face records of DG2: the record length must be the data block's, the
number of images must match the blocks, no block may overrun and nothing may trail. The image bytes
are kept as stored; this module never decodes them (``cardkit.images`` does, WSQ excepted).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any

from ..images import ImageFormat, image_format
from ._base import check_build
from ._iso19794 import VERSION_010, check_fits, check_record_start, record_failure

__all__ = ["FingerImage", "FingerImageRecord", "COMPRESSION", "POSITIONS", "IMPRESSIONS", "FORMAT_TYPE",
           "compression_code", "finger_subtype"]

FORMAT_TYPE = 0x0007  # CBEFF format type of a 19794-4 finger image record (header tag 88)
_FIR = b"FIR\x00"
_HEADER = struct.Struct(">4s4s6sHHBBHHHHBBH")  # 32 bytes
_FINGER = struct.Struct(">IBBBBBHHB")  # 14 bytes
#: compression code -> name (19794-4:2005 Table 3)
COMPRESSION = {0: "raw", 1: "raw-packed", 2: "wsq", 3: "jpeg", 4: "jpeg2000", 5: "png"}
_CODES = {v: k for k, v in COMPRESSION.items()}
_STORED = {"wsq": (ImageFormat.WSQ,), "jpeg": (ImageFormat.JPEG,), "jpeg2000": (ImageFormat.JP2, ImageFormat.J2K),
           "png": (ImageFormat.PNG,)}
_HANDS = ("right", "left")
_FINGERS = ("thumb", "index finger", "middle finger", "ring finger", "little finger")
#: finger position code -> name (19794-4:2005 Table 2; palm codes 20-38 are named by number)
POSITIONS = {0: "unknown finger", **{1 + 5 * h + f: f"{_HANDS[h]} {_FINGERS[f]}" for h in range(2) for f in range(5)},
             11: "plain right thumb", 12: "plain left thumb", 13: "plain right four fingers",
             14: "plain left four fingers", 15: "plain thumbs"}
#: impression type code -> name (19794-4:2005 Table 5)
IMPRESSIONS = {0: "live-scan plain", 1: "live-scan rolled", 2: "non-live-scan plain", 3: "non-live-scan rolled",
               8: "live-scan swipe"}


def compression_code(image_type: str) -> int:
    """The 19794-4 compression code of an image type name ("wsq", "jpeg2000" ...); KeyError otherwise."""
    return _CODES[image_type]


def finger_subtype(position: int) -> int | None:
    """The CBEFF biometric subtype of a finger position (ISO/IEC 7816-11 Table C.3), None for slaps and palms.

    Bits 1-2 say the hand (01 right, 02 left), bits 3-5 the finger (1 thumb ... 5 little finger).
    """
    if not 1 <= position <= 10:
        return None
    hand, finger = divmod(position - 1, 5)
    return (finger + 1) << 2 | (hand + 1)


@dataclass(frozen=True)
class FingerImage:
    """One finger image of a record: where it was taken, its size, and the image bytes as stored."""

    image: bytes = field(repr=False)
    position: int
    width: int  # horizontal line length, pixels
    height: int  # vertical line length, pixels
    compression: int = 2
    view_count: int = 1
    view_number: int = 1
    quality: int = 0  # 0-100; 0 when the issuer computed none
    impression_type: int = 0

    @property
    def image_type(self) -> str:
        """"wsq", "jpeg", "jpeg2000", "png", "raw" or "raw-packed"; "code N" for another compression."""
        return COMPRESSION.get(self.compression, f"code {self.compression}")

    @property
    def position_name(self) -> str:
        return POSITIONS.get(self.position, f"palm or other position {self.position}")

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe summary: the image is described, never dumped."""
        return {"position": self.position, "position_name": self.position_name, "image_type": self.image_type,
                "width": self.width, "height": self.height, "image_size": len(self.image), "quality": self.quality,
                "impression": IMPRESSIONS.get(self.impression_type, f"code {self.impression_type}"),
                "view": f"{self.view_number} of {self.view_count}"}


@dataclass(frozen=True)
class FingerImageRecord:
    """An ISO/IEC 19794-4:2005 finger image record (the data block of one DG3 template)."""

    fingers: tuple[FingerImage, ...]
    capture_device_id: int = 0
    acquisition_level: int = 31  # 500 ppi, the setting of Doc 9303-10 §4.7.3's profile
    scale_units: int = 1  # pixels per inch
    scan_resolution: tuple[int, int] = (500, 500)
    image_resolution: tuple[int, int] = (500, 500)
    pixel_depth: int = 8

    @classmethod
    def from_bytes(cls, rec: bytes, *, base: int = 0, what: str = "finger image record") -> FingerImageRecord:
        """Decode a record; ``base`` is its offset in the file (for messages).

        Raises:
            ParseError: anything that is not one complete 19794-4:2005 record.
        """
        fail = record_failure("finger record", what, base)
        check_record_start(rec, fail, identifier=_FIR, standard="ISO/IEC 19794-4:2005", header_size=_HEADER.size,
                           length_size=6)
        (_fmt, _version, _length, device, level, count, units, sx, sy, ix, iy, depth, compression,
         _reserved) = _HEADER.unpack_from(rec)
        if count == 0:
            raise fail("number of finger images 0", 18)
        pos = _HEADER.size
        fingers = []
        for i in range(count):
            if pos + _FINGER.size > len(rec):
                raise fail(f"finger {i + 1}: finger image header truncated", pos)
            block, position, views, view, quality, impression, w, h, _r = _FINGER.unpack_from(rec, pos)
            if block <= _FINGER.size or pos + block > len(rec):
                raise fail(f"finger {i + 1}: block length {block} does not fit ({_FINGER.size + 1} needed, "
                           f"{len(rec) - pos} left)", pos)
            fingers.append(FingerImage(rec[pos + _FINGER.size : pos + block], position, w, h, compression, views,
                                       view, quality, impression))
            pos += block
        if pos != len(rec):
            raise fail(f"{len(rec) - pos} bytes after the last finger image", pos)
        return cls(tuple(fingers), device, level, units, (sx, sy), (ix, iy), depth)

    @property
    def compression(self) -> int:
        return self.fingers[0].compression

    def to_bytes(self) -> bytes:
        """The record's encoding (32-byte header, then each finger's header and image)."""
        blocks = b"".join(_FINGER.pack(_FINGER.size + len(f.image), f.position, f.view_count, f.view_number,
                                       f.quality, f.impression_type, f.width, f.height, 0) + f.image
                          for f in self.fingers)
        total = _HEADER.size + len(blocks)
        return _HEADER.pack(_FIR, VERSION_010, total.to_bytes(6, "big"), self.capture_device_id,
                            self.acquisition_level, len(self.fingers), self.scale_units, *self.scan_resolution,
                            *self.image_resolution, self.pixel_depth, self.compression, 0) + blocks

    def check(self, what: str) -> None:
        """Refuse a record the builder must not write (InputError naming ``what``)."""
        check_build(1 <= len(self.fingers) <= 255, "a record holds 1 to 255 finger images", what)
        check_build(len({f.compression for f in self.fingers}) == 1, "every image of a record has one compression",
                    what)
        header = [("capture device ID", self.capture_device_id, 16), ("acquisition level", self.acquisition_level, 16),
                  ("scale units", self.scale_units, 8), ("pixel depth", self.pixel_depth, 8)]
        header += [("resolution", v, 16) for v in (*self.scan_resolution, *self.image_resolution)]
        check_fits(header, what)
        for f in self.fingers:
            check_fits(((name, getattr(f, name), bits) for name, bits in (
                ("position", 8), ("view_count", 8), ("view_number", 8), ("quality", 8), ("impression_type", 8),
                ("width", 16), ("height", 16), ("compression", 8))), what, prefix="finger ")
            check_build(f.width > 0 and f.height > 0, "finger image width and height must be positive", what)
            check_build(0 < len(f.image) < (1 << 32) - _FINGER.size, "empty or oversized finger image", what)
            stored = _STORED.get(f.image_type)
            if stored is not None:
                check_build(image_format(f.image) in stored,
                            f"the {f.position_name} image is not {f.image_type.upper()} (its first bytes say "
                            f"{image_format(f.image) or 'nothing known'})", what)

    def to_dict(self) -> dict[str, Any]:
        return {"format": "ISO/IEC 19794-4:2005", "capture_device_id": self.capture_device_id,
                "acquisition_level": self.acquisition_level,
                "scale_units": {1: "ppi", 2: "ppcm"}.get(self.scale_units, str(self.scale_units)),
                "scan_resolution": list(self.scan_resolution), "image_resolution": list(self.image_resolution),
                "pixel_depth": self.pixel_depth, "fingers": [f.to_dict() for f in self.fingers]}
