"""cardkit.production.records: VN citizen records, "đúng, đủ, sạch" validation, batch loading, VN TD1 MRZ."""

import dataclasses
import json
import unicodedata
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cardkit.errors import InputError, RecordError
from cardkit.lds import Dg13Vn
from cardkit.mrz import Mrz
from cardkit.production.records import (
    COLUMNS,
    FIELDS,
    NO_EXPIRY_TEXT,
    PROVINCES,
    CitizenRecord,
    load_records,
    validate,
)

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
VN = json.loads((ROOT / "tests" / "vectors" / "mrz" / "vn_cccd.json").read_text(encoding="utf-8"))
TODAY = date(2026, 11, 1)
PHOTO = EXAMPLES / "photos" / "tran-van-duc.jpg"


def good(**changes):
    base = dict(
        id_number="066085999002", full_name="Trần Văn Đức", date_of_birth="05/09/1985", sex="Nam",
        nationality="Việt Nam", ethnicity="Kinh", religion="Công giáo",
        place_of_origin="Xã Hòa Thắng, Thành phố Buôn Ma Thuột, Đắk Lắk",
        place_of_residence="Phường Tân Lợi, Thành phố Buôn Ma Thuột, Đắk Lắk",
        identification_features="Sẹo chấm C:2cm dưới sau cánh mũi trái", date_of_issue="10/10/2025",
        date_of_expiry="05/09/2045", father_name="Trần Văn Lộc", mother_name="Phạm Thị Hoa", photo=PHOTO,
    )
    base.update(changes)
    return CitizenRecord(**base)


# --- the spec example ------------------------------------------------------------------


def test_vn_spec_example_byte_for_byte():
    r = good(id_number=VN["record"]["id_number"], full_name=VN["record"]["full_name"],
             date_of_birth=VN["record"]["date_of_birth"], sex=VN["record"]["sex"],
             date_of_expiry=VN["record"]["date_of_expiry"])
    m = r.to_mrz()
    assert isinstance(m, Mrz) and m.format == "TD1"
    assert m.lines == tuple(VN["lines"])
    assert r.mrz_information == m.mrz_information == VN["mrz_information"]
    assert r.can == VN["can"]
    assert r.document_number == VN["document_number"]


def test_valid_record_has_no_reasons():
    assert validate(good(), today=TODAY) == []


def test_no_expiry_writes_fillers_in_the_mrz():
    r = good(id_number="046055999004", full_name="Hồ Văn Bảy", date_of_birth="14/02/1955",
             date_of_issue="01/06/2021", date_of_expiry=NO_EXPIRY_TEXT)
    assert validate(r, today=TODAY) == []
    assert r.expiry_date is None
    assert r.to_mrz().lines[1][8:15] == "<<<<<<0"
    assert Mrz.parse(r.to_mrz().lines) == r.to_mrz()


def test_dates_accept_date_objects_and_iso_and_keep_card_form():
    r = good(date_of_birth=date(1985, 9, 5), date_of_issue="2025-10-10")
    assert (r.date_of_birth, r.date_of_issue) == ("05/09/1985", "10/10/2025")
    assert r.birth_date == date(1985, 9, 5)


def test_dg13_fields_are_the_dg13_attribute_names_and_build():
    r = good(spouse_name="Hoàng Thị Lan", old_id_number="999123456")
    d = r.dg13_fields()
    assert tuple(d) == FIELDS
    assert d["date_of_birth"] == "05/09/1985" and d["field16"] is None and d["spouse_name"] == "Hoàng Thị Lan"
    dg13 = Dg13Vn.build(**d)
    back = Dg13Vn.from_bytes(dg13.to_bytes())
    assert back.full_name == "Trần Văn Đức" and back.mother_name == "Phạm Thị Hoa" and back.date_of_expiry == "05/09/2045"


def test_repr_and_errors_never_show_the_id():
    r = good()
    assert "066085999002" not in repr(r) and "Trần" not in repr(r)
    reasons = validate(good(id_number="066085999002", sex="Nữ"), today=TODAY)
    assert reasons and not any("999002" in x for x in reasons)


# --- validation rules --------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes,reason",
    [
        (dict(id_number="06608599900"), "id_number: must be 12 digits"),
        (dict(id_number="06608599900A"), "id_number: must be 12 digits"),
        (dict(id_number="003085999002"), "province code 003"),
        (dict(id_number="066185999002"), 'means female, but sex is "Nam"'),
        (dict(id_number="066285999002"), "born in the 2000s"),
        (dict(id_number="066086999002"), "digits 5-6"),
        (dict(date_of_birth="31/02/1985"), "date_of_birth: not a real date"),
        (dict(date_of_birth="1985/09/05"), "date_of_birth: not a real date"),
        (dict(date_of_issue="01/01/1980"), "date_of_issue: not after the date of birth"),
        (dict(date_of_issue="01/01/2027", date_of_expiry="05/09/2045"), "date_of_issue: after today"),
        (dict(date_of_expiry="05/09/2024"), "date_of_expiry: not after the date of issue"),
        (dict(date_of_expiry="vĩnh viễn"), "date_of_expiry: not a real date"),
        (dict(date_of_issue="01/06/2005", date_of_expiry="05/09/2025"), "date_of_expiry: already expired"),
        (dict(ethnicity=""), "ethnicity: required"),
        (dict(mother_name="   "), "mother_name: required"),
        (dict(sex="Male"), 'sex: must be "Nam" or "Nữ"'),
        (dict(nationality="Lào"), "nationality: must be"),
        (dict(place_of_origin="Hà\x07Nội"), "control or invisible character U+0007"),
        (dict(place_of_origin="Hà\u200bNội"), "control or invisible character U+200B"),
        (dict(religion=unicodedata.normalize("NFD", "Phật giáo")), "religion: not in Unicode NFC form"),
        (dict(religion=" Không"), "religion: leading or trailing white space"),
        (dict(old_id_number="12345"), "old_id_number: must be 9 digits"),
        (dict(field16="ABC"), "field16: must be 16 PrintableString"),
        (dict(full_name="Trần Văn 2"), "full_name: cannot be written in the MRZ"),
        (dict(photo=None), "photo: required"),
        (dict(photo=EXAMPLES / "photos" / "nobody.jpg"), "photo: file not found"),
        (dict(photo=EXAMPLES / "vn-citizens.csv"), "photo: not a JPEG"),
        (dict(photo=EXAMPLES / "bad-photos" / "tiny.jpg"), "photo: 402 bytes, expected 1024 to 204800"),
    ],
)
def test_each_rule(changes, reason):
    reasons = validate(good(**changes), today=TODAY)
    assert any(reason in r for r in reasons), reasons


@pytest.mark.parametrize(
    "digit,year,sex,ok",
    [(0, 1985, "Nam", True), (1, 1985, "Nữ", True), (2, 2005, "Nam", True), (3, 2005, "Nữ", True),
     (2, 1985, "Nam", False), (3, 2005, "Nam", False), (0, 2005, "Nam", False), (1, 1985, "Nam", False)],
)
def test_century_and_sex_digit(digit, year, sex, ok):
    r = good(id_number=f"066{digit}{year % 100:02d}999002", date_of_birth=f"05/09/{year}", sex=sex,
             date_of_issue="10/10/2025", date_of_expiry="05/09/2045")
    assert (not any("digit 4" in x for x in validate(r, today=TODAY))) == ok


def test_every_reason_is_reported_not_just_the_first():
    r = good(id_number="003185999002", sex="Male", ethnicity="", date_of_issue="01/01/1980", old_id_number="1",
             photo=None)
    reasons = validate(r, today=TODAY)
    for part in ("province code", "sex: must be", "ethnicity: required", "date_of_issue: not after",
                 "old_id_number", "photo: required"):
        assert any(part in x for x in reasons), part


def test_injectable_today_and_photo_limits():
    r = good()
    assert validate(r, today=date(2025, 10, 9)) == ["date_of_issue: after today (2025-10-09)"]
    size = PHOTO.stat().st_size
    assert any("photo:" in x for x in validate(r, today=TODAY, photo_max=size - 1))
    assert validate(r, today=TODAY, photo_min=size, photo_max=size) == []
    assert validate(good(photo=None), today=TODAY, check_photo=False) == []


def test_jpeg2000_signature_box_and_codestream(tmp_path):
    jp2 = tmp_path / "a.jp2"
    jp2.write_bytes(bytes.fromhex("0000000C6A5020200D0A870A") + b"\0" * 2000)
    j2k = tmp_path / "a.j2k"
    j2k.write_bytes(bytes.fromhex("FF4FFF51") + b"\0" * 2000)
    png = tmp_path / "a.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 2000)
    assert validate(good(photo=jp2), today=TODAY) == []
    assert validate(good(photo=j2k), today=TODAY) == []
    assert validate(good(photo=png), today=TODAY) == ["photo: not a JPEG (FF D8 FF) or JPEG 2000 file"]


def test_province_table():
    assert len(PROVINCES) == 63
    assert PROVINCES["001"] == "Hà Nội" and PROVINCES["066"] == "Đắk Lắk" and PROVINCES["096"] == "Cà Mau"
    assert all(unicodedata.is_normalized("NFC", v) for v in PROVINCES.values())


def test_to_mrz_refuses_a_record_that_cannot_make_one():
    with pytest.raises(InputError):
        good(id_number="12").to_mrz()
    with pytest.raises(InputError):
        good(date_of_birth="31/02/1985").to_mrz()


# --- loading -----------------------------------------------------------------------------


def test_examples_csv_and_jsonl_load_the_same_valid_records():
    csv_results = list(load_records(EXAMPLES / "vn-citizens.csv", today=TODAY))
    jsonl_results = list(load_records(EXAMPLES / "vn-citizens.jsonl", today=TODAY))
    assert [r.line for r in csv_results] == [2, 3, 4, 5, 6]
    assert all(r.ok for r in csv_results + jsonl_results), [r.error for r in csv_results + jsonl_results]
    assert [r.record for r in csv_results] == [r.record for r in jsonl_results]
    names = [r.record.full_name for r in csv_results]
    assert "Nguyễn Thị Ánh Tuyết" in names and all(unicodedata.is_normalized("NFC", n) for n in names)
    assert csv_results[0].record.place_of_origin == "Xã Lũng Cú, Huyện Đồng Văn, Hà Giang"
    for r in csv_results:
        assert r.record.photo.is_file()
        Mrz.parse(r.record.to_mrz().lines)


BAD = {
    2: "id_number: must be 12 digits",
    3: "province code 003",
    4: 'means male, but sex is "Nữ"',
    5: "born in the 2000s",
    6: "digits 5-6",
    7: "date_of_birth: not a real date",
    8: "date_of_issue: not after the date of birth",
    9: "date_of_issue: after today",
    10: "date_of_expiry: not after the date of issue",
    11: "ethnicity: required",
    12: 'sex: must be "Nam" or "Nữ"',
    13: "control or invisible character U+0007",
    14: "old_id_number: must be 9 digits",
    15: "photo: file not found",
    16: "photo: not a JPEG",
    17: "photo: 402 bytes",
    18: "full_name: cannot be written in the MRZ",
    19: "nationality: must be",
    20: "field16: must be 16",
    21: "date_of_expiry: already expired",
    22: "id_number: the same ID number as the record on line 11",
    23: "has 2 values, the header has 18",
}


def test_bad_examples_one_failure_kind_per_record():
    results = list(load_records(EXAMPLES / "vn-citizens-bad.csv", today=TODAY))
    assert [r.line for r in results] == sorted(BAD)
    for r in results:
        assert not r.ok and r.record is None
        assert isinstance(r.error, RecordError) and r.error.record == f"line {r.line}"
        assert len(r.error.reasons) == 1 and BAD[r.line] in r.error.reasons[0], (r.line, r.error.reasons)


def _write(tmp_path, name, text, encoding="utf-8"):
    p = tmp_path / name
    p.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return p


def _row(**changes):
    r = good(**changes)
    d = r.to_dict()
    d["photo"] = str(PHOTO)
    return d


def _csv(rows):
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(COLUMNS)
    for r in rows:
        w.writerow([r.get(c) or "" for c in COLUMNS])
    return buf.getvalue()


def test_csv_bom_nfd_and_whitespace_are_cleaned(tmp_path):
    row = _row()
    row["full_name"] = "  " + unicodedata.normalize("NFD", row["full_name"]) + " "
    p = _write(tmp_path, "a.csv", "\ufeff" + _csv([row]))
    (res,) = load_records(p, today=TODAY)
    assert res.ok, res.error
    assert res.record.full_name == "Trần Văn Đức"


def test_bad_utf8_line_does_not_stop_the_rest(tmp_path):
    text = _csv([_row(), _row(id_number="066085999003")]).encode()
    lines = text.split(b"\n")
    lines[1] = lines[1].replace("Kinh".encode(), b"K\xffnh")
    p = _write(tmp_path, "a.csv", b"\n".join(lines))
    results = list(load_records(p, today=TODAY))
    assert [r.ok for r in results] == [False, True]
    assert results[0].error.reasons == ("ethnicity: bytes that are not UTF-8",)


def test_duplicate_id_rejects_the_second_naming_the_first_line(tmp_path):
    p = _write(tmp_path, "a.csv", _csv([_row(), _row(id_number="066085999003"), _row()]))
    results = list(load_records(p, today=TODAY))
    assert [r.ok for r in results] == [True, True, False]
    assert results[2].error.reasons == ("id_number: the same ID number as the record on line 2",)
    assert "066085999002" not in str(results[2].error)


def test_unknown_csv_column_fails_the_call(tmp_path):
    p = _write(tmp_path, "a.csv", "id_number,shoe_size\n1,2\n")
    with pytest.raises(InputError, match="unknown column 'shoe_size'"):
        load_records(p)
    with pytest.raises(InputError, match="cannot open"):
        load_records(tmp_path / "nope.csv")
    with pytest.raises(InputError, match="empty"):
        load_records(_write(tmp_path, "e.csv", ""))


def test_jsonl_errors_per_line(tmp_path):
    rows = [
        json.dumps(_row(), ensure_ascii=False),
        "{not json",
        "[1, 2]",
        json.dumps(dict(_row(id_number="066085999004"), shoe_size="42"), ensure_ascii=False),
        json.dumps(dict(_row(id_number="066085999005"), id_number=66085999005), ensure_ascii=False),
        "",
        json.dumps(_row(id_number="066085999006"), ensure_ascii=False),
    ]
    p = _write(tmp_path, "a.jsonl", "\n".join(rows) + "\n")
    results = list(load_records(p, today=TODAY))
    assert [(r.line, r.ok) for r in results] == [(1, True), (2, False), (3, False), (4, False), (5, False), (7, True)]
    assert "not valid JSON" in results[1].error.reasons[0]
    assert results[2].error.reasons == ("not a JSON object",)
    assert results[3].error.reasons == ("unknown field 'shoe_size'",)
    assert results[4].error.reasons == ("id_number: must be a string (a JSON number loses leading zeros)",)


def test_format_sniffed_without_suffix(tmp_path):
    p = _write(tmp_path, "batch.txt", json.dumps(_row(), ensure_ascii=False) + "\n")
    assert [r.ok for r in load_records(p, today=TODAY)] == [True]
    p = _write(tmp_path, "batch2.txt", _csv([_row()]))
    assert [r.ok for r in load_records(p, today=TODAY)] == [True]


def test_records_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        good().full_name = "x"


@given(st.binary(max_size=300), st.sampled_from(["a.csv", "a.jsonl"]))
def test_random_files_give_results_or_input_error(tmp_path_factory, data, name):
    p = tmp_path_factory.mktemp("rnd") / name
    p.write_bytes(data)
    try:
        results = list(load_records(p, today=TODAY, check_photo=False))
    except InputError:
        return
    for r in results:
        assert (r.record is None) != (r.error is None)


def _jpeg_frame(data: bytes) -> tuple[int, int, int]:
    """(SOF marker, width, height) by walking the JPEG segments up to the frame header."""
    assert data[:2] == b"\xff\xd8" and data[-2:] == b"\xff\xd9"
    pos = 2
    while pos < len(data):
        assert data[pos] == 0xFF
        marker, length = data[pos + 1], int.from_bytes(data[pos + 2 : pos + 4], "big")
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            h, w = int.from_bytes(data[pos + 5 : pos + 7], "big"), int.from_bytes(data[pos + 7 : pos + 9], "big")
            return marker, w, h
        pos += 2 + length
    raise AssertionError("no frame header")


@pytest.mark.parametrize("photo", sorted((EXAMPLES / "photos").glob("*.jpg")), ids=lambda p: p.name)
def test_example_photos_are_baseline_jpegs_of_sane_size(photo):
    data = photo.read_bytes()
    assert 5 * 1024 <= len(data) <= 20 * 1024
    assert _jpeg_frame(data) == (0xC0, 240, 320)  # SOF0: baseline DCT


def test_over_long_jsonl_line_is_one_error_and_reading_goes_on(tmp_path):
    import cardkit.production.records as records

    long = '{"full_name": "' + "A" * (records.MAX_LINE + 10) + '"}'
    p = _write(tmp_path, "a.jsonl", long + "\n" + json.dumps(_row(), ensure_ascii=False) + "\n")
    results = list(load_records(p, today=TODAY))
    assert [(r.line, r.ok) for r in results] == [(1, False), (2, True)]
    assert "longer than" in results[0].error.reasons[0]


FINGERS = EXAMPLES / "fingers"


def test_example_records_name_their_fingers():
    (first, *_) = [r.record for r in load_records(EXAMPLES / "vn-citizens.csv", today=TODAY)]
    assert first.finger_left == FINGERS / "nguyen-thi-anh-tuyet-left.jp2"
    assert first.finger_right == FINGERS / "nguyen-thi-anh-tuyet-right.jp2"
    assert first.to_dict()["finger_left"] == str(FINGERS / "nguyen-thi-anh-tuyet-left.jp2")
    assert "finger_left" in COLUMNS and "finger_left" not in FIELDS  # not a DG13 field


@pytest.mark.parametrize("content,reason", [
    (None, "finger_right: file not found"),
    (b"\xff\xd8\xff" + b"\x00" * 600, "finger_right: not a WSQ (FF A0) or JPEG 2000 file"),
    (b"\xff\xa0" + b"\x00" * 10, "finger_right: 12 bytes, expected 256"),
])
def test_a_given_finger_is_checked(tmp_path, content, reason):
    path = tmp_path / "right.bin"
    if content is not None:
        path.write_bytes(content)
    reasons = validate(good(finger_right=path), today=TODAY)
    assert any(r.startswith(reason) for r in reasons), reasons
    assert validate(good(finger_right=FINGERS / "ho-van-bay-right.jp2", finger_left=FINGERS / "ho-van-bay-left.jp2"),
                    today=TODAY) == []


def test_fingers_are_optional_for_the_record():
    assert validate(good(), today=TODAY) == []  # the profile decides whether DG3 needs them
