"""Benchmark: a full ``cardkit verify`` of a Vietnamese card (20 KB face), in process and through pcscd.

A full verify = read EF.CardAccess, PACE-CAN (ECDH-GM brainpoolP256r1, AES-128), SELECT the
application, read EF.COM, EF.SOD, DG1, DG2 (20 000-byte JPEG), DG3 (refused: EAC), DG13, DG14,
DG15, Passive Authentication, Active Authentication (ECDSA P-256), Chip Authentication (ECDH
brainpoolP256r1) and one SM command proving the CA keys. Reported per block size / read mode:
APDUs, the minimum APDU count possible for that block size, and the median time of N runs.

Minimum for a block size B (what no terminal doing the same checks can go below):
EF.CardAccess ceil(len/B) by short FID + PACE 5 (MSE:Set AT, 4 GENERAL AUTHENTICATE) + SELECT
application 1 + for each readable file ceil(len/B) by short FID (the first block carries the
header) + DG3 0 (a terminal without Terminal Authentication need not try it) + AA 1 + CA 2
(MSE:Set AT, GENERAL AUTHENTICATE; the next read proves the keys when CA runs before the reads).
Blocks above 256 need extended length (the simulator advertises it, as the VN chip's profile does).

Where cardkit's default (132 APDUs at 0xDF) spends the 19 above the minimum (113): SELECT + 4-byte
header read of EF.CardAccess (+2) and of each of the 7 readable files (+14; ``--sfi`` saves their
SELECTs and DG3's, reading a whole first block instead of the header would save the other 7), SELECT + READ of
the EAC-protected DG3 to report it (+2), and one SM command proving the CA keys (+1).

Run: .venv/bin/python benchmarks/bench_verify.py [--runs N] [--no-pcsc]
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cardkit.card import AccessKey, SimulatorTransport  # noqa: E402
from cardkit.inspect import inspect  # noqa: E402
from tests.support.cards import make_vn_card, pcsc_insert  # noqa: E402

# (label, block size, short FIDs)
MODES = [
    ("0xDF select (default)", 0xDF, False),
    ("0xDF sfi", 0xDF, True),
    ("0x1000 extended sfi", 0x1000, True),
]
PACE_APDUS, SELECT_APP, AA_APDUS, CA_APDUS = 5, 1, 1, 2
READABLE = ("EF.COM", "EF.SOD", "DG1", "DG2", "DG13", "DG14", "DG15")


def minimum(files: dict[str, bytes], block: int) -> int:
    """The fewest APDUs a full verify of these files can take at this block size (see the module docstring)."""
    reads = sum(math.ceil(len(files[n]) / block) for n in ("EF.CardAccess", *READABLE))
    return reads + PACE_APDUS + SELECT_APP + AA_APDUS + CA_APDUS


def one(transport, trust, info, block: int, sfi: bool):
    r = inspect(transport, trust=trust, key=AccessKey.from_can(info.can), block_size=block, sfi=sfi)
    if r.verdict.value != "GENUINE":
        raise SystemExit(f"verify did not give GENUINE: {r.verdict_reason}")
    return r


def bench(label: str, run_one, runs: int, files, block: int) -> None:
    times, report = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        report = run_one()
        times.append((time.perf_counter() - t0) * 1000)
    assert report is not None
    phases = ", ".join(f"{k} {report.phase_apdus.get(k, 0)}/{v:.0f}ms" for k, v in report.timings.items() if k != "total")
    print(f"  {label:24} {report.apdu_count:4d} APDUs (minimum {minimum(files, block):3d})  "
          f"median {statistics.median(times):7.1f} ms  min {min(times):7.1f} ms")
    print(f"  {'':24} phases (APDUs/ms): {phases}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--no-pcsc", action="store_true")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="cardkit-bench-verify-"))
    chip, trust, info = make_vn_card(tmp)
    files = info.files
    print(f"VN card: DG2 {len(files['DG2'])} bytes (face {len(info.face)}), EF.SOD {len(files['EF.SOD'])}, "
          f"files {sum(len(files[n]) for n in READABLE)} bytes readable")
    print("in process (SimulatorTransport):")
    for label, block, sfi in MODES:
        bench(label, lambda: one(SimulatorTransport(chip), trust, info, block, sfi), args.runs, files, block)
    if args.no_pcsc:
        return
    try:
        from cardkit.card import PcscTransport
        from tests.support.pcsc import PcscStack, PcscUnavailable
    except ImportError as e:
        print(f"pcscd: skipped ({e})")
        return
    try:
        stack = PcscStack().__enter__()
    except PcscUnavailable as e:
        print(f"pcscd: skipped ({e})")
        return
    try:
        reader = pcsc_insert(stack, chip)  # waits while other runs hold both vpcd slots
        print(f"through pcscd + vpcd ({reader}):")
        for label, block, sfi in MODES:
            def run_pcsc(block=block, sfi=sfi):
                with PcscTransport(reader) as t:
                    return one(t, trust, info, block, sfi)

            bench(label, run_pcsc, args.runs, files, block)
    finally:
        stack.__exit__(None, None, None)


if __name__ == "__main__":
    main()
