"""Personalisation: the built files, the perso command plan byte for byte, wiping, writing, read-back."""

from __future__ import annotations

from dataclasses import replace

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from cardkit import tlv
from cardkit.card import Session, SimulatorTransport
from cardkit.checks import Status
from cardkit.errors import InputError, ProfileError, StatusWordError, VerificationError
from cardkit.iso7816 import CommandApdu
from cardkit.lds import Dg14, Dg15, Sod
from cardkit.lds.files import MRTD_AID, by_name
from cardkit.personalise import (SignerFailure, build_card, check_signer, face_size, minimum_apdus, preflight,
                                 personalise_card, plan_perso, write_card)
from cardkit.profiles import load_profile
from simulators.emrtd import EmrtdChip
from tests.support.perso import PHOTO, cvca_for, sample_record, today_cv_pki
from tests.support.pki import make_pki, shared_pki

PROFILES = ["vn-cccd", "icao-td1", "icao-td3"]


def _files_from_plan(cmds: list[CommandApdu]) -> dict[int, bytearray]:
    """Replay CREATE FILE / UPDATE BINARY as a chip would: what ends up in each file."""
    files: dict[int, bytearray] = {}
    cur = None
    for c in cmds:
        if c.ins == 0xE0:
            assert c.data[:2] == b"\x63\x04"
            cur = int.from_bytes(c.data[4:6], "big")
            files[cur] = bytearray(int.from_bytes(c.data[2:4], "big"))
        elif c.ins == 0xD6:
            off = (c.p1 << 8) | c.p2
            files[cur][off : off + len(c.data)] = c.data
        elif c.ins == 0xD7:
            o, d = tlv.decode_all(bytes(c.data))
            assert (o.tag, d.tag) == (0x54, 0x53)
            off = int.from_bytes(o.value, "big")
            files[cur][off : off + len(d.value)] = d.value
    return files


def test_face_size_of_the_example_jpeg():
    assert face_size(PHOTO.read_bytes()) == (240, 320)
    with pytest.raises(InputError, match="neither JPEG nor JPEG2000"):
        face_size(b"GIF89a....")
    with pytest.raises(InputError, match="without a frame header"):
        face_size(b"\xff\xd8\xff\xd9")


@pytest.mark.parametrize("name", PROFILES)
def test_build_card_files(pki, name):
    profile = load_profile(name)
    b = build_card(sample_record(1), profile, pki.ds_signer, cvca=cvca_for(profile))
    expected = {f"DG{n}" for n in profile.data_groups} | {"EF.COM", "EF.SOD"}
    assert expected <= set(b.files) and list(b.files)[-1] == "EF.SOD"
    sod = Sod.from_bytes(b.sod)
    assert sod.hash_algorithm == profile.sod.hash
    assert set(sod.dg_hashes) == set(profile.data_groups)
    import hashlib

    for n in profile.data_groups:
        assert sod.dg_hashes[n] == hashlib.new(profile.sod.hash, b.files[f"DG{n}"]).digest()
    assert b.mrz.format == profile.mrz_format
    dg15 = Dg15.from_bytes(b.files["DG15"])
    key = serialization.load_der_public_key(dg15.public_key_info)
    assert isinstance(key, rsa.RSAPublicKey if profile.active_authentication.key == "rsa" else ec.EllipticCurvePublicKey)
    dg14 = Dg14.from_bytes(b.files["DG14"])
    assert len(dg14.ca_public_keys) == 1 and dg14.pace_infos
    assert dg14.pace_infos[0].parameter_id == profile.pace.parameter_id
    assert (dg14.aa_info is not None) == (profile.active_authentication.key == "ec")


def test_vn_card_access_as_on_the_real_card(pki):
    b = build_card(sample_record(1), load_profile("vn-cccd"), pki.ds_signer, cvca=cvca_for(load_profile("vn-cccd")))
    # as on real VN cards: TA v1; CA ECDH-AES-128 v1; PACE ECDH-GM-AES-128 v2 on parameterId 13
    assert b.files["EF.CardAccess"].hex() == (
        "3134300d060804007f0007020202020101300f060a04007f000702020302020201013012060a04007f0007020204020202010202010d")
    assert b.can == "000001" and b.document_number == "090000001"


def test_repr_has_no_secrets(pki):
    b = build_card(sample_record(123456), load_profile("vn-cccd"), pki.ds_signer, cvca=cvca_for(load_profile("vn-cccd")))
    text = repr(b)
    assert "123456" not in text and b.mrz_information not in text and "redacted" in text


@pytest.mark.parametrize("name", PROFILES)
def test_plan_writes_every_file_exactly(pki, name):
    profile = load_profile(name)
    b = build_card(sample_record(2), profile, pki.ds_signer, cvca=cvca_for(profile))
    cmds = plan_perso(b, profile)
    assert cmds[0] == CommandApdu(0x00, 0xA4, 0x04, 0x0C, MRTD_AID)
    assert cmds[-1].to_bytes() == bytes.fromhex("00DADEAD")
    written = _files_from_plan(cmds)
    assert {by_name(n).fid: bytes(d) for n, d in b.files.items()} == {k: bytes(v) for k, v in written.items()}
    updates = [c for c in cmds if c.ins == 0xD6]
    assert all(len(c.data) <= profile.chip.write_block_size for c in updates)
    # as few UPDATE BINARY as the block size allows: ceil(size / block) per file
    assert len(updates) == sum(-(-len(d) // profile.chip.write_block_size) for d in b.files.values())
    assert len(cmds) >= minimum_apdus(b, profile)
    if profile.chip.write_block_size == (0xFFFF if profile.chip.extended_length else 255):
        assert len(cmds) == minimum_apdus(b, profile)  # the largest block the chip takes: nothing to spare
    if not profile.chip.extended_length:
        assert all(len(c.data) <= 255 and not c.needs_extended for c in cmds)


def test_plan_put_data_byte_for_byte(pki):
    profile = load_profile("vn-cccd")
    b = build_card(sample_record(7), profile, pki.ds_signer, cvca=cvca_for(profile))
    puts = {c.p2: c for c in plan_perso(b, profile) if c.ins == 0xDA and c.p1 == 0}
    # 00 DA 00 62: 62 {04 doc no, 04 DOB, 04 DOE} (simulators/PERSO.md, JMRTD MRZ_TAG)
    assert bytes(puts[0x62].data) == bytes.fromhex("621B" "0409" + b"090000007".hex() + "0406" + b"900101".hex()
                                                   + "0406" + b"400101".hex())
    # 00 DA 00 65: 65 {66 {02 CAN}}
    assert bytes(puts[0x65].data) == bytes.fromhex("6509" "6607" "02") + b"000007"
    aa = serialization.load_der_private_key(tlv.decode(bytes(puts[0x68].data)).child(0x04).value, None)
    dg15 = Dg15.from_bytes(b.files["DG15"])
    assert aa.public_key().public_bytes(serialization.Encoding.DER,
                                        serialization.PublicFormat.SubjectPublicKeyInfo) == dg15.public_key_info
    ca_do = tlv.decode(bytes(puts[0x6A].data))
    assert ca_do.tag == 0x6A and [k.tag for k in ca_do.children()] == [0x04]  # no keyId in the profile
    ca = serialization.load_der_private_key(ca_do.children()[0].value, None)
    ca_pub = Dg14.from_bytes(b.files["DG14"]).ca_public_keys[0].public_key_info
    assert ca.public_key().public_bytes(serialization.Encoding.DER,
                                        serialization.PublicFormat.SubjectPublicKeyInfo) == ca_pub
    # 00 DA 00 67: the chip's current date, six digits YYMMDD (the date of personalisation)
    assert puts[0x67].data == bytes(int(c) for c in b.perso_date.strftime("%y%m%d"))
    # 01 DA 64 / 02 DA 64: the CVCA certificate body (7F4E), as the JMRTD applet takes it; chained when long
    cvca = [c for c in plan_perso(b, profile) if c.ins == 0xDA and c.p2 == 0x64]
    assert {c.p1 for c in cvca} == {1} and [c.cla for c in cvca] == [0x10] * (len(cvca) - 1) + [0x00]
    assert b"".join(bytes(c.data) for c in cvca) == today_cv_pki().cvca.body.raw and all(len(c.data) <= 255 for c in cvca)


def test_wipe_overwrites_the_secret_command_buffers(pki):
    profile = load_profile("vn-cccd")
    b = build_card(sample_record(8), profile, pki.ds_signer, cvca=cvca_for(profile))
    cmds = plan_perso(b, profile)
    secret = [c for c in cmds if c.ins == 0xDA and c.p1 == 0 and c.p2 in (0x62, 0x65, 0x68, 0x6A)]
    assert len(secret) == 4 and all(isinstance(c.data, bytearray) and any(c.data) for c in secret)
    b.wipe()
    assert b.wiped
    assert all(not any(c.data) for c in secret)


def test_extended_profile_uses_fewer_apdus(pki):
    td1, td3 = load_profile("icao-td1"), load_profile("icao-td3")
    n1 = len(plan_perso(build_card(sample_record(3), td1, pki.ds_signer, cvca=cvca_for(td1)), td1))
    n3 = len(plan_perso(build_card(sample_record(3), td3, pki.ds_signer, cvca=cvca_for(td3)), td3))
    assert n3 < n1


def test_file_too_big_for_create_file(pki):
    profile = load_profile("icao-td1")
    b = build_card(sample_record(4), profile, pki.ds_signer, cvca=cvca_for(profile))
    b.files["DG2"] = bytes(65536)
    with pytest.raises(InputError, match="DG2 is 65536 bytes; CREATE FILE allows at most 65535"):
        plan_perso(b, profile)


def test_odd_ins_update_past_32767(pki):
    profile = load_profile("vn-cccd")
    b = build_card(sample_record(4), profile, pki.ds_signer, cvca=cvca_for(profile))
    big = tlv.encode(0x75, bytes(range(256)) * 160)  # ~41 KB
    b.files["DG2"] = big
    cmds = plan_perso(b, profile)
    odd = [c for c in cmds if c.ins == 0xD7]
    assert odd and all(len(c.data) <= 255 for c in odd)
    assert bytes(_files_from_plan(cmds)[0x0102]) == big


def test_short_only_chip_refuses_rsa_key_that_needs_extended(pki):
    td3 = load_profile("icao-td3")
    short = replace(td3, chip=replace(td3.chip, extended_length=False, write_block_size=255))
    b = build_card(sample_record(5), short, pki.ds_signer, cvca=cvca_for(short))
    with pytest.raises(ProfileError, match=r"PUT DATA 60 needs 262 bytes, more than a short APDU holds"):
        plan_perso(b, short)
    with pytest.raises(ProfileError, match="active_authentication: the chip's key goes in a PUT DATA of 262 bytes"):
        preflight(short)  # before the first card: the batch refuses the profile once, exit 2


def test_signer_algorithm_must_be_accepted(pki):
    profile = load_profile("vn-cccd")
    narrow = replace(profile, sod=replace(profile.sod, signature_algorithms=("sha256WithRSAEncryption",)))
    check_signer(pki.ds_signer, profile)
    with pytest.raises(ProfileError, match="signs with ecdsa-with-SHA256, the profile accepts sha256WithRSAEncryption"):
        check_signer(pki.ds_signer, narrow)


class _BrokenHsm:
    def __init__(self, real):
        self.certificate = real.certificate
        self.signature_algorithm = real.signature_algorithm
        self.hash_algorithm = real.hash_algorithm

    def sign(self, data):
        raise RuntimeError("CKR_DEVICE_REMOVED")


def test_signer_failure_is_its_own_error(pki):
    with pytest.raises(SignerFailure, match="document signer failed: RuntimeError: CKR_DEVICE_REMOVED"):
        build_card(sample_record(1), load_profile("icao-td1"), _BrokenHsm(pki.ds_signer), cvca=cvca_for(load_profile("icao-td1")))


def test_bad_face_is_an_input_error(pki, tmp_path):
    bad = tmp_path / "face.jpg"
    bad.write_bytes(b"not a picture" * 100)
    with pytest.raises(InputError):
        build_card(sample_record(1, photo=bad), load_profile("icao-td1"), pki.ds_signer, cvca=cvca_for(load_profile("icao-td1")))


@pytest.mark.parametrize("name", PROFILES)
def test_personalise_card_genuine_in_process(pki, name):
    profile = load_profile(name)
    chip = EmrtdChip()
    b = build_card(sample_record(9), profile, pki.ds_signer, cvca=cvca_for(profile))
    touched = []
    result = personalise_card(lambda: SimulatorTransport(chip), b, profile, pki.trust,
                              on_first_write=lambda: touched.append(chip.life_cycle))
    assert touched == ["PERSONALISATION"]
    assert result.verdict == "GENUINE" and chip.life_cycle == "OPERATIONAL"
    # what EF.CardAccess announces (TA, CA, PACE on vn-cccd), the signed DG14 repeats (Doc 9303-11 §9.2)
    consistent = result.report.check("card_access_matches_dg14")
    assert consistent is not None and consistent.status is (Status.PASSED if "EF.CardAccess" in b.files
                                                            else Status.SKIPPED), consistent
    assert result.apdus_written == len(plan_perso(build_card(sample_record(9), profile, pki.ds_signer, cvca=cvca_for(profile)), profile))
    assert b.wiped
    assert "090000009" not in repr(result)


def test_locked_chip_refuses_perso(pki):
    profile = load_profile("icao-td1")
    chip = EmrtdChip()
    write_card(Session(SimulatorTransport(chip)), plan_perso(build_card(sample_record(1), profile, pki.ds_signer, cvca=cvca_for(profile)), profile))
    again = plan_perso(build_card(sample_record(1), profile, pki.ds_signer, cvca=cvca_for(profile)), profile)
    with pytest.raises(StatusWordError) as e:
        write_card(Session(SimulatorTransport(chip)), again)
    assert "CREATE FILE" in str(e.value)


def test_tampered_chip_is_not_issued(pki):
    from simulators.emrtd import Faults

    profile = load_profile("icao-td1")
    chip = EmrtdChip(faults=Faults(tamper_dg=1))
    b = build_card(sample_record(1), profile, pki.ds_signer, cvca=cvca_for(profile))
    with pytest.raises(VerificationError, match="read-back verdict NOT_GENUINE"):
        personalise_card(lambda: SimulatorTransport(chip), b, profile, pki.trust)
    assert b.wiped


def test_unknown_trust_is_not_issued(pki):
    other = make_pki("ec-brainpoolp256r1")
    profile = load_profile("icao-td1")
    b = build_card(sample_record(1), profile, pki.ds_signer, cvca=cvca_for(profile))
    chip = EmrtdChip()
    with pytest.raises(VerificationError, match="read-back verdict"):
        personalise_card(lambda: SimulatorTransport(chip), b, profile, other.trust)


# --- the UPDATE BINARY planner, as a codec: any sizes, any block, replayed exactly --------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=60)
@given(sizes=st.lists(st.integers(1, 65535), min_size=1, max_size=3), block=st.integers(1, 4096),
       extended=st.booleans(), seed=st.integers(0, 255))
def test_plan_replays_to_the_same_files(sizes, block, extended, seed):
    pki = shared_pki()
    base = load_profile("icao-td1")  # EC chip keys: their PUT DATA fits a short APDU
    profile = replace(base, chip=replace(base.chip, extended_length=extended,
                                         write_block_size=block if extended else min(block, 255)))
    b = _cached_build(pki, base)
    names = ["DG2", "DG3", "DG4"][: len(sizes)]
    original = b.files
    b.files = {n: bytes((seed + i * 7) & 0xFF for i in range(size)) for n, size in zip(names, sizes)}
    b._was_wiped = False
    try:
        if profile.chip.write_block_size < 8 and max(sizes) > 0x8000:
            with pytest.raises(ProfileError, match="leaves no room for data in an odd-INS UPDATE BINARY"):
                plan_perso(b, profile)
            return
        cmds = plan_perso(b, profile)
    finally:
        b.files = original
    written = _files_from_plan(cmds)
    assert {by_name(n).fid: bytes((seed + i * 7) & 0xFF for i in range(s)) for n, s in zip(names, sizes)} == {
        k: bytes(v) for k, v in written.items()}
    for c in cmds:
        raw = c.to_bytes()
        assert CommandApdu.from_bytes(raw) == CommandApdu.from_bytes(raw)  # every APDU encodes and parses
        if c.ins in (0xD6, 0xD7):
            assert len(c.data) <= profile.chip.write_block_size
            assert extended or len(c.data) <= 255


_BUILDS: dict = {}


def _cached_build(pki, profile):
    if "b" not in _BUILDS:
        _BUILDS["b"] = build_card(sample_record(77), profile, pki.ds_signer, cvca=cvca_for(profile))
    return _BUILDS["b"]


def test_bac_only_passport_without_dg14_is_genuine(pki):
    """A first-generation passport: BAC, RSA AA, no PACE, no CA, no DG14, no EF.CardAccess."""
    from cardkit.profiles import PROFILES_DIR, parse_profile

    text = (PROFILES_DIR / "icao-td3.toml").read_text(encoding="utf-8")
    text = text.replace("[access.pace]\nenabled = true", "[access.pace]\nenabled = false")
    text = text.replace("[chip_authentication]\nenabled = true", "[chip_authentication]\nenabled = false")
    text = text.replace("data_groups = [1, 2, 14, 15]", "data_groups = [1, 2, 15]").replace("rsa_bits = 2048",
                                                                                           "rsa_bits = 1024")
    profile = parse_profile(text, "bac-only.toml")
    b = build_card(sample_record(11), profile, pki.ds_signer, cvca=cvca_for(profile))
    assert "EF.CardAccess" not in b.files and "DG14" not in b.files
    chip = EmrtdChip()
    result = personalise_card(lambda: SimulatorTransport(chip), b, profile, pki.trust)
    assert result.verdict == "GENUINE"
