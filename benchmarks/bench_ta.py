"""Benchmark: Terminal Authentication v1 in memory, terminal machine against the chip (9303-11 §7.1).

One run = MSE:Set DST + PSO:Verify Certificate for the DV and the IS certificate, MSE:Set AT, GET
CHALLENGE, EXTERNAL AUTHENTICATE: 7 APDUs, the fewest TA can take for a chain CVCA -> DV -> IS.
The raw cost is what no implementation can skip: 3 ECDSA verifications (two certificates, the
challenge signature) and 1 ECDSA signature, done directly with ``cryptography``; the ratio says
what parsing, validation and the two state machines add on top.

Run: .venv/bin/python benchmarks/bench_ta.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cryptography.hazmat.primitives import hashes  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402

from cardkit.crypto.cvc import CvCertificate  # noqa: E402
from cardkit.crypto.ta import ChipTrust, TaChip, TaKeySigner, TerminalAuthentication  # noqa: E402
from tests.support.cvc_pki import D0, key, make_cv_pki, point  # noqa: E402

SUITES = [("secp256r1", "sha256"), ("brainpoolP256r1", "sha256"), ("secp384r1", "sha384")]
HASH = {"sha256": hashes.SHA256, "sha384": hashes.SHA384}


def median_ms(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=50)
    runs = ap.parse_args().runs
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


if __name__ == "__main__":
    main()
