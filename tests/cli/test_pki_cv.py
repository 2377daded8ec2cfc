"""`cardkit pki cvca|dv|is|cv`: the EAC PKI from the command line (key files and PKCS#11), and its errors."""

from __future__ import annotations

import datetime as dt
import json
import stat

import pytest

from cardkit import cli
from cardkit.crypto.cvc import Role
from cardkit.crypto.ta import ChipTrust, TaChip, TerminalAuthentication, id_picc_from_document_number
from cardkit.pki.cvc import TaSignerAdapter, load_cv_certificate
from cardkit.pki.cvc_chain import validate_chain
from cardkit.pki.cvc_store import load_cv_signer
from tests.support.cvc_pki import key, point
from tests.support.softhsm import softhsm  # noqa: F401  (fixture)

PASS = "cv test passphrase 7"


@pytest.fixture
def env(monkeypatch):
    monkeypatch.setenv("CARDKIT_PASSPHRASE", PASS)
    monkeypatch.delenv("CARDKIT_DEBUG", raising=False)


def run(*args):
    return cli.main([str(a) for a in args])


def one_error_line(capsys, *names):
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("cardkit: ") and "internal error" not in err, err
    for name in names:
        assert name in lines[0], err
    assert PASS not in err
    return lines[0]


def ta_with(is_dir, cvca_cert):
    """Run TA with the terminal signer of a signer directory against a chip trusting ``cvca_cert``."""
    cert, signer = load_cv_signer(is_dir, "is")
    dv = load_cv_certificate(is_dir.parent / "dv" / "dv.cvcert")
    curve = cvca_cert.public_key.curve.name
    eph = point(key(curve, "eph"))
    idp = id_picc_from_document_number("012345678")
    chip = TaChip(ChipTrust.personalise([cvca_cert], cvca_cert.effective_date), id_picc=idp, ca_ephemeral_public_key=eph)
    ta = TerminalAuthentication([dv, cert], TaSignerAdapter(signer, cert.public_key.algorithm), id_picc=idp,
                                ca_ephemeral_public_key=eph)
    cmd = ta.start()
    while cmd is not None:
        cmd = ta.receive(chip.respond(cmd))
    return chip.authorization


def test_key_file_flow(tmp_path, env, capsys):
    cvca, dv, is_ = tmp_path / "cvca", tmp_path / "dv", tmp_path / "is"
    assert run("pki", "cvca", "init", "--country", "VN", "--out", cvca) == 0
    assert stat.S_IMODE((cvca / "cvca.key").stat().st_mode) == 0o600
    assert run("pki", "dv", "issue", "--cvca", cvca, "--out", dv, "--mnemonic", "HCM", "--sequence", "00007") == 0
    assert run("pki", "is", "issue", "--dv", dv, "--out", is_, "--no-read-dg4", "--validity-days", "7") == 0
    out = capsys.readouterr().out
    assert PASS not in out and "VNCVCA00001" in out and "VNHCM00007" in out
    c, d, i = (load_cv_certificate(p / f"{p.name}.cvcert") for p in (cvca, dv, is_))
    assert (c.role, d.role, i.role) == (Role.CVCA, Role.DV_DOMESTIC, Role.TERMINAL)
    assert c.public_key.curve is not None and c.public_key.curve.name == "brainpoolP256r1"
    # the day the certificates were made ("today" when the CLI ran, whatever the clock says now)
    assert c.effective_date == d.effective_date == i.effective_date
    assert i.expiration_date == i.effective_date + dt.timedelta(days=7)
    r = validate_chain([d, i], [c], i.effective_date)
    assert (r.read_dg3, r.read_dg4) == (True, False)
    assert run("pki", "cv", "show", is_ / "is.cvcert", "--json") == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["chr"] == i.chr and doc["car"] == d.chr and doc["rights"] == ["read DG3"] and doc["role"] == "TERMINAL"
    assert doc["public_key"]["domain_parameters"] is False and doc["signature_bytes"] == 64
    assert run("pki", "cv", "show", cvca / "cvca.cvcert") == 0
    assert "curve brainpoolP256r1" in capsys.readouterr().out
    assert run("pki", "cv", "verify", dv / "dv.cvcert", is_ / "is.cvcert", "--trust", cvca / "cvca.cvcert") == 0
    assert "effective role TERMINAL, rights: read DG3" in capsys.readouterr().out
    auth = ta_with(is_, c)
    assert auth is not None and auth.read_dg3 and not auth.read_dg4


def test_p384_foreign_dv_and_link(tmp_path, env, capsys):
    old, new = tmp_path / "old", tmp_path / "new"
    assert run("pki", "cvca", "init", "--country", "VN", "--out", old, "--key-type", "ec-p384", "--hash", "sha384") == 0
    assert run("pki", "cvca", "init", "--country", "VN", "--out", new, "--sequence", "00002") == 0
    assert run("pki", "cvca", "link", "--old", old, "--new", new, "--out", tmp_path / "link.cvcert") == 0
    assert run("pki", "dv", "issue", "--cvca", new, "--out", tmp_path / "dv", "--country", "DE", "--foreign") == 0
    assert run("pki", "is", "issue", "--dv", tmp_path / "dv", "--out", tmp_path / "is") == 0
    link = load_cv_certificate(tmp_path / "link.cvcert")
    assert (link.car, link.chr) == ("VNCVCA00001", "VNCVCA00002") and link.public_key.algorithm.hash == "sha256"
    dv = load_cv_certificate(tmp_path / "dv" / "dv.cvcert")
    assert dv.chr.startswith("DE") and dv.role is Role.DV_FOREIGN
    capsys.readouterr()
    assert run("pki", "cv", "verify", tmp_path / "link.cvcert", tmp_path / "dv" / "dv.cvcert",
               tmp_path / "is" / "is.cvcert", "--trust", old / "cvca.cvcert") == 0
    assert "VNCVCA00001 -> VNCVCA00002 -> DEDV00001 -> DEIS00001" in capsys.readouterr().out


@pytest.mark.hsm
def test_hsm_flow(tmp_path, softhsm, monkeypatch, env, capsys):  # noqa: F811
    monkeypatch.setenv("TEST_HSM_PIN", softhsm.pin)
    hsm = ["--hsm-module", softhsm.module, "--hsm-token", softhsm.label, "--hsm-pin-env", "TEST_HSM_PIN"]
    assert run("pki", "cvca", "init", "--country", "VN", "--out", tmp_path / "cvca", *hsm) == 0
    assert run("pki", "dv", "issue", "--cvca", tmp_path / "cvca", "--out", tmp_path / "dv", *hsm) == 0
    assert run("pki", "is", "issue", "--dv", tmp_path / "dv", "--out", tmp_path / "is", *hsm) == 0
    for role in ("cvca", "dv", "is"):
        assert not (tmp_path / role / f"{role}.key").exists()
        meta = json.loads((tmp_path / role / f"{role}.json").read_text())
        assert meta["key"] == "pkcs11" and softhsm.pin not in json.dumps(meta)
    c = load_cv_certificate(tmp_path / "cvca" / "cvca.cvcert")
    chain = [load_cv_certificate(tmp_path / r / f"{r}.cvcert") for r in ("dv", "is")]
    assert validate_chain(chain, [c], chain[-1].effective_date).read_dg3
    auth = ta_with(tmp_path / "is", c)  # the terminal key signs TA inside the token
    assert auth is not None and auth.read_dg4
    assert softhsm.pin not in capsys.readouterr().out


# --- errors: one line, exit 2 (input) or 1 (a chain that does not verify) ----------------------


def test_errors(tmp_path, env, capsys, monkeypatch):
    cvca = tmp_path / "cvca"
    assert run("pki", "cvca", "init", "--country", "VN", "--out", cvca, "--validity-days", "30") == 0
    assert run("pki", "dv", "issue", "--cvca", cvca, "--out", tmp_path / "dv", "--validity-days", "20") == 0
    capsys.readouterr()
    assert run("pki", "cvca", "init", "--country", "VN", "--out", cvca) == 2
    one_error_line(capsys, "cvca", "exists")
    assert run("pki", "cvca", "init", "--country", "V1", "--out", tmp_path / "c2") == 2
    one_error_line(capsys, "V1")
    assert run("pki", "cvca", "init", "--country", "VN", "--out", tmp_path / "c3", "--key-type", "rsa-2048",
               "--hash", "sha384") == 2
    one_error_line(capsys, "RSA")
    assert run("pki", "cvca", "init", "--country", "VN", "--out", tmp_path / "c4", "--mnemonic", "TENLETTERS") == 2
    one_error_line(capsys, "mnemonic")
    assert run("pki", "dv", "issue", "--cvca", cvca, "--out", tmp_path / "dv2", "--validity-days", "31") == 2
    one_error_line(capsys, "outlive", "VNCVCA00001")
    assert run("pki", "is", "issue", "--dv", cvca, "--out", tmp_path / "is") == 2
    one_error_line(capsys, "dv")
    (tmp_path / "junk.cvcert").write_bytes(bytes(range(200)))
    assert run("pki", "cv", "show", tmp_path / "junk.cvcert") == 2
    one_error_line(capsys, "junk.cvcert")
    assert run("pki", "cv", "verify", tmp_path / "dv" / "dv.cvcert", "--trust", tmp_path / "dv" / "dv.cvcert",
               "--any-role") == 1
    one_error_line(capsys, "trust point")
    assert run("pki", "cv", "verify", tmp_path / "dv" / "dv.cvcert", "--trust", cvca / "cvca.cvcert") == 1
    one_error_line(capsys, "not a terminal")
    monkeypatch.setenv("CARDKIT_PASSPHRASE", "wrong-pass-123")
    assert run("pki", "dv", "issue", "--cvca", cvca, "--out", tmp_path / "dv3") == 2
    assert "wrong-pass-123" not in one_error_line(capsys, "wrong passphrase")
    (cvca / "cvca.json").write_text("{not json")
    assert run("pki", "dv", "issue", "--cvca", cvca, "--out", tmp_path / "dv4") == 2
    one_error_line(capsys, "cvca.json")
