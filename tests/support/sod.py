"""Data groups to sign and helpers to damage a signed EF.SOD, for the Passive Authentication tests.

``sample_dgs()`` gives small but well-formed DG1/DG2/DG14/DG15 (the DG1 of the VN TD1 example);
``edit_signed_data(sod, edit)`` re-encodes an EF.SOD after ``edit`` changed its CMS SignedData
(RFC 5652) in place, so a test can break one field at a time; ``ci_bytes`` is the ContentInfo
inside tag 77 (what ``openssl cms`` reads).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from asn1crypto import cms

from cardkit.tlv import decode, encode

__all__ = ["NOW", "MRZ_VN", "dg1", "sample_dgs", "edit_signed_data", "ci_bytes"]

NOW = dt.datetime.now(dt.timezone.utc)
MRZ_VN = "IDVNM0000123453999000012345<<29001011M3001019VNM<<<<<<<<<<<6NGUYEN<<VAN<A<<<<<<<<<<<<<<<<<"


def dg1(mrz: str = MRZ_VN, state: str | None = None) -> bytes:
    """DG1 holding ``mrz``; ``state`` replaces the issuing state (3 letters)."""
    if state is not None:
        mrz = mrz[:2] + state + mrz[5:]
    return encode(0x61, encode(0x5F1F, mrz.encode("ascii")))


def sample_dgs(state: str | None = None) -> dict[int, bytes]:
    """DG1, DG2, DG14 and DG15 by number: enough for an EF.SOD with four hashes."""
    return {1: dg1(state=state), 2: encode(0x75, b"\x7f\x61\x03\x02\x01\x01"), 14: encode(0x6E, b"\x31\x00"),
            15: encode(0x6F, b"\x30\x00")}


def edit_signed_data(sod: bytes, edit: Callable[[cms.SignedData], object]) -> bytes:
    """Re-encode EF.SOD after ``edit(signed_data)`` changed the asn1crypto SignedData in place."""
    ci = cms.ContentInfo.load(bytes(decode(sod).value))
    sd = ci["content"]
    edit(sd)
    return encode(0x77, cms.ContentInfo({"content_type": "signed_data", "content": sd}).dump(force=True))


def ci_bytes(sod: bytes) -> bytes:
    """The ContentInfo inside tag 77 (what openssl cms reads)."""
    return bytes(decode(sod).value)
