"""The issuance ledger: the database enforces the state machine, identity, reissue, claims and leases."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from cardkit.errors import LedgerError
from cardkit.production.ledger import (SCHEMA_VERSION, STATES, TRANSITIONS, IssueRequest, Ledger, campaign_report,
                                       default_ledger_path, request_key)

CERT = b"\x30\x03\x02\x01\x01"  # stands for a DS certificate's DER; the ledger only fingerprints it


@pytest.fixture
def ledger(tmp_path: Path):
    with Ledger(tmp_path / "l.sqlite", station="st-1", operator="op-a") as lg:
        lg.add_batch("b1", "vn-cccd", "b1.csv", 10)
        yield lg


def req(person: str, line: int = 1, reason: str = "first", batch: str = "b1", device: str | None = "cam-1",
        doc: str | None = None) -> IssueRequest:
    doc = doc or person[-9:]
    return IssueRequest(request_key=request_key(batch, line, person + reason), batch=batch, line=line,
                        kind="vn-citizen", record="{}", photo=b"", person_key=person, document_number=doc,
                        document_key=f"VNM-{doc}", unique_document=False, issue_reason=reason, capture_device=device)


def issue(lg: Ledger, r: IssueRequest, sod: bytes = b"sod") -> int:
    row = lg.register(r)
    assert row.state == "pending", row.reason
    claimed = lg.claim(r.batch)
    assert claimed is not None and claimed.id == row.id
    lg.touch(claimed, expected_sod=sod, ds_certificate_der=CERT, ds_subject="CN=DS", artifact=f"{r.person_key}-x")
    lg.issued(lg.get(row.id))
    return row.id


def test_wal_mode_schema_version_and_default_path(tmp_path: Path, ledger: Ledger):
    assert ledger.journal_mode == "wal" and ledger.schema_version() == SCHEMA_VERSION
    assert default_ledger_path(tmp_path / "x" / "vn.csv") == tmp_path / "x" / "vn.ledger.sqlite"
    assert set(STATES) >= {a for a, _ in TRANSITIONS} | {b for _, b in TRANSITIONS}


def test_two_citizens_sharing_a_document_number_are_two_people(ledger: Ledger):
    a = issue(ledger, req("VNM-087080999154", 1))
    b = issue(ledger, req("VNM-001080999154", 2))
    assert ledger.get(a).document_number == ledger.get(b).document_number == "080999154"
    assert ledger.counts()["issued"] == 2 and ledger.check_integrity() == []


def test_reissue_revokes_or_supersedes_the_earlier_card(ledger: Ledger):
    first = issue(ledger, req("VNM-001090000001", 1))
    again = ledger.register(req("VNM-001090000001", 2))
    assert again.state == "rejected" and again.reason_code == "already issued" and "issue_reason" in again.reason
    lost = issue(ledger, req("VNM-001090000001", 3, "lost"))
    assert ledger.get(lost).issue_number == 2
    old = ledger.get(first)
    assert old.state == "revoked" and old.withdrawn_reason == "lost" and old.withdrawn_at
    renewed = issue(ledger, req("VNM-001090000001", 4, "renewal"))
    assert ledger.get(lost).state == "superseded" and ledger.get(renewed).issue_number == 3
    assert [r.id for r in ledger.withdrawn()] == [first, lost]
    assert ledger.withdrawn(since="2999-01-01") == []
    # the same request again is the same row: a re-run never makes a second reissue
    assert ledger.register(req("VNM-001090000001", 4, "renewal")).id == renewed
    assert [e[1] for e in ledger.events(first)] == ["pending", "writing", "issued", "revoked"]
    assert ledger.check_integrity() == []
    rep = campaign_report(ledger, timezone="Asia/Ho_Chi_Minh")
    assert rep.cards == 3 and rep.reissues == {"lost": 1, "renewal": 1}
    assert rep.withdrawn == {"revoked": 1, "superseded": 1} and rep.rejections == {"already issued": 1}


def test_one_issue_in_progress_per_person(ledger: Ledger):
    assert ledger.register(req("VNM-1", 1)).state == "pending"
    second = ledger.register(req("VNM-1", 2, "lost"))
    assert second.state == "rejected" and second.reason_code == "issue in progress"


@pytest.mark.parametrize("sql", [
    "UPDATE issues SET state = 'issued' WHERE id = 1",                       # pending -> issued: not a transition
    "DELETE FROM issues WHERE id = 1",                                      # history is never deleted
    "UPDATE events SET reason = 'x'",                                       # the history is append-only
    "DELETE FROM events",
    "INSERT INTO issues (request_key, batch, line, state, created_at, updated_at) VALUES ('k', 'b1', 9, 'issued', "
    "'t', 't')",                                                            # born issued
])
def test_the_database_itself_refuses(ledger: Ledger, tmp_path: Path, sql: str):
    ledger.register(req("VNM-2", 1))
    db = sqlite3.connect(tmp_path / "l.sqlite")
    with pytest.raises(sqlite3.DatabaseError, match="cardkit ledger|constraint"):
        db.execute(sql)
    db.close()


def test_an_issued_card_cannot_be_rewritten(ledger: Ledger, tmp_path: Path):
    issue(ledger, req("VNM-3", 1))
    db = sqlite3.connect(tmp_path / "l.sqlite")
    for sql in ("UPDATE issues SET sod_hash = 'forged'", "UPDATE issues SET state = 'pending'",
                "UPDATE issues SET person_key = 'VNM-4'"):
        with pytest.raises(sqlite3.DatabaseError, match="cardkit ledger"):
            db.execute(sql)
    db.close()


def test_claims_are_exclusive_and_leases_run_out(tmp_path: Path):
    path = tmp_path / "shared.sqlite"
    with Ledger(path, station="A", lease=10) as a, Ledger(path, station="B", lease=10) as b:
        a.add_batch("b1", "vn-cccd", "x", 2)
        a.register(req("VNM-5", 1))
        a.register(req("VNM-6", 2))
        ra, rb = a.claim("b1"), b.claim("b1")
        assert ra.line == 1 and rb.line == 2 and a.claim("b1") is None
        assert b.take_over("b1") is not None  # its own writing row: B restarted
        assert b.take_over("b1") is not None  # still B's own (the lease of A's row has not run out)
        b.release(b.get(rb.id), "test")
        db = sqlite3.connect(path)  # A's lease in the past: another station may take the row over
        db.execute("UPDATE issues SET lease_until = '2000-01-01T00:00:00.000+00:00' WHERE id = ?", (ra.id,))
        db.commit()
        db.close()
        taken = b.take_over("b1")
        assert taken.id == ra.id and taken.claimed_by == "B" and taken.attempts == ra.attempts
        with pytest.raises(LedgerError, match="no longer holds its claim"):
            a.renew(ra)


def test_other_schema_version_and_old_ledgers_are_refused(tmp_path: Path):
    path = tmp_path / "v.sqlite"
    Ledger(path).close()
    db = sqlite3.connect(path)
    db.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    db.commit()
    db.close()
    with pytest.raises(LedgerError, match="schema version 99; this cardkit knows version 2"):
        Ledger(path)
    old = tmp_path / "v1.sqlite"
    db = sqlite3.connect(old)
    db.execute("CREATE TABLE documents (document_number TEXT)")
    db.commit()
    db.close()
    with pytest.raises(LedgerError, match="version 1"):
        Ledger(old)
    garbage = tmp_path / "g.sqlite"
    garbage.write_bytes(b"not a database at all" * 100)
    with pytest.raises(LedgerError, match="not a usable ledger|file is not a database"):
        Ledger(garbage)
