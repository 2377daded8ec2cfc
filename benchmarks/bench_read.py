"""Benchmark: APDUs and time per full read, against the minimum for the chip's limits, in process and through pcscd.

Two cards, each read in several modes: ``read_file``'s default order (SELECT, 4-byte header, blocks; the
ICAO D.4 order), with short FIDs, and the terminal's fast path (``Session(fast_reads=True)``: a whole
first block by short FID, the largest block the chip allows):
- a BAC card (3DES secure messaging) with a 20 KB DG2, read at fixed block sizes;
- the Vietnamese demo card (PACE-CAN brainpoolP256r1, AES; EF.CardAccess, EF.COM, EF.SOD, DG1, DG2
  with a 20 KB face, DG3 behind EAC, DG13, DG14, DG15), on a chip with extended length and on one
  with short APDUs only.
For each: the APDUs of the file reads; the minimum at the mode's block (per readable file
ceil(length / block) by short FID, no SELECT, and 0 for DG3, which a terminal without Terminal
Authentication need not try); the ratio to the minimum for the chip's limits (the same at the
largest block the chip allows: its short or extended Le under secure messaging); and milliseconds
per full read (median of N runs; through pcscd the card is served by vpcd in this process). Last, a chip whose DG2 header claims 16,000,000 bytes: the APDUs spent before the refusal.

Run: .venv/bin/python benchmarks/bench_read.py [--runs N] [--no-pcsc]
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cardkit import tlv  # noqa: E402
from cardkit.card import Session, SimulatorTransport  # noqa: E402
from cardkit.crypto.pace import Password  # noqa: E402
from cardkit.errors import ParseError, StatusWordError  # noqa: E402
from simulators.emrtd import ChipOptions, EmrtdChip  # noqa: E402
from tests.support.cards import make_vn_card, pcsc_insert  # noqa: E402

DOC, DOB, DOE = "L898902C", "690806", "940623"
MRZ_INFO = "L898902C<369080619406236"
TD1 = ("I<UTOD231458907<<<<<<<<<<<<<<<" "7408122F1204159UTO<<<<<<<<<<<6" "ERIKSSON<<ANNA<MARIA<<<<<<<<<<")
BAC_FILES = {
    "EF.COM": bytes.fromhex("60145F0104303130365F36063034303030305C026175"),
    "DG1": tlv.encode(0x61, tlv.encode(0x5F1F, TD1.encode())),
    "DG2": tlv.encode(0x75, bytes((i * 7 + 3) & 0xFF for i in range(20 * 1024 - 4))),  # 20 480 bytes in all
    "EF.SOD": tlv.encode(0x77, bytes((i * 5 + 1) & 0xFF for i in range(1800))),
}
# (label, block size or None for the largest the chip allows, short FIDs, fast path)
BAC_MODES = [
    ("0x80 select", 0x80, False, False),
    ("0xDF select (default)", 0xDF, False, False),
    ("0xDF sfi", 0xDF, True, False),
    ("0xE7 fast", 0xE7, True, True),
    ("0x400 select", 0x400, False, False),
    ("0x1000 sfi", 0x1000, True, False),
    ("fast (chip's largest)", None, True, True),
]
VN_READ = ("EF.COM", "EF.SOD", "DG1", "DG2", "DG3", "DG13", "DG14", "DG15")
VN_MODES = [
    ("0xDF select (default)", 0xDF, False, False),
    ("0xDF sfi", 0xDF, True, False),
    ("fast (chip's largest)", None, True, True),
]


def one_read(s: Session, names: tuple[str, ...], files: dict[str, bytes], sfi: bool) -> int:
    """Read ``names`` (DG3 refused with 6982 is expected); the APDUs spent."""
    before = s.apdu_count
    for name in names:
        try:
            data = s.read_file(name, sfi=sfi)
        except StatusWordError as e:
            if name == "DG3" and e.sw == 0x6982:
                continue
            raise
        if data != files[name]:
            raise SystemExit(f"{name} read back wrong")
    return s.apdu_count - before


def bac_read(transport: Any, block: int | None, sfi: bool, fast: bool) -> tuple[int, int]:
    s = Session(transport, block_size=block, fast_reads=fast)
    s.select_application()
    s.bac(MRZ_INFO)
    n = one_read(s, tuple(BAC_FILES), BAC_FILES, sfi)
    return n, s.effective_block_size()


def vn_read(transport: Any, info: Any, block: int | None, sfi: bool, fast: bool) -> tuple[int, int]:
    s = Session(transport, block_size=block, fast_reads=fast)
    n = one_read(s, ("EF.CardAccess",), info.files, sfi)
    s.pace(Password.can(info.can))
    s.select_application()
    n += one_read(s, VN_READ, info.files, sfi)
    return n, s.effective_block_size()


def minimum(files: dict[str, bytes], names: tuple[str, ...], block: int) -> int:
    """Per readable file ceil(length / block), by short FID; DG3 (EAC) costs nothing."""
    return sum(math.ceil(len(files[n]) / block) for n in names if n != "DG3")


def timed(run: Callable[[], tuple[int, int]], runs: int) -> tuple[int, int, float]:
    times, out = [], (0, 0)
    for _ in range(runs):
        t0 = time.perf_counter()
        out = run()
        times.append((time.perf_counter() - t0) * 1000)
    return out[0], out[1], statistics.median(times)


def table(title: str, rows: list[tuple[str, int, int, int, float, float | None]], chip_min: int, chip_block: int) -> None:
    print(f"{title}: minimum for the chip's limits {chip_min} APDUs (block {chip_block}, short FIDs)")
    print(f"  {'mode':<24}{'block':>7}{'APDUs':>7}{'min@block':>10}{'/chip min':>10}{'ms in-proc':>12}{'ms pcscd':>10}")
    for label, block, n, m, ms, pms in rows:
        print(f"  {label:<24}{block:>7}{n:>7}{m:>10}{n / chip_min:>10.2f}{ms:>12.1f}" + (f"{pms:>10.1f}" if pms else ""))


class _ClaimChip(EmrtdChip):
    """The simulator whose DG2 starts with a header claiming 16,000,000 bytes; counts READ BINARY."""

    b0 = 0

    def file_content(self, fid: int) -> bytes:
        content = super().file_content(fid)
        return bytes.fromhex("758400F42400") + content[6:] if fid == 0x0102 else content

    def _dispatch(self, cmd: Any, protected: bool) -> Any:
        self.b0 += cmd.ins == 0xB0
        return super()._dispatch(cmd, protected)


def hostile(chip: EmrtdChip, info: Any) -> None:
    print("a DG2 header claiming 16,000,000 bytes (the old bound, 16 MiB, read it to the end: 72,755 APDUs at 0xDF)")
    for label, fast in (("default order", False), ("fast path", True)):
        h = _ClaimChip(options=chip.options)
        h.files, h.secrets, h.life_cycle = {k: bytearray(v) for k, v in chip.files.items()}, chip.secrets, chip.life_cycle
        s = Session(SimulatorTransport(h), fast_reads=fast)
        s.pace(Password.can(info.can))
        s.select_application()
        before, b0 = s.apdu_count, h.b0
        try:
            s.read_file("DG2")
            raise SystemExit("the claim was read")
        except ParseError as e:
            print(f"  {label:<24}{s.apdu_count - before:>3} APDUs ({h.b0 - b0} READ BINARY): {e}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--no-pcsc", action="store_true")
    args = ap.parse_args()
    bac_chip = EmrtdChip.personalised(dict(BAC_FILES), document_number=DOC, date_of_birth=DOB, date_of_expiry=DOE)
    vn_chip, _trust, info = make_vn_card(Path(tempfile.mkdtemp(prefix="cardkit-bench-read-")))
    vn_short = EmrtdChip(options=ChipOptions(extended_length=False))
    vn_short.files, vn_short.secrets, vn_short.life_cycle = vn_chip.files, vn_chip.secrets, vn_chip.life_cycle
    cards: list[tuple[str, EmrtdChip, list[tuple[str, int | None, bool, bool]], Callable[..., tuple[int, int]],
                      dict[str, bytes], tuple[str, ...]]] = [
        ("BAC card (3DES SM), extended length", bac_chip, BAC_MODES, bac_read, BAC_FILES, tuple(BAC_FILES)),
        ("VN demo card (PACE, AES SM), extended length", vn_chip, VN_MODES,
         lambda t, *a: vn_read(t, info, *a), info.files, ("EF.CardAccess", *VN_READ)),
        ("VN demo card, short APDUs only", vn_short, VN_MODES,
         lambda t, *a: vn_read(t, info, *a), info.files, ("EF.CardAccess", *VN_READ)),
    ]
    sizes = ", ".join(f"{k} {len(v)}" for k, v in info.files.items())
    print(f"VN demo card files (bytes): {sizes}; median of {args.runs} runs\n")

    stack: Any = None
    if not args.no_pcsc:
        try:
            from tests.support.pcsc import PcscStack, PcscUnavailable

            try:
                stack = PcscStack().__enter__()
            except PcscUnavailable as e:
                print(f"(PC/SC skipped: {e})")
        except ImportError as e:
            print(f"(PC/SC skipped: {e})")
    try:
        for title, chip, modes, read, files, names in cards:
            reader = None
            if stack is not None:
                from cardkit.card import PcscTransport

                # its own chip object: vpcd's relay thread may reset the chip it serves at any moment
                # (pcscd powering the card down), which must not land in the middle of an in-process read
                served = EmrtdChip(options=chip.options)
                served.files, served.secrets, served.life_cycle = chip.files, chip.secrets, chip.life_cycle
                reader = pcsc_insert(stack, served)
            rows = []
            for label, block, sfi, fast in modes:
                n, eff, ms = timed(lambda: read(SimulatorTransport(chip), block, sfi, fast), args.runs)
                pms = None
                if reader is not None:
                    def over_pcsc(block=block, sfi=sfi, fast=fast) -> tuple[int, int]:
                        with PcscTransport(reader) as t:
                            return read(t, block, sfi, fast)

                    pn, _eff, pms = timed(over_pcsc, args.runs)
                    if pn != n:
                        raise SystemExit(f"{label}: {pn} APDUs through pcscd, {n} in process")
                # the minimum for the block actually used (the SM cap of the chip's short or extended Le)
                rows.append((label, eff, n, minimum(files, names, eff), ms, pms))
            chip_block = rows[-1][1]  # the fast path's block: the largest the chip allows
            table(title, rows, minimum(files, names, chip_block), chip_block)
            print()
    finally:
        if stack is not None:
            stack.__exit__(None, None, None)
    hostile(vn_chip, info)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
