"""Key derivation function of Doc 9303-11 §9.7.1: KDF(K, c) = H(K || c) cut to the key length.

c = 1 gives the encryption key, 2 the MAC key, 3 the PACE password key K_pi.
The hash and the key length come from the cipher (``Cipher.kdf_hash``, ``Cipher.key_length``):
3DES and AES-128 take SHA-1, AES-192 and AES-256 SHA-256; 3DES keys get DES parity bits.
"""

from __future__ import annotations

import hashlib

from ..algorithms import Cipher
from ._primitives import des_parity

__all__ = ["kdf", "KDF_ENC", "KDF_MAC", "KDF_PACE"]

KDF_ENC = 1
KDF_MAC = 2
KDF_PACE = 3


def kdf(secret: bytes, counter: int, cipher: Cipher) -> bytes:
    """Derive a key from a shared secret (Doc 9303-11 §9.7.1.1).

    Args:
        secret: the shared secret K (K_seed, ECDH x-coordinate, DH value, SHA-1(MRZ) or CAN bytes).
        counter: 32-bit counter c (1 ENC, 2 MAC, 3 PACE).
        cipher: the cipher the key is for.

    Returns:
        16 bytes (3DES two-key with parity, AES-128), 24 (AES-192) or 32 (AES-256).

    Raises:
        ValueError: counter outside 32 bits.
    """
    if not 0 <= counter <= 0xFFFFFFFF:
        raise ValueError("KDF counter outside 32 bits")
    key = hashlib.new(cipher.kdf_hash, bytes(secret) + counter.to_bytes(4, "big")).digest()[:cipher.key_length]
    return des_parity(key) if cipher is Cipher.TDES else key
