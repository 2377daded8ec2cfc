"""Benchmark: ``cardkit verify --json`` of the demo card as a whole process through pcscd, against its floor.

The demo card is the one ``cardkit demo`` makes (the vn-cccd profile: PACE-CAN brainpoolP256r1, AES
secure messaging, EF.COM, EF.SOD, DG1, DG2, DG13, DG14, DG15; CA and ECDSA AA). It is served into
pcscd's virtual reader by this process (vpcd), and each run is a fresh process:

  cardkit verify --reader R --can CAN --trust keys/csca.pem --json

Printed:
- whole process: wall time of the command (``python cli.py verify ...``: start-up, imports, the card,
  the report), median and min of N runs (N >= 10), twice: from the checkout as this environment runs it
  (PYTHONDONTWRITEBYTECODE=1: every cardkit module is compiled on every start) and from a copy of the
  checkout compiled beforehand (``python -m compileall``, what a wheel install gives); its APDU count
  (from the report);
- the vpcd round trip: a bare APDU (SELECT of the eMRTD application, answered at once by the
  simulated chip) from a separate process through pyscard, pcscd and vpcd, median;
- the crypto floor, measured in this process: PACE (terminal and chip, in memory), CA (both sides),
  AA (the chip's signature and its check), the DS signature of EF.SOD and the hashes of every file;
- the ratio: whole process / (APDUs x round trip + crypto floor), and the same for the card work the
  report times itself (its "total"), which leaves out start-up and imports.
Also, in process (SimulatorTransport): APDUs per verify against the minimum for the chip's limits.

Minimum APDUs for a block size B: EF.CardAccess ceil(len/B) by short FID + PACE 5 + SELECT application
1 + ceil(len/B) for each readable file by short FID (the first block carries the header) + DG3 0 (not
asked: EF.CardAccess announces Terminal Authentication) + AA 1 + CA 2 (the next read proves the keys
when CA runs before the reads; cardkit runs AA first and proves CA with one SELECT: +1).

Run: .venv/bin/python benchmarks/bench_verify.py [--runs N] [--no-pcsc]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cryptography.hazmat.primitives import hashes  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402

from cardkit.card import AccessKey, Session, SimulatorTransport  # noqa: E402
from cardkit.cli.demo import EXAMPLES, run_demo  # noqa: E402
from cardkit.inspect import inspect  # noqa: E402
from cardkit.lds import Dg14, Dg15, Sod  # noqa: E402
from cardkit.pki.trust import TrustStore  # noqa: E402
from cardkit.production.records import load_records  # noqa: E402
from simulators.emrtd import EmrtdChip  # noqa: E402

READABLE = ("EF.COM", "EF.SOD", "DG1", "DG2", "DG13", "DG14", "DG15")
PACE_APDUS, SELECT_APP, AA_APDUS, CA_APDUS = 5, 1, 1, 2
SELECT_AID = bytes.fromhex("00A4040C07A0000002471001")


def minimum(files: dict[str, bytes], block: int) -> int:
    """The fewest APDUs a full verify of these files can take at this block size (see the module docstring)."""
    reads = sum(math.ceil(len(files[n]) / block) for n in ("EF.CardAccess", *READABLE) if n in files)
    return reads + PACE_APDUS + SELECT_APP + AA_APDUS + CA_APDUS


def median_ms(run: Callable[[], object], n: int) -> float:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        run()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def demo_card(tmp: Path) -> tuple[Path, str, Path]:
    """(card image, CAN, CSCA certificate) of the card ``cardkit demo`` makes, built under ``tmp``."""
    records = EXAMPLES / "vn-citizens.csv"
    report, _ = run_demo(tmp / "demo", tmp / "keys", records)
    if report.verdict.value != "GENUINE":
        raise SystemExit(f"the demo card does not verify: {report.verdict_reason}")
    can = next(r.record for r in load_records(records) if r.record is not None).can
    return tmp / "demo" / "card.image", can, tmp / "keys" / "csca.pem"


def crypto_floor(image: Path, can: str, n: int) -> dict[str, float]:
    """Milliseconds of the cryptography of one verify, each part alone (median of n), chip side included."""
    files = {}
    chip = EmrtdChip.load(image)
    s = Session(SimulatorTransport(chip))
    s.pace(AccessKey.from_can(can))
    s.select_application()
    for name in READABLE:
        files[name] = s.read_file(name)
    dg14, dg15, sod = Dg14.from_bytes(files["DG14"]), Dg15.from_bytes(files["DG15"]), Sod.from_bytes(files["EF.SOD"])
    key = sod.certificates[0].crypto_public_key
    si = sod.signer_info

    def pace() -> None:
        Session(SimulatorTransport(chip)).pace(AccessKey.from_can(can))

    def opened() -> Session:
        t = Session(SimulatorTransport(chip))
        t.pace(AccessKey.from_can(can))
        t.select_application()
        return t

    def timed_on_fresh(step: Callable[[Session], object]) -> float:
        times = []
        for _ in range(n):
            t = opened()
            t0 = time.perf_counter()
            step(t)
            times.append((time.perf_counter() - t0) * 1000)
        return statistics.median(times)

    return {
        "PACE": median_ms(pace, n),
        "CA": timed_on_fresh(lambda t: t.chip_authentication(dg14)),
        "AA": timed_on_fresh(lambda t: t.active_authentication(dg15, dg14)),
        "PA signature": median_ms(lambda: key.verify(si.signature, si.signed_attrs, ec.ECDSA(hashes.SHA256())), n),
        "hashes": median_ms(lambda: [hashlib.sha256(b).digest() for b in (*files.values(), sod.econtent)], n),
    }


def compiled_copy(tmp: Path) -> Path:
    """A copy of the checkout's code with its bytecode compiled (what a wheel install gives)."""
    dst = tmp / "compiled"
    dst.mkdir()
    for name in ("cardkit", "simulators", "profiles"):
        shutil.copytree(ROOT / name, dst / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "cli.py", dst / "cli.py")
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(dst)], check=True)
    where = subprocess.run([sys.executable, "-c", "import cardkit; print(cardkit.__file__)"], cwd=dst, check=True,
                           capture_output=True, text=True).stdout.strip()
    if not where.startswith(str(dst)):
        raise SystemExit(f"the compiled copy is not the cardkit imported ({where})")
    return dst


def whole_process(cmd: list[str], cwd: Path, runs: int) -> tuple[list[float], dict[str, object]]:
    times, report = [], {}
    for _ in range(runs):
        t = time.perf_counter()
        done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
        times.append((time.perf_counter() - t) * 1000)
        if done.returncode != 0:
            raise SystemExit(f"verify failed ({done.returncode}): {done.stderr.strip()[-300:]}")
        report = json.loads(done.stdout)
    return times, report


_RTT = """
import statistics, sys, time
from cardkit.card import PcscTransport
with PcscTransport(sys.argv[1]) as t:
    apdu = bytes.fromhex(sys.argv[2])
    for _ in range(50):
        t.transmit(apdu)
    times = []
    for _ in range(int(sys.argv[3])):
        t0 = time.perf_counter()
        t.transmit(apdu)
        times.append(time.perf_counter() - t0)
print(statistics.median(times) * 1000)
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=15, help="whole-process runs per variant (at least 10)")
    ap.add_argument("--no-pcsc", action="store_true")
    args = ap.parse_args()
    runs = max(10, args.runs)
    tmp = Path(tempfile.mkdtemp(prefix="cardkit-bench-verify-"))
    image, can, csca = demo_card(tmp)
    chip = EmrtdChip.load(image)
    trust = TrustStore.load([csca])
    key = AccessKey.from_can(can)
    r = inspect(SimulatorTransport(chip), key=key, trust=trust)
    files = r.files
    print(f"demo card: DG2 {len(files['DG2'])} bytes, EF.SOD {len(files['EF.SOD'])}, "
          f"{sum(len(files[n]) for n in READABLE)} bytes readable; load average {os.getloadavg()[0]:.2f}")
    print("in process (SimulatorTransport), the terminal's fast reads:")
    for label, size in (("chip's largest block", None), ("block 0xDF", 0xDF)):
        def one(size: int | None = size) -> object:
            return inspect(SimulatorTransport(EmrtdChip.load(image)), key=key, trust=trust, block_size=size)

        rep = one()
        floor_block = size or 65503  # the extended-length cap under AES secure messaging
        print(f"  {label:22} {rep.apdu_count:4d} APDUs (minimum {minimum(files, floor_block):3d}; +1: the SELECT "
              f"proving CA)  median {median_ms(one, 20):6.1f} ms (chip side included)")
    floor = crypto_floor(image, can, 30)
    floor_ms = sum(floor.values())
    print("crypto floor, in process, ms: " + ", ".join(f"{k} {v:.2f}" for k, v in floor.items()) +
          f"; total {floor_ms:.2f}")
    if args.no_pcsc:
        return
    try:
        from tests.support.cards import pcsc_insert
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
        rtt = float(subprocess.run([sys.executable, "-c", _RTT, reader, SELECT_AID.hex(), "300"], cwd=ROOT,
                                   check=True, capture_output=True, text=True).stdout)
        print(f"through pcscd + vpcd ({reader}): bare APDU round trip {rtt:.3f} ms (median of 300, another process)")
        verify = ["verify", "--reader", reader, "--can", can, "--trust", str(csca), "--json"]
        env_note = "PYTHONDONTWRITEBYTECODE=" + os.environ.get("PYTHONDONTWRITEBYTECODE", "(unset)")
        variants = [("from the checkout (" + env_note + ")", [sys.executable, "cli.py", *verify], ROOT),
                    ("compiled bytecode (compileall)", [sys.executable, "cli.py", *verify], compiled_copy(tmp))]
        for label, cmd, cwd in variants:
            times, report = whole_process(cmd, cwd, runs)
            apdus = int(report["apdu_count"])  # type: ignore[arg-type]
            card_ms = float(report["timings_ms"]["total"])  # type: ignore[index]
            bound = apdus * rtt + floor_ms
            whole = statistics.median(times)
            print(f"  cardkit verify --json, {label}:")
            print(f"    whole process median {whole:6.1f} ms  min {min(times):6.1f} ms  ({runs} runs); "
                  f"{apdus} APDUs; verdict {report['verdict']}")
            print(f"    floor {bound:5.1f} ms = {apdus} x {rtt:.3f} ms + crypto {floor_ms:.1f} ms; "
                  f"whole / floor {whole / bound:4.1f}x; the card work alone (report total {card_ms:.1f} ms) "
                  f"{card_ms / bound:4.2f}x")
    finally:
        stack.__exit__(None, None, None)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
