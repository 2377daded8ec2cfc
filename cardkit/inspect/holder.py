"""The holder data a terminal shows: MRZ (DG1), face (DG2), DG11/DG12 and Vietnam's DG13 (Doc 9303-10 §4.7).

Built from the decoded files, each part None when its file is absent or does not decode. Text is
kept as read, Unicode NFC (Vietnamese names must compare equal whichever way they were typed).
JSON-safe through ``to_dict``, except the face image itself, which is shown by type and size.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from ..lds import Dg11, Dg12, Dg13Vn
from ..mrz import Mrz
from .files import DecodedFiles

__all__ = ["FaceInfo", "Holder", "holder_from"]


@dataclass(frozen=True, slots=True)
class FaceInfo:
    """The first facial image of DG2 (Doc 9303-10 §4.7.2); ``image`` is kept out of repr and JSON."""

    image_type: str
    width: int | None
    height: int | None
    image: bytes = field(repr=False, default=b"")

    def to_dict(self) -> dict[str, object]:
        return {"image_type": self.image_type, "width": self.width, "height": self.height, "size": len(self.image)}


@dataclass(frozen=True, slots=True)
class Holder:
    """The holder data decoded from DG1, DG2, DG11, DG12 and (Vietnam) DG13, JSON-safe except ``face.image``."""

    mrz: dict[str, str] | None = None
    mrz_lines: tuple[str, ...] = ()
    dg13: dict[str, str | None] | None = None
    dg11: dict[str, object] | None = None
    dg12: dict[str, object] | None = None
    face: FaceInfo | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "mrz": self.mrz,
            "mrz_lines": list(self.mrz_lines),
            "dg13": self.dg13,
            "dg11": self.dg11,
            "dg12": self.dg12,
            "face": self.face.to_dict() if self.face else None,
        }


def _nfc(value: object) -> object:
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


def _mrz_fields(mrz: Mrz) -> dict[str, str]:
    pairs = (("format", mrz.format), ("document_code", mrz.document_code), ("issuing_state", mrz.issuing_state),
             ("document_number", mrz.document_number), ("optional_data", mrz.optional_data),
             ("optional_data_2", mrz.optional_data_2), ("date_of_birth", mrz.date_of_birth), ("sex", mrz.sex),
             ("date_of_expiry", mrz.date_of_expiry), ("nationality", mrz.nationality),
             ("primary_identifier", mrz.primary_identifier), ("secondary_identifier", mrz.secondary_identifier))
    return {k: v for k, v in pairs if v}


def _dg13_fields(dg13: Dg13Vn) -> dict[str, str | None]:
    pairs = (("id_number", dg13.id_number), ("full_name", dg13.full_name), ("date_of_birth", dg13.date_of_birth),
             ("sex", dg13.sex), ("nationality", dg13.nationality), ("ethnicity", dg13.ethnicity),
             ("religion", dg13.religion), ("place_of_origin", dg13.place_of_origin),
             ("place_of_residence", dg13.place_of_residence),
             ("identification_features", dg13.identification_features), ("date_of_issue", dg13.date_of_issue),
             ("date_of_expiry", dg13.date_of_expiry), ("father_name", dg13.father_name),
             ("mother_name", dg13.mother_name), ("spouse_name", dg13.spouse_name),
             ("old_id_number", dg13.old_id_number), ("field16", dg13.field16))
    return {k: unicodedata.normalize("NFC", v) if v is not None else None for k, v in pairs}


def _elements(dg: Dg11 | Dg12) -> dict[str, object]:
    d = dict(dg.to_dict())
    d.pop("file", None)
    return {k: _nfc(v) for k, v in d.items()}


def holder_from(decoded: DecodedFiles) -> Holder:
    """The holder data of the decoded files (each part None when its file is absent or bad)."""
    face = None
    if decoded.dg2 is not None and decoded.dg2.faces:
        f = decoded.dg2.faces[0]
        face = FaceInfo(f.image_type, f.width, f.height, bytes(f.image or b""))
    return Holder(
        mrz=_mrz_fields(decoded.mrz) if decoded.mrz is not None else None,
        mrz_lines=decoded.dg1.lines if decoded.dg1 is not None and decoded.mrz is not None else (),
        dg13=_dg13_fields(decoded.dg13) if decoded.dg13 is not None else None,
        dg11=_elements(decoded.dg11) if decoded.dg11 is not None else None,
        dg12=_elements(decoded.dg12) if decoded.dg12 is not None else None,
        face=face,
    )
