"""SecurityInfos ::= SET OF SecurityInfo (Doc 9303-11 §9.2): the container EF.CardAccess and DG14 share.

``InfosView`` gives the infos of each kind; ``SecurityInfos`` is the bare DER SET. EF.CardAccess read
whole from a chip may be padded with 00 bytes after the SET (the file is larger than its content): up
to ``MAX_PADDING`` such bytes are accepted and counted in ``padding``; any other trailing byte is refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar

from .. import tlv
from ..algorithms import oid_name
from ..errors import ParseError
from ._base import _as_bytes, parse_guard
from .security_infos import (ActiveAuthenticationInfo, ChipAuthenticationInfo, ChipAuthenticationPublicKeyInfo,
                             PaceDomainParameterInfo, PaceInfo, PrivilegedTerminalInfo, SecurityInfo,
                             TerminalAuthenticationInfo, UnknownSecurityInfo, decode_infos, encode_infos)

__all__ = ["InfosView", "SecurityInfos", "MAX_PADDING"]

MAX_PADDING = 4096  # bytes of 00 after the SET: a file read whole, larger than its content

_I = TypeVar("_I")


class InfosView:
    """Accessors over ``self.infos`` (EF.CardAccess, DG14, bare SecurityInfos)."""

    infos: tuple[SecurityInfo, ...]

    def _of(self, kind: type[_I]) -> tuple[_I, ...]:
        return tuple(i for i in self.infos if isinstance(i, kind))

    @property
    def pace_infos(self) -> tuple[PaceInfo, ...]:
        return self._of(PaceInfo)

    @property
    def pace_domain_parameters(self) -> tuple[PaceDomainParameterInfo, ...]:
        return self._of(PaceDomainParameterInfo)

    @property
    def ca_infos(self) -> tuple[ChipAuthenticationInfo, ...]:
        return self._of(ChipAuthenticationInfo)

    @property
    def ca_public_keys(self) -> tuple[ChipAuthenticationPublicKeyInfo, ...]:
        return self._of(ChipAuthenticationPublicKeyInfo)

    @property
    def ta_infos(self) -> tuple[TerminalAuthenticationInfo, ...]:
        return self._of(TerminalAuthenticationInfo)

    @property
    def aa_info(self) -> ActiveAuthenticationInfo | None:
        """The ActiveAuthenticationInfo (ECDSA AA), or None."""
        found = self._of(ActiveAuthenticationInfo)
        return found[0] if found else None

    @property
    def unknown(self) -> tuple[UnknownSecurityInfo, ...]:
        return self._of(UnknownSecurityInfo)

    @property
    def privileged_terminal_infos(self) -> tuple[PrivilegedTerminalInfo, ...]:
        return self._of(PrivilegedTerminalInfo)

    def infos_to_dicts(self) -> list[dict[str, Any]]:
        """JSON-safe list of the infos."""
        out = []
        for i in self.infos:
            d: dict[str, Any] = {"type": type(i).__name__, "protocol": i.protocol, "name": i.name}
            version = None if isinstance(i, (PaceDomainParameterInfo, ChipAuthenticationPublicKeyInfo,
                                              UnknownSecurityInfo, PrivilegedTerminalInfo)) else i.version
            parameter_id = i.parameter_id if isinstance(i, (PaceInfo, PaceDomainParameterInfo)) else None
            key_id = i.key_id if isinstance(i, (ChipAuthenticationInfo, ChipAuthenticationPublicKeyInfo)) else None
            for k, v in (("version", version), ("parameter_id", parameter_id), ("key_id", key_id)):
                if v is not None:
                    d[k] = v
            if isinstance(i, ActiveAuthenticationInfo):
                d["signature_algorithm"] = oid_name(i.signature_algorithm)
            if isinstance(i, ChipAuthenticationPublicKeyInfo):
                d["public_key_info"] = i.public_key_info.hex().upper()
            if isinstance(i, PaceDomainParameterInfo):
                d["domain_parameter"] = i.domain_parameter.hex().upper()
            if isinstance(i, UnknownSecurityInfo):
                d["der"] = i.raw.hex().upper()
                if i.note:
                    d["note"] = i.note
            if isinstance(i, PrivilegedTerminalInfo):
                d["infos"] = _InfoList(i.infos).infos_to_dicts()
            out.append(d)
        return out


@dataclass(frozen=True)
class _InfoList(InfosView):
    infos: tuple[SecurityInfo, ...]


@dataclass(frozen=True)
class SecurityInfos(InfosView):
    """SecurityInfos ::= SET OF SecurityInfo (Doc 9303-11 §9.2), as a bare DER SET (``raw``: the bytes as read)."""

    raw: bytes = field(repr=False)
    infos: tuple[SecurityInfo, ...]
    padding: int = 0  # 00 bytes after the SET (a file read whole)

    @classmethod
    def from_bytes(cls, data: bytes) -> "SecurityInfos":
        """Parse a DER SET OF SecurityInfo; ParseError on anything else."""
        return _from_set(cls, data, "SecurityInfos")

    @classmethod
    def build(cls, infos: "list[SecurityInfo] | tuple[SecurityInfo, ...]") -> "SecurityInfos":
        """A new DER SET of ``infos`` (sorted as DER requires)."""
        return cls.from_bytes(encode_infos(tuple(infos)))

    def to_bytes(self) -> bytes:
        return self.raw

    def to_dict(self) -> dict[str, Any]:
        return {"file": "SecurityInfos", "infos": self.infos_to_dicts(), **self._padding_dict()}

    def _padding_dict(self) -> dict[str, Any]:
        if not self.padding:
            return {}
        return {"padding": self.padding, "note": f"{self.padding} bytes of 00 padding after the SET (ignored)"}


_S = TypeVar("_S", bound="SecurityInfos")


def _strip_padding(raw: bytes) -> tuple[bytes, int]:
    """(the SET, the number of 00 bytes after it) when only up to MAX_PADDING 00 bytes follow it; else (raw, 0)."""
    try:
        end = tlv.decode(raw, allow_trailing=True).end
    except ParseError:
        return raw, 0
    rest = raw[end:]
    if rest and len(rest) <= MAX_PADDING and not rest.strip(b"\x00"):
        return raw[:end], len(rest)
    return raw, 0


def _from_set(cls: type[_S], data: bytes, what: str) -> _S:
    @parse_guard(what)
    def parse() -> _S:
        raw = _as_bytes(data, what)
        if not raw or raw[0] != 0x31:
            raise ParseError("not a DER SET (tag 31)", what=what, offset=0)
        body, padding = _strip_padding(raw)
        tlv.decode(body)  # definite lengths, no trailing bytes (asn1crypto would accept BER)
        return cls(raw=raw, infos=decode_infos(body, what), padding=padding)

    return parse()
