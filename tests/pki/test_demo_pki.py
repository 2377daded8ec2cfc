"""The demo PKI: a TEST CSCA and DS for VN, made once, keys encrypted 0600, reused after; opened without a prompt."""

import stat

import pytest
from cryptography.x509.oid import NameOID

from cardkit.errors import KeyStoreError
from cardkit.pki.demo import DEMO_PASSPHRASE, ensure_demo_pki, open_demo_pki
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


def test_open_makes_the_pki_with_the_demo_passphrase_and_gives_the_signer(tmp_path):
    pki, signer = open_demo_pki(tmp_path / "k", also_try=b"operator-Own-1")
    assert signer.certificate == load_certificate(pki.ds_cert_path)
    KeyFileSigner.load(pki.ds_key_path, pki.ds_cert_path, DEMO_PASSPHRASE)
    KeyFileSigner.load(pki.csca_key_path, pki.csca_cert_path, DEMO_PASSPHRASE)
    again, signer2 = open_demo_pki(tmp_path / "k")
    assert again == pki and signer2.certificate == signer.certificate


def test_open_tries_the_second_passphrase_only_for_existing_keys(tmp_path):
    ensure_demo_pki(tmp_path, b"operator-Own-1")
    _, signer = open_demo_pki(tmp_path, also_try=b"operator-Own-1")
    assert "TEST" in signer.certificate.subject.rfc4514_string()
    with pytest.raises(KeyStoreError, match=r"cannot decrypt .*ds.key.*if the demo made .*, remove it") as e:
        open_demo_pki(tmp_path, also_try=b"operator-Other-2")
    assert "operator" not in str(e.value)
    with pytest.raises(KeyStoreError, match="remove"):
        open_demo_pki(tmp_path)


def test_open_names_what_a_half_made_pki_lacks(tmp_path):
    pki = ensure_demo_pki(tmp_path)
    pki.csca_cert_path.unlink()
    with pytest.raises(KeyStoreError, match="incomplete .missing csca.pem"):
        open_demo_pki(tmp_path)

