"""Signers: one interface, the key in an encrypted file or in an HSM (DESIGN.md principle 6).

A ``Signer`` has a ``certificate``, names its ``signature_algorithm`` (RFC names:
sha256WithRSAEncryption, RSASSA-PSS, ecdsa-with-SHA256 ...) and ``hash_algorithm``, and
``sign(data)`` returns the signature over ``data`` (hashing included) in the form CMS and X.509
carry it (PKCS#1 / PSS octets, DER ECDSA-Sig-Value).

Key files are PKCS#8 encrypted with the best scheme cryptography offers, written with mode
0600 and never overwritten; a plaintext key file is refused. The passphrase comes from the
caller or from the environment variable ``CARDKIT_PASSPHRASE``; it never reaches a message,
a repr or a log. PKCS#11 signing lives in ``cardkit.pki.hsm`` (python-pkcs11 is optional).
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol, runtime_checkable

from asn1crypto import algos
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from ..algorithms import HASH_OIDS
from ..errors import KeyStoreError
from ..private_files import write_private
from .algorithms import algorithm_identifier, hash_for, signature_algorithm_name

__all__ = [
    "PASSPHRASE_ENV",
    "Signer",
    "KeyFileSigner",
    "write_encrypted_key",
    "load_encrypted_key",
    "passphrase_from_env",
    "load_certificate",
    "signer_algorithm_identifier",
    "signer_hash",
]

PASSPHRASE_ENV = "CARDKIT_PASSPHRASE"


@runtime_checkable
class Signer(Protocol):
    """Anything that signs for a certificate: key file, HSM, or a test double."""

    certificate: x509.Certificate
    signature_algorithm: str  # may also have hash_algorithm: str (needed for RSASSA-PSS; default sha256)

    def sign(self, data: bytes) -> bytes:
        """Sign ``data`` (the signer hashes it) and return the signature bytes."""
        ...


def signer_hash(signer: Signer) -> str:
    """The hash a signer signs with: its ``hash_algorithm``, else the one its algorithm name says."""
    h = getattr(signer, "hash_algorithm", None)
    if h:
        return str(h).lower()
    name = signer.signature_algorithm.lower()
    for candidate in HASH_OIDS:
        if candidate in name.replace("-", ""):
            return candidate
    return "sha256"


def signer_algorithm_identifier(signer: Signer) -> algos.SignedDigestAlgorithm:
    """The AlgorithmIdentifier a signer's signatures are written under (PSS with explicit params)."""
    return algorithm_identifier(signer.signature_algorithm, signer_hash(signer))


def passphrase_from_env() -> bytes | None:
    """The passphrase in ``CARDKIT_PASSPHRASE``, or None when it is not set."""
    value = os.environ.get(PASSPHRASE_ENV)
    return value.encode("utf-8") if value else None


def load_certificate(path: Path | str) -> x509.Certificate:
    """Read one certificate, DER or PEM; KeyStoreError names the file when it cannot."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise KeyStoreError(f"cannot read certificate {path}: {e.strerror}") from None
    try:
        if data.lstrip().startswith(b"-----BEGIN"):
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(data)
    except (ValueError, x509.InvalidVersion):
        raise KeyStoreError(f"{path} is not an X.509 certificate (DER or PEM)") from None


def write_encrypted_key(path: Path | str, private_key: object, passphrase: bytes) -> Path:
    """Write ``private_key`` as encrypted PKCS#8 PEM, mode 0600, refusing to overwrite a file."""
    path = Path(path)
    if not passphrase:
        raise KeyStoreError("an empty passphrase cannot protect a private key")
    data = private_key.private_bytes(  # type: ignore[attr-defined]
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(passphrase),
    )
    try:
        write_private(path, data, exclusive=True)
    except FileExistsError:
        raise KeyStoreError(f"{path} exists; cardkit never overwrites a key file") from None
    except OSError as e:
        raise KeyStoreError(f"cannot create key file {path}: {e.strerror}") from None
    return path


def load_encrypted_key(path: Path | str, passphrase: bytes | None = None) -> object:
    """Load an encrypted PKCS#8 key file (passphrase default: ``CARDKIT_PASSPHRASE``).

    Raises:
        KeyStoreError: missing file, file readable by others, plaintext key, no or wrong passphrase.
    """
    path = Path(path)
    try:
        st = path.stat()
        data = path.read_bytes()
    except OSError as e:
        raise KeyStoreError(f"cannot read key file {path}: {e.strerror}") from None
    if st.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyStoreError(f"key file {path} is open to other users (mode {stat.S_IMODE(st.st_mode):04o}); chmod 600 it")
    if b"ENCRYPTED" not in data[:64] and b"-----BEGIN" in data[:64]:
        raise KeyStoreError(f"key file {path} is not encrypted; cardkit keeps private keys encrypted only")
    if passphrase is None:
        passphrase = passphrase_from_env()
    if not passphrase:
        raise KeyStoreError(f"no passphrase for {path}: set {PASSPHRASE_ENV} or type it when asked")
    try:
        if data.lstrip().startswith(b"-----BEGIN"):
            return serialization.load_pem_private_key(data, passphrase)
        return serialization.load_der_private_key(data, passphrase)
    except (ValueError, TypeError):
        # The passphrase is never part of the message.
        raise KeyStoreError(f"cannot decrypt {path}: wrong passphrase, or not an encrypted PKCS#8 key") from None


@dataclass(frozen=True)
class KeyFileSigner:
    """A signer whose private key is held in memory, loaded from an encrypted PKCS#8 file."""

    private_key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey = field(repr=False)
    certificate: x509.Certificate | None = field(default=None, repr=False)
    hash_algorithm: str = "sha256"
    pss: bool = False  # RSA keys only: RSASSA-PSS instead of PKCS#1 v1.5

    @property
    def signature_algorithm(self) -> str:
        return signature_algorithm_name(self.private_key.public_key(), self.hash_algorithm, self.pss)

    @classmethod
    def load(
        cls,
        key_path: Path | str,
        cert_path: Path | str | None,
        passphrase: bytes | None = None,
        *,
        hash_algorithm: str = "sha256",
        pss: bool = False,
    ) -> KeyFileSigner:
        """Load key and certificate; checks that they belong together."""
        key = load_encrypted_key(key_path, passphrase)
        if not isinstance(key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)):
            raise KeyStoreError(f"{key_path}: only RSA and EC keys sign eMRTD objects")
        cert = load_certificate(cert_path) if cert_path is not None else None
        signer = cls(key, cert, hash_algorithm, pss)
        hash_for(hash_algorithm)
        if cert is not None and cert.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        ) != key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo):
            raise KeyStoreError(f"certificate {cert_path} does not belong to key {key_path}")
        return signer

    def with_certificate(self, certificate: x509.Certificate) -> KeyFileSigner:
        """The same key bound to a (new) certificate."""
        return replace(self, certificate=certificate)

    def public_key(self) -> object:
        return self.private_key.public_key()

    def sign(self, data: bytes) -> bytes:
        """Sign ``data`` with the hash and padding this signer names."""
        h = hash_for(self.hash_algorithm)
        if isinstance(self.private_key, rsa.RSAPrivateKey):
            pad = padding.PSS(padding.MGF1(h), h.digest_size) if self.pss else padding.PKCS1v15()
            return self.private_key.sign(data, pad, h)
        return self.private_key.sign(data, ec.ECDSA(h))
