"""The batch runner: claimed ledger rows -> cards, each ending issued, rejected, or pending to resume.

Library code the CLI calls (``cardkit personalise``); progress goes through a callback. A run loads its
records into the ledger (``intake.load_batch``; a shared batch was loaded before by ``cardkit batch
load``), then takes rows one at a time, first any it must recover, then the next pending one:

    claim                   pending -> writing under this station's lease      (FOR UPDATE SKIP LOCKED)
    prepare, build, sign    bad data -> rejected; DS/HSM failure -> the run STOPS, row pending
    wait for a blank card   none -> the run stops, row pending
    first perso command     committed first: touched, expected SOD hash, artifact name
    write, lock, read back  GENUINE or not; a card written with DG3/DG4 must refuse them without TA
    keep                    the card exists: simulator image saved, fsynced, renamed, folder fsynced
    issued                  writing -> issued; the person's earlier card superseded or revoked
A touched card that fails is logged for destruction (``spoiled_cards``); the row goes back to pending
while ``retries`` allow, else to rejected (a re-run retries it). Ctrl-C or a bug mid-card settles the
row first (spoiled if touched, back to pending), then propagates.

Recovery, for a row left writing by a crash of this station or by a station whose lease ran out: an
untouched card -> pending; a touched card that ``source.find`` finds, verifies GENUINE and holds the
SOD recorded at the touch -> issued (the record is completed, not redone); anything else -> logged
for destruction, its artifact discarded, the row pending for a new card. Nothing is ever skipped.

``CARDKIT_FAULT_KILL_AT=<point>`` (a test hook) makes the process SIGKILL itself at a named point:
``touched``, ``written``, ``kept`` (card saved, ledger not yet told), ``issued``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import signal
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import serialization

from ..card import Transport
from ..checks import Status
from ..crypto.cvc import CvCertificate
from ..errors import (CardkitError, CardRemovedError, InputError, LedgerError, LedgerUnavailableError, ProfileError,
                      TransportError)
from ..inspect import EAC_GROUPS, Verdict, inspect
from ..personalise import (CardBuild, SignerFailure, build_card, card_access_key, check_signer, chip_trust_points, mrz_for,
                           personalise_card, preflight)
from ..personalise_readback import check_terminal
from ..pki.signers import Signer
from ..pki.terminal import TerminalCredentials
from ..pki.trust import TrustStore
from ..profiles import Profile
from .intake import LoadSummary, content_of, load_batch, record_from_stored
from .ledger import IssueRow, Ledger
from .records import RecordResult
from .sources import CardSlot, CardSource, ReaderSource, SimulatorSource

__all__ = ["CardSource", "CardSlot", "SimulatorSource", "ReaderSource", "CardOutcome", "BatchProgress",
           "BatchSummary", "run_batch", "KILL_POINTS"]

KILL_POINTS = ("touched", "written", "kept", "issued")


def _kill_point(name: str) -> None:
    """The test hook of the module header: die here, as a power cut would."""
    if os.environ.get("CARDKIT_FAULT_KILL_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)


@dataclass(frozen=True, slots=True)
class CardOutcome:
    """What happened to one record: issued, rejected (with reasons), recovered (a crashed card completed)."""

    line: int | None
    person: str | None = field(repr=False)
    outcome: str  # "issued" | "rejected" | "recovered" | "retry"
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
    """The end of a run; ``stopped`` says why it ended early (DS/HSM failure, no card, profile)."""

    total: int
    issued: int
    rejected: int
    skipped: int
    pending: int
    seconds: float
    stopped: str | None
    outcomes: tuple[CardOutcome, ...] = field(repr=False, default=())
    stop_error: CardkitError | None = field(repr=False, default=None)
    loaded: LoadSummary | None = field(repr=False, default=None)

    def to_dict(self) -> dict[str, Any]:
        return {"total": self.total, "issued": self.issued, "rejected": self.rejected, "skipped": self.skipped,
                "pending": self.pending, "seconds": round(self.seconds, 3), "stopped": self.stopped,
                "rejects": [{"line": o.line, "reasons": list(o.reasons)} for o in self.outcomes
                            if o.outcome == "rejected"]}


class _Stop(Exception):
    """The run must stop (the row is settled); carries the reason and the typed error for the exit code."""

    def __init__(self, reason: str, error: CardkitError) -> None:
        super().__init__(reason)
        self.reason = reason
        self.error = error


def run_batch(records: Iterable[RecordResult] | None, *, profile: Profile, signer: Signer, trust: TrustStore | None,
              ledger: Ledger, source: CardSource, batch: str, progress: Callable[[BatchProgress], None] | None = None,
              retries: int = 0, max_cards: int | None = None, cvca: Sequence[CvCertificate] = (),
              terminal: TerminalCredentials | None = None) -> BatchSummary:
    """Personalise a batch (module header); returns the summary.

    Args:
        records: the batch file's results, loaded first; None for a batch already in the ledger (shared).
        trust: the CSCA trust store for the read-back's Passive Authentication.
        batch: the batch's name in the ledger.
        retries: how many more blank cards to try for a record whose card failed.
        max_cards: stop after this many rows were worked on (None: until the batch is done).
        cvca: the CVCA certificate(s) every chip trusts, for a profile with Terminal Authentication.
        terminal: an inspection system's credentials: each read-back runs Terminal Authentication and
            requires DG3/DG4 as written (``cardkit.personalise_readback``).
    Raises:
        ProfileError: the DS or the profile cannot work (before any card).
        InputError: the profile needs a CVCA and none (or an unusable one) was given, or ``terminal`` cannot
            open DG3/DG4 on chips trusting it (before any card).
        LedgerError: the batch belongs to another profile; LedgerUnavailableError: the database went away.
    """
    check_signer(signer, profile)
    trust_points = chip_trust_points(cvca, profile, dt.date.today())
    if terminal is not None:
        check_terminal(terminal, trust_points, profile, dt.date.today())
    preflight(profile)
    source.cleanup()
    t0 = time.monotonic()
    outcomes: list[CardOutcome] = []
    loaded = None
    if records is not None:
        loaded = load_batch(ledger, records, profile=profile, batch=batch)
    elif ledger.batch_profile(batch) is None:
        raise LedgerError(f"no batch {batch!r} in the ledger (load it first: cardkit batch load)")
    elif ledger.batch_profile(batch) != profile.name:
        raise ProfileError(f"batch {batch!r} was loaded for profile {ledger.batch_profile(batch)}, not {profile.name}")
    total = sum(ledger.counts(batch).values())
    already = sum(ledger.counts(batch)[s] for s in ("issued", "superseded", "revoked")) if records is not None else 0
    counts = {"issued": 0, "rejected": 0, "skipped": 0}

    def report(o: CardOutcome) -> None:
        outcomes.append(o)
        if o.outcome in ("issued", "recovered"):
            counts["issued"] += 1
        elif o.outcome == "rejected":
            counts["rejected"] += 1
        if progress is not None:
            progress(BatchProgress(total, already + counts["issued"] + counts["rejected"], counts["issued"],
                                   counts["rejected"], already, time.monotonic() - t0, o))

    if progress is not None:
        progress(BatchProgress(total, already, 0, 0, already, 0.0, None))
    for line, reasons in loaded.rejects if loaded is not None else ():
        report(CardOutcome(line, None, "rejected", reasons))
    runner = _Runner(profile, signer, trust, ledger, source, retries, trust_points, terminal)
    stopped: str | None = None
    stop_error: CardkitError | None = None
    worked = 0
    while max_cards is None or worked < max_cards:
        row = ledger.take_over(batch)
        recovering = row is not None
        if row is None:
            row = ledger.claim(batch)
        if row is None:
            break
        worked += 1
        try:
            outcome = runner.recover(row) if recovering else runner.card(row)
        except _Stop as s:
            stopped, stop_error = s.reason, s.error
            break
        if outcome is not None:
            report(outcome)
    end = ledger.counts(batch)
    return BatchSummary(total=total, issued=counts["issued"], rejected=counts["rejected"], skipped=already,
                        pending=end["pending"] + end["writing"], seconds=time.monotonic() - t0, stopped=stopped,
                        outcomes=tuple(outcomes), stop_error=stop_error, loaded=loaded)


class _Runner:
    """One card at a time for one station (the steps of the module header)."""

    def __init__(self, profile: Profile, signer: Signer, trust: TrustStore | None, ledger: Ledger,
                 source: CardSource, retries: int, cvca: tuple[CvCertificate, ...] = (),
                 terminal: TerminalCredentials | None = None) -> None:
        self.profile, self.signer, self.trust = profile, signer, trust
        self.ledger, self.source, self.retries = ledger, source, retries
        self.cvca, self.terminal = cvca, terminal

    def card(self, row: IssueRow) -> CardOutcome | None:
        t0 = time.monotonic()
        lg = self.ledger
        try:
            content = content_of(lg, row, self.profile)
            build = build_card(content, self.profile, self.signer, cvca=self.cvca)
        except SignerFailure as e:
            lg.release(row, str(e))
            raise _Stop(str(e), e) from None
        except ProfileError as e:
            lg.release(row, str(e))
            raise _Stop(str(e), e) from None
        except InputError as e:
            lg.reject(row, str(e), code="invalid for profile")
            return CardOutcome(row.line, None, "rejected", (str(e),), time.monotonic() - t0)
        artifact = f"{content.person_key}-{row.issue_number}"
        try:
            slot = self.source.next_card(artifact)
        except TransportError as e:
            build.wipe()
            lg.release(row, f"no blank card: {e}")
            raise _Stop(f"no blank card: {e}", e) from None
        touched = False

        def first_write() -> None:
            nonlocal touched
            lg.touch(row, expected_sod=build.sod, ds_certificate_der=_der(build), ds_subject=_subject(build),
                     artifact=artifact)
            touched = True
            _kill_point("touched")

        claim = _Claim(row)
        try:
            result = personalise_card(slot.open, build, self.profile, self.trust, on_first_write=first_write,
                                      terminal=self.terminal)
            _kill_point("written")
            claim.row = _touched_row(lg, row)
            lg.renew(claim.row)
            slot.keep()
            _kill_point("kept")
            lg.issued(claim.row)
            _kill_point("issued")
        except LedgerUnavailableError:
            raise  # nothing more can be recorded: the next run recovers this row
        except ProfileError as e:
            # only raised before the first perso command: the card is still blank
            self._settle(claim, touched, artifact, f"{type(e).__name__}: {e}", slot, stop=True)
            raise _Stop(str(e), e) from None
        except (CardkitError, Exception, KeyboardInterrupt) as e:
            build.wipe()
            reason = _card_reason(e)
            final = self._settle(claim, touched, artifact, reason, slot,
                                 stop=not isinstance(e, CardkitError) or isinstance(e, LedgerError))
            if not isinstance(e, CardkitError):
                raise  # a bug or Ctrl-C: the ledger is settled, now let it surface
            if isinstance(e, LedgerError):
                return CardOutcome(row.line, None, "rejected", (reason,), time.monotonic() - t0)
            return CardOutcome(row.line, None, "rejected" if final else "retry", (reason,), time.monotonic() - t0)
        stop = _finish(slot, True)
        if stop is not None:
            raise _Stop(stop, TransportError(stop))
        return CardOutcome(row.line, None, "issued", (), time.monotonic() - t0,
                           result.apdus_written + result.apdus_read_back)

    def _settle(self, claim: "_Claim", touched: bool, artifact: str, reason: str, slot: CardSlot, *,
                stop: bool) -> bool:
        """Settle a row whose card did not become issued; True when it ended rejected (no retry left)."""
        lg = self.ledger
        row = _touched_row(lg, claim.row) if touched else claim.row
        final = False
        try:
            if touched:
                lg.spoil(row, reason + "; card must be destroyed")
                self.source.discard(artifact)
            if stop or row.attempts <= self.retries:
                lg.release(row, reason)
            else:
                lg.reject(row, reason + ("; card must be destroyed" if touched else ""), code="card failed",
                          retryable=True)
                final = True
        except LedgerUnavailableError:
            raise
        except LedgerError:
            pass  # the claim was taken over: the other station settles the row
        _finish(slot, False, blank=not touched)
        return final

    def recover(self, row: IssueRow) -> CardOutcome | None:
        """Settle a row left writing (module header)."""
        lg = self.ledger
        if not row.card_touched:
            lg.release(row, "interrupted before the card was written")
            return None
        transport = self.source.find(row.artifact) if row.artifact else None
        if transport is not None and row.expected_sod_hash is not None and self._genuine(row, transport):
            lg.issued(row)
            return CardOutcome(row.line, None, "recovered", ("card found after a crash and verified",))
        lg.spoil(row, "interrupted while writing; card must be destroyed")
        if row.artifact:
            self.source.discard(row.artifact)
        lg.release(row, "interrupted while writing; a new card is needed")
        return None

    def _genuine(self, row: IssueRow, transport: Transport) -> bool:
        kind, text, _ = self.ledger.stored_record(row.id)
        try:
            record = record_from_stored(kind, text)
            mrz = mrz_for(record, self.profile)
            can = record.can if self.profile.pace is not None and "CAN" in self.profile.pace.passwords else None
            # a card written with DG3/DG4 must refuse them without TA here too (the read-back's probe)
            eac = any(f"DG{n}" in EAC_GROUPS for n in self.profile.data_groups)
            report = inspect(transport, key=card_access_key(can, mrz.mrz_information), trust=self.trust,
                             block_size=self.profile.chip.read_block_size, probe_eac=eac)
        except CardkitError:
            return False
        sod = report.files.get("EF.SOD")
        failed = [c for c in report.checks if c.status is Status.FAILED]
        probed = not eac or report.check("eac_protection") is not None
        return (report.verdict is Verdict.GENUINE and not failed and probed and sod is not None
                and hashlib.sha256(sod).hexdigest() == row.expected_sod_hash)


@dataclass
class _Claim:
    row: IssueRow


def _touched_row(lg: Ledger, row: IssueRow) -> IssueRow:
    fresh = lg.get(row.id)
    return fresh if fresh is not None else row


def _der(build: CardBuild) -> bytes:
    return build.ds_certificate.public_bytes(serialization.Encoding.DER)


def _subject(build: CardBuild) -> str:
    return build.ds_certificate.subject.rfc4514_string()


def _finish(slot: CardSlot, issued: bool, blank: bool = False) -> str | None:
    """Hand the card back; a reason to stop the run when that failed (the ledger already has the outcome).

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
    if isinstance(e, KeyboardInterrupt):
        return "interrupted (Ctrl-C)"
    if isinstance(e, CardkitError):
        return f"{type(e).__name__}: {e}"
    return f"internal error: {type(e).__name__}"
