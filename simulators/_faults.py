"""Fault and attack modes of the simulated chip, each applied so that a terminal CAN detect it.

- ``wrong_mac``: every secure-messaging response carries a corrupted DO8E (a terminal's MAC check fails);
- ``truncate_response``: a response with data loses its second half (status word kept);
- ``oversize_response``: a response with data gets 16 extra bytes (more than Le asked; breaks SM parsing);
- ``cloned``: AA and CA are answered with keys other than the ones DG15/DG14 certify, as a clone would;
- ``tamper_dg``: that data group is read back with one byte changed after the SOD was signed (hash mismatch);
- ``remove_at_apdu``: the n-th APDU (counting from 1, over the chip's life) is never answered: the card
  is pulled; ``chip.present`` turns False and the transport reports the removal.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from cardkit import tlv
from cardkit.errors import ParseError

__all__ = ["Faults", "corrupt_mac", "truncate", "oversize", "tamper"]


@dataclass(frozen=True, slots=True)
class Faults:
    """Which faults the chip injects (all off by default)."""

    wrong_mac: bool = False
    truncate_response: bool = False
    oversize_response: bool = False
    cloned: bool = False
    tamper_dg: int | None = None
    remove_at_apdu: int | None = None

    def __post_init__(self) -> None:
        if self.tamper_dg is not None and not 1 <= self.tamper_dg <= 16:
            raise ValueError(f"tamper_dg {self.tamper_dg} is not a data group number 1..16")
        if self.remove_at_apdu is not None and self.remove_at_apdu < 1:
            raise ValueError(f"remove_at_apdu {self.remove_at_apdu} must be at least 1")

    @property
    def any(self) -> bool:
        return any(v not in (False, None) for v in asdict(self).values())

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def corrupt_mac(response: bytes) -> bytes:
    """Flip a bit in the last byte of the trailing DO8E (8E 08 cc..cc then SW); other responses unchanged."""
    if len(response) >= 12 and response[-12] == 0x8E and response[-11] == 0x08:
        out = bytearray(response)
        out[-3] ^= 0x01
        return bytes(out)
    return response


def truncate(response: bytes) -> bytes:
    """Keep the status word, drop the second half of the data."""
    data, status = response[:-2], response[-2:]
    return data[: len(data) // 2] + status if data else response


def oversize(response: bytes, filler: bytes) -> bytes:
    """Append ``filler`` to the data (before the status word)."""
    data, status = response[:-2], response[-2:]
    return data + filler + status if data else response


def tamper(content: bytes, dg: int) -> bytes:
    """A data group changed after signing. DG1 gets a different letter in the name, so it still parses."""
    if not content:
        return content
    out = bytearray(content)
    pos = len(out) - 1
    if dg == 1:
        try:
            mrz = tlv.decode(content, allow_trailing=True).child(0x5F1F)
            # the primary identifier starts line 3 of a TD1 (offset 60), line 1 + 5 of TD2/TD3
            pos = mrz.value_start + (60 if mrz.length == 90 else 5)
        except ParseError:
            pass
    b = out[pos]
    if 0x41 <= b <= 0x5A:
        out[pos] = 0x41 + (b - 0x41 + 1) % 26
    elif b == 0x3C:  # '<'
        out[pos] = 0x58  # 'X'
    else:
        out[pos] ^= 0x01
    return bytes(out)
