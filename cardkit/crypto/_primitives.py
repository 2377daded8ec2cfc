"""Block-cipher primitives for eMRTD protocols (Doc 9303-11 §9.7-9.8): 3DES, AES, retail MAC, CMAC.

Rules of this module:
- pure functions, no state, no I/O; keys are bytes and never printed;
- 3DES is always driven through ``cryptography``'s decrepit TripleDES with a 24-byte key
  (K1||K2||K1 for two-key 3DES, K||K||K for single DES), so no deprecated key length is used;
- CBC here never pads: callers pad with ISO/IEC 9797-1 method 2 where the spec says so.
"""

from __future__ import annotations

import hmac
import warnings

from cryptography.hazmat.primitives import cmac
from cryptography.hazmat.primitives.ciphers import Cipher as _CipherContext, algorithms, modes

from ..algorithms import Cipher

with warnings.catch_warnings():
    # Importing the decrepit module is the supported way to reach 3DES; keep any
    # deprecation noise local to this import instead of muting it process-wide.
    warnings.simplefilter("ignore")
    from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES

__all__ = [
    "des_parity",
    "pad",
    "unpad",
    "cbc_encrypt",
    "cbc_decrypt",
    "ecb_encrypt",
    "retail_mac",
    "aes_cmac",
    "mac",
    "mac_equal",
]


def des_parity(key: bytes) -> bytes:
    """Set each byte's low bit so that every byte has odd parity (FIPS 46-3)."""
    out = bytearray()
    for b in key:
        hi = b & 0xFE
        out.append(hi | (0 if bin(hi).count("1") % 2 else 1))
    return bytes(out)


def pad(data: bytes, size: int) -> bytes:
    """ISO/IEC 9797-1 padding method 2: 80 then zeros up to a multiple of ``size``."""
    n = len(data) + 1
    return data + b"\x80" + bytes((-n) % size)


def unpad(data: bytes) -> bytes:
    """Remove ISO/IEC 9797-1 method 2 padding; ValueError when there is none."""
    i = len(data) - 1
    while i >= 0 and data[i] == 0:
        i -= 1
    if i < 0 or data[i] != 0x80:
        raise ValueError("no ISO/IEC 9797-1 method 2 padding")
    return data[:i]


def _algorithm(key: bytes, cipher: Cipher) -> TripleDES | algorithms.AES:
    if cipher is Cipher.TDES:
        if len(key) == 16:
            return TripleDES(key + key[:8])
        if len(key) == 24:
            return TripleDES(key)
        if len(key) == 8:
            return TripleDES(key * 3)
        raise ValueError(f"3DES key of {len(key)} bytes")
    if len(key) != cipher.key_length:
        raise ValueError(f"{cipher} key of {len(key)} bytes")
    return algorithms.AES(key)


def cbc_encrypt(key: bytes, data: bytes, cipher: Cipher, iv: bytes | None = None) -> bytes:
    """CBC encryption without padding (IV zero unless given)."""
    iv = iv if iv is not None else bytes(cipher.block_size)
    enc = _CipherContext(_algorithm(key, cipher), modes.CBC(iv)).encryptor()
    return enc.update(data) + enc.finalize()


def cbc_decrypt(key: bytes, data: bytes, cipher: Cipher, iv: bytes | None = None) -> bytes:
    """CBC decryption without unpadding (IV zero unless given)."""
    iv = iv if iv is not None else bytes(cipher.block_size)
    dec = _CipherContext(_algorithm(key, cipher), modes.CBC(iv)).decryptor()
    return dec.update(data) + dec.finalize()


def ecb_encrypt(key: bytes, data: bytes, cipher: Cipher) -> bytes:
    """ECB encryption of whole blocks (used for the AES SM IV = E(KS_enc, SSC))."""
    enc = _CipherContext(_algorithm(key, cipher), modes.ECB()).encryptor()
    return enc.update(data) + enc.finalize()


def retail_mac(key: bytes, data: bytes) -> bytes:
    """ISO/IEC 9797-1 MAC algorithm 3 (DES, two keys) over block-aligned data; 8 bytes.

    No padding is added here: Doc 9303 pads the input itself (``pad(data, 8)``) before the MAC.
    """
    if len(key) != 16:
        raise ValueError("retail MAC needs a 16-byte key")
    if not data or len(data) % 8:
        raise ValueError("retail MAC input must be a non-empty multiple of 8 bytes")
    k1, k2 = key[:8], key[8:]
    # Single-DES CBC over all blocks with K1, then the last block gets D(K2) and E(K1):
    # the "retail" output transformation.
    h = cbc_encrypt(k1, data, Cipher.TDES)[-8:]
    dec = _CipherContext(_algorithm(k2, Cipher.TDES), modes.ECB()).decryptor()
    h = dec.update(h) + dec.finalize()
    return ecb_encrypt(k1, h, Cipher.TDES)


def aes_cmac(key: bytes, data: bytes) -> bytes:
    """AES-CMAC (NIST SP 800-38B), full 16 bytes."""
    c = cmac.CMAC(algorithms.AES(key))
    c.update(data)
    return c.finalize()


def mac(key: bytes, data: bytes, cipher: Cipher) -> bytes:
    """The 8-byte eMRTD MAC of ``data`` as given: retail MAC (3DES) or AES-CMAC truncated to 8.

    The caller pads where Doc 9303 says so (SM input for both ciphers; BAC and 3DES PACE tokens).
    """
    if cipher is Cipher.TDES:
        return retail_mac(key, data)
    return aes_cmac(key, data)[:8]


def mac_equal(a: bytes, b: bytes) -> bool:
    """Constant-time comparison of MACs, tokens and cryptograms."""
    return hmac.compare_digest(a, b)
