"""Pure-python elliptic-curve arithmetic over prime fields (short Weierstrass, y^2 = x^3 + ax + b).

Why it exists: PACE maps the nonce to a *new generator* (Doc 9303-11 §4.4.3.3), and several curves
PACE standardises (brainpoolP192r1, P224r1, P320r1) are not used through ``cryptography``; neither
can be done with an opaque library key. The curves are ``cardkit.algorithms.Curve`` values (which
encode, decode and check points on the curve); this module adds the group law. Points are affine
tuples ``(x, y)`` or ``None`` for infinity; the scalar multiplication runs a Montgomery ladder in
Jacobian coordinates, so every bit costs one addition and one doubling (the same operation pattern
whatever the key; Python integers are not constant-time, so this is hygiene, not a side-channel
guarantee). Points that come from outside go through ``decode_point``: on the curve, not infinity,
and in the prime-order subgroup.
"""

from __future__ import annotations

from ..algorithms import Curve, Point
from ..errors import ParseError

__all__ = ["add", "neg", "mul", "mul_generator", "decode_point", "in_subgroup"]

_Jacobian = tuple[int, int, int]
_INFINITY: _Jacobian = (1, 1, 0)


def add(curve: Curve, p1: Point, p2: Point) -> Point:
    """P1 + P2 in affine coordinates."""
    return _to_affine(curve, _jadd(curve, _to_jac(p1), _to_jac(p2)))


def neg(curve: Curve, pt: Point) -> Point:
    """-P."""
    return None if pt is None else (pt[0], (-pt[1]) % curve.p)


def mul(curve: Curve, k: int, pt: Point) -> Point:
    """k * P by a Montgomery ladder in Jacobian coordinates."""
    if pt is None:
        return None
    if k < 0:
        raise ValueError("negative scalar")
    # No reduction mod n: n*P must really be computed so that tests and subgroup checks mean it.
    r0 = _INFINITY
    r1 = _to_jac(pt)
    for i in range(max(k.bit_length(), curve.n.bit_length()) - 1, -1, -1):
        if (k >> i) & 1:
            r0 = _jadd(curve, r0, r1)
            r1 = _jdouble(curve, r1)
        else:
            r1 = _jadd(curve, r0, r1)
            r0 = _jdouble(curve, r0)
    return _to_affine(curve, r0)


def mul_generator(curve: Curve, k: int) -> Point:
    """k * G."""
    return mul(curve, k, curve.generator)


def in_subgroup(curve: Curve, pt: Point) -> bool:
    """True when n * P is the point at infinity (always so for a point on a curve with h = 1)."""
    return curve.h == 1 or mul(curve, curve.n, pt) is None


def decode_point(curve: Curve, data: bytes, what: str = "EC point") -> tuple[int, int]:
    """Decode and validate an uncompressed point: on the curve, not infinity, in the prime-order subgroup.

    Raises:
        ParseError: wrong length or prefix, or a point that is not a valid public key.
    """
    pt = curve.decode_point(data, what)
    if not in_subgroup(curve, pt):
        raise ParseError(f"point is not in the prime-order subgroup of {curve.name}", what=what, offset=0)
    return pt


# --- Jacobian internals (X/Z^2, Y/Z^3); Z == 0 is infinity ---------------------


def _to_jac(pt: Point) -> _Jacobian:
    return _INFINITY if pt is None else (pt[0], pt[1], 1)


def _to_affine(curve: Curve, j: _Jacobian) -> Point:
    x, y, z = j
    p = curve.p
    if z % p == 0:
        return None
    zi = pow(z, -1, p)
    zi2 = zi * zi % p
    return (x * zi2 % p, y * zi2 * zi % p)


def _jdouble(curve: Curve, j: _Jacobian) -> _Jacobian:
    x, y, z = j
    p = curve.p
    if z == 0 or y == 0:
        return _INFINITY
    yy = y * y % p
    s = 4 * x * yy % p
    zz = z * z % p
    m = (3 * x * x + curve.a * zz * zz) % p
    x3 = (m * m - 2 * s) % p
    y3 = (m * (s - x3) - 8 * yy * yy) % p
    z3 = 2 * y * z % p
    return (x3, y3, z3)


def _jadd(curve: Curve, j1: _Jacobian, j2: _Jacobian) -> _Jacobian:
    x1, y1, z1 = j1
    x2, y2, z2 = j2
    p = curve.p
    if z1 == 0:
        return j2
    if z2 == 0:
        return j1
    z1z1 = z1 * z1 % p
    z2z2 = z2 * z2 % p
    u1 = x1 * z2z2 % p
    u2 = x2 * z1z1 % p
    s1 = y1 * z2 * z2z2 % p
    s2 = y2 * z1 * z1z1 % p
    if u1 == u2:
        if s1 != s2:
            return _INFINITY
        return _jdouble(curve, j1)
    hh = (u2 - u1) % p
    r = (s2 - s1) % p
    h2 = hh * hh % p
    h3 = hh * h2 % p
    u1h2 = u1 * h2 % p
    x3 = (r * r - h3 - 2 * u1h2) % p
    y3 = (r * (u1h2 - x3) - s1 * h3) % p
    z3 = hh * z1 * z2 % p
    return (x3, y3, z3)
