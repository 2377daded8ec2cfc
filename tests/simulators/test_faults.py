"""Fault and attack modes: each one is visible to a terminal."""

from __future__ import annotations

import hashlib

import pytest

from cardkit import tlv
from cardkit.crypto.bac import Bac
from cardkit.crypto.sm import SecureMessaging
from cardkit.errors import CardRemovedError, ProtocolError, SecureMessagingError
from cardkit.iso7816 import ResponseApdu
from cardkit.mrz import Mrz
from simulators.emrtd import Faults

from .helpers import DG1, MRZ_INFO, Terminal, locked_chip, sample_files


def _bac(chip) -> Terminal:
    t = Terminal(chip)
    t.select_app()
    t.sm = SecureMessaging(t.run(Bac(MRZ_INFO)))
    return t


def test_wrong_mac_is_detected():
    chip = locked_chip(faults=Faults(wrong_mac=True))
    t = Terminal(chip)
    t.select_app()
    keys = t.run(Bac(MRZ_INFO))  # BAC itself is plain
    t.sm = SecureMessaging(keys)
    with pytest.raises(SecureMessagingError):
        t.select(0x0101)


def test_truncated_response_is_detected():
    chip = locked_chip(faults=Faults(truncate_response=True))
    r = ResponseApdu.from_bytes(chip.process_apdu(bytes.fromhex("00A4020C02011C")))
    assert r.sw == 0x9000
    r = ResponseApdu.from_bytes(chip.process_apdu(bytes.fromhex("00B0000008")))
    assert r.sw == 0x9000 and len(r.data) == 4  # asked 8, got 4


def test_oversized_response_is_detected():
    chip = locked_chip(faults=Faults(oversize_response=True))
    chip.process_apdu(bytes.fromhex("00A4020C02011C"))
    r = ResponseApdu.from_bytes(chip.process_apdu(bytes.fromhex("00B0000008")))
    assert len(r.data) > 8  # more than Le
    chip = locked_chip(faults=Faults(oversize_response=True))
    t = Terminal(chip)
    t.select_app()
    with pytest.raises(ProtocolError, match="challenge of 24 bytes"):  # BAC wants exactly 8
        t.run(Bac(MRZ_INFO))


@pytest.mark.parametrize("dg", [1, 2])
def test_tampered_data_group_changes_its_hash_but_still_parses(dg):
    chip = locked_chip(faults=Faults(tamper_dg=dg))
    t = _bac(chip)
    original = sample_files()[f"DG{dg}"]
    read = t.read_file(0x0100 + dg)
    assert read != original and len(read) == len(original)
    assert hashlib.sha256(read).digest() != hashlib.sha256(original).digest()
    assert sum(a != b for a, b in zip(read, original)) == 1
    if dg == 1:
        mrz = Mrz.parse(tlv.decode(read).child(0x5F1F).value.decode())
        assert mrz.primary_identifier != Mrz.parse(tlv.decode(DG1).child(0x5F1F).value.decode()).primary_identifier
    # the stored file is unchanged: the fault is in what the chip answers
    assert bytes(chip.files[0x0100 + dg]) == original


def test_card_removed_at_apdu_n():
    chip = locked_chip(faults=Faults(remove_at_apdu=3))
    assert chip.present
    assert chip.process_apdu(bytes.fromhex("00A4040C07A0000002471001")) == b"\x90\x00"
    assert chip.process_apdu(bytes.fromhex("00A4020C020101")) == b"\x90\x00"
    out = chip.process_apdu(bytes.fromhex("00B0000004"))  # the third APDU: the card is pulled
    assert chip.present is False and out != b"" and out[-2:] == b"\x6f\x00"
    assert chip.process_apdu(bytes.fromhex("00A4040C07A0000002471001")) == b"\x6f\x00"
    with pytest.raises(CardRemovedError):
        chip.power_on()
    chip.insert()
    assert chip.present and chip.power_on() == chip.atr
    assert chip.process_apdu(bytes.fromhex("00A4040C07A0000002471001")) == b"\x90\x00"


def test_removal_mid_perso_keeps_what_was_written():
    from simulators.emrtd import EmrtdChip

    chip = EmrtdChip(faults=Faults(remove_at_apdu=4))
    chip.power_on()
    for apdu in ("00A4040C07A0000002471001", "00E0000006630400040101", "00D6000002AABB", "00D6000202CCDD"):
        chip.process_apdu(bytes.fromhex(apdu))
    assert not chip.present
    assert bytes(chip.files[0x0101]) == b"\xaa\xbb\x00\x00"  # the 4th command never ran


def test_faults_validate():
    with pytest.raises(ValueError):
        Faults(tamper_dg=17)
    with pytest.raises(ValueError):
        Faults(remove_at_apdu=0)
    assert not Faults().any and Faults(cloned=True).any
