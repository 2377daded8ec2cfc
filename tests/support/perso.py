"""Test helpers for personalisation (owner "perso"): a throw-away CSCA + DS and sample citizen records.

Real cryptography throughout: the CSCA and DS certificates are made with ``cardkit.pki.certs`` to
the 9303-12 profile, the DS signs with a ``KeyFileSigner``; records are real ``CitizenRecord``s
with a made-up 12-digit ID that agrees with the date of birth and sex (spec/vn-cccd.md), and the
example fingerprints for DG3. ``Pki.cv`` is an EAC PKI (CVCA, DV, IS) whose certificates take effect
today, for the profiles with Terminal Authentication (``cvca_for(profile)``).
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from .cvc_pki import CvPki, make_cv_pki

ROOT = Path(__file__).resolve().parents[2]
PHOTO = ROOT / "examples" / "photos" / "tran-van-duc.jpg"
FINGER_LEFT = ROOT / "examples" / "fingers" / "tran-van-duc-left.jp2"
FINGER_RIGHT = ROOT / "examples" / "fingers" / "tran-van-duc-right.jp2"


@functools.lru_cache(maxsize=None)
def today_cv_pki() -> CvPki:
    """The EAC PKI of the personalisation tests: brainpoolP256r1, every certificate effective today."""
    return make_cv_pki("brainpoolP256r1", effective=dt.date.today())


@dataclass
class Pki:
    csca: Any
    ds_key: Any
    signer: Any
    trust: Any
    _csca_key: Any = None
    cv: CvPki = field(default_factory=today_cv_pki)

    @property
    def cvca(self) -> Any:
        return self.cv.cvca

    def cvca_for(self, profile: Any) -> tuple[Any, ...]:
        """The CVCA a profile's chips must trust: the test CVCA with Terminal Authentication, else none."""
        return (self.cv.cvca,) if profile.terminal_authentication is not None else ()


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
        mother_name="Nguyễn Thị Ánh Tuyết", photo=PHOTO, finger_left=FINGER_LEFT, finger_right=FINGER_RIGHT)
    return replace(rec, **changes) if changes else rec
