"""DG15: the Active Authentication public key (Doc 9303-10 §4.7.15, Doc 9303-11 §6.1).

    6F L { SubjectPublicKeyInfo (RSA or EC, DER) }

The key is kept as the DER bytes stored; ``public_key`` turns it into a key object through
``cardkit.public_keys.load_public_key``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from ..algorithms import ID_EC_PUBLIC_KEY, ID_RSA_ENCRYPTION, oid_name
from ..errors import CardkitError, ParseError
from ..public_keys import EcPublicKey, PublicKey, check_spki, load_public_key, spki_algorithm
from ._base import check_build, parse_guard, unwrap, wrap

__all__ = ["Dg15"]

TAG = 0x6F
_WHAT = "DG15"
_KEY_TYPES = {ID_RSA_ENCRYPTION: "RSA", ID_EC_PUBLIC_KEY: "EC"}


@dataclass(frozen=True)
class Dg15:
    """DG15 (Doc 9303-10 §4.7.15): ``public_key_info`` is the DER SubjectPublicKeyInfo."""

    raw: bytes = field(repr=False)
    public_key_info: bytes = field(repr=False)

    @property
    def algorithm(self) -> str:
        """The key's algorithm OID (dotted)."""
        return spki_algorithm(self.public_key_info)

    @property
    def key_type(self) -> str:
        """"RSA", "EC" or the algorithm's name (its OID when unknown)."""
        return _KEY_TYPES.get(self.algorithm, oid_name(self.algorithm))

    @property
    def public_key(self) -> PublicKey:
        """The key object, by ``cardkit.public_keys.load_public_key`` (explicit EC parameters included).

        Raises:
            ParseError: a key cardkit cannot decode (unknown algorithm, bad parameters, invalid value).
        """
        return load_public_key(self.public_key_info)

    @classmethod
    @parse_guard(_WHAT)
    def from_bytes(cls, data: bytes) -> "Dg15":
        """Parse DG15; ParseError unless 6F holds exactly one SubjectPublicKeyInfo."""
        raw, outer = unwrap(data, TAG, _WHAT, content=(0x30, "a SubjectPublicKeyInfo SEQUENCE"))
        return cls(raw=raw, public_key_info=check_spki(outer.value, _WHAT))

    @classmethod
    def build(cls, public_key_info: bytes | rsa.RSAPublicKey | ec.EllipticCurvePublicKey) -> "Dg15":
        """A new DG15 from DER SubjectPublicKeyInfo bytes or a ``cryptography`` public key.

        Raises:
            InputError: the bytes are not a SubjectPublicKeyInfo.
        """
        if not isinstance(public_key_info, (bytes, bytearray)):
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
        except CardkitError:  # a key cardkit cannot decode: the DER still shows
            key = None
        if isinstance(key, rsa.RSAPublicKey):
            d["key_size"] = key.key_size
        elif isinstance(key, EcPublicKey):
            d["curve"] = key.curve.name
        d["public_key_info"] = self.public_key_info.hex().upper()
        return d
