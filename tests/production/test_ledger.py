"""The issuance ledger: transitions, uniqueness, crash recovery with a killed process, the report."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cardkit.errors import LedgerError
from cardkit.production.ledger import INTERRUPTED_REASON, STATES, TRANSITIONS, Ledger, default_ledger_path

CERT = b"\x30\x03\x02\x01\x01"  # stands for a DS certificate's DER; the ledger only fingerprints it


@pytest.fixture
def ledger(tmp_path: Path):
    with Ledger(tmp_path / "l.sqlite", station="st-1", operator="op-a") as lg:
        yield lg


def issue(lg: Ledger, doc: str, person: str | None = None) -> None:
    lg.register(doc, person or "P" + doc, "b1")
    lg.begin_card(doc)
    lg.card_touched(doc)
    lg.issued(doc, ds_certificate_der=CERT, ds_subject="CN=DS", sod=b"sod-" + doc.encode())


def test_wal_mode_by_default_and_optional(tmp_path: Path):
    with Ledger(tmp_path / "a.sqlite") as lg:
        assert lg.journal_mode == "wal"
    with Ledger(tmp_path / "b.sqlite", wal=False) as lg:
        assert lg.journal_mode == "delete"


def test_default_path_next_to_batch(tmp_path: Path):
    assert default_ledger_path(tmp_path / "x" / "vn.csv") == tmp_path / "x" / "vn.ledger.sqlite"


def test_happy_path_keeps_everything(ledger: Ledger):
    issue(ledger, "D1")
    e = ledger.get("D1")
    assert e.state == "issued" and e.station == "st-1" and e.operator == "op-a"
    assert e.sod_hash is not None and len(e.sod_hash) == 64 and e.ds_certificate is not None
    assert e.issued_at and e.attempts == 1
    assert [h[1] for h in ledger.events("D1")] == ["pending", "writing", "issued"]
    assert ledger.check_integrity() == []


def test_transition_table_is_enforced(ledger: Ledger):
    ledger.register("D1", "P1", "b")
    with pytest.raises(LedgerError, match="cannot go from pending to issued"):
        ledger.issued("D1", ds_certificate_der=CERT, ds_subject="CN=DS", sod=b"x")
    issue(ledger, "D2")
    for bad in (lambda: ledger.rejected("D2", "late"), lambda: ledger.begin_card("D2")):
        with pytest.raises(LedgerError, match="cannot go from issued"):
            bad()
    assert ledger.get("D2").state == "issued"
    # every allowed pair exists in the table and nothing leaves issued
    assert all(a in STATES and b in STATES for a, b in TRANSITIONS)
    assert not any(a == "issued" for a, _ in TRANSITIONS)


def test_reject_keeps_reason_and_retry_reuses_the_row(ledger: Ledger):
    ledger.register("D1", "P1", "b1")
    ledger.begin_card("D1")
    ledger.card_touched("D1")
    ledger.rejected("D1", "card removed at APDU 7")
    assert ledger.get("D1").reason == "card removed at APDU 7"
    again = ledger.register("D1", "P1", "b2")
    assert again.state == "pending" and not again.card_touched and again.batch == "b2"
    ledger.begin_card("D1")
    ledger.card_touched("D1")
    ledger.issued("D1", ds_certificate_der=CERT, ds_subject="CN=DS", sod=b"s")
    assert ledger.get("D1").attempts == 2
    assert ledger.check_integrity() == []


def test_issued_is_returned_unchanged_on_register(ledger: Ledger):
    issue(ledger, "D1")
    assert ledger.register("D1", "PD1", "b9").state == "issued"


def test_document_number_of_another_person_is_refused(ledger: Ledger):
    ledger.register("D1", "P1", "b")
    with pytest.raises(LedgerError, match="another person"):
        ledger.register("D1", "P2", "b")


def test_one_issued_document_per_person_enforced_by_sqlite(ledger: Ledger):
    issue(ledger, "D1", "P1")
    assert ledger.issued_document_for("P1") == "D1"
    ledger.register("D2", "P1", "b")
    ledger.begin_card("D2")
    with pytest.raises(LedgerError, match="ledger refused writing -> issued"):
        ledger.issued("D2", ds_certificate_der=CERT, ds_subject="CN=DS", sod=b"s")
    assert ledger.get("D2").state == "writing"  # the failed transaction left nothing behind
    assert ledger.check_integrity() == []


def test_release_only_when_card_untouched(ledger: Ledger):
    ledger.register("D1", "P1", "b")
    ledger.begin_card("D1")
    assert ledger.release("D1", "HSM failed").state == "pending"
    ledger.begin_card("D1")
    ledger.card_touched("D1")
    with pytest.raises(LedgerError, match="reject it instead"):
        ledger.release("D1", "x")


def test_card_touched_needs_writing(ledger: Ledger):
    ledger.register("D1", "P1", "b")
    with pytest.raises(LedgerError, match="not being written"):
        ledger.card_touched("D1")


def test_recover(ledger: Ledger):
    for d in ("A", "B", "C"):
        ledger.register(d, "P" + d, "b")
        ledger.begin_card(d)
    ledger.card_touched("B")
    issue(ledger, "Z")
    changed = {e.document_number: e for e in ledger.recover()}
    assert set(changed) == {"A", "B", "C"}
    assert changed["A"].state == "pending" and changed["C"].state == "pending"
    assert changed["B"].state == "rejected" and changed["B"].reason == INTERRUPTED_REASON
    assert ledger.get("Z").state == "issued"
    assert ledger.check_integrity() == []


def test_integrity_check_finds_tampering(ledger: Ledger, tmp_path: Path):
    issue(ledger, "D1")
    ledger.register("D2", "P2", "b")
    raw = sqlite3.connect(tmp_path / "l.sqlite")
    raw.execute("UPDATE documents SET state = 'writing' WHERE document_number = 'D2'")
    raw.execute("INSERT INTO events (document_number, from_state, to_state, at) VALUES ('D1', 'issued', 'writing', 'x')")
    raw.commit()
    raw.close()
    problems = ledger.check_integrity()
    assert any("D2: state writing but history ends in pending" in p for p in problems)
    assert any("D1: illegal transition issued -> writing" in p for p in problems)


def test_schema_constraints(tmp_path: Path, ledger: Ledger):
    ledger.register("D1", "P1", "b")
    raw = sqlite3.connect(tmp_path / "l.sqlite")
    with pytest.raises(sqlite3.IntegrityError):
        raw.execute("UPDATE documents SET state = 'issued' WHERE document_number = 'D1'")  # no SOD hash
    with pytest.raises(sqlite3.IntegrityError):
        raw.execute("UPDATE documents SET state = 'gone'")
    raw.close()


def test_not_a_ledger(tmp_path: Path):
    f = tmp_path / "x.sqlite"
    f.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(LedgerError, match="not a usable ledger"):
        Ledger(f)


def test_report_counts_per_day_station_outcome(tmp_path: Path):
    path = tmp_path / "r.sqlite"
    with Ledger(path, station="st-1") as a:
        issue(a, "D1")
        issue(a, "D2")
        a.register("D3", "P3", "b")
        a.rejected("D3", "bad record")
    with Ledger(path, station="st-2") as b:
        issue(b, "D4")
        rows = b.report()
    day = rows[0][0]
    assert len(day) == 10 and day[4] == "-"
    assert sorted((s, o, n) for _, s, o, n in rows) == [("st-1", "issued", 2), ("st-1", "rejected", 1),
                                                        ("st-2", "issued", 1)]
    with Ledger(path) as c:
        assert c.counts() == {"pending": 0, "writing": 0, "issued": 3, "rejected": 1}


# --- a process killed mid-write ---------------------------------------------------

_WORKER = r"""
import sys, time
from cardkit.production.ledger import Ledger
lg = Ledger(sys.argv[1], station="killed")
i = 0
while True:
    d = f"K{i:05d}"
    lg.register(d, "P" + d, "b")
    lg.begin_card(d)
    lg.card_touched(d)
    if i % 2:
        lg.issued(d, ds_certificate_der=b"\x30\x00", ds_subject="CN=DS", sod=d.encode())
    else:
        lg.rejected(d, "bad")
    print(d, flush=True)
    i += 1
"""


@pytest.mark.parametrize("delay", [0.05, 0.2, 0.35])
def test_killed_process_leaves_a_consistent_ledger(tmp_path: Path, delay: float):
    path = tmp_path / "k.sqlite"
    Ledger(path).close()  # schema exists before the worker races
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    proc = subprocess.Popen([sys.executable, "-c", _WORKER, str(path)], stdout=subprocess.PIPE, env=env)
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    out, _ = proc.communicate()
    done = out.decode().split()
    with Ledger(path, station="killed") as lg:  # the same station, restarted
        assert lg.check_integrity() == []
        before = lg.counts()
        # every document reported done by the worker is settled as it said
        for d in done:
            assert lg.get(d).state == ("issued" if int(d[1:]) % 2 else "rejected")
        lg.recover()
        after = lg.counts()
        assert after["writing"] == 0
        assert after["issued"] == before["issued"]
        assert lg.check_integrity() == []
        # the one the worker was busy with, if any, is retryable and issues exactly once
        for e in lg.entries("pending") + [x for x in lg.entries("rejected") if x.reason == INTERRUPTED_REASON]:
            lg.register(e.document_number, e.person_id, "rerun")
            lg.begin_card(e.document_number)
            lg.card_touched(e.document_number)
            lg.issued(e.document_number, ds_certificate_der=b"\x30\x00", ds_subject="CN=DS", sod=b"x")
        assert lg.check_integrity() == []


def test_recover_leaves_other_stations_alone(tmp_path: Path):
    path = tmp_path / "shared.sqlite"
    with Ledger(path, station="A") as a, Ledger(path, station="B") as b:
        a.register("DA", "PA", "b")
        a.begin_card("DA")
        a.card_touched("DA")
        b.register("DB", "PB", "b")
        b.begin_card("DB")
        assert [e.document_number for e in b.recover()] == ["DB"]
        assert a.get("DA").state == "writing"  # A may be writing it right now
        a.issued("DA", ds_certificate_der=CERT, ds_subject="CN=DS", sod=b"s")
        b.register("DC", "PC", "b")
        b.begin_card("DC")
        assert [e.document_number for e in a.recover(all_stations=True)] == ["DC"]
        assert a.check_integrity() == []


def test_ledger_file_is_private_and_repr_hides_the_id(tmp_path: Path):
    import stat

    path = tmp_path / "p.sqlite"
    with Ledger(path) as lg:
        e = lg.register("D1", "001090123456", "b")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "001090123456" not in repr(e)
