"""``--face-out`` and ``--signature-out`` on ``lds show``, ``read`` and ``verify``; DG7, DG16 and 39794-5 shown.

The extension picks the format (.png, .jpg/.jpeg, .jp2, .j2k), the stored image is written untouched
when it is already in that format, an unknown extension is a usage error before anything is read,
and a corrupt image in a valid DG2 is one ``cardkit:`` line naming the file, exit 2. Cards and images
are made here (Pillow, the simulator); the real documents of the corpus are read in place when present.
"""

from __future__ import annotations

import io
import json
import os
import stat
from pathlib import Path

import pytest
from PIL import Image

from cardkit import cli
from cardkit.images import ImageFormat, image_format
from cardkit.lds import DateTimeBlock, Dg2, Dg7, Dg16, PersonToNotify
from tests.support.cards import make_td1_card
from tests.support.real_artifacts import CORPUS, MISSING

needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason=MISSING)


def _picture(size=(48, 60)) -> Image.Image:
    w, h = size
    img = Image.new("RGB", size)
    img.putdata([((x * 255) // w, (y * 255) // h, 100) for y in range(h) for x in range(w)])
    return img


def _encode(img: Image.Image, fmt: str, **kw) -> bytes:
    out = io.BytesIO()
    img.save(out, fmt, **kw)
    return out.getvalue()


JP2 = _encode(_picture(), "JPEG2000", irreversible=True, quality_mode="rates", quality_layers=[16])
JPEG = _encode(_picture(), "JPEG", quality=85)
SIGNATURE = _encode(_picture((120, 40)).convert("L"), "JPEG", quality=85)


def run(capsys, *args):
    code = cli.main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and "internal error" not in err
    return code, out, err


def _decoded(path: Path) -> Image.Image:
    img = Image.open(path)
    img.load()
    return img


@pytest.fixture
def files(tmp_path):
    d = tmp_path / "files"
    d.mkdir()
    (d / "DG2").write_bytes(Dg2.build(JP2, "jpeg2000", 48, 60).to_bytes())
    (d / "jpeg.dg2").write_bytes(Dg2.build(JPEG, "jpeg", 48, 60).to_bytes())
    (d / "iso39794.dg2").write_bytes(Dg2.build_39794(JP2, "jpeg2000", 48, 60,
                                                     capture_date=DateTimeBlock(2025, 3, 14)).to_bytes())
    (d / "DG7").write_bytes(Dg7.build([SIGNATURE]).to_bytes())
    (d / "DG16").write_bytes(Dg16.build([PersonToNotify("20250314", "TRAN<<THI MAI", "+84 24 3825 1234",
                                                        "12 Hàng Bài<Hoàn Kiếm<Hà Nội")]).to_bytes())
    half = JPEG[: len(JPEG) // 2]  # a valid DG2 (every length right) around a truncated JPEG
    (d / "corrupt.dg2").write_bytes(Dg2.build(half, "jpeg", 48, 60).to_bytes())
    return d


# --- lds show ----------------------------------------------------------------------------------

@pytest.mark.parametrize("name,fmt", [("face.png", ImageFormat.PNG), ("face.jpg", ImageFormat.JPEG),
                                      ("face.jpeg", ImageFormat.JPEG), ("face.jp2", ImageFormat.JP2),
                                      ("face.j2k", ImageFormat.J2K)])
def test_lds_show_face_out_writes_the_format_the_name_asks_for(files, tmp_path, capsys, name, fmt):
    out = tmp_path / name
    code, stdout, err = run(capsys, "lds", "show", files / "DG2", "--face-out", out)
    assert code == 0, err
    data = out.read_bytes()
    assert image_format(data) is fmt and _decoded(out).size == (48, 60)
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600  # a face is personal data
    assert f"face -> {out}" in stdout
    if fmt is ImageFormat.JP2:
        assert data == JP2 and "as stored" in stdout  # the chip's bytes, not re-encoded


def test_lds_show_jpeg_face_as_stored_and_converted(files, tmp_path, capsys):
    code, stdout, _ = run(capsys, "lds", "show", files / "jpeg.dg2", "--face-out", tmp_path / "f.jpg")
    assert code == 0 and (tmp_path / "f.jpg").read_bytes() == JPEG and "JPEG 48x60, as stored" in stdout
    code, stdout, _ = run(capsys, "lds", "show", files / "jpeg.dg2", "--face-out", tmp_path / "f.png")
    assert code == 0 and "PNG 48x60, converted from JPEG" in stdout
    assert list(_decoded(tmp_path / "f.png").get_flattened_data()) == list(Image.open(io.BytesIO(JPEG)).get_flattened_data())


def test_lds_show_json_names_the_face_file(files, tmp_path, capsys):
    out = tmp_path / "face.png"
    code, stdout, _ = run(capsys, "lds", "show", "--json", files / "DG2", "--face-out", out)
    assert code == 0
    d = json.loads(stdout)
    assert d["face_image_path"] == str(out) and d["templates"][0]["faces"][0]["image_type"] == "jpeg2000"


def test_lds_show_39794_face(files, tmp_path, capsys):
    code, stdout, _ = run(capsys, "lds", "show", "--json", files / "iso39794.dg2", "--face-out", tmp_path / "f.png")
    assert code == 0
    t = json.loads(stdout)["templates"][0]
    assert t["encoding"] == "ISO/IEC 39794-5" and t["faces"][0]["capture_date"] == "2025-03-14"
    assert t["faces"][0]["image_data_format"] == "jpeg2000 lossy"
    assert _decoded(tmp_path / "f.png").size == (48, 60)
    code, stdout, _ = run(capsys, "lds", "show", files / "iso39794.dg2")
    assert code == 0 and "ISO/IEC 39794-5" in stdout and "2025-03-14" in stdout and "48" in stdout


def test_lds_show_dg7_and_its_signature(files, tmp_path, capsys):
    code, stdout, _ = run(capsys, "lds", "show", files / "DG7", "--signature-out", tmp_path / "sig.png")
    assert code == 0 and "JPEG" in stdout and str(len(SIGNATURE)) in stdout
    assert _decoded(tmp_path / "sig.png").size == (120, 40)
    code, _, _ = run(capsys, "lds", "show", files / "DG7", "--signature-out", tmp_path / "sig.jpg")
    assert code == 0 and (tmp_path / "sig.jpg").read_bytes() == SIGNATURE


def test_lds_show_dg16(files, capsys):
    code, stdout, _ = run(capsys, "lds", "show", files / "DG16")
    assert code == 0 and "TRAN<<THI MAI" in stdout and "12 Hàng Bài<Hoàn Kiếm<Hà Nội" in stdout
    code, stdout, _ = run(capsys, "lds", "show", "--json", files / "DG16")
    assert json.loads(stdout)["persons"] == [{"date_recorded": "20250314", "name": "TRAN<<THI MAI",
                                              "telephone": "+84 24 3825 1234",
                                              "address": "12 Hàng Bài<Hoàn Kiếm<Hà Nội"}]


@pytest.mark.parametrize("name", ["face.gif", "face", "face.jp2.tmp"])
def test_unknown_extension_is_a_usage_error(files, tmp_path, capsys, name):
    code, stdout, err = run(capsys, "lds", "show", files / "DG2", "--face-out", tmp_path / name)
    assert code == 2 and "Error: Invalid value for '--face-out'" in err and ".png" in err
    assert not (tmp_path / name).exists() and stdout == ""


@pytest.mark.parametrize("target", ["x.png", "x.jpg"])
def test_a_corrupt_image_in_a_valid_dg2_names_the_file(files, tmp_path, capsys, target):
    code, stdout, err = run(capsys, "lds", "show", files / "corrupt.dg2", "--face-out", tmp_path / target)
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and lines[0].startswith("cardkit: ")
    assert str(files / "corrupt.dg2") in lines[0] and "DG2 face 1" in lines[0] and "does not decode" in lines[0]
    assert not (tmp_path / target).exists()
    code, _, _ = run(capsys, "lds", "show", files / "corrupt.dg2")  # the DG2 itself is fine
    assert code == 0


@pytest.mark.parametrize("args,fragment", [
    (["DG7", "--face-out", "f.png"], "--face-out needs a DG2 file"),
    (["DG2", "--signature-out", "s.png"], "--signature-out needs a DG7 file"),
    (["DG16", "--face-out", "f.png"], "is DG16"),
])
def test_image_options_need_the_right_file(files, tmp_path, capsys, args, fragment):
    code, _, err = run(capsys, "lds", "show", files / args[0], args[1], tmp_path / args[2])
    assert code == 2 and fragment in err and not (tmp_path / args[2]).exists()


# --- read and verify on simulated cards ---------------------------------------------------------

@pytest.fixture(scope="module")
def card(tmp_path_factory):
    """A TD1 card whose DG2 holds a JPEG 2000 face (ISO/IEC 39794-5) and whose DG7 holds a signature."""
    tmp = tmp_path_factory.mktemp("faces-card")
    extra = {2: Dg2.build_39794(JP2, "jpeg2000", 48, 60).to_bytes(), 7: Dg7.build([SIGNATURE]).to_bytes()}
    chip, _, info = make_td1_card(tmp, extra_dgs=extra)
    image = tmp / "card.image"
    chip.save(image)
    return image, info


def test_read_writes_face_and_signature(card, tmp_path, capsys):
    image, info = card
    face, sig = tmp_path / "face.png", tmp_path / "sig.jp2"
    code, stdout, err = run(capsys, "read", "--sim", image, "--can", info.can, "--out", tmp_path / "dump", "--json",
                            "--face-out", face, "--signature-out", sig)
    assert code == 0, err
    d = json.loads(stdout)
    assert d["face_image_path"] == str(face) and d["signature_image_path"] == str(sig)
    assert _decoded(face).size == (48, 60) and image_format(sig.read_bytes()) is ImageFormat.JP2
    assert (tmp_path / "dump" / "DG7").exists()


def test_read_refuses_a_bad_extension_before_touching_the_card(card, tmp_path, capsys):
    image, info = card
    code, _, err = run(capsys, "read", "--sim", image, "--can", info.can, "--out", tmp_path / "dump",
                       "--signature-out", tmp_path / "sig.bmp")
    assert code == 2 and "--signature-out" in err and "sig.bmp" in err
    assert not (tmp_path / "dump").exists()


def test_verify_writes_the_face_as_stored(card, tmp_path, capsys):
    image, info = card
    face = tmp_path / "face.jp2"
    code, stdout, err = run(capsys, "verify", "--sim", image, "--can", info.can, "--trust", info.csca_path,
                            "--face-out", face)
    assert code == 0, err
    assert face.read_bytes() == JP2 and "as stored" in stdout and "GENUINE" in stdout


def test_verify_dump_corrupt_face_prints_the_report_then_one_error(tmp_path, capsys):
    extra = {2: Dg2.build(JPEG[: len(JPEG) // 2], "jpeg", 48, 60).to_bytes()}  # signed, but the JPEG is cut
    chip, _, info = make_td1_card(tmp_path, extra_dgs=extra)
    dump = tmp_path / "dump"
    code, _, _ = run(capsys, "read", "--sim", _saved(chip, tmp_path), "--can", info.can, "--out", dump)
    assert code == 0
    code, stdout, err = run(capsys, "verify", "--dump", dump, "--trust", info.csca_path, "--face-out",
                            tmp_path / "f.png")
    lines = err.strip().splitlines()
    assert code == 2 and "DATA AUTHENTIC" in stdout  # the verdict is still shown
    assert len(lines) == 1 and f"{dump}/DG2" in lines[0] and "does not decode" in lines[0]
    assert not (tmp_path / "f.png").exists()


def test_verify_without_dg7_notes_the_missing_signature(tmp_path, capsys):
    chip, _, info = make_td1_card(tmp_path)
    code, stdout, err = run(capsys, "verify", "--sim", _saved(chip, tmp_path), "--can", info.can, "--trust",
                            info.csca_path, "--json", "--signature-out", tmp_path / "s.png", "--face-out",
                            tmp_path / "f.png")
    assert code == 0 and "no signature image to write (DG7 not read)" in err
    d = json.loads(stdout)
    assert "signature_image_path" not in d and d["face_image_path"] == str(tmp_path / "f.png")


def _saved(chip, tmp_path: Path) -> Path:
    path = tmp_path / "chip.image"
    chip.save(path)
    return path


# --- the real documents, read in place ---------------------------------------------------------

@needs_corpus
@pytest.mark.parametrize("dump,kind,size", [("BSI-2008", ImageFormat.JP2, (413, 531)),
                                            ("GB-2011", ImageFormat.JPEG, (384, 480)),
                                            ("NL-loes-2006", ImageFormat.JP2, (449, 598))])
def test_real_dg2_faces_export_to_png_and_jpeg(tmp_path, capsys, dump, kind, size):
    dg2 = CORPUS / "dump" / dump / "DG2"
    for name, fmt in (("face.png", ImageFormat.PNG), ("face.jpg", ImageFormat.JPEG)):
        code, stdout, err = run(capsys, "lds", "show", dg2, "--face-out", tmp_path / name)
        assert code == 0, err
        assert image_format((tmp_path / name).read_bytes()) is fmt and _decoded(tmp_path / name).size == size
        assert ("as stored" in stdout) == (fmt is kind)


@needs_corpus
@pytest.mark.parametrize("name", ["NFCPassportReader-cutdown-jp2.dg2", "NFCPassportReader-cutdown-jpeg.dg2"])
def test_real_cut_down_dg2s_are_typed_errors_naming_the_file(tmp_path, capsys, name):
    path = CORPUS / "dg" / name
    code, _, err = run(capsys, "lds", "show", path, "--face-out", tmp_path / "f.png")
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and str(path) in lines[0] and "DG2" in lines[0]
    assert not (tmp_path / "f.png").exists()


@needs_corpus
def test_real_dg7_decodes_and_its_jpeg_exports(tmp_path, capsys):
    path = CORPUS / "dg" / "unnamed.dg7"
    code, stdout, err = run(capsys, "lds", "show", path, "--signature-out", tmp_path / "sig.jpg")
    assert code == 0, err
    stored = Dg7.from_bytes(path.read_bytes()).images[0]
    assert (tmp_path / "sig.jpg").read_bytes() == stored and "JPEG 148x70, as stored" in stdout


@needs_corpus
def test_real_dump_verify_writes_the_face(tmp_path, capsys):
    face = tmp_path / "face.png"
    code, stdout, err = run(capsys, "verify", "--dump", CORPUS / "dump" / "GB-2011", "--trust",
                            CORPUS / "cert" / "GB-2011-csca.der", "--at", "2012-06-01", "--face-out", face)
    assert code == 1, err  # data authentic; a dump cannot prove the chip
    assert "DATA AUTHENTIC" in stdout and _decoded(face).size == (384, 480)
