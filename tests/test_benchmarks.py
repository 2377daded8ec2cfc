"""Every benchmark still runs against today's code: each is started with its smallest settings and must end
cleanly and print its figures. The numbers are not judged here (performance is measured, not asserted);
a benchmark that no longer runs is (two did once, after the vn-cccd profile gained Terminal Authentication).

The ones that need pcscd run without it (``--no-pcsc``); bench_stations starts its own PostgreSQL and is
skipped where there is none. Two are not run here, each for its reason in ``NOT_RUN``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.postgres import postgres_available

ROOT = Path(__file__).resolve().parent.parent

# benchmark, smallest arguments, words its output must hold
RUNS = [
    ("bench_ec", ["--runs", "2"], ["brainpoolP256r1", "PACE-GM"]),
    ("bench_images", ["--runs", "1"], ["face.png", "face.jpg"]),
    ("bench_read", ["--runs", "1", "--no-pcsc"], ["APDUs", "more than DG2 can hold"]),
    ("bench_ta", ["--runs", "1", "--no-pcsc"], ["TA adds", "PASSED"]),
    ("bench_verify", ["--runs", "10", "--no-pcsc"], ["crypto floor", "APDUs"]),
    ("bench_audit", ["--docs", "6", "--repeat", "1", "--no-cli", "--key", "ec-p256"], ["audit", "raw"]),
    ("bench_personalise", ["--cards", "1"], ["vn-cccd", "icao-td3", "minimum"]),
    ("bench_stations", ["--cards", "4"], ["PostgreSQL", "SQLite", "cards/min"]),
]


@pytest.mark.parametrize("name, args, words", RUNS, ids=[r[0] for r in RUNS])
def test_benchmark_runs_and_prints_its_figures(name: str, args: list[str], words: list[str]) -> None:
    if name == "bench_stations" and (why := postgres_available()) is not None:
        pytest.skip(why)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARDKIT_")}
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / f"{name}.py"), *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    for word in words:
        assert word in proc.stdout, f"{name} printed no {word!r}:\n{proc.stdout[-2000:]}"


NOT_RUN = {
    "bench_kiosk": "it starts its own pcscd on the vpcd slots that the pcsc tests hold",
    "bench_startup": "it times the demo card of the checkout itself (cardkit demo first)",
}


def test_every_benchmark_is_run_here_or_says_why_not() -> None:
    found = {p.stem for p in (ROOT / "benchmarks").glob("bench_*.py")}
    assert found == {r[0] for r in RUNS} | set(NOT_RUN)
