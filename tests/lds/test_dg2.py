"""DG2 (Doc 9303-10 §4.7.2, ISO/IEC 19794-5:2005): hand-assembled records both ways, strict faults."""

import pytest
from hypothesis import given, strategies as st

from cardkit.errors import InputError, ParseError
from cardkit.lds import Dg2, FeaturePoint

from ._helpers import mutations, rejects_trailing, rejects_truncated, roundtrip, value_or_parse_error

JPEG = bytes.fromhex("FFD8FFD9")
JP2 = bytes.fromhex("0000000C6A5020200D0A870A") + b"\x00" * 4

# One face, no feature points, 2 x 3 JPEG; every length written out by hand.
FACE_BLOCK = bytes.fromhex(
    "00000024"  # facial record data length 36 = 20 + 12 + 4
    "0000"  # feature points
    "00" "00" "00"  # gender, eye colour, hair colour
    "000000" "0000"  # feature mask, expression
    "000000" "000000"  # pose angles, uncertainties
    "01" "00" "0002" "0003" "01" "02" "0000" "0000"  # full frontal, JPEG, 2 x 3, RGB24, digital camera
) + JPEG
RECORD = bytes.fromhex("46414300" "30313000" "00000032" "0001") + FACE_BLOCK  # 14 + 36 = 50
BHT = bytes.fromhex("A10F" "80020101" "810102" "87020101" "88020008")
SIMPLE = bytes.fromhex("754F" "7F614C" "020101" "7F6046") + BHT + bytes.fromhex("5F2E32") + RECORD

# Same with one feature point, gender male, a quality and JPEG2000.
FACE_BLOCK_2 = bytes.fromhex(
    "00000038" "0001" "01" "02" "03" "000001" "0001" "5B5B5B" "010101"
    "01" "11" "0064" "00C8" "0000"  # feature point type 1, code 1.1, (100, 200)
    "01" "01" "01E0" "0280" "01" "02" "0000" "0032"  # JPEG2000 480 x 640, quality 50
) + JP2  # 20 + 8 + 12 + 16 = 56
RECORD_2 = bytes.fromhex("46414300" "30313000" "00000046" "0001") + FACE_BLOCK_2  # 14 + 56 = 70
RICH = bytes.fromhex("7563" "7F6160" "020101" "7F605A") + BHT + bytes.fromhex("5F2E46") + RECORD_2


def _face(**kw):
    return Dg2.build(JPEG, "jpeg", 2, 3, **kw)


CASES = [
    (Dg2.build(JPEG, "jpeg", 2, 3), SIMPLE),
    (Dg2.build(JP2, "jpeg2000", 480, 640, gender=1, eye_colour=2, hair_colour=3, feature_mask=1, expression=1,
               pose_angle=(0x5B, 0x5B, 0x5B), pose_angle_uncertainty=(1, 1, 1),
               feature_points=(FeaturePoint(1, 0x11, 100, 200),), quality=50), RICH),
]


@pytest.mark.parametrize("obj,data", CASES)
def test_table_both_ways(obj, data):
    roundtrip(Dg2, obj, data)
    rejects_trailing(Dg2, data)
    rejects_truncated(Dg2, data)


def test_fields_of_the_rich_case():
    face = Dg2.from_bytes(RICH).faces[0]
    assert (face.image_type, face.width, face.height, face.image) == ("jpeg2000", 480, 640, JP2)
    assert (face.gender, face.eye_colour, face.hair_colour, face.quality) == (1, 2, 3, 50)
    assert face.feature_points == (FeaturePoint(1, 0x11, 100, 200),)
    assert face.pose_angle == (0x5B, 0x5B, 0x5B)
    t = Dg2.from_bytes(RICH).templates[0]
    assert (t.header.biometric_type, t.header.format_owner, t.header.format_type) == (2, 0x0101, 0x0008)


def test_two_faces_in_one_record_and_7f2e():
    rec = bytes.fromhex("46414300" "30313000" "00000056" "0002") + FACE_BLOCK + FACE_BLOCK
    data = bytes.fromhex("7581" "73" "7F6170" "020101" "7F606A") + BHT + bytes.fromhex("7F2E56") + rec
    dg2 = Dg2.from_bytes(data)
    assert len(dg2.faces) == 2 and dg2.templates[0].bdb_tag == 0x7F2E
    assert dg2.to_bytes() == data


def test_header_elements_kept_in_order():
    bht = bytes.fromhex("A11B" "80020101" "810102" "820100" "830720210301120000" "87020101" "88020008")
    inner = bht + bytes.fromhex("5F2E32") + RECORD  # 29 + 53 = 82
    data = bytes.fromhex("755B" "7F6158" "020101" "7F6052") + inner
    h = Dg2.from_bytes(data).templates[0].header
    assert [t for t, _ in h.elements] == [0x80, 0x81, 0x82, 0x83, 0x87, 0x88]
    assert h.creation_date == bytes.fromhex("20210301120000") and h.biometric_subtype == 0


def _with_record(rec: bytes) -> bytes:
    from cardkit import tlv

    bit = tlv.encode(0x7F60, BHT + tlv.encode(0x5F2E, rec))
    return tlv.encode(0x75, tlv.encode(0x7F61, bytes.fromhex("020101") + bit))


@pytest.mark.parametrize(
    "data,fragment",
    [
        (_with_record(b"FAC\x00010\x00"), "shorter than the 14-byte header"),
        (_with_record(b"FAX\x00" + RECORD[4:]), "format identifier"),
        (_with_record(RECORD[:4] + b"030\x00" + RECORD[8:]), "version"),
        (_with_record(RECORD[:11] + b"\x33" + RECORD[12:]), "record length field 51"),
        (_with_record(RECORD[:13] + b"\x02" + RECORD[14:]), "facial information block truncated"),
        (_with_record(RECORD[:13] + b"\x00" + RECORD[14:]), "number of faces 0"),
        (_with_record(RECORD[:17] + b"\x25" + RECORD[18:]), "block length 37"),
        (_with_record(RECORD[:17] + b"\x1f" + RECORD[18:]), "block length 31"),
        (_with_record(RECORD[:18] + b"\x00\x05" + RECORD[20:]), "block length 36 does not fit"),
        (_with_record(RECORD[:35] + b"\x02" + RECORD[36:]), "image data type 2"),
        (_with_record(RECORD[:11] + b"\x2e" + RECORD[12:17] + b"\x20" + RECORD[18:46]), "no image data"),
        (_with_record(RECORD[:11] + b"\x33" + RECORD[12:] + b"\x00"), "1 bytes after the last face"),
        (bytes.fromhex("7503020101"), "missing biometric information group"),
        (bytes.fromhex("7506" "7F6103" "020102"), "instance count 2 but 0"),
        (bytes.fromhex("7508" "7F6105" "020100" "0000"), "padding"),
        (bytes.fromhex("7508" "7F6105" "5F2E00" "0200"), "must start with the instance count"),
        (bytes.fromhex("7508" "7F6105" "020101" "A100"), "unexpected tag A1"),
        (bytes.fromhex("7509" "7F6106" "020101" "7F6000"), "no biometric header"),
        (bytes.fromhex("750B" "7F6108" "020101" "7F6002A100"), "no biometric data block"),
        (SIMPLE.replace(bytes.fromhex("810102"), bytes.fromhex("810108")), "not face"),
        (bytes.fromhex("764F") + SIMPLE[2:], "outer tag"),
    ],
)
def test_malformed(data, fragment):
    with pytest.raises(ParseError) as e:
        Dg2.from_bytes(data)
    assert fragment in str(e.value)


def test_error_names_offset():
    data = _with_record(RECORD[:35] + b"\x02" + RECORD[36:])
    with pytest.raises(ParseError) as e:
        Dg2.from_bytes(data)
    assert e.value.what == "DG2" and e.value.offset == data.index(RECORD[:14]) + 35


def test_build_refuses_bad_input():
    with pytest.raises(InputError):
        Dg2.build(JPEG, "png", 2, 3)
    with pytest.raises(InputError):
        Dg2.build(b"\x89PNG", "jpeg", 2, 3)
    with pytest.raises(InputError):
        Dg2.build(JPEG, "jpeg2000", 2, 3)
    with pytest.raises(InputError):
        Dg2.build(JPEG, "jpeg", 0, 3)
    with pytest.raises(InputError):
        Dg2.build(JPEG, "jpeg", 70000, 3)
    with pytest.raises(InputError):
        _face(pose_angle=(1, 2))
    with pytest.raises(InputError):
        _face(creation_date=b"\x20\x21")


def test_summary_never_dumps_the_image():
    d = Dg2.build(JPEG + b"A" * 1000, "jpeg", 2, 3).to_dict()
    text = repr(d)
    assert "41414141" not in text and "AAAA" not in text
    assert d["templates"][0]["faces"][0]["image_size"] == 1004
    assert "AAAA" not in repr(Dg2.build(JPEG + b"A" * 1000, "jpeg", 2, 3))


def test_mutations():
    for m in mutations(RICH):
        value_or_parse_error(Dg2, m)


_POINT = st.builds(FeaturePoint, st.integers(0, 255), st.integers(0, 255), st.integers(0, 65535),
                   st.integers(0, 65535), st.integers(0, 65535))
_BYTE = st.integers(0, 255)


@given(
    image=st.binary(min_size=0, max_size=64),
    jp2=st.booleans(),
    width=st.integers(1, 65535),
    height=st.integers(1, 65535),
    gender=_BYTE, quality=st.integers(0, 65535), mask=st.integers(0, (1 << 24) - 1),
    pose=st.tuples(_BYTE, _BYTE, _BYTE),
    points=st.lists(_POINT, max_size=4),
    subtype=st.none() | _BYTE,
)
def test_build_parse_roundtrip(image, jp2, width, height, gender, quality, mask, pose, points, subtype):
    img = (JP2 if jp2 else JPEG) + image
    dg2 = Dg2.build(img, "jpeg2000" if jp2 else "jpeg", width, height, gender=gender, quality=quality,
                    feature_mask=mask, pose_angle=pose, feature_points=tuple(points), biometric_subtype=subtype)
    back = Dg2.from_bytes(dg2.to_bytes())
    assert back == dg2
    f = back.faces[0]
    assert (f.image, f.width, f.height, f.gender, f.quality, f.feature_mask, f.pose_angle) == (
        img, width, height, gender, quality, mask, pose)
    assert f.feature_points == tuple(points)
    assert back.templates[0].header.biometric_subtype == subtype


@given(st.binary(max_size=200))
def test_random_bytes(data):
    value_or_parse_error(Dg2, data)


@given(st.binary(max_size=120))
def test_random_record(rec):
    value_or_parse_error(Dg2, _with_record(b"FAC\x00010\x00" + rec))
