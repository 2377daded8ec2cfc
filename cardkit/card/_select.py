"""Choosing among what a chip offers: the PACEInfo to run, the Chip Authentication key to use.

PACE preference (most secure and most widely interoperable first; Doc 9303-11 §4.4, §9.2):
 1. mapping: ECDH generic mapping, then ECDH integrated mapping, then ECDH chip
    authentication mapping, then DH generic, then DH integrated;
 2. cipher within a mapping: AES-128 (the BSI TR-03110 reference and what nearly every
    issuing state ships), then AES-256, AES-192, and 3DES last;
 3. standardized domain parameters (ids 0-2 and 8-18) before proprietary or absent ones.
A PACEInfo whose OID cardkit does not know is never chosen.
"""

from __future__ import annotations

from typing import Any, Sequence

from ..errors import ProtocolError

__all__ = ["choose_pace_info", "pick_ca_keys", "PACE_PREFIX"]

PACE_PREFIX = "0.4.0.127.0.7.2.2.4."
CA_PREFIX = "0.4.0.127.0.7.2.2.3."
CA_PK_PREFIX = "0.4.0.127.0.7.2.2.1."
_MAPPING_RANK = {2: 0, 4: 1, 6: 2, 1: 3, 3: 4}  # m of 0.4.0.127.0.7.2.2.4.m.c
_CIPHER_RANK = {2: 0, 4: 1, 3: 2, 1: 3}  # c: 1 3DES, 2 AES-128, 3 AES-192, 4 AES-256
_KNOWN_PARAMS = {0, 1, 2, *range(8, 19)}


def _pace_rank(info: Any) -> tuple[int, int, int] | None:
    oid = getattr(info, "protocol", "")
    if not oid.startswith(PACE_PREFIX):
        return None
    parts = oid[len(PACE_PREFIX):].split(".")
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        return None
    m, c = int(parts[0]), int(parts[1])
    if m not in _MAPPING_RANK or c not in _CIPHER_RANK:
        return None
    known = 0 if getattr(info, "parameter_id", None) in _KNOWN_PARAMS else 1
    return (known, _MAPPING_RANK[m], _CIPHER_RANK[c])


def choose_pace_info(infos: Sequence[Any]) -> Any:
    """The best PACEInfo of EF.CardAccess in the order of the module header.

    Raises:
        ProtocolError: no PACEInfo cardkit supports.
    """
    ranked = [(r, i, info) for i, info in enumerate(infos) if (r := _pace_rank(info)) is not None]
    if not ranked:
        raise ProtocolError("EF.CardAccess offers no PACE protocol cardkit supports", step="PACE")
    ranked.sort(key=lambda t: (t[0], t[1]))
    return ranked[0][2]


def _family(oid: str, prefix: str) -> int | None:
    # 1 = DH, 2 = ECDH (the component after the prefix)
    if not oid.startswith(prefix):
        return None
    head = oid[len(prefix):].split(".")[0]
    return int(head) if head.isdigit() else None


def pick_ca_keys(dg14: Any) -> tuple[Any, Any]:
    """(ChipAuthenticationInfo or None, ChipAuthenticationPublicKeyInfo) to run CA with (Doc 9303-11 §6.2).

    The info and the key match by keyId (either side may omit it when there is one key)
    and by key agreement (DH/ECDH). An ECDH key comes before a DH key; a key with no
    ChipAuthenticationInfo is used alone only when no key has one (3DES implied, §9.2.5).

    Raises:
        ProtocolError: DG14 holds no Chip Authentication public key.
    """
    keys = list(getattr(dg14, "ca_public_keys", ()) or ())
    infos = list(getattr(dg14, "ca_infos", ()) or ())
    if not keys:
        raise ProtocolError("DG14 holds no Chip Authentication public key", step="CA")
    keys.sort(key=lambda k: 0 if _family(k.protocol, CA_PK_PREFIX) == 2 else 1)
    for k in keys:
        fam = _family(k.protocol, CA_PK_PREFIX)
        for info in infos:
            if _family(info.protocol, CA_PREFIX) != fam:
                continue
            if k.key_id is None or info.key_id is None or k.key_id == info.key_id:
                if len(keys) > 1 and (k.key_id is None) != (info.key_id is None):
                    continue
                return info, k
    return None, keys[0]
