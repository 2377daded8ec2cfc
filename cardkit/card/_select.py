"""Choosing among what a chip offers for Chip Authentication: the key and the info to run CA with.

The PACE choice is ``cardkit.algorithms.choose_pace_info``: the one preference policy, shared with
inspection. Here: the ChipAuthenticationInfo and ChipAuthenticationPublicKeyInfo of DG14 that go
together (Doc 9303-11 §6.2, §9.2.5-9.2.6).
"""

from __future__ import annotations

from ..algorithms import KeyAgreement
from ..errors import ProtocolError
from ..lds.security_info_set import InfosView
from ..lds.security_infos import ChipAuthenticationInfo, ChipAuthenticationPublicKeyInfo

__all__ = ["pick_ca_keys"]


def pick_ca_keys(dg14: InfosView) -> tuple[ChipAuthenticationInfo | None, ChipAuthenticationPublicKeyInfo]:
    """(ChipAuthenticationInfo or None, ChipAuthenticationPublicKeyInfo) to run CA with (Doc 9303-11 §6.2).

    The info and the key match by keyId (either side may omit it when there is one key)
    and by key agreement (DH/ECDH). An ECDH key comes before a DH key; a key with no
    ChipAuthenticationInfo is used alone only when no key has one (3DES implied, §9.2.5).

    Raises:
        ProtocolError: DG14 holds no Chip Authentication public key.
    """
    keys = list(dg14.ca_public_keys)
    if not keys:
        raise ProtocolError("DG14 holds no Chip Authentication public key", step="CA")
    keys.sort(key=lambda k: 0 if k.key_agreement is KeyAgreement.ECDH else 1)
    for k in keys:
        for info in dg14.ca_infos:
            if info.key_agreement is not k.key_agreement:
                continue
            if k.key_id is None or info.key_id is None or k.key_id == info.key_id:
                if len(keys) > 1 and (k.key_id is None) != (info.key_id is None):
                    continue
                return info, k
    return None, keys[0]
