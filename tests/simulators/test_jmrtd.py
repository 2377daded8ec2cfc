"""The ``jmrtd`` personality answers as the JMRTD passport applet did on a Java Card (issue 13's table).

Every APDU here is written by hand from simulators/PERSO.md ("The jmrtd personality"), not built by
cardkit's perso planner, and sent at the plain APDU level. Each table row is run against both
personalities, so the default chip is shown unchanged next to the applet's answer.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from cardkit import tlv
from cardkit.card import AccessKey, PcscTransport, Session, SimulatorTransport
from cardkit.card.atr import extended_length_supported
from cardkit.crypto.bac import Bac
from cardkit.iso7816 import ResponseApdu
from cardkit.lds.dg15 import Dg15
from simulators.emrtd import EmrtdChip
from tests.support.pcsc import interrupt, pcsc_stack  # noqa: F401  (fixture)

from .helpers import COM, DOB, DOE, MRZ_INFO, Terminal

REPO = Path(__file__).resolve().parents[2]
SELECT_AID = "00A4040C07A0000002471001"
LOCK = "00DADEAD"
TD3 = ("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<"
       "L898902C<3UTO6908061F9406236ZE184226B<<<<<10")
DG1 = tlv.encode(0x61, tlv.encode(0x5F1F, TD3.encode()))
DG2 = tlv.encode(0x75, bytes((i * 7 + 3) & 0xFF for i in range(3000)))  # several short blocks


def h(s: str) -> bytes:
    return bytes.fromhex(s.replace(" ", ""))


def short(cla_ins_p1p2: str, data: bytes) -> bytes:
    """A short command APDU with Lc (no Le)."""
    assert len(data) <= 255
    return h(cla_ins_p1p2) + bytes([len(data)]) + data


def sw(out: bytes) -> str:
    return out[-2:].hex().upper()


def run(chip: EmrtdChip, *apdus: str | bytes) -> list[str]:
    return [sw(chip.process_apdu(h(a) if isinstance(a, str) else a)) for a in apdus]


@pytest.fixture(scope="module")
def aa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(65537, 1024)


def blank(personality: str = "jmrtd") -> EmrtdChip:
    chip = EmrtdChip(personality=personality)
    chip.power_on()
    return chip


def mrz_put(doc: str, dob: str = DOB, doe: str = DOE) -> bytes:
    body = tlv.encode(0x04, doc.encode()) + tlv.encode(0x04, dob.encode()) + tlv.encode(0x04, doe.encode())
    return short("00DA0062", tlv.encode(0x62, body))


def rsa_halves(key: rsa.RSAPrivateKey) -> tuple[bytes, bytes]:
    """PUT DATA 60 and 61 in the applet's form: outer length 00, then 04 81 80 <128 bytes>."""
    n = key.private_numbers().public_numbers.n.to_bytes(128, "big")
    d = key.private_numbers().d.to_bytes(128, "big")
    return (short("00DA0060", h("60 00 04 81 80") + n), short("00DA0061", h("61 00 04 81 80") + d))


def applet_perso(files: dict[int, bytes], doc: str, aa: rsa.RSAPrivateKey | None, dob: str = DOB,
                 doe: str = DOE) -> list[bytes]:
    """The applet's sequence: CREATE, SELECT, short UPDATEs per file; 62 with the '<'-padded number; 60/61; lock."""
    cmds = [h(SELECT_AID)]
    for fid, content in files.items():
        cmds.append(short("00E00000", h("6304") + len(content).to_bytes(2, "big") + fid.to_bytes(2, "big")))
        cmds.append(short("00A4020C", fid.to_bytes(2, "big")))
        for off in range(0, len(content), 0xDF):
            cmds.append(short(f"00D6{off:04X}", content[off : off + 0xDF]))
    cmds.append(mrz_put(doc, dob, doe))
    if aa is not None:
        cmds.extend(rsa_halves(aa))
    cmds.append(h(LOCK))
    return cmds


def card_files(aa: rsa.RSAPrivateKey) -> dict[int, bytes]:
    return {0x011E: COM, 0x0101: DG1, 0x0102: DG2, 0x010F: Dg15.build(aa.public_key()).to_bytes()}


# --- the table, row by row: the same APDUs to both personalities --------------------------------

PREFIX = [SELECT_AID]
ROWS = {
    # CREATE FILE does not make the new EF current; after a SELECT the UPDATE works
    "create-then-update": (PREFIX + ["00E00000066304001001 01", "00D6000002AABB", "00A4020C020101", "00D6000002AABB"],
                           ["9000", "9000", "9000", "9000", "9000"], ["9000", "9000", "6985", "9000", "9000"]),
    # CREATE of an existing file (same size): 9000 on the applet, 6A89 on the default chip; larger: 6A84
    "create-existing": (PREFIX + ["00E0000006630400100101", "00E0000006630400100101", "00E0000006630400200101"],
                        ["9000", "9000", "6A89", "6A89"], ["9000", "9000", "9000", "6A84"]),
    # UPDATE past the end: offset inside with data past the end, and an offset past the end
    "update-past-end": (PREFIX + ["00E0000006630400100101", "00A4020C020101", "00D6000F02AABB", "00D6001101AA"],
                        ["9000", "9000", "9000", "6A84", "6B00"], ["9000", "9000", "9000", "6A84", "6A84"]),
    "select-mf": (PREFIX + ["00A4000C023F00"], ["9000", "6D00"], ["9000", "6A82"]),
    # no EF.CardAccess on the applet (the default chip has none either until one is written)
    "select-card-access": (PREFIX + ["00A4020C02011C"], ["9000", "6A82"], ["9000", "6A82"]),
    # PUT DATA of the CA key (6A), the PACE secrets (65) and the PKCS#8 AA key (68)
    "ca-key": (PREFIX + ["00DA006A0A6A08020101040330 0100"], ["9000", "6A80"], ["9000", "6A86"]),
    "pace-can": (PREFIX + ["00DA00650B6509660702313233343536"], ["9000", "9000"], ["9000", "6A86"]),
    "aa-pkcs8": (PREFIX + ["00DA0068076805040330 0100"], ["9000", "6A80"], ["9000", "6A86"]),
}


@pytest.mark.parametrize("row", sorted(ROWS))
@pytest.mark.parametrize("personality", ["default", "jmrtd"])
def test_table_row(row: str, personality: str) -> None:
    apdus, default_sws, jmrtd_sws = ROWS[row]
    assert run(blank(personality), *apdus) == (default_sws if personality == "default" else jmrtd_sws)


def test_create_leaves_the_previous_selection_current() -> None:
    # the applet never touches the selection on CREATE: an UPDATE after it writes the EF selected before
    chip = blank()
    assert run(chip, SELECT_AID, "00E0000006630400040101", "00A4020C020101", "00E0000006630400040102",
               "00D6000002AABB") == ["9000"] * 5
    assert chip.files[0x0101] == bytearray(h("AABB0000")) and chip.files[0x0102] == bytearray(4)


def test_create_again_resizes_within_the_first_allocation() -> None:
    chip = blank()
    assert run(chip, SELECT_AID, "00E0000006630400080101", "00A4020C020101",
               "00D6000008 1122334455667788") == ["9000"] * 4
    # smaller: the EF shrinks (writing past its new end fails); back to the first size: the bytes are still there
    assert run(chip, "00E0000006630400040101", "00D6000401AA") == ["9000", "6A84"]
    assert chip.files[0x0101] == bytearray(h("11223344"))
    assert run(chip, "00E0000006630400080101", "00E0000006630400090101") == ["9000", "6A84"]
    assert chip.files[0x0101] == bytearray(h("1122334455667788"))


def test_create_only_the_applets_file_slots() -> None:
    # the applet's file system has DG1-DG15, EF.CVCA (011C), EF.SOD and EF.COM, sizes up to 7FFF
    chip = blank()
    assert run(chip, SELECT_AID, "00E0000006630400100110", "00E0000006630480000101", "00E0000006630400100105",
               "00E0000006630400100101") == ["9000", "6F00", "6F00", "9000", "9000"]


def test_rsa_aa_key_halves() -> None:
    n = bytes([0xC5]) + bytes(127)
    perso_md_form = short("00DA0060", h("60 81 83 04 81 80") + n)
    applet_form = short("00DA0060", h("60 00 04 81 80") + n)
    with_sign_byte = short("00DA0061", h("61 00 04 81 81 00") + n)
    rsa_1536 = short("00DA0060", h("60 00 04 81 C0") + bytes([0xC5]) + bytes(191))
    chip = blank()
    assert run(chip, SELECT_AID, perso_md_form, applet_form, with_sign_byte, rsa_1536) == [
        "9000", "6F00", "9000", "9000", "6F00"]
    # an RSA-2048 modulus does not fit a short APDU; an extended one is refused
    ext = h("00DA0060 00 0107") + h("60 00 04 82 01 00") + bytes([0xC5]) + bytes(255)
    assert run(chip, ext) == ["6700"]


def test_put_data_default_takes_both_forms() -> None:
    # the default chip keeps PERSO.md's 60/61 form and also takes the applet's (one perso plan for both chips)
    n = bytes([0xC5]) + bytes(127)
    chip = blank("default")
    assert run(chip, SELECT_AID, short("00DA0060", h("60 81 83 04 81 80") + n),
               short("00DA0060", h("60 00 04 81 80") + n), short("00DA0060", h("60 00 05 81 80") + n)) == [
        "9000", "9000", "9000", "6A80"]


def test_ec_key_tag_63_refused() -> None:
    # the applet's 63 carries a binary-field polynomial in 81; a prime-curve CA key cannot be loaded
    chip = blank()
    assert run(chip, SELECT_AID, "00DA0063 06 8101FF 860101") == ["9000", "6A80"]
    assert chip.secrets.ca_keys == []


def test_short_apdus_only(aa_key) -> None:
    chip = EmrtdChip(personality="jmrtd")
    atr = chip.power_on()
    assert extended_length_supported(atr) is False
    assert run(chip, "00A4040C 00 0007 A0000002471001", SELECT_AID,
               "00E0000006630400100101", "00A4020C020101", "00D60000 00 0002 AABB") == [
        "6700", "9000", "9000", "9000", "6700"]
    with pytest.raises(ValueError, match="short APDUs only"):
        EmrtdChip(personality="jmrtd", extended_length=True)
    assert extended_length_supported(EmrtdChip().power_on()) is True  # the default chip still says yes


def test_document_number_exactly_as_sent(aa_key) -> None:
    # an 8-character number without '<' filler: perso accepts it, BAC as 9303 pads it then fails (6982)
    for doc, expected in (("L898902C", "6982"), ("L898902C<", "9000")):
        chip = blank()
        assert set(run(chip, *applet_perso({0x0101: DG1}, doc, None))) == {"9000"}
        chip.power_on()
        bac = Bac(MRZ_INFO)
        assert run(chip, SELECT_AID) == ["9000"]
        challenge = ResponseApdu.from_bytes(chip.process_apdu(bac.start().to_bytes()))
        assert challenge.sw == 0x9000
        answer = chip.process_apdu(bac.receive(challenge).to_bytes())
        assert sw(answer) == expected, doc


def test_default_chip_pads_the_document_number() -> None:
    chip = blank("default")
    assert set(run(chip, SELECT_AID, mrz_put("L898902C"), LOCK)) == {"9000"}
    chip.power_on()
    t = Terminal(chip)
    assert t.select_app().sw == 0x9000
    t.run(Bac(MRZ_INFO))  # raises if the chip's key differs


def test_after_the_lock(aa_key) -> None:
    chip = blank()
    assert set(run(chip, *applet_perso(card_files(aa_key), "L898902C<", aa_key))) == {"9000"}
    assert chip.life_cycle == "OPERATIONAL"
    chip.power_on()
    n, _ = rsa_halves(aa_key)
    assert run(chip, SELECT_AID, "00E0000006630400100103", "00D6000002AABB", n, mrz_put("L898902C<"),
               "00A4020C020101", "00B0000004", "00A4020C02011C") == [
        "9000", "6985", "6985", "6985", "6985", "6982", "6982", "6982"]
    # the default chip selects without BAC and refuses only the read
    default = EmrtdChip.personalised({"DG1": DG1}, document_number="L898902C", date_of_birth=DOB,
                                     date_of_expiry=DOE)
    default.power_on()
    assert run(default, SELECT_AID, "00A4020C020101", "00B0000004") == ["9000", "9000", "6982"]


def test_read_needs_bac_before_the_lock_too() -> None:
    chip = blank()
    assert run(chip, SELECT_AID, "00E0000006630400040101", "00A4020C020101", "00B0000004", "00B1000004") == [
        "9000", "9000", "9000", "6982", "6D00"]


def test_no_pace_no_general_authenticate() -> None:
    chip = blank()
    assert run(chip, SELECT_AID, "00860000027C0000") == ["9000", "6D00"]


def _verify_with_session(transport, files: dict[int, bytes], aa_key) -> None:
    s = Session(transport)
    assert s.extended_length is False
    s.select_application()
    s.bac(MRZ_INFO)
    for name, fid in (("EF.COM", 0x011E), ("DG1", 0x0101), ("DG2", 0x0102), ("DG15", 0x010F)):
        assert s.read_file(name) == files[fid], name
    assert s.active_authentication(files[0x010F]) is True


def test_full_perso_bac_read_and_rsa_1024_aa(aa_key) -> None:
    files = card_files(aa_key)
    chip = blank()
    for apdu in applet_perso(files, "L898902C<", aa_key):
        assert sw(chip.process_apdu(apdu)) == "9000", apdu[:5].hex()
    assert chip.internal_errors == 0
    _verify_with_session(SimulatorTransport(chip), files, aa_key)


def test_signed_passport_on_the_applet_verifies_genuine(tmp_path) -> None:
    # a TD3 passport with a real EF.SOD, written in the applet's form, is GENUINE: BAC, PA, RSA-1024 AA
    from cardkit.inspect import Verdict, inspect
    from cardkit.lds.files import by_name
    from tests.support.cards import make_td3_card

    default_chip, trust, info = make_td3_card(tmp_path)
    aa = default_chip.secrets.aa_private_key
    files = {by_name(name).fid: content for name, content in info.files.items()}
    chip = blank()
    assert set(run(chip, *applet_perso(files, info.document_number, aa, info.date_of_birth,
                                                 info.date_of_expiry))) == {"9000"}
    report = inspect(SimulatorTransport(chip), trust=trust, key=AccessKey.from_mrz_information(info.mrz_information))
    assert report.verdict is Verdict.GENUINE, report.verdict_reason
    assert report.check("active_authentication").passed
    assert report.check("card_access").details["sw"] == "6A82"  # no EF.CardAccess: no PACE


def test_image_keeps_the_personality(tmp_path, aa_key) -> None:
    chip = blank()
    run(chip, SELECT_AID, "00E0000006630400080101", "00E0000006630400040101")
    chip.save(tmp_path / "j.image")
    again = EmrtdChip.load(tmp_path / "j.image")
    assert again.personality.name == "jmrtd" and again.options.extended_length is False
    assert again.spare == {0x0101: bytearray(4)}
    again.power_on()
    assert run(again, SELECT_AID, "00E0000006630400080101", "00A4000C023F00") == ["9000", "9000", "6A82"]


def test_personalised_jmrtd_refuses_what_the_applet_cannot_hold(aa_key) -> None:
    args = dict(document_number="L898902C<", date_of_birth=DOB, date_of_expiry=DOE)
    with pytest.raises(ValueError, match="EF.CardAccess"):
        EmrtdChip.personalised({"EF.CardAccess": b"\x31\x00", "DG1": DG1}, personality="jmrtd", **args)
    with pytest.raises(ValueError, match="PACE"):
        EmrtdChip.personalised({"DG1": DG1}, personality="jmrtd", can="123456", **args)
    with pytest.raises(ValueError, match="Chip Authentication"):
        EmrtdChip.personalised({"DG1": DG1}, personality="jmrtd",
                               ca_private_key=ec.generate_private_key(ec.SECP256R1()), **args)
    with pytest.raises(ValueError, match="RSA-1024"):
        EmrtdChip.personalised({"DG1": DG1}, personality="jmrtd",
                               aa_private_key=rsa.generate_private_key(65537, 2048), **args)
    with pytest.raises(ValueError, match="unknown chip personality"):
        EmrtdChip(personality="javacard")
    chip = EmrtdChip.personalised({"DG1": DG1}, personality="jmrtd", aa_private_key=aa_key, **args)
    assert chip.options.extended_length is False


@pytest.mark.pcsc
def test_through_pcscd_with_sim_serve(tmp_path, pcsc_stack, aa_key) -> None:  # noqa: F811
    """A blank jmrtd image served by `cardkit sim serve`: personalised, then read and AA'd through pcscd."""
    image = tmp_path / "blank.image"
    EmrtdChip(personality="jmrtd").save(image)
    files = card_files(aa_key)
    port, reader = pcsc_stack.reserve()
    proc = subprocess.Popen([sys.executable, "cli.py", "sim", "serve", str(image), "--port", str(port)],
                            cwd=REPO, stderr=subprocess.PIPE, text=True)
    try:
        pcsc_stack.wait_for_card(True)
        with PcscTransport(reader, timeout=5) as t:
            assert extended_length_supported(t.atr) is False
            assert sw(t.transmit(h("00A4040C 00 0007 A0000002471001"))) == "6700"
            for apdu in applet_perso(files, "L898902C<", aa_key):
                assert sw(t.transmit(apdu)) == "9000", apdu[:5].hex()
        with PcscTransport(reader, timeout=5) as t:
            _verify_with_session(t, files, aa_key)
    finally:
        err = interrupt(proc)
        pcsc_stack.remove()
    assert proc.returncode == 0, err
    saved = EmrtdChip.load(image)
    assert saved.personality.name == "jmrtd" and saved.life_cycle == "OPERATIONAL"


def test_perso_md_jmrtd_examples_are_accepted(aa_key) -> None:
    """The jmrtd byte strings printed in simulators/PERSO.md are the ones the jmrtd chip accepts."""
    from simulators._perso import mrz_key

    doc = (REPO / "simulators" / "PERSO.md").read_text()
    mrz = "00 DA 00 62 1D 62 1B 04 09 4C 38 39 38 39 30 32 43 3C 04 06 36 39 30 38 30 36 04 06 39 34 30 36 32 33"
    modulus_head = "00 DA 00 60 85 60 00 04 81 80"
    for text in (mrz, modulus_head, "00 E0 00 00 06 63 04 SS SS FF FF", "00 A4 02 0C 02 FF FF"):
        assert text in doc, text
    chip = blank()
    n, d = rsa_halves(aa_key)
    assert n.startswith(h(modulus_head))
    assert run(chip, SELECT_AID, mrz, n, d) == ["9000"] * 4
    assert chip.secrets.mrz_key == mrz_key("L898902C", "690806", "940623")  # what a 9303 terminal derives
