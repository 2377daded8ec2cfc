"""``cardkit demo``: personalise a simulated Vietnamese card and verify it, in seconds, with no hardware.

What it does:
1. makes a TEST PKI in ``keys/demo/`` if absent (CSCA + Document Signer for VN, subjects say TEST;
   and in ``keys/demo/eac/`` a TEST EAC PKI: CVCA, DV, inspection system), its keys encrypted with
   the published demo passphrase (``cardkit.pki.demo``): the demo needs no prompt, and works whether
   ``CARDKIT_PASSPHRASE`` is set or not (that variable is for the operator's own keys; it only opens
   demo keys an earlier cardkit encrypted with it);
2. takes the first valid record of ``examples/vn-citizens.csv`` (a made-up citizen, full Vietnamese
   text, a small drawn face) and personalises a simulated chip with the ``vn-cccd`` profile:
   build, sign, write (the chip trusts the TEST CVCA; DG3 holds the record's two fingers), lock, read back;
3. saves the chip as ``DIR/card.image``, loads it again from disk and inspects it as a border
   terminal would (PACE with the CAN, PA, CA, AA), writing ``DIR/dump/`` and ``DIR/report.json``;
4. prints the inspection report; exits 0 when the card is GENUINE.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import click
from rich.console import Console

from simulators.emrtd import EmrtdChip

from ..card import AccessKey, SimulatorTransport
from ..errors import InputError
from ..inspect import InspectionReport, inspect
from ..inspect.render import render
from ..personalise import build_card, personalise_card
from ..pki.cvc import load_cv_certificate
from ..pki.demo import DEMO_PASSPHRASE, open_demo_pki
from ..pki.signers import passphrase_from_env
from ..pki.trust import TrustStore
from ..private_files import write_private
from ..production.records import load_records
from ..profiles import load_profile

__all__ = ["demo", "run_demo", "DEMO_PASSPHRASE", "EXAMPLES"]

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def run_demo(out: Path, keys: Path, records: Path, profile_name: str = "vn-cccd"
             ) -> tuple[InspectionReport, dict[str, float]]:
    """Steps 1-3 of the module header; returns (InspectionReport, timings in seconds)."""
    timings: dict[str, float] = {}
    t = time.perf_counter()
    pki, signer = open_demo_pki(keys, also_try=passphrase_from_env())
    trust = TrustStore.load([pki.csca_cert_path])
    timings["pki"] = time.perf_counter() - t

    t = time.perf_counter()
    record = next((r.record for r in load_records(records) if r.record is not None), None)
    if record is None:
        raise InputError(f"{records}: no valid record to personalise")
    profile = load_profile(profile_name)
    chip = EmrtdChip()
    cvca = (load_cv_certificate(pki.cvca_cert_path),) if pki.cvca_cert_path and profile.terminal_authentication else ()
    build = build_card(record, profile, signer, cvca=cvca)
    personalise_card(lambda: SimulatorTransport(chip), build, profile, trust)
    out.mkdir(parents=True, exist_ok=True)
    image = out / "card.image"
    chip.save(image)
    timings["personalise"] = time.perf_counter() - t

    t = time.perf_counter()
    card = EmrtdChip.load(image)  # verify what is on disk, not the object in memory
    report = inspect(SimulatorTransport(card), key=AccessKey.from_can(record.can), trust=trust, out_dir=out / "dump")
    write_private(out / "report.json", (json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
    timings["verify"] = time.perf_counter() - t
    return report, timings


@click.command("demo")
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), default=Path("demo-out"), show_default=True,
              help="Where card.image, dump/ and report.json go.")
@click.option("--keys", type=click.Path(path_type=Path, file_okay=False), default=Path("keys/demo"),
              show_default=True, help="The TEST PKI (made if absent).")
@click.option("--records", type=click.Path(path_type=Path, dir_okay=False), default=EXAMPLES / "vn-citizens.csv",
              show_default=False, help="Sample records (default: examples/vn-citizens.csv).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def demo(out: Path, keys: Path, records: Path, as_json: bool) -> None:
    """Personalise a simulated Vietnamese card (TEST keys) and verify it; print the report."""
    if not records.is_file():
        raise InputError(f"{records}: no such records file")
    t0 = time.perf_counter()
    report, timings = run_demo(out, keys, records)
    total = time.perf_counter() - t0
    if as_json:
        click.echo(json.dumps({**report.to_dict(), "demo": {"out": str(out), "seconds": round(total, 3)}},
                              ensure_ascii=False, indent=2))
    else:
        console = Console(soft_wrap=False)
        render(report, console)
        console.print(f"TEST PKI: {keys}/  card: {out / 'card.image'}  dump: {out / 'dump'}/  "
                      f"report: {out / 'report.json'}  ({total:.2f} s: " +
                      ", ".join(f"{k} {v:.2f}" for k, v in timings.items()) + ")", highlight=False)
    click.get_current_context().exit(report.exit_code)
