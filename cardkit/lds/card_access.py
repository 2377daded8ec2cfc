"""EF.CardAccess: the SecurityInfos a terminal reads before access control (Doc 9303-11 §9.2.11).

A bare DER SET OF SecurityInfo (no outer LDS tag), in the master file (FID 011C, SFI 1C).
It holds the PACEInfo(s) that tell the terminal which PACE variant and parameters the chip uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .security_info_set import SecurityInfos, _from_set
from .security_infos import SecurityInfo, encode_infos

__all__ = ["CardAccess"]


@dataclass(frozen=True)
class CardAccess(SecurityInfos):
    """EF.CardAccess (Doc 9303-11 §9.2.11): same accessors as ``SecurityInfos`` (``pace_infos`` ...)."""

    @classmethod
    def from_bytes(cls, data: bytes) -> "CardAccess":
        """Parse EF.CardAccess; ParseError on anything but a DER SET OF SecurityInfo."""
        return _from_set(cls, data, "EF.CardAccess")  # type: ignore[no-any-return]

    @classmethod
    def build(cls, infos: "list[SecurityInfo] | tuple[SecurityInfo, ...]") -> "CardAccess":
        """A new EF.CardAccess holding ``infos`` (DER SET, sorted)."""
        return cls.from_bytes(encode_infos(tuple(infos)))

    def to_dict(self) -> dict[str, Any]:
        return {"file": "EF.CardAccess", "infos": self.infos_to_dicts(), **self._padding_dict()}
