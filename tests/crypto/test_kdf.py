"""KDF and block-cipher primitives (Doc 9303-11 §9.7; ISO/IEC 9797-1)."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, strategies as st

from cardkit.algorithms import Cipher
from cardkit.crypto import _primitives as prim
from cardkit.crypto.kdf import kdf

from .conftest import load_vector


def test_bac_keys_from_k_seed_vector():
    v = load_vector("bac")
    seed = bytes.fromhex(v["k_seed"])
    assert hashlib.sha1(v["mrz_information"].encode()).hexdigest().upper() == v["sha1_mrz_information"]
    assert kdf(seed, 1, Cipher.TDES).hex().upper() == v["k_enc"]
    assert kdf(seed, 2, Cipher.TDES).hex().upper() == v["k_mac"]


def test_session_keys_vector():
    v = load_vector("bac")
    seed = bytes.fromhex(v["k_seed_session"])
    assert kdf(seed, 1, Cipher.TDES).hex().upper() == v["ks_enc"]
    assert kdf(seed, 2, Cipher.TDES).hex().upper() == v["ks_mac"]


def test_pace_password_key_vector():
    v = load_vector("pace_g1")
    assert kdf(bytes.fromhex(v["k"]), 3, Cipher.AES_128).hex().upper() == v["k_pi"]


def test_aes_key_lengths_and_hashes():
    secret = b"\x01" * 20
    assert kdf(secret, 1, Cipher.AES_128) == hashlib.sha1(secret + b"\0\0\0\1").digest()[:16]
    assert kdf(secret, 1, Cipher.AES_192) == hashlib.sha256(secret + b"\0\0\0\1").digest()[:24]
    assert kdf(secret, 2, Cipher.AES_256) == hashlib.sha256(secret + b"\0\0\0\2").digest()


@given(st.binary(max_size=64), st.integers(1, 3))
def test_3des_keys_have_odd_parity(secret, counter):
    key = kdf(secret, counter, Cipher.TDES)
    assert len(key) == 16
    assert all(bin(b).count("1") % 2 == 1 for b in key)


def test_bad_cipher_and_counter():
    with pytest.raises(ValueError):
        kdf(b"x", 1, Cipher("DES"))
    with pytest.raises(ValueError):
        kdf(b"x", 1 << 32, Cipher.AES_128)


def test_retail_mac_vector_m_ifd():
    v = load_vector("bac")
    e = bytes.fromhex(v["e_ifd"])
    assert prim.retail_mac(bytes.fromhex(v["k_mac"]), prim.pad(e, 8)).hex().upper() == v["m_ifd"]


def test_retail_mac_refuses_unaligned_input():
    with pytest.raises(ValueError):
        prim.retail_mac(bytes(16), b"abc")


def test_3des_cbc_vector_e_ifd():
    v = load_vector("bac")
    assert prim.cbc_encrypt(bytes.fromhex(v["k_enc"]), bytes.fromhex(v["s"]), Cipher.TDES).hex().upper() == v["e_ifd"]


@given(st.binary(max_size=80), st.sampled_from([8, 16]))
def test_pad_unpad_roundtrip(data, size):
    padded = prim.pad(data, size)
    assert len(padded) % size == 0 and len(padded) > len(data)
    assert prim.unpad(padded) == data


def test_unpad_rejects_missing_padding():
    with pytest.raises(ValueError):
        prim.unpad(bytes(16))
    with pytest.raises(ValueError):
        prim.unpad(b"\x01\x02")


def test_aes_cmac_rfc4493_example():
    # RFC 4493 §4 example 2 (16-byte message)
    key = bytes.fromhex("2b7e151628aed2a6abf7158809cf4f3c")
    msg = bytes.fromhex("6bc1bee22e409f96e93d7e117393172a")
    assert prim.aes_cmac(key, msg).hex() == "070a16b46b4d4144f79bdd9dd04a287c"
    assert prim.mac(key, msg, Cipher.AES_128) == bytes.fromhex("070a16b46b4d4144")
