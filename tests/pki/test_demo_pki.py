"""The demo PKI: a TEST CSCA and DS for VN, made once, keys encrypted 0600, reused after."""

import stat

import pytest
from cryptography.x509.oid import NameOID

from cardkit.errors import KeyStoreError
from cardkit.pki.demo import ensure_demo_pki
from cardkit.pki.lint import lint
from cardkit.pki.signers import KeyFileSigner, load_certificate


def test_made_once_then_reused(tmp_path):
    pki = ensure_demo_pki(tmp_path, b"demo")
    for p in (pki.csca_cert_path, pki.ds_cert_path, pki.ds_key_path, pki.csca_key_path):
        assert p.is_file()
    for p in (pki.ds_key_path, pki.csca_key_path):
        assert stat.S_IMODE(p.stat().st_mode) == 0o600
    before = pki.ds_cert_path.read_bytes()
    again = ensure_demo_pki(tmp_path, b"demo")
    assert again == pki and pki.ds_cert_path.read_bytes() == before
    for path in (pki.csca_cert_path, pki.ds_cert_path):
        cert = load_certificate(path)
        assert "TEST" in cert.subject.rfc4514_string()
        assert cert.subject.get_attributes_for_oid(NameOID.COUNTRY_NAME)[0].value == "VN"
        assert not [c for c in lint(cert) if c.failed]
    signer = KeyFileSigner.load(pki.ds_key_path, pki.ds_cert_path, b"demo")
    assert signer.certificate.issuer == load_certificate(pki.csca_cert_path).subject


def test_wrong_passphrase_and_half_made_pki(tmp_path):
    pki = ensure_demo_pki(tmp_path, b"demo")
    with pytest.raises(KeyStoreError, match="wrong passphrase"):
        ensure_demo_pki(tmp_path, b"other")
    pki.ds_key_path.unlink()
    with pytest.raises(KeyStoreError, match="incomplete"):
        ensure_demo_pki(tmp_path, b"demo")
