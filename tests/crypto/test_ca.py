"""Chip Authentication v1: terminal against the chip-side key derivation, commands, failures."""

from __future__ import annotations

import warnings

import pytest
from asn1crypto import core, keys as akeys
from cryptography.hazmat.primitives import serialization as ser
from cryptography.hazmat.primitives.asymmetric import dh, ec

from cardkit import tlv
from cardkit.algorithms import CURVES, DH_GROUPS, CaAlgorithm, Cipher, KeyAgreement
from cardkit.crypto import _ec
from cardkit.crypto.ca import CaState, ChipAuthentication, chip_ca_session_keys
from cardkit.lds import ChipAuthenticationInfo, ChipAuthenticationPublicKeyInfo
from cardkit.public_keys import _RawSpki
from cardkit.errors import ParseError, ProtocolError, StatusWordError
from cardkit.iso7816 import ResponseApdu

from .conftest import scripted_rng

OK = ResponseApdu(b"", 0x9000)


def ec_key_info(key, key_id=None):
    spki = key.public_key().public_bytes(ser.Encoding.DER, ser.PublicFormat.SubjectPublicKeyInfo)
    return ChipAuthenticationPublicKeyInfo("0.4.0.127.0.7.2.2.1.2", spki, key_id)


def dh_key_info(group, y, key_id=None):
    spki = _RawSpki({"algorithm": {"algorithm": "1.2.840.10046.2.1",
                                   "parameters": core.Any(akeys.DomainParameters({"p": group.p, "g": group.g,
                                                                                  "q": group.q}))},
                     "public_key": core.Integer(y).dump()}).dump()
    return ChipAuthenticationPublicKeyInfo("0.4.0.127.0.7.2.2.1.1", spki, key_id)


def ca_info(oid, key_id=None):
    return ChipAuthenticationInfo(oid, 1, key_id)


def run(ca: ChipAuthentication, chip_private, ga_answer=b"\x7c\x00"):
    """Drive the terminal; the 'chip' derives keys from what the terminal sent."""
    cmd = ca.start()
    if ca.algorithm.cipher is Cipher.TDES:
        assert cmd.to_bytes()[:4] == bytes.fromhex("002241A6") and cmd.le is None
        dos = {t.tag: t.value for t in tlv.decode_all(cmd.data)}
        terminal_key = dos[0x91]
        assert ca.receive(OK) is None
    else:
        assert cmd.to_bytes()[:4] == bytes.fromhex("002241A4")
        dos = {t.tag: t.value for t in tlv.decode_all(cmd.data)}
        assert dos[0x80] == bytes.fromhex("04007F00070202030" + ca.algorithm.oid[-3] + "0" + ca.algorithm.oid[-1])
        ga = ca.receive(OK)
        assert ga.to_bytes()[:4] == bytes.fromhex("00860000") and ga.le == 256
        terminal_key = tlv.decode(ga.data).child(0x80).value
        assert ca.receive(ResponseApdu(ga_answer, 0x9000)) is None
    assert ca.done and ca.ephemeral_public_key == terminal_key
    chip_keys = chip_ca_session_keys(chip_private, terminal_key, ca.algorithm.cipher)
    assert ca.result == chip_keys
    assert ca.result.ssc == bytes(len(ca.result.ssc))
    return dos


@pytest.mark.parametrize("curve", [ec.SECP256R1(), ec.BrainpoolP256R1(), ec.SECP384R1()])
@pytest.mark.parametrize("cipher", [1, 2, 4])
def test_ecdh_terminal_against_chip(curve, cipher):
    key = ec.generate_private_key(curve)
    ca = ChipAuthentication(ca_info(f"0.4.0.127.0.7.2.2.3.2.{cipher}"), ec_key_info(key))
    dos = run(ca, key)
    assert 0x84 not in dos


def test_no_ca_info_defaults_to_3des():
    key = ec.generate_private_key(ec.SECP256R1())
    ca = ChipAuthentication(None, ec_key_info(key))
    assert ca.algorithm.cipher == "3DES" and ca.algorithm.oid == "0.4.0.127.0.7.2.2.3.2.1"
    run(ca, key)


@pytest.mark.parametrize("cipher", [1, 2])
def test_key_id_is_sent(cipher):
    key = ec.generate_private_key(ec.SECP256R1())
    ca = ChipAuthentication(ca_info(f"0.4.0.127.0.7.2.2.3.2.{cipher}", 300), ec_key_info(key, 300))
    dos = run(ca, key)
    assert dos[0x84] == (300).to_bytes(2, "big")


@pytest.mark.parametrize("cipher", [1, 2])
def test_dh_terminal_against_chip(cipher):
    group = DH_GROUPS[2]
    x = 0x1234567 << 200
    ca = ChipAuthentication(ca_info(f"0.4.0.127.0.7.2.2.3.1.{cipher}"), dh_key_info(group, pow(group.g, x, group.p)))
    run(ca, (group, x))
    assert len(ca.ephemeral_public_key) == group.size


def test_dh_chip_side_with_cryptography_key():
    group = DH_GROUPS[1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # FFDH is deprecated in cryptography, still in passports
        priv = dh.DHPrivateNumbers(12345678901234567890, dh.DHPublicNumbers(
            pow(group.g, 12345678901234567890, group.p), dh.DHParameterNumbers(group.p, group.g, group.q))).private_key()
        ca = ChipAuthentication(None, dh_key_info(group, pow(group.g, 12345678901234567890, group.p)))
        run(ca, priv)


def test_curve_without_cryptography_support():
    curve = CURVES["brainpoolP320r1"]
    d = 987654321
    pt = _ec.mul_generator(curve, d)
    spki = _RawSpki({"algorithm": {"algorithm": "1.2.840.10045.2.1",
                                   "parameters": core.Any(core.ObjectIdentifier(curve.oid))},
                     "public_key": curve.encode_point(pt)}).dump()
    ca = ChipAuthentication(ca_info("0.4.0.127.0.7.2.2.3.2.2"),
                            ChipAuthenticationPublicKeyInfo("0.4.0.127.0.7.2.2.1.2", spki))
    run(ca, (curve, d))


def test_rng_draws_the_ephemeral_key_once():
    key = ec.generate_private_key(ec.SECP256R1())
    rng = scripted_rng((42).to_bytes(32, "big"))
    ca = ChipAuthentication(None, ec_key_info(key), rng=rng)
    cmd = ca.start()
    assert tlv.decode_all(cmd.data)[0].value == CURVES["secp256r1"].encode_point(_ec.mul_generator(CURVES["secp256r1"], 42))
    assert rng.remaining == []


@pytest.mark.parametrize("cipher", [1, 2])
def test_status_word_errors(cipher):
    key = ec.generate_private_key(ec.SECP256R1())
    ca = ChipAuthentication(ca_info(f"0.4.0.127.0.7.2.2.3.2.{cipher}"), ec_key_info(key))
    ca.start()
    with pytest.raises(StatusWordError) as err:
        ca.receive(ResponseApdu(b"", 0x6A80))
    assert err.value.sw == 0x6A80 and ca.state is CaState.FAILED
    with pytest.raises(ProtocolError):
        ca.result


def test_ga_status_word_and_bad_answers():
    key = ec.generate_private_key(ec.SECP256R1())
    ca = ChipAuthentication(ca_info("0.4.0.127.0.7.2.2.3.2.2"), ec_key_info(key))
    ca.start()
    ca.receive(OK)
    with pytest.raises(StatusWordError):
        ca.receive(ResponseApdu(b"", 0x6300))
    for bad in (b"\x7d\x00", b"\x7c\x05\x00"):
        ca = ChipAuthentication(ca_info("0.4.0.127.0.7.2.2.3.2.2"), ec_key_info(key))
        ca.start()
        ca.receive(OK)
        with pytest.raises(ProtocolError):
            ca.receive(ResponseApdu(bad, 0x9000))
        assert ca.state is CaState.FAILED


def test_wrong_calls():
    key = ec.generate_private_key(ec.SECP256R1())
    ca = ChipAuthentication(None, ec_key_info(key))
    with pytest.raises(ProtocolError):
        ca.receive(OK)
    assert ca.state is CaState.FAILED
    ca = ChipAuthentication(None, ec_key_info(key))
    ca.start()
    with pytest.raises(ProtocolError):
        ca.start()


def test_mismatches_are_refused():
    key = ec.generate_private_key(ec.SECP256R1())
    with pytest.raises(ProtocolError, match="does not match"):
        ChipAuthentication(ca_info("0.4.0.127.0.7.2.2.3.1.2"), ec_key_info(key))
    with pytest.raises(ProtocolError, match="key ids"):
        ChipAuthentication(ca_info("0.4.0.127.0.7.2.2.3.2.2", 1), ec_key_info(key, 2))
    with pytest.raises(ParseError):
        ChipAuthentication(ca_info("0.4.0.127.0.7.2.2.4.2.2"), ec_key_info(key))


def test_chip_refuses_invalid_terminal_key():
    key = ec.generate_private_key(ec.SECP256R1())
    with pytest.raises(ProtocolError):
        chip_ca_session_keys(key, b"\x04" + bytes(64), Cipher.TDES)
    group = DH_GROUPS[0]
    with pytest.raises(ProtocolError):
        chip_ca_session_keys((group, 5), (1).to_bytes(group.size, "big"), Cipher.AES_128)


def test_algorithm_parsing():
    assert CaAlgorithm.from_oid("0.4.0.127.0.7.2.2.3.1.4") == CaAlgorithm(KeyAgreement.DH, Cipher.AES_256)
    assert CaAlgorithm(KeyAgreement.DH, Cipher.AES_256).oid == "0.4.0.127.0.7.2.2.3.1.4"
    for bad in ("0.4.0.127.0.7.2.2.3.3.1", "0.4.0.127.0.7.2.2.3.2.5", "0.4.0.127.0.7.2.2.3.2"):
        with pytest.raises(ParseError):
            CaAlgorithm.from_oid(bad)
