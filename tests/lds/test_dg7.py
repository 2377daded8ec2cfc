"""DG7: displayed signature or usual mark (Doc 9303-10 §4.7.7), both ways, strict faults, the real file."""


import pytest
from hypothesis import given, strategies as st

from cardkit.errors import InputError, ParseError
from cardkit.images import export_image
from cardkit.lds import Dg7, decode_file
from tests.support.real_artifacts import real_path

from ._helpers import mutations, rejects_trailing, rejects_truncated, roundtrip, value_or_parse_error
from ._tlvhand import H, T

JPEG = H("FFD8FFE000104A464946000101000001000100000000FFD9")
J2K = H("FF4FFF51") + bytes(12)

ONE = H("671E" "020101" "5F4318") + JPEG
TWO = T("67", H("020102") + T("5F43", JPEG) + T("5F43", J2K))

CASES = [(Dg7.build([JPEG]), ONE), (Dg7.build([JPEG, J2K]), TWO)]


@pytest.mark.parametrize("obj,data", CASES)
def test_table_both_ways(obj, data):
    roundtrip(Dg7, obj, data)
    rejects_trailing(Dg7, data)
    rejects_truncated(Dg7, data)


def test_images_as_stored_and_described():
    dg7 = Dg7.from_bytes(TWO)
    assert dg7.images == (JPEG, J2K) and dg7.other == ()
    assert dg7.to_dict() == {"file": "DG7", "images": [{"format": "JPEG", "size": len(JPEG)},
                                                       {"format": "JPEG 2000 codestream", "size": 16}]}
    assert "FFD8" not in repr(dg7)


def test_other_elements_are_kept_in_order():
    data = T("67", H("020101") + T("5F43", JPEG) + H("5F440141"))
    dg7 = Dg7.from_bytes(data)
    assert dg7.other == ((0x5F44, b"A"),) and dg7.to_bytes() == data


@pytest.mark.parametrize("data,fragment", [
    (T("67", T("5F43", JPEG)), "must start with the count"),
    (T("67", b""), "must start with the count"),
    (T("67", H("020102") + T("5F43", JPEG)), "count 2 but 1"),
    (T("67", H("020100")), "count 0 but 0"),
    (T("67", H("0200") + T("5F43", JPEG)), "count of 0 bytes"),
    (T("67", H("020101") + H("5F4300")), "image 1 is empty"),
    (T("67", H("020101") + T("5F43", JPEG) + H("020101")), "count 02 repeated"),
    (T("68", H("020101") + T("5F43", JPEG)), "outer tag"),
])
def test_malformed(data, fragment):
    with pytest.raises(ParseError) as e:
        Dg7.from_bytes(data)
    assert fragment in str(e.value) and "DG7" in str(e.value)


@pytest.mark.parametrize("images", [[], [b""], [b"GIF89a"], [JPEG] * 256])
def test_build_refuses(images):
    with pytest.raises(InputError):
        Dg7.build(images)


def test_corruptions_give_a_value_or_parse_error():
    for data in mutations(TWO):
        value_or_parse_error(Dg7, data)


@given(st.binary(max_size=150))
def test_any_bytes(data):
    value_or_parse_error(Dg7, data)


@given(st.lists(st.sampled_from([JPEG, J2K]).flatmap(lambda m: st.binary(max_size=40).map(lambda t: m + t)),
                min_size=1, max_size=5))
def test_build_parse(images):
    d = Dg7.build(images)
    assert Dg7.from_bytes(d.to_bytes()) == d and d.images == tuple(images)


def test_the_real_dg7_decodes_and_its_signature_exports():
    path = real_path("dg", "unnamed.dg7")
    data = path.read_bytes()
    dg7 = decode_file("DG7", data)
    assert isinstance(dg7, Dg7) and len(dg7.images) == 1 and dg7.to_bytes() == data
    jpg = export_image(dg7.images[0], "sig.jpg")
    assert jpg.data == dg7.images[0] and not jpg.reencoded and (jpg.width, jpg.height) == (148, 70)
    assert export_image(dg7.images[0], "sig.png").data.startswith(H("89504E47"))
