"""Key-file signers: encrypted PKCS#8, mode 0600, passphrase from the caller or CARDKIT_PASSPHRASE."""

import os
import stat

import pytest
from cryptography.hazmat.primitives import serialization

from cardkit.errors import KeyStoreError
from cardkit.pki.certs import generate_private_key
from cardkit.pki.signers import PASSPHRASE_ENV, KeyFileSigner, Signer, load_encrypted_key, write_encrypted_key
from tests.support.pki import make_pki

PKI = make_pki("ec-p256")
SECRET = b"correct horse battery staple"


def write(tmp_path, key=None):
    key_path, cert_path = tmp_path / "ds.key", tmp_path / "ds.pem"
    write_encrypted_key(key_path, key or PKI.ds_signer.private_key, SECRET)
    cert_path.write_bytes(PKI.ds.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path


def test_key_file_is_encrypted_and_0600(tmp_path):
    key_path, _ = write(tmp_path)
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    text = key_path.read_bytes()
    assert text.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----") and SECRET not in text


def test_key_file_is_never_overwritten(tmp_path):
    key_path, _ = write(tmp_path)
    before = key_path.read_bytes()
    with pytest.raises(KeyStoreError, match="never overwrites"):
        write_encrypted_key(key_path, PKI.csca_signer.private_key, SECRET)
    assert key_path.read_bytes() == before


def test_empty_passphrase_refused(tmp_path):
    with pytest.raises(KeyStoreError):
        write_encrypted_key(tmp_path / "k", PKI.ds_signer.private_key, b"")


def test_load_with_passphrase_from_environment(tmp_path, monkeypatch):
    key_path, cert_path = write(tmp_path)
    monkeypatch.setenv(PASSPHRASE_ENV, SECRET.decode())
    signer = KeyFileSigner.load(key_path, cert_path)
    assert isinstance(signer, Signer) and signer.certificate == PKI.ds
    assert signer.signature_algorithm == "ecdsa-with-SHA256"
    PKI.ds.public_key().verify(signer.sign(b"x"), b"x", __import__(
        "cryptography.hazmat.primitives.asymmetric.ec", fromlist=["ECDSA"]).ECDSA(
        __import__("cryptography.hazmat.primitives.hashes", fromlist=["SHA256"]).SHA256()))


def test_wrong_or_missing_passphrase_never_echoed(tmp_path, monkeypatch):
    key_path, cert_path = write(tmp_path)
    monkeypatch.delenv(PASSPHRASE_ENV, raising=False)
    with pytest.raises(KeyStoreError, match="CARDKIT_PASSPHRASE"):
        KeyFileSigner.load(key_path, cert_path)
    with pytest.raises(KeyStoreError, match="wrong passphrase") as e:
        KeyFileSigner.load(key_path, cert_path, b"guess-123")
    assert "guess-123" not in str(e.value) and "guess-123" not in repr(e.value)


def test_key_open_to_others_is_refused(tmp_path):
    key_path, cert_path = write(tmp_path)
    os.chmod(key_path, 0o644)
    with pytest.raises(KeyStoreError, match="chmod 600"):
        KeyFileSigner.load(key_path, cert_path, SECRET)


def test_plaintext_key_is_refused(tmp_path):
    p = tmp_path / "plain.key"
    p.write_bytes(PKI.ds_signer.private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    os.chmod(p, 0o600)
    with pytest.raises(KeyStoreError, match="not encrypted"):
        load_encrypted_key(p, SECRET)


def test_certificate_must_match_key(tmp_path):
    key_path, cert_path = write(tmp_path, generate_private_key("ec-p256"))
    with pytest.raises(KeyStoreError, match="does not belong"):
        KeyFileSigner.load(key_path, cert_path, SECRET)


def test_repr_holds_no_key():
    text = repr(PKI.ds_signer)
    assert "private_key" not in text and "BEGIN" not in text


@pytest.mark.parametrize("pss,name", [(False, "sha256WithRSAEncryption"), (True, "RSASSA-PSS")])
def test_rsa_signature_algorithm_names(pss, name):
    pki = make_pki("rsa-2048", pss=pss)
    assert pki.ds_signer.signature_algorithm == name
