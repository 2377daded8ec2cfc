"""Every PACE variant the terminal supports, end to end: Session against the software chip.

Generic and integrated mapping over ECDH (parameter ids 8-18) and DH (ids 0-2), each with 3DES and
AES-128/192/256, MRZ and CAN passwords alternating. Each run then reads EF.COM and DG1 under the
new secure-messaging keys, which proves both sides derived the same keys.

Chip Authentication Mapping (id-PACE-ECDH-CAM-*, Doc 9303-11 §4.4.3.5) runs against a chip that offers it
in EF.CardAccess and holds EF.CardSecurity (DS-signed, with the CA public key) in the MF: brainpoolP256r1
(id 13) and P-256 (id 12), AES-128/192/256 (CAM has no 3DES variant in use), genuine and with the
``cloned`` fault (the chip maps with another static key: ``verify_cam`` is False, the channel still works).
"""

from __future__ import annotations

import pytest

from cardkit.card import Session, SimulatorTransport
from cardkit.crypto.pace import Password
from cardkit.errors import AuthenticationError
from cardkit.lds import CardAccess, PaceInfo
from simulators.emrtd import EmrtdChip

from .test_session_sim import CAN, COM, DG1, DOB, DOC, DOE, MRZ_INFO, files

CIPHERS = {1: "3DES", 2: "AES-128", 3: "AES-192", 4: "AES-256"}
EC_PARAMS = range(8, 19)
DH_PARAMS = range(0, 3)
# mapping code in the OID (0.4.0.127.0.7.2.2.4.m.c) -> parameter ids it runs on
MAPPINGS = {
    1: ("DH-GM", DH_PARAMS),
    2: ("ECDH-GM", EC_PARAMS),
    3: ("DH-IM", DH_PARAMS),
    # integrated mapping's point encoding needs p = 3 mod 4, which secp224r1 (id 10) does not have
    4: ("ECDH-IM", [p for p in EC_PARAMS if p != 10]),
}

CASES = [
    pytest.param(m, c, pid, id=f"{name}-{CIPHERS[c]}-{pid}")
    for m, (name, pids) in MAPPINGS.items()
    for c in CIPHERS
    for pid in pids
]


def _chip(info: PaceInfo) -> EmrtdChip:
    f = files()
    f["EF.CardAccess"] = CardAccess.build([info]).to_bytes()
    return EmrtdChip.personalised(f, document_number=DOC, date_of_birth=DOB, date_of_expiry=DOE, can=CAN)


@pytest.mark.parametrize("mapping,cipher,pid", CASES)
def test_every_pace_variant_opens_secure_messaging(mapping, cipher, pid):
    info = PaceInfo(f"0.4.0.127.0.7.2.2.4.{mapping}.{cipher}", 2, pid)
    password = Password.can(CAN) if (mapping + cipher + pid) % 2 else Password.mrz(MRZ_INFO)
    s = Session(SimulatorTransport(_chip(info)))
    s.pace(password)  # pace_info=None: the session reads EF.CardAccess and picks this one
    assert s.access == "PACE"
    assert s.secure_messaging.cipher == CIPHERS[cipher]
    s.select_application()
    assert s.read_file("EF.COM") == COM
    assert s.read_file("DG1", sfi=True) == DG1


@pytest.mark.parametrize("mapping,pid", [(1, 0), (2, 13), (3, 1), (4, 18)], ids=["DH-GM", "ECDH-GM", "DH-IM", "ECDH-IM"])
def test_every_mapping_refuses_a_wrong_password(mapping, pid):
    info = PaceInfo(f"0.4.0.127.0.7.2.2.4.{mapping}.2", 2, pid)
    s = Session(SimulatorTransport(_chip(info)))
    with pytest.raises(AuthenticationError):
        s.pace(Password.can("000000"))
    assert s.secure_messaging is None


CAM_CASES = [pytest.param(c, pid, cloned, id=f"ECDH-CAM-{CIPHERS[c]}-{pid}{'-cloned' if cloned else ''}")
             for c in (2, 3, 4) for pid in (13, 12) for cloned in (False, True)]


@pytest.mark.parametrize("cipher,pid,cloned", CAM_CASES)
def test_pace_cam_proves_the_chip_key_of_ef_card_security(tmp_path, cipher, pid, cloned):
    from cardkit.lds.card_security import CardSecurity
    from cardkit.pki.passive import verify_card_security
    from simulators.emrtd import Faults
    from tests.support.cards import make_vn_card

    oid = f"0.4.0.127.0.7.2.2.4.6.{cipher}"
    chip, trust, info = make_vn_card(tmp_path, Faults(cloned=cloned), ca=False, aa=None, dg3=False,
                                     face_size=2000, cam=(oid, pid))
    # EF.CardAccess offers CAM and GM on the same curve (the policy would pick CAM too; named here explicitly)
    info_cam = next(p for p in CardAccess.from_bytes(info.files["EF.CardAccess"]).pace_infos if p.protocol == oid)
    s = Session(SimulatorTransport(chip))
    result = s.pace(Password.can(info.can), pace_info=info_cam)
    assert result is s.pace_result and result.algorithm.mapping == "CAM"
    assert result.chip_authentication_data is not None
    assert s.secure_messaging.cipher == CIPHERS[cipher]
    card_security = s.read_card_security()  # 011D in the MF, before the application is selected
    assert card_security == info.files["EF.CardSecurity"]
    assert verify_card_security(card_security, trust).passed
    assert CardSecurity.from_bytes(card_security).ca_public_keys
    assert s.verify_cam(card_security) is (not cloned)
    s.select_application()  # in the application, 011D is EF.SOD
    assert s.read_file("EF.SOD") == info.files["EF.SOD"]
    assert s.read_file("DG1", sfi=True) == info.files["DG1"]
    assert chip.internal_errors == 0
