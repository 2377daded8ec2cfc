"""Domain parameters as values: prime curves and MODP groups, with their public-value codecs.

A ``Curve`` is the short Weierstrass curve y^2 = x^3 + ax + b over GF(p) with base point G of order n
and cofactor h (SEC 1 §3.1.1; RFC 5639 §3); a ``DhGroup`` is a MODP group with generator g of prime
order q (RFC 5114 §2; X9.42). This module knows how public values are encoded and which encodings are
acceptable; it does no group arithmetic (that is ``cardkit.crypto._ec``), so what it can check is
what needs none: length, prefix, coordinates in [0, p), the curve equation; for DH 1 < y < p-1 and
y^q = 1. Re-exported by ``cardkit.algorithms``, the one home of the domain-parameter table.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import ParseError

__all__ = ["Curve", "DhGroup", "Point"]

#: an affine point (x, y), or None for the point at infinity
Point = tuple[int, int] | None


@dataclass(frozen=True)
class Curve:
    """Domain parameters of a prime curve (SEC 1 §3.1.1; RFC 5639 §3); ``oid`` None when explicit."""

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
        """Decode an uncompressed point and check it lies on the curve (SEC 1 §2.3.4).

        Membership of the prime-order subgroup matters only when h != 1 (no standardized curve) and
        needs the group law: ``cardkit.crypto._ec.decode_point`` adds that check.

        Raises:
            ParseError: wrong length or prefix, a coordinate outside [0, p), a point off the curve.
        """
        data = bytes(data)
        if len(data) != 1 + 2 * self.size or data[0] != 0x04:
            raise ParseError(
                f"expected an uncompressed point of {1 + 2 * self.size} bytes on {self.name}, got {len(data)} bytes",
                what=what, offset=0)
        pt = (int.from_bytes(data[1 : 1 + self.size], "big"), int.from_bytes(data[1 + self.size :], "big"))
        if not self.contains(pt):
            raise ParseError(f"point is not on {self.name}", what=what, offset=0)
        return pt


@dataclass(frozen=True)
class DhGroup:
    """A MODP group with prime-order subgroup (p, g, q) (RFC 5114 §2; X9.42); q None when PKCS #3 omits it."""

    name: str
    p: int
    g: int
    q: int | None

    def __repr__(self) -> str:
        return f"DhGroup({self.name})"

    @property
    def size(self) -> int:
        """Bytes of p: the length of public values and shared secrets."""
        return (self.p.bit_length() + 7) // 8

    @property
    def order_size(self) -> int:
        """Bytes a private key is drawn with (of q; of p when q is unknown)."""
        return ((self.q or self.p).bit_length() + 7) // 8

    def check_public(self, y: int, what: str = "DH public value") -> int:
        """Validate a received public value: 1 < y < p-1 and y^q = 1 mod p (TR-03111 §4.3.2.2)."""
        if not 1 < y < self.p - 1:
            raise ParseError("DH public value outside 1 < y < p-1", what=what)
        if self.q is not None and pow(y, self.q, self.p) != 1:
            raise ParseError("DH public value is not in the prime-order subgroup", what=what)
        return y

    def decode_public(self, data: bytes, what: str = "DH public value") -> int:
        """Decode (big-endian unsigned, at most the size of p) and validate a public value."""
        if not data or len(data) > self.size:
            raise ParseError(f"DH public value of {len(data)} bytes (at most {self.size})", what=what)
        return self.check_public(int.from_bytes(data, "big"), what)

    def encode(self, v: int) -> bytes:
        """Fixed-length big-endian encoding (the size of p; TR-03111 §3.1.3 I2OS)."""
        return v.to_bytes(self.size, "big")
