"""Decoding helpers of the verification terminal: file objects, algorithm names, holder data.

Kept apart from ``cardkit.inspect`` (the flow) so that each stays one concern. Nothing here
talks to a card. Names follow Doc 9303-11 §9.2 / BSI TR-03110 Part 3 A.1.1.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from .algorithms import DOMAIN_PARAMETERS, oid_name
from .errors import CardkitError, ParseError
from .lds import CardAccess, Dg13Vn, Dg14, Dg15, PaceInfo
from .lds import decode_file as lds_decode
from .public_keys import describe_key, load_public_key
from .report import FaceInfo, Holder

__all__ = [
    "parse_card_access",
    "decode_file",
    "pace_name",
    "ca_name",
    "aa_name",
    "vn_id_numbers",
    "holder",
]

# Files the terminal interprets; the others (DG3-DG10, DG16) are kept raw and only hashed.
_DECODED = {"EF.COM", "EF.SOD", "DG1", "DG2", "DG11", "DG12", "DG13", "DG14", "DG15"}


def pace_name(info: PaceInfo) -> str:
    """``id-PACE-ECDH-GM-AES-CBC-CMAC-128 (brainpoolP256r1)`` for a PACEInfo; the OID when unknown."""
    name = info.name
    pid = info.parameter_id
    if pid is not None:
        params = DOMAIN_PARAMETERS.get(pid)
        name += f" ({params.name if params is not None else f'parameter {pid}'})"
    return name


def parse_card_access(data: bytes) -> CardAccess:
    """EF.CardAccess as ``cardkit.lds.CardAccess`` (ParseError when malformed)."""
    return CardAccess.from_bytes(data)


def decode_file(name: str, data: bytes, *, issuing_state: str | None) -> Any:
    """The LDS object for ``name`` or None when the terminal does not interpret it; ParseError when bad.

    DG13 is read as the Vietnamese DG13 only on a VNM document (spec/vn-cccd.md): other states'
    DG13 is national and opaque, so it is hashed but not decoded.
    """
    if name not in _DECODED:
        return None
    if name == "DG13":
        if issuing_state not in ("VNM", None):
            return None
        try:
            return Dg13Vn.from_bytes(data)
        except ParseError:
            if issuing_state is None:
                return None
            raise
    obj = lds_decode(name, data)
    if name == "DG1":
        obj.mrz  # noqa: B018 - parse the MRZ now so that a bad one is a decode:DG1 finding
    return obj


def ca_name(dg14: Dg14) -> str:
    """``id-CA-ECDH-AES-CBC-CMAC-128 (brainpoolP256r1)`` from DG14's infos (the key's curve when known)."""
    infos = dg14.ca_infos
    name = infos[0].name if infos else "Chip Authentication"
    keys = dg14.ca_public_keys
    if keys:
        name += f" ({_key_text(keys[0].public_key_info)})"
    return name


def aa_name(dg15: Dg15, dg14: Dg14 | None) -> str:
    """``RSA-2048 ISO 9796-2`` or ``ECDSA brainpoolP256r1 (ecdsa-with-SHA256)`` for DG15's key."""
    text = _key_text(dg15.public_key_info)
    if text.startswith("RSA"):
        return f"{text} ISO/IEC 9796-2"
    aa_info = dg14.aa_info if dg14 is not None else None
    return f"ECDSA {text}" + (f" ({oid_name(aa_info.signature_algorithm)})" if aa_info is not None else "")


def _key_text(spki: bytes) -> str:
    """``RSA-2048`` / ``brainpoolP256r1`` / ``DH-2048`` for a SubjectPublicKeyInfo (explicit EC parameters matched)."""
    try:
        return describe_key(load_public_key(bytes(spki)))
    except CardkitError:
        return "unknown key"


def vn_id_numbers(mrz: Any, dg13: Any | None) -> list[str]:
    """The 12-digit Vietnamese ID numbers the chip states (DG1 optional data, DG13 field 1)."""
    ids: list[str] = []
    opt = str(getattr(mrz, "optional_data", "") or "")
    if getattr(mrz, "issuing_state", None) == "VNM" and len(opt) >= 12 and opt[:12].isdigit():
        ids.append(opt[:12])
    dg13_id = getattr(dg13, "id_number", None) if dg13 is not None else None
    if isinstance(dg13_id, str) and dg13_id:
        ids.append(dg13_id)
    return ids


_MRZ_FIELDS = ("format", "document_code", "issuing_state", "document_number", "optional_data", "optional_data_2",
               "date_of_birth", "sex", "date_of_expiry", "nationality", "primary_identifier", "secondary_identifier")
_DG13_FIELDS = ("id_number", "full_name", "date_of_birth", "sex", "nationality", "ethnicity", "religion",
                "place_of_origin", "place_of_residence", "identification_features", "date_of_issue",
                "date_of_expiry", "father_name", "mother_name", "spouse_name", "old_id_number", "field16")


def _nfc(v: Any) -> Any:
    return unicodedata.normalize("NFC", v) if isinstance(v, str) else v


def holder(parsed: dict[str, Any]) -> Holder:
    """Holder data from the decoded files (each part None when its file is absent or bad)."""
    mrz_d: dict[str, str] | None = None
    lines: tuple[str, ...] = ()
    dg1 = parsed.get("DG1")
    if dg1 is not None:
        mrz = dg1.mrz
        mrz_d = {f: str(getattr(mrz, f)) for f in _MRZ_FIELDS if getattr(mrz, f, None) not in (None, "")}
        lines = tuple(dg1.lines)
    dg13 = parsed.get("DG13")
    dg13_d = None
    if dg13 is not None:
        dg13_d = {f: _nfc(getattr(dg13, f, None)) for f in _DG13_FIELDS}
    face = None
    dg2 = parsed.get("DG2")
    if dg2 is not None and dg2.faces:
        f = dg2.faces[0]
        face = FaceInfo(f.image_type, f.width, f.height, bytes(f.image))
    extra = {}
    for name in ("DG11", "DG12"):
        obj = parsed.get(name)
        if obj is not None:
            d = dict(obj.to_dict())
            d.pop("file", None)
            extra[name] = {k: _nfc(v) for k, v in d.items()}
    return Holder(mrz=mrz_d, mrz_lines=lines, dg13=dg13_d, dg11=extra.get("DG11"), dg12=extra.get("DG12"), face=face)
