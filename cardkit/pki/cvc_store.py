"""EAC signer directories: where ``cardkit pki cvca|dv|is`` leave a CV certificate and its key.

A directory holds, for a role ("cvca", "dv" or "is"):
  ``<role>.cvcert``  the CV certificate (binary 7F21, as TR-03110-3 C.1 encodes it);
  ``<role>.json``    how to sign: hash, PSS or not, and where the key is
                     ({"key": "file"} or {"key": "pkcs11", "module", "token", "key_label", "pin_env"});
  ``<role>.key``     the encrypted PKCS#8 key (mode 0600), when the key is a file.
The HSM PIN is never stored: the descriptor names the environment variable that holds it. Files
are never overwritten (a new key in an old directory would orphan certificates issued under it).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import KeyStoreError
from .cvc import CvCertificate, CvSigner, key_matches, load_cv_certificate
from .hsm import Pkcs11Signer, open_session
from .keystore import descriptor_passphrase, descriptor_pin, new_descriptor
from .signers import KeyFileSigner

__all__ = ["ROLES", "certificate_path", "save_cv_signer", "load_cv_signer", "check_free"]

ROLES = ("cvca", "dv", "is")


def certificate_path(directory: Path | str, role: str) -> Path:
    """The certificate file of ``role`` in ``directory``."""
    return Path(directory) / f"{role}.cvcert"


def check_free(directory: Path | str, role: str) -> None:
    """Refuse a directory that already holds a signer for ``role`` (KeyStoreError naming the file)."""
    for suffix in (".cvcert", ".key", ".json"):
        path = Path(directory) / f"{role}{suffix}"
        if path.exists():
            raise KeyStoreError(f"{path} exists; cardkit never overwrites a signer (choose another --out)")


def save_cv_signer(
    directory: Path | str,
    role: str,
    certificate: CvCertificate,
    *,
    private_key: Any = None,
    passphrase: bytes | None = None,
    hsm: dict[str, str] | None = None,
    hash_algorithm: str = "sha256",
    pss: bool = False,
) -> Path:
    """Write a signer directory for ``role``: the key first (encrypted, 0600), then descriptor and certificate."""
    d = Path(directory)
    check_free(d, role)
    try:
        d.mkdir(parents=True, exist_ok=True)
        meta = new_descriptor(d, role, private_key=private_key, passphrase=passphrase, hsm=hsm,
                              hash_algorithm=hash_algorithm, pss=pss)
        (d / f"{role}.json").write_text(json.dumps(meta, indent=2) + "\n")
        certificate_path(d, role).write_bytes(certificate.to_bytes())
    except OSError as e:
        raise KeyStoreError(f"cannot write the {role} signer into {d}: {e.strerror}") from None
    return d


def _describe(d: Path, role: str) -> dict[str, Any]:
    meta_path = d / f"{role}.json"
    try:
        meta = json.loads(meta_path.read_text())
    except OSError:
        raise KeyStoreError(f"{d} holds no {role} signer ({meta_path.name} missing)") from None
    except ValueError:
        raise KeyStoreError(f"{meta_path} is not a readable signer descriptor") from None
    if not isinstance(meta, dict) or meta.get("key") not in ("file", "pkcs11"):
        raise KeyStoreError(f"{meta_path} is not a signer descriptor")
    return meta


def load_cv_signer(
    directory: Path | str,
    role: str,
    *,
    passphrase: bytes | None = None,
    ask_passphrase: Callable[[], bytes] | None = None,
    pin: str | None = None,
) -> tuple[CvCertificate, CvSigner]:
    """The certificate and signer of ``role`` in ``directory``.

    The passphrase is ``passphrase``, else ``CARDKIT_PASSPHRASE``, else ``ask_passphrase()``; the PIN
    is ``pin``, else the environment variable the descriptor names.

    Raises:
        KeyStoreError: a missing or unreadable file, a wrong passphrase or PIN, a key that is not the certificate's.
        ParseError: the certificate file is not a CV certificate.
    """
    d = Path(directory)
    meta = _describe(d, role)
    cert = load_cv_certificate(certificate_path(d, role))
    h, pss = str(meta.get("hash_algorithm", "sha256")), bool(meta.get("pss", False))
    signer: CvSigner
    if meta["key"] == "pkcs11":
        # KeyStoreError without python-pkcs11
        session = open_session(str(meta["module"]), str(meta["token"]), descriptor_pin(meta, pin))
        import pkcs11  # the optional extra, present once a session opened

        try:
            signer = Pkcs11Signer.for_new_key(session, str(meta["key_label"]), hash_algorithm=h, pss=pss)
        except (pkcs11.NoSuchKey, pkcs11.MultipleObjectsReturned):
            session.close()
            raise KeyStoreError(f"no private key labelled {meta['key_label']!r} on token {meta['token']!r}") from None
    else:
        signer = KeyFileSigner.load(d / f"{role}.key", None, descriptor_passphrase(passphrase, ask_passphrase),
                                    hash_algorithm=h, pss=pss)
    if not key_matches(signer.public_key(), cert.public_key):
        raise KeyStoreError(f"the {role} key in {d} is not the key of {certificate_path(d, role).name}")
    return cert, signer
