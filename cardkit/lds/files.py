"""The files of the eMRTD application: names, FIDs, short FIDs, tags, DG numbers (Doc 9303-10 §4).

One table, plain dicts, used by every layer that needs to name a file.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["LdsFileId", "FILES", "by_name", "by_tag", "by_fid", "by_dg", "dg_name", "MRTD_AID", "FILE_NAMES"]

MRTD_AID = bytes.fromhex("A0000002471001")


@dataclass(frozen=True, slots=True)
class LdsFileId:
    """How one LDS file is named and addressed."""

    name: str  # "EF.COM", "DG1" ... "DG16", "EF.SOD", "EF.CardAccess", "EF.CardSecurity", "EF.CVCA"
    fid: int
    sfi: int
    tag: int | None  # outer tag; None for EF.CardAccess / EF.CardSecurity (a DER SET / ContentInfo)
    dg: int | None  # data group number
    in_mf: bool = False  # lives in the master file, outside the application


_TABLE = [
    LdsFileId("EF.CardAccess", 0x011C, 0x1C, None, None, in_mf=True),
    LdsFileId("EF.CardSecurity", 0x011D, 0x1D, None, None, in_mf=True),
    LdsFileId("EF.COM", 0x011E, 0x1E, 0x60, None),
    LdsFileId("EF.SOD", 0x011D, 0x1D, 0x77, None),
    # in the application; its default FID is EF.CardAccess's, which lives in the MF (TR-03110-3 A.6.2.4)
    LdsFileId("EF.CVCA", 0x011C, 0x1C, None, None),
]
_DG_TAGS = {1: 0x61, 2: 0x75, 3: 0x63, 4: 0x76, 5: 0x65, 6: 0x66, 7: 0x67, 8: 0x68, 9: 0x69,
            10: 0x6A, 11: 0x6B, 12: 0x6C, 13: 0x6D, 14: 0x6E, 15: 0x6F, 16: 0x70}
_TABLE += [LdsFileId(f"DG{n}", 0x0100 + n, n, tag, n) for n, tag in _DG_TAGS.items()]

FILES: dict[str, LdsFileId] = {f.name: f for f in _TABLE}
FILE_NAMES: tuple[str, ...] = tuple(FILES)
_BY_TAG = {f.tag: f for f in _TABLE if f.tag is not None}
_BY_DG = {f.dg: f for f in _TABLE if f.dg is not None}
# EF.SOD and EF.CardSecurity share FID 011D (one in the application, one in the MF); EF.CVCA and
# EF.CardAccess share 011C the same way. A bare FID names the file readers ask for by it first.
_BY_FID = {f.fid: f for f in _TABLE if not f.in_mf}
_BY_FID[0x011C] = FILES["EF.CardAccess"]


def by_name(name: str) -> LdsFileId:
    """Look up a file by name ("DG1", "EF.SOD" ...); KeyError names the unknown file."""
    try:
        return FILES[name]
    except KeyError:
        raise KeyError(f"unknown LDS file {name!r}; known: {', '.join(FILE_NAMES)}") from None


def by_tag(tag: int) -> LdsFileId | None:
    return _BY_TAG.get(tag)


def by_fid(fid: int) -> LdsFileId | None:
    """The application file with this FID (011C gives EF.CardAccess)."""
    return _BY_FID.get(fid)


def by_dg(n: int) -> LdsFileId | None:
    return _BY_DG.get(n)


def dg_name(n: int) -> str:
    return f"DG{n}"
