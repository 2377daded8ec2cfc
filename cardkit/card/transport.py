"""The one-method transport interface every card link implements (sans-I/O: docs/ARCHITECTURE.md).

``transmit(bytes) -> bytes`` sends one command APDU and returns the whole response
(data and status word). A failure is raised, never returned: ``CardRemovedError``
when the card left the reader, ``ReaderError`` when the reader or the PC/SC service is
gone, ``TransportError`` for anything else on the link. Empty bytes are never a
valid answer, so a transport that got none raises.

A transport may also expose ``atr`` (bytes or None): the answer-to-reset of the card,
which ``Session`` reads to learn whether extended-length APDUs are allowed.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from ..errors import CardRemovedError, ReaderError, TransportError

__all__ = ["Transport", "TransportError", "CardRemovedError", "ReaderError", "check_response_bytes"]


@runtime_checkable
class Transport(Protocol):
    """Anything that carries APDUs to a chip and back."""

    def transmit(self, apdu: bytes) -> bytes:
        """Send one command APDU; return response data followed by SW1 SW2."""
        ...


def check_response_bytes(resp: bytes, where: str) -> bytes:
    """Raise TransportError when a link hands back fewer than the two status bytes."""
    if not isinstance(resp, (bytes, bytearray)):
        raise TransportError(f"{where}: the link returned {type(resp).__name__}, not bytes")
    if len(resp) < 2:
        raise TransportError(f"{where}: response of {len(resp)} bytes has no status word")
    return bytes(resp)
