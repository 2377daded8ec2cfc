"""DG7: displayed signature or usual mark (Doc 9303-10 §4.7.7).

    67 L { 02 01 n  5F43 L <image> ... (n times) }

Each image is JPEG (ISO/IEC 10918, JFIF) or JPEG 2000 (ISO/IEC 15444); the images stay bytes, as
stored, and ``cardkit.images`` names and exports them. Strict: the count must equal the number of
5F43 elements and be at least 1, and an image may not be empty. Other elements are kept, in order,
in ``other``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .. import tlv
from ..errors import ParseError
from ..images import ImageFormat, image_format
from ._base import MAX_ITEMS, check_build, leading_count, parse_guard, unwrap, with_other, wrap

__all__ = ["Dg7"]

TAG = 0x67
_WHAT = "DG7"
_COUNT, _IMAGE = 0x02, 0x5F43


@dataclass(frozen=True)
class Dg7:
    """DG7 (Doc 9303-10 §4.7.7): the displayed signatures or usual marks, as stored."""

    raw: bytes = field(repr=False)
    images: tuple[bytes, ...] = field(repr=False)
    other: tuple[tuple[int, bytes], ...] = ()

    @classmethod
    @parse_guard(_WHAT)
    def from_bytes(cls, data: bytes) -> "Dg7":
        """Parse DG7; ParseError on a missing or wrong count, an empty image, trailing bytes."""
        raw, outer = unwrap(data, TAG, _WHAT)
        count, count_tlv, rest = leading_count(outer, _WHAT, max_bytes=2)
        images: list[bytes] = []
        other: list[tuple[int, bytes]] = []
        for k in rest:
            if k.tag == _COUNT:
                raise ParseError("count 02 repeated", what=_WHAT, offset=k.start)
            if k.tag != _IMAGE:
                other.append((k.tag, k.value))
                continue
            if not k.value:
                raise ParseError(f"image {len(images) + 1} is empty", what=_WHAT, offset=k.start)
            images.append(k.value)
        if count != len(images) or not 1 <= count <= MAX_ITEMS:
            raise ParseError(f"count {count} but {len(images)} images 5F43", what=_WHAT, offset=count_tlv.start)
        return cls(raw=raw, images=tuple(images), other=tuple(other))

    @classmethod
    def build(cls, images: tuple[bytes, ...] | list[bytes]) -> "Dg7":
        """A new DG7 holding ``images`` (each a JPEG or JPEG 2000).

        Raises:
            InputError: no image, an empty one, or one that is neither JPEG nor JPEG 2000.
        """
        images = tuple(bytes(i) for i in images)
        check_build(1 <= len(images) <= 255, "1 to 255 images", _WHAT)
        for i in images:
            found = image_format(i)
            check_build(found is not None and (found.is_jpeg2000 or found is ImageFormat.JPEG),
                        "each image must be a JPEG or JPEG 2000", _WHAT)
        content = tlv.encode(_COUNT, bytes([len(images)])) + b"".join(tlv.encode(_IMAGE, i) for i in images)
        return cls(raw=wrap(TAG, content), images=images)

    def to_bytes(self) -> bytes:
        return self.raw

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe view: each image by format and size, never dumped."""
        return with_other({"file": _WHAT, "images": [_describe(i) for i in self.images]}, self.other)


def _describe(image: bytes) -> dict[str, Any]:
    found = image_format(image)
    return {"format": found.label if found is not None else f"unknown ({image[:4].hex().upper()})",
            "size": len(image)}
