"""Benchmark: elliptic-curve work of PACE and CA per curve, terminal and chip side, in memory.

For each of the 11 standardized curves (Doc 9303-11 §9.5.1) it prints:
- one k*P on an arbitrary point through ``cardkit.crypto._ec`` (compiled), through the pure-Python
  reference ladder, and OpenSSL's k*G and ECDH where ``cryptography`` has the curve (microseconds);
- PACE-GM, PACE-IM (AES-128) and CA (AES-128): the terminal's ``Pace``/``ChipAuthentication`` against
  the chip side the simulator uses (``ChipPace``, ``chip_ca_session_keys``), milliseconds per run
  (median of N) for each side, and the terminal's time in units of one compiled k*P: the raw cost of
  a terminal run is about 5 of them for PACE-GM, 3 for PACE-IM and 2 for CA.

Run: .venv/bin/python benchmarks/bench_ec.py [--runs N] [CURVE ...]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402

from cardkit import tlv  # noqa: E402
from cardkit.algorithms import DOMAIN_PARAMETERS, ID_STANDARDIZED_DOMAIN_PARAMETERS, Cipher, Curve, encode_oid  # noqa: E402
from cardkit.crypto import _ec  # noqa: E402
from cardkit.crypto.ca import ChipAuthentication, chip_ca_session_keys  # noqa: E402
from cardkit.crypto.keys import random_scalar  # noqa: E402
from cardkit.crypto.pace import ChipPace, Pace, Password  # noqa: E402
from cardkit.iso7816 import ResponseApdu  # noqa: E402
from cardkit.lds import PaceInfo  # noqa: E402
from cardkit.lds.security_infos import ChipAuthenticationInfo, ChipAuthenticationPublicKeyInfo  # noqa: E402

GM = "0.4.0.127.0.7.2.2.4.2.2"  # id-PACE-ECDH-GM-AES-CBC-CMAC-128
IM = "0.4.0.127.0.7.2.2.4.4.2"  # id-PACE-ECDH-IM-AES-CBC-CMAC-128
CA = "0.4.0.127.0.7.2.2.3.2.2"  # id-CA-ECDH-AES-CBC-CMAC-128
PK_ECDH = "0.4.0.127.0.7.2.2.1.2"  # id-PK-ECDH
OK = ResponseApdu(b"", 0x9000)


def median_us(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e6


def pace_once(oid: str, pid: int) -> tuple[float, float]:
    """One PACE run; (terminal seconds, chip seconds)."""
    pw = Password.can("482915")
    clock = time.perf_counter
    t0 = clock()
    pace = Pace(pw, PaceInfo(oid, 2, pid))
    cmd = pace.start()
    term = clock() - t0
    t0 = clock()
    chip = ChipPace(pw, oid, pid)
    chip_t = clock() - t0
    resp = OK
    while True:
        t0 = clock()
        cmd = pace.receive(resp)
        term += clock() - t0
        if cmd is None:
            break
        t0 = clock()
        resp = ResponseApdu(chip.general_authenticate(cmd.data), 0x9000)
        chip_t += clock() - t0
    if pace.result.keys != chip.result:
        raise SystemExit(f"PACE {oid} on {pid}: terminal and chip disagree")
    return term, chip_t


def ca_once(curve: Curve, pid: int, secret: int) -> tuple[float, float]:
    """One CA run with the chip's static key ``secret``; (terminal seconds, chip seconds)."""
    spki = tlv.encode(0x30, tlv.encode(0x30, tlv.encode(0x06, encode_oid(ID_STANDARDIZED_DOMAIN_PARAMETERS))
                                       + tlv.encode(0x02, bytes([pid])))
                      + tlv.encode(0x03, b"\x00" + curve.encode_point(_ec.mul_generator(curve, secret))))
    clock = time.perf_counter
    t0 = clock()
    ca = ChipAuthentication(ChipAuthenticationInfo(CA, 1), ChipAuthenticationPublicKeyInfo(PK_ECDH, spki))
    ca.start()
    ga = ca.receive(OK)
    term = clock() - t0
    t0 = clock()
    keys = chip_ca_session_keys((curve, secret), tlv.decode(tlv.decode(ga.data).value).value, Cipher.AES_128)
    chip_t = clock() - t0
    t0 = clock()
    ca.receive(ResponseApdu(b"\x7c\x00", 0x9000))
    term += clock() - t0
    if ca.result != keys:
        raise SystemExit(f"CA on {curve.name}: terminal and chip disagree")
    return term, chip_t


def protocol_ms(run: Callable[[], tuple[float, float]], runs: int) -> tuple[float, float]:
    run()  # warm caches (curve objects, OpenSSL groups)
    results = [run() for _ in range(runs)]
    return (statistics.median(r[0] for r in results) * 1e3, statistics.median(r[1] for r in results) * 1e3)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("curves", nargs="*", help="curve names (default: all 11)")
    args = ap.parse_args()
    table = {d.name: (pid, d) for pid, d in DOMAIN_PARAMETERS.items() if isinstance(d.group, Curve)}
    names = args.curves or list(table)

    print(f"one scalar multiplication k*P, median of {args.runs * 5} (us)")
    print(f"{'curve':17}{'compiled':>10}{'reference':>11}{'ratio':>7}{'OpenSSL k*G':>13}{'OpenSSL ECDH':>14}")
    unit: dict[str, float] = {}
    for name in names:
        pid, d = table[name]
        c = d.group
        k = random_scalar(os.urandom, c.n)
        pt = _ec.mul_generator(c, random_scalar(os.urandom, c.n))
        fast = median_us(lambda: _ec.mul(c, k, pt), args.runs * 5)
        ref = median_us(lambda: _ec._reference_mul(c, k, pt), max(3, args.runs // 4))
        unit[name] = fast
        line = f"{name:17}{fast:10.0f}{ref:11.0f}{ref / fast:7.1f}"
        if d.crypto_curve is not None:
            cc = d.crypto_curve()
            peer = ec.EllipticCurvePublicKey.from_encoded_point(cc, c.encode_point(pt))
            kg = median_us(lambda: ec.derive_private_key(k, cc).public_key().public_numbers(), args.runs * 5)
            dh = median_us(lambda: ec.derive_private_key(k, cc).exchange(ec.ECDH(), peer), args.runs * 5)
            line += f"{kg:13.0f}{dh:14.0f}"
        print(line, flush=True)

    print(f"\nprotocol runs in memory, median of {args.runs} (ms); 'x k*P' = terminal time / one compiled k*P")
    print(f"{'curve':17}{'protocol':9}{'terminal':>10}{'chip':>9}{'x k*P':>8}")
    for name in names:
        pid, d = table[name]
        runs: list[tuple[str, Callable[[], tuple[float, float]]]] = [("PACE-GM", lambda: pace_once(GM, pid))]
        if d.group.p % 4 == 3:  # integrated mapping is defined for p = 3 mod 4 only (Doc 9303-11 App. B)
            runs.append(("PACE-IM", lambda: pace_once(IM, pid)))
        secret = random_scalar(os.urandom, d.group.n)
        runs.append(("CA", lambda: ca_once(d.group, pid, secret)))
        for label, run in runs:
            term, chip = protocol_ms(run, args.runs)
            print(f"{name:17}{label:9}{term:10.2f}{chip:9.2f}{term * 1e3 / unit[name]:8.1f}", flush=True)


if __name__ == "__main__":
    main()
