"""A chip consistent with itself and with what the holder showed: checks over the decoded files only.

- ``com_sod_consistency``: EF.COM lists the data groups EF.SOD hashes (Doc 9303-10 §4.6.1, §4.6.2).
- ``card_access_matches_dg14``: every SecurityInfo the unsigned EF.CardAccess announces is in the
  signed DG14 with the same values. Doc 9303-11 §9.2 ("storage on the chip") has DG14 hold "the
  SecurityInfos contained in EF.CardAccess", and DG14 is required whenever PACE with the generic or
  integrated mapping, Chip Authentication or Terminal Authentication is supported; DG14 is what
  protects EF.CardAccess from being changed (a chip announcing parameterId 12 where DG14 says 13
  offers PACE the issuer did not sign). A difference, or a missing info, FAILS the check. A DG14 with
  no PACEInfo at all is no exception: 9303 allows no such card, and real passports carry it (the
  Austrian and German DG14s hold their EF.CardAccess PACEInfos). Without a DG14 there is nothing
  signed to compare with: NOT_SUPPORTED, a finding that does not fail the card. SecurityInfos cardkit
  does not model are compared by their DER and listed when absent, without failing.
- ``dg1_matches_key``: the MRZ information or Vietnamese ID number shown matches DG1 / DG13, in
  constant time inside ``AccessKey``; a CAN matches when it is the last 6 digits of the chip's VN ID.
"""

from __future__ import annotations

from ..algorithms import pace_name
from ..card import AccessKey
from ..checks import Check, Status
from ..lds import (
    ActiveAuthenticationInfo,
    ChipAuthenticationInfo,
    ChipAuthenticationPublicKeyInfo,
    PaceDomainParameterInfo,
    PaceInfo,
    SecurityInfo,
    TerminalAuthenticationInfo,
)
from ..vn import id_numbers_stated
from .files import DecodedFiles

__all__ = ["com_sod_consistency", "card_access_matches_dg14", "dg1_matches_key"]

_MODELLED = (PaceInfo, PaceDomainParameterInfo, ChipAuthenticationInfo, ChipAuthenticationPublicKeyInfo,
             TerminalAuthenticationInfo, ActiveAuthenticationInfo)


def _dgs(numbers: set[int]) -> str:
    return ", ".join(f"DG{n}" for n in sorted(numbers))


def com_sod_consistency(decoded: DecodedFiles) -> Check:
    """EF.COM and EF.SOD name the same data groups."""
    com, sod = decoded.com, decoded.sod
    if com is None or sod is None:
        return Check("com_sod_consistency", Status.SKIPPED, "EF.COM or EF.SOD missing")
    in_com, in_sod = set(com.data_groups), set(sod.dg_hashes)
    if in_com == in_sod:
        return Check("com_sod_consistency", Status.PASSED, "EF.COM and EF.SOD list the same data groups")
    parts = []
    if in_sod - in_com:
        parts.append("hashed in EF.SOD but not listed in EF.COM: " + _dgs(in_sod - in_com))
    if in_com - in_sod:
        parts.append("listed in EF.COM but not hashed in EF.SOD: " + _dgs(in_com - in_sod))
    return Check("com_sod_consistency", Status.FAILED, "; ".join(parts))


def _describe(info: SecurityInfo) -> str:
    """An info with the values compared: ``id-PACE-ECDH-GM-AES-CBC-CMAC-128 (brainpoolP256r1) v2, parameterId 13``."""
    if isinstance(info, PaceInfo):
        pid = f", parameterId {info.parameter_id}" if info.parameter_id is not None else ""
        return f"{pace_name(info.protocol, info.parameter_id)} v{info.version}{pid}"
    if isinstance(info, ChipAuthenticationInfo):
        return f"{info.name} v{info.version}" + (f" keyId {info.key_id}" if info.key_id is not None else "")
    if isinstance(info, TerminalAuthenticationInfo):
        return f"{info.name} v{info.version}" + (" with efCVCA" if info.ef_cvca is not None else "")
    if isinstance(info, ChipAuthenticationPublicKeyInfo):
        return f"{info.name} key" + (f" keyId {info.key_id}" if info.key_id is not None else "")
    if isinstance(info, PaceDomainParameterInfo):
        return f"{info.name} domain parameters" + (f" id {info.parameter_id}" if info.parameter_id is not None else "")
    if isinstance(info, ActiveAuthenticationInfo):
        return f"{info.name} v{info.version} ({info.signature_algorithm})"
    return info.name


def card_access_matches_dg14(decoded: DecodedFiles) -> Check:
    """Every SecurityInfo of EF.CardAccess is in DG14 with the same values (Doc 9303-11 §9.2; module docstring)."""
    name = "card_access_matches_dg14"
    access, dg14 = decoded.card_access, decoded.dg14
    if access is None:
        return Check(name, Status.SKIPPED, "no EF.CardAccess to compare" if decoded.card_access_error is None
                     else "EF.CardAccess does not decode")
    if dg14 is None:
        if any(f == "DG14" for f, _ in decoded.failures):
            return Check(name, Status.SKIPPED, "DG14 does not decode")
        return Check(name, Status.NOT_SUPPORTED, "no DG14: what EF.CardAccess announces is not signed "
                                                 "(Doc 9303-11 §9.2 has DG14 repeat it)")
    signed = dg14.infos
    problems: list[str] = []
    unmodelled: list[str] = []
    for info in access.infos:
        if info in signed:
            continue
        if not isinstance(info, _MODELLED):
            unmodelled.append(info.name)
            continue
        same_protocol = [s for s in signed if type(s) is type(info) and s.protocol == info.protocol]
        if same_protocol:
            problems.append(f"EF.CardAccess announces {_describe(info)}, DG14 says "
                            + " / ".join(_describe(s) for s in same_protocol))
        else:
            problems.append(f"DG14 lacks {_describe(info)}")
    note = f"; not compared (kinds cardkit does not model): {', '.join(unmodelled)}" if unmodelled else ""
    if problems:
        return Check(name, Status.FAILED, "; ".join(problems) + note, {"differences": len(problems)})
    n = len(access.infos) - len(unmodelled)
    return Check(name, Status.PASSED, f"DG14 carries the {n} SecurityInfo{'s' if n != 1 else ''} "
                                      f"EF.CardAccess announces{note}")


def dg1_matches_key(decoded: DecodedFiles, key: AccessKey | None) -> Check:
    """What the holder showed against DG1 (and, for a Vietnamese ID number, DG13); never echoing either."""
    name = "dg1_matches_input"
    mrz = decoded.mrz
    if mrz is None:
        return Check(name, Status.SKIPPED, "DG1 not read")
    if key is None:
        return Check(name, Status.SKIPPED, "no holder data shown to compare")
    ids = id_numbers_stated(mrz, decoded.dg13.id_number if decoded.dg13 is not None else None)
    if key.has_mrz_information:
        same = key.matches_mrz_information(mrz.mrz_information)
        return Check(name, Status.PASSED if same else Status.FAILED,
                     "the MRZ data shown matches DG1" if same else "the MRZ data shown does not match DG1")
    if key.has_id_number:
        same = key.matches_id_number(ids)
        return Check(name, Status.PASSED if same else Status.FAILED,
                     "the ID number shown matches the chip" if same else "the ID number shown does not match DG1/DG13")
    if ids:
        same = key.can_matches(ids)
        return Check(name, Status.PASSED if same else Status.FAILED,
                     "the CAN is the last 6 digits of the ID number" if same
                     else "the CAN is not the last 6 digits of the ID number on the chip")
    return Check(name, Status.SKIPPED, "the CAN is not part of DG1")
