"""Chip Authentication and Active Authentication against cardkit.crypto's terminal machines."""

from __future__ import annotations

import warnings

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from cardkit.crypto.aa import ActiveAuthentication
from cardkit.crypto.bac import Bac
from cardkit.crypto.ca import ChipAuthentication
from cardkit.algorithms import DH_GROUPS
from cardkit.crypto.pace import Pace, Password
from cardkit.crypto.sm import SecureMessaging
from cardkit.errors import StatusWordError
from cardkit.iso7816 import CommandApdu
from cardkit.lds import (ActiveAuthenticationInfo, CardAccess, ChipAuthenticationInfo,
                         ChipAuthenticationPublicKeyInfo, Dg14, Dg15, PaceInfo)
from simulators.emrtd import EmrtdChip, Faults

from .helpers import CAN, DG1, DOB, DOC, DOE, MRZ_INFO, Terminal, sample_files


def _spki(key) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


@pytest.fixture(scope="module")
def keys():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from cryptography.hazmat.primitives.asymmetric import dh

        g = DH_GROUPS[0]
        dh_key = dh.DHParameterNumbers(g.p, g.g, g.q).parameters().generate_private_key()
    return {
        "ec": ec.generate_private_key(ec.BrainpoolP256R1()),
        "dh": dh_key,
        "rsa1024": rsa.generate_private_key(65537, 1024),
        "rsa2048": rsa.generate_private_key(65537, 2048),
        "p256": ec.generate_private_key(ec.SECP256R1()),
    }


def _chip(ca_key, ca_oid, aa_key=None, faults=None, key_id=None, aa_hash="1.2.840.10045.4.3.2", **kw):
    pk_oid = "0.4.0.127.0.7.2.2.1.2" if isinstance(ca_key, ec.EllipticCurvePrivateKey) else "0.4.0.127.0.7.2.2.1.1"
    infos = [ChipAuthenticationInfo(ca_oid, 1, key_id), ChipAuthenticationPublicKeyInfo(pk_oid, _spki(ca_key), key_id)]
    if isinstance(aa_key, ec.EllipticCurvePrivateKey):
        infos.append(ActiveAuthenticationInfo(signature_algorithm=aa_hash))
    files = sample_files()
    files["EF.CardAccess"] = CardAccess.build([PaceInfo("0.4.0.127.0.7.2.2.4.2.2", 2, 13)]).to_bytes()
    files["DG14"] = Dg14.build(infos).to_bytes()
    if aa_key is not None:
        files["DG15"] = Dg15.build(_spki(aa_key)).to_bytes()
    chip = EmrtdChip.personalised(files, document_number=DOC, date_of_birth=DOB, date_of_expiry=DOE, can=CAN,
                                  aa_private_key=aa_key, ca_private_key=ca_key, ca_key_id=key_id, faults=faults, **kw)
    chip.power_on()
    return chip


def _open(chip, how="BAC") -> Terminal:
    t = Terminal(chip)
    if how == "BAC":
        t.select_app()
        t.sm = SecureMessaging(t.run(Bac(MRZ_INFO)))
    else:
        t.sm = SecureMessaging(t.run(Pace(Password.can(CAN), PaceInfo("0.4.0.127.0.7.2.2.4.2.2", 2, 13))).keys)
        assert t.select_app().sw == 0x9000
    return t


def _ca(t: Terminal) -> None:
    dg14 = Dg14.from_bytes(t.read_file(0x010E))
    ca_info = dg14.ca_infos[0] if dg14.ca_infos else None
    ca = ChipAuthentication(ca_info, dg14.ca_public_keys[0], t.sm.cipher)
    t.sm = SecureMessaging(t.run(ca))


@pytest.mark.parametrize("kind, oid, how, key_id", [
    ("ec", "0.4.0.127.0.7.2.2.3.2.2", "PACE", None),  # VN: ECDH AES-128 after PACE
    ("ec", "0.4.0.127.0.7.2.2.3.2.1", "BAC", 1),  # ECDH 3DES (MSE:Set KAT) after BAC, with keyId
    ("ec", "0.4.0.127.0.7.2.2.3.2.4", "BAC", None),  # ECDH AES-256 after BAC
    ("dh", "0.4.0.127.0.7.2.2.3.1.1", "BAC", None),  # DH 3DES
    ("dh", "0.4.0.127.0.7.2.2.3.1.2", "PACE", 7),  # DH AES-128
])
def test_chip_authentication(keys, kind, oid, how, key_id):
    chip = _chip(keys[kind], oid, key_id=key_id)
    t = _open(chip, how)
    _ca(t)
    assert chip.volatile.chip_authenticated
    assert t.read_file(0x0101) == DG1  # the new session works both ways
    assert chip.internal_errors == 0


def test_cloned_chip_fails_ca(keys):
    chip = _chip(keys["ec"], "0.4.0.127.0.7.2.2.3.2.2", faults=Faults(cloned=True))
    t = _open(chip, "PACE")
    _ca(t)
    # the chip cannot check the terminal's MAC under keys it does not share: 6988, session over
    assert t.select(0x0101).sw == 0x6988
    assert chip.volatile.sm is None
    assert t.select(0x0101).sw == 0x6882  # no session any more: SM not supported


def test_ca_needs_sm_and_a_known_key(keys):
    chip = _chip(keys["ec"], "0.4.0.127.0.7.2.2.3.2.2", key_id=2)
    t = Terminal(chip)
    t.select_app()
    assert t.raw("002241A40F800A04007F00070202030202840102")[-2:] == b"\x69\x82"  # plain
    t = _open(chip, "BAC")
    assert t.send(CommandApdu(0, 0x22, 0x41, 0xA4, bytes.fromhex("800A04007F00070202030202840109"))).sw == 0x6A88
    assert t.send(CommandApdu(0, 0x22, 0x41, 0xA6, bytes.fromhex("9103040102"))).sw == 0x6A80  # not a point
    assert t.send(CommandApdu(0, 0x86, 0, 0, bytes.fromhex("7C00"), le=256)).sw == 0x6985  # GA without MSE


@pytest.mark.parametrize("name, how", [("rsa1024", "BAC"), ("rsa2048", "PACE"), ("p256", "BAC")])
def test_active_authentication(keys, name, how):
    chip = _chip(keys["ec"], "0.4.0.127.0.7.2.2.3.2.2", aa_key=keys[name])
    t = _open(chip, how)
    dg14 = Dg14.from_bytes(t.read_file(0x010E))
    aa = ActiveAuthentication(Dg15.from_bytes(t.read_file(0x010F)).public_key_info, dg14.aa_info)
    result = t.run(aa)
    assert result.verified


def test_cloned_chip_fails_aa(keys):
    chip = _chip(keys["ec"], "0.4.0.127.0.7.2.2.3.2.2", aa_key=keys["rsa1024"], faults=Faults(cloned=True))
    t = _open(chip)
    aa = ActiveAuthentication(Dg15.from_bytes(t.read_file(0x010F)).public_key_info)
    assert t.run(aa).verified is False


def test_rsa2048_aa_under_sm_needs_extended_length(keys):
    chip = _chip(keys["ec"], "0.4.0.127.0.7.2.2.3.2.2", aa_key=keys["rsa2048"])
    t = _open(chip)
    # short Le: the protected answer (> 256 bytes) cannot fit; the chip says so inside SM
    r = t.send(CommandApdu(0, 0x88, 0, 0, b"\x01" * 8, le=256))
    assert r.sw == 0x6700
    r = t.send(CommandApdu(0, 0x88, 0, 0, b"\x01" * 8, le=256, extended=True))
    assert r.sw == 0x9000 and len(r.data) == 256
    # a chip without extended length cannot do it at all
    chip = _chip(keys["ec"], "0.4.0.127.0.7.2.2.3.2.2", aa_key=keys["rsa2048"], extended_length=False)
    t = _open(chip)
    with pytest.raises(StatusWordError):
        t.run(ActiveAuthentication(_spki(keys["rsa2048"])))


def test_aa_rules(keys):
    chip = _chip(keys["ec"], "0.4.0.127.0.7.2.2.3.2.2", aa_key=keys["rsa1024"])
    t = Terminal(chip)
    t.select_app()
    assert t.raw("00880000080102030405060708 00".replace(" ", ""))[-2:] == b"\x69\x82"  # locked: SM only
    t = _open(chip)
    assert t.send(CommandApdu(0, 0x88, 0, 0, b"\x01" * 7, le=256)).sw == 0x6700
    assert t.send(CommandApdu(0, 0x88, 0, 0, b"\x01" * 8, le=64)).sw == 0x6700
    chip = _chip(keys["ec"], "0.4.0.127.0.7.2.2.3.2.2")
    t = _open(chip)
    assert t.send(CommandApdu(0, 0x88, 0, 0, b"\x01" * 8, le=256)).sw == 0x6D00  # no AA key
