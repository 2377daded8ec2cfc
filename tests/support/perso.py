"""Sample citizen records for the personalisation tests (owner "perso").

Records are real ``CitizenRecord``s with a made-up 12-digit ID that agrees with the date of birth
and sex (province code, then the century-and-sex digit, then the year: the structure of the
Vietnamese personal identification number), with the example fingerprints for DG3. The PKI that
signs them comes from ``tests.support.pki`` (the ``pki`` fixture of ``tests/conftest.py``); the EAC
PKI whose CVCA the chips of a profile with Terminal Authentication trust is ``cvca_for(profile)``
(``tests.support.cvc_pki``, every certificate effective today).
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import replace
from typing import Any

from cardkit.crypto.cvc import CvCertificate
from cardkit.production.records import CitizenRecord
from cardkit.profiles import Profile
from tests.support.cli import EXAMPLES
from tests.support.cvc_pki import CvPki, make_cv_pki

__all__ = ["PHOTO", "FINGER_LEFT", "FINGER_RIGHT", "sample_record", "today_cv_pki", "cvca_for"]

PHOTO = EXAMPLES / "photos" / "tran-van-duc.jpg"
FINGER_LEFT = EXAMPLES / "fingers" / "tran-van-duc-left.jp2"
FINGER_RIGHT = EXAMPLES / "fingers" / "tran-van-duc-right.jp2"


@functools.lru_cache(maxsize=None)
def today_cv_pki() -> CvPki:
    """The EAC PKI of the personalisation tests: brainpoolP256r1, every certificate effective today."""
    return make_cv_pki("brainpoolP256r1", effective=dt.date.today())


def cvca_for(profile: Profile) -> tuple[CvCertificate, ...]:
    """The CVCA a profile's chips must trust: the test CVCA with Terminal Authentication, else none."""
    return (today_cv_pki().cvca,) if profile.terminal_authentication is not None else ()


def sample_record(n: int = 0, **changes: Any) -> CitizenRecord:
    """The n-th made-up citizen: born 1990 in Hà Nội (001), male (century digit 0), ID 0010900000nn."""
    rec = CitizenRecord(
        id_number=f"001090{n:06d}", full_name="Trần Văn Đức", date_of_birth="01/01/1990", sex="Nam",
        nationality="Việt Nam", ethnicity="Kinh", religion="Không", place_of_origin="Phường Hàng Bạc, Hà Nội",
        place_of_residence="Số 5 Hàng Bạc, Hoàn Kiếm, Hà Nội", identification_features="Nốt ruồi cách 2cm trên mép phải",
        date_of_issue="01/07/2021", date_of_expiry="01/01/2040", father_name="Trần Văn Bình",
        mother_name="Nguyễn Thị Ánh Tuyết", photo=PHOTO, finger_left=FINGER_LEFT, finger_right=FINGER_RIGHT)
    return replace(rec, **changes) if changes else rec
