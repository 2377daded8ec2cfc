"""Start-up: a command loads only what it needs (the time it takes is measured by benchmarks/bench_startup.py).

Each case runs ``cardkit`` in a fresh interpreter, as a user's shell does, and lists the modules the
process ended with: ``--version`` reads no package metadata; ``verify --json`` loads no rich (text
output only), no signing side of the PKI, no LDIF reader, no pyscard for a simulator image, and no
software chip for a dump.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import cardkit
from tests.support.cards import make_vn_card
from tests.support.cli import ROOT

_PROBE = """
import json, sys
from cardkit.cli import main
code = main(sys.argv[1:])
sys.stdout.flush()
print("\\n" + json.dumps([code, sorted(sys.modules)]), file=sys.stderr)
"""

# loaded only by what needs them
HEAVY = {
    "rich": "text output",
    "importlib.metadata": "package metadata (--version uses cardkit.__version__)",
    "ldif": "an LDIF trust source",
    "PIL": "image conversion",
    "tomllib": "a settings file",
    "cardkit.pki.signers": "signing",
    "cardkit.pki.sod_builder": "building EF.SOD and master lists",
    "cardkit.pki.certs": "issuing certificates",
    "cardkit.pki.hsm": "an HSM",
    "cardkit.personalise": "personalisation",
    "cardkit.production": "production",
}


def loaded(*args: object) -> tuple[int, str, set[str]]:
    """(exit code, stdout, the modules loaded) of ``cardkit ARGS`` in a new interpreter."""
    r = subprocess.run([sys.executable, "-c", _PROBE, *(str(a) for a in args)], cwd=ROOT, capture_output=True,
                       text=True, timeout=120)
    code, modules = json.loads(r.stderr.strip().splitlines()[-1])
    return code, r.stdout, set(modules)


def _has(modules: set[str], name: str) -> bool:
    return any(m == name or m.startswith(name + ".") for m in modules)


@pytest.fixture(scope="module")
def card(tmp_path_factory):
    base = tmp_path_factory.mktemp("startup")
    chip, _trust, info = make_vn_card(base)
    chip.save(base / "card.image")
    return base / "card.image", info


def test_version_is_the_package_constant_without_metadata_or_commands():
    code, out, modules = loaded("--version")
    assert code == 0 and out.strip() == f"cardkit, version {cardkit.__version__}"
    assert not _has(modules, "importlib.metadata") and not _has(modules, "logging")
    assert not {m for m in modules if m.startswith("cardkit.") and not m.startswith(("cardkit.cli", "cardkit.errors",
                                                                                       "cardkit._lazy"))}


def test_verify_json_of_a_simulated_card_loads_no_text_renderer_signer_or_pcsc(card):
    image, info = card
    code, out, modules = loaded("verify", "--json", "--sim", image, "--can", info.can, "--trust", info.csca_path)
    assert code == 0 and json.loads(out)["verdict"] == "GENUINE"
    assert {name for name in HEAVY if _has(modules, name)} == set()
    assert not _has(modules, "smartcard")  # pyscard: a reader was not asked for


def test_verify_of_a_dump_loads_no_software_chip(card, tmp_path):
    image, info = card
    dump = tmp_path / "dump"
    subprocess.run([sys.executable, "-c", "from cardkit.cli import _entry; _entry()", "read", "--sim", image,
                    "--can", info.can, "--out", dump], cwd=ROOT, check=True, capture_output=True, timeout=120)
    code, out, modules = loaded("verify", "--json", "--dump", dump, "--trust", info.csca_path)
    assert code == 1 and json.loads(out)["verdict"] == "DATA_AUTHENTIC_CHIP_NOT_PROVEN"
    assert not _has(modules, "simulators") and not _has(modules, "smartcard") and not _has(modules, "rich")


def test_text_output_loads_rich_when_it_draws(card):
    image, info = card
    code, out, modules = loaded("verify", "--sim", image, "--can", info.can, "--trust", info.csca_path)
    assert code == 0 and "GENUINE" in out and _has(modules, "rich")
