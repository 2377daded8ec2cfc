"""The batch runner: citizen records -> cards, each one ending in the ledger as issued or rejected.

Library code the CLI calls (``cardkit personalise``); progress is reported through a callback so
the CLI can draw a rich progress bar and tests can collect it.

Order of work for one record, and what the ledger says at each point (ledger.py has the rules):

    check record, duplicates     bad -> rejected (every reason)           ledger: pending -> rejected
    register                      already issued -> skipped (resume)       ledger: pending
    build files, sign EF.SOD      bad data -> rejected; DS/HSM failure -> the batch STOPS, record pending
    wait for a blank card         none -> the batch stops, record pending
    begin                                                                  ledger: writing (card untouched)
    first perso command           committed first                          ledger: card_touched
    write, lock, read back        GENUINE -> issued                         ledger: issued
                                  anything else -> rejected, "card must be destroyed" (it was touched)
                                  or back to pending when nothing reached the card

A crash at any point leaves ``writing`` rows that ``Ledger.recover`` settles on the next run, which
retries everything not issued. Issued records are skipped, so a re-run never issues twice.
The batch also stops (records left pending) when a card cannot be handed back (an image that
cannot be saved, a card the operator does not take out): a card left in the reader would
otherwise be taken for the next blank one. Ctrl-C or a bug mid-card settles the ledger first,
then propagates.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from ..crypto.cvc import CvCertificate
from ..errors import CardkitError, CardRemovedError, InputError, LedgerError, TransportError
from ..personalise import SignerFailure, build_card, check_signer, chip_trust_points, personalise_card
from ..profiles import Profile
from .ledger import Ledger

__all__ = [
    "CardSource",
    "CardSlot",
    "SimulatorSource",
    "ReaderSource",
    "CardOutcome",
    "BatchProgress",
    "BatchSummary",
    "run_batch",
]


class CardSlot(Protocol):
    """One physical (or simulated) blank card in the reader."""

    def open(self) -> Any:
        """Power the card (again) and return a transport to it."""

    def finish(self, issued: bool, blank: bool = False) -> None:
        """The card is done: save it (simulator) or ask for it to be taken out (reader).

        ``blank``: no perso command reached it, so it can be used again.
        """


class CardSource(Protocol):
    """Where blank cards come from."""

    def next_card(self, document_number: str) -> CardSlot:
        """Wait for the next blank card; raise TransportError when none comes."""


# --- card sources ---------------------------------------------------------------------


class _SimSlot:
    def __init__(self, chip: Any, path: Path | None) -> None:
        self.chip = chip
        self.path = path

    def open(self) -> Any:
        from ..card import SimulatorTransport

        return SimulatorTransport(self.chip)

    def finish(self, issued: bool, blank: bool = False) -> None:
        if issued and self.path is not None:
            try:
                self.chip.save(self.path)
            except OSError as e:
                raise InputError(f"cannot save the card image {self.path}: {e.strerror or e}") from None


class SimulatorSource:
    """Simulated blank chips, one per record, saved as ``<out_dir>/<document>.image`` once issued.

    Args:
        out_dir: where issued chips are saved (None: not saved, e.g. benchmarks).
        chip_factory: makes a blank chip for a document number (default ``EmrtdChip()``); tests
            use it to inject ``Faults``.
    """

    def __init__(self, out_dir: Path | None, chip_factory: Callable[[str], Any] | None = None) -> None:
        self.out_dir = out_dir
        if out_dir is not None:
            out_dir.mkdir(parents=True, exist_ok=True)
        self.chip_factory = chip_factory or _blank_chip
        self.chips: list[Any] = []

    def next_card(self, document_number: str) -> _SimSlot:
        chip = self.chip_factory(document_number)
        self.chips.append(chip)
        path = self.out_dir / f"{document_number}.image" if self.out_dir is not None else None
        return _SimSlot(chip, path)


def _blank_chip(document_number: str) -> Any:
    from simulators.emrtd import EmrtdChip

    return EmrtdChip()


class _ReaderSlot:
    def __init__(self, source: "ReaderSource") -> None:
        self.source = source
        self.transport: Any = None

    def open(self) -> Any:
        from ..card import PcscTransport

        if self.transport is not None:
            self.transport.close()  # unpowers the card: the read-back starts from a cold reset
        self.transport = PcscTransport(self.source.reader, timeout=0)
        return self.transport

    def finish(self, issued: bool, blank: bool = False) -> None:
        if self.transport is not None:
            self.transport.close()
            self.transport = None
        if issued:
            self.source.prompt("Card issued: take it out.")
        elif blank:
            self.source.prompt("Card not written: take it out (it is still blank and can be used again).")
        else:
            self.source.prompt("Card REJECTED: take it out and destroy it.")
        self.source.wait_for_removal()


class ReaderSource:
    """Blank cards put one after another into a PC/SC reader by the operator.

    Args:
        reader: reader name substring or index (as ``PcscTransport``).
        prompt: shows the operator a message (the CLI prints it).
        timeout: seconds to wait for each card before the batch stops.
    """

    def __init__(self, reader: str | int | None, prompt: Callable[[str], None] = lambda _m: None,
                 timeout: float = 120.0, removal_timeout: float = 120.0) -> None:
        self.reader = reader
        self.prompt = prompt
        self.timeout = timeout
        self.removal_timeout = removal_timeout

    def next_card(self, document_number: str) -> _ReaderSlot:
        from ..card import PcscTransport

        self.prompt(f"Insert a blank card for document {document_number}.")
        PcscTransport(self.reader, timeout=self.timeout).close()  # waits for insertion
        return _ReaderSlot(self)

    def wait_for_removal(self) -> None:
        from ..card import PcscTransport

        deadline = time.monotonic() + self.removal_timeout
        while time.monotonic() < deadline:
            try:
                PcscTransport(self.reader, timeout=0).close()
            except CardRemovedError:
                return
            time.sleep(0.2)
        raise CardRemovedError("the card was not taken out of the reader")


# --- results ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CardOutcome:
    """What happened to one record: issued, rejected (with reasons), or skipped (already issued)."""

    line: int | None
    document_number: str | None
    outcome: str  # "issued" | "rejected" | "skipped"
    reasons: tuple[str, ...] = ()
    seconds: float = 0.0
    apdus: int = 0


@dataclass(frozen=True, slots=True)
class BatchProgress:
    """Progress after each record (the CLI renders it)."""

    total: int
    done: int
    issued: int
    rejected: int
    skipped: int
    elapsed: float
    last: CardOutcome | None

    @property
    def rate_per_minute(self) -> float:
        return 60.0 * self.done / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def eta_seconds(self) -> float | None:
        return (self.total - self.done) * self.elapsed / self.done if self.done else None


@dataclass(frozen=True, slots=True)
class BatchSummary:
    """The end of a run; ``stopped`` says why a run ended early (DS/HSM failure, no card)."""

    total: int
    issued: int
    rejected: int
    skipped: int
    pending: int
    seconds: float
    stopped: str | None
    outcomes: tuple[CardOutcome, ...] = field(repr=False, default=())

    def to_dict(self) -> dict[str, Any]:
        return {"total": self.total, "issued": self.issued, "rejected": self.rejected, "skipped": self.skipped,
                "pending": self.pending, "seconds": round(self.seconds, 3), "stopped": self.stopped,
                "rejects": [{"line": o.line, "document_number": o.document_number, "reasons": list(o.reasons)}
                            for o in self.outcomes if o.outcome == "rejected"]}


# --- the run ------------------------------------------------------------------------------


def _unpack(result: Any) -> tuple[Any, Any, int | None]:
    """(record, error, line) from a records.RecordResult (or a bare record, for library callers)."""
    if hasattr(result, "to_mrz"):
        return result, None, None
    record = getattr(result, "record", None)
    error = getattr(result, "error", None)
    line = getattr(result, "line", None)
    return record, error, line


def _reasons(error: Any) -> tuple[str, ...]:
    return tuple(getattr(error, "reasons", ()) or (str(error),))


def run_batch(
    records: Iterable[Any],
    *,
    profile: Profile,
    signer: Any,
    trust: Any,
    ledger: Ledger,
    source: CardSource,
    batch: str,
    progress: Callable[[BatchProgress], None] | None = None,
    retries: int = 0,
    cvca: Sequence[CvCertificate] = (),
) -> BatchSummary:
    """Personalise every record (see the module header); returns the summary.

    Args:
        records: ``load_records(...)`` results (record or RecordError with its line).
        trust: a TrustStore holding the CSCA, for the read-back's Passive Authentication.
        batch: the batch's name stored in the ledger (the records file name).
        retries: how many more blank cards to try for a record whose card failed.
        cvca: the CVCA certificate(s) every chip trusts, for a profile with Terminal Authentication.
    Raises:
        ProfileError: the DS signs with an algorithm the profile does not accept (before any card).
        InputError: the profile needs a CVCA and none (or an unusable one) was given (before any card).
    """
    check_signer(signer, profile)
    chip_trust_points(cvca, profile, dt.date.today())
    ledger.recover()
    items = list(records)
    t0 = time.monotonic()
    outcomes: list[CardOutcome] = []
    counts = {"issued": 0, "rejected": 0, "skipped": 0}
    seen_people: dict[str, int | None] = {}
    seen_docs: dict[str, int | None] = {}
    stopped: str | None = None

    def report(o: CardOutcome) -> None:
        outcomes.append(o)
        counts[o.outcome] += 1
        if progress is not None:
            progress(BatchProgress(len(items), len(outcomes), counts["issued"], counts["rejected"],
                                   counts["skipped"], time.monotonic() - t0, o))

    if progress is not None:
        progress(BatchProgress(len(items), 0, 0, 0, 0, 0.0, None))
    for index, item in enumerate(items):
        record, error, line = _unpack(item)
        line = line if line is not None else index + 1
        t_rec = time.monotonic()
        if error is not None or record is None:
            reasons = _reasons(error) if error is not None else ("no record",)
            _reject_unkeyed(ledger, batch, line, reasons)
            report(CardOutcome(line, None, "rejected", reasons))
            continue
        try:
            build_doc, person = _identity(record, profile)
        except InputError as e:
            _reject_unkeyed(ledger, batch, line, _reasons(e))
            report(CardOutcome(line, None, "rejected", _reasons(e)))
            continue
        # duplicates inside the batch: the first occurrence wins, later ones are rejected
        dup = [f"duplicate ID in the batch (first at line {seen_people[person]})"] if person in seen_people else []
        if build_doc in seen_docs:
            dup.append(f"duplicate document number in the batch (first at line {seen_docs[build_doc]})")
        if dup:
            _reject_unkeyed(ledger, batch, line, tuple(dup))
            report(CardOutcome(line, build_doc, "rejected", tuple(dup)))
            continue
        seen_people[person] = line
        seen_docs[build_doc] = line
        other = ledger.issued_document_for(person)
        if other is not None and other != build_doc:
            reason = f"ID already issued in the ledger (document {other})"
            _reject_unkeyed(ledger, batch, line, (reason,))
            report(CardOutcome(line, build_doc, "rejected", (reason,)))
            continue
        try:
            entry = ledger.register(build_doc, person, batch)
        except LedgerError as e:
            _reject_unkeyed(ledger, batch, line, (str(e),))
            report(CardOutcome(line, build_doc, "rejected", (str(e),)))
            continue
        if entry.state == "issued":
            report(CardOutcome(line, build_doc, "skipped", ("already issued",)))
            continue
        if entry.state == "writing":  # another station is on it right now
            report(CardOutcome(line, build_doc, "skipped", (f"being written by station {entry.station!r}",)))
            continue
        outcome, stop = _one_record(record, line, build_doc, profile=profile, signer=signer, trust=trust, cvca=cvca,
                                    ledger=ledger, source=source, retries=retries, t_rec=t_rec)
        if outcome is not None:
            report(outcome)
        if stop is not None:
            stopped = stop
            break
    return BatchSummary(total=len(items), issued=counts["issued"], rejected=counts["rejected"],
                        skipped=counts["skipped"], pending=len(items) - len(outcomes), seconds=time.monotonic() - t0,
                        stopped=stopped, outcomes=tuple(outcomes))


def _identity(record: Any, profile: Profile) -> tuple[str, str]:
    """(document number, person ID) of a record as the profile would issue it."""
    from ..personalise import _mrz_for

    mrz = _mrz_for(record, profile)
    person = str(getattr(record, "id_number", "") or mrz.document_number)
    return mrz.document_number, person


def _reject_unkeyed(ledger: Ledger, batch: str, line: int, reasons: tuple[str, ...]) -> None:
    """Keep a record that has no usable document number in the ledger, keyed by batch and line."""
    key = f"{batch}:line {line}"
    entry = ledger.register(key, key, batch)
    if entry.state == "pending":
        ledger.rejected(key, "; ".join(reasons))


def _one_record(record: Any, line: int, doc: str, *, profile: Profile, signer: Any, trust: Any, ledger: Ledger,
                source: CardSource, retries: int, t_rec: float,
                cvca: Sequence[CvCertificate] = ()) -> tuple[CardOutcome | None, str | None]:
    """Build, write and verify one record's card. Returns (outcome or None if left pending, stop reason)."""
    reasons: list[str] = []
    for attempt in range(retries + 1):
        try:
            build = build_card(record, profile, signer, cvca=cvca)
        except SignerFailure as e:
            return None, str(e)  # record stays pending; nothing was written
        except InputError as e:
            ledger.rejected(doc, "; ".join(_reasons(e)))
            return CardOutcome(line, doc, "rejected", _reasons(e), time.monotonic() - t_rec), None
        try:
            slot = source.next_card(doc)
        except TransportError as e:
            build.wipe()
            return None, f"no blank card: {e}"
        try:
            ledger.begin_card(doc)
        except LedgerError as e:  # another station sharing the ledger took it meanwhile
            build.wipe()
            return CardOutcome(line, doc, "skipped", (str(e),), time.monotonic() - t_rec), _finish(slot, False, True)
        touched = False

        def mark() -> None:
            nonlocal touched
            ledger.card_touched(doc)  # committed BEFORE the first command reaches the card
            touched = True

        try:
            result = personalise_card(slot.open, build, profile, trust, on_first_write=mark)
        except (CardkitError, Exception, KeyboardInterrupt) as e:
            build.wipe()
            reason = _card_reason(e)
            if touched:
                ledger.rejected(doc, reason + "; card must be destroyed")
            else:
                ledger.release(doc, reason)
            stop = _finish(slot, False, blank=not touched)
            if not isinstance(e, CardkitError):
                raise  # a bug or Ctrl-C: the ledger is settled, now let it surface
            reasons.append(reason)
            if attempt < retries and stop is None:
                ledger.register(doc, str(getattr(record, "id_number", "") or doc), "retry")
                continue
            if not touched:
                ledger.rejected(doc, reason)
            return CardOutcome(line, doc, "rejected", tuple(reasons), time.monotonic() - t_rec), stop
        try:
            ledger.issued(doc, ds_certificate_der=result.ds_certificate_der, ds_subject=result.ds_subject,
                          sod=result.sod)
        except LedgerError as e:
            # e.g. the same person issued meanwhile by another station: this card must not go out
            ledger.rejected(doc, f"ledger refused the issue: {e}; card must be destroyed")
            return CardOutcome(line, doc, "rejected", (str(e),), time.monotonic() - t_rec), _finish(slot, False)
        stop = _finish(slot, True)
        return CardOutcome(line, doc, "issued", (), time.monotonic() - t_rec,
                           result.apdus_written + result.apdus_read_back), stop
    raise AssertionError("unreachable")


def _finish(slot: CardSlot, issued: bool, blank: bool = False) -> str | None:
    """Hand the card back; a reason to stop the batch when that failed (the ledger already has the outcome).

    A card left in the reader would otherwise be taken for the next blank one.
    """
    try:
        slot.finish(issued, blank=blank)
    except CardkitError as e:
        return f"card could not be handed back: {e}"
    return None


def _card_reason(e: BaseException) -> str:
    if isinstance(e, CardRemovedError):
        return f"card removed: {e}"
    if isinstance(e, CardkitError):
        return f"{type(e).__name__}: {e}"
    return f"internal error: {type(e).__name__}"
