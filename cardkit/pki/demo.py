"""The demo's test PKI: a TEST CSCA and Document Signer for Vietnam, made once and reused.

``ensure_demo_pki(dir)`` creates, if absent, ``csca.pem`` + ``csca.key`` and ``ds.pem`` + ``ds.key``
(ECDSA brainpoolP256r1, as VN cards use that curve for PACE; keys encrypted PKCS#8, mode 0600).
``open_demo_pki(dir)`` does the same and returns the Document Signer ready to sign. Subjects say
TEST: these keys must never sign a real document.

The keys are encrypted with ``DEMO_PASSPHRASE``, published on purpose: the demo keys are test
material, and a fixed passphrase lets the demo run with no prompt whatever the environment holds.
The operator's own passphrase (``CARDKIT_PASSPHRASE``) protects the operator's own keys; it only
opens demo keys that an earlier cardkit encrypted with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from ..errors import KeyStoreError
from .certs import generate_private_key, make_csca, make_ds
from .signers import KeyFileSigner, load_certificate, load_encrypted_key, write_encrypted_key

__all__ = ["DemoPki", "ensure_demo_pki", "open_demo_pki", "DEMO_PASSPHRASE"]

DEMO_PASSPHRASE = b"cardkit-demo"


@dataclass(frozen=True)
class DemoPki:
    """Where the demo PKI's files are."""

    csca_cert_path: Path
    ds_cert_path: Path
    ds_key_path: Path
    csca_key_path: Path | None = None


def _write_cert(path: Path, cert: x509.Certificate) -> None:
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def ensure_demo_pki(dir: Path, passphrase: bytes = DEMO_PASSPHRASE, *, key_type: str = "ec-brainpoolp256r1") -> DemoPki:
    """Create (if absent) a TEST CSCA and DS for VN in ``dir``; return their paths.

    Raises:
        KeyStoreError: a half-made PKI (some files missing), or a wrong passphrase for existing keys.
    """
    dir = Path(dir)
    dir.mkdir(parents=True, exist_ok=True)
    pki = DemoPki(dir / "csca.pem", dir / "ds.pem", dir / "ds.key", dir / "csca.key")
    files = [pki.csca_cert_path, pki.csca_key_path, pki.ds_cert_path, pki.ds_key_path]
    present = [f.exists() for f in files]
    if all(present):
        KeyFileSigner.load(pki.ds_key_path, pki.ds_cert_path, passphrase)  # fails early on a wrong passphrase
        return pki
    if any(present):
        missing = ", ".join(f.name for f, p in zip(files, present) if not p)
        raise KeyStoreError(f"demo PKI in {dir} is incomplete (missing {missing}); remove it to start again")
    csca_key = generate_private_key(key_type)
    csca_signer = KeyFileSigner(csca_key)
    csca = make_csca(csca_signer, country="VN", common_name="TEST CSCA Viet Nam", organization="cardkit TEST")
    csca_signer = csca_signer.with_certificate(csca)
    ds_key = generate_private_key(key_type)
    ds = make_ds(csca_signer, ds_key.public_key(), common_name="TEST Document Signer Viet Nam",
                 organization="cardkit TEST", document_types=("ID",))
    write_encrypted_key(pki.csca_key_path, csca_key, passphrase)
    write_encrypted_key(pki.ds_key_path, ds_key, passphrase)
    _write_cert(pki.csca_cert_path, csca)
    _write_cert(pki.ds_cert_path, ds)
    load_certificate(pki.ds_cert_path)
    return pki


def open_demo_pki(dir: Path, *, also_try: bytes | None = None) -> tuple[DemoPki, KeyFileSigner]:
    """The demo PKI in ``dir`` (made if absent, with ``DEMO_PASSPHRASE``) and its Document Signer.

    ``also_try`` is a second passphrase for existing keys (the operator's ``CARDKIT_PASSPHRASE``,
    which earlier cardkit versions used for the demo keys); it never encrypts new keys.

    Raises:
        KeyStoreError: a half-made PKI, a certificate that does not fit its key, or keys that open
            with neither passphrase (the message says how to start again).
    """
    dir = Path(dir)
    pki = DemoPki(dir / "csca.pem", dir / "ds.pem", dir / "ds.key", dir / "csca.key")
    if not all(p.exists() for p in (pki.csca_cert_path, pki.csca_key_path, pki.ds_cert_path, pki.ds_key_path)):
        ensure_demo_pki(dir)  # makes it, or names the files a half-made one lacks
    try:
        load_encrypted_key(pki.ds_key_path, DEMO_PASSPHRASE)
        passphrase = DEMO_PASSPHRASE
    except KeyStoreError as first:
        if not also_try or not _opens(pki.ds_key_path, also_try):
            raise KeyStoreError(f"{first}; if the demo made {dir}, remove it to make a new test PKI") from None
        passphrase = also_try
    return pki, KeyFileSigner.load(pki.ds_key_path, pki.ds_cert_path, passphrase)


def _opens(path: Path, passphrase: bytes) -> bool:
    try:
        load_encrypted_key(path, passphrase)
    except KeyStoreError:
        return False
    return True
