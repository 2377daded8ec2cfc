"""Key generation, key agreement and key validation for eMRTD protocols (Doc 9303-11 §9.5; TR-03111 §4.3).

- ``random_scalar``: a private key drawn from the injected rng by testing candidates (FIPS 186-4 §B.4.2).
- ``ecdh`` / ``dh_shared``: the shared secret, through ``cryptography``'s ECDH where it has the curve's
  group (whatever the generator, so PACE's mapped one too), with ``cardkit.crypto._ec`` otherwise.
- ``check_public_key``: what validating a decoded public key needs the group law for (an unknown
  explicit curve must have n*G = O; with a cofactor the point must lie in the prime-order subgroup).
The domain parameters live in ``cardkit.algorithms``; decoding keys in ``cardkit.public_keys``.
"""

from __future__ import annotations

from typing import Callable

from cryptography.hazmat.primitives.asymmetric import ec, rsa

from ..algorithms import Curve, DhGroup, Point, match_curve
from ..errors import ParseError
from ..public_keys import DhPublicKey, PublicKey
from . import _ec

__all__ = ["random_scalar", "ecdh", "dh_shared", "check_public_key"]

Rng = Callable[[int], bytes]


def random_scalar(rng: Rng, order: int) -> int:
    """A private key in [1, order-1] from ``rng``, drawn again while out of range (FIPS 186-4 §B.4.2).

    Each candidate is ``int.from_bytes(rng(len_of_order_bytes), "big")`` cut to the order's bit length
    (the "N returned bits" of FIPS 186-4 §B.4.2; BouncyCastle, under JMRTD, draws the same way). For
    every standardized order but secp521r1's (521 bits) the cut clears nothing, so draws and the
    worked examples are unchanged; on secp521r1 it lifts a draw's acceptance from 1/128 to nearly 1,
    where 1000 draws used to run out for about one key in 2,500.

    Raises:
        ValueError: ``rng`` returned the wrong number of bytes, or 1000 draws in a row were out of range
            (a broken rng: a working one fails with probability below 2^-1000).
    """
    size = (order.bit_length() + 7) // 8
    mask = (1 << order.bit_length()) - 1
    for _ in range(1000):
        raw = rng(size)
        if len(raw) != size:
            raise ValueError(f"rng returned {len(raw)} bytes (asked {size})")
        k = int.from_bytes(raw, "big") & mask
        if 1 <= k < order:
            return k
    raise ValueError("rng produced no usable private key in 1000 draws")


def ecdh(curve: Curve, private: int, peer: Point) -> bytes:
    """The x-coordinate of private * peer, fixed length (TR-03111 §4.3.1 ECKA); peer must be validated.

    The shared point depends only on the peer point and the scalar, not on which generator made
    them, so OpenSSL does this even for PACE's mapped generator when ``cryptography`` has the group.
    """
    if peer is None or not curve.contains(peer):
        raise ParseError("peer key is not a point on the curve", what="ECDH")
    cc = _ec.group_crypto_curve(curve)
    if cc is not None and 0 < private % curve.n:
        priv = ec.derive_private_key(private % curve.n, cc)
        pub = ec.EllipticCurvePublicKey.from_encoded_point(cc, curve.encode_point(peer))
        return priv.exchange(ec.ECDH(), pub)
    shared = _ec.mul(curve, private, peer)
    if shared is None:
        raise ParseError("ECDH gave the point at infinity", what="ECDH")
    return shared[0].to_bytes(curve.size, "big")


def dh_shared(group: DhGroup, private: int, peer: int) -> bytes:
    """peer^private mod p, fixed length of p (TR-03111 §4.3.2 / PKCS #3); peer must be validated."""
    z = pow(peer, private, group.p)
    if z in (0, 1, group.p - 1):
        raise ParseError("DH gave a degenerate shared secret", what="DH")
    return group.encode(z)


def check_public_key(key: PublicKey) -> PublicKey:
    """Finish validating a key from ``cardkit.public_keys.load_public_key`` before a protocol uses it.

    An explicit curve outside the table must have n*G = O, and a point on a curve with a cofactor
    must lie in the prime-order subgroup (SEC 1 §3.2.2.1). RSA and DH keys were fully checked when
    decoded; table curves need nothing more.

    Raises:
        ParseError: the explicit parameters are inconsistent, or the point is outside the subgroup.
    """
    if isinstance(key, rsa.RSAPublicKey | DhPublicKey):
        return key
    curve = key.curve
    if match_curve(curve) is None and _ec.mul_generator(curve, curve.n) is not None:
        raise ParseError("explicit EC parameters are inconsistent (n*G != O)", what="EC parameters")
    if not _ec.in_subgroup(curve, key.point):
        raise ParseError(f"point is not in the prime-order subgroup of {curve.name}", what="EC public key")
    return key

