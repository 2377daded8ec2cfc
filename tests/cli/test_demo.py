"""`cardkit demo` through cardkit.cli.main: personalise and verify with TEST keys, never a prompt."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from cardkit.errors import KeyStoreError
from cardkit.pki.cvc import load_cv_certificate
from cardkit.pki.cvc_chain import validate_chain
from cardkit.pki.demo import DEMO_PASSPHRASE, ensure_demo_pki
from cardkit.pki.signers import load_encrypted_key
from simulators.emrtd import EmrtdChip
from tests.support.cli import run_cli as run


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    base = tmp_path_factory.mktemp("demo")
    code, out, err = run("demo", "--out", base / "out", "--keys", base / "keys", "--json")
    return base, code, out, err


def test_demo_personalises_and_verifies(demo_run):
    base, code, out, err = demo_run
    assert code == 0, err
    report = json.loads(out)
    assert report["verdict"] == "GENUINE"
    assert report["holder"]["dg13"]["full_name"] == "Nguyễn Thị Ánh Tuyết"  # full Vietnamese text, NFC
    outdir = base / "out"
    assert (outdir / "card.image").is_file() and (outdir / "report.json").is_file()
    assert {"DG1", "DG2", "DG13", "DG14", "DG15", "EF.COM", "EF.SOD", "EF.CardAccess"} <= {
        p.name for p in (outdir / "dump").iterdir()}
    assert json.loads((outdir / "report.json").read_text(encoding="utf-8"))["verdict"] == "GENUINE"
    assert stat.S_IMODE((outdir / "report.json").stat().st_mode) == 0o600
    keys = {p.name for p in (base / "keys").iterdir()}
    assert {"csca.pem", "ds.pem", "ds.key"} <= keys
    assert b"TEST" in (base / "keys" / "ds.pem").read_bytes() or "TEST" in _subject(base / "keys" / "ds.pem")
    assert b"ENCRYPTED" in (base / "keys" / "ds.key").read_bytes()


def test_demo_makes_an_eac_pki_the_chip_trusts(demo_run):
    """keys/demo/eac: CVCA, DV and IS (TEST); the demo chip trusts the CVCA and its DG3 is behind TA."""
    base, *_ = demo_run
    eac = base / "keys" / "eac"
    cvca, dv, is_ = (load_cv_certificate(eac / f"{r}.cvcert") for r in ("cvca", "dv", "is"))
    assert cvca.chr == "VNCVCATEST00001" and all(stat.S_IMODE((eac / f"{r}.key").stat().st_mode) == 0o600
                                                 for r in ("cvca", "dv", "is"))
    result = validate_chain([dv, is_], [cvca], is_.effective_date)
    assert result.read_dg3 and result.read_dg4
    chip = EmrtdChip.load(base / "out" / "card.image")
    assert chip.ta_trust.cars == (cvca.chr,)
    report = json.loads((base / "out" / "report.json").read_text(encoding="utf-8"))
    dg3 = next(c for c in report["checks"] if c["name"] == "read:DG3")
    assert dg3["status"] == "NOT_SUPPORTED"  # no terminal key in a plain verify: DG3 stays behind TA


def _subject(path: Path) -> str:
    from cryptography import x509

    return x509.load_pem_x509_certificate(path.read_bytes()).subject.rfc4514_string()


def test_demo_image_verifies_with_cardkit_verify(demo_run):
    base, *_ = demo_run
    code, out, err = run("verify", "--sim", base / "out" / "card.image", "--can", "999001",
                         "--trust", base / "keys" / "csca.pem", "--json")
    assert code == 0, err
    assert json.loads(out)["verdict"] == "GENUINE"


def test_demo_rerun_reuses_the_pki_and_prints_a_table(demo_run):
    base, *_ = demo_run
    before = (base / "keys" / "ds.pem").read_bytes()
    code, out, err = run("demo", "--out", base / "out2", "--keys", base / "keys")
    assert code == 0, err
    assert "GENUINE" in out and "TEST PKI" in out
    assert (base / "keys" / "ds.pem").read_bytes() == before


def test_demo_never_needs_a_prompt_whatever_cardkit_passphrase_holds(demo_run, tmp_path):
    """The operator's CARDKIT_PASSPHRASE neither encrypts the demo's test keys nor stops the demo."""
    base, *_ = demo_run
    own = {"CARDKIT_PASSPHRASE": "operator-Own-passphrase-31"}
    code, out, err = run("demo", "--out", tmp_path / "o1", "--keys", tmp_path / "keys", "--json", env=own)  # new PKI
    assert code == 0, err
    assert json.loads(out)["verdict"] == "GENUINE"
    load_encrypted_key(tmp_path / "keys" / "ds.key", DEMO_PASSPHRASE)  # the published demo passphrase, always
    with pytest.raises(KeyStoreError, match="cannot decrypt"):
        load_encrypted_key(tmp_path / "keys" / "ds.key", own["CARDKIT_PASSPHRASE"].encode())
    code, _, err = run("demo", "--out", tmp_path / "o2", "--keys", base / "keys", env=own)  # existing PKI
    assert code == 0, err


def test_demo_opens_demo_keys_an_earlier_version_encrypted_with_cardkit_passphrase(tmp_path):
    ensure_demo_pki(tmp_path / "keys", b"operator-Own-passphrase-31")
    code, _, err = run("demo", "--out", tmp_path / "o", "--keys", tmp_path / "keys",
                       env={"CARDKIT_PASSPHRASE": "operator-Own-passphrase-31"})
    assert code == 0, err


@pytest.mark.parametrize("env", [{}, {"CARDKIT_PASSPHRASE": "another-Passphrase-77"}], ids=["unset", "set"])
def test_demo_keys_that_open_with_neither_passphrase_exit_2(tmp_path, env):
    ensure_demo_pki(tmp_path / "keys", b"someone-elses-Passphrase-5")
    code, out, err = run("demo", "--out", tmp_path / "o", "--keys", tmp_path / "keys", env=env)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith(f"cardkit: cannot decrypt {tmp_path / 'keys' / 'ds.key'}")
    assert f"if the demo made {tmp_path / 'keys'}, remove it" in err and "Passphrase" not in err
    assert not (tmp_path / "o").exists()
