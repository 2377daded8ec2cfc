"""Benchmark: Terminal Authentication v1 (9303-11 §7.1), alone in memory and inside a full read of a VN card.

Part 1, TA alone: terminal machine against the chip's ``TaChip``, no APDU transport. One run = MSE:Set DST
+ PSO:Verify Certificate for the DV and the IS certificate, MSE:Set AT, GET CHALLENGE, EXTERNAL
AUTHENTICATE: 7 APDUs, the fewest TA can take for a chain CVCA -> DV -> IS. The raw cost is what no
implementation can skip: 3 ECDSA verifications (two certificates, the challenge signature) and 1 ECDSA
signature, done directly with ``cryptography``; the ratio says what parsing, validation and the two
state machines add on top.

Part 2, a full read with TA against the same read without it, through ``Session`` and the software chip
(in process, and through pcscd + vpcd when available): a VN card (PACE-CAN, CA, AA, DG1, DG2 20 KB,
DG3 with two JPEG 2000 fingers, DG13, DG14, DG15, EF.SOD). Without TA: PACE, SELECT, EF.COM, EF.SOD,
every group but DG3, CA, AA. With TA: the same, then EF.CVCA, TA and DG3. The difference is TA's cost
as a terminal pays it: APDUs, and milliseconds (median of N runs).

Part 3, the same card through ``cardkit.inspect.inspect`` (what ``cardkit verify`` runs: its fast reads,
its card phase and the judge, PA included), in process and through pcscd: without terminal credentials
(DG3 not asked for: the chip announces TA) and with them (``terminal=``: CA, TA, DG3 read and hashed). The
minimum for the TA run is the read without it plus EF.CVCA (SELECT, READ BINARY), TA's 7 and DG3's read.

Run: .venv/bin/python benchmarks/bench_ta.py [--runs N] [--no-pcsc]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cryptography.hazmat.primitives import hashes  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402

from cardkit.card import AccessKey, Session, SimulatorTransport  # noqa: E402
from cardkit.crypto.cvc import CvCertificate  # noqa: E402
from cardkit.crypto.pace import Password  # noqa: E402
from cardkit.crypto.ta import ChipTrust, TaChip, TaKeySigner, TerminalAuthentication  # noqa: E402
from cardkit.inspect import inspect  # noqa: E402
from cardkit.pki.terminal import TerminalCredentials  # noqa: E402
from tests.support.cvc_pki import D0, key, make_cv_pki, point  # noqa: E402
from tests.support.eac_cards import make_eac_card  # noqa: E402

SUITES = [("secp256r1", "sha256"), ("brainpoolP256r1", "sha256"), ("secp384r1", "sha384")]
HASH = {"sha256": hashes.SHA256, "sha384": hashes.SHA384}
GROUPS = ("DG1", "DG2", "DG13", "DG14", "DG15")
TODAY = dt.date.today()


def median_ms(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def ta_alone(runs: int) -> None:
    print(f"{'suite':28} {'APDUs':>5} {'TA ms':>8} {'raw ms':>8} {'ratio':>6} {'parse us':>9}")
    for curve, h in SUITES:
        pki = make_cv_pki(curve, h)
        eph = point(key(curve, "eph"))
        apdus = []

        def ta() -> None:
            chip = TaChip(ChipTrust.personalise([pki.cvca], D0), id_picc=b"000012345<3",
                          ca_ephemeral_public_key=eph)
            t = TerminalAuthentication(pki.chain, TaKeySigner(pki.is_key, pki.algorithm), id_picc=b"000012345<3",
                                       ca_ephemeral_public_key=eph)
            cmd, n = t.start(), 0
            while cmd is not None:
                n += 1
                cmd = t.receive(chip.respond(cmd))
            apdus.append(n)

        pubs = [pki.cvca_key.public_key(), pki.dv_key.public_key(), pki.is_key.public_key()]
        algo = ec.ECDSA(HASH[h]())

        sigs = [k.sign(b"x" * 200, algo) for k in (pki.cvca_key, pki.dv_key, pki.is_key)]

        def raw() -> None:
            pki.is_key.sign(b"x" * 50, algo)
            for pub, sig in zip(pubs, sigs):
                pub.verify(sig, b"x" * 200, algo)

        raw_ms = median_ms(raw, runs)
        ta_ms = median_ms(ta, runs)
        data = pki.is_.to_bytes()
        parse_us = median_ms(lambda: CvCertificate.from_bytes(data), runs) * 1000
        print(f"{curve + ' ' + h:28} {apdus[0]:>5} {ta_ms:>8.2f} {raw_ms:>8.2f} {ta_ms / raw_ms:>6.1f} {parse_us:>9.1f}")


def full_read(transport, info, pki, with_ta: bool) -> tuple[int, int, float]:
    """The read of the module header, part 2; returns (APDUs in all, APDUs of EF.CVCA + TA, ms of EF.CVCA + TA)."""
    s = Session(transport)
    s.pace(Password.can(info.can))
    s.select_application()
    s.read_file("EF.COM")
    s.read_file("EF.SOD")
    files = {name: s.read_file(name) for name in GROUPS}
    s.active_authentication(files["DG15"], files["DG14"])
    s.chip_authentication(files["DG14"])
    before, t0, ta_ms = s.apdu_count, time.perf_counter(), 0.0
    if with_ta:
        s.terminal_authentication(pki.chain, TaKeySigner(pki.is_key, pki.algorithm), today=TODAY)
        ta_ms = (time.perf_counter() - t0) * 1000
        ta_apdus = s.apdu_count - before
        if s.read_file("DG3") != info.files["DG3"]:
            raise SystemExit("DG3 read back wrong")
        return s.apdu_count, ta_apdus, ta_ms
    return s.apdu_count, 0, 0.0


def bench_read(open_transport, info, pki, runs: int) -> dict[bool, tuple[int, float, int, float]]:
    """with TA or not -> (APDUs, median ms, APDUs of EF.CVCA + TA, median ms of EF.CVCA + TA)."""
    out = {}
    for with_ta in (False, True):
        counts, times, ta_times = [], [], []
        for _ in range(runs):
            t = open_transport()
            try:
                t0 = time.perf_counter()
                counts.append(full_read(t, info, pki, with_ta))
                times.append((time.perf_counter() - t0) * 1000)
                ta_times.append(counts[-1][2])
            finally:
                close = getattr(t, "close", None)
                if close:
                    close()
        out[with_ta] = (counts[0][0], statistics.median(times), counts[0][1], statistics.median(ta_times))
    return out


def with_and_without(runs: int, use_pcsc: bool) -> None:
    pki = make_cv_pki("brainpoolP256r1", "sha256", effective=TODAY)  # PA and TA both checked as of today
    with tempfile.TemporaryDirectory() as tmp:
        chip, trust, info = make_eac_card(Path(tmp), pki, chip_date=TODAY, face_size=20_000)
    sizes = ", ".join(f"{k} {len(v)} B" for k, v in info.files.items() if k in ("DG2", "DG3"))
    print(f"\nfull read of a VN card ({sizes}), brainpoolP256r1 chain DV -> IS; median of {runs} runs")
    results = {"in process": bench_read(lambda: SimulatorTransport(chip), info, pki, runs)}
    verified = {"in process": inspected(lambda: SimulatorTransport(chip), info, trust, pki, runs)}
    if use_pcsc:
        try:
            from cardkit.card import PcscTransport
            from tests.support.pcsc import PcscStack, PcscUnavailable

            try:
                with PcscStack() as stack:
                    reader = stack.insert(chip)
                    results["pcscd"] = bench_read(lambda: PcscTransport(reader, timeout=5), info, pki, runs)
                    verified["pcscd"] = inspected(lambda: PcscTransport(reader, timeout=5), info, trust, pki, runs)
            except PcscUnavailable as e:
                print(f"(PC/SC skipped: {e})")
        except ImportError as e:
            print(f"(PC/SC skipped: {e})")
    print(f"{'link':12}{'APDUs no TA':>12}{'APDUs TA':>10}{'(TA)':>6}{'ms no TA':>10}{'ms TA':>8}{'(TA)':>7}"
          f"{'ratio':>7}")
    for label, r in results.items():
        (n0, ms0, _, _), (n1, ms1, ta_n, ta_ms) = r[False], r[True]
        print(f"{label:12}{n0:>12}{n1:>10}{ta_n:>6}{ms0:>10.1f}{ms1:>8.1f}{ta_ms:>7.1f}{ms1 / ms0:>7.2f}")
    print("(TA): EF.CVCA (SELECT + READ BINARY) and TA's 7 APDUs; the rest of the difference is reading DG3")
    print(f"\ninspect() of the same card (card phase + judge, what `cardkit verify` runs); median of {runs} runs")
    print(f"{'link':12}{'terminal':17}{'APDUs':>7}{'ms':>8}{'verdict':>10}{'read:DG3':>15}")
    for link, rows in verified.items():
        for label, (n, ms, verdict, dg3) in rows.items():
            print(f"{link:12}{label:17}{n:>7}{ms:>8.1f}{verdict:>10}{dg3:>15}")
        (n0, ms0, *_), (n1, ms1, *_) = rows.values()
        print(f"{link:12}TA adds {n1 - n0} APDUs ({n1 / n0:.2f}x) and {ms1 - ms0:.1f} ms ({ms1 / ms0:.2f}x)")


def inspected(open_transport, info, trust, pki, runs: int) -> dict[str, tuple[int, float, str, str]]:
    """Part 3 of the module header: inspect() with and without TA credentials -> label: (APDUs, ms, verdict, DG3)."""
    terminal = TerminalCredentials((pki.dv, pki.is_), pki.is_, TaKeySigner(pki.is_key, pki.algorithm))
    key = AccessKey.from_can(info.can)
    rows = {}
    for label, creds in (("no credentials", None), ("DV + IS, TA", terminal)):
        times, reports = [], []
        for _ in range(runs):
            t = open_transport()
            try:
                t0 = time.perf_counter()
                reports.append(inspect(t, key=key, trust=trust, terminal=creds))
                times.append((time.perf_counter() - t0) * 1000)
            finally:
                close = getattr(t, "close", None)
                if close:
                    close()
        r = reports[0]
        rows[label] = (r.apdu_count, statistics.median(times), r.verdict.value, r.check("read:DG3").status.value)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=50)
    ap.add_argument("--no-pcsc", action="store_true")
    args = ap.parse_args()
    ta_alone(args.runs)
    with_and_without(max(3, args.runs // 5), not args.no_pcsc)


if __name__ == "__main__":
    main()
