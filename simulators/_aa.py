"""Chip side of Active Authentication (Doc 9303-11 §6.1): INTERNAL AUTHENTICATE 00 88 00 00 08 RND.IFD.

The signature is ``cardkit.crypto.aa.aa_sign``: RSA ISO/IEC 9796-2 scheme 1 with SHA-1 (trailer BC,
what RSA AA chips use), or ECDSA plain r||s with the hash DG14's ActiveAuthenticationInfo names
(SHA-256 when DG14 says nothing). Once locked the chip signs only under secure messaging (6982
otherwise). A chip without an AA key answers 6D00, as a chip without AA does. With the ``cloned``
fault it signs with another key of the same size, so the DG15 check fails.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cryptography.hazmat.primitives.asymmetric import ec

from cardkit.crypto.aa import aa_sign
from cardkit.errors import CardkitError
from cardkit.iso7816 import CommandApdu, ResponseApdu
from cardkit.lds.dg14 import Dg14

from ._fs import sw
from ._perso import complete_rsa_key

if TYPE_CHECKING:  # pragma: no cover
    from .emrtd import EmrtdChip

__all__ = ["internal_authenticate", "ecdsa_hash"]


def ecdsa_hash(chip: "EmrtdChip") -> str:
    """The hash of ECDSA AA, from the chip's own DG14 ActiveAuthenticationInfo (SHA-256 by default)."""
    dg14 = chip.files.get(0x010E)
    if dg14:
        try:
            info = Dg14.from_bytes(bytes(dg14)).aa_info
        except CardkitError:
            info = None
        if info is not None and info.algorithm is not None:
            return info.algorithm.hash
    return "sha256"


def internal_authenticate(chip: "EmrtdChip", cmd: CommandApdu, protected: bool) -> ResponseApdu:
    """INTERNAL AUTHENTICATE: sign RND.IFD with the AA private key."""
    key = chip.secrets.aa_private_key
    if key is None and not complete_rsa_key(chip):
        return sw(0x6D00)
    key = chip.secrets.aa_private_key
    if key is None:
        return sw(0x6D00)
    if chip.life_cycle == "OPERATIONAL" and not protected:
        return sw(0x6982)
    if cmd.p1 or cmd.p2:
        return sw(0x6A86)
    if len(cmd.data) != 8:
        return sw(0x6700)
    if chip.faults.cloned:
        key = chip.clone_key(key)
    hash_name = ecdsa_hash(chip) if isinstance(key, ec.EllipticCurvePrivateKey) else "sha1"
    sig = aa_sign(key, cmd.data, hash_name, chip.rng)
    if cmd.le is None or cmd.le < len(sig):
        return sw(0x6700)
    return sw(0x9000, sig)
