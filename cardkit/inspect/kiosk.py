"""A terminal serving one card after another: wait for a card, verify it, wait for it to leave, again.

The loop of a kiosk or a desk terminal (``cardkit verify --reader R --loop``), as a generator of
``CardTurn``. What it keeps:
- Start-up is paid once: the caller loads the trust store and the modules once; each card costs
  only its own connection, read and checks (``CardTurn.latency_ms``).
- The reader is a ``CardSlot``; ``cardkit.card.ReaderWatch`` is the PC/SC one, which waits on the
  reader's status changes (SCardGetStatusChange), never by sleeping and looking again.
- The key is asked for each card once it is in the reader (``key()``): the same key every time,
  or what the operator types for this card. A key refused by its own checks (a wrong MRZ check
  digit) is that card's error, and no APDU is sent; ``key()`` returning None ends the loop.
- A card that could not be read to the end (pulled mid-read, wrong CAN, a chip that fails) is an
  INCOMPLETE report like any other, and the loop goes on with the next card. A reader or PC/SC
  service that vanishes raises ``ReaderError`` out of the loop: nothing more can come.
- A card is verified once: the loop waits for it to leave (or for another to take its place)
  before it waits for the next, except after the last card ``count`` asks for.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol

from ..card import AccessKey, Transport
from ..errors import CardRemovedError, InputError
from ..pki.trust import TrustStore
from . import inspect
from .report import InspectionReport

__all__ = ["CardSlot", "CardLink", "CardTurn", "verify_cards"]


class CardLink(Transport, Protocol):
    """A transport to one card that is closed when the card is done with."""

    def close(self) -> None: ...


class CardSlot(Protocol):
    """Where cards arrive one after another (``cardkit.card.ReaderWatch`` for a PC/SC reader)."""

    reader_name: str

    def wait_for_card(self) -> None:
        """Return once a card is there (at once when one already is)."""
        ...

    def wait_for_removal(self) -> None:
        """Return once the card last waited for has left, or another has taken its place."""
        ...

    def connect(self) -> CardLink:
        """A link to the card there now (CardRemovedError: it has gone)."""
        ...


@dataclass(frozen=True, slots=True)
class CardTurn:
    """One card served: its number in this run, its report or why there is none, and how long it took.

    Attributes:
        number: 1 for the first card of the run, and so on.
        report: the inspection report, or None when no verification ran (``error`` says why).
        error: why there is no report: the key was refused before any APDU, or the card left before
            the terminal could connect to it.
        exit_code: the report's exit code, or the error's (2 a refused key, 3 a card gone).
        latency_ms: from the key in hand (at once for a fixed key) to the verdict: connecting,
            reading and every check.
        finished: when the verdict came (UTC).
    """

    number: int
    report: InspectionReport | None
    error: str | None
    exit_code: int
    latency_ms: float
    finished: dt.datetime


def _turn(number: int, report: InspectionReport | None, error: str | None, code: int, t0: float) -> CardTurn:
    return CardTurn(number, report, error, code, (time.perf_counter() - t0) * 1000, dt.datetime.now(dt.timezone.utc))


def verify_cards(
    slot: CardSlot,
    *,
    key: Callable[[], AccessKey | None],
    trust: TrustStore | None,
    at: dt.datetime | None = None,
    block_size: int | None = None,
    sfi: bool = False,
    count: int | None = None,
    rng: Callable[[int], bytes] = os.urandom,
) -> Iterator[CardTurn]:
    """Verify each card that comes into ``slot``, one ``CardTurn`` per card, until stopped.

    Args:
        slot: the reader (``cardkit.card.ReaderWatch``).
        key: the holder's key for the card just arrived; None ends the loop (no more keys to come).
        trust, at, block_size, sfi, rng: as ``cardkit.inspect.inspect``.
        count: stop after this many cards (None: until the caller stops, e.g. on Ctrl-C).

    Raises:
        ReaderError: the reader or the PC/SC service is gone.
    """
    number = 0
    while count is None or number < count:
        slot.wait_for_card()
        number += 1
        t0 = time.perf_counter()
        try:
            holder_key = key()
        except InputError as e:  # refused by its own checks: no APDU has been sent
            yield _turn(number, None, str(e), e.exit_code, t0)
            slot.wait_for_removal()
            continue
        if holder_key is None:
            return
        t0 = time.perf_counter()
        try:
            link = slot.connect()
        except CardRemovedError as e:  # it left before the terminal could connect
            yield _turn(number, None, str(e), e.exit_code, t0)
            slot.wait_for_removal()
            continue
        try:
            report = inspect(link, key=holder_key, trust=trust, at=at, block_size=block_size, sfi=sfi, rng=rng)
        finally:
            link.close()
        yield _turn(number, report, None, report.exit_code, t0)
        if count is not None and number >= count:
            return
        slot.wait_for_removal()
