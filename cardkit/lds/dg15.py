"""DG15: the Active Authentication public key (Doc 9303-10 §4.7.15, Doc 9303-11 §6.1).

    6F L { SubjectPublicKeyInfo (RSA or EC, DER) }

The key is kept as the DER bytes stored; ``public_key`` turns it into a key object through
``cardkit.crypto.keys.load_public_key`` (imported on use: crypto sits above lds).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import ParseError
from ._base import check_build, parse_guard, unwrap, wrap
from .security_infos import _check_spki, _SubjectPublicKeyInfo, oid_name

__all__ = ["Dg15"]

TAG = 0x6F
_WHAT = "DG15"
_ALGORITHMS = {"1.2.840.113549.1.1.1": "RSA", "1.2.840.10045.2.1": "EC"}


@dataclass(frozen=True)
class Dg15:
    """DG15 (Doc 9303-10 §4.7.15): ``public_key_info`` is the DER SubjectPublicKeyInfo."""

    raw: bytes = field(repr=False)
    public_key_info: bytes = field(repr=False)

    @property
    def algorithm(self) -> str:
        """The key's algorithm OID (dotted)."""
        return _SubjectPublicKeyInfo.load(self.public_key_info)["algorithm"]["algorithm"].dotted

    @property
    def key_type(self) -> str:
        """"RSA", "EC" or the algorithm OID."""
        return _ALGORITHMS.get(self.algorithm, oid_name(self.algorithm))

    @property
    def public_key(self) -> Any:
        """The key object, by ``cardkit.crypto.keys.load_public_key`` (explicit EC parameters included)."""
        from ..crypto.keys import load_public_key  # lazy: crypto is a higher layer

        return load_public_key(self.public_key_info)

    @classmethod
    @parse_guard(_WHAT)
    def from_bytes(cls, data: bytes) -> "Dg15":
        """Parse DG15; ParseError unless 6F holds exactly one SubjectPublicKeyInfo."""
        raw, outer = unwrap(data, TAG, _WHAT, content=(0x30, "a SubjectPublicKeyInfo SEQUENCE"))
        return cls(raw=raw, public_key_info=_check_spki(outer.value, _WHAT))

    @classmethod
    def build(cls, public_key_info: "bytes | Any") -> "Dg15":
        """A new DG15 from DER SubjectPublicKeyInfo bytes or a ``cryptography`` public key.

        Raises:
            InputError: the bytes are not a SubjectPublicKeyInfo.
        """
        if not isinstance(public_key_info, (bytes, bytearray)):
            from cryptography.hazmat.primitives import serialization

            public_key_info = public_key_info.public_bytes(
                serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        der = bytes(public_key_info)
        try:
            return cls.from_bytes(wrap(TAG, der))
        except ParseError as e:
            check_build(False, f"not a SubjectPublicKeyInfo ({e.message})", _WHAT)
            raise  # unreachable

    def to_bytes(self) -> bytes:
        return self.raw

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"file": _WHAT, "key_type": self.key_type, "algorithm": self.algorithm}
        try:
            key = self.public_key
            size = getattr(key, "key_size", None) or getattr(getattr(key, "curve", None), "key_size", None)
            if size:
                d["key_size"] = size
            curve = getattr(getattr(key, "curve", None), "name", None)
            if curve:
                d["curve"] = curve
        except Exception:  # crypto not there yet, or a key it cannot load: the DER still shows
            pass
        d["public_key_info"] = self.public_key_info.hex().upper()
        return d
