"""Audit throughput: documents verified per second per core, against the bare signature cost.

Makes a test PKI and N dumps (DG1, a ~12 kB DG2, DG14, DG15, EF.SOD) in a temp dir, then measures:
  raw    the same SOD signature verifications done directly with cryptography (public key loaded
         once, signed attributes already extracted): the floor any verifier pays;
  audit  ``cardkit.audit.audit(jobs=1)`` over the dumps: read files, parse EF.SOD, Passive
         Authentication with every check, DG hashes, summary;
  jobs   the same with --jobs 1..cores processes (spawn; includes pool start-up).
Prints figures and ratios. Run: .venv/bin/python benchmarks/bench_audit.py [--docs N] [--key ec-p256 ...]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from asn1crypto import algos  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa  # noqa: E402

from cardkit.audit import audit  # noqa: E402
from cardkit.lds.sod import Sod  # noqa: E402
from cardkit.pki.certs import generate_private_key, make_csca, make_ds  # noqa: E402
from cardkit.pki.signers import KeyFileSigner  # noqa: E402
from cardkit.pki.sod_builder import build_sod  # noqa: E402
from cardkit.tlv import encode  # noqa: E402

MRZ = "IDVNM0000123453999000012345<<29001011M3001019VNM<<<<<<<<<<<6NGUYEN<<VAN<A<<<<<<<<<<<<<<<<<"


def make_corpus(root: Path, n: int, key_type: str) -> tuple[Path, list[bytes], object]:
    pss = key_type.startswith("rsa")
    cs = KeyFileSigner(generate_private_key(key_type), None, "sha256", pss)
    csca = make_csca(cs, country="VN", common_name="BENCH CSCA VN")
    cs = cs.with_certificate(csca)
    dk = generate_private_key(key_type)
    ds = make_ds(cs, dk.public_key(), common_name="BENCH DS VN")
    signer = KeyFileSigner(dk, ds, "sha256", pss)
    (root / "trust").mkdir()
    (root / "trust" / "csca.pem").write_bytes(csca.public_bytes(serialization.Encoding.PEM))
    sods = []
    for i in range(n):
        dgs = {1: encode(0x61, encode(0x5F1F, MRZ.encode())), 2: encode(0x75, os.urandom(12000)),
               14: encode(0x6E, os.urandom(300)), 15: encode(0x6F, os.urandom(94))}
        sod = build_sod(dgs, signer)
        d = root / "dumps" / f"{i:06d}"
        d.mkdir(parents=True)
        for k, v in dgs.items():
            (d / f"DG{k}").write_bytes(v)
        (d / "EF.SOD").write_bytes(sod)
        sods.append(sod)
    return root, sods, ds


def raw_cost(sods: list[bytes], ds: object) -> float:
    """CPU seconds for the bare signature verifications of all SODs (inputs extracted beforehand)."""
    work = []
    for raw in sods:
        si = Sod.from_bytes(raw).signer_info
        work.append((si.signed_attrs, si.signature, algos.SignedDigestAlgorithm.load(si.signature_algorithm_der)))
    key = ds.public_key()  # type: ignore[attr-defined]
    t = time.process_time()  # CPU time: other load on the machine does not count
    for data, sig, alg in work:
        if isinstance(key, rsa.RSAPublicKey):
            p = alg["parameters"]
            pad = padding.PSS(padding.MGF1(hashes.SHA256()), p["salt_length"].native) if alg.signature_algo == "rsassa_pss" \
                else padding.PKCS1v15()
            key.verify(sig, data, pad, hashes.SHA256())
        else:
            key.verify(sig, data, ec.ECDSA(hashes.SHA256()))
    return time.process_time() - t


def timed_audit(root: Path, jobs: int) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process and its workers) for one audit of the corpus."""
    c0, t = os.times(), time.perf_counter()
    s = audit([root / "dumps"], [root / "trust"], jobs=jobs, chunksize=32, with_checks=False)
    elapsed, c1 = time.perf_counter() - t, os.times()
    assert s.genuine == s.total, s.to_dict()
    cpu = (c1.user - c0.user) + (c1.system - c0.system) + (c1.children_user - c0.children_user) \
        + (c1.children_system - c0.children_system)
    return elapsed, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=2000)
    ap.add_argument("--key", action="append", default=None, help="key types (default: ec-p256, rsa-2048, ec-brainpoolp256r1)")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    cores = os.cpu_count() or 1
    print(f"cardkit audit benchmark: {args.docs} dumps per key type, {cores} cores, best of {args.repeat}, "
          f"load average {os.getloadavg()[0]:.1f} at start")
    print("per-core figures use CPU time (robust to other load); speed-ups use wall time (not robust)")
    for key_type in args.key or ["ec-p256", "rsa-2048", "ec-brainpoolp256r1"]:
        with tempfile.TemporaryDirectory() as tmp:
            root, sods, ds = make_corpus(Path(tmp), args.docs, key_type)
            n = args.docs
            raw = min(raw_cost(sods, ds) for _ in range(args.repeat))
            runs = [timed_audit(root, 1) for _ in range(args.repeat)]
            wall1 = min(r[0] for r in runs)
            cpu1 = min(r[1] for r in runs)
            print(f"\n[{key_type}]")
            print(f"  raw signature verification : {n / raw:9.0f} docs/s per core  ({raw / n * 1e6:7.1f} us CPU/doc)")
            print(f"  audit --jobs 1             : {n / cpu1:9.0f} docs/s per core  ({cpu1 / n * 1e6:7.1f} us CPU/doc)")
            print(f"  audit cost / raw cost      : {cpu1 / raw:9.2f}x  (overhead {100 * (cpu1 - raw) / raw:.0f}% of raw)")
            for jobs in range(2, cores + 1):
                runs = [timed_audit(root, jobs) for _ in range(args.repeat)]
                wall = min(r[0] for r in runs)
                cpu = min(r[1] for r in runs)
                print(f"  audit --jobs {jobs:<2}            : {n / wall:9.0f} docs/s wall, {n / cpu:6.0f} docs/s per core; "
                      f"speed-up {wall1 / wall:4.2f}x ({100 * wall1 / wall / jobs:.0f}% of linear, pool start-up included)")


if __name__ == "__main__":
    main()
