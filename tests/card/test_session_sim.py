"""Session against the in-process software chip (simulators/emrtd.py): no mocks, real crypto.

Covers BAC and PACE (MRZ and CAN) then secure-messaging reads with several block sizes,
short-FID reads, odd-INS READ BINARY past offset 32 767, extended length, CA and AA, and
the failure paths: wrong password, protected file, missing file, wrong MAC, pulled card.
"""

from __future__ import annotations

import math

import pytest

from cardkit import tlv
from cardkit.card import ApduTrace, Session, SimulatorTransport
from cardkit.errors import (AuthenticationError, CardRemovedError, ProtocolError, SecureMessagingError,
                            StatusWordError)
from simulators.emrtd import EmrtdChip, Faults

DOC, DOB, DOE = "L898902C", "690806", "940623"
MRZ_INFO = "L898902C<369080619406236"
CAN = "123456"
TD1 = ("I<UTOD231458907<<<<<<<<<<<<<<<" "7408122F1204159UTO<<<<<<<<<<<6" "ERIKSSON<<ANNA<MARIA<<<<<<<<<<")
CARD_ACCESS = bytes.fromhex("31143012060A04007F0007020204020202010202010D")  # PACE ECDH-GM AES-128, brainpoolP256r1
COM = bytes.fromhex("60145F0104303130365F36063034303030305C026175")
DG1 = tlv.encode(0x61, tlv.encode(0x5F1F, TD1.encode()))
DG2 = tlv.encode(0x75, bytes((i * 7 + 3) & 0xFF for i in range(20_000)))
DG5 = tlv.encode(0x65, bytes((i * 13 + 1) & 0xFF for i in range(40_960)))  # past the B0 offset limit
DG3 = tlv.encode(0x63, b"\x01" * 40)


def files() -> dict[str, bytes]:
    return {"EF.CardAccess": CARD_ACCESS, "EF.COM": COM, "DG1": DG1, "DG2": DG2, "DG3": DG3, "DG5": DG5}


def chip(**kw) -> "EmrtdChip":
    return EmrtdChip.personalised(files(), document_number=DOC, date_of_birth=DOB, date_of_expiry=DOE, can=CAN, **kw)


def bac_session(c=None, **kw) -> Session:
    s = Session(SimulatorTransport(c or chip()), **kw)
    s.select_application()
    s.bac(MRZ_INFO)
    return s


def open_session(c, access: str) -> Session:
    """A session on ``c`` under SM: PACE with the CAN then SELECT, or SELECT then BAC (``access``, any case)."""
    from cardkit.crypto.pace import Password

    s = Session(SimulatorTransport(c))
    if access.upper() == "PACE":
        s.pace(Password.can(CAN))
        s.select_application()
    else:
        s.select_application()
        s.bac(MRZ_INFO)
    return s


def min_apdus(size: int, block: int) -> int:
    """SELECT + header read + ceil(rest / block)."""
    return 2 + math.ceil((size - 4) / block)


# --- BAC and reading ---------------------------------------------------------------------


def test_bac_then_read_all_files() -> None:
    s = bac_session()
    assert s.access == "BAC" and s.secure_messaging.cipher == "3DES"
    assert s.read_file("EF.COM") == COM
    assert s.read_file("DG1") == DG1
    assert s.read_file("DG2") == DG2


@pytest.mark.parametrize("block", [1, 0x20, 0x80, 0xDF, 0xE7])
def test_block_sizes_read_whole_file_with_minimal_apdus(block: int) -> None:
    s = bac_session(block_size=block, extended_length=False)
    before = s.apdu_count
    assert s.read_file("DG1") == DG1
    assert s.apdu_count - before == min_apdus(len(DG1), block)


def test_short_block_is_capped_under_sm() -> None:
    # 3DES SM: a 0xE7-byte block is the largest whose protected response fits 256 bytes.
    s = bac_session(block_size=256, extended_length=False)
    assert s.effective_block_size() == 0xE7
    before = s.apdu_count
    assert s.read_file("DG2") == DG2
    assert s.apdu_count - before == min_apdus(len(DG2), 0xE7)


def test_sfi_read_saves_the_select() -> None:
    s = bac_session()
    before = s.apdu_count
    assert s.read_file("DG2", sfi=True) == DG2
    assert s.apdu_count - before == min_apdus(len(DG2), 0xDF) - 1


def test_odd_ins_read_past_32767() -> None:
    trace = ApduTrace(redact=False)
    s = bac_session(trace=trace)
    assert s.read_file("DG5") == DG5
    ins = {e.plain.data[1] for e in trace.entries if e.direction == "C" and e.plain is not None}
    assert 0xB1 in ins and 0xB0 in ins
    b1 = [e.plain.data for e in trace.entries if e.direction == "C" and e.plain and e.plain.data[1] == 0xB1]
    first = tlv.decode(b1[0][5:-1])
    assert first.tag == 0x54 and int.from_bytes(first.value, "big") > 0x7FFF


def test_extended_length_detected_from_atr() -> None:
    s = bac_session(block_size=4096)
    assert s.extended_length is True
    before = s.apdu_count
    assert s.read_file("DG2") == DG2
    assert s.apdu_count - before == min_apdus(len(DG2), 4096)


def test_extended_length_not_advertised_falls_back_to_short() -> None:
    s = bac_session(chip(extended_length=False), block_size=4096)
    assert s.extended_length is False
    assert s.effective_block_size() == 0xE7
    assert s.read_file("DG2") == DG2


def test_extended_read_past_32767() -> None:
    s = bac_session(block_size=0x1000)
    assert s.read_file("DG5") == DG5


def test_plain_read_of_card_access_before_access_control() -> None:
    s = Session(SimulatorTransport(chip()))
    assert s.read_file("EF.CardAccess") == CARD_ACCESS
    assert s.apdu_count == 3  # SELECT 011C (never the MF), header, rest


# --- failures ---------------------------------------------------------------------------


def test_wrong_mrz_is_authentication_error() -> None:
    s = Session(SimulatorTransport(chip()))
    s.select_application()
    with pytest.raises(AuthenticationError) as ei:
        s.bac("L898902C<369080619406244")
    assert "L898902C" not in str(ei.value)
    assert s.secure_messaging is None


def test_protected_file_raises_6982() -> None:
    s = bac_session()
    with pytest.raises(StatusWordError) as ei:
        s.read_file("DG3")
    assert ei.value.sw == 0x6982
    assert s.read_file("DG1") == DG1  # the session goes on


def test_missing_file_raises_6a82() -> None:
    s = bac_session()
    with pytest.raises(StatusWordError) as ei:
        s.read_file("DG11")
    assert ei.value.sw == 0x6A82


def test_read_without_access_control_is_refused() -> None:
    s = Session(SimulatorTransport(chip()))
    s.select_application()
    with pytest.raises(StatusWordError) as ei:
        s.read_file("DG1")
    assert ei.value.sw == 0x6982


def test_wrong_mac_from_chip() -> None:
    s = bac_session(chip(faults=Faults(wrong_mac=True)))
    with pytest.raises(SecureMessagingError):
        s.read_file("DG1")


def test_card_removed_mid_read() -> None:
    c = chip(faults=Faults(remove_at_apdu=6))
    s = bac_session(c)
    with pytest.raises(CardRemovedError):
        s.read_file("DG2")


def test_truncated_or_oversized_responses_are_errors() -> None:
    for f in (Faults(truncate_response=True), Faults(oversize_response=True)):
        s = Session(SimulatorTransport(chip(faults=f)))
        with pytest.raises((ProtocolError, SecureMessagingError)):
            s.select_application()
            s.bac(MRZ_INFO)
            s.read_file("DG2")


def test_sm_refusal_ends_session_and_new_bac_recovers() -> None:
    s = bac_session()
    # corrupt our SM state: the chip cannot verify the MAC and drops its keys (plain 6988)
    s.secure_messaging._ssc += 5
    with pytest.raises(SecureMessagingError, match="6988"):
        s.read_file("DG1")
    with pytest.raises(SecureMessagingError):
        s.read_file("DG1")
    s.select_application()
    s.bac(MRZ_INFO)
    assert s.read_file("DG1") == DG1


SILENT_ATR = bytes.fromhex("3B8880010000000000718100F9")  # historical bytes without card capabilities


def test_silent_atr_probes_extended_length_and_keeps_it() -> None:
    t = SimulatorTransport(chip())
    t.atr = SILENT_ATR
    s = Session(t, block_size=4096)
    s.select_application()
    s.bac(MRZ_INFO)
    before = s.apdu_count
    assert s.read_file("DG2") == DG2
    assert s.extended_length is True
    assert s.apdu_count - before == min_apdus(len(DG2), 4096)


def test_silent_atr_probe_refused_falls_back_to_short() -> None:
    class ShortChip:
        """A chip that refuses extended Le with 6700 (plain access, as before access control)."""

        def __init__(self) -> None:
            self.inner = chip(locked=False)

        def power_on(self) -> bytes:
            self.inner.power_on()
            return SILENT_ATR

        def process_apdu(self, apdu: bytes) -> bytes:
            if len(apdu) == 7 and apdu[1] == 0xB0 and apdu[4] == 0:  # case 2 extended
                return b"\x67\x00"
            return self.inner.process_apdu(apdu)

    s = Session(SimulatorTransport(ShortChip()), block_size=4096)
    s.select_application()
    before = s.apdu_count
    assert s.read_file("DG2") == DG2
    assert s.extended_length is False and s.effective_block_size() == 256
    assert s.apdu_count - before == min_apdus(len(DG2), 256) + 1  # the refused probe
    assert s.read_file("DG1") == DG1


def test_silent_atr_probe_ending_sm_says_what_to_do() -> None:
    t = SimulatorTransport(chip(extended_length=False))
    t.atr = SILENT_ATR
    s = Session(t, block_size=4096)
    s.select_application()
    s.bac(MRZ_INFO)
    # this chip answers the extended APDU with a plain 6700: it never unwrapped it, SM is over
    with pytest.raises(SecureMessagingError, match="extended_length=False"):
        s.read_file("DG2")


def test_forced_extended_on_a_short_chip_is_an_error() -> None:
    s = bac_session(chip(extended_length=False), block_size=4096, extended_length=True)
    with pytest.raises(SecureMessagingError, match="6700"):  # answered plain: the chip never unwrapped it
        s.read_file("DG2")
