"""ISO/IEC 39794-5 face image data, the tagged-binary (DER) form DG2 holds in a 7F2E data block.

Doc 9303-10 §4.7.2 (8th edition) lets DG2 carry ISO/IEC 39794-5 instead of the 19794-5 'FAC'
record; the ICAO 39794-5 Application Profile for eMRTDs (Table 2, the data under DO 7F2E) puts it as

    7F2E L { A1 L { 65 L FaceImageDataBlock } }

    FaceImageDataBlock [APPLICATION 5]          65 { A0 version  A1 { 30 representation ... } }
      versionBlock [0]                             A0 { 80 generation (3..)  81 year (2019..) }
      RepresentationBlock                          30 { 80 id  A1 image  [A2 capture date] [A3..A9 ...] }
        imageRepresentation [1] / base [0] / 2D [0]   A1 { A0 { A0 { 80 image  A1 information  [A2 device] }}}
        imageInformation2DBlock [1]                   A1 { A0 { 80 format }  [A1 kind]  ...  [A7 { 80 width
                                                           81 height }]  [A9 colour space] ... }
        captureDateTimeBlock [2] (39794-1)            A2 { 80 year  [81 month] ... [86 millisecond] }

The ASN.1 modules use IMPLICIT TAGS, so a tagged CHOICE gets one more level; the code lists of the
profile are CHOICEs whose only alternative is an extension block holding a ``fallback [0]`` code.

Parsing is strict and bounded: DER lengths, minimal INTEGERs in their declared ranges, the fields
of each SEQUENCE in order and at most once, every mandatory field present. Elements after the
known fields of an extensible SEQUENCE (``...``) are kept as bytes, as the format intends; blocks
cardkit does not interpret (quality, PAD, capture device, identity metadata, landmarks ...) are
kept as their DER bytes, by name. Every parsed object keeps its exact bytes in ``raw``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .. import tlv
from ..errors import ParseError
from ..images import ImageFormat, image_format
from ._base import MAX_ITEMS, check_build, parse_guard

__all__ = ["DateTimeBlock", "FaceRepresentation", "FaceImageDataBlock", "FORMAT_CODES", "FORMAT_TYPE_39794_5"]

_WHAT = "ISO/IEC 39794-5 face data"
_APPLICATION_5 = 0x65
_WRAPPER = 0xA1  # the AP's one-element template inside 7F2E
# CBEFF format type of the g3 binary face image in the biometric header (tag 88), IBIA registry.
FORMAT_TYPE_39794_5 = 0x002A
# ImageDataFormatCode -> what it is; cardkit reads the stored form from the image's own magic bytes.
FORMAT_CODES: dict[int, str] = {2: "jpeg", 3: "jpeg2000 lossy", 4: "jpeg2000 lossless"}
_IMAGE_TYPES = {2: "jpeg", 3: "jpeg2000", 4: "jpeg2000"}
_MAX_INT_BYTES = 8


@dataclass(frozen=True)
class _Seq:
    """One SEQUENCE as the module declares it: context tags (first byte) -> field name, in order."""

    name: str
    fields: dict[int, str]
    mandatory: frozenset[int]
    extensible: bool = True


_DATA_BLOCK = _Seq("FaceImageDataBlock", {0xA0: "versionBlock", 0xA1: "representationBlocks"},
                   frozenset({0xA0, 0xA1}))
_VERSION = _Seq("VersionBlock", {0x80: "generation", 0x81: "year"}, frozenset({0x80, 0x81}))
_REPRESENTATION = _Seq("RepresentationBlock", {
    0x80: "representationId", 0xA1: "imageRepresentation", 0xA2: "captureDateTimeBlock", 0xA3: "qualityBlocks",
    0xA4: "padDataBlock", 0x85: "sessionId", 0x86: "derivedFrom", 0xA7: "captureDeviceBlock",
    0xA8: "identityMetadataBlock", 0xA9: "landmarkBlocks"}, frozenset({0x80, 0xA1}))
_IMAGE_2D = _Seq("ImageRepresentation2DBlock", {
    0x80: "representationData2D", 0xA1: "imageInformation2DBlock", 0xA2: "captureDevice2DBlock"},
    frozenset({0x80, 0xA1}))
_INFORMATION_2D = _Seq("ImageInformation2DBlock", {
    0xA0: "imageDataFormat", 0xA1: "faceImageKind2D", 0xA2: "postAcquisitionProcessingBlock",
    0xA3: "lossyTransformationAttempts", 0x84: "cameraToSubjectDistance", 0x85: "sensorDiagonal",
    0x86: "lensFocalLength", 0xA7: "imageSizeBlock", 0xA8: "imageFaceMeasurementsBlock", 0xA9: "imageColourSpace",
    0xAA: "referenceColourMappingBlock"}, frozenset({0xA0}))
_SIZE = _Seq("ImageSizeBlock", {0x80: "width", 0x81: "height"}, frozenset({0x80, 0x81}), extensible=False)
_DATE_TIME = _Seq("DateTimeBlock", {0x80: "year", 0x81: "month", 0x82: "day", 0x83: "hour", 0x84: "minute",
                                    0x85: "second", 0x86: "millisecond"}, frozenset({0x80}), extensible=False)
# Declared ranges of the 39794-1 DateTimeBlock fields.
_DATE_RANGES = {"year": (0, 9999), "month": (1, 12), "day": (1, 31), "hour": (0, 23), "minute": (0, 59),
                "second": (0, 59), "millisecond": (0, 999)}


@dataclass(frozen=True)
class DateTimeBlock:
    """A 39794-1 date and time, as precise as it was recorded (absent parts are None)."""

    year: int
    month: int | None = None
    day: int | None = None
    hour: int | None = None
    minute: int | None = None
    second: int | None = None
    millisecond: int | None = None

    def text(self) -> str:
        """ISO 8601 to the precision recorded: ``2024``, ``2024-05-17``, ``2024-05-17T10:20:30.123``."""
        out = f"{self.year:04d}"
        for sep, v in (("-", self.month), ("-", self.day), ("T", self.hour), (":", self.minute), (":", self.second)):
            if v is None:
                return out
            out += f"{sep}{v:02d}"
        return out + (f".{self.millisecond:03d}" if self.millisecond is not None else "")

    def _encode(self) -> bytes:
        parts = (self.year, self.month, self.day, self.hour, self.minute, self.second, self.millisecond)
        body = b""
        for (tag, name), v in zip(_DATE_TIME.fields.items(), parts):
            if v is not None:
                lo, hi = _DATE_RANGES[name]
                check_build(isinstance(v, int) and lo <= v <= hi, f"capture date {name} out of {lo}..{hi}", _WHAT)
                body += tlv.encode(tag, _int_bytes(v))
        return body


@dataclass(frozen=True)
class FaceRepresentation:
    """One RepresentationBlock: the face image and the facts a terminal shows; other blocks kept as bytes."""

    raw: bytes = field(repr=False)
    representation_id: int
    image: bytes | None = field(repr=False)  # representationData2D; None for a non-2D representation
    image_data_format: int | None  # ImageDataFormatCode (FORMAT_CODES), None when not given as a code
    width: int | None = None
    height: int | None = None
    capture_date: DateTimeBlock | None = None
    face_image_kind: int | None = None  # 0 = mrtd
    colour_space: int | None = None  # ImageColourSpaceCode
    blocks: tuple[tuple[str, bytes], ...] = ()  # uninterpreted blocks by field name, DER bytes

    @property
    def image_type(self) -> str:
        """``jpeg`` / ``jpeg2000`` as the format code says, else from the image's magic bytes, else ``unknown``."""
        if self.image_data_format in _IMAGE_TYPES:
            return _IMAGE_TYPES[self.image_data_format]
        found = image_format(self.image) if self.image else None
        if found is ImageFormat.JPEG:
            return "jpeg"
        return "jpeg2000" if found is not None and found.is_jpeg2000 else "unknown"

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe summary: the image is described, never dumped."""
        d: dict[str, Any] = {"representation_id": self.representation_id, "image_type": self.image_type}
        if self.image_data_format is not None:
            d["image_data_format"] = FORMAT_CODES.get(self.image_data_format, f"code {self.image_data_format}")
        d.update({"width": self.width, "height": self.height, "image_size": len(self.image or b"")})
        if self.capture_date is not None:
            d["capture_date"] = self.capture_date.text()
        if self.face_image_kind is not None:
            d["face_image_kind"] = "mrtd" if self.face_image_kind == 0 else f"code {self.face_image_kind}"
        if self.colour_space is not None:
            d["colour_space"] = self.colour_space
        if self.blocks:
            d["other_blocks"] = {name: len(v) for name, v in self.blocks}
        return d


@dataclass(frozen=True)
class FaceImageDataBlock:
    """A 39794-5 FaceImageDataBlock ([APPLICATION 5]); ``raw`` is its DER element (65 ...)."""

    raw: bytes = field(repr=False)
    generation: int
    year: int
    representations: tuple[FaceRepresentation, ...]
    other: tuple[tuple[int, bytes], ...] = ()  # extension elements after representationBlocks

    @classmethod
    @parse_guard(_WHAT)
    def from_bytes(cls, data: bytes) -> "FaceImageDataBlock":
        """Parse one DER FaceImageDataBlock (65 ...), nothing after it; ParseError names tag and offset."""
        return _data_block(tlv.decode(bytes(data)))

    @classmethod
    def from_data_block(cls, bdb: tlv.Tlv) -> "FaceImageDataBlock":
        """Parse the value of a DG2 7F2E data block: ``A1 { 65 ... }`` (the AP's Table 2), nothing else."""
        kids = bdb.children()
        if len(kids) != 1 or kids[0].tag != _WRAPPER:
            tags = " ".join(f"{k.tag:X}" for k in kids) or "nothing"
            raise ParseError(f"7F2E must hold one A1 template around the 39794-5 data, found {tags}",
                             what=_WHAT, offset=bdb.value_start)
        _check_der(kids[0])
        inner = kids[0].children()
        if len(inner) != 1 or inner[0].tag != _APPLICATION_5:
            tags = " ".join(f"{k.tag:X}" for k in inner) or "nothing"
            raise ParseError(f"A1 must hold one FaceImageDataBlock (65), found {tags}", what=_WHAT,
                             offset=kids[0].value_start)
        return _data_block(inner[0])

    @classmethod
    def build(cls, image: bytes, image_data_format: int, *, width: int | None = None, height: int | None = None,
              capture_date: DateTimeBlock | None = None, representation_id: int = 0,
              face_image_kind: int | None = 0, generation: int = 3, year: int = 2019) -> "FaceImageDataBlock":
        """A new block with one 2D representation, as the ICAO profile has it.

        Args:
            image: the JPEG or JPEG 2000 bytes (representationData2D).
            image_data_format: 2 JPEG, 3 JPEG 2000 lossy, 4 JPEG 2000 lossless.
            width, height: the image size block (both or neither).
            face_image_kind: 0 (mrtd), or None to leave it out.
        Raises:
            InputError: an empty image, a value out of its declared range.
        """
        check_build(len(image) > 0, "empty image", _WHAT)
        check_build((width is None) == (height is None), "give both width and height, or neither", _WHAT)
        for name, v, lo, hi in (("image_data_format", image_data_format, 0, 255), ("generation", generation, 3, 65535),
                                ("year", year, 2019, 9999), ("representation_id", representation_id, 0, 2**31 - 1),
                                ("width", width, 0, 65535), ("height", height, 0, 65535),
                                ("face_image_kind", face_image_kind, 0, 255)):
            check_build(v is None or (isinstance(v, int) and lo <= v <= hi), f"{name} out of {lo}..{hi}", _WHAT)
        info = tlv.encode(0xA0, tlv.encode(0x80, _int_bytes(image_data_format)))
        if face_image_kind is not None:
            info += tlv.encode(0xA1, tlv.encode(0xA1, tlv.encode(0x80, _int_bytes(face_image_kind))))
        if width is not None and height is not None:
            info += tlv.encode(0xA7, tlv.encode(0x80, _int_bytes(width)) + tlv.encode(0x81, _int_bytes(height)))
        two_d = tlv.encode(0x80, bytes(image)) + tlv.encode(0xA1, info)
        rep = tlv.encode(0x80, _int_bytes(representation_id)) + tlv.encode(0xA1, tlv.encode(0xA0, tlv.encode(0xA0, two_d)))
        if capture_date is not None:
            rep += tlv.encode(0xA2, capture_date._encode())
        version = tlv.encode(0x80, _int_bytes(generation)) + tlv.encode(0x81, _int_bytes(year))
        body = tlv.encode(0xA0, version) + tlv.encode(0xA1, tlv.encode(0x30, rep))
        return cls.from_bytes(tlv.encode(_APPLICATION_5, body))

    def to_bytes(self) -> bytes:
        return self.raw

    def data_block(self) -> bytes:
        """The value of the DG2 7F2E data block: ``A1 { 65 ... }``."""
        return tlv.encode(_WRAPPER, self.raw)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe view: version and each representation as ``faces`` (the key 19794-5 faces use too)."""
        d: dict[str, Any] = {"version": f"generation {self.generation}, {self.year}",
                             "faces": [r.to_dict() for r in self.representations]}
        if self.other:
            d["extensions"] = [f"{t:X} ({len(v)} bytes)" for t, v in self.other]
        return d


def _fail(message: str, t: tlv.Tlv, where: str) -> ParseError:
    return ParseError(f"{where}: {message}", what=_WHAT, offset=t.start)


def _check_der(t: tlv.Tlv) -> None:
    """DER uses the shortest length form; a longer one means the data was not DER-encoded."""
    if bytes(t.buf[t.start : t.value_start]) != tlv.tag_bytes(t.tag) + tlv.encode_length(t.length):
        raise _fail(f"tag {t.tag:X} has a non-minimal length (not DER)", t, "DER")


def _read(t: tlv.Tlv, seq: _Seq) -> tuple[dict[str, tlv.Tlv], tuple[tuple[int, bytes], ...]]:
    """The known fields of a SEQUENCE by name, and the extension elements after them."""
    found: dict[str, tlv.Tlv] = {}
    other: list[tuple[int, bytes]] = []
    last = -1
    last_known = max(tag & 0x1F for tag in seq.fields)
    kids = t.children()
    if len(kids) > MAX_ITEMS:
        raise _fail(f"{len(kids)} elements", t, seq.name)
    for k in kids:
        _check_der(k)
        if k.tag > 0xBE or k.tag & 0xC0 != 0x80:
            raise _fail(f"tag {k.tag:X} is not a context-specific field", k, seq.name)
        number = k.tag & 0x1F
        if number <= last:
            raise _fail(f"field [{number}] out of order or repeated", k, seq.name)
        last = number
        name = seq.fields.get(k.tag)
        if name is not None:
            found[name] = k
        elif seq.extensible and number > last_known:
            other.append((k.tag, k.raw))
        else:
            raise _fail(f"unexpected tag {k.tag:X}", k, seq.name)
    missing = [seq.fields[tag] for tag in seq.fields if tag in seq.mandatory and seq.fields[tag] not in found]
    if missing:
        raise _fail(f"missing {', '.join(missing)}", t, seq.name)
    return found, tuple(other)


def _int(t: tlv.Tlv, where: str, lo: int, hi: int | None) -> int:
    """A DER INTEGER (minimal two's complement) within [lo, hi]."""
    v = t.value
    if not v or len(v) > _MAX_INT_BYTES:
        raise _fail(f"INTEGER of {len(v)} bytes", t, where)
    if len(v) > 1 and ((v[0] == 0 and v[1] < 0x80) or (v[0] == 0xFF and v[1] >= 0x80)):
        raise _fail("INTEGER not minimally encoded (not DER)", t, where)
    n = int.from_bytes(v, "big", signed=True)
    if n < lo or (hi is not None and n > hi):
        raise _fail(f"{n} out of {lo}..{'MAX' if hi is None else hi}", t, where)
    return n


def _int_bytes(n: int) -> bytes:
    return n.to_bytes(max(1, (n.bit_length() + 8) // 8), "big", signed=True)


def _code(t: tlv.Tlv, where: str) -> int | None:
    """A code CHOICE: ``{ 80 code }`` or ``{ A1 { 80 fallback ... } }``; None for an extension without fallback."""
    kids = t.children()
    if len(kids) != 1:
        raise _fail(f"a CHOICE holds one alternative, found {len(kids)}", t, where)
    alt = kids[0]
    _check_der(alt)
    if alt.tag == 0x80:
        return _int(alt, where, 0, None)
    if alt.tag == 0xA1:
        inner = alt.children()
        if not inner:
            return None
        _check_der(inner[0])
        if inner[0].tag != 0x80:
            raise _fail(f"extension block starts with {inner[0].tag:X}, not the fallback code 80", inner[0], where)
        return _int(inner[0], where, 0, None)
    raise _fail(f"unexpected alternative {alt.tag:X}", alt, where)


def _data_block(t: tlv.Tlv) -> FaceImageDataBlock:
    if t.tag != _APPLICATION_5:
        raise _fail(f"tag {t.tag:X} is not FaceImageDataBlock (65)", t, "FaceImageDataBlock")
    _check_der(t)
    fields, other = _read(t, _DATA_BLOCK)
    version, _ = _read(fields["versionBlock"], _VERSION)
    generation = _int(version["generation"], "VersionBlock generation", 3, 65535)
    year = _int(version["year"], "VersionBlock year", 2019, 9999)
    blocks = fields["representationBlocks"].children()
    if not 1 <= len(blocks) <= MAX_ITEMS:
        raise _fail(f"{len(blocks)} representation blocks (1..{MAX_ITEMS})", fields["representationBlocks"],
                    "representationBlocks")
    reps = []
    for i, b in enumerate(blocks):
        if b.tag != 0x30:
            raise _fail(f"tag {b.tag:X} is not a RepresentationBlock SEQUENCE (30)", b, f"representation {i + 1}")
        reps.append(_representation(b, f"representation {i + 1}"))
    return FaceImageDataBlock(raw=t.raw, generation=generation, year=year, representations=tuple(reps), other=other)


def _representation(t: tlv.Tlv, where: str) -> FaceRepresentation:
    fields, other = _read(t, _REPRESENTATION)
    rep_id = _int(fields["representationId"], f"{where} representationId", 0, None)
    values: dict[str, Any] = {}
    blocks = [(name, k.raw) for name, k in fields.items()
              if name not in ("representationId", "imageRepresentation", "captureDateTimeBlock")]
    blocks += [(f"extension {tag:X}", raw) for tag, raw in other]
    two_d = _image_2d(fields["imageRepresentation"], where)
    if two_d is not None:
        f2d, other2d = _read(two_d, _IMAGE_2D)
        values["image"] = f2d["representationData2D"].value
        if not values["image"]:
            raise _fail("representationData2D holds no image", f2d["representationData2D"], where)
        info, info_blocks = _information(f2d["imageInformation2DBlock"], where)
        values.update(info)
        blocks += info_blocks
        if "captureDevice2DBlock" in f2d:
            blocks.append(("captureDevice2DBlock", f2d["captureDevice2DBlock"].raw))
        blocks += [(f"2D extension {tag:X}", raw) for tag, raw in other2d]
    if "captureDateTimeBlock" in fields:
        values["capture_date"] = _date_time(fields["captureDateTimeBlock"], f"{where} captureDateTimeBlock")
    return FaceRepresentation(raw=t.raw, representation_id=rep_id, image=values.pop("image", None),
                              image_data_format=values.pop("image_data_format", None), blocks=tuple(blocks), **values)


def _image_2d(t: tlv.Tlv, where: str) -> tlv.Tlv | None:
    """The ImageRepresentation2DBlock inside ``imageRepresentation`` (A1 { A0 { A0 ... } }), or None."""
    alts = t.children()
    if len(alts) != 1:
        raise _fail(f"imageRepresentation holds {len(alts)} alternatives (a CHOICE holds one)", t, where)
    _check_der(alts[0])
    if alts[0].tag == 0xA1:  # extensionBlock: a representation of a kind this edition does not define
        return None
    if alts[0].tag != 0xA0:
        raise _fail(f"imageRepresentation alternative {alts[0].tag:X}", alts[0], where)
    base = alts[0].children()
    if len(base) != 1:
        raise _fail(f"ImageRepresentationBase holds {len(base)} alternatives (a CHOICE holds one)", alts[0], where)
    _check_der(base[0])
    if base[0].tag == 0xA0:
        return base[0]
    if 0xA1 <= base[0].tag <= 0xBE:  # another base kind (a 3D shape in the full standard): kept, no 2D image
        return None
    raise _fail(f"ImageRepresentationBase alternative {base[0].tag:X}", base[0], where)


def _information(t: tlv.Tlv, where: str) -> tuple[dict[str, Any], list[tuple[str, bytes]]]:
    """The facts of an ImageInformation2DBlock, and its other blocks as (name, DER bytes)."""
    fields, other = _read(t, _INFORMATION_2D)
    out: dict[str, Any] = {"image_data_format": _code(fields["imageDataFormat"], f"{where} imageDataFormat")}
    if "faceImageKind2D" in fields:
        out["face_image_kind"] = _code(fields["faceImageKind2D"], f"{where} faceImageKind2D")
    if "imageColourSpace" in fields:
        out["colour_space"] = _code(fields["imageColourSpace"], f"{where} imageColourSpace")
    if "imageSizeBlock" in fields:
        size, _ = _read(fields["imageSizeBlock"], _SIZE)
        out["width"] = _int(size["width"], f"{where} image width", 0, 65535)
        out["height"] = _int(size["height"], f"{where} image height", 0, 65535)
    done = ("imageDataFormat", "faceImageKind2D", "imageColourSpace", "imageSizeBlock")
    blocks = [(name, k.raw) for name, k in fields.items() if name not in done]
    blocks += [(f"information extension {tag:X}", raw) for tag, raw in other]
    return out, blocks


def _date_time(t: tlv.Tlv, where: str) -> DateTimeBlock:
    fields, _ = _read(t, _DATE_TIME)
    values = {name: _int(k, f"{where} {name}", *_DATE_RANGES[name]) for name, k in fields.items()}
    return DateTimeBlock(**values)
