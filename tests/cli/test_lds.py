"""``cardkit lds show``: every kind of LDS file, text and JSON, name guessing, bad files (exit 2)."""

import io
import json
import sys

import click
import pytest
from click.testing import CliRunner
from PIL import Image

from cardkit import cli
from cardkit.lds import Dg1, Dg2, Dg3, Dg13Vn, Dg14, Dg15, FingerImage, PaceInfo
from cardkit.pki.sod_builder import build_sod
from tests.support.cards import make_vn_card
from tests.support.pki import shared_pki
from tests.support.real_artifacts import real_path

TD1 = "IDVNM0000123453999000012345<<29001011M3001019VNM<<<<<<<<<<<6NGUYEN<<VAN<A<<<<<<<<<<<<<<<<<"
CAM_AES128 = "0.4.0.127.0.7.2.2.4.6.2"  # id-PACE-ECDH-CAM-AES-CBC-CMAC-128
JPEG = b"\xff\xd8" + b"\x11" * 3000 + b"\xff\xd9"


@click.command(add_help_option=False, context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def entry(args):
    """Run ``cardkit.cli.main`` under CliRunner (output and exit code as the console script gives them)."""
    sys.exit(cli.main(list(args)))


def run(*args):
    return CliRunner().invoke(entry, list(args))


@pytest.fixture
def dump(tmp_path):
    d = tmp_path / "dump"
    d.mkdir()
    (d / "EF.COM").write_bytes(bytes.fromhex("60145F0104303130365F36063034303030305C026175"))
    (d / "EF.CardAccess").write_bytes(bytes.fromhex(
        "3134300d060804007f0007020202020101300f060a04007f000702020302020201013012060a04007f0007020204020202010202010d"))
    (d / "DG1").write_bytes(Dg1.build(TD1).raw)
    (d / "DG2").write_bytes(Dg2.build(JPEG, "jpeg", 480, 640).raw)
    (d / "DG13").write_bytes(Dg13Vn.build(id_number="001190012345", full_name="Nguyễn Thị Ánh Tuyết",
                                          place_of_origin="Xã Lũng Cú, Tuyên Quang", sex="Nữ").raw)
    from cryptography.hazmat.primitives.asymmetric import ec

    (d / "DG15").write_bytes(Dg15.build(ec.derive_private_key(5, ec.SECP256R1()).public_key()).raw)
    (d / "DG14").write_bytes(Dg14.build([PaceInfo("0.4.0.127.0.7.2.2.4.2.2", 2, 13)]).raw)
    return d


def test_com_text(dump):
    r = run("lds", "show", str(dump / "EF.COM"))
    assert r.exit_code == 0, r.output
    assert "0106" in r.output and "DG1, DG2" in r.output


def test_card_access_text(dump):
    r = run("lds", "show", str(dump / "EF.CardAccess"))
    assert r.exit_code == 0
    assert "id-PACE-ECDH-GM-AES-CBC-CMAC-128" in r.output and "13" in r.output
    assert "id-CA-ECDH-AES-CBC-CMAC-128" in r.output and "id-TA" in r.output


def test_dg13_shows_diacritics(dump):
    r = run("lds", "show", str(dump / "DG13"))
    assert r.exit_code == 0
    assert "Nguyễn Thị Ánh Tuyết" in r.output and "Xã Lũng Cú, Tuyên Quang" in r.output and "Nữ" in r.output


def test_dg13_json_keeps_utf8(dump):
    r = run("lds", "show", "--json", str(dump / "DG13"))
    assert r.exit_code == 0
    assert "Nguyễn Thị Ánh Tuyết" in r.output  # not \\u escapes
    d = json.loads(r.output)
    assert d["file"] == "DG13" and d["full_name"] == "Nguyễn Thị Ánh Tuyết" and d["id_number"] == "001190012345"


def test_dg2_face_is_summarised_never_dumped(dump):
    for args in (("lds", "show", str(dump / "DG2")), ("lds", "show", "--json", str(dump / "DG2"))):
        r = run(*args)
        assert r.exit_code == 0
        assert "jpeg" in r.output and "480" in r.output and "640" in r.output and "3004" in r.output
        assert "1111111111" not in r.output and len(r.output) < 6000


def test_dg1_lines_and_fields(dump):
    r = run("lds", "show", "--json", str(dump / "DG1"))
    d = json.loads(r.output)
    assert d["format"] == "TD1" and d["lines"][2] == TD1[60:] and d["issuing_state"] == "VNM"


def test_dg14_and_dg15(dump):
    r = run("lds", "show", "--json", str(dump / "DG14"))
    assert json.loads(r.output)["infos"][0]["parameter_id"] == 13
    r = run("lds", "show", "--json", str(dump / "DG15"))
    assert json.loads(r.output)["key_type"] == "EC"


def test_name_guessed_from_tag_and_overridden(dump, tmp_path):
    odd = tmp_path / "whatever.bin"
    odd.write_bytes((dump / "EF.COM").read_bytes())
    r = run("lds", "show", "--json", str(odd))
    assert json.loads(r.output)["file"] == "EF.COM"
    r = run("lds", "show", "--name", "DG1", str(odd))
    assert r.exit_code == 2
    assert "outer tag is 60, expected 61" in r.output and len(r.output.strip().splitlines()) == 1
    r = run("lds", "show", "--name", "EF.Nothing", str(odd))
    assert r.exit_code == 2 and "not an LDS file name" in r.output


def test_sod(tmp_path):
    p = shared_pki()
    sod = build_sod({1: Dg1.build(TD1).raw, 2: Dg2.build(JPEG, "jpeg", 4, 4).raw}, p.ds_signer)
    f = tmp_path / "EF.SOD"
    f.write_bytes(sod)
    r = run("lds", "show", "--json", str(f))
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    assert d["file"] == "EF.SOD" and set(d["dg_hashes"]) == {"DG1", "DG2"} and d["hash_algorithm"] == "sha256"


@pytest.mark.parametrize("content", [b"", b"\x61\x05\x01", b"\x00\x00", b"\x6d\x03\x30\x01\x02", b"\x31\x02\x30\x00"])
def test_bad_file_is_one_line_exit_2(tmp_path, content):
    f = tmp_path / "bad"
    f.write_bytes(content)
    r = run("lds", "show", str(f))
    assert r.exit_code == 2
    lines = r.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("cardkit: ") and "Traceback" not in r.output


def test_missing_file_exit_2(tmp_path):
    r = run("lds", "show", str(tmp_path / "nope"))
    assert r.exit_code == 2 and "cannot read" in r.output


def test_help():
    r = run("lds", "show", "--help")
    assert r.exit_code == 0 and "--json" in r.output and "--name" in r.output


def _jp2(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("L", (width, height), 90).save(out, "JPEG2000")
    return out.getvalue()


# a WSQ file with only its markers (SOI, a 2 x 3 frame header, EOI): cardkit writes WSQ as stored
WSQ = bytes.fromhex("FFA0" "FFA2" "0011" "00FF" "0003" "0002" "000000000000000000" "FFA1")


def test_dg3_fingers_written_as_stored(tmp_path):
    jp2 = _jp2(24, 32)
    dg3 = tmp_path / "DG3"
    dg3.write_bytes(Dg3.build([FingerImage(WSQ, position=2, width=2, height=3, compression=2),
                               FingerImage(jp2, position=7, width=24, height=32, compression=4)]).raw)
    out = tmp_path / "fingers"
    r = run("lds", "show", str(dg3), "--fingers-out", str(out))
    assert r.exit_code == 0, r.output
    assert "right index finger" in r.output and "left index finger" in r.output and "wsq" in r.output
    assert (out / "finger-1-right-index-finger.wsq").read_bytes() == WSQ
    assert (out / "finger-2-left-index-finger.jp2").read_bytes() == jp2
    assert (out / "finger-1-right-index-finger.wsq").stat().st_mode & 0o077 == 0
    assert "WSQ 2x3, as stored" in r.output and "JPEG 2000 (JP2) 24x32, as stored" in r.output
    r = run("lds", "show", "--json", str(dg3), "--fingers-out", str(tmp_path / "again"))
    assert len(json.loads(r.output)["images_written"]) == 2


def test_fingers_out_needs_a_dg3_and_a_bad_image_is_exit_2(dump, tmp_path):
    r = run("lds", "show", str(dump / "DG2"), "--fingers-out", str(tmp_path / "f"))
    assert r.exit_code == 2 and "needs a DG3" in r.output
    broken = tmp_path / "DG3"
    broken.write_bytes(Dg3.build([FingerImage(WSQ[:-2] + b"\x00\x00", position=2, width=2, height=3,
                                              compression=2)]).raw)
    r = run("lds", "show", str(broken), "--fingers-out", str(tmp_path / "f"))
    assert r.exit_code == 2 and "EOI" in r.output and "Traceback" not in r.output


def test_real_dg3_and_dg4_export(tmp_path):
    dg3, dg4 = real_path("dump", "BSI-2008", "DG3"), real_path("dg", "BSI-2008-extra.dg4")
    r = run("lds", "show", str(dg3), "--name", "DG3", "--fingers-out", str(tmp_path / "f"))
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in (tmp_path / "f").iterdir()) == ["finger-1-right-index-finger.wsq",
                                                                   "finger-2-left-index-finger.wsq"]
    r = run("lds", "show", str(dg4), "--name", "DG4", "--iris-out", str(tmp_path / "i"))
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in (tmp_path / "i").iterdir()) == ["iris-1-right-eye.jp2", "iris-2-left-eye.jp2"]


def test_ef_cvca_shown(tmp_path):
    f = tmp_path / "EF.CVCA"
    f.write_bytes(bytes.fromhex("420D") + b"VNCVCA00002XX"[:13] + bytes(21))
    r = run("lds", "show", "--json", str(f))
    assert r.exit_code == 0, r.output
    assert json.loads(r.output) == {"file": "EF.CVCA", "cars": ["VNCVCA00002XX"]}


def test_card_security_json(tmp_path):
    """EF.CardSecurity (PACE-CAM's signed PACEInfos, 9303-11 §9.2.12) is named from its content and shown."""
    _, _, info = make_vn_card(tmp_path, cam=(CAM_AES128, 13), ca=False, aa=None, dg3=False, face_size=2000)
    f = tmp_path / "EF.CardSecurity"
    f.write_bytes(info.files["EF.CardSecurity"])
    r = run("lds", "show", str(f), "--json")
    assert r.exit_code == 0, r.output
    assert CAM_AES128 in r.output
