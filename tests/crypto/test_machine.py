"""The shared protocol state machine base: the table decides, a wrong call or a failed step is final."""

from __future__ import annotations

import enum

import pytest

from cardkit.crypto._machine import ProtocolMachine
from cardkit.errors import ProtocolError


class _S(enum.Enum):
    NEW = "new"
    SENT = "sent"
    DONE = "done"
    FAILED = "failed"


class _Toy(ProtocolMachine[bytes]):
    STEP = "TOY"
    STATES = _S
    TRANSITIONS = {_S.NEW: ("start", _S.SENT), _S.SENT: ("receive", _S.DONE)}
    SECRETS = ("_key",)

    def __init__(self) -> None:
        super().__init__()
        self._key = b"k" * 16

    def start(self) -> str:
        with self._transition("start"):
            return "cmd"

    def receive(self, answer: bytes) -> None:
        with self._transition("receive") as state:
            assert state is _S.SENT
            if answer == b"bad":
                raise self._fail("bad answer")
            if answer == b"boom":
                raise ValueError("boom")
            self._result = answer


def test_good_run_follows_the_table() -> None:
    m = _Toy()
    assert m.state is _S.NEW and not m.done
    with pytest.raises(ProtocolError, match="no result in state NEW") as e:
        m.result
    assert e.value.step == "TOY"
    assert m.start() == "cmd" and m.state is _S.SENT
    m.receive(b"ok")
    assert m.done and m.state is _S.DONE and m.result == b"ok"


@pytest.mark.parametrize("calls", [("receive",), ("start", "start"), ("start", "receive", "receive")])
def test_a_wrong_call_fails_for_good_and_drops_secrets(calls) -> None:
    m = _Toy()
    for c in calls[:-1]:
        getattr(m, c)(b"ok") if c == "receive" else getattr(m, c)()
    last = calls[-1]
    with pytest.raises(ProtocolError, match=rf"{last}\(\) not allowed in state"):
        getattr(m, last)(b"ok") if last == "receive" else getattr(m, last)()
    assert m.state is _S.FAILED and not hasattr(m, "_key")
    with pytest.raises(ProtocolError, match="not allowed in state FAILED"):
        m.start()
    assert m.state is _S.FAILED


def test_fail_names_the_state_and_any_error_in_a_step_is_final() -> None:
    m = _Toy()
    m.start()
    with pytest.raises(ProtocolError, match=r"bad answer \(state SENT\)"):
        m.receive(b"bad")
    assert m.state is _S.FAILED and not hasattr(m, "_key")
    m = _Toy()
    m.start()
    with pytest.raises(ValueError):
        m.receive(b"boom")
    assert m.state is _S.FAILED
    with pytest.raises(ProtocolError):
        m.result
