"""Benchmark: cards per minute with 1, 2 and 4 stations on one PostgreSQL ledger against one station on
SQLite (simulated chips), and the ledger's cost per card against the bare DS signature.

Each station is a real ``cardkit personalise --batch`` process; the PostgreSQL server is a throwaway
cluster (initdb into a temp dir, Unix socket only, as the tests make it). On a 2-core machine the
chips, the signing and the database share the same cores, so more stations than cores cannot help:
the figures say how far the ledger itself is from being the bottleneck.

Run: .venv/bin/python benchmarks/bench_stations.py [--cards N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cardkit.production.ledger import IssueRequest, Ledger, request_key  # noqa: E402
from tests.production._helpers import PASSPHRASE, cvca_file, ds_folder, small_face, write_vn_csv  # noqa: E402
from tests.support.perso import sample_record  # noqa: E402
from tests.support.pki import make_pki  # noqa: E402
from tests.support.postgres import postgres_available, throwaway_cluster  # noqa: E402


def stations(n: int, ledger: str, name: str, ds: Path, out: Path, env: dict[str, str]) -> float:
    """Seconds for ``n`` stations to personalise the whole batch."""
    t = time.perf_counter()
    args = ["personalise", "--profile", "vn-cccd", "--batch", name, "--ledger", ledger, "--ds", str(ds),
            "--cvca", str(cvca_file(ds.parent / "cv")), "--sim", str(out), "--json"]
    procs = [subprocess.Popen([sys.executable, str(ROOT / "cli.py"), *args, "--station", f"s{i}"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for i in range(n)]
    for p in procs:
        _, err = p.communicate()
        if p.returncode != 0:
            raise SystemExit(err.decode())
    return time.perf_counter() - t


def ledger_cost(target: str, cards: int) -> float:
    """Median seconds of the four ledger transactions of one card (register, claim, touch, issued)."""
    times = []
    with Ledger(target, station="bench") as lg:
        lg.add_batch("cost", "vn-cccd", "bench", cards)
        for i in range(cards):
            t = time.perf_counter()
            lg.register(IssueRequest(request_key=request_key("cost", i, str(i)), batch="cost", line=i, kind="vn-citizen",
                                     record="{}", photo=None, person_key=f"P{i}", document_number=str(i),
                                     document_key=str(i), unique_document=False, issue_reason="first",
                                     capture_device=None))
            row = lg.claim("cost")
            lg.touch(row, expected_sod=b"sod", ds_certificate_der=b"\x30\x00", ds_subject="CN=bench", artifact=f"P{i}")
            lg.issued(row)
            times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cards", type=int, default=120, help="records in the batch (default 120)")
    args = ap.parse_args()
    why = postgres_available()
    if why is not None:
        raise SystemExit(f"bench_stations: {why}")
    pki = make_pki()
    sig = []
    for _ in range(200):
        t = time.perf_counter()
        pki.ds_signer.sign(b"x" * 64)
        sig.append(time.perf_counter() - t)
    bare = statistics.median(sig)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        face = small_face(tmp / "p", size=20_000)  # a face of realistic size: 20 KB

        def batch_file(run: int) -> Path:  # other people in every run: each batch issues first cards
            return write_vn_csv(tmp / f"b{run}.csv", [sample_record(run * 10_000 + i)
                                                      for i in range(1, args.cards + 1)], face)

        ds = ds_folder(pki, tmp / "ds")
        with throwaway_cluster() as cluster:
            env = {**os.environ, "PYTHONPATH": str(ROOT), "CARDKIT_PASSPHRASE": PASSPHRASE,
                   "PGPASSWORD": cluster.password}
            os.environ["PGPASSWORD"] = cluster.password
            print(f"{args.cards} VN cards (20 KB faces), simulated chips, {os.cpu_count()} cores; DS "
                  f"{pki.ds_signer.signature_algorithm}: bare signature {1000 * bare:.2f} ms\n")
            print(f"{'ledger':12} {'stations':>8} {'seconds':>8} {'cards/min':>10}")
            sq = str(tmp / "one.sqlite")
            subprocess.run([sys.executable, str(ROOT / "cli.py"), "batch", "load", "--ledger", sq, "--records",
                            str(batch_file(0)), "--batch", "b", "--profile", "vn-cccd"], cwd=ROOT, env=env, check=True,
                           capture_output=True)
            s = stations(1, sq, "b", ds, tmp / "sq", env)
            print(f"{'SQLite':12} {1:>8} {s:>8.1f} {60 * args.cards / s:>10.1f}")
            for n in (1, 2, 4):
                name = f"b{n}"
                subprocess.run([sys.executable, str(ROOT / "cli.py"), "batch", "load", "--ledger", cluster.url,
                                "--records", str(batch_file(n)), "--batch", name, "--profile", "vn-cccd"], cwd=ROOT,
                               env=env, check=True, capture_output=True)
                s = stations(n, cluster.url, name, ds, tmp / f"pg{n}", env)
                print(f"{'PostgreSQL':12} {n:>8} {s:>8.1f} {60 * args.cards / s:>10.1f}")
            print("\nledger cost per card (register, claim, touch, issued: four transactions)")
            for label, target in (("SQLite", str(tmp / "cost.sqlite")), ("PostgreSQL", cluster.url)):
                c = ledger_cost(target, 100)
                print(f"{label:12} {1000 * c:8.2f} ms  = {c / bare:6.1f} x the bare DS signature")


if __name__ == "__main__":
    main()
