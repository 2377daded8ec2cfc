"""Simulated cards with Extended Access Control: a VN card whose DG3 holds two real JPEG 2000 fingers,
whose chip trusts a test CVCA (``tests.support.cvc_pki``) and can run Terminal Authentication.

``FINGERS`` are the example fingerprints of ``examples/fingers`` (drawn, not anyone's); the DG3 is built
with ``cardkit.lds.Dg3.build`` and hashed into EF.SOD like every other group.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from cardkit.crypto.ta import ChipTrust
from cardkit.lds import Dg3, FingerImage
from cardkit.lds.iso19794_4 import compression_code
from cardkit.personalise import face_size

from .cards import make_vn_card
from .cvc_pki import D0, CvPki

ROOT = Path(__file__).resolve().parents[2]
FINGERS = (ROOT / "examples" / "fingers" / "tran-van-duc-right.jp2", ROOT / "examples" / "fingers" / "tran-van-duc-left.jp2")


def finger_dg3() -> bytes:
    """DG3 with the right (position 2) and left (7) index fingers of the examples, JPEG 2000."""
    fingers = []
    for path, position in zip(FINGERS, (2, 7)):
        image = path.read_bytes()
        width, height = face_size(image)
        fingers.append(FingerImage(image, position, width, height, compression_code("jpeg2000")))
    return Dg3.build(fingers).to_bytes()


def make_eac_card(tmp_path: Path, pki: CvPki, *, chip_date: dt.date = D0, cvca: list[Any] | None = None,
                  **options: Any) -> tuple[Any, Any, Any]:
    """A VN card (PACE, CA, AA, DG3 with fingers) whose chip trusts ``pki``'s CVCA from ``chip_date``."""
    options.setdefault("dg3_data", finger_dg3())
    trust = ChipTrust.personalise(cvca or [pki.cvca], chip_date)
    return make_vn_card(tmp_path, ta_trust=trust, **options)
