"""PKCS#11 signing for real, in a SoftHSM2 token made in a temp dir: RSA-PSS, RSA PKCS#1 and ECDSA."""

import shutil
import subprocess

import pytest
from cryptography.hazmat.primitives import serialization

from cardkit.errors import KeyStoreError
from cardkit.pki.certs import make_csca, make_ds
from cardkit.pki.hsm import Pkcs11Signer, generate_key, open_session, store_certificate
from cardkit.pki.passive import passive_authentication
from cardkit.pki.sod_builder import build_sod
from cardkit.pki.trust import TrustStore
from tests.support.sod import ci_bytes, sample_dgs

pytestmark = pytest.mark.hsm
DGS = sample_dgs()


def make_hsm_pki(tok, key_type, pss):
    s = open_session(tok.module, tok.label, tok.pin, rw=True)
    generate_key(s, key_type, "csca")
    csca_signer = Pkcs11Signer.for_new_key(s, "csca", pss=pss)
    csca = make_csca(csca_signer, country="VN", common_name="TEST CSCA VN (HSM)")
    csca_signer.with_certificate(csca)
    generate_key(s, key_type, "ds")
    ds_pub = Pkcs11Signer.for_new_key(s, "ds").public
    ds = make_ds(csca_signer, ds_pub, common_name="TEST DS VN (HSM)")
    store_certificate(s, "ds", ds)
    return s, csca, ds


@pytest.mark.parametrize("key_type,pss,name", [("rsa-2048", True, "RSASSA-PSS"),
                                                ("rsa-2048", False, "sha256WithRSAEncryption"),
                                                ("ec-p256", False, "ecdsa-with-SHA256"),
                                                ("ec-brainpoolp256r1", False, "ecdsa-with-SHA256")])
def test_sign_sod_in_softhsm(softhsm, tmp_path, key_type, pss, name):
    session, csca, ds = make_hsm_pki(softhsm, key_type, pss)
    with Pkcs11Signer.open(softhsm.module, softhsm.label, softhsm.pin, "ds", pss=pss) as signer:  # cert from token
        assert signer.certificate == ds and signer.signature_algorithm == name
        sod = build_sod(DGS, signer)
    trust = TrustStore()
    trust.add_certificate(csca)
    r = passive_authentication(sod, DGS, trust, issuing_state="VNM")
    assert r.passed, r.failures
    assert r.signature_algorithm == name
    if shutil.which("openssl"):
        (tmp_path / "csca.pem").write_bytes(csca.public_bytes(serialization.Encoding.PEM))
        (tmp_path / "sod.der").write_bytes(ci_bytes(sod))
        out = subprocess.run(["openssl", "cms", "-verify", "-inform", "DER", "-in", tmp_path / "sod.der", "-CAfile",
                              tmp_path / "csca.pem", "-purpose", "any", "-out", "/dev/null"], capture_output=True)
        assert out.returncode == 0, out.stderr
    session.close()


def test_certificate_from_file(softhsm, tmp_path):
    session, csca, ds = make_hsm_pki(softhsm, "ec-p256", False)
    p = tmp_path / "ds.pem"
    p.write_bytes(ds.public_bytes(serialization.Encoding.PEM))
    with Pkcs11Signer.open(softhsm.module, softhsm.label, softhsm.pin, "ds", p) as signer:
        assert signer.certificate == ds
    with pytest.raises(KeyStoreError, match="does not belong"):
        Pkcs11Signer.open(softhsm.module, softhsm.label, softhsm.pin, "ds", csca)
    session.close()


def test_wrong_pin_and_missing_key(softhsm):
    with pytest.raises(KeyStoreError, match="refused the PIN") as e:
        Pkcs11Signer.open(softhsm.module, softhsm.label, "00000000", "ds")
    assert "00000000" not in str(e.value)
    with pytest.raises(KeyStoreError, match="no single private key"):
        Pkcs11Signer.open(softhsm.module, softhsm.label, softhsm.pin, "nothing")
    with pytest.raises(KeyStoreError, match="no single PKCS#11 token"):
        Pkcs11Signer.open(softhsm.module, "no-such-token", softhsm.pin, "ds")


def test_private_key_is_not_extractable(softhsm):
    import pkcs11

    s = open_session(softhsm.module, softhsm.label, softhsm.pin, rw=True)
    generate_key(s, "ec-p256", "k")
    key = s.get_key(object_class=pkcs11.ObjectClass.PRIVATE_KEY, label="k")
    assert key[pkcs11.Attribute.SENSITIVE] and not key[pkcs11.Attribute.EXTRACTABLE]
    with pytest.raises(KeyStoreError, match="already holds"):
        generate_key(s, "ec-p256", "k")
    s.close()


def test_softhsm_token_restores_environment(tmp_path, monkeypatch):
    import os

    from tests.support.softhsm import softhsm_available, softhsm_token

    if softhsm_available():
        pytest.skip(softhsm_available())
    monkeypatch.setenv("SOFTHSM2_CONF", "/before")
    with softhsm_token(tmp_path) as tok:
        assert os.environ["SOFTHSM2_CONF"] == str(tok.conf_path) and tok.conf == tok.conf_path
        assert tok.pin not in repr(tok)
    assert os.environ["SOFTHSM2_CONF"] == "/before"


@pytest.mark.parametrize("key_type,pss", [("rsa-2048", True), ("ec-p256", False)])
def test_hsm_csca_issues_crl_and_ml_signer(softhsm, key_type, pss):
    from cardkit.pki.certs import generate_private_key, make_crl, make_ml_signer
    from cardkit.pki.lint import lint

    session, csca, ds = make_hsm_pki(softhsm, key_type, pss)
    csca_signer = Pkcs11Signer.open(softhsm.module, softhsm.label, softhsm.pin, "csca", csca, pss=pss)
    crl = make_crl(csca_signer, [ds])
    assert crl.is_signature_valid(csca.public_key())
    assert crl.get_revoked_certificate_by_serial_number(ds.serial_number) is not None
    ml = make_ml_signer(csca_signer, generate_private_key("ec-p256").public_key(), common_name="TEST ML")
    ml.verify_directly_issued_by(csca)
    assert not [c for c in lint(ml) if c.failed]
    csca_signer.close()
    session.close()
