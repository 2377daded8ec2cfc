"""The files of the eMRTD application: names, FIDs, short FIDs, tags, DG numbers, size limits (Doc 9303-10 §4).

One table, plain dicts, used by every layer that needs to name a file. ``max_size`` bounds what a chip
may claim in a file's header: a terminal refuses a longer file before reading on (see ``MAX_SIZES``).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["LdsFileId", "FILES", "by_name", "by_tag", "by_fid", "by_dg", "dg_name", "MRTD_AID", "FILE_NAMES",
           "MAX_SIZES"]

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
    max_size: int = 1 << 20  # most bytes (tag, length and value) the file can hold: see MAX_SIZES


_KIB = 1024
_MIB = 1024 * _KIB
#: Largest whole file (tag, length and value) a terminal reads, by file, from what Doc 9303-10 §4.6-§4.7
#: lets each one hold; a header claiming more is refused before reading on. The bounds are loose on
#: purpose (a genuine file must never come near them), tight enough that a hostile header costs at
#: most a few thousand READ BINARY instead of one per 223 bytes of 16 MiB:
#: - EF.COM (5F01, 5F36, a tag list of at most 16 data groups) and DG1 (one MRZ of at most 90
#:   characters under 5F1F): well under 128 bytes; 256. EF.CVCA (TR-03110-3 A.6.2.4: at most two
#:   CARs of 16 characters, zero padded to 36 bytes): 256.
#: - EF.CardAccess, EF.CardSecurity, DG14 (SecurityInfos: a few keys and protocol infos; EF.CardSecurity
#:   adds a CMS signature and its certificate), DG15 (one public key), DG16 (persons to notify, text)
#:   and EF.SOD (a CMS SignedData with one DS certificate and at most 16 hashes): a few KiB; 64 KiB.
#: - every group that may hold images, or whose content 9303 leaves open: DG2 faces, DG3 fingers,
#:   DG4 irises, DG5 portrait, DG7 signature, DG11 (5F16 proof of citizenship image), DG12 (5F1D/5F1E
#:   images of the document), DG13 (national), DG6 and DG8-DG10: 1 MiB, above the memory of any chip
#:   issued so far. A profile that writes more raises its own limit (``Session(max_sizes=...)``).
MAX_SIZES: dict[str, int] = {
    "EF.COM": 256, "DG1": 256, "EF.CVCA": 256,
    "EF.CardAccess": 64 * _KIB, "EF.CardSecurity": 64 * _KIB, "EF.SOD": 64 * _KIB,
    "DG14": 64 * _KIB, "DG15": 64 * _KIB, "DG16": 64 * _KIB,
    **{f"DG{n}": _MIB for n in range(2, 14)},
}

_TABLE = [
    LdsFileId("EF.CardAccess", 0x011C, 0x1C, None, None, in_mf=True, max_size=MAX_SIZES["EF.CardAccess"]),
    LdsFileId("EF.CardSecurity", 0x011D, 0x1D, None, None, in_mf=True, max_size=MAX_SIZES["EF.CardSecurity"]),
    LdsFileId("EF.COM", 0x011E, 0x1E, 0x60, None, max_size=MAX_SIZES["EF.COM"]),
    LdsFileId("EF.SOD", 0x011D, 0x1D, 0x77, None, max_size=MAX_SIZES["EF.SOD"]),
    # in the application; its default FID is EF.CardAccess's, which lives in the MF (TR-03110-3 A.6.2.4)
    LdsFileId("EF.CVCA", 0x011C, 0x1C, None, None, max_size=MAX_SIZES["EF.CVCA"]),
]
_DG_TAGS = {1: 0x61, 2: 0x75, 3: 0x63, 4: 0x76, 5: 0x65, 6: 0x66, 7: 0x67, 8: 0x68, 9: 0x69,
            10: 0x6A, 11: 0x6B, 12: 0x6C, 13: 0x6D, 14: 0x6E, 15: 0x6F, 16: 0x70}
_TABLE += [LdsFileId(f"DG{n}", 0x0100 + n, n, tag, n, max_size=MAX_SIZES[f"DG{n}"]) for n, tag in _DG_TAGS.items()]

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
