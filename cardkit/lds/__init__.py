"""ICAO Doc 9303-10 LDS files as objects: parse (keeping the raw bytes), build, and name them.

Every file class is a frozen dataclass with ``raw``, ``from_bytes(data)`` (raises only
``ParseError``), ``to_bytes()`` (``raw`` untouched) and a ``build(...)`` classmethod.
``decode_file(name, data)`` picks the class from the file name used in dumps.
``Sod`` (EF.SOD) and ``CardSecurity`` (EF.CardSecurity) share the CMS parser of ``cardkit.lds.sod``;
DG2, DG3 and DG4 share the biometric template layer of ``cardkit.lds._cbeff``.
"""

from __future__ import annotations

from typing import Any

from .. import tlv
from ..errors import ParseError
from ._base import DataGroup
from .card_access import CardAccess
from .card_security import CardSecurity
from .com import Com
from .dg1 import Dg1
from .dg2 import BiometricHeader, BiometricTemplate, Dg2, Face, FaceImage, FeaturePoint
from .dg3 import Dg3, FingerImage, FingerImageRecord, FingerTemplate
from .dg4 import Dg4, IrisEye, IrisImage, IrisImageRecord, IrisTemplate
from .dg7 import Dg7
from .dg11 import Dg11
from .dg12 import Dg12
from .dg13_vn import Dg13Vn
from .dg14 import Dg14
from .dg15 import Dg15
from .dg16 import Dg16, PersonToNotify
from .ef_cvca import EfCvca
from .files import FILE_NAMES, MRTD_AID, LdsFileId, by_dg, by_fid, by_name, by_tag
from .iso39794_5 import DateTimeBlock, FaceImageDataBlock, FaceRepresentation
from .security_info_set import SecurityInfos
from .sod import Sod
from .security_infos import (
    ActiveAuthenticationInfo,
    ChipAuthenticationInfo,
    ChipAuthenticationPublicKeyInfo,
    PaceDomainParameterInfo,
    PaceInfo,
    SecurityInfo,
    TerminalAuthenticationInfo,
    UnknownSecurityInfo,
    PrivilegedTerminalInfo,
)

__all__ = [
    "Com", "Dg1", "Dg2", "Face", "FaceImage", "FeaturePoint", "BiometricHeader", "BiometricTemplate",
    "FaceImageDataBlock", "FaceRepresentation", "DateTimeBlock", "Dg3", "FingerImage", "FingerImageRecord",
    "FingerTemplate", "Dg4", "IrisEye", "IrisImage", "IrisImageRecord", "IrisTemplate", "EfCvca", "Dg7", "Dg11",
    "Dg12", "Dg13Vn", "Dg14", "Dg15",
    "Dg16", "PersonToNotify", "DataGroup", "CardAccess", "SecurityInfos", "SecurityInfo", "PaceInfo",
    "PaceDomainParameterInfo", "ChipAuthenticationInfo", "ChipAuthenticationPublicKeyInfo",
    "TerminalAuthenticationInfo", "ActiveAuthenticationInfo", "UnknownSecurityInfo", "PrivilegedTerminalInfo", "Sod",
    "CardSecurity",
    "decode_file", "normalise_name", "guess_name", "CLASSES",
    "LdsFileId", "FILE_NAMES", "MRTD_AID", "by_name", "by_tag", "by_fid", "by_dg",
]

# file name -> class; DGs not listed decode as DataGroup. DG13 is national: cardkit knows Vietnam's.
CLASSES: dict[str, Any] = {
    "EF.COM": Com, "DG1": Dg1, "DG2": Dg2, "DG3": Dg3, "DG4": Dg4, "DG7": Dg7, "DG11": Dg11, "DG12": Dg12,
    "DG13": Dg13Vn, "DG14": Dg14,
    "DG15": Dg15, "DG16": Dg16, "EF.CardAccess": CardAccess, "EF.CVCA": EfCvca,
}


def normalise_name(name: str) -> str | None:
    """The canonical file name ("dg1", "DG01", "COM", "ef.sod", "CardAccess", "CVCA" ...) or None if unknown."""
    n = name.strip().upper().replace("_", ".")
    if n.startswith("EF."):
        n = n[3:]
    if n.startswith("DG") and n[2:].isdigit():
        num = int(n[2:])
        return f"DG{num}" if 1 <= num <= 16 else None
    return {"COM": "EF.COM", "SOD": "EF.SOD", "CARDACCESS": "EF.CardAccess",
            "CARDSECURITY": "EF.CardSecurity", "CVCA": "EF.CVCA"}.get(n)


def guess_name(data: bytes, filename: str | None = None) -> str | None:
    """The file's name from a dump file name ("DG2", "EF.SOD.bin"), else from its first tag."""
    if filename:
        base = filename.replace("\\", "/").rsplit("/", 1)[-1]
        for candidate in (base, base.rsplit(".", 1)[0] if "." in base else base):
            found = normalise_name(candidate)
            if found:
                return found
    if not data:
        return None
    if data[0] == 0x31:
        return "EF.CardAccess"
    if data[0] == 0x30:  # a bare ContentInfo: the signed SecurityInfos of the master file
        return "EF.CardSecurity"
    if data[0] == 0x42:  # a CAR data object: the trust points a chip names for Terminal Authentication
        return "EF.CVCA"
    try:
        tag = tlv.decode_header(data)[0]
    except ParseError:
        return None
    info = by_tag(tag)
    return info.name if info else None


def decode_file(name: str, data: bytes) -> Any:
    """Decode an LDS file by its name ("EF.COM", "DG1".."DG16", "EF.SOD", "EF.CardAccess", "EF.CardSecurity",
    "EF.CVCA").

    Raises:
        ParseError: unknown name, or bytes that are not that file (names the file).
    """
    canonical = normalise_name(name)
    if canonical is None:
        raise ParseError(f"unknown LDS file name {name!r}", what="LDS file")
    try:
        if canonical == "EF.SOD":
            return Sod.from_bytes(data)
        if canonical == "EF.CardSecurity":
            return CardSecurity.from_bytes(data)
        cls = CLASSES.get(canonical)
        if cls is not None:
            return cls.from_bytes(data)
        if canonical.startswith("DG"):
            dg = DataGroup.from_bytes(data)
            if f"DG{dg.dg}" != canonical:
                raise ParseError(f"outer tag is that of DG{dg.dg}", what=canonical, offset=0)
            return dg
    except ParseError as e:
        raise e.within(source=canonical)
    raise ParseError(f"cardkit does not decode {canonical}", what=canonical)
