"""Chip side of PACE (Doc 9303-11 §4.4): MSE:Set AT, then the four GENERAL AUTHENTICATE steps.

The chip offers exactly the PACEInfos of its own EF.CardAccess: MSE:Set AT must name one of their
protocol OIDs (DO80) and, when several share it, the parameter id (DO84). Password references:
01 MRZ (the K = SHA-1(MRZ_information) stored at perso), 02 CAN (PUT DATA 00 65). The protocol math
is ``cardkit.crypto.pace.ChipPace`` (GM, IM and CAM, ECDH and DH, 3DES and AES). A wrong terminal token
answers 6300; malformed data 6A80; anything out of order 6985. Success opens SM with SSC 0.

Chip Authentication Mapping (id-PACE-ECDH-CAM-*, §4.4.3.5): the chip hands ChipPace its static CA private
key on the PACE curve, so GA 4 also returns the encrypted CA_IC (DO8A); the matching public key is the
ChipAuthenticationPublicKeyInfo of EF.CardSecurity. A chip with no such key answers MSE:Set AT 6A88.
With the ``cloned`` fault the chip uses a different key of the same curve, so the terminal's CAM check fails.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives.asymmetric import ec

from cardkit import tlv
from cardkit.algorithms import Mapping, decode_oid, ec_curve
from cardkit.crypto.pace import ChipPace, Password
from cardkit.crypto.sm import ChipSecureMessaging
from cardkit.errors import AuthenticationError, CardkitError, ParseError
from cardkit.iso7816 import CommandApdu, ResponseApdu
from cardkit.lds.card_access import CardAccess
from cardkit.lds.security_infos import PaceInfo

from ._fs import CARD_ACCESS_FID, sw
from ._perso import PACE_REF_CAN, PACE_REF_MRZ

if TYPE_CHECKING:  # pragma: no cover
    from .emrtd import EmrtdChip

__all__ = ["mse_set_at", "general_authenticate", "PaceFlow"]


@dataclass
class PaceFlow:
    """A PACE run in progress (kept in the chip's volatile state)."""

    chip_pace: ChipPace


def offered_pace_infos(chip: "EmrtdChip") -> list[PaceInfo]:
    """The PACEInfos of the chip's own EF.CardAccess (none when it has no or an unreadable EF.CardAccess)."""
    data = chip.files.get(CARD_ACCESS_FID)
    if not data:
        return []
    try:
        return list(CardAccess.from_bytes(bytes(data)).pace_infos)
    except CardkitError:
        return []


def _password(chip: "EmrtdChip", ref: int) -> Password | None:
    sec = chip.secrets
    if ref == PACE_REF_MRZ and sec.mrz_key is not None:
        return Password("MRZ", PACE_REF_MRZ, sec.mrz_key)
    if ref == PACE_REF_CAN and PACE_REF_CAN in sec.pace_secrets:
        return Password("CAN", PACE_REF_CAN, sec.pace_secrets[PACE_REF_CAN])
    return None


def _cam_key(chip: "EmrtdChip", parameter_id: int) -> ec.EllipticCurvePrivateKey | None:
    """The chip's static CA private key on the curve of PACE parameter id ``parameter_id`` (None: there is none)."""
    try:
        curve = ec_curve(parameter_id)
    except CardkitError:
        return None
    for _kid, key in chip.secrets.ca_keys:
        if isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name.lower() == curve.name.lower():
            return key
    return None


def mse_set_at(chip: "EmrtdChip", cmd: CommandApdu, protected: bool) -> ResponseApdu:
    """MSE:Set AT for PACE (00 22 C1 A4 {80 OID, 83 password ref, [84 parameter id], [7F4C CHAT]})."""
    vol = chip.volatile
    vol.flow = None
    try:
        dos = {t.tag: t.value for t in tlv.decode_all(cmd.data)}
    except ParseError:
        return sw(0x6A80)
    if 0x80 not in dos or 0x83 not in dos or len(dos[0x83]) != 1:
        return sw(0x6A80)
    try:
        oid = decode_oid(dos[0x80], what="MSE DO80")
    except ParseError:
        return sw(0x6A80)
    pid = int.from_bytes(dos[0x84], "big") if 0x84 in dos and 1 <= len(dos[0x84]) <= 2 else None
    if 0x84 in dos and pid is None:
        return sw(0x6A80)
    infos = [i for i in offered_pace_infos(chip) if i.protocol == oid]
    if pid is not None:
        infos = [i for i in infos if i.parameter_id in (pid, None)]
    if len(infos) != 1 or (pid if pid is not None else infos[0].parameter_id) is None:
        return sw(0x6A80)  # not offered, or ambiguous without DO84
    pid = pid if pid is not None else infos[0].parameter_id
    password = _password(chip, dos[0x83][0])
    if password is None:
        return sw(0x6A88)  # reference data (that password) not found
    ca_key = None
    algorithm = infos[0].algorithm
    if algorithm is not None and algorithm.mapping is Mapping.CAM:
        ca_key = _cam_key(chip, pid)
        if ca_key is None:
            return sw(0x6A88)  # CAM offered but no static key on that curve: reference data not found
        if chip.faults.cloned:
            ca_key = chip.clone_key(ca_key)
    try:
        flow = ChipPace(password, oid, pid, chip.rng, ca_private_key=ca_key)
    except CardkitError:
        return sw(0x6A80)
    vol.flow = PaceFlow(flow)
    return sw(0x9000)


def general_authenticate(chip: "EmrtdChip", cmd: CommandApdu, protected: bool) -> ResponseApdu:
    """One PACE GENERAL AUTHENTICATE step; after the fourth, secure messaging starts with the new keys."""
    vol = chip.volatile
    flow = vol.flow
    assert isinstance(flow, PaceFlow)  # _access routes here only while a PACE flow runs
    try:
        out = flow.chip_pace.general_authenticate(cmd.data)
    except AuthenticationError:
        vol.flow = None
        return sw(0x6300)
    except CardkitError:
        vol.flow = None
        return sw(0x6A80)
    if cmd.le is not None and len(out) > cmd.le:
        vol.flow = None
        return sw(0x6700)
    if flow.chip_pace.done and flow.chip_pace.result is not None:
        keys = flow.chip_pace.result
        vol.flow = None
        vol.sm, vol.sm_cipher, vol.access = ChipSecureMessaging(keys), keys.cipher, "PACE"
        vol.chip_authenticated = False
        vol.reset_eac()
        if flow.chip_pace.chip_public_key is not None:  # TA's ID_PICC after PACE (Doc 9303-11 §7.1.2)
            vol.pace_chip_key = (flow.chip_pace.chip_public_key, flow.chip_pace.algorithm.key_agreement.value)
    return sw(0x9000, out)
