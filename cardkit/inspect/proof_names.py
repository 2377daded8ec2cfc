"""How a report names the chip's proofs: Chip Authentication and Active Authentication with their keys."""

from __future__ import annotations

from ..algorithms import oid_name
from ..errors import CardkitError
from ..lds.dg14 import Dg14
from ..lds.dg15 import Dg15
from ..public_keys import describe_key, load_public_key

__all__ = ["ca_name", "aa_name"]


def _key_text(spki: bytes) -> str:
    """``RSA-2048`` / ``brainpoolP256r1`` / ``DH-2048`` for a SubjectPublicKeyInfo (explicit EC parameters matched)."""
    try:
        return describe_key(load_public_key(bytes(spki)))
    except CardkitError:
        return "unknown key"


def ca_name(dg14: Dg14) -> str:
    """``id-CA-ECDH-AES-CBC-CMAC-128 (brainpoolP256r1)`` from DG14's infos (the key's curve when known)."""
    infos = dg14.ca_infos
    name = infos[0].name if infos else "Chip Authentication"
    keys = dg14.ca_public_keys
    return name + (f" ({_key_text(keys[0].public_key_info)})" if keys else "")


def aa_name(dg15: Dg15, dg14: Dg14 | None) -> str:
    """``RSA-2048 ISO/IEC 9796-2`` or ``ECDSA brainpoolP256r1 (ecdsa-with-SHA256)`` for DG15's key (9303-11 §6.1)."""
    text = _key_text(dg15.public_key_info)
    if text.startswith("RSA"):
        return f"{text} ISO/IEC 9796-2"
    aa_info = dg14.aa_info if dg14 is not None else None
    return f"ECDSA {text}" + (f" ({oid_name(aa_info.signature_algorithm)})" if aa_info is not None else "")
