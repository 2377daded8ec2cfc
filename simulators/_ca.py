"""Chip side of Chip Authentication v1 (Doc 9303-11 §6.2), under an open BAC or PACE session.

- 3DES: MSE:Set KAT 00 22 41 A6 {91 terminal ephemeral key [84 keyId]}: the answer goes out under
  the old keys, then SM restarts with the CA keys (SSC 0);
- AES: MSE:Set AT 00 22 41 A4 {80 CA OID [84 keyId]}, then GENERAL AUTHENTICATE 00 86 00 00
  7C {80 key} answered 7C 00 under the old keys, then the new keys.
Key agreement and derivation are ``cardkit.crypto.ca.chip_ca_session_keys``. With the ``cloned``
fault the chip agrees with a key other than DG14's, so the terminal's next SM response check fails.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives.asymmetric import ec

from cardkit import tlv
from cardkit.algorithms import CaAlgorithm, Cipher, KeyAgreement, decode_oid
from cardkit.crypto.ca import chip_ca_session_keys
from cardkit.crypto.sm import ChipSecureMessaging
from cardkit.errors import CardkitError, ParseError
from cardkit.iso7816 import CommandApdu, ResponseApdu

from ._fs import sw
from ._perso import is_dh_key

if TYPE_CHECKING:  # pragma: no cover
    from .emrtd import EmrtdChip

__all__ = ["mse_ca", "general_authenticate", "CaFlow"]


@dataclass
class CaFlow:
    """An AES CA run between MSE:Set AT and GENERAL AUTHENTICATE."""

    key: Any  # a cryptography EC or DH private key (DH is touched only through is_dh_key: it warns)
    cipher: Cipher


def _find_key(chip: "EmrtdChip", key_id: int | None, key_agreement: KeyAgreement | None) -> Any:
    """The CA private key named by keyId (or the only fitting one when no keyId is given)."""

    def fits(k: Any) -> bool:
        if key_agreement is None:
            return True
        return isinstance(k, ec.EllipticCurvePrivateKey) if key_agreement is KeyAgreement.ECDH else is_dh_key(k)

    keys = [(kid, k) for kid, k in chip.secrets.ca_keys if fits(k)]
    if key_id is not None:
        keys = [(kid, k) for kid, k in keys if kid in (key_id, None)]
        exact = [k for kid, k in keys if kid == key_id]
        if exact:
            return exact[0]
    if len(keys) != 1:
        return None
    return keys[0][1]


def _agree(chip: "EmrtdChip", key: Any, public: bytes, cipher: Cipher) -> None:
    """Derive the CA session, opening SM with it after the current response; ParseError-free."""
    if chip.faults.cloned:
        key = chip.clone_key(key)
    keys = chip_ca_session_keys(key, public, cipher)
    vol = chip.volatile
    vol.next_sm, vol.next_cipher = ChipSecureMessaging(keys), keys.cipher
    vol.chip_authenticated = True
    # Terminal Authentication signs this key, in the session CA opens (Doc 9303-11 §7.1.4.1.3)
    vol.ca_terminal_key = (bytes(public), "ECDH" if isinstance(key, ec.EllipticCurvePrivateKey) else "DH")
    vol.ta = vol.ta_authorization = None


def _key_id(dos: dict[int, bytes]) -> tuple[bool, int | None]:
    if 0x84 not in dos:
        return True, None
    v = dos[0x84]
    if not 1 <= len(v) <= 4:
        return False, None
    return True, int.from_bytes(v, "big")


def mse_ca(chip: "EmrtdChip", cmd: CommandApdu, protected: bool) -> ResponseApdu:
    """MSE:Set KAT (41 A6, 3DES) or MSE:Set AT (41 A4, AES) for Chip Authentication."""
    vol = chip.volatile
    vol.flow = None
    if not protected:
        return sw(0x6982)
    try:
        dos = {t.tag: t.value for t in tlv.decode_all(cmd.data)}
    except ParseError:
        return sw(0x6A80)
    ok, key_id = _key_id(dos)
    if not ok:
        return sw(0x6A80)
    if cmd.p2 == 0xA6:
        if set(dos) - {0x91, 0x84} or 0x91 not in dos:
            return sw(0x6A80)
        key = _find_key(chip, key_id, None)
        if key is None:
            return sw(0x6A88)
        try:
            _agree(chip, key, dos[0x91], Cipher.TDES)
        except CardkitError:
            return sw(0x6A80)
        return sw(0x9000)
    if set(dos) - {0x80, 0x84} or 0x80 not in dos:
        return sw(0x6A80)
    try:
        alg = CaAlgorithm.from_oid(decode_oid(dos[0x80], what="MSE DO80"))
    except ParseError:
        return sw(0x6A80)
    key = _find_key(chip, key_id, alg.key_agreement)
    if key is None:
        return sw(0x6A88)
    vol.flow = CaFlow(key, alg.cipher)
    return sw(0x9000)


def general_authenticate(chip: "EmrtdChip", cmd: CommandApdu, protected: bool) -> ResponseApdu:
    """GENERAL AUTHENTICATE for AES CA: 7C {80 terminal ephemeral key} -> 7C 00."""
    vol = chip.volatile
    flow = vol.flow
    assert isinstance(flow, CaFlow)  # _access routes here only while a CA flow runs
    vol.flow = None
    if not protected:
        return sw(0x6982)
    try:
        outer = tlv.decode(cmd.data)
        if outer.tag != 0x7C:
            return sw(0x6A80)
        public = outer.child(0x80).value
    except ParseError:
        return sw(0x6A80)
    try:
        _agree(chip, flow.key, public, flow.cipher)
    except CardkitError:
        return sw(0x6A80)
    return sw(0x9000, b"\x7c\x00")
