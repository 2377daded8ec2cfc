"""The one base every terminal protocol state machine (BAC, PACE, CA, AA) is built on.

Rules this module enforces, so that no protocol has to re-implement them (one state table, as the h11
HTTP library keeps):
- States are an enum with at least ``NEW``, ``DONE`` and ``FAILED``; what may happen in each state is
  one table, ``TRANSITIONS = {state: (method name, state after success)}``. A state that is not a key
  (``DONE``, ``FAILED``) allows no call at all.
- A call the table does not allow raises ``ProtocolError`` and the object enters ``FAILED`` for good;
  so does any exception while a step runs (a bad status word, a MAC that does not verify, a bad rng).
  Entering ``FAILED`` drops the secrets the subclass names in ``SECRETS``: a dead object holds no keys.
- ``result`` exists only after ``DONE``; asking earlier raises rather than returning None.
- The machine never does I/O: subclasses turn a response into the next command, the caller transmits.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, ClassVar, Generic, TypeVar

from ..errors import ProtocolError

__all__ = ["ProtocolMachine"]

R = TypeVar("R")


class ProtocolMachine(Generic[R]):
    """A sans-I/O protocol: ``cmd = m.start(); while not m.done: cmd = m.receive(transmit(cmd))``.

    Subclasses set ``STEP`` (the name errors carry, e.g. "BAC"), ``STATES`` (their enum),
    ``TRANSITIONS`` and, if they hold secrets, ``SECRETS``; they call ``super().__init__()`` and run
    every public step inside ``with self._transition(method):``.
    """

    STEP: ClassVar[str]
    STATES: ClassVar[Any]  # the state enum: has NEW, DONE and FAILED
    TRANSITIONS: ClassVar[Mapping[Any, tuple[str, Any]]]
    #: attributes holding key material; deleted when the machine fails
    SECRETS: ClassVar[tuple[str, ...]] = ()

    def __init__(self) -> None:
        self.state = self.STATES.NEW
        self._result: R | None = None

    @property
    def done(self) -> bool:
        """True once the protocol has completed successfully."""
        return self.state is self.STATES.DONE

    @property
    def result(self) -> R:
        """What the protocol produced.

        Raises:
            ProtocolError: the protocol has not (or not successfully) completed.
        """
        if self._result is None:
            raise ProtocolError(f"no result in state {self.state.name}", step=self.STEP)
        return self._result

    def _table(self) -> Mapping[Any, tuple[str, Any]]:
        # a hook for machines whose path depends on the algorithm (CA: 3DES skips GENERAL AUTHENTICATE)
        return self.TRANSITIONS

    def _enter(self, method: str) -> Any:
        """Check ``method`` is allowed now and return the state after it; a wrong call fails the machine."""
        allowed = self._table().get(self.state)
        if allowed is None or allowed[0] != method:
            prev = self.state
            self._abort()
            raise ProtocolError(f"{method}() not allowed in state {prev.name}", step=self.STEP)
        return allowed[1]

    @contextmanager
    def _transition(self, method: str) -> Iterator[Any]:
        """Run one step: check the call, yield the current state, then move on, or to FAILED on any error."""
        nxt = self._enter(method)
        try:
            yield self.state
        except Exception:
            self._abort()
            raise
        self.state = nxt

    def _abort(self) -> None:
        """Enter FAILED for good and drop the secrets this run held."""
        self.state = self.STATES.FAILED
        for name in self.SECRETS:
            self.__dict__.pop(name, None)

    def _fail(self, message: str) -> ProtocolError:
        """Enter FAILED and return (for the caller to raise) a ProtocolError naming the state it failed in."""
        prev = self.state
        self._abort()
        return ProtocolError(f"{message} (state {prev.name})", step=self.STEP)
