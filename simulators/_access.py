"""Chip side of access control and chip authentication: BAC, PACE, CA, AA, TA (Doc 9303-11 §4, §6, §7).

The flows are the chip's; every piece of cryptography is ``cardkit.crypto``'s (one source of crypto truth):
BAC uses ``bac.chip_authenticate``, PACE ``_pace_chip`` (which calls the PACE math of
``cardkit.crypto.pace``), CA ``ca``'s chip helper, AA ``aa.aa_sign``, TA ``_ta`` (``crypto.ta.TaChip``).
Under secure messaging GET CHALLENGE and EXTERNAL AUTHENTICATE belong to TA once it has started.
Status words follow Doc 9303: wrong cryptogram 6300, command out of sequence 6985, unknown reference
6A88, bad data 6A80.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives.asymmetric import ec, rsa

from cardkit.crypto.bac import bac_keys, chip_authenticate
from cardkit.crypto.sm import ChipSecureMessaging
from cardkit.errors import AuthenticationError, CardkitError, ProtocolError
from cardkit.iso7816 import CommandApdu, ResponseApdu

from . import _ca, _pace_chip, _ta
from ._aa import internal_authenticate
from ._fs import sw
from ._perso import is_dh_key

if TYPE_CHECKING:  # pragma: no cover
    from .emrtd import EmrtdChip

__all__ = ["dispatch", "substitute_key"]


def dispatch(chip: "EmrtdChip", cmd: CommandApdu, protected: bool) -> ResponseApdu:
    """Route GET CHALLENGE, EXTERNAL/INTERNAL AUTHENTICATE, MSE, GENERAL AUTHENTICATE and PSO."""
    ins = cmd.ins
    ta_running = protected and chip.volatile.ta is not None
    if ins == 0x2A or (ins in (0x84, 0x82) and ta_running):
        return _ta.dispatch(chip, cmd, protected)
    if ins == 0x84:
        return get_challenge(chip, cmd, protected)
    if ins == 0x82:
        return external_authenticate(chip, cmd, protected)
    if ins == 0x88:
        return internal_authenticate(chip, cmd, protected)
    if ins == 0x22:
        return mse(chip, cmd, protected)
    if ins == 0x86:
        return general_authenticate(chip, cmd, protected)
    return sw(0x6D00)


# --- BAC (Doc 9303-11 §4.3) ---------------------------------------------------------------------


def get_challenge(chip: "EmrtdChip", cmd: CommandApdu, protected: bool) -> ResponseApdu:
    """GET CHALLENGE (00 84 00 00 08): RND.IC for BAC. Under SM, before TA has started, only random bytes."""
    if cmd.p1 or cmd.p2:
        return sw(0x6A86)
    if cmd.le != 8 or cmd.data:
        return sw(0x6700)
    rnd = bytes(chip.rng(8))
    if protected:
        return sw(0x9000, rnd)
    if not chip.options.bac_enabled or chip.secrets.mrz_key is None:
        return sw(0x6985)
    chip.volatile.flow = ("BAC", rnd)
    return sw(0x9000, rnd)


def external_authenticate(chip: "EmrtdChip", cmd: CommandApdu, protected: bool) -> ResponseApdu:
    """EXTERNAL AUTHENTICATE (00 82 00 00 28 E_IFD||M_IFD 28): checks the terminal, opens 3DES SM."""
    vol = chip.volatile
    flow, vol.flow = vol.flow, None  # one attempt per challenge
    if protected or not (isinstance(flow, tuple) and flow[0] == "BAC"):
        return sw(0x6985)
    if cmd.p1 or cmd.p2:
        return sw(0x6A86)
    if len(cmd.data) != 40 or (cmd.le is not None and cmd.le < 40):
        return sw(0x6700)
    k_enc, k_mac = bac_keys(chip.secrets.mrz_key[:16])
    try:
        data, keys = chip_authenticate(k_enc, k_mac, flow[1], cmd.data, bytes(chip.rng(16)))
    except (AuthenticationError, ProtocolError):
        return sw(0x6300)
    vol.sm, vol.sm_cipher, vol.access = ChipSecureMessaging(keys), keys.cipher, "BAC"
    vol.chip_authenticated = False
    vol.reset_eac()
    return sw(0x9000, data)


# --- MSE and GENERAL AUTHENTICATE: PACE and CA ----------------------------------------------------


def mse(chip: "EmrtdChip", cmd: CommandApdu, protected: bool) -> ResponseApdu:
    """MSE:Set AT for PACE (C1 A4), for CA (41 A4), MSE:Set KAT for 3DES CA (41 A6)."""
    p1p2 = (cmd.p1 << 8) | cmd.p2
    if p1p2 == 0xC1A4:
        return _pace_chip.mse_set_at(chip, cmd, protected)
    if p1p2 in (0x41A4, 0x41A6):
        return _ca.mse_ca(chip, cmd, protected)
    if p1p2 in (0x81B6, 0x81A4):
        return _ta.dispatch(chip, cmd, protected)  # Terminal Authentication
    return sw(0x6A86)


def general_authenticate(chip: "EmrtdChip", cmd: CommandApdu, protected: bool) -> ResponseApdu:
    """GENERAL AUTHENTICATE (x0/x1 86 00 00 7C ...): the PACE steps, or CA with AES."""
    if cmd.p1 or cmd.p2:
        return sw(0x6A86)
    flow = chip.volatile.flow
    if isinstance(flow, _pace_chip.PaceFlow):
        return _pace_chip.general_authenticate(chip, cmd, protected)
    if isinstance(flow, _ca.CaFlow):
        return _ca.general_authenticate(chip, cmd, protected)
    return sw(0x6985)


# --- the cloned-chip fault -------------------------------------------------------------------------


def substitute_key(key: Any) -> Any:
    """A fresh private key of the same kind, size or curve as ``key`` (what a clone would hold)."""
    if isinstance(key, rsa.RSAPrivateKey):
        return rsa.generate_private_key(key.public_key().public_numbers().e, key.key_size)
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return ec.generate_private_key(key.curve)
    if is_dh_key(key):
        return key.parameters().generate_private_key()
    raise CardkitError("no substitute for this key type")
