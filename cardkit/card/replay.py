"""A transport that replays a recorded transcript and checks every command.

Each step is (expected command, response). The first command that differs from the
transcript fails at once with both byte strings in hex (transcripts are test data:
worked examples from Doc 9303, never a live session with personal data). Running past
the end fails too, and ``done`` tells a test whether every step was used.
"""

from __future__ import annotations

from typing import Iterable

from ..errors import TransportError

__all__ = ["ReplayTransport", "ReplayMismatch"]


class ReplayMismatch(TransportError):
    """The terminal sent a command the transcript does not have at this step."""


def _hex(b: bytes | str) -> bytes:
    if isinstance(b, str):
        return bytes.fromhex("".join(b.split()))
    return bytes(b)


class ReplayTransport:
    """Return recorded responses for exactly the recorded commands, in order."""

    def __init__(self, steps: Iterable[tuple[bytes | str, bytes | str]], *, atr: bytes | None = None) -> None:
        """Args: steps: (command, response) pairs, as bytes or hex strings (spaces allowed)."""
        self.steps = [(_hex(c), _hex(r)) for c, r in steps]
        self.position = 0
        self.atr = atr

    @property
    def done(self) -> bool:
        """True once every recorded step has been replayed."""
        return self.position == len(self.steps)

    def transmit(self, apdu: bytes) -> bytes:
        """Check ``apdu`` against the next step and return its recorded response."""
        apdu = bytes(apdu)
        if self.position >= len(self.steps):
            raise ReplayMismatch(f"step {self.position}: transcript has ended, got {apdu.hex().upper()}")
        want, resp = self.steps[self.position]
        if apdu != want:
            raise ReplayMismatch(
                f"step {self.position}: expected {want.hex().upper()}, got {apdu.hex().upper()}"
            )
        self.position += 1
        return resp
