"""PACE: Doc 9303-11 G.1 (GM) and G.3 (IM) byte for byte, the terminal against ChipPace for every
mapping x cipher x domain parameter, and the failure paths."""

from __future__ import annotations

import pytest

from cardkit import tlv
from cardkit.algorithms import CURVES, Cipher, PaceAlgorithm, ec_curve
from cardkit.crypto import _ec
from cardkit.crypto import _pacemath as pm
from cardkit.crypto.pace import ChipPace, Pace, PaceState, Password
from cardkit.lds import PaceInfo
from cardkit.errors import AuthenticationError, ParseError, ProtocolError, StatusWordError
from cardkit.iso7816 import CommandApdu, ResponseApdu

from .conftest import load_vector, scripted_rng

G1 = load_vector("pace_g1")
G3 = load_vector("pace_im_g3")


def h(s: str) -> bytes:
    return bytes.fromhex(s)


def info(oid: str, pid: int | None) -> PaceInfo:
    return PaceInfo(oid, 2, pid)


def rsp(data: bytes | str, sw: int = 0x9000) -> ResponseApdu:
    return ResponseApdu(h(data) if isinstance(data, str) else data, sw)


# --- worked examples ----------------------------------------------------------------------


def test_g1_transcript_byte_for_byte():
    pace = Pace(Password.mrz(G1["password"]["mrz_information"]), info(G1["protocol"], G1["parameter_id"]),
                rng=scripted_rng(*G1["rng_draws"]))
    cmd = pace.start()
    for expected_cmd, response in G1["transcript"]:
        assert cmd.to_bytes().hex().upper() == expected_cmd
        cmd = pace.receive(ResponseApdu.from_bytes(h(response)))
    assert cmd is None and pace.done and pace.state is PaceState.DONE
    res = pace.result
    assert res.keys.ks_enc.hex().upper() == G1["ks_enc"]
    assert res.keys.ks_mac.hex().upper() == G1["ks_mac"]
    assert res.keys.ssc.hex().upper() == G1["ssc_after"] and res.keys.cipher is Cipher.AES_128
    assert res.chip_public_key.hex().upper() == G1["chip_pk"]
    assert res.parameter_id == 13 and res.algorithm.mapping == "GM"


def test_g1_intermediate_values():
    curve = ec_curve(13)
    k_pi = Password.mrz(G1["password"]["mrz_information"]).key(Cipher.AES_128)
    assert k_pi.hex().upper() == G1["k_pi"]
    s = pm.decrypt_nonce(k_pi, h(G1["encrypted_nonce"]), Cipher.AES_128)
    assert s.hex().upper() == G1["nonce"]
    assert pm.encrypt_nonce(k_pi, s, Cipher.AES_128).hex().upper() == G1["encrypted_nonce"]
    grp = pm.group_for(curve)
    assert grp.public(int(G1["terminal_mapping_sk"], 16)).hex().upper() == G1["terminal_mapping_pk"]
    assert grp.public(int(G1["chip_mapping_sk"], 16)).hex().upper() == G1["chip_mapping_pk"]
    hpt = _ec.mul(curve, int(G1["terminal_mapping_sk"], 16), curve.decode_point(h(G1["chip_mapping_pk"])))
    assert curve.encode_point(hpt).hex().upper() == G1["shared_point_h"]
    # both sides map to the same generator
    for sk, peer in (("terminal_mapping_sk", "chip_mapping_pk"), ("chip_mapping_sk", "terminal_mapping_pk")):
        mapped = pm.map_generic(grp, s, int(G1[sk], 16), curve.decode_point(h(G1[peer])))
        assert curve.encode_point(mapped.curve.generator).hex().upper() == G1["mapped_generator"]
    assert mapped.public(int(G1["chip_sk"], 16)).hex().upper() == G1["chip_pk"]
    assert mapped.shared_secret(int(G1["chip_sk"], 16), curve.decode_point(h(G1["terminal_pk"]))).hex().upper() \
        == G1["shared_secret"]
    keys = pm.pace_session_keys(h(G1["shared_secret"]), Cipher.AES_128)
    assert pm.public_key_do(G1["protocol"], 0x86, h(G1["chip_pk"])).hex().upper() == G1["token_input_t_ifd"]
    assert pm.auth_token(keys.ks_mac, G1["protocol"], 0x86, h(G1["chip_pk"]), Cipher.AES_128).hex().upper() == G1["t_ifd"]
    assert pm.auth_token(keys.ks_mac, G1["protocol"], 0x86, h(G1["terminal_pk"]), Cipher.AES_128).hex().upper() == G1["t_ic"]


def test_g1_chip_side_with_the_example_keys():
    """ChipPace fed the example's nonce and chip keys answers exactly the example's responses."""
    chip = ChipPace(Password.mrz(G1["password"]["mrz_information"]), G1["protocol"], 13,
                    rng=scripted_rng(G1["nonce"], G1["chip_mapping_sk"], G1["chip_sk"]))
    for cmd_hex, resp_hex in G1["transcript"][1:]:
        cmd = CommandApdu.from_bytes(h(cmd_hex))
        assert chip.general_authenticate(cmd.data).hex().upper() == resp_hex[:-4]
    assert chip.result.ks_enc.hex().upper() == G1["ks_enc"]
    assert chip.terminal_public_key.hex().upper() == G1["terminal_pk"]


def test_g3_integrated_mapping_terminal_side():
    pace = Pace(Password.can(G3["password"]["can"]), info(G3["protocol"], 13),
                rng=scripted_rng(G3["nonce_t"], G3["terminal_sk"]))
    assert Password.can("123456").key(Cipher.AES_128).hex().upper() == G3["k_pi"]
    pace.start()
    pace.receive(rsp("9000"))
    cmd = pace.receive(rsp(tlv.encode(0x7C, tlv.encode(0x80, h(G3["encrypted_nonce"])))))
    assert cmd.cla == 0x10 and cmd.data == tlv.encode(0x7C, tlv.encode(0x81, h(G3["nonce_t"])))
    cmd = pace.receive(rsp("7C00"))
    assert cmd.data == tlv.encode(0x7C, tlv.encode(0x83, h(G3["terminal_pk"])))
    cmd = pace.receive(rsp(tlv.encode(0x7C, tlv.encode(0x84, h(G3["chip_pk"])))))
    assert cmd.cla == 0x00 and cmd.data == tlv.encode(0x7C, tlv.encode(0x85, h(G3["t_ifd"])))
    assert pace.receive(rsp(tlv.encode(0x7C, tlv.encode(0x86, h(G3["t_ic"]))))) is None
    assert pace.result.keys.ks_enc.hex().upper() == G3["ks_enc"]
    assert pace.result.keys.ks_mac.hex().upper() == G3["ks_mac"]


def test_g3_prf_and_point_encoding():
    curve = ec_curve(13)
    s, t = h(G3["nonce_s"]), h(G3["nonce_t"])
    assert pm.decrypt_nonce(h(G3["k_pi"]), h(G3["encrypted_nonce"]), Cipher.AES_128) == s
    r = pm.prf(s, t, curve.p, Cipher.AES_128)
    assert r == int(G3["prf_output"], 16) % curve.p == int(G3["prf_mod_p"], 16)
    g = pm.point_encoding(curve, r)
    assert curve.encode_point(g).hex().upper() == G3["mapped_generator"]


# --- terminal against chip, the whole matrix ------------------------------------------------------

EC_IDS = list(range(8, 19))
DH_IDS = [0, 1, 2]
MATRIX = []
for _m, _ids in ((1, DH_IDS), (2, EC_IDS), (3, DH_IDS), (4, EC_IDS)):
    for _c in (1, 2, 3, 4):
        for _pid in _ids:
            if _m == 4 and _pid == 10:
                continue  # IM is undefined on secp224r1 (p = 1 mod 4); tested below
            MATRIX.append((f"0.4.0.127.0.7.2.2.4.{_m}.{_c}", _pid))


def run_pair(pace: Pace, chip: ChipPace) -> None:
    """Drive the terminal against the chip helper in memory, as the simulator would."""
    cmd = pace.start()
    assert cmd.to_bytes()[:4] == bytes.fromhex("0022C1A4")
    resp = rsp("9000")
    while True:
        cmd = pace.receive(resp)
        if cmd is None:
            return
        assert cmd.ins == 0x86 and cmd.le == (65536 if len(cmd.data) > 255 else 256)
        try:
            resp = rsp(chip.general_authenticate(cmd.data))
        except AuthenticationError:
            resp = rsp("", 0x6300)


@pytest.mark.parametrize("oid, pid", MATRIX, ids=[f"{o.rsplit('.', 2)[1]}.{o[-1]}-{p}" for o, p in MATRIX])
def test_terminal_against_chip(oid, pid):
    pw = Password.can("482915")
    pace = Pace(pw, info(oid, pid))
    chip = ChipPace(pw, oid, pid)
    run_pair(pace, chip)
    assert pace.done and pace.result.keys == chip.result
    assert pace.result.keys.ssc == bytes(len(pace.result.keys.ssc))


def test_integrated_mapping_on_secp224r1_is_refused():
    oid = "0.4.0.127.0.7.2.2.4.4.2"
    pace = Pace(Password.can("1"), info(oid, 10))
    pace.start()
    pace.receive(rsp("9000"))
    z = pm.encrypt_nonce(Password.can("1").key(Cipher.AES_128), bytes(range(16)), Cipher.AES_128)
    pace.receive(rsp(tlv.encode(0x7C, tlv.encode(0x80, z))))
    with pytest.raises(ProtocolError, match="secp224r1"):
        pace.receive(rsp("7C00"))
    assert pace.state is PaceState.FAILED
    chip = ChipPace(Password.can("1"), oid, 10)
    chip.general_authenticate(h("7C00"))
    with pytest.raises(ProtocolError, match="secp224r1"):
        chip.general_authenticate(tlv.encode(0x7C, tlv.encode(0x81, bytes(16))))


# --- failures ----------------------------------------------------------------------------------


def test_wrong_password_chip_refuses_token():
    oid = "0.4.0.127.0.7.2.2.4.2.2"
    pace = Pace(Password.can("111111"), info(oid, 13))
    chip = ChipPace(Password.can("222222"), oid, 13)
    with pytest.raises(AuthenticationError, match="wrong password") as err:
        run_pair(pace, chip)
    assert "111111" not in str(err.value) and "222222" not in str(err.value)
    assert pace.state is PaceState.FAILED


def test_wrong_chip_token_is_authentication_error():
    pace = Pace(Password.mrz(G1["password"]["mrz_information"]), info(G1["protocol"], 13),
                rng=scripted_rng(*G1["rng_draws"]))
    pace.start()
    for _, response in G1["transcript"][:-1]:
        pace.receive(ResponseApdu.from_bytes(h(response)))
    with pytest.raises(AuthenticationError, match="chip token does not verify; wrong password\\?"):
        pace.receive(rsp("7C0A86083ABB9674BCE93C099000"[:-4]))
    assert pace.state is PaceState.FAILED
    with pytest.raises(ProtocolError):
        pace.result


def _at_step(n: int) -> Pace:
    """A G.1 terminal that has received the first n transcript responses."""
    pace = Pace(Password.mrz(G1["password"]["mrz_information"]), info(G1["protocol"], 13),
                rng=scripted_rng(*G1["rng_draws"]))
    pace.start()
    for _, response in G1["transcript"][:n]:
        pace.receive(ResponseApdu.from_bytes(h(response)))
    return pace


def test_chip_authorization_references_are_kept():
    pace = _at_step(4)
    car1, car2 = b"DECVCAeID00102", b"DECVCAeID00103"
    data = tlv.encode(0x7C, tlv.encode(0x86, h(G1["t_ic"])) + tlv.encode(0x87, car1) + tlv.encode(0x88, car2))
    pace.receive(rsp(data))
    assert pace.result.car == (car1, car2)


@pytest.mark.parametrize("step", [0, 1, 2, 3, 4])
@pytest.mark.parametrize("sw", [0x6A80, 0x6985, 0x6F00])
def test_bad_status_words_at_every_step(step, sw):
    pace = _at_step(step)
    with pytest.raises(StatusWordError) as err:
        pace.receive(rsp("", sw))
    assert err.value.sw == sw and err.value.step.startswith("PACE")
    assert pace.state is PaceState.FAILED


def test_set_at_retry_counter_warning_is_accepted():
    pace = _at_step(0)
    assert pace.receive(rsp("", 0x63C2)).to_bytes().hex().upper() == "10860000027C0000"


@pytest.mark.parametrize(
    "step, data, match",
    [
        (1, "7C12801095A3A016522EE98D01E76CB6B98B42", "malformed"),  # truncated
        (1, "7C00", "no encrypted nonce"),
        (1, "7C0380010A", "not whole"),  # nonce not whole blocks
        (1, "7D00", "malformed"),
        (1, "7C04800181FF", "malformed"),  # 81 not allowed in GA 1 answer
        (2, "7C0382010A", "uncompressed point"),
        (2, "7C43824104" + G1["chip_mapping_pk"][2:-2] + "00", "not on"),  # off the curve
        (2, "7C43824104" + G1["terminal_mapping_pk"][2:], "echoed"),
        (3, "7C43844104" + G1["chip_pk"][2:-2] + "00", "not on"),
        (3, "7C43844104" + G1["terminal_pk"][2:], "equals"),
        (3, "7C00", "no chip ephemeral"),
        (4, "7C00", "no chip authentication token"),
        (4, "7C0A8508" + G1["t_ic"], "malformed"),
    ],
)
def test_bad_chip_answers(step, data, match):
    pace = _at_step(step)
    with pytest.raises(ProtocolError, match=match):
        pace.receive(rsp(data))
    assert pace.state is PaceState.FAILED


def test_invalid_dh_values_from_chip():
    oid = "0.4.0.127.0.7.2.2.4.1.2"
    for bad in (1, 0):
        pace = Pace(Password.can("1234"), info(oid, 0))
        chip = ChipPace(Password.can("1234"), oid, 0)
        pace.start()
        ga = pace.receive(rsp("9000"))
        ga = pace.receive(rsp(chip.general_authenticate(ga.data)))
        with pytest.raises(ProtocolError):
            pace.receive(rsp(tlv.encode(0x7C, tlv.encode(0x82, bad.to_bytes(128, "big")))))


def test_chip_rejects_invalid_terminal_key_and_wrong_order():
    chip = ChipPace(Password.can("1"), "0.4.0.127.0.7.2.2.4.2.2", 13)
    chip.general_authenticate(h("7C00"))
    with pytest.raises(ProtocolError, match="not on"):
        chip.general_authenticate(tlv.encode(0x7C, tlv.encode(0x81, b"\x04" + bytes(64))))
    with pytest.raises(ProtocolError):
        chip.general_authenticate(h("7C00"))  # chip is dead after an error
    chip = ChipPace(Password.can("1"), "0.4.0.127.0.7.2.2.4.2.2", 13)
    with pytest.raises(ProtocolError, match="empty"):
        chip.general_authenticate(tlv.encode(0x7C, tlv.encode(0x81, b"\x01")))


def test_wrong_calls_fail_for_good():
    pace = _at_step(0)
    with pytest.raises(ProtocolError):
        pace.start()
    assert pace.state is PaceState.FAILED
    with pytest.raises(ProtocolError):
        pace.receive(rsp("9000"))
    pace = Pace(Password.can("1"), info(G1["protocol"], 13))
    with pytest.raises(ProtocolError):
        pace.receive(rsp("9000"))


def test_algorithm_table():
    cases = {
        "0.4.0.127.0.7.2.2.4.1.1": ("DH", "GM", "3DES"),
        "0.4.0.127.0.7.2.2.4.2.4": ("ECDH", "GM", "AES-256"),
        "0.4.0.127.0.7.2.2.4.3.3": ("DH", "IM", "AES-192"),
        "0.4.0.127.0.7.2.2.4.4.2": ("ECDH", "IM", "AES-128"),
        "0.4.0.127.0.7.2.2.4.6.2": ("ECDH", "CAM", "AES-128"),
    }
    for oid, parts in cases.items():
        a = PaceAlgorithm.from_oid(oid)
        assert (a.key_agreement, a.mapping, a.cipher) == parts
    for bad in ("0.4.0.127.0.7.2.2.4.5.2", "0.4.0.127.0.7.2.2.4.6.1", "0.4.0.127.0.7.2.2.4.2.5",
                "0.4.0.127.0.7.2.2.3.2.2", "1.2.3", "0.4.0.127.0.7.2.2.4.x.2"):
        with pytest.raises(ParseError):
            PaceAlgorithm.from_oid(bad)


def test_unsupported_configurations():
    with pytest.raises(ProtocolError, match="CAM needs"):
        ChipPace(Password.can("1"), "0.4.0.127.0.7.2.2.4.6.2", 13)
    with pytest.raises(ProtocolError, match="parameterId"):
        Pace(Password.can("1"), info("0.4.0.127.0.7.2.2.4.2.2", None))
    with pytest.raises(ProtocolError, match="does not fit"):
        Pace(Password.can("1"), info("0.4.0.127.0.7.2.2.4.2.2", 1))
    with pytest.raises(ProtocolError, match="does not fit"):
        Pace(Password.can("1"), info("0.4.0.127.0.7.2.2.4.1.2", 13))


def test_passwords():
    mrz = G1["password"]["mrz_information"]
    p = Password.mrz(mrz)
    assert p.reference == 1 and p.kind == "MRZ"
    assert mrz not in repr(p) and "redacted" in repr(p)
    c = Password.can("123456")
    assert c.reference == 2 and "123456" not in repr(c)
    for bad in ("", "12a4", "١٢٣"):
        with pytest.raises(ValueError):
            Password.can(bad)
    pace = Pace(c, info(G1["protocol"], 13))
    assert "123456" not in repr(pace)
    assert pace.start().data == h("800A04007F00070202040202830102" + "84010D")


def test_rng_draw_order_im():
    """Integrated mapping draws the nonce t first (len(s) bytes), then the ephemeral key."""
    rng = scripted_rng(G3["nonce_t"], G3["terminal_sk"])
    pace = Pace(Password.can("123456"), info(G3["protocol"], 13), rng=rng)
    pace.start()
    pace.receive(rsp("9000"))
    pace.receive(rsp(tlv.encode(0x7C, tlv.encode(0x80, h(G3["encrypted_nonce"])))))
    assert len(rng.remaining) == 1
    pace.receive(rsp("7C00"))
    assert rng.remaining == []


def test_point_encoding_lands_on_every_im_curve():
    for name, c in CURVES.items():
        if c.p % 4 != 3:
            continue
        for t in (2, 3, 12345, c.p - 7):
            assert c.contains(pm.point_encoding(c, t))


# --- Chip Authentication Mapping ------------------------------------------------------------

CAM_CASES = [(f"0.4.0.127.0.7.2.2.4.6.{c}", pid) for c in (2, 3, 4) for pid in EC_IDS]


def _static_spki(curve, point) -> bytes:
    from asn1crypto import core

    from cardkit.public_keys import _RawSpki

    return _RawSpki({"algorithm": {"algorithm": "1.2.840.10045.2.1",
                                   "parameters": core.Any(core.ObjectIdentifier(curve.oid))},
                     "public_key": curve.encode_point(point)}).dump()


def _standardized_spki(pid: int, point: bytes) -> bytes:
    from asn1crypto import core

    from cardkit.algorithms import ID_STANDARDIZED_DOMAIN_PARAMETERS
    from cardkit.public_keys import _RawSpki

    return _RawSpki({"algorithm": {"algorithm": ID_STANDARDIZED_DOMAIN_PARAMETERS,
                                   "parameters": core.Any(core.Integer(pid))}, "public_key": point}).dump()


@pytest.mark.parametrize("oid, pid", CAM_CASES, ids=[f"cam.{o[-1]}-{p}" for o, p in CAM_CASES])
def test_cam_terminal_against_chip(oid, pid):
    curve = ec_curve(pid)
    secret = (0xC0FFEE << 64) % curve.n
    pw = Password.mrz("T22000129364081251010318")
    pace = Pace(pw, info(oid, pid))
    run_pair(pace, ChipPace(pw, oid, pid, ca_private_key=secret))
    res = pace.result
    assert res.algorithm.mapping == "CAM" and res.chip_authentication_data is not None
    assert res.verify_cam(_static_spki(curve, _ec.mul_generator(curve, secret)))
    # a cloned chip (another static key) does not verify
    assert not res.verify_cam(_static_spki(curve, _ec.mul_generator(curve, secret + 1)))
    # EF.CardSecurity may name the curve by its standardized id (TR-03110-3 A.2.1.1), as DE and FI passports do
    assert res.verify_cam(_standardized_spki(pid, curve.encode_point(_ec.mul_generator(curve, secret))))


def test_cam_with_cryptography_key_and_failures():
    from cryptography.hazmat.primitives import serialization as ser
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.BrainpoolP256R1())
    spki = key.public_key().public_bytes(ser.Encoding.DER, ser.PublicFormat.SubjectPublicKeyInfo)
    oid = "0.4.0.127.0.7.2.2.4.6.2"
    pw = Password.can("123456")
    pace = Pace(pw, info(oid, 13))
    run_pair(pace, ChipPace(pw, oid, 13, ca_private_key=key))
    assert pace.result.verify_cam(spki)
    other = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        ser.Encoding.DER, ser.PublicFormat.SubjectPublicKeyInfo)
    with pytest.raises(ProtocolError, match="domain parameters"):
        pace.result.verify_cam(other)
    # GM results have nothing to verify
    gm = Pace(pw, info("0.4.0.127.0.7.2.2.4.2.2", 13))
    run_pair(gm, ChipPace(pw, "0.4.0.127.0.7.2.2.4.2.2", 13))
    with pytest.raises(ProtocolError, match="did not run"):
        gm.result.verify_cam(spki)


def test_cam_answer_without_8a_and_8a_outside_cam():
    pw = Password.can("123456")
    oid = "0.4.0.127.0.7.2.2.4.6.2"
    pace, chip = Pace(pw, info(oid, 13)), ChipPace(pw, oid, 13, ca_private_key=5)
    cmd, resp = pace.start(), rsp("9000")
    for _ in range(4):
        cmd = pace.receive(resp)
        resp = rsp(chip.general_authenticate(cmd.data))
    stripped = tlv.encode(0x7C, tlv.decode(resp.data).child(0x86).raw)
    with pytest.raises(ProtocolError, match="8A"):
        pace.receive(rsp(stripped))
    gm = _at_step(4)
    with pytest.raises(ProtocolError, match="outside CAM"):
        gm.receive(rsp(tlv.encode(0x7C, tlv.encode(0x86, h(G1["t_ic"])) + tlv.encode(0x8A, bytes(16)))))


from hypothesis import given, settings, strategies as st  # noqa: E402


@settings(max_examples=60)
@given(st.integers(0, 4), st.binary(max_size=80), st.sampled_from([0x9000, 0x6300, 0x6A80]))
def test_any_chip_answer_gives_a_command_or_a_protocol_error(step, data, sw):
    pace = _at_step(step)
    try:
        pace.receive(ResponseApdu(data, sw))
    except ProtocolError:
        assert pace.state is PaceState.FAILED


@settings(max_examples=60)
@given(st.integers(0, 3), st.binary(max_size=80))
def test_any_terminal_data_gives_an_answer_or_a_typed_error(step, data):
    chip = ChipPace(Password.mrz(G1["password"]["mrz_information"]), G1["protocol"], 13)
    for cmd_hex, _ in G1["transcript"][1 : 1 + step]:
        try:
            chip.general_authenticate(CommandApdu.from_bytes(h(cmd_hex)).data)
        except ProtocolError:
            return  # random chip keys: later example steps may legitimately fail
    try:
        chip.general_authenticate(data)
    except ProtocolError:
        pass
