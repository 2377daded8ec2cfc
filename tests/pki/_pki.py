"""Test PKIs made on the fly (no private key is ever committed) and helpers to damage SODs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import cms
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from cardkit.pki.certs import generate_private_key, make_csca, make_ds
from cardkit.pki.signers import KeyFileSigner
from cardkit.tlv import decode, encode

NOW = dt.datetime.now(dt.timezone.utc)
MRZ_VN = "IDVNM0000123453999000012345<<29001011M3001019VNM<<<<<<<<<<<6NGUYEN<<VAN<A<<<<<<<<<<<<<<<<<"


@dataclass
class Pki:
    """A CSCA and one DS, with their signers (keys in memory)."""

    csca: x509.Certificate
    csca_signer: KeyFileSigner
    ds: x509.Certificate
    ds_signer: KeyFileSigner

    def write(self, d: Path) -> tuple[Path, Path]:
        """Write csca.pem and ds.pem into ``d``; return their paths."""
        d.mkdir(parents=True, exist_ok=True)
        c, s = d / "csca.pem", d / "ds.pem"
        c.write_bytes(self.csca.public_bytes(serialization.Encoding.PEM))
        s.write_bytes(self.ds.public_bytes(serialization.Encoding.PEM))
        return c, s


def make_pki(key_type: str = "ec-p256", *, country: str = "VN", pss: bool = False, hash_algorithm: str = "sha256",
             ds_not_before: dt.datetime | None = None, ds_validity_days: int = 3650) -> Pki:
    ck = generate_private_key(key_type)
    cs = KeyFileSigner(ck, None, hash_algorithm, pss)
    csca = make_csca(cs, country=country, common_name=f"TEST CSCA {country}")
    cs = cs.with_certificate(csca)
    return issue(cs, key_type, pss=pss, hash_algorithm=hash_algorithm, not_before=ds_not_before,
                 validity_days=ds_validity_days)


def issue(cs: KeyFileSigner, key_type: str = "ec-p256", *, pss: bool = False, hash_algorithm: str = "sha256",
          not_before: dt.datetime | None = None, validity_days: int = 3650) -> Pki:
    dk = generate_private_key(key_type)
    ds = make_ds(cs, dk.public_key(), common_name="TEST DS", not_before=not_before,
                 validity_days=validity_days, key_usage_days=min(90, validity_days))
    return Pki(cs.certificate, cs, ds, KeyFileSigner(dk, ds, hash_algorithm, pss))


def der(cert: x509.Certificate) -> bytes:
    """A certificate's DER (what cardkit's certificate view keeps as ``raw``)."""
    return cert.public_bytes(serialization.Encoding.DER)


def dg1(mrz: str = MRZ_VN, state: str | None = None) -> bytes:
    if state is not None:
        mrz = mrz[:2] + state + mrz[5:]
    return encode(0x61, encode(0x5F1F, mrz.encode("ascii")))


def sample_dgs(state: str | None = None) -> dict[int, bytes]:
    return {1: dg1(state=state), 2: encode(0x75, b"\x7f\x61\x03\x02\x01\x01"), 14: encode(0x6E, b"\x31\x00"),
            15: encode(0x6F, b"\x30\x00")}


def edit_signed_data(sod: bytes, edit) -> bytes:
    """Re-encode EF.SOD after ``edit(signed_data)`` changed the asn1crypto SignedData in place."""
    ci = cms.ContentInfo.load(bytes(decode(sod).value))
    sd = ci["content"]
    edit(sd)
    return encode(0x77, cms.ContentInfo({"content_type": "signed_data", "content": sd}).dump(force=True))


def ci_bytes(sod: bytes) -> bytes:
    """The ContentInfo inside tag 77 (what openssl cms reads)."""
    return bytes(decode(sod).value)
