"""The issuance ledger: every card either issued, rejected with a reason, or pending to resume.

Storage is SQLite in WAL mode (a crash never leaves a half-written page; readers such as
``cardkit ledger report`` do not block the writer). Each state change is one transaction
that updates the ``documents`` row and appends to the ``events`` history, so the two can
never disagree.

State machine (one row per document number, across all runs; ``TRANSITIONS`` is the table):

    pending  -> writing     a blank card is about to receive its first perso command
    pending  -> rejected    the record is bad or a duplicate (reason kept)
    writing  -> issued      the locked card was read back and inspected GENUINE
    writing  -> rejected    anything else once the card was touched (reason kept)
    writing  -> pending     the run stopped before any command reached the card (HSM down ...)
    rejected -> pending     a re-run retries the record (on a new card)

``issued`` is final: nothing leaves it, and the ``documents`` table has a UNIQUE document
number plus a partial UNIQUE index on the person's ID among issued rows, so SQLite itself
refuses a second issue.

Crash recovery (``recover()``, called at the start of every run, for the rows of this station
only: another station sharing the ledger may be writing its own right now): a row left in
``writing`` by a killed process is looked at through its ``card_touched`` flag, committed *before* the first
perso command is sent:
- not touched: the card was never written -> back to ``pending`` and retried;
- touched: the card may hold part (or even all) of a personalisation, possibly locked, but it
  was never verified in this ledger -> ``rejected`` with "interrupted while writing; card must
  be destroyed". The record is then retried on a fresh card by a re-run. The physical card is
  never counted as issued, so a record is never issued twice.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from ..errors import LedgerError

__all__ = ["Ledger", "LedgerEntry", "TRANSITIONS", "STATES", "INTERRUPTED_REASON", "default_ledger_path"]

STATES = ("pending", "writing", "issued", "rejected")
TRANSITIONS: frozenset[tuple[str, str]] = frozenset({
    ("pending", "writing"),
    ("pending", "rejected"),
    ("writing", "issued"),
    ("writing", "rejected"),
    ("writing", "pending"),
    ("rejected", "pending"),
})
INTERRUPTED_REASON = "interrupted while writing; card must be destroyed"
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS ds_certificates (
    fingerprint TEXT PRIMARY KEY,           -- SHA-256 of the DER, hex
    subject TEXT NOT NULL,
    der BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS documents (
    document_number TEXT PRIMARY KEY,
    person_id TEXT NOT NULL,
    batch TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'writing', 'issued', 'rejected')),
    reason TEXT,
    card_touched INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    ds_certificate TEXT REFERENCES ds_certificates(fingerprint),
    sod_hash TEXT,
    station TEXT,
    operator TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    issued_at TEXT,
    CHECK (state != 'issued' OR (sod_hash IS NOT NULL AND ds_certificate IS NOT NULL AND issued_at IS NOT NULL)),
    CHECK (state != 'rejected' OR reason IS NOT NULL)
);
CREATE UNIQUE INDEX IF NOT EXISTS one_issued_per_person ON documents(person_id) WHERE state = 'issued';
CREATE INDEX IF NOT EXISTS documents_state ON documents(state);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    document_number TEXT NOT NULL REFERENCES documents(document_number),
    from_state TEXT,
    to_state TEXT NOT NULL,
    reason TEXT,
    station TEXT,
    operator TEXT,
    at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_document ON events(document_number);
"""


def default_ledger_path(records_path: Path) -> Path:
    """The default ledger: a file next to the batch ("citizens.csv" -> "citizens.ledger.sqlite")."""
    return records_path.with_name(records_path.stem + ".ledger.sqlite")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One document's row in the ledger."""

    document_number: str
    person_id: str = field(repr=False)  # the citizen's ID number: personal data
    batch: str
    state: str
    reason: str | None
    card_touched: bool
    attempts: int
    ds_certificate: str | None
    sod_hash: str | None
    station: str | None
    operator: str | None
    created_at: str
    updated_at: str
    issued_at: str | None


class Ledger:
    """The issuance ledger in one SQLite file (see the module header for the rules).

    Args:
        path: the database file (created if absent).
        station: this production station's name, stored with every event.
        operator: the operator's name or badge, stored with every event.
        wal: journal mode WAL (default); False uses a rollback journal (e.g. on network shares).
    """

    def __init__(self, path: str | Path, *, station: str = "", operator: str = "", wal: bool = True) -> None:
        self.path = Path(path)
        self.station = station
        self.operator = operator
        try:
            if str(path) != ":memory:" and not self.path.exists():
                # the ledger names people and documents: private to the production account (WAL/SHM
                # files created by SQLite take the database file's mode)
                os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:
            pass
        except OSError as e:
            raise LedgerError(f"{self.path}: cannot create the ledger: {e.strerror}") from None
        try:
            # isolation_level=None: we issue BEGIN IMMEDIATE ourselves, so a transaction is one state change
            self._db = sqlite3.connect(str(self.path), isolation_level=None, timeout=30)
            self._db.execute("PRAGMA foreign_keys = ON")
            mode = self._db.execute(f"PRAGMA journal_mode = {'WAL' if wal else 'DELETE'}").fetchone()[0]
            if wal and mode.lower() != "wal":
                raise LedgerError(f"{self.path}: SQLite refused WAL mode (got {mode})")
            self._db.execute("PRAGMA synchronous = FULL")  # an issued card must survive a power cut
            with self._tx():
                for stmt in filter(str.strip, _SCHEMA.split(";")):
                    self._db.execute(stmt)
                row = self._db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
                if row is None:
                    self._db.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
                elif row[0] != str(SCHEMA_VERSION):
                    raise LedgerError(f"{self.path}: ledger schema version {row[0]}, this cardkit knows {SCHEMA_VERSION}")
        except sqlite3.DatabaseError as e:
            raise LedgerError(f"{self.path}: not a usable ledger: {e}") from None

    # --- plumbing ---------------------------------------------------------------

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> "Ledger":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def journal_mode(self) -> str:
        return self._db.execute("PRAGMA journal_mode").fetchone()[0]

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        # BEGIN IMMEDIATE takes the write lock first, so two stations sharing a ledger serialise
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        else:
            self._db.execute("COMMIT")

    def _row(self, document_number: str) -> LedgerEntry | None:
        cur = self._db.execute("SELECT document_number, person_id, batch, state, reason, card_touched, attempts,"
                               " ds_certificate, sod_hash, station, operator, created_at, updated_at, issued_at"
                               " FROM documents WHERE document_number = ?", (document_number,))
        r = cur.fetchone()
        if r is None:
            return None
        return LedgerEntry(*r[:5], bool(r[5]), *r[6:])

    def _move(self, document_number: str, to: str, *, reason: str | None = None, **columns: object) -> LedgerEntry:
        """One checked transition, row update and event append in a single transaction."""
        with self._tx() as db:
            entry = self._row(document_number)
            if entry is None:
                raise LedgerError(f"document {document_number}: not in the ledger")
            if (entry.state, to) not in TRANSITIONS:
                raise LedgerError(f"document {document_number}: cannot go from {entry.state} to {to}")
            now = _now()
            sets = {"state": to, "reason": reason, "updated_at": now, "station": self.station,
                    "operator": self.operator, **columns}
            try:
                db.execute(f"UPDATE documents SET {', '.join(f'{k} = ?' for k in sets)} WHERE document_number = ?",
                           (*sets.values(), document_number))
            except sqlite3.IntegrityError as e:
                raise LedgerError(f"document {document_number}: ledger refused {entry.state} -> {to}: {e}") from None
            db.execute("INSERT INTO events (document_number, from_state, to_state, reason, station, operator, at)"
                       " VALUES (?, ?, ?, ?, ?, ?, ?)",
                       (document_number, entry.state, to, reason, self.station, self.operator, now))
        result = self._row(document_number)
        assert result is not None
        return result

    # --- the operations the batch runner uses ---------------------------------------

    def get(self, document_number: str) -> LedgerEntry | None:
        """The document's row, or None."""
        return self._row(document_number)

    def issued_document_for(self, person_id: str) -> str | None:
        """The document number already issued to this person, if any."""
        r = self._db.execute("SELECT document_number FROM documents WHERE person_id = ? AND state = 'issued'",
                             (person_id,)).fetchone()
        return r[0] if r else None

    def register(self, document_number: str, person_id: str, batch: str) -> LedgerEntry:
        """Add a document as pending, or make a rejected one pending again for a retry.

        Returns the row (an issued or writing row is returned unchanged: the caller skips it).

        Raises:
            LedgerError: the document number belongs to another person.
        """
        entry = self._row(document_number)
        if entry is None:
            now = _now()
            with self._tx() as db:
                try:
                    db.execute("INSERT INTO documents (document_number, person_id, batch, state, created_at, updated_at,"
                               " station, operator) VALUES (?, ?, ?, 'pending', ?, ?, ?, ?)",
                               (document_number, person_id, batch, now, now, self.station, self.operator))
                except sqlite3.IntegrityError:
                    raise LedgerError(f"document {document_number}: registered concurrently") from None
                db.execute("INSERT INTO events (document_number, from_state, to_state, station, operator, at)"
                           " VALUES (?, NULL, 'pending', ?, ?, ?)", (document_number, self.station, self.operator, now))
            return self._row(document_number)  # type: ignore[return-value]
        if entry.person_id != person_id:
            raise LedgerError(f"document {document_number}: already in the ledger for another person")
        if entry.state == "rejected":
            return self._move(document_number, "pending", card_touched=0, batch=batch)
        return entry

    def begin_card(self, document_number: str) -> LedgerEntry:
        """pending -> writing, committed before the first perso command (card not yet touched)."""
        entry = self._row(document_number)
        return self._move(document_number, "writing", card_touched=0,
                          attempts=(entry.attempts + 1) if entry else 1)

    def card_touched(self, document_number: str) -> None:
        """Record that a perso command is about to reach the card; committed before it is sent."""
        with self._tx() as db:
            n = db.execute("UPDATE documents SET card_touched = 1, updated_at = ? WHERE document_number = ?"
                           " AND state = 'writing'", (_now(), document_number)).rowcount
        if n != 1:
            raise LedgerError(f"document {document_number}: not being written")

    def issued(self, document_number: str, *, ds_certificate_der: bytes, ds_subject: str, sod: bytes) -> LedgerEntry:
        """writing -> issued, with the DS certificate and the SHA-256 of EF.SOD."""
        fp = hashlib.sha256(ds_certificate_der).hexdigest()
        with self._tx() as db:
            db.execute("INSERT OR IGNORE INTO ds_certificates VALUES (?, ?, ?)", (fp, ds_subject, ds_certificate_der))
        now = _now()
        return self._move(document_number, "issued", ds_certificate=fp, sod_hash=hashlib.sha256(sod).hexdigest(),
                          issued_at=now)

    def rejected(self, document_number: str, reason: str) -> LedgerEntry:
        """pending or writing -> rejected, keeping the reason."""
        return self._move(document_number, "rejected", reason=reason)

    def release(self, document_number: str, reason: str) -> LedgerEntry:
        """writing -> pending, only if no command reached the card (else the card must be rejected)."""
        entry = self._row(document_number)
        if entry is not None and entry.card_touched:
            raise LedgerError(f"document {document_number}: the card was written; reject it instead")
        return self._move(document_number, "pending", reason=reason)

    def recover(self, *, all_stations: bool = False) -> list[LedgerEntry]:
        """Settle rows left in ``writing`` by a crash of this station (module header); returns the rows changed.

        Rows another station is writing are left alone (it may be busy with them right now), unless
        ``all_stations`` is set by an operator who knows every station is stopped.
        """
        changed = []
        sql = "SELECT document_number FROM documents WHERE state = 'writing'"
        args: tuple[str, ...] = ()
        if not all_stations:
            sql += " AND COALESCE(station, '') = ?"
            args = (self.station,)
        for (doc,) in self._db.execute(sql, args).fetchall():
            entry = self._row(doc)
            assert entry is not None
            if entry.card_touched:
                changed.append(self._move(doc, "rejected", reason=INTERRUPTED_REASON))
            else:
                changed.append(self._move(doc, "pending", reason="interrupted before the card was written"))
        return changed

    # --- queries ------------------------------------------------------------------

    def entries(self, state: str | None = None) -> list[LedgerEntry]:
        """All rows (or those in one state), by document number."""
        sql = "SELECT document_number FROM documents" + (" WHERE state = ?" if state else "") + " ORDER BY 1"
        return [self._row(d) for (d,) in self._db.execute(sql, (state,) if state else ())]  # type: ignore[misc]

    def counts(self) -> dict[str, int]:
        """Number of documents in each state."""
        out = dict.fromkeys(STATES, 0)
        for state, n in self._db.execute("SELECT state, COUNT(*) FROM documents GROUP BY state"):
            out[state] = n
        return out

    def events(self, document_number: str) -> list[tuple[str | None, str, str | None]]:
        """The (from, to, reason) history of a document, oldest first."""
        return list(self._db.execute("SELECT from_state, to_state, reason FROM events WHERE document_number = ?"
                                     " ORDER BY id", (document_number,)))

    def report(self) -> list[tuple[str, str, str, int]]:
        """Outcome counts as (day, station, outcome, count): every issued or rejected event, by UTC day."""
        return list(self._db.execute(
            "SELECT substr(at, 1, 10), COALESCE(station, ''), to_state, COUNT(*) FROM events"
            " WHERE to_state IN ('issued', 'rejected') GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"))

    def check_integrity(self) -> list[str]:
        """Every inconsistency found (empty when the ledger is sound): SQLite, states, history."""
        problems = [r[0] for r in self._db.execute("PRAGMA integrity_check") if r[0] != "ok"]
        problems += [f"foreign key violation in {r[0]}" for r in self._db.execute("PRAGMA foreign_key_check")]
        for doc, state in self._db.execute("SELECT document_number, state FROM documents"):
            hist = self.events(doc)
            if not hist or hist[0][0] is not None or hist[0][1] != "pending":
                problems.append(f"{doc}: history does not start with registration")
                continue
            for prev, (frm, to, _) in zip(hist, hist[1:]):
                if frm != prev[1] or (frm, to) not in TRANSITIONS:
                    problems.append(f"{doc}: illegal transition {frm} -> {to} in history")
            if hist[-1][1] != state:
                problems.append(f"{doc}: state {state} but history ends in {hist[-1][1]}")
            if sum(1 for _, to, _ in hist if to == "issued") > 1:
                problems.append(f"{doc}: issued more than once")
        for person, n in self._db.execute("SELECT person_id, COUNT(*) FROM documents WHERE state = 'issued'"
                                          " GROUP BY person_id HAVING COUNT(*) > 1"):
            problems.append(f"person {person}: {n} issued documents")
        return problems
