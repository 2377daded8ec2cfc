"""``cardkit verify --reader R --loop``: a kiosk, one card after another, until stopped.

The loop itself is the library's (``cardkit.inspect.kiosk.verify_cards``); this module shows each
card as it is served: with ``--json`` one JSON object per line (the report, plus ``card``,
``latency_ms``, ``finished`` and the face's path), else one line of text per card (number, verdict,
latency, holder, the face's path). Each face goes to ``--face-dir`` as the chip stores it
(``<date>-<time>-<card>.jpg`` or ``.jp2``, mode 0600: personal data; the folder keeps them until
cleared).

Ending: Ctrl-C or SIGTERM (a service manager's stop) ends the loop cleanly with exit 0, the card in
progress abandoned and its link closed; so does ``--count N`` after N cards, and the end of the
keys when they are typed per card from a pipe. A reader or PC/SC service that vanishes is one line
and exit 3. Per-card verdicts are in the lines, not in the exit code.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import signal
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import click

from .. import card
from ..card import AccessKey
from ..errors import InputError
from ..images import image_format
from ..inspect import InspectionReport
from ..inspect.kiosk import CardTurn, verify_cards
from ..pki.trust import TrustStore
from ..private_files import write_private
from ._secrets import NoAnswer

__all__ = ["run_kiosk", "write_face"]

log = logging.getLogger(__name__)


def write_face(report: InspectionReport, face_dir: Path, number: int, when: dt.datetime) -> Path | None:
    """Write the first face of DG2 into ``face_dir`` as stored (no conversion); its path, or None without one.

    Raises:
        InputError: the folder or the file cannot be written.
    """
    face = report.holder.face
    fmt = image_format(face.image) if face is not None and face.image else None
    if fmt is None:
        return None
    path = face_dir / f"{when.astimezone():%Y%m%d-%H%M%S}-{number:04d}.{fmt.value}"
    try:
        face_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        write_private(path, face.image)
    except OSError as e:
        raise InputError(f"--face-dir {face_dir}: cannot write the face ({e.strerror or e})") from None
    return path


def _holder_text(report: InspectionReport) -> str:
    h = report.holder
    name = (h.dg13 or {}).get("full_name") or ""
    if not name and h.mrz:
        name = ", ".join(p for p in (h.mrz.get("primary_identifier"), h.mrz.get("secondary_identifier")) if p)
    number = (h.mrz or {}).get("document_number")
    return "  ".join(p for p in (name, f"document {number}" if number else "") if p)


def _line(turn: CardTurn, face: Path | None, as_json: bool) -> str:
    head = {"card": turn.number, "latency_ms": round(turn.latency_ms, 1), "finished": turn.finished.isoformat()}
    if as_json:
        if turn.report is None:
            body: dict[str, object] = {"verdict": None, "error": turn.error, "exit_code": turn.exit_code}
        else:
            body = turn.report.to_dict()
            if face is not None:
                body["face_image_path"] = str(face)
        return json.dumps({**head, **body}, ensure_ascii=False)
    if turn.report is None:
        return f"card {turn.number}  NOT VERIFIED  {turn.error}"
    r = turn.report
    parts = [f"card {turn.number}", r.verdict.value, f"{turn.latency_ms:.0f} ms", _holder_text(r)]
    if face is not None:
        parts.append(f"face {face}")
    if not r.genuine:
        parts.append(f"({r.verdict_reason})")
    return "  ".join(p for p in parts if p)


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """While the loop runs, SIGTERM (a service manager stopping it) ends it as Ctrl-C does."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run_kiosk(reader: str | int | None, key: Callable[[], AccessKey], *, trust: TrustStore, as_json: bool,
              face_dir: Path | None, at: dt.datetime | None, block_size: int | None, sfi: bool,
              count: int | None) -> int:
    """Serve cards in ``reader`` until stopped; the exit code (0 stopped as asked; the reader gone raises).

    ``key`` gives the key for the card just arrived; its ``NoAnswer`` (the typed keys ended) ends the loop.

    Raises:
        ReaderError: no such reader at the start, or the reader or PC/SC service vanished (exit 3).
    """

    def next_key() -> AccessKey | None:
        try:
            return key()
        except NoAnswer:
            return None

    if face_dir is not None:
        try:  # a folder that cannot be made is said now, not at the first card
            face_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as e:
            raise InputError(f"--face-dir {face_dir}: cannot make the folder ({e.strerror or e})") from None
    served = 0
    how = "stopped"
    with card.ReaderWatch(reader) as watch, _sigterm_as_interrupt():  # pyscard loads here, not at import
        click.echo(f"cardkit: waiting for cards in {watch.reader_name!r} (Ctrl-C to stop)", err=True)
        try:
            for turn in verify_cards(watch, key=next_key, trust=trust, at=at, block_size=block_size, sfi=sfi,
                                     count=count):
                served = turn.number
                face = write_face(turn.report, face_dir, turn.number, turn.finished) \
                    if face_dir is not None and turn.report is not None else None
                click.echo(_line(turn, face, as_json))
                log.info("card %d: exit %d in %.1f ms", turn.number, turn.exit_code, turn.latency_ms)
            how = "done" if count is not None and served >= count else "no more keys"
        except KeyboardInterrupt:
            how = "stopped"
    click.echo(f"cardkit: {how} after {served} card{'s' if served != 1 else ''}", err=True)
    return 0
