"""Benchmark: the cost of personalising a card, host side and end to end on the simulator.

Reports, per profile (vn-cccd, icao-td1, icao-td3):
1. host-side cost per card: build the files + fresh chip keys + sign EF.SOD (``build_card``) and
   the ledger's four commits (register, begin, card touched, issued; SQLite WAL, synchronous FULL),
   against the bare DS signature (``signer.sign`` over a signed-attributes-sized message);
2. APDUs per personalisation: perso commands sent against the minimum any planner could use (one
   CREATE FILE and ceil(size / 65535) UPDATE BINARY per file, the same PUT DATAs, the lock), plus the
   read-back inspection's APDUs, and for a profile writing DG3/DG4 what the read-back's probe of
   Extended Access Control (DG3 asked without TA, which the chip must refuse) adds to them;
3. cards per minute end to end on the in-process simulator (``run_batch``: build, sign, write, lock,
   read back with PACE/BAC + PA + CA + AA, ledger), over N made-up records.

Run: .venv/bin/python benchmarks/bench_personalise.py [--cards N] [--key ec-brainpoolp256r1|rsa-2048]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cardkit.card import SimulatorTransport  # noqa: E402
from cardkit.crypto.cvc import CvCertificate  # noqa: E402
from cardkit.inspect import inspect  # noqa: E402
from cardkit.personalise import build_card, card_access_key, minimum_apdus, mrz_for, plan_perso  # noqa: E402
from cardkit.pki.certs import generate_private_key, make_csca, make_ds  # noqa: E402
from cardkit.pki.demo import DEMO_PASSPHRASE, ensure_demo_eac_pki  # noqa: E402
from cardkit.pki.signers import KeyFileSigner  # noqa: E402
from cardkit.pki.trust import TrustStore  # noqa: E402
from cardkit.production.batch import SimulatorSource, run_batch  # noqa: E402
from cardkit.production.ledger import IssueRequest, Ledger, request_key  # noqa: E402
from cardkit.production.records import CitizenRecord, RecordResult  # noqa: E402
from cardkit.profiles import Profile, load_profile  # noqa: E402
from simulators.emrtd import EmrtdChip  # noqa: E402

PROFILES = ("vn-cccd", "icao-td1", "icao-td3")


def pki(key_type: str) -> tuple[KeyFileSigner, TrustStore]:
    csca_key = generate_private_key(key_type)
    csca = make_csca(KeyFileSigner(csca_key), country="VN", common_name="bench CSCA")
    ds_key = generate_private_key(key_type)
    ds = make_ds(KeyFileSigner(csca_key, csca), ds_key.public_key(), common_name="bench DS")
    trust = TrustStore()
    trust.add_certificate(csca, "bench")
    return KeyFileSigner(ds_key, ds), trust


def record(n: int) -> CitizenRecord:
    return CitizenRecord(
        id_number=f"001090{n:06d}", full_name="Trần Văn Đức", date_of_birth="01/01/1990", sex="Nam",
        nationality="Việt Nam", ethnicity="Kinh", religion="Không", place_of_origin="Hà Nội",
        place_of_residence="Số 5 Hàng Bạc, Hoàn Kiếm, Hà Nội", identification_features="Nốt ruồi",
        date_of_issue="01/07/2021", date_of_expiry="01/01/2040", father_name="Trần Văn Bình",
        mother_name="Nguyễn Thị Ánh Tuyết", photo=ROOT / "examples" / "photos" / "tran-van-duc.jpg",
        finger_left=ROOT / "examples" / "fingers" / "tran-van-duc-left.jp2",
        finger_right=ROOT / "examples" / "fingers" / "tran-van-duc-right.jp2")


def probe_cost(source: SimulatorSource, profile: Profile, n: int, trust: TrustStore) -> str:
    """The read-back's EAC probe on one issued card: APDUs with it minus without it, and how the chip answered."""
    chip = next(iter(source.kept.values()))
    rec = record(n)
    key = card_access_key(rec.can, mrz_for(rec, profile).mrz_information)
    counts, said = [], ""
    for probe in (False, True):
        report = inspect(SimulatorTransport(chip), key=key, trust=trust, block_size=profile.chip.read_block_size,
                         probe_eac=probe)
        counts.append(report.apdu_count)
        check = report.check("eac_protection")
        said = check.reason if check is not None else said
    return f"{counts[1] - counts[0]} APDU(s) of {counts[1]} ({said})"


def ms(xs: list[float]) -> str:
    return f"{1000 * statistics.median(xs):7.2f} ms"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cards", type=int, default=40, help="cards per profile (default 40)")
    ap.add_argument("--key", default="ec-brainpoolp256r1", help="DS key type (default ec-brainpoolp256r1)")
    args = ap.parse_args()
    signer, trust = pki(args.key)
    print(f"DS: {signer.signature_algorithm} ({args.key}); {args.cards} cards per profile; medians\n")

    sig = []
    for _ in range(args.cards):
        t = time.perf_counter()
        signer.sign(b"\x31" + bytes(120))
        sig.append(time.perf_counter() - t)
    print(f"bare DS signature: {ms(sig)}\n")

    print(f"{'profile':10} {'build+keys+sign':>16} {'(keys)':>10} {'(sign)':>10} {'ledger':>10} {'host total':>11} "
          f"{'x sig':>6} | {'perso APDUs':>11} {'minimum':>7} {'read-back':>9} | {'cards/min':>9}")
    probes: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        cvca_now: tuple[CvCertificate, ...] = ensure_demo_eac_pki(Path(tmp) / "eac", DEMO_PASSPHRASE)[:1]
        for name in PROFILES:
            profile = load_profile(name)
            cvca = cvca_now if profile.terminal_authentication is not None else ()
            builds, keys, sign, ledger_t = [], [], [], []
            with Ledger(Path(tmp) / f"{name}-host.sqlite", station="bench") as lg:
                for i in range(args.cards):
                    t = time.perf_counter()
                    b = build_card(record(i), profile, signer, cvca=cvca)
                    builds.append(time.perf_counter() - t)
                    keys.append(b.timings["keys"])
                    sign.append(b.timings["sign"])
                    t = time.perf_counter()
                    lg.add_batch("bench", name, "bench", args.cards)
                    lg.register(IssueRequest(request_key=request_key("bench", i, b.person_id), batch="bench", line=i,
                                             kind="vn-citizen", record="{}", photo=None, person_key=b.person_id,
                                             document_number=b.document_number, document_key=b.person_id,
                                             unique_document=False, issue_reason="first", capture_device=None))
                    row = lg.claim("bench")
                    lg.touch(row, expected_sod=b.sod, ds_certificate_der=b"\x30\x00", ds_subject="CN=bench",
                             artifact=b.person_id)
                    lg.issued(row)
                    ledger_t.append(time.perf_counter() - t)
                    b.wipe()
            b = build_card(record(0), profile, signer, cvca=cvca)
            n_perso, n_min = len(plan_perso(b, profile)), minimum_apdus(b, profile)
            b.wipe()
            with Ledger(Path(tmp) / f"{name}-e2e.sqlite", station="bench") as lg:
                items = [RecordResult(i + 1, record(1000 + i)) for i in range(args.cards)]
                t = time.perf_counter()
                source = SimulatorSource(None, EmrtdChip)
                s = run_batch(items, profile=profile, signer=signer, trust=trust, ledger=lg, source=source,
                              batch="bench", cvca=cvca)
                elapsed = time.perf_counter() - t
            assert s.issued == args.cards, s.outcomes[:3]
            readback = statistics.median(o.apdus for o in s.outcomes) - n_perso
            host = statistics.median(builds) + statistics.median(ledger_t)
            print(f"{name:10} {ms(builds):>16} {ms(keys):>10} {ms(sign):>10} {ms(ledger_t):>10} "
                  f"{1000 * host:8.2f} ms {host / statistics.median(sig):6.1f} | {n_perso:11d} {n_min:7d} "
                  f"{readback:9.0f} | {60 * s.issued / elapsed:9.1f}")
            if any(n in (3, 4) for n in profile.data_groups):
                probes.append(f"{name}: the read-back's EAC probe adds {probe_cost(source, profile, 1000, trust)}")
    print("\n" + "\n".join(probes))


if __name__ == "__main__":
    main()
