"""Vietnamese DG13 (as real CCCD cards carry it): 16 fields by number, both field-13 layouts, field 14, NFC text."""

import unicodedata

import pytest
from hypothesis import given, strategies as st

from cardkit.errors import InputError, ParseError
from cardkit.lds import Dg13Vn

from ._helpers import mutations, rejects_trailing, rejects_truncated, roundtrip, value_or_parse_error
from ._tlvhand import H, T

OID = H("060628D316010008")  # 1.0.10646.1.0.8


def F(n: int, *values: bytes) -> bytes:
    return T("30", T("02", bytes([n])) + b"".join(values))


def P(s: str) -> bytes:
    return T("13", s)


def U(s: str) -> bytes:
    return T("0C", s)


def dg13(*fields: bytes) -> bytes:
    return T("6D", T("30", T("02", H("01")) + OID + T("31", b"".join(fields))))


FIELDS = dict(
    id_number="001190012345", full_name="Nguyễn Thị Ánh Tuyết", date_of_birth="01/01/1990", sex="Nữ",
    nationality="Việt Nam", ethnicity="Kinh", religion="Không", place_of_origin="Xã Lũng Cú, Tuyên Quang",
    place_of_residence="Phường Tân Lợi, Buôn Ma Thuột, Đắk Lắk", identification_features="Nốt ruồi C:2cm trên mép trái",
    date_of_issue="01/03/2021", date_of_expiry="01/01/2030", father_name="Nguyễn Văn Bình", mother_name="Trần Thị Chi",
    spouse_name="Lê Văn Dũng", old_id_number="123456789", field16="0123456789ABCDEF",
)
FULL = dg13(
    F(1, P("001190012345")), F(2, U("Nguyễn Thị Ánh Tuyết")), F(3, P("01/01/1990")), F(4, U("Nữ")),
    F(5, U("Việt Nam")), F(6, U("Kinh")), F(7, U("Không")), F(8, U("Xã Lũng Cú, Tuyên Quang")),
    F(9, U("Phường Tân Lợi, Buôn Ma Thuột, Đắk Lắk")), F(10, U("Nốt ruồi C:2cm trên mép trái")),
    F(11, P("01/03/2021")), F(12, U("01/01/2030")),
    F(13, T("30", U("Nguyễn Văn Bình")), T("30", U("Trần Thị Chi"))),
    F(14, U("Lê Văn Dũng")), F(15, P("123456789")), F(16, P("0123456789ABCDEF")),
)
UNMARRIED = dg13(F(1, P("001190012345")), F(2, U("Nguyễn Thị Ánh Tuyết")), F(12, U("Không thời hạn")),
                 F(13, T("30", U("Nguyễn Văn Bình")), T("30", U("Trần Thị Chi"))), F(14))
CASES = [
    (Dg13Vn.build(**FIELDS), FULL),
    (Dg13Vn.build(id_number="001190012345", full_name="Nguyễn Thị Ánh Tuyết", date_of_expiry="Không thời hạn",
                  father_name="Nguyễn Văn Bình", mother_name="Trần Thị Chi"), UNMARRIED),
    (Dg13Vn.build(), dg13(F(13), F(14))),
]


@pytest.mark.parametrize("obj,data", CASES)
def test_table_both_ways(obj, data):
    roundtrip(Dg13Vn, obj, data)
    rejects_trailing(Dg13Vn, data)
    rejects_truncated(Dg13Vn, data, step=7)


def test_all_sixteen_fields():
    d = Dg13Vn.from_bytes(FULL)
    assert d.fields() == FIELDS
    assert (d.version, d.oid, d.unknown) == (1, "1.0.10646.1.0.8", ())


def test_vietnamese_text_is_exact_nfc():
    d = Dg13Vn.from_bytes(FULL)
    assert d.full_name == "Nguyễn Thị Ánh Tuyết"
    assert d.place_of_origin == "Xã Lũng Cú, Tuyên Quang"
    assert unicodedata.is_normalized("NFC", d.full_name)
    # the UTF-8 bytes on the card are the NFC ones
    assert "Nguyễn Thị Ánh Tuyết".encode() in FULL
    # decomposed input is written in NFC
    nfd = unicodedata.normalize("NFD", "Nguyễn Thị Ánh Tuyết")
    assert nfd != "Nguyễn Thị Ánh Tuyết"
    built = Dg13Vn.build(full_name=nfd, place_of_origin=unicodedata.normalize("NFD", "Đắk Lắk"))
    assert built.full_name == "Nguyễn Thị Ánh Tuyết" and built.place_of_origin == "Đắk Lắk"
    assert "Nguyễn Thị Ánh Tuyết".encode() in built.raw


def test_field13_one_sequence_layout():
    one = dg13(F(2, U("A")), F(13, T("30", U("Nguyễn Văn Bình") + U("Trần Thị Chi"))))
    d = Dg13Vn.from_bytes(one)
    assert (d.father_name, d.mother_name) == ("Nguyễn Văn Bình", "Trần Thị Chi")
    assert d.to_bytes() == one  # read as stored, never rewritten


def test_field13_two_sequence_layout_is_what_build_writes():
    d = Dg13Vn.build(father_name="Nguyễn Văn Bình", mother_name="Trần Thị Chi")
    assert F(13, T("30", U("Nguyễn Văn Bình")), T("30", U("Trần Thị Chi"))) in d.raw


def test_field13_flat_and_missing_father():
    flat = dg13(F(13, U("Cha"), U("Mẹ")))
    assert (Dg13Vn.from_bytes(flat).father_name, Dg13Vn.from_bytes(flat).mother_name) == ("Cha", "Mẹ")
    only_mother = Dg13Vn.build(mother_name="Trần Thị Chi")
    assert (only_mother.father_name, only_mother.mother_name) == (None, "Trần Thị Chi")


def test_field14_number_only_when_unmarried_and_sequence_form_read():
    assert Dg13Vn.from_bytes(UNMARRIED).spouse_name is None
    assert Dg13Vn.build(spouse_name="", old_id_number="").raw == Dg13Vn.build().raw
    assert H("300302010E") in Dg13Vn.build(full_name="A").raw
    nested = dg13(F(14, T("30", U("Lê Văn Dũng"))))
    assert Dg13Vn.from_bytes(nested).spouse_name == "Lê Văn Dũng"


def test_unknown_field_numbers_kept_and_written_back():
    data = dg13(F(1, P("001190012345")), F(17, U("mới")), F(40, H("0401FF")))
    d = Dg13Vn.from_bytes(data)
    assert d.unknown == ((17, F(17, U("mới"))), (40, F(40, H("0401FF"))))
    assert d.to_bytes() == data
    rebuilt = Dg13Vn.build(id_number="001190012345", unknown=d.unknown)
    assert rebuilt.unknown == d.unknown
    assert F(17, U("mới")) in rebuilt.raw


def test_fields_found_by_number_not_position():
    shuffled = dg13(F(12, U("01/01/2030")), F(2, U("Nguyễn Thị Ánh Tuyết")), F(1, P("001190012345")))
    d = Dg13Vn.from_bytes(shuffled)
    assert (d.id_number, d.full_name, d.date_of_expiry) == ("001190012345", "Nguyễn Thị Ánh Tuyết", "01/01/2030")


def test_repr_hides_the_id_number():
    assert "001190012345" not in repr(Dg13Vn.from_bytes(FULL))


@pytest.mark.parametrize(
    "data,fragment",
    [
        (dg13(F(1, P("1")), F(1, P("2"))), "field 1 repeated"),
        (dg13(F(2, U("a"), U("b"))), "field 2 holds 2 values"),
        (dg13(F(13, U("a"), U("b"), U("c"))), "field 13 holds 3 names"),
        (dg13(T("30", b"")), "empty"),
        (dg13(F(2, T("0C", H("C3")))), "UTF-8"),
        (dg13(F(2, H("0201FF"))), "unexpected ASN.1 type"),
        (dg13(F(2, T("A0", U("x")))), "context class"),
        (dg13(F(2, T("30", T("30", T("30", T("30", T("30", U("x")))))))), "too deep"),
        (T("6D", T("30", T("02", H("01")) + OID + T("31", b"")) + H("00")), "DG13"),
        (T("6D", T("30", T("02", H("01")) + OID)), "DG13"),
        (T("6E", b""), "outer tag"),
        (dg13(F(1, T("13", H("C3A9")))), "non-ASCII"),
    ],
)
def test_malformed(data, fragment):
    with pytest.raises(ParseError) as e:
        Dg13Vn.from_bytes(data)
    assert fragment in str(e.value)
    assert e.value.what.startswith("DG13")


def test_build_refuses_bad_input():
    with pytest.raises(InputError):
        Dg13Vn.build(date_of_birth="01/01/1990ễ")
    with pytest.raises(InputError):
        Dg13Vn.build(full_name=123)
    with pytest.raises(InputError):
        Dg13Vn.build(unknown=[(2, F(2, U("x")))])
    with pytest.raises(InputError):
        Dg13Vn.build(unknown=[(17, F(18, U("x")))])
    with pytest.raises(InputError):
        Dg13Vn.build(unknown=[(17, H("3003"))])
    with pytest.raises(TypeError):
        Dg13Vn.build(nickname="x")


def test_mutations():
    for m in mutations(UNMARRIED):
        value_or_parse_error(Dg13Vn, m)


_VN = st.text(alphabet="aăâbcdđeêghiklmnoôơpqrstuưvxyàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ"
                       "AĂÂĐÊÔƠƯ ,.-", max_size=40)
_PRINTABLE = st.from_regex(r"[0-9A-Za-z /]{0,16}", fullmatch=True)
_ATTRS_U = ["full_name", "sex", "nationality", "ethnicity", "religion", "place_of_origin", "place_of_residence",
            "identification_features", "date_of_expiry", "spouse_name"]


@given(st.dictionaries(st.sampled_from(_ATTRS_U), _VN), st.dictionaries(
    st.sampled_from(["id_number", "date_of_birth", "date_of_issue", "old_id_number", "field16"]), _PRINTABLE),
    st.none() | _VN.filter(bool), st.none() | _VN.filter(bool))
def test_build_parse_roundtrip(utf8, printable, father, mother):
    fields = {**utf8, **printable, "father_name": father, "mother_name": mother}
    d = Dg13Vn.build(**fields)
    back = Dg13Vn.from_bytes(d.to_bytes())
    assert back == d
    # an empty spouse/parent name is "none": number-only field 14, no name in field 13
    absent = {"spouse_name", "father_name", "mother_name", "old_id_number", "field16"}
    want = {k: unicodedata.normalize("NFC", v) for k, v in fields.items()
            if v is not None and not (v == "" and k in absent)}
    got = back.fields()
    assert got == want


@given(st.binary(max_size=120))
def test_random_bytes(data):
    value_or_parse_error(Dg13Vn, data)


@given(st.binary(max_size=100))
def test_random_fields(content):
    value_or_parse_error(Dg13Vn, dg13(content))
