"""Test helpers for personalisation (owner "perso"): a throw-away CSCA + DS and sample citizen records.

Real cryptography throughout: the CSCA and DS certificates are made with ``cardkit.pki.certs`` to
the 9303-12 profile, the DS signs with a ``KeyFileSigner``; records are real ``CitizenRecord``s
with a made-up 12-digit ID that agrees with the date of birth and sex (the VN ID number rule).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

ROOT = Path(__file__).resolve().parents[2]
PHOTO = ROOT / "examples" / "photos" / "tran-van-duc.jpg"


@dataclass
class Pki:
    csca: Any
    ds_key: Any
    signer: Any
    trust: Any
    _csca_key: Any = None


@functools.lru_cache(maxsize=None)
def make_pki(curve: str = "secp256r1") -> Pki:
    """A CSCA (country VN) and a DS issued by it; cached per curve (certificates are immutable)."""
    from cardkit.pki.certs import make_csca, make_ds
    from cardkit.pki.signers import KeyFileSigner
    from cardkit.pki.trust import TrustStore

    c = {"secp256r1": ec.SECP256R1, "brainpoolP256r1": ec.BrainpoolP256R1}[curve]
    csca_key = ec.generate_private_key(c())
    csca = make_csca(KeyFileSigner(private_key=csca_key), country="VN", common_name="cardkit test CSCA")
    csca_signer = KeyFileSigner(private_key=csca_key, certificate=csca)
    ds_key = ec.generate_private_key(c())
    ds = make_ds(csca_signer, ds_key.public_key(), common_name="cardkit test DS")
    trust = TrustStore()
    trust.add_certificate(csca, "test CSCA")
    return Pki(csca, ds_key, KeyFileSigner(private_key=ds_key, certificate=ds), trust, csca_key)


def sample_record(n: int = 0, **changes: Any) -> Any:
    """The n-th made-up citizen: born 1990 in Hà Nội (001), male (century digit 0), ID 0010900000nn."""
    from cardkit.production.records import CitizenRecord

    rec = CitizenRecord(
        id_number=f"001090{n:06d}", full_name="Trần Văn Đức", date_of_birth="01/01/1990", sex="Nam",
        nationality="Việt Nam", ethnicity="Kinh", religion="Không", place_of_origin="Phường Hàng Bạc, Hà Nội",
        place_of_residence="Số 5 Hàng Bạc, Hoàn Kiếm, Hà Nội", identification_features="Nốt ruồi cách 2cm trên mép phải",
        date_of_issue="01/07/2021", date_of_expiry="01/01/2040", father_name="Trần Văn Bình",
        mother_name="Nguyễn Thị Ánh Tuyết", photo=PHOTO)
    return replace(rec, **changes) if changes else rec
