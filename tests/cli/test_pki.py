"""`cardkit pki`: init-csca, issue-ds, issue-ml-signer, link, crl, master-list, lint (key file and HSM)."""

import json
import stat

import pytest
from click.testing import CliRunner

from cardkit import cli
from cardkit.pki.keystore import load_signer
from cardkit.pki.passive import passive_authentication
from cardkit.pki.signers import load_certificate
from cardkit.pki.sod_builder import build_sod
from cardkit.pki.trust import TrustStore
from tests.support.sod import sample_dgs
from tests.support.cli import run_cli

PASS = "test passphrase 1"


@pytest.fixture
def env(monkeypatch):
    monkeypatch.setenv("CARDKIT_PASSPHRASE", PASS)


def run(*args):
    return cli.main([str(a) for a in args])


def test_full_key_file_flow(tmp_path, env, capsys):
    csca, ds, ml = tmp_path / "csca", tmp_path / "ds", tmp_path / "ml"
    assert run("pki", "init-csca", "--country", "VN", "--out", csca, "--key-type", "ec-p256") == 0
    assert stat.S_IMODE((csca / "csca.key").stat().st_mode) == 0o600
    assert run("pki", "issue-ds", "--csca", csca, "--out", ds, "--key-type", "rsa-2048") == 0
    assert run("pki", "issue-ml-signer", "--csca", csca, "--out", ml) == 0
    out = capsys.readouterr().out
    assert PASS not in out
    signer = load_signer(ds, "ds")
    assert signer.signature_algorithm == "RSASSA-PSS"
    dgs = sample_dgs()
    sod = build_sod(dgs, signer)
    for cert in ("csca/csca.pem", "ds/ds.pem", "ml/ml.pem"):
        assert run("pki", "lint", tmp_path / cert) == 0
    crl_path = tmp_path / "vn.crl"
    assert run("pki", "crl", "--csca", csca, "--revoke", ds / "ds.pem", "--out", crl_path) == 0
    ml_path = tmp_path / "vn.ml"
    assert run("pki", "master-list", "--signer", ml, "--csca", csca / "csca.pem", "--out", ml_path) == 0
    trust = TrustStore.load([ml_path], [crl_path])  # CSCA only via the master list
    r = passive_authentication(sod, dgs, trust, issuing_state="VNM")
    assert [c for c in r.checks if c.name == "revocation"][0].failed
    assert [c for c in r.checks if c.name == "certificate path"][0].passed


def test_link_certificate(tmp_path, env):
    assert run("pki", "init-csca", "--country", "VN", "--out", tmp_path / "old") == 0
    assert run("pki", "init-csca", "--country", "VN", "--out", tmp_path / "new") == 0
    assert run("pki", "link", "--old", tmp_path / "old", "--new", tmp_path / "new", "--out", tmp_path / "link.pem") == 0
    link = load_certificate(tmp_path / "link.pem")
    assert link.issuer == load_certificate(tmp_path / "old" / "csca.pem").subject
    assert run("pki", "lint", tmp_path / "link.pem") == 0


def test_lint_json_and_exit_1_on_departure(tmp_path, env, capsys):
    assert run("pki", "init-csca", "--country", "VN", "--out", tmp_path / "c") == 0
    capsys.readouterr()
    assert run("pki", "lint", tmp_path / "c" / "csca.pem", "--role", "ds", "--json") == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["conforms"] is False
    assert any(c["name"] == "key usage" and c["status"] == "FAILED" for c in doc["checks"])


def test_existing_output_is_not_overwritten(tmp_path, env, capsys):
    assert run("pki", "init-csca", "--country", "VN", "--out", tmp_path / "c") == 0
    assert run("pki", "init-csca", "--country", "VN", "--out", tmp_path / "c") == 2
    assert "exists" in capsys.readouterr().err


def test_wrong_passphrase_is_one_line_exit_2(tmp_path, env, monkeypatch, capsys):
    assert run("pki", "init-csca", "--country", "VN", "--out", tmp_path / "c") == 0
    monkeypatch.setenv("CARDKIT_PASSPHRASE", "nope-nope")
    assert run("pki", "issue-ds", "--csca", tmp_path / "c", "--out", tmp_path / "d") == 2
    err = capsys.readouterr().err
    assert "wrong passphrase" in err and "nope-nope" not in err and len(err.strip().splitlines()) == 1


def test_passphrase_prompt_does_not_echo(tmp_path, monkeypatch):
    monkeypatch.delenv("CARDKIT_PASSPHRASE", raising=False)
    result = CliRunner().invoke(cli.app, ["pki", "init-csca", "--country", "VN", "--out", str(tmp_path / "c")],
                                input="s3cret-words\ns3cret-words\n")
    assert result.exit_code == 0, result.output
    assert "s3cret-words" not in result.output
    assert load_signer(tmp_path / "c", "csca", passphrase=b"s3cret-words").certificate is not None


@pytest.mark.hsm
def test_hsm_flow(tmp_path, softhsm, monkeypatch, env):
    monkeypatch.setenv("TEST_HSM_PIN", softhsm.pin)
    hsm = ["--hsm-module", softhsm.module, "--hsm-token", softhsm.label, "--hsm-pin-env", "TEST_HSM_PIN"]
    assert run("pki", "init-csca", "--country", "VN", "--out", tmp_path / "c", "--key-type", "rsa-2048", *hsm) == 0
    assert run("pki", "issue-ds", "--csca", tmp_path / "c", "--out", tmp_path / "d", "--key-type",
               "ec-brainpoolp256r1", *hsm) == 0
    assert not (tmp_path / "d" / "ds.key").exists()
    meta = json.loads((tmp_path / "d" / "ds.json").read_text())
    assert meta["key"] == "pkcs11" and meta["pin_env"] == "TEST_HSM_PIN" and softhsm.pin not in json.dumps(meta)
    signer = load_signer(tmp_path / "d", "ds")
    dgs = sample_dgs()
    sod = build_sod(dgs, signer)
    trust = TrustStore.load([tmp_path / "c" / "csca.pem"])
    assert passive_authentication(sod, dgs, trust, issuing_state="VNM").passed
    assert run("pki", "lint", tmp_path / "d" / "ds.pem") == 0


def test_prompts_name_the_key_they_protect_and_the_variable(tmp_path):
    csca, ds = tmp_path / "csca", tmp_path / "ds"
    r = CliRunner().invoke(cli.app, ["pki", "init-csca", "--country", "VN", "--out", str(csca)],
                           input="csca-Words-1\ncsca-Words-1\n")
    assert r.exit_code == 0, r.output
    assert (f"New passphrase to encrypt the CSCA private key {csca / 'csca.key'} (or set CARDKIT_PASSPHRASE): "
            in r.output) and "Repeat for confirmation: " in r.output
    r = CliRunner().invoke(cli.app, ["pki", "issue-ds", "--csca", str(csca), "--out", str(ds)],
                           input="csca-Words-1\nds-Words-2\nds-Words-2\n")
    assert r.exit_code == 0, r.output
    asked = [line.split(": ")[0] for line in r.output.splitlines() if "(or set CARDKIT_PASSPHRASE)" in line]
    assert asked == [f"Passphrase of the CSCA private key {csca / 'csca.key'} (or set CARDKIT_PASSPHRASE)",
                     f"New passphrase to encrypt the Document Signer private key {ds / 'ds.key'} (or set "
                     "CARDKIT_PASSPHRASE)"]
    assert "Words" not in r.output
    assert load_signer(ds, "ds", passphrase=b"ds-Words-2").certificate.issuer == load_certificate(csca / "csca.pem").subject


def test_no_answer_to_a_passphrase_prompt_names_the_variable(tmp_path):
    code, _, err = run_cli("pki", "init-csca", "--country", "VN", "--out", tmp_path / "c", input="")
    assert code == 2
    assert err.splitlines()[-1] + "\n" == (f"cardkit: New passphrase to encrypt the CSCA private key {tmp_path / 'c' / 'csca.key'}: no answer "
                   "(no terminal, or the input ended); set CARDKIT_PASSPHRASE\n")
    assert not (tmp_path / "c" / "csca.key").exists()


def test_issue_ds_puts_the_issuing_csca_certificate_beside_the_ds(tmp_path, env, capsys):
    csca, ds = tmp_path / "csca", tmp_path / "ds"
    assert run("pki", "init-csca", "--country", "VN", "--out", csca) == 0
    assert run("pki", "issue-ds", "--csca", csca, "--out", ds) == 0
    assert (ds / "csca.pem").read_bytes() == (csca / "csca.pem").read_bytes()
    load_certificate(ds / "ds.pem").verify_directly_issued_by(load_certificate(ds / "csca.pem"))
    assert f"-> {ds / 'csca.pem'}" in capsys.readouterr().out
    # A second DS into the CSCA's own folder: the same certificate is already there, nothing to refuse.
    assert run("pki", "issue-ds", "--csca", csca, "--out", csca) == 0
    assert (csca / "csca.pem").read_bytes() == (ds / "csca.pem").read_bytes()


def test_issue_ds_never_replaces_another_csca_certificate(tmp_path, env, capsys):
    assert run("pki", "init-csca", "--country", "VN", "--out", tmp_path / "a") == 0
    assert run("pki", "init-csca", "--country", "VN", "--out", tmp_path / "b") == 0
    out = tmp_path / "ds"
    out.mkdir()
    (out / "csca.pem").write_bytes((tmp_path / "b" / "csca.pem").read_bytes())
    capsys.readouterr()
    assert run("pki", "issue-ds", "--csca", tmp_path / "a", "--out", out) == 2
    err = capsys.readouterr().err
    assert err == f"cardkit: {out / 'csca.pem'} exists and is not the certificate of this CSCA; choose another --out\n"
    assert sorted(p.name for p in out.iterdir()) == ["csca.pem"]  # no key was made
