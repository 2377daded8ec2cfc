"""The issuance ledger: one row per card issue of a person, moved through the schema's state machine.

Every method is one transaction. The database enforces the rules (``_schema``); this class only asks
for the changes a station makes:

    register    a record of a batch: pending (the next issue number of its person) or rejected with
                the rule it breaks; the same request (batch, line, content) twice is the same row
    claim       pending -> writing, with a lease (``FOR UPDATE SKIP LOCKED``: no two stations)
    take_over   a writing row of this station (restarted) or whose lease ran out: claimed again,
                to be settled by the caller (recovery) before anything else
    touch       committed before the first perso command: the card is touched, its SOD hash and
                artifact name are known
    issued      writing -> issued, after the card exists; the person's earlier valid card is
                superseded or revoked in the same transaction
    spoil       a touched card that will never be issued: logged for destruction
    release     writing -> pending (no card, or a spoiled one logged): the record gets a new card
    reject      pending/writing -> rejected with a reason
Each write on a claimed row names the claim (station and attempt): a station that lost its claim
cannot issue, its card is spoiled instead.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...errors import LedgerError
from ...holder import WITHDRAWN_STATE
from ._backends import PostgresBackend, SqliteBackend, open_backend
from ._schema import SCHEMA_VERSION, STATES, postgres_ddl, sqlite_ddl

__all__ = ["Ledger", "IssueRow", "IssueRequest", "default_ledger_path", "DEFAULT_LEASE"]

DEFAULT_LEASE = 300.0  # seconds a claim lasts without renewal: longer than any one card takes
_COLUMNS = ("id", "request_key", "batch", "line", "kind", "person_key", "issue_number", "document_number",
            "issue_reason", "capture_device", "state", "reason", "reason_code", "retryable", "attempts",
            "card_touched", "claimed_by", "lease_until", "expected_sod_hash", "artifact", "sod_hash",
            "ds_certificate", "station", "operator", "created_at", "updated_at", "issued_at", "withdrawn_at",
            "withdrawn_reason")
_SELECT = "SELECT " + ", ".join(_COLUMNS) + " FROM issues"


def default_ledger_path(records_path: Path) -> Path:
    """The default ledger: a file next to the batch ("citizens.csv" -> "citizens.ledger.sqlite")."""
    return records_path.with_name(records_path.stem + ".ledger.sqlite")


@dataclass(frozen=True, slots=True)
class IssueRow:
    """One card issue as the ledger holds it (personal data fields are kept out of the repr)."""

    id: int
    request_key: str = field(repr=False)
    batch: str
    line: int
    kind: str | None
    person_key: str | None = field(repr=False)
    issue_number: int | None
    document_number: str | None = field(repr=False)
    issue_reason: str
    capture_device: str | None
    state: str
    reason: str | None
    reason_code: str | None
    retryable: bool
    attempts: int
    card_touched: bool
    claimed_by: str | None
    lease_until: str | None
    expected_sod_hash: str | None
    artifact: str | None = field(repr=False)
    sod_hash: str | None
    ds_certificate: str | None
    station: str | None
    operator: str | None
    created_at: str
    updated_at: str
    issued_at: str | None
    withdrawn_at: str | None
    withdrawn_reason: str | None

    @classmethod
    def from_row(cls, r: Sequence[Any]) -> "IssueRow":
        v = list(r)
        for i in (_COLUMNS.index("retryable"), _COLUMNS.index("card_touched")):
            v[i] = bool(v[i])
        return cls(*v)


@dataclass(frozen=True, slots=True)
class IssueRequest:
    """A record of a batch as the ledger takes it (``register``)."""

    request_key: str
    batch: str
    line: int
    kind: str
    record: str = field(repr=False)  # the record's fields as JSON: personal data stays in the database
    photo: bytes | None = field(repr=False)
    person_key: str = field(repr=False)
    document_number: str = field(repr=False)
    document_key: str = field(repr=False)
    unique_document: bool
    issue_reason: str
    capture_device: str | None


def request_key(batch: str, line: int, content: str) -> str:
    """What makes a request: its batch, its line and its content (a re-run of the line is the same request)."""
    return hashlib.sha256(f"{batch}\x1f{line}\x1f{content}".encode("utf-8")).hexdigest()


class Ledger:
    """The issuance ledger on SQLite (a file path) or PostgreSQL (a ``postgresql://`` URL).

    Args:
        target: the file or URL; a file is created when absent (and ``create``).
        station: this production station's name, stored with every change and claim.
        operator: the operator's name or badge.
        migrate: create the schema in an empty database (``cardkit ledger migrate`` does it explicitly).
        check_schema: False to open without looking at the schema (``migrate`` looks itself).
        lease: seconds a claim lasts before another station may take the record over.
    Raises:
        LedgerError: another schema version, or not a cardkit ledger; LedgerUnavailableError: no database.
    """

    def __init__(self, target: str | Path, *, station: str = "", operator: str = "", create: bool = True,
                 migrate: bool = True, wal: bool = True, lease: float = DEFAULT_LEASE,
                 check_schema: bool = True) -> None:
        self.backend: SqliteBackend | PostgresBackend = open_backend(target, create=create, wal=wal)
        self.station = station
        self.operator = operator
        self.lease = lease
        try:
            if check_schema:
                self._check_schema(migrate)
        except BaseException:
            self.backend.close()
            raise

    @property
    def target(self) -> str:
        return self.backend.target

    @property
    def path(self) -> str:
        return self.backend.target

    def _check_schema(self, migrate: bool) -> None:
        if not self.backend.table_exists("meta"):
            if self.backend.table_exists("documents"):
                raise LedgerError(f"{self.target}: a ledger of schema version 1; this cardkit writes version "
                                  f"{SCHEMA_VERSION} (run cardkit ledger migrate --ledger ... to upgrade it)")
            if not migrate:
                raise LedgerError(f"{self.target}: not a cardkit ledger (run cardkit ledger migrate to create one)")
            self.migrate()
            return
        version = self.schema_version()
        if version != SCHEMA_VERSION:
            raise LedgerError(f"{self.target}: ledger schema version {version}; this cardkit knows version "
                              f"{SCHEMA_VERSION} only")

    def schema_version(self) -> int | None:
        rows = self.backend.query("SELECT value FROM meta WHERE key = 'schema_version'")
        return int(rows[0][0]) if rows and str(rows[0][0]).isdigit() else None

    def migrate(self) -> str:
        """Create the schema (version ``SCHEMA_VERSION``) in an empty database; returns what was done.

        Raises:
            LedgerError: a ledger of another version (an older one is not upgraded in place: its rows are
                keyed by document number, which cannot tell two CCCD holders apart).
        """
        if self.backend.table_exists("meta"):
            version = self.schema_version()
            if version == SCHEMA_VERSION:
                return f"schema version {SCHEMA_VERSION}: up to date"
            raise LedgerError(f"{self.target}: ledger schema version {version}; this cardkit knows version "
                              f"{SCHEMA_VERSION} only")
        if self.backend.table_exists("documents"):
            raise LedgerError(f"{self.target}: a version 1 ledger (keyed by document number); it cannot be "
                              "upgraded in place: start a new ledger file and keep the old one as the record")
        ddl = sqlite_ddl() if self.backend.kind == "sqlite" else postgres_ddl()
        self.backend.execute_script(ddl + [f"INSERT INTO meta VALUES ('schema_version', '{SCHEMA_VERSION}')"])
        return f"schema version {SCHEMA_VERSION}: created"

    def close(self) -> None:
        self.backend.close()

    def __enter__(self) -> "Ledger":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def journal_mode(self) -> str:
        if isinstance(self.backend, SqliteBackend):
            return self.backend.journal_mode
        return "postgres"

    # --- helpers ----------------------------------------------------------------

    def _lease_sql(self) -> str:
        secs = int(self.lease)
        if self.backend.kind == "sqlite":
            return f"strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now', '+{secs} seconds')"
        return ("to_char((clock_timestamp() + make_interval(secs => " + str(secs) + ")) AT TIME ZONE 'UTC', "
                "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"+00:00\"')")

    def get(self, issue_id: int) -> IssueRow | None:
        """The row, or None."""
        rows = self.backend.query(_SELECT + " WHERE id = ?", (issue_id,))
        return IssueRow.from_row(rows[0]) if rows else None

    def by_request(self, key: str) -> IssueRow | None:
        rows = self.backend.query(_SELECT + " WHERE request_key = ?", (key,))
        return IssueRow.from_row(rows[0]) if rows else None

    def issues_of(self, person_key: str) -> list[IssueRow]:
        """Every issue of a person, oldest first."""
        return [IssueRow.from_row(r) for r in self.backend.query(
            _SELECT + " WHERE person_key = ? ORDER BY id", (person_key,))]

    def rows(self, *, batch: str | None = None, state: str | None = None) -> list[IssueRow]:
        """Rows of a batch and/or a state, by id."""
        where, args = _where(batch=batch, state=state)
        return [IssueRow.from_row(r) for r in self.backend.query(_SELECT + where + " ORDER BY id", args)]

    def stored_record(self, issue_id: int) -> tuple[str | None, str | None, bytes | None]:
        """(kind, record JSON, photo bytes) as registered."""
        rows = self.backend.query("SELECT kind, record, photo FROM issues WHERE id = ?", (issue_id,))
        if not rows:
            raise LedgerError(f"issue {issue_id}: not in the ledger")
        kind, record, photo = rows[0]
        return kind, record, bytes(photo) if photo is not None else None

    # --- batches and registration -------------------------------------------------

    def add_batch(self, name: str, profile: str, source: str, records: int) -> bool:
        """Record a batch (once); False when it was there already. Raises LedgerError for another profile."""
        with self.backend.tx() as t:
            r = t.execute("SELECT profile FROM batches WHERE name = ?", (name,)).fetchone()
            if r is not None:
                if r[0] != profile:
                    raise LedgerError(f"batch {name!r} was loaded for profile {r[0]}, not {profile}")
                return False
            t.execute(f"INSERT INTO batches (name, profile, source, loaded_at, records) VALUES (?, ?, ?, "
                      f"{self.backend.now}, ?)", (name, profile, source, records))
        return True

    def batch_profile(self, name: str) -> str | None:
        rows = self.backend.query("SELECT profile FROM batches WHERE name = ?", (name,))
        return str(rows[0][0]) if rows else None

    def batches(self) -> list[tuple[str, str, str, str, int]]:
        return [tuple(r) for r in self.backend.query(  # type: ignore[misc]
            "SELECT name, profile, source, loaded_at, records FROM batches ORDER BY loaded_at, name")]

    def register(self, req: IssueRequest) -> IssueRow:
        """Take a request: the existing row for it, or a new pending row, or a new rejected one (module header).

        A rejected row whose card failed (``retryable``) goes back to pending: a re-run retries it.
        """
        now = self.backend.now
        with self.backend.tx() as t:
            old = t.execute(_SELECT + " WHERE request_key = ?" + self.backend.skip_locked.replace(" SKIP LOCKED", ""),
                            (req.request_key,)).fetchone()
            if old is not None:
                row = IssueRow.from_row(old)
                if row.state == "rejected" and row.retryable:
                    t.execute(f"UPDATE issues SET state = 'pending', reason = NULL, reason_code = NULL, retryable = ?, "
                              f"card_touched = ?, claimed_by = NULL, lease_until = NULL, station = ?, operator = ?, "
                              f"updated_at = {now} WHERE id = ?", (False, False, self.station, self.operator, row.id))
                else:
                    return row
            else:
                why = self._rule(t, req)
                issue_number = None
                if why is None:
                    n = t.execute("SELECT MAX(issue_number) FROM issues WHERE person_key = ?",
                                  (req.person_key,)).fetchone()[0]
                    issue_number = (n or 0) + 1
                state = "pending" if why is None else "rejected"
                t.execute(
                    "INSERT INTO issues (request_key, batch, line, kind, record, photo, person_key, issue_number, "
                    "document_number, document_key, unique_document, issue_reason, capture_device, state, reason, "
                    f"reason_code, station, operator, created_at, updated_at) VALUES "
                    f"(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, {now}, {now})",
                    (req.request_key, req.batch, req.line, req.kind, req.record, req.photo, req.person_key,
                     issue_number, req.document_number, req.document_key, req.unique_document, req.issue_reason,
                     req.capture_device, state, why[1] if why else None, why[0] if why else None, self.station,
                     self.operator))
        row2 = self.by_request(req.request_key)
        assert row2 is not None
        return row2

    def _rule(self, t: Any, req: IssueRequest) -> tuple[str, str] | None:
        """(code, reason) of the rule the request breaks, or None. The unique indexes hold the same rules
        against a race; this names them for the operator."""
        for r in t.execute("SELECT state, issue_number, batch, line FROM issues WHERE person_key = ? AND state IN "
                           "('pending', 'writing', 'issued') ORDER BY id", (req.person_key,)).fetchall():
            state, number, batch, line = r
            if state in ("pending", "writing"):
                return ("issue in progress", f"another issue of this person is in progress (batch {batch}, "
                                             f"line {line})")
            if req.issue_reason == "first":
                return ("already issued", f"this person holds a valid card (issue {number}, batch {batch}, line "
                                          f"{line}); a new card needs issue_reason lost, stolen, damaged, changed "
                                          "or renewal")
        if req.unique_document:
            r = t.execute("SELECT batch, line FROM issues WHERE document_key = ? AND unique_document = ? AND "
                          "person_key != ? AND state IN ('issued', 'writing', 'pending')",
                          (req.document_key, True, req.person_key)).fetchone()
            if r is not None:
                return ("document number taken", f"the document number belongs to another person's card "
                                                  f"(batch {r[0]}, line {r[1]})")
        return None

    def reject_invalid(self, batch: str, line: int, key: str, reasons: str, code: str = "invalid record",
                       capture_device: str | None = None) -> IssueRow:
        """A record that cannot become a card (invalid, duplicate in its batch): kept, rejected, by its line."""
        now = self.backend.now
        with self.backend.tx() as t:
            if t.execute("SELECT 1 FROM issues WHERE request_key = ?", (key,)).fetchone() is None:
                t.execute("INSERT INTO issues (request_key, batch, line, state, reason, reason_code, capture_device, "
                          f"station, operator, created_at, updated_at) VALUES (?, ?, ?, 'rejected', ?, ?, ?, ?, ?, "
                          f"{now}, {now})", (key, batch, line, reasons, code, capture_device, self.station,
                                             self.operator))
        row = self.by_request(key)
        assert row is not None
        return row

    # --- claims ----------------------------------------------------------------------

    def claim(self, batch: str) -> IssueRow | None:
        """The batch's next pending row, now writing under this station's lease; None when none is pending."""
        now = self.backend.now
        with self.backend.tx() as t:
            r = t.execute("SELECT id FROM issues WHERE batch = ? AND state = 'pending' ORDER BY line LIMIT 1"
                          + self.backend.skip_locked, (batch,)).fetchone()
            if r is None:
                return None
            t.execute(f"UPDATE issues SET state = 'writing', claimed_by = ?, lease_until = {self._lease_sql()}, "
                      f"attempts = attempts + 1, card_touched = ?, expected_sod_hash = NULL, reason = NULL, "
                      f"station = ?, operator = ?, updated_at = {now} WHERE id = ? AND state = 'pending'",
                      (self.station, False, self.station, self.operator, r[0]))
        return self.get(r[0])

    def take_over(self, batch: str | None) -> IssueRow | None:
        """A writing row of this station (left by a crash) or of another whose lease ran out, claimed again for
        recovery (attempt unchanged); None when there is none."""
        where, args = ("AND batch = ? ", (batch,)) if batch is not None else ("", ())
        with self.backend.tx() as t:
            r = t.execute(f"SELECT id FROM issues WHERE state = 'writing' {where}AND (claimed_by = ? OR lease_until < "
                          f"{self.backend.now}) ORDER BY line LIMIT 1" + self.backend.skip_locked,
                          (*args, self.station)).fetchone()
            if r is None:
                return None
            t.execute(f"UPDATE issues SET claimed_by = ?, lease_until = {self._lease_sql()}, station = ?, operator = ?, "
                      f"updated_at = {self.backend.now} WHERE id = ?", (self.station, self.station, self.operator, r[0]))
        return self.get(r[0])

    def _claimed(self, t: Any, row: IssueRow, sets: str, args: tuple[Any, ...]) -> None:
        n = t.execute(f"UPDATE issues SET {sets}, updated_at = {self.backend.now} WHERE id = ? AND state = 'writing' "
                      "AND claimed_by = ? AND attempts = ?", (*args, row.id, self.station, row.attempts)).rowcount
        if n != 1:
            raise LedgerError(f"issue {row.id}: this station no longer holds its claim (lease ran out and another "
                              "station took it over)")

    def renew(self, row: IssueRow) -> None:
        """Extend this station's lease on the row. Raises LedgerError when the claim was lost."""
        with self.backend.tx() as t:
            self._claimed(t, row, f"lease_until = {self._lease_sql()}", ())

    def touch(self, row: IssueRow, *, expected_sod: bytes, ds_certificate_der: bytes, ds_subject: str,
              artifact: str) -> None:
        """Committed before the first perso command: the card is touched; its SOD hash, DS and artifact are known."""
        fp = hashlib.sha256(ds_certificate_der).hexdigest()
        with self.backend.tx() as t:
            if t.execute("SELECT 1 FROM ds_certificates WHERE fingerprint = ?", (fp,)).fetchone() is None:
                t.execute("INSERT INTO ds_certificates VALUES (?, ?, ?)", (fp, ds_subject, ds_certificate_der))
            self._claimed(t, row, f"card_touched = ?, expected_sod_hash = ?, ds_certificate = ?, artifact = ?, "
                                  f"lease_until = {self._lease_sql()}",
                          (True, hashlib.sha256(expected_sod).hexdigest(), fp, artifact))

    def issued(self, row: IssueRow) -> IssueRow:
        """writing -> issued (the card exists); the person's earlier valid card is withdrawn in the same transaction.

        Raises:
            LedgerError: the claim was lost, or the person holds a valid card and this issue is a ``first``.
        """
        now = self.backend.now
        with self.backend.tx() as t:
            cur = t.execute("SELECT expected_sod_hash, person_key, issue_reason, issue_number FROM issues WHERE id = ? "
                            "AND state = 'writing' AND claimed_by = ? AND attempts = ? AND card_touched = ?",
                            (row.id, self.station, row.attempts, True)).fetchone()
            if cur is None or cur[0] is None:
                raise LedgerError(f"issue {row.id}: this station no longer holds its claim")
            sod_hash, person, reason, number = cur
            if reason != "first":
                t.execute(f"UPDATE issues SET state = ?, withdrawn_at = {now}, withdrawn_reason = ?, reason = ?, "
                          f"updated_at = {now} WHERE person_key = ? AND state = 'issued'",
                          (WITHDRAWN_STATE[reason], reason, f"replaced by issue {number} ({reason})", person))
            self._claimed(t, row, f"state = 'issued', sod_hash = ?, issued_at = {now}", (sod_hash,))
        out = self.get(row.id)
        assert out is not None
        return out

    def spoil(self, row: IssueRow, reason: str) -> None:
        """Log the touched card of this attempt for destruction (it will never be issued)."""
        with self.backend.tx() as t:
            t.execute("INSERT INTO spoiled_cards (issue_id, attempt, station, operator, sod_hash, artifact, reason, at) "
                      f"VALUES (?, ?, ?, ?, ?, ?, ?, {self.backend.now})",
                      (row.id, row.attempts, self.station, self.operator, row.expected_sod_hash, row.artifact, reason))

    def release(self, row: IssueRow, reason: str) -> None:
        """writing -> pending: the record gets a new card (this one was untouched, or spoiled and logged)."""
        with self.backend.tx() as t:
            self._claimed(t, row, "state = 'pending', reason = ?, card_touched = ?, claimed_by = NULL, "
                                  "lease_until = NULL, expected_sod_hash = NULL", (reason, False))

    def reject(self, row: IssueRow, reason: str, *, code: str, retryable: bool = False) -> None:
        """pending or (this station's) writing -> rejected, keeping the reason."""
        with self.backend.tx() as t:
            if row.state == "writing":
                self._claimed(t, row, "state = 'rejected', reason = ?, reason_code = ?, retryable = ?, "
                                      "lease_until = NULL", (reason, code, retryable))
            else:
                n = t.execute(f"UPDATE issues SET state = 'rejected', reason = ?, reason_code = ?, retryable = ?, "
                              f"station = ?, operator = ?, updated_at = {self.backend.now} WHERE id = ? AND "
                              "state = 'pending'", (reason, code, retryable, self.station, self.operator,
                                                    row.id)).rowcount
                if n != 1:
                    raise LedgerError(f"issue {row.id}: no longer pending")

    # --- queries ---------------------------------------------------------------------

    def counts(self, batch: str | None = None) -> dict[str, int]:
        """Number of rows in each state (of one batch, or all)."""
        where, args = _where(batch=batch)
        out = dict.fromkeys(STATES, 0)
        for state, n in self.backend.query("SELECT state, COUNT(*) FROM issues" + where + " GROUP BY state", args):
            out[state] = int(n)
        return out

    def events(self, issue_id: int) -> list[tuple[str | None, str, str | None]]:
        """The (from, to, reason) history of an issue, oldest first."""
        return [tuple(r) for r in self.backend.query(  # type: ignore[misc]
            "SELECT from_state, to_state, reason FROM events WHERE issue_id = ? ORDER BY id", (issue_id,))]

    def spoiled(self, batch: str | None = None) -> list[tuple[int, int, str | None, str | None, str, str]]:
        """(issue id, attempt, station, artifact, reason, at) of every card logged for destruction."""
        sql = ("SELECT s.issue_id, s.attempt, s.station, s.artifact, s.reason, s.at FROM spoiled_cards s "
               "JOIN issues i ON i.id = s.issue_id")
        args: tuple[Any, ...] = ()
        if batch is not None:
            sql, args = sql + " WHERE i.batch = ?", (batch,)
        return [tuple(r) for r in self.backend.query(sql + " ORDER BY s.id", args)]  # type: ignore[misc]

    def withdrawn(self, since: str | None = None) -> list[IssueRow]:
        """Cards no longer valid (superseded or revoked), oldest withdrawal first; ``since``: ISO date or time, UTC."""
        sql = _SELECT + " WHERE state IN ('superseded', 'revoked')"
        args: tuple[Any, ...] = ()
        if since:
            sql, args = sql + " AND withdrawn_at >= ?", (since,)
        return [IssueRow.from_row(r) for r in self.backend.query(sql + " ORDER BY withdrawn_at, id", args)]

    def check_integrity(self, artifact_sod: Any = None) -> list[str]:
        """Every inconsistency found (empty when sound): the engine's own check, each history against the
        state machine, one valid card per person, and (given ``artifact_sod(name) -> bytes | None``, the
        EF.SOD of a saved card) that every issued card's artifact exists with the SOD hash recorded."""
        problems = list(self.backend.integrity())
        history: dict[int, list[tuple[str | None, str]]] = {}
        for issue_id, frm, to in self.backend.query("SELECT issue_id, from_state, to_state FROM events ORDER BY id"):
            history.setdefault(int(issue_id), []).append((frm, to))
        for row in self.rows():
            hist = history.get(row.id, [])
            if not hist or hist[0][0] is not None:
                problems.append(f"issue {row.id}: history does not start with its registration")
                continue
            for (_, prev_to), (frm, _to) in zip(hist, hist[1:]):
                if frm != prev_to:
                    problems.append(f"issue {row.id}: history jumps from {prev_to} to {frm}")
            if hist[-1][1] != row.state:
                problems.append(f"issue {row.id}: state {row.state} but history ends in {hist[-1][1]}")
            if sum(1 for _, to in hist if to == "issued") > 1:
                problems.append(f"issue {row.id}: issued more than once")
            if artifact_sod is not None and row.state in ("issued", "superseded", "revoked"):
                sod = artifact_sod(row.artifact)
                if sod is None:
                    problems.append(f"issue {row.id} (batch {row.batch}, line {row.line}): card artifact "
                                    f"{row.artifact} is missing")
                elif hashlib.sha256(sod).hexdigest() != row.sod_hash:
                    problems.append(f"issue {row.id} (batch {row.batch}, line {row.line}): card artifact "
                                    f"{row.artifact} holds another EF.SOD than the one recorded")
        for person, n in self.backend.query("SELECT person_key, COUNT(*) FROM issues WHERE state = 'issued' "
                                            "GROUP BY person_key HAVING COUNT(*) > 1"):
            problems.append(f"a person holds {n} valid cards (issues of {person})")
        return problems


def _where(**conds: Any) -> tuple[str, tuple[Any, ...]]:
    parts = [(f"{k} = ?", v) for k, v in conds.items() if v is not None]
    if not parts:
        return "", ()
    return " WHERE " + " AND ".join(p for p, _ in parts), tuple(v for _, v in parts)
