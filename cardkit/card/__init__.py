"""The card layer: APDUs, transports (PC/SC, in-process simulator, replay), traces and the Session.

``Session`` drives the pure protocols of ``cardkit.crypto`` over any transport with
``transmit(bytes) -> bytes`` (DESIGN.md principle 1). ``PcscTransport`` imports pyscard
lazily, so this package loads on machines without PC/SC.
"""

from __future__ import annotations

from typing import Any

from .access_key import AccessKey
from .apdu import CommandApdu, ResponseApdu, check_sw
from .replay import ReplayMismatch, ReplayTransport
from .session import Session
from .simulator import SimulatorTransport
from .trace import ApduTrace, TraceEntry
from .transport import Transport

__all__ = [
    "Session",
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
]


def __getattr__(name: str) -> Any:
    if name in ("PcscTransport", "list_readers", "ReaderInfo"):
        from . import pcsc

        return getattr(pcsc, name)
    raise AttributeError(f"module 'cardkit.card' has no attribute {name!r}")
