"""The images an eMRTD holds (faces in DG2, signatures in DG7): what they are, and export to a file.

Doc 9303-10 §4.7.2 and §4.7.7 store faces and signatures as JPEG (ISO/IEC 10918) or JPEG 2000
(ISO/IEC 15444-1: the JP2 file format or a bare codestream); fingerprints (DG3) may be WSQ, and
finger and iris records may hold uncompressed grey pixels. ``image_format`` names the stored form by
its magic bytes; ``stored_image`` checks an image and gives it back as stored (WSQ included: its
markers and frame header are checked, its pixels are not decoded); ``raw_grey_image`` turns
uncompressed 8-bit grey pixels into PNG; ``export_image`` gives the bytes a file name asks for:

- the stored bytes untouched when the asked format is the stored one (no re-encoding, so the
  file is the chip's image bit for bit), after checking that they decode; a bare codestream
  (``.j2k``) asked of a JP2 file is the codestream in its ``jp2c`` box, likewise untouched;
- otherwise a conversion by Pillow (built with libjpeg and OpenJPEG): PNG and JPEG 2000 losslessly,
  JPEG at quality 95; PNG and JPEG keep the ICC profile (Pillow's JPEG 2000 writer has no place for one).

Rules: the stored image is always decoded, fully, so a corrupt or truncated image is a
``ParseError`` (exit 2) and never a half-written file; only the decoders of the stored formats are
offered to Pillow; the pixel count is bounded (``MAX_PIXELS``) before any pixel is decoded, so a
hostile header cannot make the decoder allocate gigabytes. Pillow is imported on the first decode:
the magic-byte table is vocabulary every LDS parser shows, and decoding is the rare path.
"""

from __future__ import annotations

import enum
import io
import os
import struct
import warnings
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import TYPE_CHECKING

from .errors import InputError, ParseError

if TYPE_CHECKING:
    from PIL.Image import Image

__all__ = [
    "ImageFormat",
    "ExportedImage",
    "MAX_PIXELS",
    "MAX_IMAGE_SIZE",
    "EXTENSIONS",
    "image_format",
    "format_for_path",
    "export_image",
    "stored_image",
    "raw_grey_image",
    "wsq_dimensions",
]

# A passport face is a fraction of a megapixel (the real ones: 384x480 to 449x598); 16 MP is far
# above any face or signature and keeps one decode within a few hundred MB of memory.
MAX_PIXELS = 4096 * 4096
# An image is part of an LDS file, which is far smaller than this.
MAX_IMAGE_SIZE = 16 * 1024 * 1024
_JPEG_QUALITY = 95


class ImageFormat(str, enum.Enum):
    """A stored or wanted image encoding; the value is the usual file extension."""

    JPEG = "jpg"  # ISO/IEC 10918-1 (JFIF or Exif)
    JP2 = "jp2"  # ISO/IEC 15444-1 Annex I: the JP2 file format (boxes around a codestream)
    J2K = "j2k"  # ISO/IEC 15444-1 Annex A: a bare JPEG 2000 codestream
    PNG = "png"  # ISO/IEC 15948
    WSQ = "wsq"  # FBI WSQ fingerprint compression (DG3); cardkit does not decode it

    @property
    def label(self) -> str:
        """A name for people: "JPEG", "JPEG 2000 (JP2)", ..."""
        return _LABELS[self]

    @property
    def is_jpeg2000(self) -> bool:
        return self in (ImageFormat.JP2, ImageFormat.J2K)

    def __str__(self) -> str:
        return self.label


_LABELS = {ImageFormat.JPEG: "JPEG", ImageFormat.JP2: "JPEG 2000 (JP2)", ImageFormat.J2K: "JPEG 2000 codestream",
           ImageFormat.PNG: "PNG", ImageFormat.WSQ: "WSQ"}
# Magic bytes, longest first where one could be a prefix of another.
_MAGIC: tuple[tuple[bytes, ImageFormat], ...] = (
    (bytes.fromhex("0000000C6A502020"), ImageFormat.JP2),  # the JPEG 2000 signature box
    (bytes.fromhex("FF4FFF51"), ImageFormat.J2K),  # SOC then SIZ
    (bytes.fromhex("89504E470D0A1A0A"), ImageFormat.PNG),
    (bytes.fromhex("FFD8"), ImageFormat.JPEG),  # SOI
    (bytes.fromhex("FFA0"), ImageFormat.WSQ),  # SOI of WSQ
)
# File name extension (lower case) -> format written.
EXTENSIONS: dict[str, ImageFormat] = {
    ".png": ImageFormat.PNG, ".jpg": ImageFormat.JPEG, ".jpeg": ImageFormat.JPEG,
    ".jp2": ImageFormat.JP2, ".j2k": ImageFormat.J2K,
}
# The Pillow plugin that decodes each stored format (Pillow reads JP2 and J2K with one plugin).
_PILLOW_FORMAT = {ImageFormat.JPEG: "JPEG", ImageFormat.JP2: "JPEG2000", ImageFormat.J2K: "JPEG2000",
                  ImageFormat.PNG: "PNG"}


@dataclass(frozen=True)
class ExportedImage:
    """The bytes to write and how they were made."""

    data: bytes = field(repr=False)
    format: ImageFormat
    stored_format: ImageFormat
    width: int
    height: int
    reencoded: bool  # False: ``data`` is the stored image, or the codestream inside it, byte for byte

    def describe(self) -> str:
        """``PNG 413x531, converted from JPEG 2000 (JP2)`` / ``JPEG 384x480, as stored``."""
        if self.reencoded:
            how = f"converted from {self.stored_format.label}"
        elif self.format is self.stored_format:
            how = "as stored"
        else:
            how = f"the codestream of the stored {self.stored_format.label}, not re-encoded"
        return f"{self.format.label} {self.width}x{self.height}, {how}"


def image_format(data: bytes | bytearray | memoryview) -> ImageFormat | None:
    """The stored format named by the image's first bytes, or None when no known format starts so."""
    head = bytes(data[:8])
    for magic, fmt in _MAGIC:
        if head.startswith(magic):
            return fmt
    return None


def format_for_path(path: str | os.PathLike[str]) -> ImageFormat:
    """The format a file name asks for, by its extension (``.png``, ``.jpg``/``.jpeg``, ``.jp2``, ``.j2k``).

    Raises:
        InputError: no extension, or one cardkit does not write (names the file and the choices).
    """
    suffix = PurePath(os.fspath(path)).suffix.lower()
    fmt = EXTENSIONS.get(suffix)
    if fmt is None:
        known = ", ".join(EXTENSIONS)
        said = f"extension {suffix!r} names no image format cardkit writes" if suffix else "no extension names the format"
        raise InputError(f"{os.fspath(path)}: {said} (use {known})")
    return fmt


def export_image(data: bytes | bytearray | memoryview, target: ImageFormat | str | os.PathLike[str], *,
                 what: str = "image") -> ExportedImage:
    """The image in the format ``target`` asks for: the stored bytes when it is the stored format, else converted.

    Args:
        data: the image as stored on the chip.
        target: an ``ImageFormat``, or a file name whose extension names one (see ``format_for_path``).
        what: names the image in errors ("DG2 face 1").

    Raises:
        InputError: ``target`` names no format; the image is WSQ (cardkit does not decode it).
        ParseError: not a known image, corrupt or truncated, or larger than ``MAX_PIXELS``.
    """
    wanted = target if isinstance(target, ImageFormat) else format_for_path(target)
    data = bytes(data)
    stored = _stored_format(data, what, "a JPEG, JPEG 2000 or PNG")
    if stored is ImageFormat.WSQ:
        raise InputError(f"{what}: a WSQ image, which cardkit does not decode; it cannot be written as {wanted.label}")
    image = _decode(data, stored, what)
    if wanted is stored:
        return ExportedImage(data, stored, stored, image.width, image.height, reencoded=False)
    if wanted is ImageFormat.J2K and stored is ImageFormat.JP2:
        codestream = _jp2_codestream(data, what)
        if codestream is not None:
            return ExportedImage(codestream, wanted, stored, image.width, image.height, reencoded=False)
    return ExportedImage(_encode(image, wanted), wanted, stored, image.width, image.height, reencoded=True)


def _stored_format(data: bytes, what: str, expected: str) -> ImageFormat:
    """The format of an image to export, refusing one larger than any LDS image or of no known format."""
    if len(data) > MAX_IMAGE_SIZE:
        raise ParseError(f"{len(data)} bytes is larger than any LDS image ({MAX_IMAGE_SIZE})", what=what)
    stored = image_format(data)
    if stored is None:
        raise ParseError(f"not {expected} image (starts {data[:8].hex().upper() or 'empty'})", what=what, offset=0)
    return stored


def stored_image(data: bytes | bytearray | memoryview, *, what: str = "image") -> ExportedImage:
    """The image exactly as stored, once checked: JPEG, JPEG 2000 and PNG decode fully; WSQ's structure is checked.

    For writing finger and iris images in the format the chip holds them (a ``.wsq`` stays WSQ).

    Raises:
        ParseError: not a known image, corrupt, truncated, or larger than ``MAX_PIXELS``.
    """
    data = bytes(data)
    stored = _stored_format(data, what, "a JPEG, JPEG 2000, PNG or WSQ")
    if stored is ImageFormat.WSQ:
        width, height = wsq_dimensions(data, what=what)
    else:
        image = _decode(data, stored, what)
        width, height = image.width, image.height
    return ExportedImage(data, stored, stored, width, height, reencoded=False)


def raw_grey_image(pixels: bytes | bytearray | memoryview, width: int, height: int, *,
                   what: str = "image") -> ExportedImage:
    """PNG of uncompressed 8-bit grey pixels, row by row (ISO/IEC 19794-4 compression 0, pixel depth 8).

    Raises:
        ParseError: a size that is not width x height bytes, or more than ``MAX_PIXELS``.
    """
    from PIL import Image as PilImage

    if width <= 0 or height <= 0 or width * height > MAX_PIXELS:
        raise ParseError(f"{width}x{height} pixels is not a size cardkit converts", what=what)
    if len(pixels) != width * height:
        raise ParseError(f"{len(pixels)} bytes of pixels for {width}x{height} at 8 bits", what=what)
    image = PilImage.frombytes("L", (width, height), bytes(pixels))
    return ExportedImage(_encode(image, ImageFormat.PNG), ImageFormat.PNG, ImageFormat.PNG, width, height,
                         reencoded=True)


# WSQ markers (FBI IAFIS-IC-0110): SOI, EOI, SOF, SOB; the tables and comments before the frame header.
_WSQ_SOI, _WSQ_EOI, _WSQ_SOF = 0xFFA0, 0xFFA1, 0xFFA2
_WSQ_TABLES = frozenset({0xFFA4, 0xFFA5, 0xFFA6, 0xFFA7, 0xFFA8})  # DTT, DQT, DHT, DRT, COM


def wsq_dimensions(data: bytes | bytearray | memoryview, *, what: str = "WSQ image") -> tuple[int, int]:
    """(width, height) from a WSQ frame header; the segments before it are walked by their lengths.

    The frame header is FFA2, its length, black and white levels (1 + 1), then height and width (2 + 2).

    Raises:
        ParseError: no SOI, a marker out of place, a segment that overruns, no frame header, no EOI at the end.
    """
    data = bytes(data)
    if len(data) < 4 or int.from_bytes(data[:2], "big") != _WSQ_SOI:
        raise ParseError("a WSQ image starts with the SOI marker FFA0", what=what, offset=0)
    if int.from_bytes(data[-2:], "big") != _WSQ_EOI:
        raise ParseError("a WSQ image ends with the EOI marker FFA1 (truncated?)", what=what, offset=len(data) - 2)
    pos = 2
    for _ in range(256):  # a handful of tables precede the frame header
        if pos + 4 > len(data):
            break
        marker, length = int.from_bytes(data[pos : pos + 2], "big"), int.from_bytes(data[pos + 2 : pos + 4], "big")
        if length < 2 or pos + 2 + length > len(data):
            raise ParseError(f"WSQ segment {marker:04X} of {length} bytes does not fit", what=what, offset=pos)
        if marker == _WSQ_SOF:
            if length < 8:
                raise ParseError("WSQ frame header too short", what=what, offset=pos)
            height = int.from_bytes(data[pos + 6 : pos + 8], "big")
            width = int.from_bytes(data[pos + 8 : pos + 10], "big")
            if not width or not height:
                raise ParseError(f"WSQ frame of {width}x{height} pixels", what=what, offset=pos)
            return width, height
        if marker not in _WSQ_TABLES:
            raise ParseError(f"WSQ marker {marker:04X} before the frame header", what=what, offset=pos)
        pos += 2 + length
    raise ParseError("no WSQ frame header (FFA2)", what=what, offset=pos)


def _jp2_codestream(data: bytes, what: str) -> bytes | None:
    """The contiguous codestream box (``jp2c``) of a JP2 file (ISO/IEC 15444-1 I.4, I.5.4), or None."""
    pos = 0
    for _ in range(64):  # a JP2 file has a handful of top-level boxes
        if pos + 8 > len(data):
            return None
        length, kind = struct.unpack_from(">I4s", data, pos)
        header = 8
        if length == 1:  # the XLBox: a 64-bit length follows
            if pos + 16 > len(data):
                return None
            (length,) = struct.unpack_from(">Q", data, pos + 8)
            header = 16
        elif length == 0:  # the last box runs to the end of the file
            length = len(data) - pos
        if length < header or pos + length > len(data):
            raise ParseError(f"JP2 box {kind!r} of {length} bytes does not fit", what=what, offset=pos)
        if kind == b"jp2c":
            body = data[pos + header : pos + length]
            return body if image_format(body) is ImageFormat.J2K else None
        pos += length
    return None


def _decode(data: bytes, fmt: ImageFormat, what: str) -> "Image":
    """Decode every pixel of ``data`` with the one Pillow plugin of ``fmt``, the pixel count bounded first."""
    from PIL import Image as PilImage

    label = f"{what} ({fmt.label})"
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its own limit and twice it; a warning here is an error.
            warnings.simplefilter("error", PilImage.DecompressionBombWarning)
            image = PilImage.open(io.BytesIO(data), formats=[_PILLOW_FORMAT[fmt]])
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise ParseError(f"{width}x{height} pixels is more than cardkit decodes ({MAX_PIXELS})", what=label)
            image.load()
    except ParseError:
        raise
    except (PilImage.DecompressionBombError, PilImage.DecompressionBombWarning) as e:
        raise ParseError(f"too many pixels ({e})", what=label) from None
    except (OSError, SyntaxError, ValueError, EOFError, MemoryError, IndexError, struct.error) as e:
        # Pillow reports corrupt data as OSError ("image file is truncated", "broken data stream"),
        # SyntaxError (bad header) or ValueError; none of them may leave as anything but ParseError.
        raise ParseError(f"the image does not decode ({type(e).__name__}: {_short(e)})", what=label) from None
    return image


def _encode(image: "Image", fmt: ImageFormat) -> bytes:
    """Encode decoded pixels as ``fmt``: PNG and JPEG 2000 losslessly, JPEG at quality 95 (ICC profile kept)."""
    icc = image.info.get("icc_profile")
    extra: dict[str, object] = {"icc_profile": icc} if icc else {}
    out = io.BytesIO()
    if fmt is ImageFormat.PNG:
        image = _for_modes(image, ("1", "L", "LA", "I", "I;16", "P", "RGB", "RGBA"))
        image.save(out, "PNG", **extra)
    elif fmt is ImageFormat.JPEG:
        image = _for_modes(_eight_bit(image), ("L", "RGB", "CMYK"))
        image.save(out, "JPEG", quality=_JPEG_QUALITY, **extra)
    else:
        # OpenJPEG's reversible 5/3 wavelet with no rate target: lossless (ISO/IEC 15444-1 Annex F).
        image = _for_modes(image, ("L", "LA", "RGB", "RGBA", "I;16"))
        image.save(out, "JPEG2000", irreversible=False, no_jp2=fmt is ImageFormat.J2K)  # no ICC option
    return out.getvalue()


def _eight_bit(image: "Image") -> "Image":
    """A 16-bit grey image scaled to 8 bits (JPEG holds 8 bits a sample); other images unchanged."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        return image.point(lambda v: v / 256).convert("L")
    return image


def _for_modes(image: "Image", modes: tuple[str, ...]) -> "Image":
    """``image`` in a pixel mode the encoder takes: itself, else RGBA when it has alpha, else RGB."""
    if image.mode in modes:
        return image
    has_alpha = image.mode in ("LA", "La", "PA", "RGBa") or "A" in image.getbands()
    return image.convert("RGBA" if has_alpha and "RGBA" in modes else "RGB")


def _short(e: BaseException) -> str:
    text = " ".join(str(e).split())
    return text[:120] + ("..." if len(text) > 120 else "")
