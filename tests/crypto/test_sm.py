"""Secure messaging: Doc 9303-11 Appendix D.4 byte for byte, both sides, failures, round trips."""

from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from cardkit import tlv
from cardkit.algorithms import Cipher
from cardkit.crypto.sm import ChipSecureMessaging, SecureMessaging, SessionKeys
from cardkit.errors import SecureMessagingError
from cardkit.iso7816 import CommandApdu, ResponseApdu

from .conftest import load_vector

V = load_vector("sm_d4")
KEYS = SessionKeys(bytes.fromhex(V["ks_enc"]), bytes.fromhex(V["ks_mac"]), bytes.fromhex(V["ssc"]), Cipher.TDES)


def h(s: str) -> bytes:
    return bytes.fromhex(s)


def test_d4_terminal_side_every_step():
    sm = SecureMessaging(KEYS)
    plain = b""
    for step in V["steps"]:
        wrapped = sm.wrap(CommandApdu.from_bytes(h(step["command"])))
        assert sm.ssc.hex().upper() == step["ssc_command"], step["name"]
        assert wrapped.to_bytes().hex().upper() == step["protected_command"], step["name"]
        resp = sm.unwrap(ResponseApdu.from_bytes(h(step["protected_response"])))
        assert sm.ssc.hex().upper() == step["ssc_response"], step["name"]
        assert resp.to_bytes().hex().upper() == step["plain_response"], step["name"]
        plain += resp.data
    assert plain.hex().upper() == V["ef_com"]


def test_d4_mac_inputs():
    """N and K of the example: the MAC covers SSC || padded header || DOs, padded."""
    from cardkit.crypto._primitives import mac, pad

    for step in V["steps"]:
        if "n" in step:
            assert pad(h(step["ssc_command"]) + h(step["m"]), 8).hex().upper() == step["n"]
            assert mac(KEYS.ks_mac, h(step["n"]), Cipher.TDES).hex().upper() == step["cc"]
        if "k" in step:
            assert mac(KEYS.ks_mac, h(step["k"]), Cipher.TDES).hex().upper() == step["cc_response"]


def test_d4_chip_side_reproduces_the_example():
    chip = ChipSecureMessaging(KEYS)
    for step in V["steps"]:
        cmd = chip.unwrap_command(CommandApdu.from_bytes(h(step["protected_command"])))
        assert cmd == CommandApdu.from_bytes(h(step["command"]))
        resp = chip.wrap_response(ResponseApdu.from_bytes(h(step["plain_response"])))
        assert resp.to_bytes().hex().upper() == step["protected_response"], step["name"]


def _after_first_command() -> SecureMessaging:
    sm = SecureMessaging(KEYS)
    sm.wrap(CommandApdu.from_bytes(h(V["steps"][0]["command"])))
    return sm


def test_wrong_mac_ends_the_session():
    sm = _after_first_command()
    bad = bytearray(h(V["steps"][0]["protected_response"]))
    bad[-3] ^= 1
    with pytest.raises(SecureMessagingError, match="MAC"):
        sm.unwrap(ResponseApdu.from_bytes(bytes(bad)))
    assert sm.broken
    with pytest.raises(SecureMessagingError, match="earlier"):
        sm.wrap(CommandApdu(0, 0xB0, 0, 0, le=4))
    with pytest.raises(SecureMessagingError):
        sm.unwrap(ResponseApdu.from_bytes(h(V["steps"][0]["protected_response"])))


@pytest.mark.parametrize(
    "data, why",
    [
        ("99029000", "MAC"),  # no DO8E
        ("8E08FA855A5D4C50A8ED", "DO99"),  # no DO99
        ("8E08FA855A5D4C50A8ED99029000", "malformed"),  # wrong order
        ("990290008E08FA855A5D4C50A8ED01", "malformed"),  # trailing garbage
        ("990290008E07FA855A5D4C50A8", "8 bytes"),  # short MAC
        ("99029000AA00", "malformed"),  # unknown DO
        ("990290008E08FA855A5D4C50A8", "malformed"),  # truncated
        ("9901908E08FA855A5D4C50A8ED", "DO99"),  # 1-byte DO99
    ],
)
def test_malformed_responses_raise_and_break(data, why):
    sm = _after_first_command()
    with pytest.raises(SecureMessagingError, match=why):
        sm.unwrap(ResponseApdu(h(data), 0x9000))
    assert sm.broken


@pytest.mark.parametrize("sw", [0x9000, 0x6282, 0x63C2])
def test_plain_success_or_warning_is_refused(sw):
    sm = _after_first_command()
    with pytest.raises(SecureMessagingError, match="unprotected"):
        sm.unwrap(ResponseApdu(b"", sw))


@pytest.mark.parametrize("sw", [0x6A82, 0x6982, 0x6988, 0x6D00])
def test_plain_error_status_is_returned_and_session_goes_on(sw):
    sm = _after_first_command()
    assert sm.unwrap(ResponseApdu(b"", sw)) == ResponseApdu(b"", sw)
    assert not sm.broken
    sm.wrap(CommandApdu(0, 0xB0, 0, 0, le=4))  # still usable


def test_bad_padding_in_response_is_an_sm_error():
    from cardkit.crypto._primitives import cbc_encrypt, mac, pad

    sm = _after_first_command()
    ssc = (int.from_bytes(sm.ssc, "big") + 1).to_bytes(8, "big")
    crypt = cbc_encrypt(KEYS.ks_enc, bytes(8), Cipher.TDES)  # decrypts to zeros: no 80 marker
    dos = tlv.encode(0x87, b"\x01" + crypt) + tlv.encode(0x99, b"\x90\x00")
    cc = mac(KEYS.ks_mac, pad(ssc + dos, 8), Cipher.TDES)
    with pytest.raises(SecureMessagingError, match="padding"):
        sm.unwrap(ResponseApdu(dos + tlv.encode(0x8E, cc), 0x9000))


def test_unwrap_without_wrap_and_double_wrap():
    sm = SecureMessaging(KEYS)
    with pytest.raises(SecureMessagingError):
        sm.unwrap(ResponseApdu(b"", 0x9000))
    sm = SecureMessaging(KEYS)
    sm.wrap(CommandApdu(0, 0xB0, 0, 0, le=4))
    with pytest.raises(SecureMessagingError):
        sm.wrap(CommandApdu(0, 0xB0, 0, 0, le=4))


def test_chip_rejects_wrong_mac_and_plain_commands():
    chip = ChipSecureMessaging(KEYS)
    bad = bytearray(h(V["steps"][0]["protected_command"]))
    bad[-2] ^= 0x80
    with pytest.raises(SecureMessagingError, match="MAC"):
        chip.unwrap_command(CommandApdu.from_bytes(bytes(bad)))
    assert chip.broken
    chip = ChipSecureMessaging(KEYS)
    with pytest.raises(SecureMessagingError, match="CLA"):
        chip.unwrap_command(CommandApdu.from_bytes(h("00A4020C02011E")))


def test_repr_hides_keys():
    for obj in (KEYS, SecureMessaging(KEYS), ChipSecureMessaging(KEYS)):
        text = repr(obj)
        assert V["ks_enc"] not in text.upper() and V["ks_mac"] not in text.upper()


def test_ssc_length_and_cipher_type_checked():
    with pytest.raises(ValueError):
        SessionKeys(bytes(16), bytes(16), bytes(8), Cipher.AES_128)
    with pytest.raises(TypeError):
        SessionKeys(bytes(16), bytes(16), bytes(16), "AES-128")  # type: ignore[arg-type]


def test_odd_ins_uses_do85_and_extended_length():
    keys = SessionKeys(bytes(range(16)), bytes(range(16, 32)), bytes(16), Cipher.AES_128)
    sm = SecureMessaging(keys)
    cmd = CommandApdu(0x00, 0xB1, 0x00, 0x00, bytes.fromhex("5403008000"), le=1000)
    wrapped = sm.wrap(cmd)
    dos = tlv.decode_all(wrapped.data)
    assert [d.tag for d in dos] == [0x85, 0x97, 0x8E]
    assert dos[1].value == (1000).to_bytes(2, "big")
    assert wrapped.extended and wrapped.to_bytes()[4] == 0 and wrapped.to_bytes()[-2:] == b"\0\0"
    chip = ChipSecureMessaging(keys)
    assert chip.unwrap_command(wrapped) == CommandApdu(0x00, 0xB1, 0x00, 0x00, cmd.data, le=1000)
    resp = chip.wrap_response(ResponseApdu(b"\x53\x02ab", 0x9000))
    assert tlv.decode_all(resp.data)[0].tag == 0x85
    assert sm.unwrap(resp) == ResponseApdu(b"\x53\x02ab", 0x9000)


def test_aes_iv_is_encrypted_ssc():
    """AES SM: IV = E(KS_enc, SSC) (Doc 9303-11 §9.8.6.1), checked against an independent computation."""
    from cryptography.hazmat.primitives.ciphers import Cipher as CipherContext, algorithms, modes

    keys = SessionKeys(bytes(range(16)), bytes(range(16, 32)), bytes(16), Cipher.AES_128)
    wrapped = SecureMessaging(keys).wrap(CommandApdu(0, 0xA4, 2, 0x0C, b"\x01\x1e"))
    ssc1 = (1).to_bytes(16, "big")
    enc = CipherContext(algorithms.AES(keys.ks_enc), modes.ECB()).encryptor()
    iv = enc.update(ssc1) + enc.finalize()
    enc = CipherContext(algorithms.AES(keys.ks_enc), modes.CBC(iv)).encryptor()
    expected = enc.update(b"\x01\x1e\x80" + bytes(13)) + enc.finalize()
    assert tlv.decode_all(wrapped.data)[0].value == b"\x01" + expected


CIPHERS = list(Cipher)


@st.composite
def commands(draw):
    ins = draw(st.sampled_from([0xA4, 0xB0, 0xB1, 0x88, 0xD6, 0x2A, 0xCB]))
    data = draw(st.binary(max_size=400))
    le = draw(st.one_of(st.none(), st.integers(1, 65536)))
    cla = draw(st.sampled_from([0x00, 0x10, 0x80]))
    return CommandApdu(cla, ins, draw(st.integers(0, 255)), draw(st.integers(0, 255)), data, le=le)


def _normal(c: CommandApdu) -> CommandApdu:
    return CommandApdu(c.cla, c.ins, c.p1, c.p2, c.data, le=c.le)


@given(st.sampled_from(CIPHERS), st.binary(min_size=32, max_size=32), st.integers(0, 2**64 - 2), commands(),
       st.binary(max_size=300), st.sampled_from([0x9000, 0x6282, 0x6A82, 0x63C1]))
def test_wrap_unwrap_roundtrip(cipher, keybytes, ssc, cmd, rdata, sw):
    kl, bs = cipher.key_length, cipher.block_size
    keys = SessionKeys(keybytes[:kl], keybytes[-kl:], (ssc % (1 << (8 * bs))).to_bytes(bs, "big"), cipher)
    term, chip = SecureMessaging(keys), ChipSecureMessaging(keys)
    wrapped = term.wrap(cmd)
    # the protected APDU must survive its own byte encoding
    assert CommandApdu.from_bytes(wrapped.to_bytes()).data == wrapped.data
    assert chip.unwrap_command(CommandApdu.from_bytes(wrapped.to_bytes())) == _normal(cmd)
    resp = ResponseApdu(rdata, sw)
    assert term.unwrap(ResponseApdu.from_bytes(chip.wrap_response(resp).to_bytes())) == resp
    assert term.ssc == chip.ssc


@given(st.binary(max_size=120), st.integers(0, 0xFFFF))
def test_any_response_gives_a_response_or_sm_error(data, sw):
    sm = _after_first_command()
    try:
        out = sm.unwrap(ResponseApdu(data, sw))
    except SecureMessagingError:
        assert sm.broken
    else:
        assert out == ResponseApdu(b"", sw) and not data


@given(st.binary(max_size=120), st.integers(0, 255))
def test_any_command_gives_a_command_or_sm_error(data, ins):
    chip = ChipSecureMessaging(KEYS)
    try:
        chip.unwrap_command(CommandApdu(0x0C, ins, 0, 0, data))
    except SecureMessagingError:
        assert chip.broken
