"""DG2: encoded face (Doc 9303-10 §4.7.2, ISO/IEC 7816-11 BIT group, ISO/IEC 19794-5:2005 record).

    75 L { 7F61 L {                         biometric information group template
             02 01 n                        number of instances
             7F60 L {                       biometric information template, n times
               A1 L { 80 0101  81 02  [82 ..] [83 ..] [85 ..] [86 ..]  87 0101  88 0008 }
               5F2E|7F2E L <face record>  }}}

Face record (big-endian): "FAC\\0", "010\\0", record length (4, whole record), number of faces
(2); per face: facial information (20 bytes: block length 4 (whole face block), feature point
count 2, gender, eye colour, hair colour, feature mask 3, expression 2, pose angles 3, pose
uncertainties 3), feature points (8 bytes each: type, major/minor code, x 2, y 2, reserved 2),
image information (12 bytes: face image type, image data type 0 JPEG / 1 JPEG2000, width 2,
height 2, colour space, source type, device type 2, quality 2), then the image bytes.

Readers in the field abort on a malformed template, so parsing is strict: every length must
match exactly, counts must agree, and nothing may trail. Validity period is tag 85 and the
creator (PID) tag 86, as in ISO/IEC 7816-11 Table C.1.

A 7F2E data block may instead hold ISO/IEC 39794-5 face data (Doc 9303-10 §4.7.2, 8th edition;
``cardkit.lds.iso39794_5``): chosen by the header's format type (0008: 19794-5, 002A: 39794-5),
else by the block's first bytes ('FAC\0' or the profile's A1 template).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any, Iterable

from .. import tlv
from ..errors import ParseError
from ..images import ImageFormat, image_format
from ._base import MAX_ITEMS, check_build, parse_guard, wrap
from ._cbeff import FACE, BiometricHeader, Instance, encode_group, expect_type, group_dict, make_header, parse_group
from ._iso19794 import VERSION_010, check_fits, check_record_start, record_failure
from .iso39794_5 import FORMAT_TYPE_39794_5, DateTimeBlock, FaceImageDataBlock, FaceRepresentation

__all__ = ["Dg2", "FaceImage", "FeaturePoint", "BiometricHeader", "BiometricTemplate", "Face"]

TAG = 0x75
_WHAT = "DG2"
_FAC = b"FAC\x00"
_IMAGE_TYPES = {0: "jpeg", 1: "jpeg2000"}
_IMAGE_CODES = {v: k for k, v in _IMAGE_TYPES.items()}
_FACE_HEADER = struct.Struct(">IHBBB3s2s3s3s")  # 20 bytes
_FEATURE_POINT = struct.Struct(">BBHHH")  # 8 bytes
_IMAGE_INFO = struct.Struct(">BBHHBBHH")  # 12 bytes
_FORMAT_TYPE_19794_5 = 0x0008


@dataclass(frozen=True)
class FeaturePoint:
    """One facial feature point (ISO/IEC 19794-5 §5.6.6): ``code`` is major << 4 | minor."""

    type: int
    code: int
    x: int
    y: int
    reserved: int = 0


@dataclass(frozen=True)
class FaceImage:
    """One face from an ISO/IEC 19794-5 record with its image; ``image`` is the JPEG/JPEG2000 bytes."""

    image: bytes = field(repr=False)
    image_type: str  # "jpeg" | "jpeg2000"
    width: int
    height: int
    gender: int = 0  # 0 unspecified, 1 male, 2 female, 0xFF unknown
    eye_colour: int = 0
    hair_colour: int = 0
    feature_mask: int = 0  # 24 bits
    expression: int = 0
    pose_angle: tuple[int, int, int] = (0, 0, 0)  # yaw, pitch, roll as encoded (0 = unspecified)
    pose_angle_uncertainty: tuple[int, int, int] = (0, 0, 0)
    feature_points: tuple[FeaturePoint, ...] = ()
    face_image_type: int = 1  # 0 basic, 1 full frontal, 2 token frontal
    colour_space: int = 1  # 0 unspecified, 1 RGB24, 2 YUV422, 3 grey 8 bit, 4 other
    source_type: int = 2  # 2 static photo, digital camera
    device_type: int = 0
    quality: int = 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe summary: the image is described, never dumped."""
        return {
            "image_type": self.image_type, "width": self.width, "height": self.height,
            "image_size": len(self.image), "gender": self.gender, "eye_colour": self.eye_colour,
            "hair_colour": self.hair_colour, "feature_mask": self.feature_mask, "expression": self.expression,
            "pose_angle": list(self.pose_angle), "pose_angle_uncertainty": list(self.pose_angle_uncertainty),
            "feature_points": len(self.feature_points), "face_image_type": self.face_image_type,
            "colour_space": self.colour_space, "source_type": self.source_type,
            "device_type": self.device_type, "quality": self.quality,
        }

    def _encode(self) -> bytes:
        fps = b"".join(_FEATURE_POINT.pack(p.type, p.code, p.x, p.y, p.reserved) for p in self.feature_points)
        info = _IMAGE_INFO.pack(self.face_image_type, _IMAGE_CODES[self.image_type], self.width, self.height,
                                self.colour_space, self.source_type, self.device_type, self.quality)
        block_len = _FACE_HEADER.size + len(fps) + len(info) + len(self.image)
        head = _FACE_HEADER.pack(block_len, len(self.feature_points), self.gender, self.eye_colour,
                                 self.hair_colour, self.feature_mask.to_bytes(3, "big"),
                                 self.expression.to_bytes(2, "big"), bytes(self.pose_angle),
                                 bytes(self.pose_angle_uncertainty))
        return head + fps + info + self.image


# A face of either encoding: both have image, image_type, width, height and to_dict().
Face = FaceImage | FaceRepresentation


@dataclass(frozen=True)
class BiometricTemplate:
    """One 7F60 template: its header, its faces, the data-block tag, other children.

    ``face_data`` is the ISO/IEC 39794-5 block when the template holds one (``faces`` are then its
    representations that carry a 2D image); it is None for a 19794-5 record.
    """

    header: BiometricHeader
    faces: tuple[Face, ...]
    bdb_tag: int = 0x5F2E
    other: tuple[tuple[int, bytes], ...] = ()
    face_data: FaceImageDataBlock | None = None

    @property
    def encoding(self) -> str:
        return "ISO/IEC 39794-5" if self.face_data is not None else "ISO/IEC 19794-5"

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"encoding": self.encoding, "header": self.header.to_dict()}
        if self.face_data is not None:
            d.update(self.face_data.to_dict())
        else:
            d["faces"] = [f.to_dict() for f in self.faces]
        d["data_block_tag"] = f"{self.bdb_tag:X}"
        return d


@dataclass(frozen=True)
class Dg2:
    """DG2 (Doc 9303-10 §4.7.2): face templates; ``faces`` flattens the faces of all templates."""

    raw: bytes = field(repr=False)
    templates: tuple[BiometricTemplate, ...]
    other: tuple[tuple[int, bytes], ...] = ()  # children of 75 other than 7F61

    @property
    def faces(self) -> tuple[Face, ...]:
        """Every face image of every template (19794-5 faces or 39794-5 2D representations)."""
        return tuple(f for t in self.templates for f in t.faces)

    @classmethod
    @parse_guard(_WHAT)
    def from_bytes(cls, data: bytes) -> "Dg2":
        """Parse DG2 strictly; ParseError names the template, tag and byte offset of any fault."""
        raw, templates, other = parse_group(data, TAG, _WHAT, _template)
        return cls(raw=raw, templates=templates, other=other)

    @classmethod
    def build(
        cls,
        image: bytes,
        image_type: str,
        width: int,
        height: int,
        *,
        creation_date: bytes | None = None,
        validity_period: bytes | None = None,
        creator: bytes | None = None,
        biometric_subtype: int | None = None,
        format_type: int = 0x0008,
        **face_fields: Any,
    ) -> "Dg2":
        """A new DG2 with one template holding one face (ICAO profile: 19794-5 full frontal).

        Args:
            image: the JPEG (starts FF D8) or JPEG2000 (JP2 box or J2K codestream) bytes.
            face_fields: any other ``FaceImage`` field (gender, feature_points, quality ...).
        Raises:
            InputError: wrong image type or magic, dimensions or field values out of range.
        """
        check_build(image_type in _IMAGE_CODES, "image_type must be 'jpeg' or 'jpeg2000'", _WHAT)
        image = bytes(image)
        _check_image(image, image_type)
        face = FaceImage(image=image, image_type=image_type, width=width, height=height, **face_fields)
        _check_face(face)
        header = _header(biometric_subtype, creation_date, validity_period, creator, format_type)
        template = BiometricTemplate(header, (face,))
        return cls(raw=wrap(TAG, _encode_group(header, 0x5F2E, _encode_record((face,)))), templates=(template,))

    @classmethod
    def build_39794(
        cls,
        image: bytes,
        image_type: str,
        width: int | None = None,
        height: int | None = None,
        *,
        capture_date: DateTimeBlock | None = None,
        lossless: bool = False,
        creation_date: bytes | None = None,
        validity_period: bytes | None = None,
        creator: bytes | None = None,
    ) -> "Dg2":
        """A new DG2 whose one template holds ISO/IEC 39794-5 face data (the ICAO profile: one 2D face).

        Args:
            image: the JPEG or JPEG 2000 bytes.
            image_type: "jpeg" or "jpeg2000" (``lossless`` picks JPEG 2000 lossless, code 4, over lossy, 3).
        Raises:
            InputError: wrong image type or magic, values out of range.
        """
        check_build(image_type in _IMAGE_CODES, "image_type must be 'jpeg' or 'jpeg2000'", _WHAT)
        image = bytes(image)
        _check_image(image, image_type)
        code = 2 if image_type == "jpeg" else (4 if lossless else 3)
        block = FaceImageDataBlock.build(image, code, width=width, height=height, capture_date=capture_date)
        header = _header(None, creation_date, validity_period, creator, FORMAT_TYPE_39794_5)
        return cls.from_bytes(wrap(TAG, _encode_group(header, 0x7F2E, block.data_block())))

    def to_bytes(self) -> bytes:
        return self.raw

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe view (images summarised by type and size)."""
        return group_dict(_WHAT, [t.to_dict() for t in self.templates], self.other)


def _template(inst: Instance) -> BiometricTemplate:
    expect_type(inst, FACE, "face", _WHAT)
    header, bdb, bdb_tag, other, index = inst.header, inst.bdb, inst.bdb_tag, inst.other, inst.index
    if bdb_tag == 0x7F2E and _is_39794(header, bdb):
        try:
            data = FaceImageDataBlock.from_data_block(bdb)
        except ParseError as e:
            e.what = f"{_WHAT} template {index + 1}, {e.what}" if e.what else f"{_WHAT} template {index + 1}"
            raise
        faces = tuple(r for r in data.representations if r.image is not None)
        return BiometricTemplate(header=header, faces=faces, bdb_tag=bdb_tag, other=other, face_data=data)
    if header.format_type == FORMAT_TYPE_39794_5:
        raise ParseError(f"template {index + 1}: format type 002A (ISO/IEC 39794-5) needs a 7F2E data block",
                         what=_WHAT, offset=bdb.start)
    faces = _parse_record(bdb.value, bdb.value_start)
    return BiometricTemplate(header=header, faces=faces, bdb_tag=bdb_tag, other=other)


def _is_39794(header: BiometricHeader, bdb: tlv.Tlv) -> bool:
    """Which format a 7F2E block holds: the header's format type when it names one, else its first bytes."""
    if header.format_type == FORMAT_TYPE_39794_5:
        return True
    if header.format_type == _FORMAT_TYPE_19794_5:
        return False
    return not bdb.value.startswith(_FAC)


def _parse_record(rec: bytes, base: int) -> tuple[FaceImage, ...]:
    """Decode an ISO/IEC 19794-5:2005 record; ``base`` is its offset in the file, for messages."""
    fail = record_failure("face record", _WHAT, base)
    check_record_start(rec, fail, identifier=_FAC, standard="ISO/IEC 19794-5:2005", header_size=14)
    (count,) = struct.unpack_from(">H", rec, 12)
    if not 1 <= count <= MAX_ITEMS:
        raise fail(f"number of faces {count} (expected 1..{MAX_ITEMS})", 12)
    pos = 14
    faces = []
    for i in range(count):
        if pos + _FACE_HEADER.size > len(rec):
            raise fail(f"face {i + 1}: facial information block truncated", pos)
        (block_len, n_fp, gender, eye, hair, mask, expr, pose, unc) = _FACE_HEADER.unpack_from(rec, pos)
        minimum = _FACE_HEADER.size + n_fp * _FEATURE_POINT.size + _IMAGE_INFO.size
        if block_len < minimum or pos + block_len > len(rec):
            raise fail(f"face {i + 1}: block length {block_len} does not fit ({minimum} needed, "
                       f"{len(rec) - pos} left)", pos)
        p = pos + _FACE_HEADER.size
        points = []
        for _ in range(n_fp):
            points.append(FeaturePoint(*_FEATURE_POINT.unpack_from(rec, p)))
            p += _FEATURE_POINT.size
        ftype, dtype, width, height, cspace, source, device, quality = _IMAGE_INFO.unpack_from(rec, p)
        if dtype not in _IMAGE_TYPES:
            raise fail(f"face {i + 1}: image data type {dtype} (0 JPEG, 1 JPEG2000)", p + 1)
        p += _IMAGE_INFO.size
        image = rec[p : pos + block_len]
        if not image:
            raise fail(f"face {i + 1}: no image data", p)
        faces.append(FaceImage(
            image=image, image_type=_IMAGE_TYPES[dtype], width=width, height=height, gender=gender,
            eye_colour=eye, hair_colour=hair, feature_mask=int.from_bytes(mask, "big"),
            expression=int.from_bytes(expr, "big"), pose_angle=tuple(pose), pose_angle_uncertainty=tuple(unc),
            feature_points=tuple(points), face_image_type=ftype, colour_space=cspace, source_type=source,
            device_type=device, quality=quality,
        ))
        pos += block_len
    if pos != len(rec):
        raise fail(f"{len(rec) - pos} bytes after the last face", pos)
    return tuple(faces)


def _check_image(image: bytes, image_type: str) -> None:
    found = image_format(image)
    if image_type == "jpeg":
        check_build(found is ImageFormat.JPEG, "image is not a JPEG (no FF D8 start)", _WHAT)
    else:
        check_build(found is not None and found.is_jpeg2000,
                    "image is not JPEG2000 (no JP2 signature or J2K codestream start)", _WHAT)


def _header(subtype: int | None, creation_date: bytes | None, validity_period: bytes | None, creator: bytes | None,
            format_type: int) -> BiometricHeader:
    """The A1 header of a new face template (biometric type 02)."""
    return make_header(FACE, format_type, subtype=subtype, creation_date=creation_date,
                       validity_period=validity_period, creator=creator, what=_WHAT)


def _check_face(f: FaceImage) -> None:
    def rng(v: Any, bits: int) -> bool:
        return isinstance(v, int) and 0 <= v < (1 << bits)

    check_fits(((name, getattr(f, name), bits) for name, bits in (
        ("width", 16), ("height", 16), ("gender", 8), ("eye_colour", 8), ("hair_colour", 8), ("feature_mask", 24),
        ("expression", 16), ("face_image_type", 8), ("colour_space", 8), ("source_type", 8), ("device_type", 16),
        ("quality", 16))), _WHAT)
    check_build(f.width > 0 and f.height > 0, "width and height must be positive", _WHAT)
    for name in ("pose_angle", "pose_angle_uncertainty"):
        v = getattr(f, name)
        check_build(isinstance(v, tuple) and len(v) == 3 and all(rng(x, 8) for x in v), f"{name}: 3 bytes", _WHAT)
    check_build(len(f.feature_points) <= MAX_ITEMS, "too many feature points", _WHAT)
    for p in f.feature_points:
        check_build(isinstance(p, FeaturePoint) and rng(p.type, 8) and rng(p.code, 8) and rng(p.x, 16)
                    and rng(p.y, 16) and rng(p.reserved, 16), "bad feature point", _WHAT)
    check_build(len(f.image) > 0, "empty image", _WHAT)


def _encode_record(faces: Iterable[FaceImage]) -> bytes:
    faces = tuple(faces)
    body = b"".join(f._encode() for f in faces)
    return _FAC + VERSION_010 + struct.pack(">IH", 14 + len(body), len(faces)) + body


def _encode_group(header: BiometricHeader, bdb_tag: int, bdb: bytes) -> bytes:
    """7F61 with one 7F60 template: the header, then the data block."""
    return encode_group([(header, bdb_tag, bdb)])
