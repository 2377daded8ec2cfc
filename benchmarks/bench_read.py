"""Benchmark: a full read of a card with a 20 KB DG2, in process and through pcscd + vpcd.

Reports, for each block size and read mode (SELECT + READ BINARY, or short-FID):
- APDUs per full read against the minimum for that block size
  (minimum = one SELECT per file, unless short FIDs are used, + ceil(file length / block));
- milliseconds per full read (BAC + every file), median of N runs, through the in-process
  simulator and, when pcscd and vpcd are available (root), through the real PC/SC stack.

Run: .venv/bin/python benchmarks/bench_read.py [--runs N] [--no-pcsc]
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cardkit import tlv  # noqa: E402
from cardkit.card import Session, SimulatorTransport  # noqa: E402
from simulators.emrtd import EmrtdChip  # noqa: E402

DOC, DOB, DOE = "L898902C", "690806", "940623"
MRZ_INFO = "L898902C<369080619406236"
TD1 = ("I<UTOD231458907<<<<<<<<<<<<<<<" "7408122F1204159UTO<<<<<<<<<<<6" "ERIKSSON<<ANNA<MARIA<<<<<<<<<<")
FILES = {
    "EF.COM": bytes.fromhex("60145F0104303130365F36063034303030305C026175"),
    "DG1": tlv.encode(0x61, tlv.encode(0x5F1F, TD1.encode())),
    "DG2": tlv.encode(0x75, bytes((i * 7 + 3) & 0xFF for i in range(20 * 1024 - 4))),  # 20 480 bytes in all
    "EF.SOD": tlv.encode(0x77, bytes((i * 5 + 1) & 0xFF for i in range(1800))),
}
# (label, block size, extended_length, sfi)
MODES = [
    ("0x80 select", 0x80, False, False),
    ("0xDF select (default)", 0xDF, False, False),
    ("0xDF sfi", 0xDF, False, True),
    ("0xE7 select", 0xE7, False, False),
    ("0x400 extended", 0x400, True, False),
    ("0x1000 extended sfi", 0x1000, True, True),
]


def make_chip() -> EmrtdChip:
    return EmrtdChip.personalised(dict(FILES), document_number=DOC, date_of_birth=DOB, date_of_expiry=DOE)


def minimum(block: int, sfi: bool) -> int:
    return sum((0 if sfi else 1) + math.ceil(len(v) / block) for v in FILES.values())


def full_read(transport, block: int, ext: bool, sfi: bool) -> tuple[int, int]:
    """BAC + every file; returns (APDUs for the files, APDUs in all)."""
    s = Session(transport, block_size=block, extended_length=ext)
    s.select_application()
    s.bac(MRZ_INFO)
    ac = s.apdu_count
    for name, content in FILES.items():
        if s.read_file(name, sfi=sfi) != content:
            raise SystemExit(f"{name} read back wrong")
    return s.apdu_count - ac, s.apdu_count


def bench(label: str, open_transport, runs: int) -> dict[str, tuple[int, int, float]]:
    out = {}
    for name, block, ext, sfi in MODES:
        times = []
        for _ in range(runs):
            t = open_transport()
            try:
                t0 = time.perf_counter()
                files_apdus, total = full_read(t, block, ext, sfi)
                times.append((time.perf_counter() - t0) * 1000)
            finally:
                close = getattr(t, "close", None)
                if close:
                    close()
        out[name] = (files_apdus, total, statistics.median(times))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--no-pcsc", action="store_true")
    args = ap.parse_args()
    sizes = ", ".join(f"{k} {len(v)} B" for k, v in FILES.items())
    print(f"card: {sizes}; full read = SELECT application + BAC + every file; median of {args.runs} runs\n")

    chip = make_chip()
    inproc = bench("in process", lambda: SimulatorTransport(chip), args.runs)
    pcsc = None
    if not args.no_pcsc:
        try:
            from cardkit.card import PcscTransport
            from tests.support.pcsc import PcscStack, PcscUnavailable

            try:
                with PcscStack() as stack:
                    reader = stack.insert(make_chip())
                    pcsc = bench("pcscd", lambda: PcscTransport(reader, timeout=5), args.runs)
            except PcscUnavailable as e:
                print(f"(PC/SC skipped: {e})")
        except ImportError as e:
            print(f"(PC/SC skipped: {e})")

    head = f"{'mode':<24}{'file APDUs':>11}{'minimum':>9}{'ratio':>7}{'all APDUs':>10}{'ms in-proc':>12}"
    head += f"{'ms pcscd':>10}{'pcscd/in':>9}" if pcsc else ""
    print(head)
    for name, block, _ext, sfi in MODES:
        n, total, ms = inproc[name]
        m = minimum(block, sfi)
        line = f"{name:<24}{n:>11}{m:>9}{n / m:>7.2f}{total:>10}{ms:>12.1f}"
        if pcsc:
            pms = pcsc[name][2]
            line += f"{pms:>10.1f}{pms / ms:>9.2f}"
        print(line)
    print("\nminimum = per file: 1 SELECT (0 with short FID) + ceil(length / block); cardkit reads a 4-byte header "
          "first (ICAO D.4 order), so each file costs one READ BINARY more than the minimum unless its length mod block is 1 to 4.")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
