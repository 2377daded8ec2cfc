"""Benchmark: a kiosk's per-card latency (``verify --reader R --loop``) against a new process per card.

A Vietnamese test card (PACE-CAN on brainpoolP256r1, 20 KB face, PA, AA, CA) is served through pcscd
and vpcd again and again. The kiosk pays start-up once and prints each card's latency: from the key
in hand to the verdict (connect, read, every check). The other figure is the whole process of
``cardkit verify --reader R --json`` for the same card, start-up included, which is what a terminal
that starts cardkit per card pays. Both go through the same pcscd, so the difference is start-up.
Needs pcscd and vpcd as the tests do (run it as root; it takes the tests' lock of the vpcd slots).

Run: flock /tmp/cardkit-pcsc.lock .venv/bin/python benchmarks/bench_kiosk.py [--cards N] [--runs N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from simulators.emrtd import EmrtdChip  # noqa: E402
from tests.support.cards import make_vn_card  # noqa: E402
from tests.support.pcsc import PcscStack  # noqa: E402

CARDKIT = [sys.executable, "-c", "from cardkit.cli import _entry; _entry()"]


def _figures(label: str, xs: list[float]) -> None:
    s = sorted(xs)
    print(f"  {label:44} median {statistics.median(s):7.1f} ms  p10 {s[len(s) // 10]:7.1f}  "
          f"p90 {s[9 * len(s) // 10]:7.1f}  min {s[0]:7.1f}  (n={len(s)})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cards", type=int, default=20, help="cards served to the kiosk")
    ap.add_argument("--runs", type=int, default=10, help="whole-process verifies")
    args = ap.parse_args()
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    with tempfile.TemporaryDirectory() as tmp, PcscStack() as stack:
        chip, _trust, info = make_vn_card(Path(tmp))
        image = Path(tmp) / "vn.image"
        chip.save(image)
        trust = ["--trust", str(info.csca_path)]
        reader = stack.insert(EmrtdChip.load(image))
        port = stack.port
        whole = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            r = subprocess.run([*CARDKIT, "verify", "--reader", reader, "--can", info.can, "--json", *trust], env=env,
                               capture_output=True, text=True)
            whole.append((time.perf_counter() - t0) * 1000)
            if json.loads(r.stdout)["verdict"] != "GENUINE":
                raise SystemExit(f"verify did not give GENUINE: {r.stderr[-300:]}")
        kiosk = subprocess.Popen([*CARDKIT, "verify", "--reader", reader, "--loop", "--json", "--can", info.can,
                                  *trust], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        latency, apdus = [], 0
        try:
            for n in range(args.cards):
                if n:
                    stack.insert(EmrtdChip.load(image), port=port)
                assert kiosk.stdout is not None
                card = json.loads(kiosk.stdout.readline())
                if card["verdict"] != "GENUINE":
                    raise SystemExit(f"card {n + 1}: {card['verdict']}: {card['verdict_reason']}")
                latency.append(card["latency_ms"])
                apdus = card["apdu_count"]
                stack.remove()
        finally:
            kiosk.terminate()  # SIGTERM: the kiosk's clean stop
            kiosk.wait(timeout=30)
    print(f"verify of a VN card through pcscd+vpcd ({apdus} APDUs), Python {sys.version.split()[0]}, "
          f"load {os.getloadavg()[0]:.2f}")
    _figures("kiosk, per card (start-up paid once)", latency)
    _figures("kiosk, per card after the first", latency[1:])
    _figures("new process per card (verify --json)", whole)


if __name__ == "__main__":
    main()
