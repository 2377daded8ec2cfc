"""The one test PKI factory: a CSCA and a Document Signer made on the fly (no private key is committed).

Every certificate is made by ``cardkit.pki.certs`` to the ICAO 9303-12 §7 profile and every key is a
real ``cryptography`` key held in a ``KeyFileSigner``. Two ways in:

- ``make_pki(...)``: a new CSCA and DS each call (tests that need an independent or a special PKI:
  another key type, RSA-PSS, a DS valid in the past, a stranger CSCA);
- ``shared_pki(...)``: the same PKI for the same arguments, made once per test process (tests
  that only need *a* valid PKI; key generation is the slow part). The ``pki`` fixture of
  ``tests/conftest.py`` is ``shared_pki()``.

A ``Pki`` gives its certificates, its signers, a fresh ``TrustStore`` holding the CSCA, more DSs
under the same CSCA (``issue``), a DS certificate for a key held elsewhere such as an HSM
(``certify``), and the certificates as PEM files (``write``). ``trust_store(*certs, crls=...)`` makes
a store of exactly the certificates and CRLs given.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes

from cardkit.pki.certs import generate_private_key, make_csca, make_ds
from cardkit.pki.signers import KeyFileSigner
from cardkit.pki.trust import TrustStore

__all__ = ["Pki", "make_pki", "shared_pki", "der", "trust_store"]


@dataclass(frozen=True)
class Pki:
    """A CSCA and one Document Signer issued by it, with their signers (keys in memory)."""

    csca_signer: KeyFileSigner
    ds_signer: KeyFileSigner
    label: str = "TEST"

    @property
    def csca(self) -> x509.Certificate:
        assert self.csca_signer.certificate is not None
        return self.csca_signer.certificate

    @property
    def ds(self) -> x509.Certificate:
        assert self.ds_signer.certificate is not None
        return self.ds_signer.certificate

    @property
    def country(self) -> str:
        return str(self.csca.subject.get_attributes_for_oid(x509.NameOID.COUNTRY_NAME)[0].value)

    @property
    def trust(self) -> TrustStore:
        """A new trust store holding only this CSCA (new each time: a test may add CRLs to it)."""
        store = TrustStore()
        store.add_certificate(self.csca, f"{self.label} CSCA {self.country}")
        return store

    def issue(self, key_type: str = "ec-p256", *, pss: bool = False, hash_algorithm: str = "sha256",
              not_before: dt.datetime | None = None, validity_days: int = 3650,
              document_types: Sequence[str] = ("ID",)) -> Pki:
        """Another Document Signer (a new key) under the same CSCA."""
        key = generate_private_key(key_type)
        cert = self.certify(key.public_key(), not_before=not_before, validity_days=validity_days,
                            document_types=document_types)
        return Pki(self.csca_signer, KeyFileSigner(key, cert, hash_algorithm, pss), self.label)

    def certify(self, public_key: PublicKeyTypes, *, common_name: str | None = None,
                not_before: dt.datetime | None = None, validity_days: int = 3650,
                document_types: Sequence[str] = ("ID",)) -> x509.Certificate:
        """A DS certificate from this CSCA for a key held elsewhere (an HSM, a chip)."""
        return make_ds(self.csca_signer, public_key, common_name=common_name or f"{self.label} DS {self.country}",
                       not_before=not_before, validity_days=validity_days,
                       key_usage_days=min(90, validity_days), document_types=tuple(document_types))

    def write(self, directory: Path) -> tuple[Path, Path]:
        """Write ``csca.pem`` and ``ds.pem`` into ``directory``; return their paths."""
        directory.mkdir(parents=True, exist_ok=True)
        csca, ds = directory / "csca.pem", directory / "ds.pem"
        csca.write_bytes(self.csca.public_bytes(serialization.Encoding.PEM))
        ds.write_bytes(self.ds.public_bytes(serialization.Encoding.PEM))
        return csca, ds


def make_pki(key_type: str = "ec-p256", *, country: str = "VN", label: str = "TEST", pss: bool = False,
             hash_algorithm: str = "sha256", ds_not_before: dt.datetime | None = None,
             ds_validity_days: int = 3650, document_types: Sequence[str] = ("ID",)) -> Pki:
    """A new CSCA (``<label> CSCA <country>``) and a DS under it, both keys of ``key_type``.

    Two PKIs with the same ``label`` and ``country`` have the same CSCA name and different keys:
    an impostor CSCA. A different ``label`` gives a CSCA of the same country under another name.
    """
    key = generate_private_key(key_type)
    csca_signer = KeyFileSigner(key, None, hash_algorithm, pss)
    csca = make_csca(csca_signer, country=country, common_name=f"{label} CSCA {country}")
    root = Pki(csca_signer.with_certificate(csca), csca_signer, label)  # the DS is filled in just below
    return root.issue(key_type, pss=pss, hash_algorithm=hash_algorithm, not_before=ds_not_before,
                      validity_days=ds_validity_days, document_types=document_types)


@functools.lru_cache(maxsize=None)
def shared_pki(key_type: str = "ec-p256", *, country: str = "VN", label: str = "TEST",
               document_types: tuple[str, ...] = ("ID",)) -> Pki:
    """``make_pki`` made once per process for these arguments (certificates and keys are immutable)."""
    return make_pki(key_type, country=country, label=label, document_types=document_types)


def der(cert: x509.Certificate) -> bytes:
    """A certificate's DER (what cardkit's certificate view keeps as ``raw``)."""
    return cert.public_bytes(serialization.Encoding.DER)


def trust_store(*certs: x509.Certificate, crls: Sequence[x509.CertificateRevocationList] = ()) -> TrustStore:
    """A new ``TrustStore`` holding exactly these certificates and CRLs."""
    t = TrustStore()
    for c in certs:
        t.add_certificate(c)
    for c in crls:
        t.add_crl(c)
    return t
