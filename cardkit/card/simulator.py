"""An in-process transport to a software chip (the embedded default: no pcscd needed).

The chip is any object with ``power_on() -> bytes`` (the ATR) and
``process_apdu(bytes) -> bytes``; ``simulators.emrtd.EmrtdChip`` is the real one.
A chip that exposes ``present = False`` has been pulled from the "reader": the
transport raises ``CardRemovedError`` exactly as PC/SC would.
"""

from __future__ import annotations

from typing import Any

from ..errors import CardRemovedError, TransportError
from .transport import check_response_bytes

__all__ = ["SimulatorTransport"]


class SimulatorTransport:
    """Transport that calls a chip object (``power_on``, ``process_apdu``) directly, in process."""

    def __init__(self, chip: Any, *, power_on: bool = True) -> None:
        """Wrap ``chip``; power it on once (its ATR is kept in ``atr``).

        Args:
            chip: object with ``power_on()`` and ``process_apdu(bytes)``.
            power_on: False when the caller already powered the chip and wants its state kept.
        """
        self.chip = chip
        self.atr: bytes | None = None
        if power_on:
            self._check_present()
            self.atr = bytes(chip.power_on())

    def _check_present(self) -> None:
        if not getattr(self.chip, "present", True):
            raise CardRemovedError("the card was removed from the simulated reader")

    def transmit(self, apdu: bytes) -> bytes:
        """Send one APDU to the chip; raise CardRemovedError when it has been pulled."""
        self._check_present()
        try:
            resp = self.chip.process_apdu(bytes(apdu))
        except CardRemovedError:
            raise
        except Exception as e:  # the chip must never raise; if it does the link is broken, not the caller
            raise TransportError(f"simulated chip failed: {type(e).__name__}") from e
        # A chip pulled in the middle of a command shows it after the call.
        self._check_present()
        return check_response_bytes(resp, "simulated chip")

    def __repr__(self) -> str:
        return f"SimulatorTransport({type(self.chip).__name__})"
