"""ISO/IEC 39794-5 face data (tagged binary, DER) and DG2 holding it (Doc 9303-10 §4.7.2, ICAO 39794-5 AP).

The corpus has no 39794-5 document, so every case is assembled here by hand, tag by tag, with
lengths computed by ``_tlvhand`` (independent of cardkit.tlv); the builder must give the same bytes.
"""

import io

import pytest
from hypothesis import given, strategies as st
from PIL import Image

from cardkit.errors import InputError, ParseError
from cardkit.images import export_image, image_format, ImageFormat
from cardkit.lds import DateTimeBlock, Dg2, FaceImageDataBlock, FaceRepresentation, decode_file

from ._helpers import mutations, rejects_trailing, rejects_truncated, value_or_parse_error
from ._tlvhand import H, T

JPEG = H("FFD8FFD9")
VERSION = T("A0", H("800103" "810207E3"))  # generation 3, year 2019


def _rep(two_d_info: bytes, *after: bytes, image: bytes = JPEG, rep_id: bytes = H("800100")) -> bytes:
    """RepresentationBlock 30 { 80 id, A1 { A0 { A0 { 80 image, A1 info } } }, after... }."""
    two_d = T("80", image) + T("A1", two_d_info)
    return T("30", rep_id + T("A1", T("A0", T("A0", two_d))) + b"".join(after))


def _block(*reps: bytes, version: bytes = VERSION, after: bytes = b"") -> bytes:
    return T("65", version + T("A1", b"".join(reps)) + after)


FORMAT_JPEG = T("A0", H("800102"))  # imageDataFormat: CHOICE code [0] jpeg (2)
MINIMAL = _block(_rep(FORMAT_JPEG))
# Every field cardkit interprets, plus blocks it keeps as bytes.
QUALITY = T("A3", T("30", T("A0", H("80020101" "81020001")) + T("A1", H("800150"))))  # [3] one QualityBlock
CAPTURE = T("A2", H("800207E8" "810105" "820111" "83010A" "840114" "85011E" "86017B"))  # 2024-05-17T10:20:30.123
INFO_RICH = (FORMAT_JPEG + T("A1", T("A1", H("800100")))  # faceImageKind2D: extension block, fallback mrtd (0)
             + T("A3", T("A1", H("800101")))  # lossyTransformationAttempts: zero (kept as bytes)
             + T("A7", H("800201E0" "81020280"))  # imageSizeBlock 480 x 640
             + T("A9", T("A1", H("800102"))))  # imageColourSpace: rgb24Bit (2)
RICH = _block(_rep(INFO_RICH, CAPTURE, QUALITY, rep_id=H("800107")))


def test_minimal_block_by_hand_and_by_builder():
    assert MINIMAL == H("6523" "A007800103810207E3" "A118" "3016" "800100" "A111" "A00F" "A00D" "8004FFD8FFD9"
                        "A105" "A003800102")
    built = FaceImageDataBlock.build(JPEG, 2, face_image_kind=None)
    assert built.to_bytes() == MINIMAL
    parsed = FaceImageDataBlock.from_bytes(MINIMAL)
    assert parsed == built and parsed.raw == MINIMAL
    (rep,) = parsed.representations
    assert (rep.representation_id, rep.image, rep.image_data_format, rep.image_type) == (0, JPEG, 2, "jpeg")
    assert (rep.width, rep.height, rep.capture_date, rep.face_image_kind, rep.blocks) == (None, None, None, None, ())
    assert (parsed.generation, parsed.year) == (3, 2019)


def test_rich_block_fields():
    b = FaceImageDataBlock.from_bytes(RICH)
    (rep,) = b.representations
    assert (rep.representation_id, rep.width, rep.height, rep.face_image_kind, rep.colour_space) == (7, 480, 640, 0, 2)
    assert rep.capture_date == DateTimeBlock(2024, 5, 17, 10, 20, 30, 123)
    assert rep.capture_date.text() == "2024-05-17T10:20:30.123"
    assert dict(rep.blocks) == {"qualityBlocks": QUALITY, "lossyTransformationAttempts": T("A3", T("A1", H("800101")))}
    assert rep.raw == RICH[RICH.index(b"\x30"):]
    d = b.to_dict()
    assert d["faces"][0]["capture_date"] == "2024-05-17T10:20:30.123"
    assert d["faces"][0]["other_blocks"] == {"qualityBlocks": len(QUALITY), "lossyTransformationAttempts": 7}
    assert "FFD8" not in str(d)  # the image is described, never dumped


def test_builder_with_size_and_date_matches_hand_bytes():
    info = FORMAT_JPEG + T("A1", T("A1", H("800100"))) + T("A7", H("800201E0" "81020280"))
    by_hand = _block(_rep(info, T("A2", H("800207E8" "810105" "820111"))))
    built = FaceImageDataBlock.build(JPEG, 2, width=480, height=640, capture_date=DateTimeBlock(2024, 5, 17))
    assert built.to_bytes() == by_hand and FaceImageDataBlock.from_bytes(by_hand) == built


@pytest.mark.parametrize("date,text", [
    (DateTimeBlock(2024), "2024"), (DateTimeBlock(2024, 5), "2024-05"), (DateTimeBlock(2024, 5, 7, 9), "2024-05-07T09"),
    (DateTimeBlock(2024, 5, 7, 9, 3, 1), "2024-05-07T09:03:01"),
])
def test_date_text_to_the_precision_recorded(date, text):
    assert date.text() == text


def test_extension_elements_are_kept():
    ext = T("AB", H("800101"))  # a field [11] a later edition might add after landmarkBlocks [9]
    data = _block(_rep(FORMAT_JPEG, ext), after=T("A5", H("0500")))
    b = FaceImageDataBlock.from_bytes(data)
    assert b.other == ((0xA5, T("A5", H("0500"))),)
    assert b.representations[0].blocks == (("extension AB", ext),)


def test_code_given_through_the_extension_fallback():
    info = T("A0", T("A1", H("800104")))  # imageDataFormat as extensionBlock { fallback jpeg2000Lossless }
    rep = FaceImageDataBlock.from_bytes(_block(_rep(info, image=H("FF4FFF51") + bytes(8)))).representations[0]
    assert (rep.image_data_format, rep.image_type) == (4, "jpeg2000")
    rep = FaceImageDataBlock.from_bytes(_block(_rep(T("A0", T("A1", b""))))).representations[0]
    assert rep.image_data_format is None and rep.image_type == "jpeg"  # no code: the magic bytes say


def test_a_non_2d_representation_is_kept_without_an_image():
    rep = T("30", H("800100") + T("A1", T("A1", H("800101"))))  # imageRepresentation: extensionBlock
    shape = T("30", H("800101") + T("A1", T("A0", T("A1", H("0400")))))  # base: another kind (3D shape)
    b = FaceImageDataBlock.from_bytes(_block(rep, shape))
    assert [r.image for r in b.representations] == [None, None]
    assert [r.representation_id for r in b.representations] == [0, 1]


@pytest.mark.parametrize("data,fragment", [
    (T("66", VERSION + T("A1", b"")), "is not FaceImageDataBlock"),
    (T("65", VERSION), "missing representationBlocks"),
    (T("65", T("A1", _rep(FORMAT_JPEG))), "missing versionBlock"),
    (T("65", T("A1", _rep(FORMAT_JPEG)) + VERSION), "out of order"),
    (_block(version=T("A0", H("800102" "810207E3"))), "2 out of 3..65535"),
    (_block(_rep(FORMAT_JPEG), version=T("A0", H("800103" "810207E2"))), "2018 out of 2019..9999"),
    (_block(_rep(FORMAT_JPEG), version=T("A0", H("80020003" "810207E3"))), "not minimally encoded"),
    (_block(), "0 representation blocks"),
    (_block(T("31", H("800100"))), "is not a RepresentationBlock"),
    (_block(T("30", T("A1", b""))), "missing representationId"),
    (_block(T("30", H("800100"))), "missing imageRepresentation"),
    (_block(_rep(FORMAT_JPEG, rep_id=H("8001FF"))), "-1 out of 0..MAX"),
    (_block(_rep(FORMAT_JPEG, rep_id=H("8000"))), "INTEGER of 0 bytes"),
    (_block(_rep(FORMAT_JPEG, rep_id=H("8009010000000000000000"))), "INTEGER of 9 bytes"),
    (_block(_rep(FORMAT_JPEG, image=b"")), "holds no image"),
    (_block(_rep(b"")), "missing imageDataFormat"),
    (_block(_rep(T("A0", H("800102" "800102")))), "one alternative, found 2"),
    (_block(_rep(T("A0", H("820102")))), "unexpected alternative 82"),
    (_block(_rep(FORMAT_JPEG + T("A7", H("800201E0")))), "missing height"),
    (_block(_rep(FORMAT_JPEG + T("A7", H("800201E0" "81020280" "820101")))), "unexpected tag 82"),
    (_block(_rep(FORMAT_JPEG + T("A7", H("8003010000" "81020280")))), "65536 out of 0..65535"),
    (_block(_rep(FORMAT_JPEG, T("A2", H("800207E8" "81010D")))), "13 out of 1..12"),
    (_block(_rep(FORMAT_JPEG, T("A2", H("810105")))), "missing year"),
    (_block(_rep(FORMAT_JPEG, CAPTURE, CAPTURE)), "out of order or repeated"),
    (_block(_rep(FORMAT_JPEG + FORMAT_JPEG)), "out of order or repeated"),
    (_block(_rep(FORMAT_JPEG, H("0500"))), "not a context-specific field"),
    (_block(_rep(FORMAT_JPEG, T("82", b""))), "unexpected tag 82"),  # [2] is constructed in the module
    (H("6581") + MINIMAL[1:2] + MINIMAL[2:], "non-minimal length"),
])
def test_malformed(data, fragment):
    with pytest.raises(ParseError) as e:
        FaceImageDataBlock.from_bytes(data)
    assert fragment in str(e.value)
    assert "ISO/IEC 39794-5" in str(e.value)


def test_error_names_the_offset():
    data = _block(_rep(FORMAT_JPEG, T("A2", H("800207E8" "81010D"))))
    with pytest.raises(ParseError) as e:
        FaceImageDataBlock.from_bytes(data)
    assert e.value.offset == data.index(H("81010D"))


def test_trailing_and_truncated_are_refused():
    rejects_trailing(FaceImageDataBlock, MINIMAL)
    rejects_truncated(FaceImageDataBlock, RICH)


def test_every_single_byte_corruption_gives_a_value_or_parse_error():
    for data in mutations(RICH):
        value_or_parse_error(FaceImageDataBlock, data)


@given(st.binary(max_size=200))
def test_any_bytes_give_a_value_or_parse_error(data):
    value_or_parse_error(FaceImageDataBlock, data)


@given(st.binary(max_size=120))
def test_any_bytes_after_the_application_tag(data):
    value_or_parse_error(FaceImageDataBlock, H("65") + bytes([len(data)]) + data if len(data) < 128 else data)


@given(image=st.binary(min_size=1, max_size=300), code=st.integers(0, 255), rep_id=st.integers(0, 2**31 - 1),
       size=st.none() | st.tuples(st.integers(0, 65535), st.integers(0, 65535)),
       date=st.none() | st.builds(DateTimeBlock, st.integers(0, 9999), st.none() | st.integers(1, 12),
                                  st.none() | st.integers(1, 31)),
       kind=st.none() | st.integers(0, 3))
def test_build_then_parse_gives_the_same_block(image, code, rep_id, size, date, kind):
    width, height = size if size else (None, None)
    b = FaceImageDataBlock.build(image, code, width=width, height=height, capture_date=date, representation_id=rep_id,
                                 face_image_kind=kind)
    again = FaceImageDataBlock.from_bytes(b.to_bytes())
    assert again == b
    (rep,) = again.representations
    assert (rep.image, rep.image_data_format, rep.representation_id, rep.width, rep.height, rep.capture_date,
            rep.face_image_kind) == (image, code, rep_id, width, height, date, kind)


@pytest.mark.parametrize("kwargs", [
    {"image": b""}, {"image_data_format": -1}, {"width": 480}, {"width": 70000, "height": 1}, {"year": 2018},
    {"generation": 2}, {"representation_id": -1}, {"capture_date": DateTimeBlock(2024, 13)},
])
def test_build_refuses_bad_values(kwargs):
    args = {"image": JPEG, "image_data_format": 2, **kwargs}
    with pytest.raises(InputError):
        FaceImageDataBlock.build(args.pop("image"), args.pop("image_data_format"), **args)


# --- DG2 holding 39794-5 ----------------------------------------------------------------------

BHT_39794 = T("A1", H("80020101" "810102" "87020101" "8802002A"))


def _dg2(bht: bytes, bdb_tag: str, bdb: bytes) -> bytes:
    return T("75", T("7F61", H("020101") + T("7F60", bht + T(bdb_tag, bdb))))


DG2_MINIMAL = _dg2(BHT_39794, "7F2E", T("A1", MINIMAL))


def _jp2_face() -> bytes:
    img = Image.new("RGB", (40, 50))
    img.putdata([(x * 6, y * 5, 90) for y in range(50) for x in range(40)])
    out = io.BytesIO()
    img.save(out, "JPEG2000", irreversible=True, quality_mode="rates", quality_layers=[10])
    return out.getvalue()


def test_dg2_by_hand_and_by_builder():
    dg2 = Dg2.from_bytes(DG2_MINIMAL)
    (t,) = dg2.templates
    assert t.encoding == "ISO/IEC 39794-5" and t.bdb_tag == 0x7F2E and t.header.format_type == 0x002A
    assert t.face_data == FaceImageDataBlock.from_bytes(MINIMAL)
    assert dg2.faces == t.face_data.representations and dg2.faces[0].image == JPEG
    assert dg2.to_bytes() == DG2_MINIMAL
    built = Dg2.build_39794(JPEG, "jpeg")
    assert Dg2.from_bytes(built.to_bytes()) == built
    assert built.templates[0].face_data.representations[0].image_data_format == 2


def test_dg2_39794_chosen_by_content_when_the_header_has_no_format_type():
    bht = T("A1", H("80020101" "810102" "87020101"))
    assert Dg2.from_bytes(_dg2(bht, "7F2E", T("A1", MINIMAL))).templates[0].face_data is not None


def test_dg2_19794_record_in_7f2e_still_reads_as_19794():
    from .test_dg2 import BHT, RECORD

    dg2 = Dg2.from_bytes(_dg2(BHT, "7F2E", RECORD))
    assert dg2.templates[0].face_data is None and dg2.templates[0].encoding == "ISO/IEC 19794-5"


@pytest.mark.parametrize("data,fragment", [
    (_dg2(BHT_39794, "5F2E", T("A1", MINIMAL)), "needs a 7F2E data block"),
    (_dg2(BHT_39794, "7F2E", MINIMAL), "one A1 template"),
    (_dg2(BHT_39794, "7F2E", T("A1", MINIMAL) + T("A1", MINIMAL)), "one A1 template"),
    (_dg2(BHT_39794, "7F2E", T("A1", T("66", b""))), "one FaceImageDataBlock (65)"),
    (_dg2(BHT_39794, "7F2E", T("A1", _block(_rep(FORMAT_JPEG, image=b"")))), "holds no image"),
])
def test_dg2_39794_faults(data, fragment):
    with pytest.raises(ParseError) as e:
        Dg2.from_bytes(data)
    assert fragment in str(e.value) and e.value.what.startswith("DG2")


def test_dg2_error_offset_is_in_the_file():
    data = _dg2(BHT_39794, "7F2E", T("A1", _block(_rep(FORMAT_JPEG, T("A2", H("800207E8" "81010D"))))))
    with pytest.raises(ParseError) as e:
        decode_file("DG2", data)
    assert e.value.offset == data.index(H("81010D")) and e.value.source == "DG2"


def test_jpeg2000_face_in_a_39794_dg2_exports():
    jp2 = _jp2_face()
    dg2 = Dg2.build_39794(jp2, "jpeg2000", 40, 50, capture_date=DateTimeBlock(2025, 1, 2))
    face = Dg2.from_bytes(dg2.to_bytes()).faces[0]
    assert isinstance(face, FaceRepresentation) and face.image == jp2 and face.image_data_format == 3
    assert export_image(face.image, "face.jp2").data == jp2
    png = export_image(face.image, "face.png")
    assert image_format(png.data) is ImageFormat.PNG and (png.width, png.height) == (40, 50)
    lossless = Dg2.build_39794(jp2, "jpeg2000", lossless=True)
    assert lossless.faces[0].image_data_format == 4


def test_dg2_39794_shows_its_facts():
    d = Dg2.build_39794(JPEG, "jpeg", 480, 640, capture_date=DateTimeBlock(2024, 5, 17)).to_dict()
    (t,) = d["templates"]
    assert t["encoding"] == "ISO/IEC 39794-5" and t["version"] == "generation 3, 2019"
    assert t["faces"][0] == {"representation_id": 0, "image_type": "jpeg", "image_data_format": "jpeg",
                                       "width": 480, "height": 640, "image_size": 4, "capture_date": "2024-05-17",
                                       "face_image_kind": "mrtd"}


def test_dg2_39794_any_corruption_gives_a_value_or_parse_error():
    for data in mutations(DG2_MINIMAL):
        value_or_parse_error(Dg2, data)
