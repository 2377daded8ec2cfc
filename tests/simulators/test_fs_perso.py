"""File system, perso command set and life cycle of the simulated chip (simulators/PERSO.md)."""

from __future__ import annotations

import pytest

from cardkit import tlv
from cardkit.iso7816 import CommandApdu
from simulators.emrtd import EmrtdChip

from .helpers import BIG, COM, DG1, VN_CARD_ACCESS, Terminal, perso_commands


def _sw(out: bytes) -> int:
    return int.from_bytes(out[-2:], "big")


@pytest.fixture
def blank() -> EmrtdChip:
    chip = EmrtdChip()
    chip.power_on()
    return chip


def _perso(chip: EmrtdChip, files: dict[int, bytes], **kw) -> None:
    for apdu in perso_commands(files, **kw):
        out = chip.process_apdu(apdu)
        assert out == b"\x90\x00", (apdu.hex(), out.hex())


def test_perso_sequence_then_lock_then_refused(blank):
    files = {0x011C: VN_CARD_ACCESS, 0x011E: COM, 0x0101: DG1}
    _perso(blank, files)
    assert blank.life_cycle == "PERSONALISATION"
    # before lock the files read back in plain
    t = Terminal(blank)
    assert t.read_file(0x0101) == DG1
    assert blank.process_apdu(bytes.fromhex("00DADEAD")) == b"\x90\x00"
    assert blank.life_cycle == "OPERATIONAL"
    # every perso command now answers 6985
    for apdu in ("00E00000066304000A0105", "00A4040C07A0000002471001", "00D600000101", "00DA006206620404024142", "00DADEAD"):
        out = blank.process_apdu(bytes.fromhex(apdu))
        if apdu.startswith("00A4"):
            assert out == b"\x90\x00"
        else:
            assert _sw(out) == 0x6985, apdu


def test_lock_refused_without_mrz_key(blank):
    blank.process_apdu(bytes.fromhex("00A4040C07A0000002471001"))
    assert _sw(blank.process_apdu(bytes.fromhex("00DADEAD"))) == 0x6985
    assert blank.life_cycle == "PERSONALISATION"


def test_perso_needs_application_selected(blank):
    assert _sw(blank.process_apdu(bytes.fromhex("00E00000066304000A0105"))) == 0x6985


def test_create_file_errors(blank):
    t = Terminal(blank)
    t.select_app()
    assert t.raw("00E00000066304000A0105") == b"\x90\x00"
    assert _sw(t.raw("00E00000066304000A0105")) == 0x6A89  # exists
    assert _sw(t.raw("00E0000005630400050106")) == 0x6700  # wrong length
    assert _sw(t.raw("00E00000066204000A0106")) == 0x6A80  # not the 63 04 form
    assert _sw(t.raw("00E000000663040000 0106".replace(" ", ""))) == 0x6A80  # size 0
    assert _sw(t.raw("00E00100066304000A0106")) == 0x6A86


def test_update_binary_bounds_and_d7(blank):
    t = Terminal(blank)
    t.select_app()
    t.raw("00E00000066304000A0105")  # 10 bytes, now current
    assert t.raw("00D6000805AABBCCDDEE")[-2:] == b"\x6a\x84"  # past the end
    assert t.raw("00D6000B01AA")[-2:] == b"\x6b\x00"  # offset outside
    assert t.raw("00D6000002AABB") == b"\x90\x00"
    # odd INS: 54 offset, 53 data
    assert t.raw("00D700000754010853020102") == b"\x90\x00"
    r = t.send(CommandApdu(0x00, 0xB0, 0x00, 0x00, le=10))
    assert r.data == bytes.fromhex("AABB0000000000000102") and r.sw == 0x9000
    # no current EF after selecting the application
    t.select_app()
    assert _sw(t.raw("00D6000001AA")) == 0x6986


def test_put_data_formats(blank):
    t = Terminal(blank)
    t.select_app()
    assert _sw(t.raw("00DA00990100")) == 0x6A86  # unknown P1-P2
    assert _sw(t.raw("00DA006203040141")) == 0x6A80  # 62 with one member only
    assert _sw(t.raw("00DA0065046605010102")) == 0x6A80  # not 66 { ref secret }: bad length
    assert _sw(t.raw("00DA00650566030931 32".replace(" ", ""))) == 0x6A80  # unknown reference 09
    assert t.raw("00DA00650766050231323334") == b"\x90\x00"  # bare 66 accepted (no 65 container)
    assert blank.secrets.pace_secrets[2] == b"1234"
    assert "1234" not in repr(blank.secrets) and "1234" not in repr(blank)


def test_jmrtd_rsa_aa_key_halves_joined_with_dg15_exponent(blank):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(3, 1024)
    nums = key.private_numbers()
    spki = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    dg15 = tlv.encode(0x6F, spki)
    _perso(blank, {0x010F: dg15})
    mod = tlv.encode(0x60, tlv.encode(0x04, b"\x00" + nums.public_numbers.n.to_bytes(128, "big")))
    exp = tlv.encode(0x61, tlv.encode(0x04, nums.d.to_bytes(128, "big")))
    assert blank.process_apdu(bytes([0, 0xDA, 0, 0x60, len(mod)]) + mod) == b"\x90\x00"
    assert blank.process_apdu(bytes([0, 0xDA, 0, 0x61, len(exp)]) + exp) == b"\x90\x00"
    assert blank.process_apdu(bytes.fromhex("00DADEAD")) == b"\x90\x00"
    assert blank.secrets.aa_private_key.private_numbers() == nums


def test_pkcs8_keys_and_extended_and_chained_put_data(blank):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    t = Terminal(blank)
    t.select_app()
    aa = rsa.generate_private_key(65537, 2048)
    der = aa.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    body = tlv.encode(0x68, tlv.encode(0x04, der))
    assert blank.process_apdu(CommandApdu(0, 0xDA, 0, 0x68, body).to_bytes()) == b"\x90\x00"  # extended Lc
    assert blank.secrets.aa_private_key.private_numbers() == aa.private_numbers()
    ca = ec.generate_private_key(ec.BrainpoolP256R1())
    der = ca.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    body = tlv.encode(0x6A, tlv.encode(0x02, b"\x07") + tlv.encode(0x04, der))
    # ISO command chaining: CLA 10 for all parts but the last
    first, rest = body[:100], body[100:]
    assert blank.process_apdu(CommandApdu(0x10, 0xDA, 0, 0x6A, first).to_bytes()) == b"\x90\x00"
    assert blank.process_apdu(CommandApdu(0x00, 0xDA, 0, 0x6A, rest).to_bytes()) == b"\x90\x00"
    (kid, key), = blank.secrets.ca_keys
    assert kid == 7 and key.private_numbers() == ca.private_numbers()


def test_jmrtd_ec_key_matched_to_named_curve(blank):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    g = ec.derive_private_key(1, ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    p = 2**256 - 2**224 + 2**192 + 2**96 - 1
    data = (tlv.encode(0x81, p.to_bytes(32, "big")) + tlv.encode(0x82, (p - 3).to_bytes(32, "big"))
            + tlv.encode(0x83, b"\x5a" * 32) + tlv.encode(0x84, g) + tlv.encode(0x85, b"\xff" * 32)
            + tlv.encode(0x86, key.private_numbers().private_value.to_bytes(32, "big")) + tlv.encode(0x87, b"\x00\x01"))
    t = Terminal(blank)
    t.select_app()
    assert blank.process_apdu(bytes([0, 0xDA, 0, 0x63, len(data)]) + data) == b"\x90\x00"
    (kid, k), = blank.secrets.ca_keys
    assert kid is None and k.private_numbers() == key.private_numbers()
    bad = data.replace(g, b"\x04" + b"\x01" * 64)
    assert _sw(blank.process_apdu(bytes([0, 0xDA, 0, 0x63, len(bad)]) + bad)) == 0x6A80


def test_select_rules(blank):
    files = {0x011C: VN_CARD_ACCESS, 0x011E: COM}
    _perso(blank, files)
    blank.process_apdu(bytes.fromhex("00DADEAD"))
    blank.power_on()
    t = Terminal(blank)
    assert _sw(t.raw("00A4000C023F00")) == 0x6D00  # VN behaviour: SELECT MF refused
    assert _sw(t.raw("00A4020C02011C")) == 0x9000  # EF.CardAccess from the MF
    assert _sw(t.raw("00A4020C02011E")) == 0x6A82  # EF.COM is in the application
    assert _sw(t.raw("00A4020C022F00")) == 0x6A82  # EF.DIR probed by readers: missing
    assert _sw(t.raw("00A4020C022F01")) == 0x6A82
    assert _sw(t.raw("00A4040C07A0000002471002")) == 0x6A82  # another AID
    assert _sw(t.raw("00A4040C07A0000002471001")) == 0x9000
    assert _sw(t.raw("00A4020C02011E")) == 0x9000
    assert _sw(t.raw("00A4020C020199")) == 0x6A82
    assert _sw(t.raw("00A4080C02011E")) == 0x6A86
    # FCP when asked (P2 00 with Le)
    out = t.raw("00A4020002011E00")
    assert _sw(out) == 0x9000 and tlv.decode(out[:-2]).child(0x80).value == len(COM).to_bytes(2, "big")


def test_select_mf_supported_option():
    chip = EmrtdChip(select_mf_supported=True)
    chip.power_on()
    assert chip.process_apdu(bytes.fromhex("00A4000C023F00")) == b"\x90\x00"


def test_reads_short_extended_sfi_and_odd_ins(blank):
    dg2 = tlv.encode(0x75, BIG)
    _perso(blank, {0x0102: dg2, 0x011C: VN_CARD_ACCESS})
    t = Terminal(blank)
    t.select_app()
    t.select(0x0102)
    # short Le 00 = 256
    r = t.send(CommandApdu(0, 0xB0, 0, 0, le=256))
    assert r.sw == 0x9000 and r.data == dg2[:256]
    # extended Le
    r = t.send(CommandApdu(0, 0xB0, 0, 0x10, le=4000, extended=True))
    assert r.sw == 0x9000 and r.data == dg2[16:4016]
    # SFI read (P1 = 80 | SFI, P2 = offset) makes the file current
    t.select(0x011C)
    r = t.send(CommandApdu(0, 0xB0, 0x82, 0x05, le=8))
    assert r.data == dg2[5:13]
    r = t.send(CommandApdu(0, 0xB0, 0x00, 0x00, le=4))
    assert r.data == dg2[:4]
    # odd INS past 32 767: 54 offset -> 53 data, all within Le
    off = 40000
    r = t.send(CommandApdu(0, 0xB1, 0, 0, tlv.encode(0x54, off.to_bytes(3, "big")), le=0xDF))
    do53 = tlv.decode(r.data)
    assert do53.tag == 0x53 and len(r.data) <= 0xDF and do53.value == dg2[off : off + do53.length]
    # odd INS with the SFI in P2
    r = t.send(CommandApdu(0, 0xB1, 0, 0x02, tlv.encode(0x54, b"\x01"), le=20))
    assert tlv.decode(r.data).value == dg2[1 : 1 + tlv.decode(r.data).length]
    # whole file the ICAO way
    assert t.read_file(0x0102) == dg2
    # offset at/after the end, end of file before Le
    end = len(dg2)
    r = t.send(CommandApdu(0, 0xB1, 0, 0, tlv.encode(0x54, end.to_bytes(3, "big")), le=16))
    assert r.sw == 0x6B00
    r = t.send(CommandApdu(0, 0xB1, 0, 0, tlv.encode(0x54, (end - 2).to_bytes(3, "big")), le=16))
    assert r.sw == 0x6282 and tlv.decode(r.data).value == dg2[-2:]
    t.select(0x011C)
    r = t.send(CommandApdu(0, 0xB0, 0, len(VN_CARD_ACCESS) - 3, le=10))
    assert r.sw == 0x6282 and r.data == VN_CARD_ACCESS[-3:]
    r = t.send(CommandApdu(0, 0xB0, 0, len(VN_CARD_ACCESS), le=1))
    assert r.sw == 0x6B00
    assert t.send(CommandApdu(0, 0xB0, 0x9F, 0, le=1)).sw == 0x6A86  # SFI 31
    assert t.send(CommandApdu(0, 0xB0, 0x85, 0, le=1)).sw == 0x6A82  # SFI of a missing file
    assert t.send(CommandApdu(0, 0xB0, 0, 0)).sw == 0x6700  # no Le


def test_short_only_chip_refuses_extended():
    chip = EmrtdChip(extended_length=False)
    chip.power_on()
    assert chip.atr[-2] == 0x80  # card capabilities byte 3: no extended length
    assert EmrtdChip().atr[-2] == 0xC0
    chip.process_apdu(bytes.fromhex("00A4040C07A0000002471001"))
    assert _sw(chip.process_apdu(CommandApdu(0, 0xB0, 0, 0, le=300).to_bytes())) == 0x6700


def test_atr_is_well_formed():
    atr = EmrtdChip().atr
    assert atr[0] == 0x3B and atr[1] & 0x0F == len(atr) - 5  # TS T0 TD1 TD2 hist TCK
    x = 0
    for b in atr[1:]:
        x ^= b
    assert x == 0  # TCK makes the XOR of T0..TCK zero
    assert atr[4:6] == b"\x80\x73"  # category 80, card capabilities (tag 7, length 3)


def test_perso_md_examples_are_accepted(blank):
    """The byte strings printed in simulators/PERSO.md are the ones the chip accepts."""
    from pathlib import Path

    doc = (Path(__file__).parents[2] / "simulators" / "PERSO.md").read_text()
    examples = [
        "00 A4 04 0C 07 A0 00 00 02 47 10 01",
        "00 DA 00 62 1C 62 1A 04 08 4C 38 39 38 39 30 32 43 04 06 36 39 30 38 30 36 04 06 39 34 30 36 32 33",
        "00 DA 00 65 0B 65 09 66 07 02 31 32 33 34 35 36",
        "00 DA DE AD",
    ]
    for ex in examples:
        assert ex in doc, ex
        assert blank.process_apdu(bytes.fromhex(ex.replace(" ", ""))) == b"\x90\x00", ex
    from simulators._perso import mrz_key

    assert blank.secrets.mrz_key == mrz_key("L898902C", "690806", "940623")
    assert blank.secrets.pace_secrets == {2: b"123456"}
    assert blank.life_cycle == "OPERATIONAL"


def test_put_data_chain_must_keep_its_p1p2(blank):
    t = Terminal(blank)
    t.select_app()
    assert t.raw("10DA006A0102") == b"\x90\x00"
    assert _sw(t.raw("00DA006801AA")) == 0x6A86  # another data object in the middle of a chain
    assert blank.volatile.chain is None
    assert t.raw("10DA006A0102") == b"\x90\x00"
    assert t.raw("00A4040C07A0000002471001") == b"\x90\x00"  # any other command breaks the chain
    assert blank.volatile.chain is None
