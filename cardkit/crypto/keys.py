"""Key generation, key agreement and key validation for eMRTD protocols (Doc 9303-11 §9.5; TR-03111 §4.3).

- ``random_scalar``: a private key drawn from the injected rng, drawn again when out of range.
- ``ecdh`` / ``dh_shared``: the shared secret, through ``cryptography``'s ECDH where the domain
  parameters table gives a curve class, with cardkit's own arithmetic otherwise.
- ``check_public_key``: what validating a decoded public key needs the group law for (an unknown
  explicit curve must have n*G = O; with a cofactor the point must lie in the prime-order subgroup).
The domain parameters live in ``cardkit.algorithms``; decoding keys in ``cardkit.public_keys``.
"""

from __future__ import annotations

from typing import Callable

from cryptography.hazmat.primitives.asymmetric import ec, rsa

from ..algorithms import Curve, DhGroup, Point, crypto_curve, match_curve
from ..errors import ParseError
from ..public_keys import DhPublicKey, PublicKey
from . import _ec

__all__ = ["random_scalar", "ecdh", "dh_shared", "check_public_key"]

Rng = Callable[[int], bytes]


def random_scalar(rng: Rng, order: int) -> int:
    """A private key in [1, order-1]: int.from_bytes(rng(len_of_order_bytes)), drawn again if out of range."""
    size = (order.bit_length() + 7) // 8
    # An honest rng lands in range with chance order / 2^(8*size): 1/128 for P-521's 66 bytes. Allow
    # 64 times the expected number of draws (an honest failure then has chance about e^-64).
    tries = max(1000, 64 * (1 << (8 * size)) // order + 1)
    for _ in range(tries):
        raw = rng(size)
        if len(raw) != size:
            raise ValueError(f"rng returned {len(raw)} bytes (asked {size})")
        k = int.from_bytes(raw, "big")
        if 1 <= k < order:
            return k
    raise ValueError(f"rng produced no usable private key in {tries} draws")


def ecdh(curve: Curve, private: int, peer: Point) -> bytes:
    """The x-coordinate of private * peer, fixed length (TR-03111 §4.3.1 ECKA); peer must be validated.

    The shared point depends only on the peer point and the scalar, not on which generator made
    them, so ``cryptography`` can do this even for PACE's mapped generator when it knows the curve.
    """
    if peer is None or not curve.contains(peer):
        raise ParseError("peer key is not a point on the curve", what="ECDH")
    cc = crypto_curve(curve)
    if cc is not None:
        priv = ec.derive_private_key(private, cc)
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

