"""Profiles load from profiles/*.toml; a bad profile fails at load naming the wrong key."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cardkit.algorithms import DOMAIN_PARAMETERS, Cipher, KeyAgreement, Mapping, PaceAlgorithm
from cardkit.errors import ProfileError
from cardkit.profiles import PROFILES_DIR, list_profiles, load_profile, parse_profile

VN = (PROFILES_DIR / "vn-cccd.toml").read_text(encoding="utf-8")


def test_three_profiles_ship():
    assert {"vn-cccd", "icao-td1", "icao-td3"} <= set(list_profiles())


def test_vn_cccd_matches_the_real_card():
    p = load_profile("vn-cccd")
    assert p.mrz_format == "TD1" and p.issuing_state == "VNM" and p.document_code == "ID"
    assert p.data_groups == (1, 2, 3, 13, 14, 15)
    assert p.bac and p.pace is not None
    ta = p.terminal_authentication
    assert ta is not None and ta.in_card_access and ta.in_dg14 and ta.version == 1
    # PACE id-PACE-ECDH-GM-AES-CBC-CMAC-128 on parameterId 13, as on real Vietnamese cards
    assert p.pace.protocol_oid == "0.4.0.127.0.7.2.2.4.2.2"
    assert p.pace.parameter_id == 13
    assert set(p.pace.passwords) == {"CAN", "MRZ"}
    assert p.chip_authentication.protocol_oid == "0.4.0.127.0.7.2.2.3.2.2"
    assert p.chip_authentication.public_key_oid == "0.4.0.127.0.7.2.2.1.2"
    assert p.chip_authentication.in_card_access
    assert p.active_authentication.key == "ec"
    assert p.active_authentication.signature_algorithm_oid == "1.2.840.10045.4.3.2"
    assert p.sod.hash == "sha256" and "ecdsa-with-SHA256" in p.sod.signature_algorithms
    assert p.source == "profiles/vn-cccd.toml"


def test_td3_profile():
    p = load_profile("icao-td3")
    assert p.mrz_format == "TD3" and p.document_code == "P"
    assert p.active_authentication.key == "rsa" and p.active_authentication.signature_algorithm_oid is None
    assert p.chip.extended_length and p.chip.write_block_size > 255
    assert p.pace.protocol_oid == "0.4.0.127.0.7.2.2.4.2.4" and p.pace.parameter_id == 15


def test_load_by_path(tmp_path: Path):
    f = tmp_path / "mine.toml"
    f.write_text(VN, encoding="utf-8")
    assert load_profile(f).name == "vn-cccd"
    assert load_profile(f).source == str(f)


def test_unknown_profile_lists_known():
    with pytest.raises(ProfileError, match=r"no such profile \(known: .*vn-cccd"):
        load_profile("nope")


def _broken(old: str, new: str) -> str:
    assert old in VN, old
    return VN.replace(old, new, 1)


@pytest.mark.parametrize(
    "old,new,message",
    [
        ('curve = "brainpoolP256r1"\npasswords', 'curve = "foo"\npasswords', "access.pace.curve: unknown curve 'foo'"),
        ('mapping = "GM"', 'mapping = "XX"', "access.pace.mapping: unknown mapping 'XX'"),
        ('cipher = "AES-128"\ncurve = "brainpoolP256r1"\npasswords', 'cipher = "AES-999"\ncurve = "x"\npasswords',
         "access.pace.cipher: unknown cipher 'AES-999'"),
        ('passwords = ["CAN", "MRZ"]', 'passwords = ["PIN"]', "access.pace.passwords[0]: unknown PACE password 'PIN'"),
        ('format = "TD1"', 'format = "TD9"', "mrz.format: unknown MRZ format 'TD9'"),
        ('hash = "sha256"\nsignature', 'hash = "md5"\nsignature', "sod.hash: unknown hash algorithm 'md5'"),
        ('["ecdsa-with-SHA256",', '["dsa",', "sod.signature_algorithms[0]: unknown signature algorithm 'dsa'"),
        ("write_block_size = 255", "write_block_size = 4096",
         "chip.write_block_size: must be 1..255 (extended_length false)"),
        ("write_block_size = 255", 'write_block_size = "255"', "chip.write_block_size: must be int, not str"),
        ("write_block_size = 255", "write_block_size = true", "chip.write_block_size: must be int, not bool"),
        ('command_set = "cardkit"', 'command_set = "gp"', "chip.command_set: unknown chip command set 'gp'"),
        ('issuing_state = "VNM"', 'issuing_state = "vn"', "profile.issuing_state: must be 3 capital letters"),
        ("data_groups = [1, 2, 3, 13, 14, 15]", "data_groups = [1, 2, 3, 13, 14]",
         "lds.data_groups: DG15 is needed for Active Authentication"),
        ("data_groups = [1, 2, 3, 13, 14, 15]", "data_groups = [1, 3, 13, 14, 15]", "lds.data_groups: DG1 and DG2"),
        ("data_groups = [1, 2, 3, 13, 14, 15]", "data_groups = [1, 2, 3, 13, 15]",
         "lds.data_groups: DG14 is needed for Chip Authentication"),
        ("data_groups = [1, 2, 3, 13, 14, 15]", "data_groups = [1, 2, 2, 14, 15]", "lds.data_groups: lists a data"),
        ("data_groups = [1, 2, 3, 13, 14, 15]", "data_groups = [1, 2, 17, 14, 15]", "lds.data_groups: must be"),
        ("in_dg14 = true", "in_dg14 = false",
         "terminal_authentication.in_dg14: TerminalAuthenticationInfo is announced in EF.CardAccess but left out"),
        ("in_card_access = true            # TA", "in_card_access = false  # TA", None),
        ("in_dg14 = true", "in_dg14 = true\nversion = 2",
         "terminal_authentication.version: unknown Terminal Authentication version 2"),
        ("[terminal_authentication]\nenabled = true", "[terminal_authentication]\nenabled = false",
         "lds.data_groups: DG3 is EAC-protected (Doc 9303-11 §7.1): it needs terminal_authentication"),
        ("[chip_authentication]\nenabled = true", "[chip_authentication]\nenabled = false",
         "terminal_authentication: TA v1 runs after Chip Authentication"),
        ("bac = true", "bac = true\nterminal_authentication = true",
         "access.terminal_authentication: also given as [terminal_authentication]"),
        ('key = "ec"\ncurve', 'key = "dsa"\ncurve', "active_authentication.key: unknown key type 'dsa'"),
        ('key = "ec"\ncurve = "brainpoolP256r1"\n', 'key = "ec"\n', "active_authentication.curve: missing key"),
        ("[chip]\n", "[chip]\nblock = 3\n", "chip.block: unknown key"),
        ("[sod]\n", "[sod]\nhsah = 'x'\n", "sod.hsah: unknown key"),
        ('name = "vn-cccd"\n', "", "profile.name: missing key"),
        ("bac = true", "bac = 1", "access.bac: must be bool, not int"),
        ("bac = true", "bac = false", None),  # still fine: PACE is on
        ("[access.pace]\nenabled = true", "[access.pace]\nenabled = false", None),
        ("in_card_access = true", "in_card_access = true\nkey_id = 70000", "chip_authentication.key_id: must be 0..65535"),
        ('cipher = "AES-128"\ncurve = "brainpoolP256r1"\nin_card', 'cipher = "AES-128"\ncurve = "modp2048_256"\nin_card',
         "chip_authentication.curve: the personaliser cannot make chip keys on 'modp2048_256'"),
        ('key = "ec"\ncurve = "brainpoolP256r1"', 'key = "ec"\ncurve = "brainpoolP320r1"',
         "active_authentication.curve: the personaliser cannot make chip keys on 'brainpoolP320r1'"),
        ('curve = "brainpoolP256r1"\npasswords', 'curve = "brainpoolP320r1"\npasswords', None),  # PACE: any curve
    ],
)
def test_bad_key_is_named(old, new, message):
    text = _broken(old, new)
    if message is None:
        parse_profile(text, "profiles/x.toml")
        return
    with pytest.raises(ProfileError) as e:
        parse_profile(text, "profiles/x.toml")
    assert str(e.value).startswith("profiles/x.toml: "), str(e.value)
    assert message in str(e.value), str(e.value)


def test_pace_spec_is_typed_and_refuses_what_no_terminal_can_run():
    """Profiles read the vocabulary: typed algorithm, table parameters, aliases; impossible PACE is refused."""
    p = parse_profile(VN, "profiles/x.toml")
    assert p.pace.algorithm == PaceAlgorithm(KeyAgreement.ECDH, Mapping.GM, Cipher.AES_128)
    assert p.pace.parameters is DOMAIN_PARAMETERS[13] and p.pace.curve == "brainpoolP256r1"
    assert p.chip_authentication.algorithm.cipher is Cipher.AES_128
    dh = parse_profile(_broken('curve = "brainpoolP256r1"\npasswords', 'curve = "modp2048_256"\npasswords'),
                       "x.toml")
    assert dh.pace.parameter_id == 2 and dh.pace.protocol_oid == "0.4.0.127.0.7.2.2.4.1.2"
    cam_3des = _broken('mapping = "GM"', 'mapping = "CAM"').replace(
        'cipher = "AES-128"\ncurve = "brainpoolP256r1"\npasswords', 'cipher = "3DES"\ncurve = "brainpoolP256r1"\npasswords')
    with pytest.raises(ProfileError, match="access.pace.cipher: CAM has no 3DES variant"):
        parse_profile(cam_3des, "x.toml")
    im_p224 = _broken('mapping = "GM"', 'mapping = "IM"').replace(
        'curve = "brainpoolP256r1"\npasswords', 'curve = "secp224r1"\npasswords')
    with pytest.raises(ProfileError, match="access.pace.curve: id-PACE-ECDH-IM-AES-CBC-CMAC-128 cannot run on secp22"):
        parse_profile(im_p224, "x.toml")


def test_no_access_control_at_all():
    text = _broken("bac = true", "bac = false")
    text = text.replace("[access.pace]\nenabled = true", "[access.pace]\nenabled = false")
    with pytest.raises(ProfileError, match=r"profiles/x.toml: access: neither BAC nor PACE"):
        parse_profile(text, "profiles/x.toml")


def test_dg14_without_anything_to_carry():
    text = VN.replace("[access.pace]\nenabled = true", "[access.pace]\nenabled = false")
    text = text.replace("[chip_authentication]\nenabled = true", "[chip_authentication]\nenabled = false")
    text = text.replace("[terminal_authentication]\nenabled = true", "[terminal_authentication]\nenabled = false")
    text = text.replace("[1, 2, 3, 13, 14, 15]", "[1, 2, 13, 14, 15]")
    text = text.replace('key = "ec"\ncurve = "brainpoolP256r1"\nhash = "sha256"', 'key = "rsa"')
    with pytest.raises(ProfileError, match="lds.data_groups: DG14 listed but it would be empty"):
        parse_profile(text, "p.toml")
    p = parse_profile(text.replace("[1, 2, 13, 14, 15]", "[1, 2, 13, 15]"), "p.toml")
    assert p.access == "BAC" and p.active_authentication.key == "rsa" and p.chip_authentication is None


def test_missing_table():
    text = re.sub(r"\[chip\][^\[]*", "", VN)
    with pytest.raises(ProfileError, match="chip: missing table"):
        parse_profile(text, "p.toml")


def test_not_toml():
    with pytest.raises(ProfileError, match="p.toml: not valid TOML"):
        parse_profile("[profile\nname=", "p.toml")


def test_load_reports_path_for_bad_file(tmp_path: Path):
    f = tmp_path / "x.toml"
    f.write_text(_broken('curve = "brainpoolP256r1"\npasswords', 'curve = "foo"\npasswords'), encoding="utf-8")
    with pytest.raises(ProfileError, match=re.escape(f"{f}: access.pace.curve: unknown curve 'foo'")):
        load_profile(f)


# --- any value in any key: a Profile or a ProfileError, nothing else ---------------------------

import json  # noqa: E402

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_LINES = [i for i, line in enumerate(VN.splitlines()) if re.match(r"^[a-z_0-9]+ = ", line)]
_scalar = st.one_of(st.integers(-2**63, 2**63 - 1), st.booleans(), st.text(max_size=20).map(json.dumps),
                    st.sampled_from(['"TD3"', '"secp256r1"', '"modp2048_256"', '"rsa"', '"CAM"', '"IM"', '"3DES"',
                                     "65535", "256", "0", '"sha1"', '"RSASSA-PSS"', "[]", "[1, 2]", '["MRZ"]']))
_value = st.one_of(_scalar, st.lists(_scalar, max_size=4).map(lambda xs: "[" + ", ".join(map(str, xs)) + "]"))


@given(st.lists(st.tuples(st.sampled_from(_LINES), _value), min_size=1, max_size=4))
def test_any_value_gives_a_profile_or_a_named_profile_error(changes):
    lines = VN.splitlines()
    for i, value in changes:
        key = lines[i].split(" = ")[0]
        lines[i] = f"{key} = {value}"
    try:
        parse_profile("\n".join(lines), "p.toml")
    except ProfileError as e:
        assert str(e).startswith("p.toml: ")


@given(st.text(max_size=300))
def test_any_text_gives_a_profile_error(text):
    with pytest.raises(ProfileError):
        parse_profile(text, "p.toml")


def test_older_terminal_authentication_key_is_the_consistent_placement():
    """``access.terminal_authentication = true`` (profiles written before the table) announces TA in both files."""
    text = re.sub(r"\[terminal_authentication\][^\[]*", "", VN).replace("bac = true", "bac = true\n"
                                                                           "terminal_authentication = true")
    ta = parse_profile(text, "p.toml").terminal_authentication
    assert ta is not None and ta.in_card_access and ta.in_dg14
    text = re.sub(r"\[terminal_authentication\][^\[]*", "", VN)
    with pytest.raises(ProfileError, match="DG3 is EAC-protected"):
        parse_profile(text, "p.toml")  # no TA at all, yet DG3 listed
    p = parse_profile(text.replace("[1, 2, 3, 13, 14, 15]", "[1, 2, 13, 14, 15]"), "p.toml")
    assert p.terminal_authentication is None
