"""``cardkit.images``: formats by magic bytes, export as stored or converted, bad images as typed errors.

Every image here is made by Pillow in the test (JPEG, JPEG 2000 as JP2 and as a bare codestream,
PNG, 16-bit grey), so the behaviour does not depend on any file outside the repository.
"""

from __future__ import annotations

import io
import random
import struct

import pytest
from hypothesis import given, strategies as st
from PIL import Image, ImageCms

from cardkit.errors import InputError, ParseError
from cardkit.images import (EXTENSIONS, MAX_PIXELS, ExportedImage, ImageFormat, export_image, format_for_path,
                            image_format)


def _face(size: tuple[int, int] = (60, 80), mode: str = "RGB") -> Image.Image:
    """A small smooth picture (three gradients), as a face is smooth."""
    w, h = size
    img = Image.new("RGB", size)
    img.putdata([((x * 255) // w, (y * 255) // h, ((x + y) * 255) // (w + h)) for y in range(h) for x in range(w)])
    return img.convert(mode)


def _noise(size: tuple[int, int] = (60, 80)) -> Image.Image:
    """Pseudo-random pixels: they do not compress, so a cut anywhere falls inside the pixel data."""
    rnd = random.Random(7)
    img = Image.new("RGB", size)
    img.putdata([(rnd.randrange(256), rnd.randrange(256), rnd.randrange(256)) for _ in range(size[0] * size[1])])
    return img


def _encode(img: Image.Image, fmt: str, **kw) -> bytes:
    out = io.BytesIO()
    img.save(out, fmt, **kw)
    return out.getvalue()


FACE = _face()
JPEG = _encode(FACE, "JPEG", quality=90)
JP2 = _encode(FACE, "JPEG2000", irreversible=True, quality_mode="rates", quality_layers=[20])  # lossy, like chips
J2K = _encode(FACE, "JPEG2000", no_jp2=True)
PNG = _encode(FACE, "PNG")
NOISY = {"x.jpg": _encode(_noise(), "JPEG", quality=90), "x.jp2": _encode(_noise(), "JPEG2000"),
         "x.j2k": _encode(_noise(), "JPEG2000", no_jp2=True), "x.png": _encode(_noise(), "PNG")}


def _pixels(data: bytes) -> list:
    img = Image.open(io.BytesIO(data))
    img.load()
    return list(img.get_flattened_data())


# --- image_format ----------------------------------------------------------------------------

@pytest.mark.parametrize("data,expected", [
    (JPEG, ImageFormat.JPEG), (JP2, ImageFormat.JP2), (J2K, ImageFormat.J2K), (PNG, ImageFormat.PNG),
    (bytes.fromhex("FFA0FFA8"), ImageFormat.WSQ), (bytes.fromhex("FFD8"), ImageFormat.JPEG),
    (bytes.fromhex("0000000C6A502020"), ImageFormat.JP2), (bytes.fromhex("FF4FFF51"), ImageFormat.J2K),
    (b"GIF89a", None), (b"", None), (bytes.fromhex("0000000C6A5020"), None), (bytes.fromhex("FF4F"), None),
])
def test_image_format_by_magic(data, expected):
    assert image_format(data) is expected


def test_labels_say_what_the_format_is():
    assert [f.label for f in ImageFormat] == ["JPEG", "JPEG 2000 (JP2)", "JPEG 2000 codestream", "PNG", "WSQ"]
    assert ImageFormat.JP2.is_jpeg2000 and ImageFormat.J2K.is_jpeg2000 and not ImageFormat.JPEG.is_jpeg2000


# --- format_for_path -------------------------------------------------------------------------

@pytest.mark.parametrize("name,expected", [
    ("face.png", ImageFormat.PNG), ("face.jpg", ImageFormat.JPEG), ("face.jpeg", ImageFormat.JPEG),
    ("FACE.JPG", ImageFormat.JPEG), ("a/b.c/face.jp2", ImageFormat.JP2), ("face.J2K", ImageFormat.J2K),
])
def test_format_for_path(name, expected):
    assert format_for_path(name) is expected


@pytest.mark.parametrize("name", ["face.gif", "face", "face.jp2.bak", "dir.png/face", ".png"])
def test_unknown_extension_is_an_input_error_naming_file_and_choices(name):
    with pytest.raises(InputError) as e:
        format_for_path(name)
    assert name in str(e.value) and all(ext in str(e.value) for ext in EXTENSIONS)


# --- export: as stored ------------------------------------------------------------------------

@pytest.mark.parametrize("data,target", [(JPEG, "x.jpg"), (JPEG, "x.JPEG"), (JP2, "x.jp2"), (J2K, "x.j2k"),
                                         (PNG, "x.png")])
def test_same_format_is_the_stored_bytes(data, target):
    e = export_image(data, target)
    assert e.data == data and not e.reencoded and e.format is e.stored_format
    assert (e.width, e.height) == (60, 80)
    assert e.describe().endswith("60x80, as stored")


def test_target_may_be_a_format():
    assert export_image(JP2, ImageFormat.JP2).data == JP2


def test_codestream_asked_of_a_jp2_is_its_jp2c_box_untouched():
    e = export_image(JP2, "x.j2k")
    assert not e.reencoded and e.format is ImageFormat.J2K and e.stored_format is ImageFormat.JP2
    assert e.data.startswith(bytes.fromhex("FF4FFF51")) and e.data in JP2  # a slice of the stored file
    assert _pixels(e.data) == _pixels(JP2)
    assert "codestream of the stored JPEG 2000 (JP2), not re-encoded" in e.describe()


# --- export: converted ------------------------------------------------------------------------

@pytest.mark.parametrize("data", [JP2, J2K, JPEG])
def test_png_is_lossless(data):
    e = export_image(data, "face.png")
    assert e.reencoded and e.format is ImageFormat.PNG and image_format(e.data) is ImageFormat.PNG
    assert _pixels(e.data) == _pixels(data)


@pytest.mark.parametrize("data,target", [(JPEG, "x.jp2"), (J2K, "x.jp2"), (JPEG, "x.j2k"), (PNG, "x.jp2")])
def test_jpeg2000_conversion_is_lossless(data, target):
    e = export_image(data, target)
    assert e.reencoded and image_format(e.data) is format_for_path(target)
    assert _pixels(e.data) == _pixels(data)


@pytest.mark.parametrize("data", [JP2, J2K, PNG])
def test_jpeg_conversion_decodes_close_to_the_source(data):
    e = export_image(data, "x.jpg")
    assert e.reencoded and image_format(e.data) is ImageFormat.JPEG
    got, want = _pixels(e.data), _pixels(data)
    assert len(got) == len(want)
    mean_error = sum(abs(a - b) for p, q in zip(got, want) for a, b in zip(p, q)) / (3 * len(got))
    assert mean_error < 1.5  # quality 95


def test_sixteen_bit_grey_jpeg2000_exports():
    grey16 = Image.new("I;16", (20, 30))
    grey16.putdata([(x * 3000 + y * 10) % 65536 for y in range(30) for x in range(20)])
    data = _encode(grey16, "JPEG2000", no_jp2=True)
    png = export_image(data, "x.png")
    assert Image.open(io.BytesIO(png.data)).mode.startswith("I") and _pixels(png.data) == _pixels(data)
    jpg = Image.open(io.BytesIO(export_image(data, "x.jpg").data))
    assert jpg.mode == "L" and jpg.getpixel((3, 0)) == (3 * 3000) // 256 == 35  # scaled, not clipped at 255


def test_alpha_is_kept_in_png_and_dropped_for_jpeg():
    rgba = _encode(_face(mode="RGBA"), "PNG")
    assert Image.open(io.BytesIO(export_image(rgba, "x.jp2").data)).mode == "RGBA"
    assert Image.open(io.BytesIO(export_image(rgba, "x.jpg").data)).mode == "RGB"


def test_icc_profile_is_kept_when_converting_to_png_or_jpeg():
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    for data, target in ((_encode(FACE, "JPEG", icc_profile=icc), "x.png"), (_encode(FACE, "PNG", icc_profile=icc),
                                                                              "x.jpg")):
        assert Image.open(io.BytesIO(export_image(data, target).data)).info.get("icc_profile") == icc


# --- bad images ---------------------------------------------------------------------------------

@pytest.mark.parametrize("stored", sorted(NOISY))
@pytest.mark.parametrize("keep", [0.25, 0.5, 0.9])
@pytest.mark.parametrize("target", ["x.png", "as stored"])
def test_a_truncated_image_is_a_parse_error_naming_it(stored, keep, target):
    data = NOISY[stored]
    cut = data[: int(len(data) * keep)]
    target = stored if target == "as stored" else target
    with pytest.raises(ParseError) as e:
        export_image(cut, target, what="DG2 face 1")
    assert "DG2 face 1" in str(e.value) and "does not decode" in str(e.value)


def test_garbage_after_the_magic_is_a_parse_error():
    for magic in (bytes.fromhex("FFD8FFE0"), bytes.fromhex("0000000C6A5020200D0A870A"), bytes.fromhex("FF4FFF51")):
        with pytest.raises(ParseError):
            export_image(magic + bytes(range(256)) * 4, "x.png")


def test_unknown_and_empty_images_are_parse_errors():
    for data in (b"GIF89a" + bytes(100), b""):
        with pytest.raises(ParseError) as e:
            export_image(data, "x.png", what="DG7 signature 1")
        assert "DG7 signature 1" in str(e.value) and "not a JPEG, JPEG 2000 or PNG" in str(e.value)


def test_wsq_is_named_not_decoded():
    with pytest.raises(InputError) as e:
        export_image(bytes.fromhex("FFA0FFA8") + bytes(50), "x.png", what="DG3 finger 1")
    assert not isinstance(e.value, ParseError) and "WSQ" in str(e.value) and "DG3 finger 1" in str(e.value)


def test_pixel_count_is_bounded_before_decoding():
    # 5000 x 5000 is 25 MP: above cardkit's bound, below Pillow's own warning (89 MP)
    big = _encode(Image.new("L", (5000, 5000)), "PNG")
    with pytest.raises(ParseError) as e:
        export_image(big, "x.jpg")
    assert "5000x5000" in str(e.value) and str(MAX_PIXELS) in str(e.value)


@pytest.mark.parametrize("side", [10_000, 65_000])  # 100 MP: Pillow warns; 4.2 GP: Pillow refuses
def test_a_bomb_header_is_refused_without_decoding(side, recwarn):
    # a small JPEG whose frame header claims side x side pixels: refused from the header alone
    data = bytearray(JPEG)
    sof = data.index(b"\xff\xc0")
    struct.pack_into(">HH", data, sof + 5, side, side)
    with pytest.raises(ParseError) as e:
        export_image(bytes(data), "x.png")
    assert "pixels" in str(e.value)
    assert not recwarn.list  # Pillow's warning became the error, not noise on stderr


def test_the_result_is_a_frozen_value():
    e = export_image(JPEG, "x.png")
    assert isinstance(e, ExportedImage)
    with pytest.raises(AttributeError):
        e.data = b""  # type: ignore[misc]
    assert "data" not in repr(e)


_MAGICS = [bytes.fromhex(h) for h in ("FFD8FFE0", "FFD8FFDB", "0000000C6A5020200D0A870A", "FF4FFF51",
                                      "89504E470D0A1A0A", "FFA0", "")]


@given(st.sampled_from(_MAGICS), st.binary(max_size=400), st.sampled_from(["x.png", "x.jpg", "x.jp2", "x.j2k"]))
def test_any_bytes_give_an_image_or_a_typed_error(magic, tail, target):
    try:
        e = export_image(magic + tail, target)
    except InputError:  # ParseError included
        return
    assert image_format(e.data) is format_for_path(target)
