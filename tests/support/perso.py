"""Sample citizen records for the personalisation tests (owner "perso").

Records are real ``CitizenRecord``s with a made-up 12-digit ID that agrees with the date of birth
and sex (province code, then the century-and-sex digit, then the year: the structure of the
Vietnamese personal identification number). The PKI that signs them comes from
``tests.support.pki`` (the ``pki`` fixture of ``tests/conftest.py``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from cardkit.production.records import CitizenRecord
from tests.support.cli import EXAMPLES

__all__ = ["PHOTO", "sample_record"]

PHOTO = EXAMPLES / "photos" / "tran-van-duc.jpg"


def sample_record(n: int = 0, **changes: Any) -> CitizenRecord:
    """The n-th made-up citizen: born 1990 in Hà Nội (001), male (century digit 0), ID 0010900000nn."""
    rec = CitizenRecord(
        id_number=f"001090{n:06d}", full_name="Trần Văn Đức", date_of_birth="01/01/1990", sex="Nam",
        nationality="Việt Nam", ethnicity="Kinh", religion="Không", place_of_origin="Phường Hàng Bạc, Hà Nội",
        place_of_residence="Số 5 Hàng Bạc, Hoàn Kiếm, Hà Nội", identification_features="Nốt ruồi cách 2cm trên mép phải",
        date_of_issue="01/07/2021", date_of_expiry="01/01/2040", father_name="Trần Văn Bình",
        mother_name="Nguyễn Thị Ánh Tuyết", photo=PHOTO)
    return replace(rec, **changes) if changes else rec
