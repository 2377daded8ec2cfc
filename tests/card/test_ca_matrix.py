"""Chip Authentication in each form, end to end: Session against the software chip.

ECDH (three curves) and DH (RFC 5114 groups) keys, each with 3DES (MSE:Set KAT) and AES-128/192/256
(MSE:Set AT + GENERAL AUTHENTICATE), after PACE and after BAC. Success is the chip answering the next
command under the new keys; a cloned chip (another CA key) breaks the channel on that command.
"""

from __future__ import annotations

import functools

import pytest
from cryptography.hazmat.primitives.asymmetric import dh, ec

from cardkit.algorithms import DH_GROUPS
from cardkit.errors import SecureMessagingError
from cardkit.lds import ChipAuthenticationInfo, ChipAuthenticationPublicKeyInfo, Dg14
from simulators.emrtd import EmrtdChip, Faults

from .test_session_auth import spki
from .test_session_sim import CAN, DG1, DOB, DOC, DOE, files, open_session

# cryptography 46+ deprecates finite-field DH; DH Chip Authentication is still in Doc 9303, so the test
# makes its chip keys with it and says so here rather than in every run's output.
pytestmark = pytest.mark.filterwarnings("ignore:Diffie-Hellman over finite fields")

CIPHERS = {1: "3DES", 2: "AES-128", 3: "AES-192", 4: "AES-256"}
KEYS = {"P-256": ("ec", ec.SECP256R1), "brainpoolP256r1": ("ec", ec.BrainpoolP256R1), "P-384": ("ec", ec.SECP384R1),
        "DH-1024/160": ("dh", 0), "DH-2048/256": ("dh", 2)}


@functools.cache
def _key(name: str):
    kind, which = KEYS[name]
    if kind == "ec":
        return ec.generate_private_key(which())
    g = DH_GROUPS[which]
    return dh.DHParameterNumbers(g.p, g.g, g.q).parameters().generate_private_key()


def _card(key_name: str, cipher: int, *, key_id: int | None = None, faults: Faults | None = None):
    key = _key(key_name)
    ka = 2 if KEYS[key_name][0] == "ec" else 1
    dg14 = Dg14.build([
        ChipAuthenticationInfo(f"0.4.0.127.0.7.2.2.3.{ka}.{cipher}", 1, key_id),
        ChipAuthenticationPublicKeyInfo(f"0.4.0.127.0.7.2.2.1.{ka}", spki(key), key_id),
    ]).to_bytes()
    f = files()
    f["DG14"] = dg14
    chip = EmrtdChip.personalised(f, document_number=DOC, date_of_birth=DOB, date_of_expiry=DOE, can=CAN,
                                  ca_private_key=key, ca_key_id=key_id, faults=faults)
    return chip, dg14


@pytest.mark.parametrize("access", ["PACE", "BAC"])
@pytest.mark.parametrize("cipher", list(CIPHERS), ids=list(CIPHERS.values()))
@pytest.mark.parametrize("key_name", list(KEYS))
def test_chip_authentication_in_each_form(key_name, cipher, access):
    chip, dg14 = _card(key_name, cipher, key_id=7 if cipher == 3 else None)
    s = open_session(chip, access)
    before = s.secure_messaging
    s.chip_authentication(dg14)
    assert s.secure_messaging is not before
    assert s.secure_messaging.cipher == CIPHERS[cipher]
    assert s.read_file("DG1") == DG1  # the chip answers under the CA keys: it holds the DG14 key


@pytest.mark.parametrize("key_name", ["brainpoolP256r1", "DH-2048/256"])
def test_a_cloned_chip_fails_chip_authentication(key_name):
    chip, dg14 = _card(key_name, 2, faults=Faults(cloned=True))
    s = open_session(chip, "PACE")
    s.chip_authentication(dg14)
    with pytest.raises(SecureMessagingError):
        s.read_file("DG1")
