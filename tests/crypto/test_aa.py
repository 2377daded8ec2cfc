"""Active Authentication: the Doc 9303-11 message layout, RSA ISO/IEC 9796-2 and ECDSA, chip signing."""

from __future__ import annotations

import hashlib

import pytest
from asn1crypto import core
from cryptography.hazmat.primitives import serialization as ser
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from cardkit.crypto.aa import (
    AaState, ActiveAuthentication, aa_sign, iso9796_2_representative, verify_ecdsa, verify_rsa_9796_2,
)
from cardkit.algorithms import CURVES
from cardkit.crypto import _ec
from cardkit.lds import ActiveAuthenticationInfo
from cardkit.public_keys import EcPublicKey, _RawSpki
from cardkit.errors import ParseError, ProtocolError, StatusWordError
from cardkit.iso7816 import ResponseApdu

from .conftest import load_vector, scripted_rng

V = load_vector("aa")
RSA1024 = rsa.generate_private_key(65537, 1024)
RSA2048 = rsa.generate_private_key(65537, 2048)


def spki(key) -> bytes:
    return key.public_key().public_bytes(ser.Encoding.DER, ser.PublicFormat.SubjectPublicKeyInfo)


def aa_info(oid):
    return ActiveAuthenticationInfo(signature_algorithm=oid)


def test_vector_message_layout():
    m1, m2 = bytes.fromhex(V["m1"]), bytes.fromhex(V["rnd_ifd"])
    assert len(m1) == 106  # c = k - Lh - 8t - 4 = 852 bits; 848 bits of M1
    assert hashlib.sha1(m1 + m2).hexdigest().upper() == V["h"]
    f = iso9796_2_representative(m1, m2, "sha1", V["k_bytes"])
    assert f.hex().upper() == V["f"]


def test_vector_layout_verifies_when_signed():
    """Signing the example's F with any 1024-bit key verifies against RND.IFD; another challenge does not."""
    f = int(V["f"], 16)
    nums = RSA1024.private_numbers()
    sig = pow(f, nums.d, nums.public_numbers.n).to_bytes(128, "big")
    assert verify_rsa_9796_2(RSA1024.public_key(), bytes.fromhex(V["rnd_ifd"]), sig).verified
    res = verify_rsa_9796_2(RSA1024.public_key(), bytes(8), sig)
    assert not res.verified and "does not match" in res.reason


def _run(key_info: bytes, info, sign, rnd="0102030405060708"):
    aa = ActiveAuthentication(key_info, info, rng=scripted_rng(rnd))
    cmd = aa.start()
    assert cmd.header == bytes.fromhex("00880000") and cmd.data == bytes.fromhex(rnd)
    assert aa.receive(ResponseApdu(sign(cmd.data), 0x9000)) is None
    assert aa.done
    return aa, cmd


@pytest.mark.parametrize("hash_name", ["sha1", "sha224", "sha256", "sha384", "sha512"])
def test_rsa_roundtrip_every_trailer(hash_name):
    aa, cmd = _run(spki(RSA1024), None, lambda c: aa_sign(RSA1024, c, hash_name))
    assert aa.result.verified and aa.result.hash_name == hash_name and aa.result.algorithm == "RSA-ISO9796-2"
    assert cmd.to_bytes() == bytes.fromhex("0088000008") + cmd.data + b"\x00"


def test_rsa_2048_asks_extended_length():
    aa, cmd = _run(spki(RSA2048), None, lambda c: aa_sign(RSA2048, c, "sha256"))
    assert aa.result.verified
    # extended form: 00, Lc 0008, RND.IFD, Le 0100
    assert cmd.to_bytes() == bytes.fromhex("00880000000008") + cmd.data + bytes.fromhex("0100")


def test_rsa_n_minus_j_variant_is_accepted():
    def sign(c):
        s = int.from_bytes(aa_sign(RSA1024, c, "sha1"), "big")
        return (RSA1024.public_key().public_numbers().n - s).to_bytes(128, "big")

    aa, _ = _run(spki(RSA1024), None, sign)
    # (n - s)^e = -(s^e) = n - J for odd e: the verifier's n - J branch recovers F
    assert aa.result.verified


def test_rsa_wrong_key_clone_is_not_verified():
    other = rsa.generate_private_key(65537, 1024)
    aa, _ = _run(spki(RSA1024), None, lambda c: aa_sign(other, c, "sha1"))
    assert not aa.result.verified and aa.result.reason


@pytest.mark.parametrize("sig, reason", [(b"\x01" * 127, "127 bytes"), (b"\xff" * 128, "outside"),
                                         (b"\x00" * 128, "outside")])
def test_rsa_malformed_signatures(sig, reason):
    res = verify_rsa_9796_2(RSA1024.public_key(), bytes(8), sig)
    assert not res.verified and reason in res.reason


def test_rsa_wrong_header():
    nums = RSA1024.private_numbers()
    f = bytearray(bytes.fromhex(V["f"]))
    f[0] = 0x4A  # full-recovery header: not what AA uses
    sig = pow(int.from_bytes(f, "big"), nums.d, nums.public_numbers.n).to_bytes(128, "big")
    res = verify_rsa_9796_2(RSA1024.public_key(), bytes.fromhex(V["rnd_ifd"]), sig)
    assert not res.verified and "header" in res.reason


@pytest.mark.parametrize("curve, oid, hash_name", [
    (ec.SECP256R1(), "1.2.840.10045.4.3.2", "sha256"),
    (ec.BrainpoolP256R1(), "0.4.0.127.0.7.1.1.4.1.3", "sha256"),
    (ec.BrainpoolP384R1(), "0.4.0.127.0.7.1.1.4.1.4", "sha384"),
    (ec.SECP521R1(), "1.2.840.10045.4.3.4", "sha512"),
    (ec.SECP224R1(), "1.2.840.10045.4.1", "sha1"),
])
def test_ecdsa_plain_roundtrip(curve, oid, hash_name):
    key = ec.generate_private_key(curve)
    aa, _ = _run(spki(key), aa_info(oid), lambda c: aa_sign(key, c, hash_name))
    assert aa.result.verified and aa.result.hash_name == hash_name and not aa.result.aa_info_missing


def test_ecdsa_der_signature_accepted():
    key = ec.generate_private_key(ec.SECP256R1())
    from cryptography.hazmat.primitives import hashes

    aa, _ = _run(spki(key), aa_info("1.2.840.10045.4.3.2"), lambda c: key.sign(c, ec.ECDSA(hashes.SHA256())))
    assert aa.result.verified


def test_ecdsa_missing_info_tries_sha256_then_sha1():
    key = ec.generate_private_key(ec.SECP256R1())
    for h in ("sha256", "sha1"):
        aa, _ = _run(spki(key), None, lambda c: aa_sign(key, c, h))
        assert aa.result.verified and aa.result.hash_name == h and aa.result.aa_info_missing
    aa, _ = _run(spki(key), None, lambda c: aa_sign(key, c, "sha384"))
    assert not aa.result.verified


def test_ecdsa_wrong_key_and_garbage():
    key, other = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    info = aa_info("1.2.840.10045.4.3.2")
    aa, _ = _run(spki(key), info, lambda c: aa_sign(other, c, "sha256"))
    assert not aa.result.verified
    for garbage in (b"\x30\x00", bytes(64), b"\x01" * 10):
        aa, _ = _run(spki(key), info, lambda c: garbage)
        assert not aa.result.verified


def _pure_sign(curve, d, digest, k):
    n = curve.n
    r = _ec.mul_generator(curve, k)[0] % n
    e = int.from_bytes(digest, "big")
    s = pow(k, -1, n) * (e + r * d) % n
    return r, s


def test_ecdsa_on_curve_cryptography_lacks():
    curve = CURVES["brainpoolP320r1"]
    d = 123456789
    key = EcPublicKey(curve, _ec.mul_generator(curve, d))
    challenge = bytes(range(8))
    r, s = _pure_sign(curve, d, hashlib.sha256(challenge).digest(), 987654321)
    sig = r.to_bytes(40, "big") + s.to_bytes(40, "big")
    assert verify_ecdsa(key, challenge, sig, "sha256")
    assert verify_ecdsa(key, challenge, encode_dss_signature(r, s), "sha256")
    assert not verify_ecdsa(key, bytes(8), sig, "sha256")
    spki_der = _RawSpki({"algorithm": {"algorithm": "1.2.840.10045.2.1",
                                       "parameters": core.Any(core.ObjectIdentifier(curve.oid))},
                         "public_key": key.encoded}).dump()
    aa, _ = _run(spki_der, aa_info("0.4.0.127.0.7.1.1.4.1.3"), lambda c: sig, rnd=challenge.hex())
    assert aa.result.verified


def test_status_word_and_empty_answer():
    aa = ActiveAuthentication(spki(RSA1024), None)
    aa.start()
    with pytest.raises(StatusWordError) as err:
        aa.receive(ResponseApdu(b"", 0x6982))
    assert err.value.sw == 0x6982 and aa.state is AaState.FAILED
    aa = ActiveAuthentication(spki(RSA1024), None)
    aa.start()
    with pytest.raises(ProtocolError, match="no signature"):
        aa.receive(ResponseApdu(b"", 0x9000))


def test_wrong_calls_and_bad_inputs():
    aa = ActiveAuthentication(spki(RSA1024), None)
    with pytest.raises(ProtocolError):
        aa.receive(ResponseApdu(b"\x01", 0x9000))
    with pytest.raises(ProtocolError):
        aa.result
    aa = ActiveAuthentication(spki(RSA1024), None)
    aa.start()
    with pytest.raises(ProtocolError):
        aa.start()
    with pytest.raises(ProtocolError, match="unsupported"):
        ActiveAuthentication(spki(ec.generate_private_key(ec.SECP256R1())), aa_info("1.2.3.4"))
    with pytest.raises(ParseError):
        ActiveAuthentication(b"\x30\x00", None)
