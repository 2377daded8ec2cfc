"""BER-TLV codec: table of (structure, bytes) both ways, strictness, bounds, and properties."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cardkit import tlv
from cardkit.errors import ParseError

EF_COM = bytes.fromhex("60145F0104303130365F36063034303030305C026175")

CASES = [
    (0x5C, bytes.fromhex("6175"), "5C026175"),
    (0x5F01, b"0106", "5F010430313036"),
    (0x04, b"", "0400"),
    (0x04, bytes(127), "047F" + "00" * 127),
    (0x04, bytes(128), "048180" + "00" * 128),
    (0x04, bytes(256), "04820100" + "00" * 256),
    (0x7F61, b"\x02\x01\x01", "7F6103020101"),
    (0x1F8101, b"\x01", "1F810101" + "01"),
]


@pytest.mark.parametrize("tag,value,hexed", CASES)
def test_encode_and_decode_table(tag, value, hexed):
    data = bytes.fromhex(hexed)
    assert tlv.encode(tag, value) == data
    t = tlv.decode(data)
    assert (t.tag, t.value, t.raw) == (tag, value, data)


@pytest.mark.parametrize("tag,value,hexed", CASES)
def test_trailing_data_is_refused_unless_allowed(tag, value, hexed):
    data = bytes.fromhex(hexed) + b"\x90"
    with pytest.raises(ParseError) as e:
        tlv.decode(data)
    assert e.value.offset == len(data) - 1
    assert tlv.decode(data, allow_trailing=True).value == value


@pytest.mark.parametrize("tag,value,hexed", CASES)
def test_every_truncation_is_a_parse_error(tag, value, hexed):
    data = bytes.fromhex(hexed)
    for n in range(len(data)):
        with pytest.raises(ParseError):
            tlv.decode(data[:n])


def test_ef_com_children_and_paths():
    t = tlv.decode(EF_COM)
    assert [c.tag for c in t.children()] == [0x5F01, 0x5F36, 0x5C]
    assert t.child(0x5F01).value == b"0106"
    assert t.find(0x99) is None
    with pytest.raises(ParseError) as e:
        t.child(0x99)
    assert e.value.path == (0x60,)


def test_nested_error_names_offset_and_tag_path():
    bad = bytes.fromhex("7003" + "6105" + "01")  # inner length 5 runs past its parent
    with pytest.raises(ParseError) as e:
        tlv.decode(bad).children()
    assert e.value.path == (0x70,)
    assert e.value.offset == 2
    assert "61" in str(e.value) and "offset 2" in str(e.value)


def test_indefinite_length_refused():
    with pytest.raises(ParseError, match="indefinite"):
        tlv.decode(bytes.fromhex("30800000"))


def test_too_many_length_bytes_refused():
    with pytest.raises(ParseError, match="length bytes"):
        tlv.decode(bytes.fromhex("0485" + "0000000001" + "00"))


def test_long_tag_refused():
    with pytest.raises(ParseError, match="tag longer"):
        tlv.decode(bytes.fromhex("1F8181818101" + "00"))


def test_padding_bytes_are_not_tags():
    for b in ("00", "FF"):
        with pytest.raises(ParseError, match="padding"):
            tlv.decode(bytes.fromhex(b + "00"))


def test_depth_bound():
    data = b"\x01"
    inner = tlv.encode(0x04, data)
    for _ in range(tlv.MAX_DEPTH + 2):
        inner = tlv.encode(0x30, inner)
    node = tlv.decode(inner)
    with pytest.raises(ParseError, match="nesting deeper"):
        for _ in range(tlv.MAX_DEPTH + 2):
            node = node.children()[0]


def test_non_minimal_length_is_kept_in_raw():
    data = bytes.fromhex("048103414243")
    t = tlv.decode(data)
    assert t.value == b"ABC" and t.raw == data
    assert tlv.encode(t.tag, t.value) == bytes.fromhex("0403414243")


def test_decode_header_on_file_prefix_gives_total_size():
    tag, start, length = tlv.decode_header(bytes.fromhex("77820C35"))
    assert (tag, start, length) == (0x77, 4, 0x0C35)


def test_decode_is_a_view_not_a_copy():
    buf = bytes(10) + tlv.encode(0x04, b"x" * 1000)
    t = tlv.decode(memoryview(buf)[10:])
    assert t.value_view.obj is buf


def test_constructed_bit():
    assert tlv.is_constructed(0x7F61) and tlv.is_constructed(0x30)
    assert not tlv.is_constructed(0x5F1F) and not tlv.is_constructed(0x04)


tags = st.one_of(
    st.integers(0x01, 0x1E).map(lambda x: x | 0x40),
    st.integers(0x1F, 0x7F).map(lambda x: 0x5F00 | x),
    st.integers(0x01, 0x7F).map(lambda x: 0x7F00 | x),
)
primitive = st.builds(lambda t, v: tlv.encode(t & ~0x20 if t < 0x100 else t, v), tags, st.binary(max_size=300))


@st.composite
def trees(draw, depth=3):
    if depth == 0 or draw(st.booleans()):
        return draw(primitive)
    kids = draw(st.lists(trees(depth=depth - 1), max_size=4))
    return tlv.encode(0x30, b"".join(kids))


@given(trees())
def test_round_trip_property(data):
    t = tlv.decode(data)
    assert t.raw == data
    rebuilt = _rebuild(t)
    assert rebuilt == data


def _rebuild(t):
    if t.tag == 0x30:
        return tlv.encode(t.tag, b"".join(_rebuild(c) for c in t.children()))
    return tlv.encode(t.tag, t.value)


@given(st.binary(max_size=200))
def test_random_bytes_give_tlvs_or_parse_error_only(data):
    try:
        for t in tlv.iter_tlvs(data):
            if t.constructed:
                try:
                    t.children()
                except ParseError:
                    pass
    except ParseError:
        pass


@given(st.integers(0, 2**32 - 1))
def test_length_encoding_round_trip(n):
    enc = tlv.encode_length(n)
    tag, start, length = tlv.decode_header(b"\x04" + enc)
    assert length == n and start == 1 + len(enc)


# --- read_header: a typed "need more bytes" signal --------------------------------------------------


def test_read_header_table():
    # (bytes, the header or the bytes still needed at least)
    for hexed, want in [
        ("", tlv.Incomplete(2, "")),
        ("5F", tlv.Incomplete(2, "")),  # a two-byte tag started
        ("5F1F", tlv.Incomplete(1, "")),  # tag complete, no length yet
        ("7782", tlv.Incomplete(2, "")),  # two length bytes announced
        ("77820C", tlv.Incomplete(1, "")),
        ("77820C35", (0x77, 4, 0x0C35)),
        ("7F618400010000", (0x7F61, 7, 0x10000)),
        ("04", tlv.Incomplete(1, "")),
    ]:
        got = tlv.read_header(bytes.fromhex(hexed))
        if isinstance(want, tlv.Incomplete):
            assert isinstance(got, tlv.Incomplete) and got.needed == want.needed, hexed
        else:
            assert got == want, hexed


def test_read_header_refuses_what_no_more_bytes_can_mend():
    for hexed, match in [("00", "padding"), ("FF", "padding"), ("3080", "indefinite"), ("0485", "length bytes"),
                         ("1F818181", "tag longer"), ("1F81818181", "tag longer")]:
        with pytest.raises(ParseError, match=match):
            tlv.read_header(bytes.fromhex(hexed))


def test_decode_header_turns_incomplete_into_the_parse_error_it_always_gave():
    for hexed, match in [("", "expected a tag"), ("5F", "tag runs past the end"), ("5F1F", "has no length"),
                         ("7782", "length runs past the end")]:
        with pytest.raises(ParseError, match=match) as e:
            tlv.decode_header(bytes.fromhex("AA" + hexed), 1)
        assert e.value.offset == 1


any_tag = st.one_of(
    st.integers(0x01, 0x1E).map(lambda x: x | 0x40),  # one byte (never 00 or FF, never the 1F escape)
    st.integers(0x1F, 0x7F).map(lambda x: 0x5F00 | x),  # two bytes
    st.tuples(st.integers(0x81, 0xFF), st.integers(0x00, 0x7F)).map(lambda t: 0x1F0000 | t[0] << 8 | t[1]),
)


@given(any_tag, st.integers(0, 2**32 - 1), st.binary(max_size=8))
def test_every_prefix_of_a_header_asks_for_more_and_never_gives_a_wrong_header(tag, length, tail):
    header = tlv.tag_bytes(tag) + tlv.encode_length(length)
    for n in range(len(header)):
        got = tlv.read_header(header[:n])
        assert isinstance(got, tlv.Incomplete)
        assert 1 <= got.needed <= len(header) - n  # a lower bound: never asks past the header's end
    # the whole header, with anything after it, is the header
    assert tlv.read_header(header + tail) == (tag, len(header), length)
    assert tlv.decode_header(header + tail) == (tag, len(header), length)


@given(st.binary(max_size=12))
def test_read_header_gives_a_header_incomplete_or_parse_error_only(data):
    try:
        got = tlv.read_header(data)
    except ParseError:
        return
    if isinstance(got, tlv.Incomplete):
        assert got.needed >= 1
        with pytest.raises(ParseError):
            tlv.decode_header(data)
    else:
        assert tlv.decode_header(data) == got


@given(st.binary(max_size=8), st.integers(0, 3))
def test_the_in_line_common_header_is_read_header_whenever_it_answers(data, start):
    """``_one``'s fast path for common headers never disagrees with ``read_header``; it may only pass."""
    mv = memoryview(data)
    pos = min(start, len(data))
    fast = tlv._common_header(mv, pos, len(mv))
    if fast is not None:
        assert tlv.read_header(mv, pos) == fast


@pytest.mark.parametrize("hexed", ["0400", "5F1F0141", "048180", "04820100", "7F6103", "1F8101"])
def test_common_headers_take_the_in_line_path(hexed):
    data = bytes.fromhex(hexed)
    assert tlv._common_header(memoryview(data), 0, len(data)) == (
        None if hexed == "1F8101" else tlv.read_header(data))


def test_decoded_tlvs_are_the_frozen_dataclass_they_always_were():
    import dataclasses

    t = tlv.decode(bytes.fromhex("5F1F0141"))
    assert isinstance(t, tlv.Tlv) and (t.tag, t.start, t.value_start, t.end, t.depth) == (0x5F1F, 0, 3, 4, 0)
    assert t == tlv.Tlv(0x5F1F, t.buf, 0, 3, 4) and t.value == b"A"
    with pytest.raises(dataclasses.FrozenInstanceError):
        t.tag = 1  # type: ignore[misc]
