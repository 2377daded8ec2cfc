"""BAC, PACE, CA and AA: the chip against cardkit.crypto's terminal state machines, in memory."""

from __future__ import annotations

import pytest

from cardkit import tlv
from cardkit.crypto.bac import Bac
from cardkit.crypto.pace import Pace, Password
from cardkit.crypto.sm import SecureMessaging
from cardkit.errors import AuthenticationError, StatusWordError
from cardkit.iso7816 import CommandApdu
from cardkit.lds import CardAccess, PaceInfo
from simulators.emrtd import EmrtdChip

from .helpers import CAN, COM, DG1, DOB, DOC, DOE, MRZ_INFO, Terminal, locked_chip, sample_files


def _seq_rng(*chunks: str):
    """An rng that hands out the given hex values, each exactly when asked for its length."""
    queue = [bytes.fromhex(c) for c in chunks]

    def rng(n: int) -> bytes:
        v = queue.pop(0)
        assert len(v) == n, (len(v), n)
        return v

    return rng


def test_bac_and_sm_reproduce_doc9303_appendix_d():
    chip = EmrtdChip.personalised({"EF.COM": COM, "DG1": DG1}, document_number=DOC, date_of_birth=DOB,
                                  date_of_expiry=DOE, rng=_seq_rng("4608F91988702212", "0B4F80323EB3191CB04970CB4052790B"))
    chip.power_on()
    t = Terminal(chip)
    assert t.raw("00A4040C07A0000002471001") == b"\x90\x00"
    assert t.raw("0084000008").hex().upper() == "4608F919887022129000"
    out = t.raw("008200002872C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F25F1448EEA8AD90A728")
    assert out.hex().upper() == ("46B9342A41396CD7386BF5803104D7CEDC122B9132139BAF2EEDC94EE178534F"
                                 "2F2D235D074D74499000")
    # D.4: SELECT EF.COM, READ BINARY 4, READ BINARY 18 from 4 -- byte for byte
    assert t.raw("0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800").hex().upper() == \
        "990290008E08FA855A5D4C50A8ED9000"
    assert t.raw("0CB000000D9701048E08ED6705417E96BA5500").hex().upper() == \
        "8709019FF0EC34F9922651990290008E08AD55CC17140B2DED9000"
    assert t.raw("0CB000040D9701128E082EA28A70F3C7B53500").hex().upper() == \
        "871901FB9235F4E4037F2327DCC8964F1F9B8C30F42C8E2FFF224A990290008E08C8B2787EAEA07D749000"


def test_access_control_before_and_after_bac():
    chip = locked_chip()
    t = Terminal(chip)
    # EF.CardAccess in the MF is readable before anything else
    assert t.read_file(0x011C) == sample_files()["EF.CardAccess"]
    t.select_app()
    assert t.select(0x0101).sw == 0x9000
    assert t.send(CommandApdu(0, 0xB0, 0, 0, le=4)).sw == 0x6982
    assert t.send(CommandApdu(0, 0xB0, 0x81, 0, le=4)).sw == 0x6982  # by SFI too
    assert t.send(CommandApdu(0, 0x88, 0, 0, b"12345678", le=256)).sw in (0x6982, 0x6D00)
    t.sm = SecureMessaging(t.run(Bac(MRZ_INFO)))
    assert t.read_file(0x0101) == DG1
    assert t.read_file(0x011E) == COM
    assert t.read_file(0x0102) == sample_files()["DG2"]  # 40 KB: B1 past 32 767, under SM
    # DG3 is EAC-protected: 6982 under SM, answered inside the session (outer SW = DO99)
    assert t.select(0x0103).sw == 0x9000
    r = t.send(CommandApdu(0, 0xB0, 0, 0, le=4))
    assert r.sw == 0x6982
    assert t.select(0x0101).sw == 0x9000  # the session survived
    # a plain command ends the session; the chip is unauthenticated again
    t.sm = None
    assert t.send(CommandApdu(0, 0xB0, 0x81, 0, le=4)).sw == 0x6982
    assert chip.internal_errors == 0


def test_bac_wrong_mrz_is_refused():
    chip = locked_chip()
    t = Terminal(chip)
    t.select_app()
    with pytest.raises(AuthenticationError):
        t.run(Bac("L898902C<369080619406244"))
    # external authenticate without a fresh challenge
    assert t.raw("0082000028" + "00" * 40 + "28")[-2:] == b"\x69\x85"


def test_sm_wrong_mac_from_terminal_ends_session():
    chip = locked_chip()
    t = Terminal(chip)
    t.select_app()
    keys = t.run(Bac(MRZ_INFO))
    t.sm = SecureMessaging(keys)
    wrapped = bytearray(t.sm.wrap(CommandApdu(0, 0xA4, 2, 0x0C, b"\x01\x01")).to_bytes())
    wrapped[-2] ^= 1  # inside DO8E
    assert chip.process_apdu(bytes(wrapped)) == b"\x69\x88"
    assert chip.volatile.sm is None
    assert chip.process_apdu(bytes.fromhex("0CB0000004")) == b"\x68\x82"


def _pace_chip(infos, **kw) -> EmrtdChip:
    files = sample_files()
    files["EF.CardAccess"] = CardAccess.build(infos).to_bytes()
    chip = EmrtdChip.personalised(files, document_number=DOC, date_of_birth=DOB, date_of_expiry=DOE, can=CAN, **kw)
    chip.power_on()
    return chip


PACE_CASES = [
    ("0.4.0.127.0.7.2.2.4.2.2", 13, "CAN"),  # ECDH-GM AES-128 brainpoolP256r1 (VN)
    ("0.4.0.127.0.7.2.2.4.2.2", 13, "MRZ"),
    ("0.4.0.127.0.7.2.2.4.2.1", 12, "MRZ"),  # ECDH-GM 3DES secp256r1
    ("0.4.0.127.0.7.2.2.4.2.3", 15, "CAN"),  # ECDH-GM AES-192 secp384r1
    ("0.4.0.127.0.7.2.2.4.2.4", 9, "CAN"),  # ECDH-GM AES-256 brainpoolP192r1 (no cryptography curve)
    ("0.4.0.127.0.7.2.2.4.4.2", 13, "CAN"),  # ECDH-IM AES-128
    ("0.4.0.127.0.7.2.2.4.4.1", 8, "MRZ"),  # ECDH-IM 3DES secp192r1
    ("0.4.0.127.0.7.2.2.4.1.1", 0, "MRZ"),  # DH-GM 3DES 1024/160
    ("0.4.0.127.0.7.2.2.4.1.4", 2, "CAN"),  # DH-GM AES-256 2048/256
    ("0.4.0.127.0.7.2.2.4.3.2", 0, "CAN"),  # DH-IM AES-128
    ("0.4.0.127.0.7.2.2.4.3.1", 1, "MRZ"),  # DH-IM 3DES 2048/224
    ("0.4.0.127.0.7.2.2.4.1.3", 0, "CAN"),  # DH-GM AES-192
    ("0.4.0.127.0.7.2.2.4.2.4", 17, "MRZ"),  # ECDH-GM AES-256 brainpoolP512r1
    ("0.4.0.127.0.7.2.2.4.4.3", 16, "CAN"),  # ECDH-IM AES-192 brainpoolP384r1
    ("0.4.0.127.0.7.2.2.4.4.4", 18, "CAN"),  # ECDH-IM AES-256 secp521r1
    ("0.4.0.127.0.7.2.2.4.2.2", 14, "CAN"),  # ECDH-GM AES-128 brainpoolP320r1 (no cryptography curve)
]


@pytest.mark.parametrize("oid, pid, kind", PACE_CASES)
def test_pace_variants_then_read(oid, pid, kind):
    info = PaceInfo(oid, 2, pid)
    chip = _pace_chip([info, PaceInfo("0.4.0.127.0.7.2.2.4.2.2", 2, 13)] if pid != 13 else [info])
    # DH-2048 GA answers are longer than 256 bytes: the extended command must ask Le 0000 for them
    t = Terminal(chip, full_le=pid in (1, 2))
    password = Password.can(CAN) if kind == "CAN" else Password.mrz(MRZ_INFO)
    result = t.run(Pace(password, info))
    t.sm = SecureMessaging(result.keys)
    assert chip.volatile.access == "PACE"
    t.select_app()
    assert t.read_file(0x0101) == DG1
    assert chip.internal_errors == 0


def test_pace_reproduces_doc9303_appendix_g1():
    info = PaceInfo("0.4.0.127.0.7.2.2.4.2.2", 2, 13)
    chip = _pace_chip([info], rng=_seq_rng(
        "3F00C4D39D153F2B2A214A078D899B22",
        "498FF49756F2DC1587840041839A85982BE7761D14715FB091EFA7BCE9058560",
        "107CF58696EF6155053340FD633392BA81909DF7B9706F226F32086C7AFF974A"))
    # the G.1 password is another document's MRZ
    from simulators._perso import mrz_key

    chip.secrets.mrz_key = mrz_key("T22000129", "640812", "101031")
    t = Terminal(chip)
    seen: list[tuple[str, str]] = []
    real_send = t.send

    def send(cmd):
        r = real_send(cmd)
        seen.append((cmd.to_bytes().hex().upper(), r.to_bytes().hex().upper()))
        return r

    t.send = send
    term = Pace(Password.mrz("T22000129364081251010318"), info, rng=_seq_rng(
        "7F4EF07B9EA82FD78AD689B38D0BC78CF21F249D953BC46F4C6E19259C010F99",
        "A73FB703AC1436A18E0CFA5ABB3F7BEC7A070E7A6788486BEE230C4A22762595"))
    t.run(term)
    assert seen[0] == ("0022C1A412800A04007F0007020204020283010184010D", "9000")
    assert seen[1][1] == "7C12801095A3A016522EE98D01E76CB6B98B42C39000"
    assert seen[2][1] == ("7C43824104824FBA91C9CBE26BEF53A0EBE7342A3BF178CEA9F45DE0B70AA601651FBA3F57"
                          "30D8C879AAA9C9F73991E61B58F4D52EB87A0A0C709A49DC63719363CCD13C549000")
    assert seen[3][1] == ("7C438441049E880F842905B8B3181F7AF7CAA9F0EFB743847F44A306D2D28C1D9EC65DF6DB"
                          "7764B22277A2EDDC3C265A9F018F9CB852E111B768B326904B59A0193776F0949000")
    assert seen[4] == ("008600000C7C0A8508C2B0BD78D94BA86600", "7C0A86083ABB9674BCE93C089000")


def test_pace_wrong_can_answers_6300():
    info = PaceInfo("0.4.0.127.0.7.2.2.4.2.2", 2, 13)
    chip = _pace_chip([info])
    t = Terminal(chip)
    with pytest.raises((AuthenticationError, StatusWordError)):
        t.run(Pace(Password.can("654321"), info))
    assert chip.volatile.sm is None


def test_pace_refusals():
    info = PaceInfo("0.4.0.127.0.7.2.2.4.2.2", 2, 13)
    chip = _pace_chip([info])
    t = Terminal(chip)
    # not offered in EF.CardAccess
    other = Pace(Password.can(CAN), PaceInfo("0.4.0.127.0.7.2.2.4.2.2", 2, 12))
    assert t.send(other.start()).sw == 0x6A80
    # a chip without a CAN
    chip.secrets.pace_secrets.clear()
    assert t.send(Pace(Password.can(CAN), info).start()).sw == 0x6A88
    # GA without MSE
    assert t.raw("10860000027C0000")[-2:] == b"\x69\x85"
    # malformed MSE data
    assert t.raw("0022C1A40380010A")[-2:] == b"\x6a\x80"


def test_pace_dh2048_answer_longer_than_256_needs_extended_le():
    """A 264-byte GA 2 answer does not fit Le 256: the terminal asks Le 0000 and the chip answers in full."""
    info = PaceInfo("0.4.0.127.0.7.2.2.4.1.2", 2, 2)
    chip = _pace_chip([info])
    t = Terminal(chip)
    result = t.run(Pace(Password.can(CAN), info))
    assert result.keys.cipher == "AES-128"
    # the same GA 2 with an extended Le of exactly 256 is refused with 6700, as a real chip does
    chip2 = _pace_chip([info])
    t2 = Terminal(chip2)
    p = Pace(Password.can(CAN), info)
    cmd = p.start()
    while len(cmd.data) <= 255:  # up to GA 2, the first message carrying a 2048-bit value
        cmd = p.receive(t2.send(cmd))
    r = t2.send(CommandApdu(cmd.cla, cmd.ins, cmd.p1, cmd.p2, cmd.data, le=256, extended=True))
    assert r.sw == 0x6700


def test_pace_aes_reads_past_32k_and_short_le_limit():
    info = PaceInfo("0.4.0.127.0.7.2.2.4.2.2", 2, 13)
    chip = _pace_chip([info])
    t = Terminal(chip)
    t.sm = SecureMessaging(t.run(Pace(Password.can(CAN), info)).keys)
    t.select_app()
    assert t.read_file(0x0102) == sample_files()["DG2"]  # B1 answers in DO85 under AES
    # 226 bytes of DO53 pad to 240: with DO85, DO99, DO8E that is 257 bytes, one more than short Le allows
    off = tlv.encode(0x54, (40000).to_bytes(3, "big"))
    r = t.send(CommandApdu(0, 0xB1, 0, 0, off, le=226))
    assert r.sw == 0x6700
    r = t.send(CommandApdu(0, 0xB1, 0, 0, off, le=226, extended=True))
    assert r.sw == 0x9000 and len(r.data) == 226
