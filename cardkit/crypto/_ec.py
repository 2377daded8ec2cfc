"""Pure-python elliptic-curve arithmetic over prime fields (short Weierstrass, y^2 = x^3 + ax + b).

Why it exists: PACE maps the nonce to a *new generator* (Doc 9303-11 §4.4.3.3), and several curves
PACE standardises (brainpoolP192r1, P224r1, P320r1) are missing from ``cryptography``; neither can be
done with an opaque library key. Points are affine tuples ``(x, y)`` or ``None`` for infinity; the
scalar multiplication runs a Montgomery ladder in Jacobian coordinates, so every bit costs one
addition and one doubling (the same operation pattern whatever the key; Python integers are not
constant-time, so this is hygiene, not a side-channel guarantee).
Every point that comes from outside goes through ``Curve.decode_point``: on the curve, not infinity.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import ParseError

__all__ = ["Curve", "Point"]

Point = tuple[int, int] | None


@dataclass(frozen=True)
class Curve:
    """Domain parameters of a prime curve (SEC 1 §3.1.1; RFC 5639 §3)."""

    name: str
    oid: str | None
    p: int
    a: int
    b: int
    gx: int
    gy: int
    n: int
    h: int = 1
    size: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "size", (self.p.bit_length() + 7) // 8)

    def __repr__(self) -> str:
        return f"Curve({self.name})"

    @property
    def generator(self) -> tuple[int, int]:
        return (self.gx, self.gy)

    @property
    def order_size(self) -> int:
        """Bytes needed for a scalar below n (the length a private key is drawn with)."""
        return (self.n.bit_length() + 7) // 8

    def same_domain(self, other: "Curve") -> bool:
        """True when both describe the same group (names aside)."""
        return (self.p, self.a, self.b, self.gx, self.gy, self.n, self.h) == (
            other.p, other.a, other.b, other.gx, other.gy, other.n, other.h)

    # --- membership and encoding -------------------------------------------------

    def contains(self, pt: Point) -> bool:
        """True when ``pt`` is a finite point on the curve with coordinates in [0, p)."""
        if pt is None:
            return False
        x, y = pt
        if not (0 <= x < self.p and 0 <= y < self.p):
            return False
        return (y * y - (x * x * x + self.a * x + self.b)) % self.p == 0

    def encode_point(self, pt: Point) -> bytes:
        """Uncompressed encoding 04 || x || y (SEC 1 §2.3.3)."""
        if pt is None:
            raise ValueError("the point at infinity has no encoding here")
        return b"\x04" + pt[0].to_bytes(self.size, "big") + pt[1].to_bytes(self.size, "big")

    def decode_point(self, data: bytes, what: str = "EC point") -> tuple[int, int]:
        """Decode and validate an uncompressed point (on the curve, not infinity, in the subgroup).

        Raises:
            ParseError: wrong length or prefix, or a point that is not a valid public key.
        """
        data = bytes(data)
        if len(data) != 1 + 2 * self.size or data[0] != 0x04:
            raise ParseError(
                f"expected an uncompressed point of {1 + 2 * self.size} bytes on {self.name}, got {len(data)} bytes",
                what=what, offset=0)
        pt = (int.from_bytes(data[1 : 1 + self.size], "big"), int.from_bytes(data[1 + self.size :], "big"))
        if not self.contains(pt):
            raise ParseError(f"point is not on {self.name}", what=what, offset=0)
        if self.h != 1 and self.mul(self.n, pt) is not None:
            raise ParseError(f"point is not in the prime-order subgroup of {self.name}", what=what, offset=0)
        return pt

    # --- group law ---------------------------------------------------------------

    def add(self, p1: Point, p2: Point) -> Point:
        """P1 + P2 in affine coordinates."""
        return self._to_affine(self._jadd(self._to_jac(p1), self._to_jac(p2)))

    def neg(self, pt: Point) -> Point:
        return None if pt is None else (pt[0], (-pt[1]) % self.p)

    def mul(self, k: int, pt: Point) -> Point:
        """k * P by a Montgomery ladder in Jacobian coordinates."""
        if pt is None:
            return None
        if k < 0:
            raise ValueError("negative scalar")
        # No reduction mod n: n*P must really be computed so that tests and subgroup checks mean it.
        r0 = (1, 1, 0)
        r1 = self._to_jac(pt)
        for i in range(max(k.bit_length(), self.n.bit_length()) - 1, -1, -1):
            if (k >> i) & 1:
                r0 = self._jadd(r0, r1)
                r1 = self._jdouble(r1)
            else:
                r1 = self._jadd(r0, r1)
                r0 = self._jdouble(r0)
        return self._to_affine(r0)

    def mul_generator(self, k: int) -> Point:
        return self.mul(k, self.generator)

    # --- Jacobian internals (X/Z^2, Y/Z^3); Z == 0 is infinity ---------------------

    @staticmethod
    def _to_jac(pt: Point) -> tuple[int, int, int]:
        return (1, 1, 0) if pt is None else (pt[0], pt[1], 1)

    def _to_affine(self, j: tuple[int, int, int]) -> Point:
        x, y, z = j
        if z % self.p == 0:
            return None
        zi = pow(z, -1, self.p)
        zi2 = zi * zi % self.p
        return (x * zi2 % self.p, y * zi2 * zi % self.p)

    def _jdouble(self, j: tuple[int, int, int]) -> tuple[int, int, int]:
        x, y, z = j
        p = self.p
        if z == 0 or y == 0:
            return (1, 1, 0)
        yy = y * y % p
        s = 4 * x * yy % p
        zz = z * z % p
        m = (3 * x * x + self.a * zz * zz) % p
        x3 = (m * m - 2 * s) % p
        y3 = (m * (s - x3) - 8 * yy * yy) % p
        z3 = 2 * y * z % p
        return (x3, y3, z3)

    def _jadd(self, j1: tuple[int, int, int], j2: tuple[int, int, int]) -> tuple[int, int, int]:
        x1, y1, z1 = j1
        x2, y2, z2 = j2
        p = self.p
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
                return (1, 1, 0)
            return self._jdouble(j1)
        hh = (u2 - u1) % p
        r = (s2 - s1) % p
        h2 = hh * hh % p
        h3 = hh * h2 % p
        u1h2 = u1 * h2 % p
        x3 = (r * r - h3 - 2 * u1h2) % p
        y3 = (r * (u1h2 - x3) - s1 * h3) % p
        z3 = hh * z1 * z2 % p
        return (x3, y3, z3)
