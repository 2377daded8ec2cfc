"""The demo's test PKI: a TEST CSCA and Document Signer for Vietnam, and a TEST EAC PKI, made once and reused.

``ensure_demo_pki(dir)`` creates, if absent, ``csca.pem`` + ``csca.key`` and ``ds.pem`` + ``ds.key``
(ECDSA brainpoolP256r1, as VN cards use that curve for PACE; keys encrypted PKCS#8, mode 0600),
and in ``dir/eac/`` the EAC PKI of BSI TR-03110-3 as ``cardkit pki cvca|dv|is`` lay it out
(``cardkit.pki.cvc_store``): a CVCA (self-signed, its key carrying the domain parameters; 3 years),
a domestic DV (1 year) and an inspection system (1 year), each with read rights for DG3 and DG4, on
brainpoolP256r1 with ECDSA-SHA-256. The CVCA is what the demo chip trusts; the IS key is what a
terminal would run Terminal Authentication with. A directory made by an older cardkit (CSCA and DS
only) gains the EAC part. ``open_demo_pki(dir)`` does the same and returns the Document Signer ready
to sign. Subjects and holder references say TEST: these keys must never sign a real document or a
real terminal's rights.

The keys are encrypted with ``DEMO_PASSPHRASE``, published on purpose: the demo keys are test
material, and a fixed passphrase lets the demo run with no prompt whatever the environment holds.
The operator's own passphrase (``CARDKIT_PASSPHRASE``) protects the operator's own keys; it only
opens demo keys that an earlier cardkit encrypted with it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from ..algorithms import ta_algorithm
from ..crypto.cvc import Chat, CvCertificate, Role
from ..errors import KeyStoreError
from .certs import generate_private_key, make_csca, make_ds
from .cvc import CvCertificateBuilder
from .cvc_store import certificate_path, load_cv_signer, save_cv_signer
from .signers import KeyFileSigner, load_certificate, load_encrypted_key, write_encrypted_key

__all__ = ["DemoPki", "ensure_demo_pki", "ensure_demo_eac_pki", "open_demo_pki", "DEMO_PASSPHRASE"]

DEMO_PASSPHRASE = b"cardkit-demo"
_EAC_ROLES = ("cvca", "dv", "is")
_EAC_DAYS = {"cvca": 3 * 365, "dv": 365, "is": 365}


@dataclass(frozen=True)
class DemoPki:
    """Where the demo PKI's files are."""

    csca_cert_path: Path
    ds_cert_path: Path
    ds_key_path: Path
    csca_key_path: Path | None = None
    eac_dir: Path | None = None  # cvca.*, dv.*, is.* signer files (``cardkit.pki.cvc_store``)

    @property
    def cvca_cert_path(self) -> Path | None:
        """The CVCA certificate the demo chips trust."""
        return certificate_path(self.eac_dir, "cvca") if self.eac_dir is not None else None


def _write_cert(path: Path, cert: x509.Certificate) -> None:
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def ensure_demo_pki(dir: Path, passphrase: bytes = DEMO_PASSPHRASE, *, key_type: str = "ec-brainpoolp256r1") -> DemoPki:
    """Create (if absent) a TEST CSCA and DS for VN in ``dir`` and a TEST EAC PKI in ``dir/eac``; return their paths.

    Raises:
        KeyStoreError: a half-made PKI (some files missing), or a wrong passphrase for existing keys.
    """
    dir = Path(dir)
    dir.mkdir(parents=True, exist_ok=True)
    pki = DemoPki(dir / "csca.pem", dir / "ds.pem", dir / "ds.key", dir / "csca.key", dir / "eac")
    files = [pki.csca_cert_path, pki.csca_key_path, pki.ds_cert_path, pki.ds_key_path]
    present = [f.exists() for f in files]
    if all(present):
        KeyFileSigner.load(pki.ds_key_path, pki.ds_cert_path, passphrase)  # fails early on a wrong passphrase
        ensure_demo_eac_pki(dir / "eac", passphrase)
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
    ensure_demo_eac_pki(dir / "eac", passphrase)
    return pki


def ensure_demo_eac_pki(dir: Path, passphrase: bytes, *, today: dt.date | None = None) -> tuple[CvCertificate, ...]:
    """Create (if absent) the TEST CVCA, DV and IS signers in ``dir``; return their certificates, CVCA first.

    Raises:
        KeyStoreError: some of the three are missing, or the passphrase does not open the keys.
    """
    dir = Path(dir)
    present = [certificate_path(dir, r).exists() for r in _EAC_ROLES]
    if all(present):
        return tuple(load_cv_signer(dir, r, passphrase=passphrase)[0] for r in _EAC_ROLES)
    if any(present):
        missing = ", ".join(r for r, p in zip(_EAC_ROLES, present) if not p)
        raise KeyStoreError(f"demo EAC PKI in {dir} is incomplete (missing {missing}); remove it to start again")
    start = today or dt.date.today()
    algorithm = ta_algorithm("ECDSA", "sha256")
    issuer: CvCertificate | None = None
    issuer_key: ec.EllipticCurvePrivateKey | None = None
    made = []
    for role, holder, chr in (("cvca", Role.CVCA, "VNCVCATEST00001"), ("dv", Role.DV_DOMESTIC, "VNDVTEST00001"),
                              ("is", Role.TERMINAL, "VNISTEST00001")):
        key = ec.generate_private_key(ec.BrainpoolP256R1())
        signing = KeyFileSigner(issuer_key or key, None, algorithm.hash)
        end = start + dt.timedelta(days=_EAC_DAYS[role])
        if issuer is not None:
            end = min(end, issuer.expiration_date)
        cert = (CvCertificateBuilder().certification_authority_reference(issuer.chr if issuer else chr)
                .holder_reference(chr).public_key(key.public_key(), algorithm, domain_parameters=issuer is None)
                .authorization(Chat.inspection_system(holder, read_dg3=True, read_dg4=True))
                .validity(start, end).sign(signing, issuer=issuer))
        save_cv_signer(dir, role, cert, private_key=key, passphrase=passphrase, hash_algorithm=algorithm.hash)
        made.append(cert)
        issuer, issuer_key = cert, key
    return tuple(made)


def open_demo_pki(dir: Path, *, also_try: bytes | None = None) -> tuple[DemoPki, KeyFileSigner]:
    """The demo PKI in ``dir`` (made if absent, with ``DEMO_PASSPHRASE``) and its Document Signer.

    ``also_try`` is a second passphrase for existing keys (the operator's ``CARDKIT_PASSPHRASE``,
    which earlier cardkit versions used for the demo keys); it never encrypts new keys.

    Raises:
        KeyStoreError: a half-made PKI, a certificate that does not fit its key, or keys that open
            with neither passphrase (the message says how to start again).
    """
    dir = Path(dir)
    pki = DemoPki(dir / "csca.pem", dir / "ds.pem", dir / "ds.key", dir / "csca.key", dir / "eac")
    if not all(p.exists() for p in (pki.csca_cert_path, pki.csca_key_path, pki.ds_cert_path, pki.ds_key_path)):
        ensure_demo_pki(dir)  # makes it (the EAC part too), or names the files a half-made one lacks
        return pki, KeyFileSigner.load(pki.ds_key_path, pki.ds_cert_path, DEMO_PASSPHRASE)
    try:
        load_encrypted_key(pki.ds_key_path, DEMO_PASSPHRASE)
        passphrase = DEMO_PASSPHRASE
    except KeyStoreError as first:
        if not also_try or not _opens(pki.ds_key_path, also_try):
            raise KeyStoreError(f"{first}; if the demo made {dir}, remove it to make a new test PKI") from None
        passphrase = also_try
    ensure_demo_eac_pki(dir / "eac", passphrase)  # a folder made before EAC gains it
    return pki, KeyFileSigner.load(pki.ds_key_path, pki.ds_cert_path, passphrase)


def _opens(path: Path, passphrase: bytes) -> bool:
    try:
        load_encrypted_key(path, passphrase)
    except KeyStoreError:
        return False
    return True
