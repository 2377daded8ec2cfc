"""The ledger on a real PostgreSQL: schema, rules in the database, faults, stations sharing one batch."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cardkit.errors import LedgerError, LedgerUnavailableError
from cardkit.production.ledger import Ledger, campaign_report
from simulators.emrtd import EmrtdChip
from tests.production._helpers import PASSPHRASE, ROOT, cvca_file, ds_folder, small_face, verdict, write_vn_csv
from tests.support.perso import sample_record
from tests.support.postgres import PsqlError, pg_cluster  # noqa: F401  (fixture)
from tests.support.cli import run_cli as run


@pytest.fixture
def pg(pg_cluster, monkeypatch):  # noqa: F811
    monkeypatch.setenv("PGPASSWORD", pg_cluster.password)
    return pg_cluster


def test_migrate_rules_and_faults(pg, tmp_path, monkeypatch):
    code, out, err = run("ledger", "migrate", "--ledger", pg.url)
    assert code == 0 and "created" in out, err
    assert run("ledger", "migrate", "--ledger", pg.url)[1].strip().endswith("up to date")
    with pytest.raises(PsqlError, match="illegal state transition"):
        pg.psql("INSERT INTO batches VALUES ('b', 'vn-cccd', 's', 't', 1); INSERT INTO issues (request_key, batch, "
                "line, person_key, state, created_at, updated_at) VALUES ('k', 'b', 1, 'p', 'pending', 't', 't'); "
                "UPDATE issues SET state = 'issued'")
    pg.psql("INSERT INTO batches VALUES ('b', 'vn-cccd', 's', 't', 1); INSERT INTO issues (request_key, batch, "
            "line, person_key, state, created_at, updated_at) VALUES ('k', 'b', 1, 'p', 'pending', 't', 't')")
    assert pg.psql("SELECT to_state FROM events").split() == ["pending"]  # the trigger wrote the history
    for sql in ("DELETE FROM events", "DELETE FROM issues", "UPDATE events SET reason = 'x'"):
        with pytest.raises(PsqlError, match="history is append-only|never deleted"):
            pg.psql(sql)
    # a password in the URL is refused before anything connects, and never echoed
    code, _, err = run("ledger", "report", "--ledger", pg.url.replace("cardkit@", "cardkit:s3cret@"))
    assert code == 2 and "PGPASSWORD" in err and "s3cret" not in err
    monkeypatch.setenv("PGPASSWORD", "wrong-password")
    code, _, err = run("ledger", "report", "--ledger", pg.url)
    assert code == 6 and "password authentication failed" in err and "wrong-password" not in err
    assert len(err.strip().splitlines()) == 1
    monkeypatch.setenv("PGPASSWORD", pg.password)
    pg.psql("UPDATE meta SET value = '7' WHERE key = 'schema_version'")
    code, _, err = run("ledger", "report", "--ledger", pg.url)
    assert code == 2 and "schema version 7; this cardkit knows version 2" in err
    pg.stop("fast")
    code, _, err = run("ledger", "report", "--ledger", pg.url)
    assert code == 6 and "cannot connect" in err and len(err.strip().splitlines()) == 1
    pg.start()


def _station(args: list, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(ROOT / "cli.py"), *map(str, args)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _env(pg) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CARDKIT_PASSPHRASE": PASSPHRASE, "PGPASSWORD": pg.password}
    env.pop("CARDKIT_FAULT_KILL_AT", None)
    return env


def _sod(path: Path) -> bytes | None:
    if not path.is_file():
        return None
    sod = EmrtdChip.load(path).files.get(0x011D)
    return bytes(sod) if sod is not None else None


def test_four_stations_share_a_200_record_batch_through_sigkills(pg, pki, tmp_path):
    """Four station processes, SIGKILLed at random moments and restarted: every record issued exactly once,
    no card doubled, the report's totals equal the cards that exist; the same batch on SQLite with one
    station gives the same cards and the same report."""
    t0 = time.monotonic()
    n = 200
    face = small_face(tmp_path / "photos")
    records = [sample_record(i) for i in range(1, n + 1)]
    batch_file = write_vn_csv(tmp_path / "day-1.csv", records, face)
    ds = ds_folder(pki, tmp_path / "ds")
    out = tmp_path / "cards"
    cvca = cvca_file(tmp_path)
    env = _env(pg)
    code, out_text, err = run("batch", "load", "--ledger", pg.url, "--records", batch_file, "--batch", "day-1",
                              "--profile", "vn-cccd", "--json")
    assert code == 0, err
    assert json.loads(out_text)["pending"] == n
    rng = random.Random(1404)

    def args(station: str) -> list:
        return ["personalise", "--profile", "vn-cccd", "--batch", "day-1", "--ledger", pg.url, "--ds", ds, "--sim", out,
                "--cvca", cvca, "--station", station, "--operator", f"op-{station}", "--lease", "10", "--json"]

    stations = {f"st-{i}": _station(args(f"st-{i}"), env) for i in range(1, 5)}
    kills = 0
    deadline = time.monotonic() + 400
    while stations and time.monotonic() < deadline:
        time.sleep(rng.uniform(0.3, 1.2))
        name = rng.choice(sorted(stations))
        p = stations[name]
        if p.poll() is None and kills < 6:
            p.send_signal(signal.SIGKILL)
            p.communicate()
            kills += 1
            stations[name] = _station(args(name), env)  # the same station, restarted
            continue
        for k, q in list(stations.items()):
            if q.poll() is not None:
                stdout, stderr = q.communicate()
                assert q.returncode in (0, -signal.SIGKILL), stderr.decode()
                del stations[k]
    assert not stations, "stations did not finish"
    # a last pass after every lease has run out: nothing may be left in writing
    time.sleep(10.5)
    p = _station(args("st-1"), env)
    _, stderr = p.communicate(timeout=300)
    assert p.returncode == 0, stderr.decode()
    with Ledger(pg.url, create=False) as lg:
        rows = lg.rows(batch="day-1")
        assert len(rows) == n and all(r.state == "issued" for r in rows), lg.counts("day-1")
        assert lg.check_integrity(artifact_sod=lambda a: _sod(out / f"{a}.image")) == []
        rep = campaign_report(lg, timezone="Asia/Ho_Chi_Minh", target_per_device=350, batch="day-1")
        spoiled = lg.spoiled("day-1")
    images = sorted(p.name for p in out.iterdir())
    assert images == sorted(f"VNM-{r.id_number}-1.image" for r in records)  # no card doubled, no temp file
    assert rep.cards == len(images) == n and sum(g.cards for g in rep.groups) == n
    for rec in records[::40]:
        assert verdict(out / f"VNM-{rec.id_number}-1.image", pki.trust, can=rec.can) == "GENUINE"
    (tmp_path / "report-pg.json").write_text(json.dumps(rep.to_dict(), indent=1))
    # one station on SQLite: the same cards, the same report totals
    sq_out = tmp_path / "cards-sqlite"
    p = _station(["personalise", "--profile", "vn-cccd", "--records", batch_file, "--batch", "day-1", "--ledger",
                  tmp_path / "one.sqlite", "--ds", ds, "--sim", sq_out, "--cvca", cvca, "--station", "solo", "--json"],
                 env)
    _, stderr = p.communicate(timeout=300)
    assert p.returncode == 0, stderr.decode()
    assert sorted(x.name for x in sq_out.iterdir()) == images
    with Ledger(tmp_path / "one.sqlite", create=False) as lg:
        solo = campaign_report(lg, timezone="Asia/Ho_Chi_Minh", batch="day-1")
    assert solo.cards == rep.cards and solo.states == rep.states and solo.rejections == rep.rejections
    print(f"\n4 stations x 200 records on PostgreSQL with {kills} SIGKILLs ({len(spoiled)} cards to destroy), "
          f"then the same on SQLite: {time.monotonic() - t0:.1f} s")


def _issued_so_far(pg) -> int:
    """Cards the ledger calls issued now (0 before the station has made the schema)."""
    try:
        return int(pg.psql("SELECT count(*) FROM issues WHERE state = 'issued'").strip() or 0)
    except RuntimeError:
        return 0


def test_database_stopped_mid_batch_then_started_again(pg, pki, tmp_path):
    n = 60
    records = [sample_record(i) for i in range(1, n + 1)]
    batch_file = write_vn_csv(tmp_path / "b.csv", records, small_face(tmp_path / "p"))
    ds = ds_folder(pki, tmp_path / "ds")
    env = _env(pg)
    args = ["personalise", "--profile", "vn-cccd", "--records", batch_file, "--ledger", pg.url, "--ds", ds, "--sim",
            tmp_path / "cards", "--cvca", cvca_file(tmp_path), "--station", "s1", "--json"]
    p = _station(args, env)
    deadline = time.monotonic() + 120
    while _issued_so_far(pg) < 3:  # mid-batch: some cards issued, most not yet (each poll is one psql run)
        assert p.poll() is None and time.monotonic() < deadline, "the station stopped before its third card"
    pg.stop("immediate")
    _, stderr = p.communicate(timeout=120)
    lines = [ln for ln in stderr.decode().splitlines() if ln.strip()]
    assert p.returncode == 6, stderr.decode()
    assert len(lines) == 1 and "ledger database" in lines[0] and "re-run" in lines[0]
    pg.start()
    p = _station(args, env)
    stdout, stderr = p.communicate(timeout=300)
    assert p.returncode == 0, stderr.decode()
    with Ledger(pg.url, create=False) as lg:
        assert lg.counts("b.csv")["issued"] == n
        assert lg.check_integrity(artifact_sod=lambda a: _sod(tmp_path / "cards" / f"{a}.image")) == []
    assert len(list((tmp_path / "cards").iterdir())) == n
