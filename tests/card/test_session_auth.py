"""PACE (MRZ, CAN), Chip Authentication and Active Authentication through Session and the software chip."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from cardkit.card import Session, SimulatorTransport
from cardkit.crypto.pace import Password
from cardkit.errors import AuthenticationError, ProtocolError, SecureMessagingError
from cardkit.lds import security_infos as si
from simulators import emrtd

from .test_session_sim import CAN, COM, DG1, DG2, DOB, DOC, DOE, MRZ_INFO, files, open_session

CA_ECDH = "0.4.0.127.0.7.2.2.1.2"
CA_ECDH_AES128 = "0.4.0.127.0.7.2.2.3.2.2"
CA_ECDH_3DES = "0.4.0.127.0.7.2.2.3.2.1"


def spki(key) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def dg14_bytes(infos) -> bytes:
    from cardkit.lds.dg14 import Dg14

    return Dg14.build(infos).to_bytes()


def make_chip(extra: dict[str, bytes] | None = None, **kw):
    f = files()
    f.update(extra or {})
    return emrtd.EmrtdChip.personalised(f, document_number=DOC, date_of_birth=DOB, date_of_expiry=DOE, can=CAN, **kw)


# --- PACE ---------------------------------------------------------------------------------


@pytest.mark.parametrize("password", [Password.mrz(MRZ_INFO), Password.can(CAN)], ids=["mrz", "can"])
def test_pace_then_read(password) -> None:
    s = Session(SimulatorTransport(make_chip()))
    s.pace(password)
    assert s.access == "PACE" and s.secure_messaging.cipher == "AES-128"
    s.select_application()
    assert s.read_file("EF.COM") == COM
    assert s.read_file("DG2", sfi=True) == DG2


def test_pace_wrong_can() -> None:
    s = Session(SimulatorTransport(make_chip()))
    with pytest.raises(AuthenticationError) as ei:
        s.pace(Password.can("654321"))
    assert "654321" not in str(ei.value) and CAN not in str(ei.value)
    assert s.secure_messaging is None and s.access is None


def test_pace_without_card_access_is_status_error() -> None:
    f = files()
    del f["EF.CardAccess"]
    c = emrtd.EmrtdChip.personalised(f, document_number=DOC, date_of_birth=DOB, date_of_expiry=DOE, can=CAN)
    s = Session(SimulatorTransport(c))
    with pytest.raises(ProtocolError) as ei:
        s.pace(Password.can(CAN))
    assert getattr(ei.value, "sw", None) == 0x6A82


# --- Chip Authentication ---------------------------------------------------------------------


def _ca_setup(oid: str, curve=ec.SECP256R1()):
    key = ec.generate_private_key(curve)
    dg14 = dg14_bytes([si.ChipAuthenticationInfo(oid, 1, None), si.ChipAuthenticationPublicKeyInfo(CA_ECDH, spki(key))])
    return key, dg14


@pytest.mark.parametrize("access", ["bac", "pace"])
@pytest.mark.parametrize("oid", [CA_ECDH_AES128, CA_ECDH_3DES], ids=["aes128", "3des"])
def test_chip_authentication_restarts_sm(access: str, oid: str) -> None:
    key, dg14 = _ca_setup(oid)
    c = make_chip({"DG14": dg14}, ca_private_key=key)
    s = open_session(c, access)
    old = s.secure_messaging
    assert s.read_file("DG14") == dg14
    s.chip_authentication(dg14)
    assert s.secure_messaging is not old
    assert s.secure_messaging.cipher == ("3DES" if oid == CA_ECDH_3DES else "AES-128")
    assert s.read_file("DG1") == DG1  # the chip answers under the new keys: CA succeeded


def test_chip_authentication_with_cloned_key_fails_on_next_command() -> None:
    key, dg14 = _ca_setup(CA_ECDH_AES128)
    c = make_chip({"DG14": dg14}, ca_private_key=key, faults=emrtd.Faults(cloned=True))
    s = Session(SimulatorTransport(c))
    s.pace(Password.can(CAN))
    s.select_application()
    s.chip_authentication(dg14)
    with pytest.raises(SecureMessagingError, match="6988"):
        s.read_file("DG1")
    with pytest.raises(SecureMessagingError):  # and nothing more under that session
        s.read_file("DG1")


def test_chip_authentication_needs_sm_and_a_key() -> None:
    _, dg14 = _ca_setup(CA_ECDH_AES128)
    with pytest.raises(ProtocolError, match="secure messaging"):
        Session(SimulatorTransport(make_chip())).chip_authentication(dg14)
    s = Session(SimulatorTransport(make_chip()))
    s.select_application()
    s.bac(MRZ_INFO)
    with pytest.raises(ProtocolError, match="no Chip Authentication public key"):
        s.chip_authentication(dg14_bytes([si.ChipAuthenticationInfo(CA_ECDH_AES128, 1, None)]))


# --- Active Authentication -------------------------------------------------------------------


def _aa_chip(key, *, dg14: bytes | None = None, **kw):
    from cardkit.lds.dg15 import Dg15

    dg15 = Dg15.build(spki(key)).to_bytes()
    extra = {"DG15": dg15}
    if dg14:
        extra["DG14"] = dg14
    return make_chip(extra, aa_private_key=key, **kw), dg15


@pytest.mark.parametrize("bits", [1024, 2048])
def test_active_authentication_rsa(bits: int) -> None:
    key = rsa.generate_private_key(65537, bits)
    c, dg15 = _aa_chip(key)
    s = Session(SimulatorTransport(c))
    s.select_application()
    s.bac(MRZ_INFO)
    assert s.read_file("DG15") == dg15
    assert s.active_authentication(dg15) is True


def test_active_authentication_ecdsa_uses_dg14_hash() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    dg14 = dg14_bytes([si.ActiveAuthenticationInfo(si.ID_AA, 1,
                                                   "0.4.0.127.0.7.1.1.4.1.3")])
    c, dg15 = _aa_chip(key, dg14=dg14)
    s = Session(SimulatorTransport(c))
    s.pace(Password.can(CAN))
    s.select_application()
    assert s.active_authentication(dg15, dg14) is True


def test_active_authentication_clone_is_false_not_error() -> None:
    key = rsa.generate_private_key(65537, 1024)
    c, dg15 = _aa_chip(key, faults=emrtd.Faults(cloned=True))
    s = Session(SimulatorTransport(c))
    s.select_application()
    s.bac(MRZ_INFO)
    assert s.active_authentication(dg15) is False
    assert s.read_file("DG1") == DG1  # the session is still usable
