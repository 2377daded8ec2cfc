"""DG14: SecurityInfos for Chip Authentication, PACE and ECDSA Active Authentication (Doc 9303-10 §4.7.14).

    6E L { 31 L { SecurityInfo ... } }

The chip's CA public keys are ``ca_public_keys`` (DER SubjectPublicKeyInfo inside each info);
turning them into keys is ``cardkit.public_keys.load_public_key``'s job.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .. import tlv
from ._base import parse_guard, unwrap, wrap
from .security_info_set import InfosView, SecurityInfos
from .security_infos import SecurityInfo, decode_infos, encode_infos

__all__ = ["Dg14"]

TAG = 0x6E
_WHAT = "DG14"


@dataclass(frozen=True)
class Dg14(InfosView):
    """DG14 (Doc 9303-10 §4.7.14): tag 6E around a DER SET OF SecurityInfo."""

    raw: bytes = field(repr=False)
    infos: tuple[SecurityInfo, ...]

    @property
    def security_infos(self) -> SecurityInfos:
        """The inner SET as a ``SecurityInfos`` (its exact bytes)."""
        inner = tlv.decode(self.raw).value
        return SecurityInfos(raw=inner, infos=self.infos)

    @classmethod
    @parse_guard(_WHAT)
    def from_bytes(cls, data: bytes) -> "Dg14":
        """Parse DG14; ParseError unless 6E holds exactly one DER SET OF SecurityInfo."""
        raw, outer = unwrap(data, TAG, _WHAT, content=(0x31, "a SET (tag 31)"))
        inner = outer.value
        tlv.decode(inner)
        return cls(raw=raw, infos=decode_infos(inner, _WHAT))

    @classmethod
    def build(cls, infos: "list[SecurityInfo] | tuple[SecurityInfo, ...]") -> "Dg14":
        """A new DG14 holding ``infos`` (DER SET, sorted)."""
        return cls.from_bytes(wrap(TAG, encode_infos(tuple(infos))))

    def to_bytes(self) -> bytes:
        return self.raw

    def to_dict(self) -> dict[str, Any]:
        return {"file": _WHAT, "infos": self.infos_to_dicts()}
