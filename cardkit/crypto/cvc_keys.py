"""CV public key data objects (BSI TR-03110-3 D.3) and the signatures TA keys make (A.6.3, A.6.4).

A public key data object is 7F49 { 06 OID, context-specific values }; the OID is a TA algorithm
(``id-TA-ECDSA-SHA-256`` ...) and says both the key type and how the key signs.
- EC (D.3.3): 81 p, 82 a, 83 b, 84 G, 85 r, 86 Y, 87 f in this order; the domain parameters 81-85
  are all present or all absent, the cofactor 87 only with them. A CVCA key carries them; DV and
  terminal keys do not and inherit the CVCA's (D.3.3), so a key is *resolved* against the domain
  parameters handed down the chain before it can verify anything (``resolve_key``).
- RSA (D.3.1): 81 n, 82 e.
Signatures: ECDSA in the plain format of BSI TR-03111 (r || s, each as long as the group order);
RSA PKCS#1 v1.5 or RSASSA-PSS with MGF1 of the same hash and a salt as long as the hash.
Every value is bounded; a point is checked to lie on its curve once the curve is known.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from asn1crypto import core
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from .. import tlv
from ..algorithms import CURVES, HASHES, TA_ALGORITHMS, TaAlgorithm, crypto_curve
from ..errors import ParseError
from ..public_keys import EcPublicKey
from . import _ec
from ._ec import Curve

__all__ = [
    "CvEcPublicKey",
    "CvRsaPublicKey",
    "CvPublicKey",
    "TaPublicKey",
    "decode_public_key",
    "ec_public_key",
    "rsa_public_key",
    "resolve_key",
    "decode_oid",
    "encode_oid",
    "plain_signature",
    "within",
]

_MAX_EC_VALUE = 67  # a 521-bit field element, with a leading zero tolerated
_MAX_RSA_BYTES = 1025  # an 8192-bit modulus, with a leading zero tolerated
_MAX_OID = 64
_WHAT = "CV public key"


def encode_oid(dotted: str) -> bytes:
    """The 06 TLV of a dotted OID (X.690 §8.19)."""
    return bytes(core.ObjectIdentifier(dotted).dump())


def decode_oid(t: tlv.Tlv, what: str) -> str:
    """The dotted form of a 06 data object; ParseError naming ``what`` and the offset otherwise."""
    if t.tag != 0x06:
        raise ParseError(f"expected an object identifier (06), found tag {t.tag:X}", what=what, offset=t.start)
    if not 0 < t.length <= _MAX_OID or t.value[-1] & 0x80:
        raise ParseError("malformed object identifier", what=what, offset=t.start, path=(0x06,))
    try:
        return str(core.ObjectIdentifier.load(t.raw, strict=True).dotted)
    except (ValueError, TypeError, OverflowError):
        raise ParseError("malformed object identifier", what=what, offset=t.start, path=(0x06,)) from None


def oid_and_rest(t: tlv.Tlv, thing: str, what: str) -> tuple[str, list[tlv.Tlv]]:
    """A template that starts with its object identifier (TR-03110-3 D.3): (the OID, the elements after it).

    Raises:
        ParseError: "``thing`` without an object identifier", or a malformed first 06.
    """
    children = t.children()
    if not children:
        raise ParseError(f"{thing} without an object identifier", what=what, offset=t.start)
    return decode_oid(children[0], what), children[1:]


def within(e: ParseError, tag: int) -> ParseError:
    """``e`` with ``tag`` prepended to its path, unless the TLV decoder already named it."""
    return e if e.path[:1] == (tag,) else e.within(tag=tag)


def _uint(value: int) -> bytes:
    """Unsigned integer, minimal octets (TR-03110-3 D.2.1.1)."""
    return value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big")


@dataclass(frozen=True)
class CvEcPublicKey:
    """An EC public key data object: OID, public point, and the domain parameters when it carries them."""

    algorithm: TaAlgorithm
    point: bytes  # 86: uncompressed 04 || x || y
    curve: Curve | None  # from 81-87; None for DV and terminal keys, which inherit the CVCA's
    raw: bytes  # the whole 7F49 data object

    @property
    def oid(self) -> str:
        return self.algorithm.oid


@dataclass(frozen=True)
class CvRsaPublicKey:
    """An RSA public key data object: OID, modulus and public exponent."""

    algorithm: TaAlgorithm
    modulus: int
    exponent: int
    raw: bytes

    @property
    def oid(self) -> str:
        return self.algorithm.oid


CvPublicKey = CvEcPublicKey | CvRsaPublicKey


def ec_public_key(algorithm: TaAlgorithm, point: bytes, curve: Curve | None) -> CvEcPublicKey:
    """Build an EC public key data object; with ``curve`` it carries the domain parameters (81-87)."""
    parts = [encode_oid(algorithm.oid)]
    if curve is not None:
        parts += [tlv.encode(0x81, _uint(curve.p)), tlv.encode(0x82, _uint(curve.a)), tlv.encode(0x83, _uint(curve.b)),
                  tlv.encode(0x84, curve.encode_point(curve.generator)), tlv.encode(0x85, _uint(curve.n))]
    parts.append(tlv.encode(0x86, point))
    if curve is not None:
        parts.append(tlv.encode(0x87, _uint(curve.h)))
    return CvEcPublicKey(algorithm, bytes(point), curve, tlv.encode(0x7F49, b"".join(parts)))


def rsa_public_key(algorithm: TaAlgorithm, modulus: int, exponent: int) -> CvRsaPublicKey:
    """Build an RSA public key data object (81 n, 82 e)."""
    body = encode_oid(algorithm.oid) + tlv.encode(0x81, _uint(modulus)) + tlv.encode(0x82, _uint(exponent))
    return CvRsaPublicKey(algorithm, modulus, exponent, tlv.encode(0x7F49, body))


def decode_public_key(t: tlv.Tlv) -> CvPublicKey:
    """Decode a 7F49 public key data object (TR-03110-3 D.3), keeping its raw bytes.

    Raises:
        ParseError: not 7F49, an unknown algorithm OID, tags out of order, missing or oversized
            values, incomplete domain parameters, or a point that is not on the given curve.
    """
    if t.tag != 0x7F49:
        raise ParseError(f"expected a public key (7F49), found tag {t.tag:X}", what=_WHAT, offset=t.start)
    try:
        oid, rest = oid_and_rest(t, "public key", _WHAT)
        algorithm = TA_ALGORITHMS.get(oid)
        if algorithm is None:
            raise ParseError(f"unsupported public key algorithm {oid}", what=_WHAT, offset=t.value_start)
        values: dict[int, bytes] = {}
        last = 0
        for c in rest:
            if not 0x81 <= c.tag <= 0x87 or c.tag <= last:
                raise ParseError(f"unexpected tag {c.tag:X} (81-87 once each, in order)", what=_WHAT, offset=c.start)
            limit = _MAX_RSA_BYTES if algorithm.family == "RSA" else 1 + 2 * _MAX_EC_VALUE
            if not 0 < c.length <= limit:
                raise ParseError(f"tag {c.tag:X}: {c.length} bytes", what=_WHAT, offset=c.start)
            values[c.tag] = c.value
            last = c.tag
        if algorithm.family == "RSA":
            return _decode_rsa(algorithm, values, t)
        return _decode_ec(algorithm, values, t)
    except ParseError as e:
        raise within(e, 0x7F49)


def _decode_rsa(algorithm: TaAlgorithm, values: dict[int, bytes], t: tlv.Tlv) -> CvRsaPublicKey:
    if set(values) != {0x81, 0x82}:
        raise ParseError("an RSA key holds exactly 81 (modulus) and 82 (exponent)", what=_WHAT, offset=t.start)
    n, e = int.from_bytes(values[0x81], "big"), int.from_bytes(values[0x82], "big")
    if n.bit_length() < 1024 or n % 2 == 0 or e < 3 or e % 2 == 0 or e.bit_length() > 32:
        raise ParseError("RSA modulus or exponent out of range (TR-03110-3 A.6.3.2)", what=_WHAT, offset=t.start)
    return CvRsaPublicKey(algorithm, n, e, t.raw)


def _decode_ec(algorithm: TaAlgorithm, values: dict[int, bytes], t: tlv.Tlv) -> CvEcPublicKey:
    if 0x86 not in values:
        raise ParseError("EC key without its public point (86)", what=_WHAT, offset=t.start)
    domain = {0x81, 0x82, 0x83, 0x84, 0x85} & set(values)
    if (domain and len(domain) != 5) or (0x87 in values and not domain):
        raise ParseError("domain parameters 81-85 must be all present or all absent", what=_WHAT, offset=t.start)
    for tag in (0x81, 0x82, 0x83, 0x85, 0x87):
        if tag in values and len(values[tag]) > _MAX_EC_VALUE:
            raise ParseError(f"tag {tag:X}: {len(values[tag])} bytes is too long", what=_WHAT, offset=t.start)
    point = values[0x86]
    curve = None
    if domain:
        curve = _curve_from(values, t.start)
        curve.decode_point(point, what=_WHAT)
    elif len(point) < 3 or len(point) % 2 == 0 or point[0] != 0x04:
        raise ParseError("public point is not an uncompressed point (04 || x || y)", what=_WHAT, offset=t.start)
    return CvEcPublicKey(algorithm, point, curve, t.raw)


def _curve_from(values: dict[int, bytes], offset: int) -> Curve:
    """The curve named by explicit parameters: a known curve when they match one, else a checked explicit one."""
    p, a, b = (int.from_bytes(values[k], "big") for k in (0x81, 0x82, 0x83))
    r = int.from_bytes(values[0x85], "big")
    h = int.from_bytes(values[0x87], "big") if 0x87 in values else 1
    size = (p.bit_length() + 7) // 8
    g = values[0x84]
    if not 160 <= p.bit_length() <= 521 or len(g) != 1 + 2 * size or g[0] != 0x04 or not 0 < h < 2**16:
        raise ParseError("explicit domain parameters out of range", what=_WHAT, offset=offset)
    gx, gy = int.from_bytes(g[1 : 1 + size], "big"), int.from_bytes(g[1 + size :], "big")
    candidate = Curve("explicit", None, p, a % p, b % p, gx, gy, r, h)
    for known in CURVES.values():
        if known.same_domain(candidate):
            return known
    try:
        g = candidate.generator
        consistent = r >= 3 and candidate.contains(g) and _ec.mul(candidate, r, g) is None
    except (ValueError, ZeroDivisionError):  # a composite "prime": some value has no inverse
        consistent = False
    if not consistent:
        raise ParseError("explicit domain parameters are inconsistent (G not on the curve or r*G != O)",
                         what=_WHAT, offset=offset)
    return candidate


# --- keys that verify ---------------------------------------------------------------------


@dataclass(frozen=True)
class TaPublicKey:
    """A CV public key ready to verify: its TA algorithm and the key, domain parameters resolved."""

    algorithm: TaAlgorithm
    key: EcPublicKey | rsa.RSAPublicKey

    @property
    def curve(self) -> Curve | None:
        """The domain parameters an EC key uses (handed down to the keys it certifies); None for RSA."""
        return self.key.curve if isinstance(self.key, EcPublicKey) else None

    def verify(self, data: bytes, signature: bytes) -> bool:
        """True when ``signature`` is this key's signature over ``data`` in the TA format (plain ECDSA)."""
        h = self.algorithm.hash
        if isinstance(self.key, EcPublicKey):
            return _verify_plain_ecdsa(self.key, hashlib.new(h, data).digest(), data, signature, h)
        pad = padding.PSS(padding.MGF1(HASHES[h]()), HASHES[h]().digest_size) if self.algorithm.pss \
            else padding.PKCS1v15()
        try:
            self.key.verify(signature, data, pad, HASHES[h]())
        except (InvalidSignature, ValueError):
            return False
        return True


def resolve_key(key: CvPublicKey, inherited: Curve | None) -> TaPublicKey:
    """The usable key of a certificate: its own domain parameters, else those handed down the chain.

    Raises:
        ParseError: an EC key with no domain parameters at all, or a point not on the curve.
    """
    if isinstance(key, CvRsaPublicKey):
        try:
            return TaPublicKey(key.algorithm, rsa.RSAPublicNumbers(key.exponent, key.modulus).public_key())
        except ValueError:
            raise ParseError("RSA public key cannot be used", what=_WHAT) from None
    curve = key.curve or inherited
    if curve is None:
        raise ParseError("EC key without domain parameters and none inherited from a CVCA key", what=_WHAT)
    return TaPublicKey(key.algorithm, EcPublicKey(curve, curve.decode_point(key.point, what=_WHAT)))


def _verify_plain_ecdsa(key: EcPublicKey, digest: bytes, data: bytes, signature: bytes, hash_name: str) -> bool:
    curve = key.curve
    size = curve.order_size
    if len(signature) != 2 * size:
        return False
    r, s = int.from_bytes(signature[:size], "big"), int.from_bytes(signature[size:], "big")
    if not (0 < r < curve.n and 0 < s < curve.n):
        return False
    if crypto_curve(curve) is not None:
        pub = key.to_cryptography()
        assert pub is not None
        try:
            pub.verify(encode_dss_signature(r, s), data, ec.ECDSA(HASHES[hash_name]()))
        except InvalidSignature:
            return False
        return True
    # SEC 1 §4.1.4 with the pure-python curve (brainpoolP320r1, explicit curves): public data only.
    e = int.from_bytes(digest, "big")
    if len(digest) * 8 > curve.n.bit_length():
        e >>= len(digest) * 8 - curve.n.bit_length()
    w = pow(s, -1, curve.n)
    pt = _ec.add(curve, _ec.mul_generator(curve, e * w % curve.n), _ec.mul(curve, r * w % curve.n, key.point))
    return pt is not None and pt[0] % curve.n == r


def plain_signature(der: bytes, order_size: int) -> bytes:
    """An X9.62 DER ECDSA signature as TR-03111 plain r || s, each ``order_size`` bytes.

    Raises:
        ValueError: not a DER ECDSA signature, or r or s too large for the order.
    """
    r, s = decode_dss_signature(der)
    try:
        return r.to_bytes(order_size, "big") + s.to_bytes(order_size, "big")
    except OverflowError:
        raise ValueError(f"ECDSA signature values longer than {order_size} bytes") from None
