"""Decoding helpers of the verification terminal: file objects, algorithm names, holder data.

Kept apart from ``cardkit.inspect`` (the flow) so that each stays one concern. Nothing here
talks to a card. Names follow Doc 9303-11 §9.2 / BSI TR-03110 Part 3 A.1.1.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from .errors import CardkitError, ParseError
from .report import FaceInfo, Holder

__all__ = [
    "parse_card_access",
    "decode_file",
    "pace_name",
    "choose_pace",
    "ca_name",
    "aa_name",
    "vn_id_numbers",
    "holder",
    "PARAMETER_NAMES",
]

_BSI = "0.4.0.127.0.7.2.2."
PARAMETER_NAMES = {
    0: "MODP-1024/160", 1: "MODP-2048/224", 2: "MODP-2048/256", 8: "secp192r1", 9: "brainpoolP192r1",
    10: "secp224r1", 11: "brainpoolP224r1", 12: "secp256r1", 13: "brainpoolP256r1", 14: "brainpoolP320r1",
    15: "secp384r1", 16: "brainpoolP384r1", 17: "brainpoolP512r1", 18: "secp521r1",
}
# Files the terminal interprets; the others (DG3-DG10, DG16) are kept raw and only hashed.
_DECODED = {"EF.COM", "EF.SOD", "DG1", "DG2", "DG11", "DG12", "DG13", "DG14", "DG15"}


def _oid_tail(oid: str, prefix: str) -> tuple[int, ...] | None:
    if not oid.startswith(prefix):
        return None
    try:
        return tuple(int(x) for x in oid[len(prefix):].split("."))
    except ValueError:
        return None


def pace_name(info: Any) -> str:
    """``id-PACE-ECDH-GM-AES-CBC-CMAC-128 (brainpoolP256r1)`` for a PACEInfo; the OID when unknown."""
    from .lds.security_infos import oid_name

    name = oid_name(str(info.protocol))
    pid = getattr(info, "parameter_id", None)
    if pid is not None:
        name += f" ({PARAMETER_NAMES.get(pid, f'parameter {pid}')})"
    return name


def _pace_rank(info: Any) -> tuple[int, int, int]:
    """Order PACEInfos: ECDH before DH (speed), stronger cipher, then GM > IM > CAM (compatibility)."""
    tail = _oid_tail(str(info.protocol), _BSI + "4.") or (0, 0)
    mapping, cipher = (tail + (0, 0))[:2]
    ec = 1 if mapping in (2, 4, 6) else 0
    mapping_rank = {2: 3, 1: 3, 4: 2, 3: 2, 6: 1}.get(mapping, 0)
    return ec, cipher, mapping_rank


def choose_pace(infos: list[Any]) -> tuple[Any | None, list[str]]:
    """The best PACEInfo the terminal's crypto supports, and the names of those it does not."""
    supported, unsupported = [], []
    try:
        from .crypto.pace import PaceAlgorithm
    except ImportError:  # the crypto layer is not there: no PACE from this terminal
        return None, [pace_name(i) for i in infos]
    for info in infos:
        try:
            PaceAlgorithm.from_oid(str(info.protocol))
        except (CardkitError, ValueError, KeyError, NotImplementedError):
            unsupported.append(pace_name(info))
            continue
        supported.append(info)
    if not supported:
        return None, unsupported
    return max(supported, key=_pace_rank), unsupported


def parse_card_access(data: bytes) -> Any:
    """EF.CardAccess as ``cardkit.lds.CardAccess`` (ParseError when malformed)."""
    from .lds import CardAccess

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
        from .lds import Dg13Vn

        try:
            return Dg13Vn.from_bytes(data)
        except ParseError:
            if issuing_state is None:
                return None
            raise
    from .lds import decode_file as lds_decode

    obj = lds_decode(name, data)
    if name == "DG1":
        obj.mrz  # noqa: B018 - parse the MRZ now so that a bad one is a decode:DG1 finding
    return obj


def ca_name(dg14: Any) -> str:
    """``id-CA-ECDH-AES-CBC-CMAC-128 (brainpoolP256r1)`` from DG14's infos (the key's curve when known)."""
    from .lds.security_infos import oid_name

    infos = list(getattr(dg14, "ca_infos", ()) or ())
    name = oid_name(str(infos[0].protocol)) if infos else "Chip Authentication"
    keys = list(getattr(dg14, "ca_public_keys", ()) or ())
    if keys:
        name += f" ({_key_text(keys[0].public_key_info)})"
    return name


def aa_name(dg15: Any, dg14: Any | None) -> str:
    """``RSA-2048 ISO 9796-2`` or ``ECDSA brainpoolP256r1 (ecdsa-with-SHA256)`` for DG15's key."""
    text = _key_text(dg15.public_key_info)
    if text.startswith("RSA"):
        return f"{text} ISO/IEC 9796-2"
    aa_info = getattr(dg14, "aa_info", None) if dg14 is not None else None
    sig = getattr(aa_info, "signature_algorithm", None)
    return f"ECDSA {text}" + (f" ({_sig_name(str(sig))})" if sig else "")


def _sig_name(oid: str) -> str:
    from .lds.security_infos import oid_name

    return oid_name(oid)


def _key_text(spki: bytes) -> str:
    """``RSA-2048`` / ``brainpoolP256r1`` / ``DH-2048`` for a SubjectPublicKeyInfo (explicit EC parameters matched)."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    from .crypto.keys import DhPublicKey, EcPublicKey, load_public_key

    try:
        key = load_public_key(bytes(spki))
    except CardkitError:
        return "unknown key"
    if isinstance(key, rsa.RSAPublicKey):
        return f"RSA-{key.key_size}"
    if isinstance(key, EcPublicKey):
        return key.curve.name
    if isinstance(key, DhPublicKey):
        return f"DH-{key.p.bit_length()}"
    return type(key).__name__


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
