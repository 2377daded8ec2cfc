"""DG3 (Doc 9303-10 §4.7.3, ISO/IEC 19794-4:2005): hand-assembled records both ways, strict faults, real files."""


import pytest
from hypothesis import given, strategies as st

from cardkit import tlv
from cardkit.errors import InputError, ParseError
from cardkit.images import ImageFormat, stored_image, wsq_dimensions
from cardkit.lds import Dg3, FingerImage, decode_file
from cardkit.lds.iso19794_4 import POSITIONS, FingerImageRecord, finger_subtype
from tests.support.real_artifacts import real_path

from ._helpers import mutations, rejects_trailing, rejects_truncated, roundtrip, value_or_parse_error

# A WSQ file with nothing but its markers: SOI, a frame header of 2 x 3 pixels (FFA2, length 17, black 00,
# white FF, height 0003, width 0002, nine more header bytes), EOI. cardkit never decodes WSQ pixels.
WSQ = bytes.fromhex("FFA0" "FFA2" "0011" "00FF" "0003" "0002" "000000000000000000" "FFA1")
RECORD = bytes.fromhex(
    "46495200" "30313000" "000000000045"  # 'FIR\0', '010\0', record length 69 = 32 + 14 + 23
    "0000" "001F" "01" "01"  # capture device, acquisition level 31, one image, pixels per inch
    "01F4" "01F4" "01F4" "01F4" "08" "02" "0000"  # 500 ppi scan and image, 8 bits, WSQ, reserved
    "00000025" "02" "01" "01" "00" "00" "0002" "0003" "00"  # block 37, right index, view 1 of 1, q 0, plain, 2 x 3
) + WSQ
BHT = bytes.fromhex("A112" "80020101" "810108" "820109" "87020101" "88020007")
SIMPLE = bytes.fromhex("6365" "7F6162" "020101" "7F605C") + BHT + bytes.fromhex("5F2E45") + RECORD
FINGER = FingerImage(WSQ, position=2, width=2, height=3, compression=2)

CASES = [(Dg3.build([FINGER]), SIMPLE)]


@pytest.mark.parametrize("obj,data", CASES)
def test_table_both_ways(obj, data):
    roundtrip(Dg3, obj, data)
    rejects_trailing(Dg3, data)
    rejects_truncated(Dg3, data)
    assert decode_file("DG3", data) == obj


def test_fields():
    dg3 = Dg3.from_bytes(SIMPLE)
    (f,) = dg3.fingers
    assert (f.position, f.position_name, f.image_type, f.width, f.height, f.image) == (
        2, "right index finger", "wsq", 2, 3, WSQ)
    t = dg3.templates[0]
    assert (t.header.biometric_type, t.header.biometric_subtype, t.header.format_type) == (8, 9, 7)
    assert (t.record.scan_resolution, t.record.pixel_depth, t.record.acquisition_level) == ((500, 500), 8, 31)
    d = dg3.to_dict()
    assert d["templates"][0]["fingers"][0]["position_name"] == "right index finger"
    assert "image" not in str(d).replace("image_", "")  # the image is summarised, never dumped


def test_two_fingers_one_template_each_and_jpeg2000():
    jp2 = bytes.fromhex("0000000C6A5020200D0A870A") + b"\x00" * 8
    left = FingerImage(jp2, position=7, width=300, height=400, compression=4, quality=80)
    dg3 = Dg3.build([FINGER, left])
    assert len(dg3.templates) == 2 and dg3.fingers == (FINGER, left)
    assert [t.header.biometric_subtype for t in dg3.templates] == [0x09, 0x0A]  # right / left index (7816-11 C.3)
    assert Dg3.from_bytes(dg3.to_bytes()) == dg3 and dg3.fingers[1].image_type == "jpeg2000"


def test_finger_subtypes_and_names():
    assert [finger_subtype(p) for p in (1, 2, 5, 6, 7, 10)] == [0x05, 0x09, 0x15, 0x06, 0x0A, 0x16]
    assert finger_subtype(13) is None and finger_subtype(0) is None
    assert POSITIONS[1] == "right thumb" and POSITIONS[10] == "left little finger"


def _with_record(rec: bytes) -> bytes:
    bit = tlv.encode(0x7F60, BHT + tlv.encode(0x5F2E, rec))
    return tlv.encode(0x63, tlv.encode(0x7F61, bytes.fromhex("020101") + bit))


@pytest.mark.parametrize(
    "data,fragment",
    [
        (_with_record(RECORD[:31]), "shorter than the 32-byte header"),
        (_with_record(b"FIX\x00" + RECORD[4:]), "format identifier"),
        (_with_record(RECORD[:4] + b"020\x00" + RECORD[8:]), "19794-4:2005"),
        (_with_record(RECORD[:13] + b"\x46" + RECORD[14:]), "record length field 70"),
        (_with_record(RECORD[:18] + b"\x00" + RECORD[19:]), "number of finger images 0"),
        (_with_record(RECORD[:18] + b"\x02" + RECORD[19:]), "finger 2: finger image header truncated"),
        (_with_record(RECORD[:35] + b"\x26" + RECORD[36:]), "block length 38 does not fit"),
        (_with_record(RECORD[:35] + b"\x0e" + RECORD[36:]), "block length 14"),
        (_with_record(RECORD[:35] + b"\x24" + RECORD[36:]), "1 bytes after the last finger image"),
        (SIMPLE.replace(bytes.fromhex("810108"), bytes.fromhex("810102")), "biometric type 2 is not finger (8)"),
        (SIMPLE.replace(bytes.fromhex("88020007") + bytes.fromhex("5F2E45") + b"FIR",
                        bytes.fromhex("88020002") + bytes.fromhex("5F2E45") + b"FMR"), "not a finger image record"),
        (bytes.fromhex("6303020101"), "missing biometric information group"),
        (bytes.fromhex("6306" "7F6103" "020102"), "instance count 2 but 0"),
        (bytes.fromhex("6365") + SIMPLE[2:].replace(bytes.fromhex("5F2E45"), bytes.fromhex("9F2E45")),
         "no biometric data block"),
        (bytes.fromhex("7565") + SIMPLE[2:], "outer tag"),
    ],
)
def test_malformed(data, fragment):
    with pytest.raises(ParseError) as e:
        Dg3.from_bytes(data)
    assert fragment in str(e.value)


def test_errors_name_the_template_and_offset():
    data = _with_record(RECORD[:13] + b"\x46" + RECORD[14:])
    with pytest.raises(ParseError) as e:
        Dg3.from_bytes(data)
    assert "template 1" in str(e.value) and e.value.offset == data.index(b"FIR") + 8


@pytest.mark.parametrize("finger,fragment", [
    (FingerImage(b"\xff\xd8\xff\xd9", position=2, width=2, height=3, compression=2), "not WSQ"),
    (FingerImage(WSQ, position=2, width=0, height=3), "positive"),
    (FingerImage(WSQ, position=256, width=2, height=3), "position must fit"),
    (FingerImage(b"", position=2, width=2, height=3, compression=0), "empty"),
    (FingerImage(WSQ, position=2, width=2, height=3, quality=300), "quality"),
])
def test_builder_refuses(finger, fragment):
    with pytest.raises(InputError) as e:
        Dg3.build([finger])
    assert fragment in str(e.value)
    with pytest.raises(InputError):
        Dg3.build([])


def test_one_compression_per_record():
    jp2 = bytes.fromhex("0000000C6A5020200D0A870A")
    record = FingerImageRecord((FINGER, FingerImage(jp2, position=7, width=2, height=3, compression=4)))
    with pytest.raises(InputError, match="one compression"):
        record.check("DG3")


def test_every_mutation_parses_or_fails_cleanly():
    for m in mutations(SIMPLE):
        value_or_parse_error(Dg3, m)


@given(st.binary(max_size=200))
def test_any_bytes(data):
    value_or_parse_error(Dg3, data)


@given(st.lists(st.tuples(st.integers(0, 15), st.integers(1, 2000), st.integers(1, 2000), st.integers(0, 100),
                          st.sampled_from([0, 1, 2, 3])), min_size=1, max_size=4))
def test_build_parse_roundtrip(specs):
    fingers = [FingerImage(WSQ, position=p, width=w, height=h, quality=q, impression_type=i) for p, w, h, q, i in specs]
    dg3 = Dg3.build(fingers)
    assert Dg3.from_bytes(dg3.to_bytes()) == dg3 and dg3.fingers == tuple(fingers)


def test_wsq_markers():
    assert wsq_dimensions(WSQ) == (2, 3)
    exported = stored_image(WSQ, what="DG3 finger 1")
    assert exported.data == WSQ and exported.format is ImageFormat.WSQ and not exported.reencoded
    for bad, fragment in ((WSQ[:-2], "EOI"), (b"\xff\xd8" + WSQ[2:], "SOI"), (WSQ[:4] + b"\x00\x40" + WSQ[6:], "fit"),
                          (WSQ[:2] + b"\xff\xa3\x00\x02" + WSQ[2:], "before the frame header"),
                          (bytes.fromhex("FFA0FFA80004ABCDFFA1"), "no WSQ frame header")):
        with pytest.raises(ParseError) as e:
            wsq_dimensions(bad)
        assert fragment in str(e.value)


@pytest.fixture
def bsi_dg3():
    return real_path("dump", "BSI-2008", "DG3").read_bytes()


def test_real_dg3_decodes(bsi_dg3):
    dg3 = Dg3.from_bytes(bsi_dg3)
    assert dg3.to_bytes() == bsi_dg3
    assert [(f.position_name, f.image_type, f.width, f.height) for f in dg3.fingers] == [
        ("right index finger", "wsq", 620, 620), ("left index finger", "wsq", 620, 620)]
    for f in dg3.fingers:  # the WSQ images are whole: frame header and EOI where they belong
        assert wsq_dimensions(f.image) == (f.width, f.height)
        assert stored_image(f.image).data == f.image
