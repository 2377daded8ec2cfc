"""BAC: Doc 9303-11 Appendix D.3 byte for byte, the chip-side helper, and every failure path."""

from __future__ import annotations

import pytest

from cardkit.crypto.bac import Bac, BacState, bac_keys, chip_authenticate, k_seed
from cardkit.errors import AuthenticationError, ProtocolError, StatusWordError
from cardkit.iso7816 import CommandApdu, ResponseApdu

from .conftest import load_vector, scripted_rng

V = load_vector("bac")


def h(s: str) -> bytes:
    return bytes.fromhex(s)


def _bac() -> Bac:
    return Bac(V["mrz_information"], rng=scripted_rng(V["rnd_ifd"], V["k_ifd"]))


def test_k_seed_and_keys():
    seed = k_seed(V["mrz_information"])
    assert seed.hex().upper() == V["k_seed"]
    k_enc, k_mac = bac_keys(seed)
    assert (k_enc.hex().upper(), k_mac.hex().upper()) == (V["k_enc"], V["k_mac"])


def test_d3_exchange_byte_for_byte():
    bac = _bac()
    assert bac.start().to_bytes().hex().upper() == V["get_challenge_command"]
    ext = bac.receive(ResponseApdu.from_bytes(h(V["get_challenge_response"])))
    assert ext.data.hex().upper() == V["e_ifd"] + V["m_ifd"]
    assert ext.to_bytes().hex().upper() == V["external_authenticate_command"]
    assert bac.receive(ResponseApdu.from_bytes(h(V["external_authenticate_response"]))) is None
    assert bac.done and bac.state is BacState.DONE
    keys = bac.result
    assert keys.ks_enc.hex().upper() == V["ks_enc"]
    assert keys.ks_mac.hex().upper() == V["ks_mac"]
    assert keys.ssc.hex().upper() == V["ssc"]
    assert keys.cipher == "3DES"


def test_chip_side_reproduces_the_response():
    k_enc, k_mac = bac_keys(h(V["k_seed"]))
    ext = CommandApdu.from_bytes(h(V["external_authenticate_command"]))
    resp, keys = chip_authenticate(k_enc, k_mac, h(V["rnd_ic"]), ext.data, h(V["k_ic"]))
    assert (resp.hex().upper() + "9000") == V["external_authenticate_response"]
    assert keys.ks_enc.hex().upper() == V["ks_enc"] and keys.ssc.hex().upper() == V["ssc"]


def test_terminal_against_chip_helper_with_random_values():
    import os

    mrz = "D23145890734081221204159"
    k_enc, k_mac = bac_keys(k_seed(mrz))
    bac = Bac(mrz)
    bac.start()
    rnd_ic = os.urandom(8)
    ext = bac.receive(ResponseApdu(rnd_ic, 0x9000))
    resp, chip_keys = chip_authenticate(k_enc, k_mac, rnd_ic, ext.data, os.urandom(16))
    bac.receive(ResponseApdu(resp, 0x9000))
    assert bac.result == chip_keys


def test_chip_refuses_wrong_mrz():
    k_enc, k_mac = bac_keys(k_seed("L898902C<369080619406237"))
    ext = CommandApdu.from_bytes(h(V["external_authenticate_command"]))
    with pytest.raises(AuthenticationError):
        chip_authenticate(k_enc, k_mac, h(V["rnd_ic"]), ext.data, h(V["k_ic"]))


def test_chip_refuses_wrong_challenge_echo():
    k_enc, k_mac = bac_keys(h(V["k_seed"]))
    ext = CommandApdu.from_bytes(h(V["external_authenticate_command"]))
    with pytest.raises(AuthenticationError, match="RND.IC"):
        chip_authenticate(k_enc, k_mac, bytes(8), ext.data, h(V["k_ic"]))


def test_wrong_mrz_terminal_side_fails_on_chip_cryptogram():
    bac = Bac("L898902C<369080619406237", rng=scripted_rng(V["rnd_ifd"], V["k_ifd"]))
    bac.start()
    bac.receive(ResponseApdu.from_bytes(h(V["get_challenge_response"])))
    with pytest.raises(AuthenticationError) as err:
        bac.receive(ResponseApdu.from_bytes(h(V["external_authenticate_response"])))
    assert "L898902C" not in str(err.value)
    assert bac.state is BacState.FAILED
    with pytest.raises(ProtocolError):
        bac.result


@pytest.mark.parametrize("sw", [0x6300, 0x6982])
def test_chip_refusal_is_authentication_error(sw):
    bac = _bac()
    bac.start()
    bac.receive(ResponseApdu.from_bytes(h(V["get_challenge_response"])))
    with pytest.raises(AuthenticationError, match="wrong MRZ"):
        bac.receive(ResponseApdu(b"", sw))


def test_other_status_words():
    bac = _bac()
    bac.start()
    with pytest.raises(StatusWordError) as err:
        bac.receive(ResponseApdu(b"", 0x6D00))
    assert err.value.sw == 0x6D00 and "GET CHALLENGE" in str(err.value)
    bac = _bac()
    bac.start()
    bac.receive(ResponseApdu.from_bytes(h(V["get_challenge_response"])))
    with pytest.raises(StatusWordError):
        bac.receive(ResponseApdu(b"", 0x6700))


def test_truncated_answers():
    bac = _bac()
    bac.start()
    with pytest.raises(ProtocolError, match="challenge of 7"):
        bac.receive(ResponseApdu(h(V["rnd_ic"])[:7], 0x9000))
    assert bac.state is BacState.FAILED
    bac = _bac()
    bac.start()
    bac.receive(ResponseApdu.from_bytes(h(V["get_challenge_response"])))
    with pytest.raises(ProtocolError, match="39 bytes"):
        bac.receive(ResponseApdu(h(V["external_authenticate_response"])[:39], 0x9000))


def test_tampered_chip_cryptogram():
    bac = _bac()
    bac.start()
    bac.receive(ResponseApdu.from_bytes(h(V["get_challenge_response"])))
    data = bytearray(h(V["external_authenticate_response"])[:-2])
    data[0] ^= 1
    with pytest.raises(AuthenticationError):
        bac.receive(ResponseApdu(bytes(data), 0x9000))


def test_wrong_calls_fail_for_good():
    bac = _bac()
    with pytest.raises(ProtocolError):
        bac.receive(ResponseApdu(b"", 0x9000))
    assert bac.state is BacState.FAILED
    with pytest.raises(ProtocolError):
        bac.start()
    bac = _bac()
    bac.start()
    with pytest.raises(ProtocolError):
        bac.start()


def test_rng_draw_order_and_repr():
    rng = scripted_rng(V["rnd_ifd"], V["k_ifd"])
    bac = Bac(V["mrz_information"], rng=rng)
    bac.start()
    bac.receive(ResponseApdu.from_bytes(h(V["get_challenge_response"])))
    assert rng.remaining == []
    assert "L898902C" not in repr(bac) and "redacted" in repr(bac)


def test_transcript_replay_bac_then_sm():
    """The BAC transcript then the D.4 SM transcript, as the card layer's replay will drive them."""
    from cardkit.crypto.sm import SecureMessaging

    sm_v = load_vector("sm_d4")
    bac = Bac(V["mrz_information"], rng=scripted_rng(*V["rng_draws"]))
    cmd = bac.start()
    for expected, response in V["transcript"]:
        assert cmd.to_bytes().hex().upper() == expected
        cmd = bac.receive(ResponseApdu.from_bytes(h(response)))
    sm = SecureMessaging(bac.result)
    for step, (protected, response) in zip(sm_v["steps"], sm_v["transcript"]):
        assert sm.wrap(CommandApdu.from_bytes(h(step["command"]))).to_bytes().hex().upper() == protected
        assert sm.unwrap(ResponseApdu.from_bytes(h(response))).to_bytes().hex().upper() == step["plain_response"]
