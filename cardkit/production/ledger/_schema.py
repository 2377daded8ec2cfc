"""The ledger's schema, version 2, for SQLite and PostgreSQL: the rules live in the database.

One row of ``issues`` is one card issue of one person: (person_key, issue_number). What the database
itself refuses, in both engines:
- a state change not in ``transitions`` (a trigger checks every UPDATE of ``state``); an insert in any
  state but pending or rejected; any change to an issued card but its withdrawal; any DELETE;
- a second valid card of a person (partial UNIQUE index on person_key where state = 'issued'), a second
  issue in progress for a person, two rows for one request (batch, line, content), a repeated document
  number where the profile says numbers are unique;
- an issued row without its SOD hash, DS certificate, artifact name and time; a rejected row without reason.
``events`` is written by a trigger on every state change (so the history cannot be forgotten) and,
like ``spoiled_cards``, can only grow. Times are UTC text, ISO 8601 with milliseconds, from the
database's clock (``NOW``), so stations with skewed clocks still agree on leases.
"""

from __future__ import annotations

__all__ = ["SCHEMA_VERSION", "STATES", "TRANSITIONS", "sqlite_ddl", "postgres_ddl", "NOW", "FINAL_STATES"]

SCHEMA_VERSION = 2
STATES = ("pending", "writing", "issued", "rejected", "superseded", "revoked")
FINAL_STATES = ("issued", "superseded", "revoked")
TRANSITIONS: frozenset[tuple[str, str]] = frozenset({
    ("pending", "writing"),     # a station claims the record (lease)
    ("pending", "rejected"),    # a rule refuses it before any card
    ("writing", "issued"),      # the card exists, verified (and saved): the only way to a valid card
    ("writing", "pending"),     # untouched card, or a spoiled card logged: write a new one
    ("writing", "rejected"),    # the card failed and no retry is left (the card is logged for destruction)
    ("rejected", "pending"),    # a re-run retries a card failure on a fresh card
    ("issued", "superseded"),   # a reissue for damage, changed data or renewal
    ("issued", "revoked"),      # a reissue for a lost or stolen card
})

# the database clock as the ledger's text form (UTC, milliseconds)
NOW = {
    "sqlite": "strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')",
    "postgres": "to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"+00:00\"')",
}

_STATE_LIST = ", ".join(f"'{s}'" for s in STATES)
_FROZEN = ("person_key", "issue_number", "request_key", "document_number", "sod_hash", "ds_certificate",
           "artifact", "issued_at", "station", "operator", "batch", "line")

_TABLES = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE transitions (from_state TEXT NOT NULL, to_state TEXT NOT NULL, PRIMARY KEY (from_state, to_state));
CREATE TABLE ds_certificates (fingerprint TEXT PRIMARY KEY, subject TEXT NOT NULL, der {blob} NOT NULL);
CREATE TABLE batches (
    name TEXT PRIMARY KEY,
    profile TEXT NOT NULL,
    source TEXT NOT NULL,
    loaded_at TEXT NOT NULL,
    records INTEGER NOT NULL
);
CREATE TABLE issues (
    id {serial} PRIMARY KEY,
    request_key TEXT NOT NULL UNIQUE,
    batch TEXT NOT NULL REFERENCES batches(name),
    line INTEGER NOT NULL,
    kind TEXT,
    record TEXT,
    photo {blob},
    person_key TEXT,
    issue_number INTEGER,
    document_number TEXT,
    document_key TEXT,
    unique_document {bool} NOT NULL DEFAULT {false},
    issue_reason TEXT NOT NULL DEFAULT 'first'
        CHECK (issue_reason IN ('first', 'lost', 'stolen', 'damaged', 'changed', 'renewal')),
    capture_device TEXT,
    state TEXT NOT NULL CHECK (state IN ({states})),
    reason TEXT,
    reason_code TEXT,
    retryable {bool} NOT NULL DEFAULT {false},
    attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    card_touched {bool} NOT NULL DEFAULT {false},
    claimed_by TEXT,
    lease_until TEXT,
    expected_sod_hash TEXT,
    artifact TEXT,
    sod_hash TEXT,
    ds_certificate TEXT REFERENCES ds_certificates(fingerprint),
    station TEXT,
    operator TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    issued_at TEXT,
    withdrawn_at TEXT,
    withdrawn_reason TEXT,
    UNIQUE (person_key, issue_number),
    CHECK (person_key IS NOT NULL OR state = 'rejected'),
    CHECK (state NOT IN ('issued', 'superseded', 'revoked') OR (sod_hash IS NOT NULL AND ds_certificate IS NOT NULL
           AND issued_at IS NOT NULL AND artifact IS NOT NULL AND person_key IS NOT NULL)),
    CHECK (state NOT IN ('superseded', 'revoked') OR (withdrawn_at IS NOT NULL AND withdrawn_reason IS NOT NULL)),
    CHECK (state != 'rejected' OR reason IS NOT NULL),
    CHECK (state != 'writing' OR (claimed_by IS NOT NULL AND lease_until IS NOT NULL))
);
CREATE UNIQUE INDEX one_valid_card_per_person ON issues (person_key) WHERE state = 'issued';
CREATE UNIQUE INDEX one_open_issue_per_person ON issues (person_key) WHERE state IN ('pending', 'writing');
CREATE UNIQUE INDEX unique_document_numbers ON issues (document_key)
    WHERE state IN ('issued', 'writing') AND unique_document = {true};
CREATE INDEX issues_claim ON issues (batch, state, line);
CREATE INDEX issues_issued_at ON issues (issued_at);
CREATE TABLE events (
    id {serial} PRIMARY KEY,
    issue_id INTEGER NOT NULL REFERENCES issues(id),
    from_state TEXT,
    to_state TEXT NOT NULL,
    reason TEXT,
    station TEXT,
    operator TEXT,
    at TEXT NOT NULL
);
CREATE INDEX events_issue ON events (issue_id);
CREATE TABLE spoiled_cards (
    id {serial} PRIMARY KEY,
    issue_id INTEGER NOT NULL REFERENCES issues(id),
    attempt INTEGER NOT NULL,
    station TEXT,
    operator TEXT,
    sod_hash TEXT,
    artifact TEXT,
    reason TEXT NOT NULL,
    at TEXT NOT NULL
);
"""

_SQLITE_TRIGGERS = (
    "CREATE TRIGGER issues_insert BEFORE INSERT ON issues WHEN NEW.state NOT IN ('pending', 'rejected') "
    "BEGIN SELECT RAISE(ABORT, 'cardkit ledger: a new issue starts pending or rejected'); END",
    "CREATE TRIGGER issues_transition BEFORE UPDATE ON issues WHEN NEW.state != OLD.state AND NOT EXISTS "
    "(SELECT 1 FROM transitions WHERE from_state = OLD.state AND to_state = NEW.state) "
    "BEGIN SELECT RAISE(ABORT, 'cardkit ledger: illegal state transition'); END",
    "CREATE TRIGGER issues_history BEFORE UPDATE ON issues "
    "WHEN OLD.state IN ('issued', 'superseded', 'revoked') AND (NEW.state = OLD.state OR {changed}) "
    "BEGIN SELECT RAISE(ABORT, 'cardkit ledger: an issued card is history and cannot be rewritten'); END",
    "CREATE TRIGGER issues_no_delete BEFORE DELETE ON issues "
    "BEGIN SELECT RAISE(ABORT, 'cardkit ledger: history is never deleted'); END",
    "CREATE TRIGGER issues_event_insert AFTER INSERT ON issues "
    "BEGIN INSERT INTO events (issue_id, from_state, to_state, reason, station, operator, at) "
    "VALUES (NEW.id, NULL, NEW.state, NEW.reason, NEW.station, NEW.operator, NEW.updated_at); END",
    "CREATE TRIGGER issues_event_update AFTER UPDATE OF state ON issues WHEN NEW.state != OLD.state "
    "BEGIN INSERT INTO events (issue_id, from_state, to_state, reason, station, operator, at) "
    "VALUES (NEW.id, OLD.state, NEW.state, NEW.reason, NEW.station, NEW.operator, NEW.updated_at); END",
    "CREATE TRIGGER events_no_update BEFORE UPDATE ON events "
    "BEGIN SELECT RAISE(ABORT, 'cardkit ledger: history is append-only'); END",
    "CREATE TRIGGER events_no_delete BEFORE DELETE ON events "
    "BEGIN SELECT RAISE(ABORT, 'cardkit ledger: history is append-only'); END",
    "CREATE TRIGGER spoiled_no_update BEFORE UPDATE ON spoiled_cards "
    "BEGIN SELECT RAISE(ABORT, 'cardkit ledger: history is append-only'); END",
    "CREATE TRIGGER spoiled_no_delete BEFORE DELETE ON spoiled_cards "
    "BEGIN SELECT RAISE(ABORT, 'cardkit ledger: history is append-only'); END",
)

_PG_RAISE = "RAISE EXCEPTION '{text}' USING ERRCODE = 'integrity_constraint_violation';"
_POSTGRES_TRIGGERS = (
    "CREATE FUNCTION cardkit_issue_rules() RETURNS trigger LANGUAGE plpgsql AS $$\n"
    "BEGIN\n"
    "    IF TG_OP = 'DELETE' THEN " + _PG_RAISE.format(text="cardkit ledger: history is never deleted") + " END IF;\n"
    "    IF TG_OP = 'INSERT' THEN\n"
    "        IF NEW.state NOT IN ('pending', 'rejected') THEN "
    + _PG_RAISE.format(text="cardkit ledger: a new issue starts pending or rejected") + " END IF;\n"
    "        RETURN NEW;\n"
    "    END IF;\n"
    "    IF NEW.state <> OLD.state AND NOT EXISTS "
    "(SELECT 1 FROM transitions WHERE from_state = OLD.state AND to_state = NEW.state) THEN "
    + _PG_RAISE.format(text="cardkit ledger: illegal state transition") + " END IF;\n"
    "    IF OLD.state IN ('issued', 'superseded', 'revoked') AND (NEW.state = OLD.state OR {changed}) THEN "
    + _PG_RAISE.format(text="cardkit ledger: an issued card is history and cannot be rewritten") + " END IF;\n"
    "    RETURN NEW;\n"
    "END $$",
    "CREATE TRIGGER issues_rules BEFORE INSERT OR UPDATE OR DELETE ON issues "
    "FOR EACH ROW EXECUTE FUNCTION cardkit_issue_rules()",
    "CREATE FUNCTION cardkit_issue_event() RETURNS trigger LANGUAGE plpgsql AS $$\n"
    "BEGIN\n"
    "    IF TG_OP = 'INSERT' OR NEW.state <> OLD.state THEN\n"
    "        INSERT INTO events (issue_id, from_state, to_state, reason, station, operator, at)\n"
    "        VALUES (NEW.id, CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE OLD.state END, NEW.state, NEW.reason,\n"
    "                NEW.station, NEW.operator, NEW.updated_at);\n"
    "    END IF;\n"
    "    RETURN NULL;\n"
    "END $$",
    "CREATE TRIGGER issues_event AFTER INSERT OR UPDATE ON issues FOR EACH ROW EXECUTE FUNCTION cardkit_issue_event()",
    "CREATE FUNCTION cardkit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$\n"
    "BEGIN " + _PG_RAISE.format(text="cardkit ledger: history is append-only") + " END $$",
    "CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events "
    "FOR EACH ROW EXECUTE FUNCTION cardkit_append_only()",
    "CREATE TRIGGER spoiled_append_only BEFORE UPDATE OR DELETE ON spoiled_cards "
    "FOR EACH ROW EXECUTE FUNCTION cardkit_append_only()",
)


def _changed(distinct: str) -> str:
    return " OR ".join(f"NEW.{c} {distinct} OLD.{c}" for c in _FROZEN)


def _statements(text: str) -> list[str]:
    return [s.strip() for s in text.split(";\n") if s.strip()]


def _transition_rows() -> list[str]:
    return [f"INSERT INTO transitions VALUES ('{a}', '{b}')" for a, b in sorted(TRANSITIONS)]


def sqlite_ddl() -> list[str]:
    """The schema's statements for SQLite."""
    tables = _TABLES.format(blob="BLOB", serial="INTEGER", bool="INTEGER", false="0", true="1", states=_STATE_LIST)
    changed = _changed("IS NOT")
    return _statements(tables) + [t.replace("{changed}", changed) for t in _SQLITE_TRIGGERS] + _transition_rows()


def postgres_ddl() -> list[str]:
    """The schema's statements for PostgreSQL."""
    tables = _TABLES.format(blob="BYTEA", serial="BIGINT GENERATED ALWAYS AS IDENTITY", bool="BOOLEAN",
                            false="FALSE", true="TRUE", states=_STATE_LIST).replace("issue_id INTEGER", "issue_id BIGINT")
    changed = _changed("IS DISTINCT FROM")
    return _statements(tables) + [t.replace("{changed}", changed) for t in _POSTGRES_TRIGGERS] + _transition_rows()
