"""An APDU trace: what went over the link, with the plain APDU beside each secure-messaging one.

Rules (secrets never logged, docs/ARCHITECTURE.md):
- Opt-in. A session writes a trace only when given one.
- Redacted by default. Under secure messaging the wire payload (cryptograms, MACs) and
  the plain payload (personal data) are replaced by their length; so is the data of the
  access-control exchanges (BAC, PACE, CA, AA), because a recorded BAC or PACE transcript
  lets an attacker test MRZ/CAN guesses offline. Headers and status words stay visible.
  Redaction happens when the entry is recorded, so the trace never holds what it hides.
- Keys never reach a trace: the session hands it APDUs only.
- ``ApduTrace(redact=False)`` keeps every byte; its ``to_replay()`` feeds a ``ReplayTransport``.
- Each command entry carries ``ms``: the time from sending it to its answer (or to the failure).
- ``exchange_text`` gives one exchange as a debug-log line: redacted by these rules and more (no
  payload byte but a plain SELECT's), since commands sent in plain may carry keys.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from ..errors import InputError
from ..private_files import write_private

__all__ = ["ApduTrace", "TraceEntry", "exchange_text"]


@dataclass(frozen=True, slots=True)
class TraceEntry:
    """One APDU as seen on the link.

    Attributes:
        direction: "C" (terminal to chip) or "R" (chip to terminal).
        data: the full bytes, or None when redacted.
        text: hex of the bytes, with the payload replaced by "[n bytes redacted]" when redacted.
        plain: for an SM APDU, the plain APDU it carries (itself possibly redacted).
        step: what the session was doing ("SELECT DG1", "BAC", ...).
        ms: on a command, milliseconds from sending it to its answer (or to the link's failure).
    """

    direction: str
    data: bytes | None
    text: str
    plain: "TraceEntry | None" = None
    step: str | None = None
    ms: float | None = None

    @property
    def redacted(self) -> bool:
        return self.data is None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"dir": self.direction, "apdu": self.text}
        if self.step:
            d["step"] = self.step
        if self.plain is not None:
            d["plain"] = self.plain.to_dict()
        if self.ms is not None:
            d["ms"] = round(self.ms, 3)
        return d


def _command_text(apdu: bytes, redact: bool) -> tuple[bytes | None, str]:
    if not redact or len(apdu) <= 5:
        # header (+ Le) only: nothing secret in it
        return bytes(apdu), apdu.hex().upper()
    return None, f"{apdu[:4].hex().upper()} [{len(apdu) - 4} bytes redacted]"


def _response_text(resp: bytes, redact: bool) -> tuple[bytes | None, str]:
    if not redact or len(resp) <= 2:
        return bytes(resp), resp.hex().upper()
    return None, f"[{len(resp) - 2} bytes redacted] {resp[-2:].hex().upper()}"


def _entry(
    direction: str,
    text: Callable[[bytes, bool], tuple[bytes | None, str]],
    wire: bytes,
    plain: bytes | None,
    hide: bool,
    step: str | None,
    ms: float | None = None,
) -> TraceEntry:
    """One traced APDU as it went on the wire, with its plain (unwrapped) form as a child when known."""
    child = TraceEntry(direction, *text(plain, hide)) if plain is not None else None
    return TraceEntry(direction, *text(wire, hide), child, step, ms)


def exchange_text(
    command: bytes,
    response: bytes | None,
    *,
    plain_command: bytes | None = None,
    plain_response: bytes | None = None,
    step: str | None = None,
    ms: float | None = None,
) -> str:
    """One exchange as one debug-log line: headers, lengths, status words and the link time.

    Redacted at least as a default trace is, and further: no payload byte at all but the data of a
    plain SELECT (a file identifier or an AID, public). A log may be kept for days, and commands sent
    in plain carry secrets a trace never sees (personalisation writes keys and personal data in plain
    APDUs). Under secure messaging the plain APDU's header is shown in place of the wire one.
    """
    shown = plain_command if plain_command is not None else command
    public = plain_command is None and len(command) > 5 and command[1] == 0xA4
    c = _command_text(shown, not public)[1]
    if response is None:
        r = "no answer"
    else:
        r = _response_text(plain_response if plain_response is not None else response, True)[1]
    sm = " (SM)" if plain_command is not None else ""
    timing = f" {ms:.2f} ms" if ms is not None else ""
    return f"{step or 'APDU'}{sm}: {c} -> {r}{timing}"


class ApduTrace:
    """A list of traced APDUs; redacts secure-messaging and authentication payloads unless ``redact=False``."""

    def __init__(self, *, redact: bool = True) -> None:
        self.redact = redact
        self.entries: list[TraceEntry] = []

    def record(
        self,
        command: bytes,
        response: bytes | None,
        *,
        plain_command: bytes | None = None,
        plain_response: bytes | None = None,
        sensitive: bool = False,
        step: str | None = None,
        ms: float | None = None,
    ) -> None:
        """Add one exchange. ``sensitive``: the payload is SM or access-control data (redacted unless asked).

        ``response`` is None when the link failed before an answer came; ``ms`` is how long the link took.
        """
        hide = self.redact and sensitive
        self.entries.append(_entry("C", _command_text, command, plain_command, hide, step, ms))
        if response is not None:
            self.entries.append(_entry("R", _response_text, response, plain_response, hide, step))

    def __len__(self) -> int:
        return len(self.entries)

    def to_json(self, *, indent: int | None = 2) -> str:
        """The trace as JSON: {"redacted": bool, "entries": [{"dir", "apdu", "step"?, "plain"?, "ms"?}]}."""
        return json.dumps({"redacted": self.redact, "entries": [e.to_dict() for e in self.entries]}, indent=indent)

    def write(self, path: str | Path) -> None:
        """Write the JSON trace to ``path`` (mode 0600 when unredacted: it holds personal data)."""
        data = (self.to_json() + "\n").encode("utf-8")
        try:
            if self.redact:
                Path(path).write_bytes(data)
            else:
                write_private(path, data)
        except OSError as e:
            raise InputError(f"{path}: cannot write the APDU trace ({e.strerror or e})") from None

    def to_replay(self) -> list[tuple[bytes, bytes]]:
        """(command, response) pairs of the wire APDUs, for ``ReplayTransport``.

        Raises:
            ValueError: the trace is redacted or holds a command without an answer.
        """
        out: list[tuple[bytes, bytes]] = []
        entries = self.entries
        i = 0
        while i < len(entries):
            c = entries[i]
            r = entries[i + 1] if i + 1 < len(entries) else None
            if c.direction != "C" or r is None or r.direction != "R" or c.data is None or r.data is None:
                raise ValueError("a redacted or incomplete trace cannot be replayed")
            out.append((c.data, r.data))
            i += 2
        return out
