"""The demo's test PKI: a TEST CSCA and Document Signer for Vietnam, made once and reused.

``ensure_demo_pki(dir, passphrase)`` creates, if absent, ``csca.pem`` + ``csca.key`` and
``ds.pem`` + ``ds.key`` (ECDSA brainpoolP256r1, as VN cards use that curve for PACE; keys
encrypted PKCS#8, mode 0600). Subjects say TEST: these keys must never sign a real document.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import KeyStoreError
from .certs import generate_private_key, make_csca, make_ds
from .signers import KeyFileSigner, load_certificate, write_encrypted_key

__all__ = ["DemoPki", "ensure_demo_pki"]


@dataclass(frozen=True)
class DemoPki:
    """Where the demo PKI's files are."""

    csca_cert_path: Path
    ds_cert_path: Path
    ds_key_path: Path
    csca_key_path: Path | None = None


def _write_cert(path: Path, cert: object) -> None:
    from cryptography.hazmat.primitives import serialization

    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))  # type: ignore[attr-defined]


def ensure_demo_pki(dir: Path, passphrase: bytes, *, key_type: str = "ec-brainpoolp256r1") -> DemoPki:
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
