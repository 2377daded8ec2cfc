"""Signer directories: where ``cardkit pki`` leaves a CSCA, DS or ML signer, and how to load one.

A signer directory holds, for a role ("csca", "ds", "ml"):
  ``<role>.pem``   the certificate;
  ``<role>.json``  how to sign: hash, PSS or not, and where the key is
                   ({"key": "file"} or {"key": "pkcs11", "module", "token", "key_label", "pin_env"});
  ``<role>.key``   the encrypted PKCS#8 key (mode 0600), when the key is a file.
The HSM PIN is never stored: the descriptor names the environment variable that holds it.
``load_signer(dir, role)`` gives a ready ``Signer`` (used by ``cardkit personalise --ds DIR``).
The descriptor is written and read by ``new_descriptor``, ``descriptor_pin`` and
``descriptor_passphrase``, which the CV signer directories (``cvc_store``) use as well.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from ..errors import KeyStoreError
from .hsm import Pkcs11Signer
from .signers import KeyFileSigner, load_certificate, passphrase_from_env, write_encrypted_key

__all__ = ["save_signer", "load_signer", "describe", "cert_path", "new_descriptor", "descriptor_pin",
           "descriptor_passphrase"]


def cert_path(directory: Path | str, role: str) -> Path:
    """The certificate file of ``role`` in ``directory``."""
    return Path(directory) / f"{role}.pem"


def save_signer(
    directory: Path | str,
    role: str,
    certificate: x509.Certificate,
    *,
    private_key: Any = None,
    passphrase: bytes | None = None,
    hsm: dict[str, str] | None = None,
    hash_algorithm: str = "sha256",
    pss: bool = False,
) -> Path:
    """Write a signer directory for ``role``: certificate, descriptor, and the encrypted key if given."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    meta = new_descriptor(d, role, private_key=private_key, passphrase=passphrase, hsm=hsm,
                          hash_algorithm=hash_algorithm, pss=pss)
    cert_path(d, role).write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (d / f"{role}.json").write_text(json.dumps(meta, indent=2) + "\n")
    return d


def new_descriptor(directory: Path, role: str, *, private_key: Any, passphrase: bytes | None,
                   hsm: dict[str, str] | None, hash_algorithm: str, pss: bool) -> dict[str, Any]:
    """The descriptor of a new signer of ``role``; a key file is written first (encrypted, 0600).

    Raises:
        KeyStoreError: neither a key nor an HSM reference, no passphrase for the key, a key file that exists.
    """
    meta: dict[str, Any] = {"hash_algorithm": hash_algorithm, "pss": pss}
    if private_key is not None:
        if not passphrase:
            raise KeyStoreError("a passphrase is needed to write the private key")
        write_encrypted_key(directory / f"{role}.key", private_key, passphrase)
        meta["key"] = "file"
    elif hsm is not None:
        meta.update({"key": "pkcs11", **{k: hsm[k] for k in ("module", "token", "key_label", "pin_env")}})
    else:
        raise KeyStoreError("a signer needs a private key or an HSM key reference")
    return meta


def descriptor_pin(meta: dict[str, Any], pin: str | None) -> str:
    """The HSM PIN of a pkcs11 descriptor: ``pin``, else the environment variable the descriptor names.

    Raises:
        KeyStoreError: no PIN given and none in that variable.
    """
    if pin is not None:
        return pin
    var = str(meta.get("pin_env", ""))
    found = os.environ.get(var) if var else None
    if not found:
        raise KeyStoreError(f"no HSM PIN: set the environment variable {var or '(none named)'}")
    return found


def descriptor_passphrase(passphrase: bytes | None, ask: Callable[[], bytes] | None) -> bytes | None:
    """The passphrase of a key file: ``passphrase``, else ``CARDKIT_PASSPHRASE``, else ``ask()``, else None."""
    if passphrase is None:
        passphrase = passphrase_from_env()
    if passphrase is None and ask is not None:
        passphrase = ask()
    return passphrase


def describe(directory: Path | str, role: str) -> dict[str, Any]:
    """The descriptor of ``role`` in ``directory`` (a bare ``<role>.key`` counts as a key file)."""
    d = Path(directory)
    meta_path = d / f"{role}.json"
    if meta_path.is_file():
        try:
            meta = json.loads(meta_path.read_text())
        except (OSError, ValueError):
            raise KeyStoreError(f"{meta_path} is not a readable signer descriptor") from None
        if not isinstance(meta, dict):
            raise KeyStoreError(f"{meta_path} is not a signer descriptor")
        return meta
    if (d / f"{role}.key").is_file():
        return {"key": "file", "hash_algorithm": "sha256", "pss": False}
    raise KeyStoreError(f"{d} holds no {role} signer ({role}.json or {role}.key)")


def load_signer(
    directory: Path | str,
    role: str,
    *,
    passphrase: bytes | None = None,
    ask_passphrase: Callable[[], bytes] | None = None,
    pin: str | None = None,
) -> Any:
    """Load the signer of ``role`` from a signer directory.

    The passphrase is ``passphrase``, else ``CARDKIT_PASSPHRASE``, else ``ask_passphrase()``;
    the PIN is ``pin``, else the environment variable the descriptor names.
    """
    d = Path(directory)
    meta = describe(d, role)
    cert = cert_path(d, role)
    h, pss = str(meta.get("hash_algorithm", "sha256")), bool(meta.get("pss", False))
    if meta.get("key") == "pkcs11":
        return Pkcs11Signer.open(str(meta["module"]), str(meta["token"]), descriptor_pin(meta, pin),
                                 str(meta["key_label"]), cert if cert.is_file() else None, hash_algorithm=h, pss=pss)
    return KeyFileSigner.load(d / f"{role}.key", cert, descriptor_passphrase(passphrase, ask_passphrase),
                              hash_algorithm=h, pss=pss)


def load_role_certificate(directory: Path | str, role: str) -> x509.Certificate:
    """Just the certificate of ``role``."""
    return load_certificate(cert_path(directory, role))
