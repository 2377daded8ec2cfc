"""EF.COM: LDS version, Unicode version and the list of data groups present (Doc 9303-10 §4.6.1).

    60 L { 5F01 04 "0107"  5F36 06 "040000"  5C n <DG tags> }

Other tags inside 60 are kept (``other``) and written back by ``build`` after the three known ones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable

from .. import tlv
from ..errors import ParseError
from ._base import check_build, parse_guard, parse_tag_list, tag_list_bytes, unwrap, with_other, wrap
from .files import by_dg, by_tag

__all__ = ["Com"]

TAG = 0x60
_LDS_VERSION, _UNICODE_VERSION, _TAG_LIST = 0x5F01, 0x5F36, 0x5C
_WHAT = "EF.COM"


@dataclass(frozen=True)
class Com:
    """EF.COM (Doc 9303-10 §4.6.1)."""

    raw: bytes = field(repr=False)
    lds_version: str  # "aabb": "0107", "0108"
    unicode_version: str  # "aabbcc": "040000"
    tag_list: tuple[int, ...]  # DG tags as listed (0x61, 0x75, ...)
    other: tuple[tuple[int, bytes], ...] = field(default=())  # unknown (tag, value), in order

    @property
    def data_groups(self) -> tuple[int, ...]:
        """DG numbers listed, in the order of the tag list (tags that name no DG are skipped)."""
        out = []
        for t in self.tag_list:
            info = by_tag(t)
            if info is not None and info.dg is not None:
                out.append(info.dg)
        return tuple(out)

    @classmethod
    @parse_guard(_WHAT)
    def from_bytes(cls, data: bytes) -> "Com":
        """Parse EF.COM; ParseError if a version or the tag list is missing, repeated or malformed."""
        raw, outer = unwrap(data, TAG, _WHAT)
        found: dict[int, bytes] = {}
        other: list[tuple[int, bytes]] = []
        for child in outer.children():
            if child.tag in (_LDS_VERSION, _UNICODE_VERSION, _TAG_LIST):
                if child.tag in found:
                    raise ParseError(f"tag {child.tag:X} repeated", what=_WHAT, offset=child.start)
                found[child.tag] = child.value
            else:
                other.append((child.tag, child.value))
        for t in (_LDS_VERSION, _UNICODE_VERSION, _TAG_LIST):
            if t not in found:
                raise ParseError(f"missing tag {t:X}", what=_WHAT, path=(TAG,))
        lds = _version(found[_LDS_VERSION], 4, "LDS version")
        uni = _version(found[_UNICODE_VERSION], 6, "Unicode version")
        tags = parse_tag_list(found[_TAG_LIST], _WHAT)
        return cls(raw=raw, lds_version=lds, unicode_version=uni, tag_list=tags, other=tuple(other))

    @classmethod
    def build(
        cls,
        data_groups: Iterable[int],
        lds_version: str = "0108",
        unicode_version: str = "040000",
        *,
        other: Iterable[tuple[int, bytes]] = (),
    ) -> "Com":
        """A new EF.COM listing ``data_groups`` (DG numbers, written in the order given).

        Raises:
            InputError: unknown DG number, or a version that is not 4 / 6 digits.
        """
        dgs = tuple(data_groups)
        tags = []
        for n in dgs:
            info = by_dg(n) if isinstance(n, int) else None
            check_build(info is not None, f"no data group {n!r}", _WHAT)
            assert info is not None and info.tag is not None
            tags.append(info.tag)
        check_build(bool(re.fullmatch(r"[0-9]{4}", lds_version)), "LDS version must be 4 digits", _WHAT)
        check_build(bool(re.fullmatch(r"[0-9]{6}", unicode_version)), "Unicode version must be 6 digits", _WHAT)
        extra = tuple((int(t), bytes(v)) for t, v in other)
        content = (
            tlv.encode(_LDS_VERSION, lds_version.encode())
            + tlv.encode(_UNICODE_VERSION, unicode_version.encode())
            + tlv.encode(_TAG_LIST, tag_list_bytes(tags))
            + b"".join(tlv.encode(t, v) for t, v in extra)
        )
        return cls(wrap(TAG, content), lds_version, unicode_version, tuple(tags), extra)

    def to_bytes(self) -> bytes:
        return self.raw

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe view."""
        d: dict[str, Any] = {
            "file": _WHAT,
            "lds_version": self.lds_version,
            "unicode_version": self.unicode_version,
            "data_groups": [f"DG{n}" for n in self.data_groups],
            "tag_list": [f"{t:X}" for t in self.tag_list],
        }
        return with_other(d, self.other)


def _version(value: bytes, n: int, what: str) -> str:
    if len(value) != n or not value.isdigit():
        raise ParseError(f"{what} must be {n} digits, found {value[:16].hex().upper()}", what=_WHAT)
    return value.decode("ascii")
