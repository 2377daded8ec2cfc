"""DG4 (Doc 9303-10 §4.7.4, ISO/IEC 19794-6:2005): hand-assembled records both ways, strict faults, real files."""


import pytest
from hypothesis import given, strategies as st

from cardkit import tlv
from cardkit.errors import InputError, ParseError
from cardkit.images import ImageFormat, image_format
from cardkit.lds import Dg4, IrisEye, IrisImage, IrisImageRecord, decode_file
from tests.support.real_artifacts import real_path

from ._helpers import mutations, rejects_trailing, rejects_truncated, roundtrip, value_or_parse_error

JP2 = bytes.fromhex("0000000C6A5020200D0A870A") + b"\x00" * 8  # the JP2 signature box, then filler
RECORD = bytes.fromhex(
    "49495200" "30313000" "0000004F"  # 'IIR\0', '010\0', record length 79 = 45 + 3 + 11 + 20
    "0000" "01" "002D"  # capture device, one eye, header length 45
    "0000" "0000" "0010" "0002" "0003"  # properties, iris diameter, RGB JPEG 2000, 2 x 3
    "08" "00" "00000000000000000000000000000000"  # intensity depth, transformation, device unique id
    "01" "0001"  # right eye, one image
    "0001" "FE" "FFFF" "FFFF" "00000014"  # image 1, quality not computed, rotation undefined, 20 bytes
) + JP2
BHT = bytes.fromhex("A112" "80020101" "810110" "820101" "87020101" "88020009")
SIMPLE = bytes.fromhex("766F" "7F616C" "020101" "7F6066") + BHT + bytes.fromhex("5F2E4F") + RECORD
IRIS = IrisImageRecord((IrisEye(1, (IrisImage(JP2),)),), image_format=16, width=2, height=3)

CASES = [(Dg4.build([IRIS]), SIMPLE)]


@pytest.mark.parametrize("obj,data", CASES)
def test_table_both_ways(obj, data):
    roundtrip(Dg4, obj, data)
    rejects_trailing(Dg4, data)
    rejects_truncated(Dg4, data)
    assert decode_file("DG4", data) == obj


def test_fields():
    dg4 = Dg4.from_bytes(SIMPLE)
    ((record, eye, image),) = dg4.images
    assert (eye.eye_name, record.image_type, record.width, record.height, image.image) == (
        "right eye", "RGB jpeg2000", 2, 3, JP2)
    assert (image.quality, image.rotation_angle) == (0xFE, 0xFFFF)
    assert dg4.templates[0].header.biometric_subtype == 1 and dg4.to_dict()["templates"][0]["eyes"][0]["eye"] == \
        "right eye"


def test_two_eyes_in_one_record():
    record = IrisImageRecord((IrisEye(1, (IrisImage(JP2),)), IrisEye(2, (IrisImage(JP2, 1), IrisImage(JP2, 2)))),
                             image_format=14, width=640, height=480)
    dg4 = Dg4.build([record])
    assert Dg4.from_bytes(dg4.to_bytes()) == dg4 and len(dg4.images) == 3
    assert dg4.templates[0].header.biometric_subtype is None  # both eyes: no one subtype names them


def _with_record(rec: bytes) -> bytes:
    bit = tlv.encode(0x7F60, BHT + tlv.encode(0x5F2E, rec))
    return tlv.encode(0x76, tlv.encode(0x7F61, bytes.fromhex("020101") + bit))


@pytest.mark.parametrize(
    "data,fragment",
    [
        (_with_record(RECORD[:44]), "shorter than the 45-byte header"),
        (_with_record(b"IIX\x00" + RECORD[4:]), "format identifier"),
        (_with_record(RECORD[:4] + b"020\x00" + RECORD[8:]), "19794-6:2005"),
        (_with_record(RECORD[:11] + b"\x50" + RECORD[12:]), "record length field 80"),
        (_with_record(RECORD[:16] + b"\x2e" + RECORD[17:]), "record header length 46"),
        (_with_record(RECORD[:14] + b"\x00" + RECORD[15:]), "number of iris subtypes 0"),
        (_with_record(RECORD[:14] + b"\x02" + RECORD[15:]), "subtype 2: subtype header truncated"),
        (_with_record(RECORD[:47] + b"\x00" + RECORD[48:]), "number of images 0"),
        (_with_record(RECORD[:47] + b"\x02" + RECORD[48:]), "image 2: image header truncated"),
        (_with_record(RECORD[:58] + b"\x15" + RECORD[59:]), "image length 21 does not fit"),
        (_with_record(RECORD[:58] + b"\x13" + RECORD[59:]), "1 bytes after the last image"),
        (SIMPLE.replace(bytes.fromhex("810110"), bytes.fromhex("810108")), "biometric type 8 is not iris (16)"),
        (bytes.fromhex("766F") + SIMPLE[2:].replace(bytes.fromhex("88020009") + bytes.fromhex("5F2E4F") + b"IIR",
                                                   bytes.fromhex("88020008") + bytes.fromhex("5F2E4F") + b"FAC"),
         "not an iris image record"),
        (bytes.fromhex("7603020101"), "missing biometric information group"),
    ],
)
def test_malformed(data, fragment):
    with pytest.raises(ParseError) as e:
        Dg4.from_bytes(data)
    assert fragment in str(e.value)


@pytest.mark.parametrize("record,fragment", [
    (IrisImageRecord((IrisEye(1, (IrisImage(b"\xff\xd8\xff\xd9"),)),), 16, 2, 3), "not RGB jpeg2000"),
    (IrisImageRecord((IrisEye(1, ()),), 16, 2, 3), "1 to"),
    (IrisImageRecord((IrisEye(1, (IrisImage(JP2, quality=999),)),), 16, 2, 3), "quality"),
    (IrisImageRecord((IrisEye(1, (IrisImage(JP2),)),), 16, 2, 3, device_unique_id=b"x"), "16 bytes"),
    (IrisImageRecord((), 16, 2, 3), "1 to 255 eyes"),
])
def test_builder_refuses(record, fragment):
    with pytest.raises(InputError) as e:
        Dg4.build([record])
    assert fragment in str(e.value)


def test_every_mutation_parses_or_fails_cleanly():
    for m in mutations(SIMPLE):
        value_or_parse_error(Dg4, m)


@given(st.binary(max_size=200))
def test_any_bytes(data):
    value_or_parse_error(Dg4, data)


@given(st.lists(st.tuples(st.integers(0, 2), st.integers(1, 3)), min_size=1, max_size=3),
       st.integers(1, 4000), st.integers(1, 4000))
def test_build_parse_roundtrip(eyes, width, height):
    record = IrisImageRecord(tuple(IrisEye(e, tuple(IrisImage(JP2, n + 1) for n in range(k))) for e, k in eyes),
                             image_format=14, width=width, height=height)
    dg4 = Dg4.build([record])
    assert Dg4.from_bytes(dg4.to_bytes()) == dg4 and dg4.templates[0].record == record


def test_real_dg4_decodes():
    path = real_path("dg", "BSI-2008-extra.dg4")
    data = path.read_bytes()
    dg4 = Dg4.from_bytes(data)
    assert dg4.to_bytes() == data
    assert [(e.eye_name, r.image_type, r.width, r.height) for r, e, _ in dg4.images] == [
        ("right eye", "RGB jpeg2000", 163, 149), ("left eye", "RGB jpeg2000", 160, 152)]
    assert all(image_format(i.image) is ImageFormat.JP2 for _, _, i in dg4.images)
