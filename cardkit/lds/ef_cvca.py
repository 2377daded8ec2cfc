"""EF.CVCA: the references of the CVCA keys a chip trusts for Terminal Authentication v1.

BSI TR-03110-3 A.6.2.4 (and ICAO Doc 9303-10 for the eMRTD application): a transparent file of the
eMRTD application, FID 011C / SFI 1C by default (TerminalAuthenticationInfo's efCVCA may name
another), 36 bytes: at most two Certification Authority Reference data objects (42, 1-16
characters each), the most recent first, padded with 00 bytes. A terminal reads it to choose the
chain it sends (``cardkit.pki.cvc_chain.chain_for``); the chip updates it itself, never by a write.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .. import tlv
from ..errors import ParseError
from ._base import parse_guard

__all__ = ["EfCvca", "FID", "SFI", "SIZE"]

FID = 0x011C
SFI = 0x1C
SIZE = 36
_WHAT = "EF.CVCA"


@dataclass(frozen=True)
class EfCvca:
    """EF.CVCA: ``cars`` most recent first (one or two), and the exact bytes read."""

    cars: tuple[str, ...]
    raw: bytes = field(repr=False)

    @classmethod
    @parse_guard(_WHAT)
    def from_bytes(cls, data: bytes) -> EfCvca:
        """Decode EF.CVCA: one or two 42 data objects, then only 00 padding.

        Raises:
            ParseError: more than 36 bytes, another tag, a reference that is not 1-16 printable
                characters, more than two references, or non-zero bytes after the padding starts.
        """
        data = bytes(data)
        if len(data) > SIZE:
            raise ParseError(f"{len(data)} bytes (EF.CVCA holds {SIZE})", what=_WHAT)
        end = len(data.rstrip(b"\x00"))
        try:
            objects = tlv.decode_all(data[:end])
        except ParseError as e:
            raise e.within(what=_WHAT)
        if not 1 <= len(objects) <= 2:
            raise ParseError(f"{len(objects)} references (one or two)", what=_WHAT)
        cars = []
        for o in objects:
            v = o.value
            if o.tag != 0x42 or not 0 < len(v) <= 16 or any(b < 0x20 or 0x7F <= b <= 0x9F for b in v):
                raise ParseError("expected a CAR: 42 with 1-16 ISO/IEC 8859-1 characters", what=_WHAT, offset=o.start)
            cars.append(v.decode("latin-1"))
        return cls(tuple(cars), data)

    @classmethod
    def build(cls, cars: tuple[str, ...] | list[str]) -> EfCvca:
        """EF.CVCA for one or two references (most recent first), padded to 36 bytes."""
        if not 1 <= len(cars) <= 2:
            raise ValueError("EF.CVCA holds one or two references")
        body = b"".join(tlv.encode(0x42, c.encode("latin-1")) for c in cars)
        if len(body) > SIZE:
            raise ValueError("references too long for EF.CVCA")
        return cls(tuple(cars), body.ljust(SIZE, b"\x00"))

    def to_bytes(self) -> bytes:
        return self.raw

    def to_dict(self) -> dict[str, object]:
        """JSON-safe view: the trust point references, most recent first."""
        return {"file": _WHAT, "cars": list(self.cars)}
