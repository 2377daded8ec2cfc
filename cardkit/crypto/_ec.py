"""Elliptic-curve group law over prime fields (short Weierstrass, y^2 = x^3 + ax + b): the one place cardkit does it.

Why it exists: PACE maps the nonce to a *new generator* (Doc 9303-11 §4.4.3.3), generic mapping adds
two points, and CA, AA and the simulator need k*P on curves ``cryptography`` does not expose as a
group. Points are affine tuples ``(x, y)`` or ``None`` for infinity; the curves are
``cardkit.algorithms.Curve`` values (which encode, decode and check points).

Who computes what (chosen per call from the curve's *group*, matched by p, a, b, n and h = 1, never by
the generator, so PACE's mapped generators get the same backends as the standard one):
- OpenSSL, through ``cryptography`` (``group_crypto_curve``): k*G on the standard generator and the ECDH
  x-coordinate (``cardkit.crypto.keys.ecdh``, any generator) on the NIST curves P-224, P-256, P-384 and
  P-521, where OpenSSL has dedicated constant-time code and beats the compiled ladder below; on brainpool
  and P-192 OpenSSL's generic code is 2-4x slower than fastecdsa, so those go to fastecdsa
  (benchmarks/bench_ec.py measures both);
- fastecdsa >= 4 (Rust; CC0; wheels for CPython 3.11-3.14 on Linux, macOS and Windows): every other
  k*P and P + Q on the 11 standardized curves (Doc 9303-11 §9.5.1), brainpoolP192r1/224r1/320r1 included,
  which ``cryptography`` cannot do at all. It is 6-14x faster than the ladder below (benchmarks/bench_ec.py);
- the pure-Python ladder (``_reference_mul``/``_reference_add``): explicit curves that match no named
  group (DG14, CV certificates), cofactors other than 1, and the oracle of the differential tests.

Scalars are reduced mod n on the compiled path: on a curve of prime order n (h = 1) every point has
order n, so k*P = (k mod n)*P exactly. The reference ladder never reduces, so n*P is really computed
where it matters (an explicit curve's n*G = O check, subgroup checks with h != 1).

Constant time. The terminal's secrets here are all ephemeral: the PACE mapping key and ephemeral key,
the chip's nonce s (Doc 9303-11 §4.4.3.3) and the CA ephemeral key (§6.2); each is used in one or two
scalar multiplications and then dropped. OpenSSL's paths are constant-time. fastecdsa runs a Montgomery
ladder of a fixed number of steps (the field or order bit length, whatever the scalar) with complete
Renes-Costello-Batina formulas over constant-time limb arithmetic (masked reductions for the NIST
primes, crypto-bigint Montgomery form for brainpool), but it selects each step's operands with a
branch on the key bit (the same add-and-double in either arm) and its NIST squaring propagates carries
in a data-dependent loop. Those are micro-architectural channels (branch predictor, a few cycles)
open only to code running on the terminal itself, from one trace per key; over PC/SC or a contactless
link the jitter is milliseconds. Converting the Python int (``k % n``, ``int`` to bytes) depends only on
its length. The pure ladder is not constant-time (Python integers); it sees a secret only on explicit
curves from a chip's DG14. Outside points are validated before any of this (``decode_point``).
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import ec
from fastecdsa.rust import Curve as _FastCurve
from fastecdsa.rust import Point as _FastPoint

from ..algorithms import DOMAIN_PARAMETERS, Curve, Point
from ..errors import ParseError

__all__ = ["add", "neg", "mul", "mul_generator", "decode_point", "in_subgroup", "group_crypto_curve"]

_Jacobian = tuple[int, int, int]
_INFINITY: _Jacobian = (1, 1, 0)
_GroupKey = tuple[int, int, int, int]

# The curves OpenSSL computes on with dedicated code (nistp224/256/521, P-384): only these go to it.
_OPENSSL_CURVES = frozenset({"secp224r1", "secp256r1", "secp384r1", "secp521r1"})

# fastecdsa's built-in curves by the names of cardkit's domain-parameter table.
_FAST_BUILDERS = {
    "secp192r1": _FastCurve.p192, "secp224r1": _FastCurve.p224, "secp256r1": _FastCurve.p256,
    "secp384r1": _FastCurve.p384, "secp521r1": _FastCurve.p521,
    "brainpoolP192r1": _FastCurve.brainpoolp192r1, "brainpoolP224r1": _FastCurve.brainpoolp224r1,
    "brainpoolP256r1": _FastCurve.brainpoolp256r1, "brainpoolP320r1": _FastCurve.brainpoolp320r1,
    "brainpoolP384r1": _FastCurve.brainpoolp384r1, "brainpoolP512r1": _FastCurve.brainpoolp512r1,
}


@dataclass(frozen=True)
class _Backend:
    """The compiled implementations of one named group (any generator on it)."""

    fast: _FastCurve | None
    crypto_curve: type[ec.EllipticCurve] | None
    generator: tuple[int, int]  # the standard generator: only it may go to OpenSSL's k*G


def _group_key(p: int, a: int, b: int, n: int) -> _GroupKey:
    return (p, a % p, b % p, n)


def _build_backends() -> dict[_GroupKey, _Backend]:
    out: dict[_GroupKey, _Backend] = {}
    for d in DOMAIN_PARAMETERS.values():
        c = d.group
        if not isinstance(c, Curve) or c.h != 1:
            continue
        key = _group_key(c.p, c.a, c.b, c.n)
        builder = _FAST_BUILDERS.get(d.name)
        fast = builder() if builder is not None else None
        # Use the compiled curve only if its numbers are the table's (a wheel that disagrees is not trusted).
        if fast is not None and _group_key(fast.p, fast.a, fast.b, fast.q) != key:
            fast = None
        openssl = d.crypto_curve if d.name in _OPENSSL_CURVES or fast is None else None
        out[key] = _Backend(fast, openssl, c.generator)
    return out


_BACKENDS = _build_backends()


def _backend(curve: Curve) -> _Backend | None:
    if curve.h != 1:
        return None
    return _BACKENDS.get(_group_key(curve.p, curve.a, curve.b, curve.n))


def group_crypto_curve(curve: Curve) -> ec.EllipticCurve | None:
    """The ``cryptography`` curve of ``curve``'s group whatever its generator (PACE's mapped one too), or None.

    ECDH needs only the group: the shared point k*P does not depend on which generator made P.
    """
    b = _backend(curve)
    return b.crypto_curve() if b is not None and b.crypto_curve is not None else None


# --- the group law --------------------------------------------------------------------


def add(curve: Curve, p1: Point, p2: Point) -> Point:
    """P1 + P2 in affine coordinates (both points on ``curve``)."""
    if p1 is None:
        return p2
    if p2 is None:
        return p1
    b = _backend(curve)
    if b is None or b.fast is None:
        return _reference_add(curve, p1, p2)
    return _affine(_fast_point(curve, b.fast, p1) + _fast_point(curve, b.fast, p2))


def neg(curve: Curve, pt: Point) -> Point:
    """-P."""
    return None if pt is None else (pt[0], (-pt[1]) % curve.p)


def mul(curve: Curve, k: int, pt: Point) -> Point:
    """k * P for P on ``curve``.

    Raises:
        ValueError: a negative scalar, or (on a named group) a point that is not on the curve.
    """
    if pt is None:
        return None
    if k < 0:
        raise ValueError("negative scalar")
    b = _backend(curve)
    if b is None or b.fast is None:
        return _reference_mul(curve, k, pt)
    k %= curve.n
    if k == 0:
        return None
    return _affine(_fast_point(curve, b.fast, pt) * k)


def mul_generator(curve: Curve, k: int) -> Point:
    """k * G for the curve's generator (standard or mapped)."""
    if k < 0:
        raise ValueError("negative scalar")
    b = _backend(curve)
    if b is not None and b.crypto_curve is not None and curve.generator == b.generator:
        k %= curve.n
        if k == 0:
            return None
        pub = ec.derive_private_key(k, b.crypto_curve()).public_key().public_numbers()
        return (pub.x, pub.y)
    return mul(curve, k, curve.generator)


def in_subgroup(curve: Curve, pt: Point) -> bool:
    """True when n * P is the point at infinity (always so for a point on a curve with h = 1)."""
    return curve.h == 1 or _reference_mul(curve, curve.n, pt) is None


def decode_point(curve: Curve, data: bytes, what: str = "EC point") -> tuple[int, int]:
    """Decode and validate an uncompressed point: on the curve, not infinity, in the prime-order subgroup.

    Raises:
        ParseError: wrong length or prefix, or a point that is not a valid public key.
    """
    pt = curve.decode_point(data, what)
    if not in_subgroup(curve, pt):
        raise ParseError(f"point is not in the prime-order subgroup of {curve.name}", what=what, offset=0)
    return pt


# --- the compiled path ------------------------------------------------------------------


def _fast_point(curve: Curve, fast: _FastCurve, pt: tuple[int, int]) -> _FastPoint:
    x, y = pt
    # fastecdsa checks the curve equation; coordinates outside [0, p) it would not reduce, so refuse them here.
    if not (0 <= x < curve.p and 0 <= y < curve.p):
        raise ValueError(f"point coordinates outside the field of {curve.name}")
    try:
        return _FastPoint(x, y, fast)
    except ValueError:
        raise ValueError(f"point is not on {curve.name}") from None


def _affine(r: _FastPoint) -> Point:
    return None if r.z == 0 else (r.x, r.y)


# --- the reference: a Montgomery ladder in Jacobian coordinates (X/Z^2, Y/Z^3; Z == 0 is infinity) ---


def _reference_add(curve: Curve, p1: Point, p2: Point) -> Point:
    """P1 + P2 by the textbook formulas: the fallback for explicit curves and the tests' oracle."""
    return _to_affine(curve, _jadd(curve, _to_jac(p1), _to_jac(p2)))


def _reference_mul(curve: Curve, k: int, pt: Point) -> Point:
    """k * P by a Montgomery ladder, without reducing k: every bit costs one addition and one doubling."""
    if pt is None:
        return None
    if k < 0:
        raise ValueError("negative scalar")
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
