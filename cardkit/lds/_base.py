"""Shared machinery of the LDS file classes (Doc 9303-10 §4.7): the outer tag, error fencing, text.

Rules every LDS class follows, enforced here once:
- the outer data-group tag and its length are checked by ``unwrap`` (exact tag, no trailing
  bytes); each class decodes only the content (the JMRTD readContent/writeContent split);
- ``from_bytes`` is wrapped by ``parse_guard``: whatever the input, the only exception that
  leaves it is ``ParseError`` (an IndexError, ValueError or asn1crypto error becomes one,
  naming the file), so hostile bytes cannot crash a reader;
- parsed objects keep the exact bytes in ``raw``; ``to_bytes`` gives them back untouched;
- elements a file's table does not know are kept, and shown the same way by ``with_other``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, TypeVar

from .. import tlv
from ..errors import CardkitError, InputError, ParseError
from .files import by_dg, by_tag

__all__ = [
    "MAX_FILE_SIZE",
    "MAX_ITEMS",
    "DataGroup",
    "parse_guard",
    "unwrap",
    "wrap",
    "decode_text",
    "check_build",
    "hex_or_text",
    "with_other",
    "leading_count",
]

# A DG2 with a large JPEG2000 face stays well below this; anything bigger is not an LDS file.
MAX_FILE_SIZE = 1 << 24
# Upper bound on repeated items (tags in a tag list, faces, feature points, other names, infos).
MAX_ITEMS = 1024

F = TypeVar("F", bound=Callable[..., Any])


def parse_guard(what: str) -> Callable[[F], F]:
    """Decorate a ``from_bytes``: any non-ParseError exception becomes a ParseError naming ``what``."""

    def deco(fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except ParseError as e:
                if e.what == "BER-TLV":  # say which file the bad TLV is in
                    e.what = f"{what} BER-TLV"
                raise e.within(what=what)
            except CardkitError:
                raise
            except RecursionError:
                raise ParseError("nesting too deep", what=what) from None
            except Exception as e:  # asn1crypto raises ValueError, TypeError, KeyError ...
                raise ParseError(f"malformed content ({type(e).__name__}: {_short(e)})", what=what) from None

        return wrapper  # type: ignore[return-value]

    return deco


def _short(e: Exception) -> str:
    text = " ".join(str(e).split())
    return text[:120] + ("..." if len(text) > 120 else "")


def _as_bytes(data: bytes | bytearray | memoryview, what: str) -> bytes:
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ParseError(f"expected bytes, got {type(data).__name__}", what=what)
    data = bytes(data)
    if len(data) > MAX_FILE_SIZE:
        raise ParseError(f"{len(data)} bytes is larger than any LDS file ({MAX_FILE_SIZE})", what=what)
    return data


def unwrap(data: bytes | bytearray | memoryview, tag: int, what: str, *,
           content: tuple[int, str] | None = None) -> tuple[bytes, tlv.Tlv]:
    """Check the outer tag of an LDS file and return (raw bytes, outer Tlv).

    Args:
        content: (tag, description) when the content must be one ASN.1 element starting with that
            tag (DG14: a SET, DG15: a SubjectPublicKeyInfo SEQUENCE).

    Raises:
        ParseError: not bytes, too large, wrong outer tag, bad length, trailing bytes, wrong content tag.
    """
    raw = _as_bytes(data, what)
    outer = tlv.decode(raw)
    if outer.tag != tag:
        raise ParseError(f"outer tag is {outer.tag:X}, expected {tag:X}", what=what, offset=0)
    if content is not None and (not outer.value or outer.value[0] != content[0]):
        raise ParseError(f"content of {tag:X} is not {content[1]}", what=what, offset=outer.value_start)
    return raw, outer


def wrap(tag: int, content: bytes) -> bytes:
    """The outer TLV of a new LDS file."""
    return tlv.encode(tag, content)


def decode_text(value: bytes, what: str, *, ascii_only: bool = False) -> str:
    """Decode a text data element (UTF-8, Doc 9303-10 §4.7); ParseError on bad bytes."""
    try:
        text = value.decode("ascii" if ascii_only else "utf-8")
    except UnicodeDecodeError as e:
        raise ParseError(f"not {'ASCII' if ascii_only else 'UTF-8'} text", what=what, offset=e.start) from None
    return text


def check_build(condition: bool, message: str, what: str) -> None:
    """Refuse a builder argument that would make an invalid file (InputError names the field)."""
    if not condition:
        raise InputError(f"{what}: {message}")


def hex_or_text(value: bytes, limit: int = 64) -> str:
    """Printable text when the bytes are printable ASCII, else hex (shortened): for display."""
    if value and all(32 <= b < 127 for b in value):
        return value.decode("ascii")
    h = value.hex().upper()
    return h if len(h) <= limit else f"{h[:limit]}... ({len(value)} bytes)"


def with_other(d: dict[str, Any], other: Iterable[tuple[int, bytes]]) -> dict[str, Any]:
    """``d`` with the elements kept as unknown under "other" (tag in hex: text or hex), when there are any."""
    kept = {f"{t:X}": hex_or_text(v) for t, v in other}
    if kept:
        d["other"] = kept
    return d


def leading_count(outer: tlv.Tlv, what: str, *, max_bytes: int) -> tuple[int, tlv.Tlv, list[tlv.Tlv]]:
    """The count 02 a file's content must start with (DG7, DG16): (count, its TLV, the elements after it).

    Raises:
        ParseError: no count first, or a count of more than ``max_bytes`` bytes.
    """
    kids = outer.children()
    if not kids or kids[0].tag != 0x02:
        raise ParseError("content must start with the count 02", what=what, offset=outer.value_start)
    count = kids[0]
    if not 1 <= len(count.value) <= max_bytes:
        raise ParseError(f"count of {len(count.value)} bytes", what=what, offset=count.start)
    return int.from_bytes(count.value, "big"), count, kids[1:]


def tag_list_bytes(tags: Iterable[int]) -> bytes:
    """Concatenated tag bytes for a 5C tag list."""
    return b"".join(tlv.tag_bytes(t) for t in tags)


def parse_tag_list(value: bytes, what: str) -> tuple[int, ...]:
    """Split a 5C tag list into tags (Doc 9303-10 §4.6.1); ParseError on a truncated tag."""
    tags: list[int] = []
    pos = 0
    while pos < len(value):
        if len(tags) >= MAX_ITEMS:
            raise ParseError(f"more than {MAX_ITEMS} tags in the tag list", what=what, offset=pos)
        first = value[pos]
        tag = first
        pos += 1
        if first & 0x1F == 0x1F:
            n = 1
            while True:
                if pos >= len(value):
                    raise ParseError("truncated tag in the tag list", what=what, offset=pos)
                b = value[pos]
                tag = (tag << 8) | b
                pos += 1
                n += 1
                if n > tlv.MAX_TAG_BYTES:
                    raise ParseError("over-long tag in the tag list", what=what, offset=pos)
                if not b & 0x80:
                    break
        tags.append(tag)
    return tuple(tags)


@dataclass(frozen=True)
class DataGroup:
    """A data group cardkit does not model (DG3..DG6, DG8..DG10): its outer TLV checked, content kept."""

    raw: bytes = field(repr=False)
    dg: int
    content: bytes

    @classmethod
    @parse_guard("data group")
    def from_bytes(cls, data: bytes) -> "DataGroup":
        """Parse any DGn by its outer tag (Doc 9303-10 §4.7)."""
        raw = _as_bytes(data, "data group")
        outer = tlv.decode(raw)
        info = by_tag(outer.tag)
        if info is None or info.dg is None:
            raise ParseError(f"tag {outer.tag:X} is not a data group tag", what="data group", offset=0)
        return cls(raw=raw, dg=info.dg, content=outer.value)

    @classmethod
    def build(cls, dg: int, content: bytes) -> "DataGroup":
        """Wrap ``content`` in the outer tag of DG ``dg``."""
        info = by_dg(dg)
        check_build(info is not None and info.tag is not None, f"no data group {dg}", "DataGroup")
        assert info is not None and info.tag is not None
        return cls(raw=wrap(info.tag, bytes(content)), dg=dg, content=bytes(content))

    def to_bytes(self) -> bytes:
        return self.raw

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe summary (content size, first bytes)."""
        return {"file": f"DG{self.dg}", "size": len(self.raw), "content": hex_or_text(self.content)}
