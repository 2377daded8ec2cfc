"""Audit throughput: documents verified per second per core, against the raw cost of the same checks.

Makes a test PKI and N dumps (DG1, a ~12 kB DG2, DG14, DG15, EF.SOD; each decodable) in a temp dir, then measures,
per key type, in CPU time per document (robust to other load on the machine):

  raw    the bare cost of the same cryptographic checks done directly with cryptography and hashlib,
         with every input already in memory (SOD fields extracted, DS public key loaded once):
           - the DS signature over the signed attributes (RSA PKCS#1 v1.5 / PSS, ECDSA),
           - the messageDigest: hash of the eContent, compared,
           - each data group hashed and compared with its value in the SOD,
           - the DS certificate verified against the CSCA once, amortised over the N documents.
         Not counted: reading files, parsing EF.SOD, and every non-cryptographic check.
  audit  ``cardkit.audit.audit(jobs=1)`` over the dump directories, in-process: walk the directory,
         read each file, parse EF.SOD, Passive Authentication with every check (structure, content
         type, signed attributes, signature, path, validity, key usage, revocation, country vs the
         MRZ, each DG hash), verdict and summary. Trust store load is included (once per run).
  floor  what no verifier of files avoids on top of raw: the same files opened and read
         (one open().read() each) plus the directory listing, measured alone.
  decode what no verifier giving the same findings avoids either: each file decoded strictly, alone and
         in memory (EF.SOD, DG1 with its MRZ and check digits, DG2, DG14, DG15, with cardkit's parsers:
         a file that does not decode is a finding). raw + floor + decode is the least an audit in this
         process can cost, and is printed as a ratio to raw beside the audit's.
  jobs   wall-clock time of the same audit with --jobs 1, the default (this process alone for
         HEAD_START seconds, then workers join it) and --jobs 2..cores processes (spawn; pool start-up
         and the trust store load in each worker included); the speed-up is wall(1)/wall(N).
         The pool start-up alone is estimated as the wall time of an audit of one dump with N jobs,
         and the speed-up is shown again without it (the steady state of a long audit).
  small  a small run, 11 dumps, the way a user meets it: ``cardkit audit`` as a fresh process with
         --jobs 1, the default and --jobs 2 (wall time, median): the default must not be slower
         than --jobs 1.

Prints per key type: raw, floor, decode and audit in us/doc, raw + floor + decode and the audit as ratios to raw,
the overhead (audit-raw)/raw,
docs/s per core, and the --jobs speed-up. Figures are medians of --repeat runs.
Run: .venv/bin/python benchmarks/bench_audit.py [--docs N] [--key ec-p256 ...] [--repeat 5]
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from asn1crypto import algos  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa  # noqa: E402

from cardkit.audit import HEAD_START, audit  # noqa: E402
from cardkit.lds import Dg1, Dg2, Dg14, Dg15  # noqa: E402
from cardkit.lds.security_infos import ChipAuthenticationInfo, ChipAuthenticationPublicKeyInfo  # noqa: E402
from cardkit.lds.sod import Sod  # noqa: E402
from cardkit.pki.certs import generate_private_key, make_csca, make_ds  # noqa: E402
from cardkit.pki.signers import KeyFileSigner  # noqa: E402
from cardkit.pki.sod_builder import build_sod  # noqa: E402
from cardkit.tlv import encode  # noqa: E402

MRZ = "IDVNM0000123453999000012345<<29001011M3001019VNM<<<<<<<<<<<6NGUYEN<<VAN<A<<<<<<<<<<<<<<<<<"


def _spki(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def make_corpus(root: Path, n: int, key_type: str) -> tuple[Path, list[tuple[bytes, dict[int, bytes]]], object, object]:
    pss = key_type.startswith("rsa")
    cs = KeyFileSigner(generate_private_key(key_type), None, "sha256", pss)
    csca = make_csca(cs, country="VN", common_name="BENCH CSCA VN")
    cs = cs.with_certificate(csca)
    dk = generate_private_key(key_type)
    ds = make_ds(cs, dk.public_key(), common_name="BENCH DS VN")
    signer = KeyFileSigner(dk, ds, "sha256", pss)
    (root / "trust").mkdir()
    (root / "trust" / "csca.pem").write_bytes(csca.public_bytes(serialization.Encoding.PEM))
    docs = []
    # Files a terminal can decode (a verdict judges them, not only their hashes): a ~12 kB DG2 face
    # record (its image bytes random), DG14 with a CA key, DG15 with an AA key.
    ca_spki = _spki(ec.generate_private_key(ec.BrainpoolP256R1()))
    dg14 = Dg14.build([ChipAuthenticationInfo("0.4.0.127.0.7.2.2.3.2.2", 1),
                       ChipAuthenticationPublicKeyInfo("0.4.0.127.0.7.2.2.1.2", ca_spki)]).to_bytes()
    for i in range(n):
        face = b"\xff\xd8\xff\xe0" + os.urandom(12000)
        dgs = {1: encode(0x61, encode(0x5F1F, MRZ.encode())), 2: Dg2.build(face, "jpeg", 480, 640).to_bytes(),
               14: dg14, 15: Dg15.build(_spki(ec.generate_private_key(ec.SECP256R1()))).to_bytes()}
        sod = build_sod(dgs, signer)
        d = root / "dumps" / f"{i:06d}"
        d.mkdir(parents=True)
        for k, v in dgs.items():
            (d / f"DG{k}").write_bytes(v)
        (d / "EF.SOD").write_bytes(sod)
        docs.append((sod, dgs))
    return root, docs, ds, csca


def raw_cost(docs: list[tuple[bytes, dict[int, bytes]]], ds: object, csca: object) -> float:
    """CPU seconds for the bare cryptographic checks of all documents (inputs extracted beforehand)."""
    work = []
    for raw, dgs in docs:
        sod = Sod.from_bytes(raw)
        si = sod.signer_info
        alg = algos.SignedDigestAlgorithm.load(si.signature_algorithm_der)
        work.append((si.signed_attrs, si.signature, alg, sod.econtent, si.message_digests[0],
                     [(dgs[n], sod.dg_hashes[n]) for n in sorted(dgs)]))
    t = time.process_time()  # CPU time: other load on the machine does not count
    ds.verify_directly_issued_by(csca)  # type: ignore[attr-defined]  # once per DS, amortised
    key = ds.public_key()  # type: ignore[attr-defined]
    for data, sig, alg, econtent, md, dg_pairs in work:
        if isinstance(key, rsa.RSAPublicKey):
            if alg.signature_algo == "rsassa_pss":
                salt = alg["parameters"]["salt_length"].native
                pad: padding.AsymmetricPadding = padding.PSS(padding.MGF1(hashes.SHA256()), salt)
            else:
                pad = padding.PKCS1v15()
            key.verify(sig, data, pad, hashes.SHA256())
        else:
            key.verify(sig, data, ec.ECDSA(hashes.SHA256()))
        ok = hmac.compare_digest(hashlib.sha256(econtent).digest(), md)
        for dg, want in dg_pairs:
            ok &= hmac.compare_digest(hashlib.sha256(dg).digest(), want)
        assert ok
    return time.process_time() - t


def floor_cost(root: Path) -> float:
    """CPU seconds to list each dump directory and read every file in it once (no parsing)."""
    t = time.process_time()
    with os.scandir(root / "dumps") as dumps:
        for d in dumps:
            with os.scandir(d.path) as entries:
                for e in entries:
                    with open(e.path, "rb") as f:
                        f.read()
    return time.process_time() - t


def decode_cost(docs: list[tuple[bytes, dict[int, bytes]]]) -> float:
    """CPU seconds to decode every file of every document strictly, in memory (the parsers the audit uses)."""
    t = time.process_time()
    for sod, dgs in docs:
        Sod.from_bytes(sod)
        Dg1.from_bytes(dgs[1]).mrz  # noqa: B018  the MRZ parsed with its check digits, as the judge does
        Dg2.from_bytes(dgs[2])
        Dg14.from_bytes(dgs[14])
        Dg15.from_bytes(dgs[15])
    return time.process_time() - t


def timed_audit(root: Path, jobs: int | None) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process and its workers) for one audit of the corpus."""
    # this process by process_time (fine-grained); its workers by os.times (clock ticks: 10 ms)
    c0, p0, t = os.times(), time.process_time(), time.perf_counter()
    s = audit([root / "dumps"], [root / "trust"], jobs=jobs, chunksize=32, with_checks=False)
    elapsed, p1, c1 = time.perf_counter() - t, time.process_time(), os.times()
    assert s.authentic == s.total, s.to_dict()
    cpu = (p1 - p0) + (c1.children_user - c0.children_user) + (c1.children_system - c0.children_system)
    return elapsed, cpu


def cli_wall(dumps: Path, trust: Path, jobs: int | None, runs: int) -> float:
    """Median wall seconds of ``cardkit audit`` as a fresh process (imports, trust store, pool if any)."""
    cmd = [sys.executable, str(Path(__file__).resolve().parents[1] / "cli.py"), "audit", str(dumps), "--trust", str(trust)]
    if jobs is not None:
        cmd += ["--jobs", str(jobs)]
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, cwd=Path(__file__).resolve().parents[1])
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def small_runs(root: Path, runs: int) -> None:
    """11 dumps through the CLI: --jobs 1, the default, --jobs 2."""
    small = root / "small"
    small.mkdir()
    for d in sorted((root / "dumps").iterdir())[:11]:
        (small / d.name).symlink_to(d)
    walls = {label: cli_wall(small, root / "trust", jobs, runs) for label, jobs in
             (("--jobs 1", 1), ("default", None), ("--jobs 2", 2))}
    print(f"  11 dumps, cardkit audit (fresh process, median of {runs}): " +
          ", ".join(f"{k} {v:.3f} s" for k, v in walls.items()))


def startup(root: Path, jobs: int) -> float:
    """Wall seconds of an audit of ONE dump with ``jobs`` processes: pool spawn, imports, trust store load."""
    one = next(iter(sorted((root / "dumps").iterdir())))
    t = time.perf_counter()
    s = audit([one], [root / "trust"], jobs=jobs, chunksize=32, with_checks=False)
    assert s.authentic == s.total == 1, s.to_dict()
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=2000)
    ap.add_argument("--key", action="append", default=None, help="key types (default: ec-p256, rsa-2048, ec-brainpoolp256r1)")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--no-cli", action="store_true", help="skip the 11-dump runs of the CLI")
    args = ap.parse_args()
    cores = os.cpu_count() or 1
    med = statistics.median
    print(f"cardkit audit benchmark: {args.docs} dumps per key type, {cores} cores, median of {args.repeat} runs, "
          f"load average {os.getloadavg()[0]:.2f} at start")
    print("us/doc and docs/s per core are CPU time; --jobs speed-ups are wall time (sensitive to other load)")
    for key_type in args.key or ["ec-p256", "rsa-2048", "ec-brainpoolp256r1"]:
        with tempfile.TemporaryDirectory() as tmp:
            root, docs, ds, csca = make_corpus(Path(tmp), args.docs, key_type)
            n = args.docs
            raw = med(raw_cost(docs, ds, csca) for _ in range(args.repeat)) / n * 1e6
            floor = med(floor_cost(root) for _ in range(args.repeat)) / n * 1e6
            decode = med(decode_cost(docs) for _ in range(args.repeat)) / n * 1e6
            runs = [timed_audit(root, 1) for _ in range(args.repeat)]
            wall1 = med(r[0] for r in runs)
            cpu1 = med(r[1] for r in runs) / n * 1e6
            print(f"\n[{key_type}]  load average {os.getloadavg()[0]:.2f}")
            print(f"  raw checks (sig + hashes)  : {raw:7.1f} us CPU/doc  ({1e6 / raw:6.0f} docs/s per core)")
            print(f"  file read floor            : {floor:7.1f} us CPU/doc  (list + open/read, no parsing)")
            print(f"  strict decode of the files : {decode:7.1f} us CPU/doc  (EF.SOD, DG1 + MRZ, DG2, DG14, DG15; in memory)")
            least = raw + floor + decode
            print(f"  raw + floor + decode       : {least:7.1f} us CPU/doc  ({least / raw:.2f}x raw: the least an audit "
                  f"with the same findings costs in Python)")
            print(f"  audit --jobs 1             : {cpu1:7.1f} us CPU/doc  ({1e6 / cpu1:6.0f} docs/s per core)")
            print(f"  audit / raw                : {cpu1 / raw:7.2f}x  (overhead {100 * (cpu1 - raw) / raw:.0f}% of raw; "
                  f"{100 * (cpu1 - raw - floor) / raw:.0f}% without the file read floor)")
            print(f"  audit --jobs 1  wall       : {wall1:7.3f} s   ({n / wall1:6.0f} docs/s)")
            runs = [timed_audit(root, None) for _ in range(args.repeat)]
            wall = med(r[0] for r in runs)
            print(f"  audit (default) wall       : {wall:7.3f} s   ({n / wall:6.0f} docs/s); speed-up {wall1 / wall:4.2f}x "
                  f"(alone for the first {HEAD_START} s, then workers join)")
            for jobs in range(2, cores + 1):
                runs = [timed_audit(root, jobs) for _ in range(args.repeat)]
                wall = med(r[0] for r in runs)
                cpu = med(r[1] for r in runs) / n * 1e6
                start = med(startup(root, jobs) for _ in range(args.repeat))
                print(f"  audit --jobs {jobs:<2} wall       : {wall:7.3f} s   ({n / wall:6.0f} docs/s, {cpu:6.1f} us CPU/doc in "
                      f"all processes); speed-up {wall1 / wall:4.2f}x = {100 * wall1 / wall / jobs:.0f}% of linear")
                print(f"  pool start-up ({jobs} workers)  : {start:7.3f} s   (audit of one dump); speed-up without it "
                      f"{wall1 / max(wall - start, 1e-9):4.2f}x (estimate)")
            if not args.no_cli:
                small_runs(root, args.repeat)


if __name__ == "__main__":
    main()
