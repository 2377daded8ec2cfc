"""The card layer: APDUs, transports (PC/SC, in-process simulator, replay), traces and the Session.

``Session`` drives the pure protocols of ``cardkit.crypto`` over any transport with
``transmit(bytes) -> bytes`` (Doc 9303-11 leaves the link to the terminal; ISO/IEC 7816-4 APDUs
travel over it). ``PcscTransport`` is loaded on first use, with pyscard, so this package loads
on machines without PC/SC.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_attributes
from .access_key import AccessKey
from .apdu import CommandApdu, ResponseApdu, check_sw
from .replay import ReplayMismatch, ReplayTransport
from .session import Session, TerminalAuthenticationResult
from .simulator import SimulatorTransport
from .trace import ApduTrace, TraceEntry
from .transport import Transport

if TYPE_CHECKING:
    from .pcsc import PcscTransport, ReaderInfo, ReaderWatch, list_readers

__all__ = [
    "Session",
    "TerminalAuthenticationResult",
    "AccessKey",
    "PcscTransport",
    "SimulatorTransport",
    "ReplayTransport",
    "ReplayMismatch",
    "ApduTrace",
    "TraceEntry",
    "Transport",
    "CommandApdu",
    "ResponseApdu",
    "check_sw",
    "list_readers",
    "ReaderInfo",
    "ReaderWatch",
]

# name -> module: pyscard (the PC/SC binding) loads only when PC/SC is asked for
_LAZY = {"PcscTransport": "pcsc", "list_readers": "pcsc", "ReaderInfo": "pcsc", "ReaderWatch": "pcsc"}
__getattr__ = lazy_attributes(__name__, _LAZY)
