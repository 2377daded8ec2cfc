"""cardkit.mrz: check digits, TD1/TD2/TD3 build and parse, long numbers, names, errors (Doc 9303 Parts 3-6)."""

import json
import unicodedata
from datetime import date
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from cardkit.errors import InputError, ParseError
from cardkit.mrz import NO_EXPIRY, Mrz, MrzError, check_digit, mrz_information, name_field, transliterate, verify

VECTORS = Path(__file__).parent / "vectors" / "mrz"


def load(name):
    data = json.loads((VECTORS / name).read_text(encoding="utf-8"))
    assert data["source"]
    return data


# --- check digits ------------------------------------------------------------------


@pytest.mark.parametrize("case", load("check_digits.json")["cases"], ids=lambda c: c["input"])
def test_check_digit_vectors(case):
    assert check_digit(case["input"]) == case["check_digit"]


def test_composite_example_4():
    case = load("check_digits.json")["composite"][0]
    up, mid = case["upper"], case["middle"]
    assert check_digit(up[5:30] + mid[0:7] + mid[8:15] + mid[18:29]) == case["check_digit"]
    # the same digit through the parser: the example's lines completed with a name line
    result = verify([up, mid + case["check_digit"], "STEVENSON<<PETER".ljust(30, "<")])
    assert result.valid


@pytest.mark.parametrize("bad", ["abc", "A B", "É", "0-1"])
def test_check_digit_rejects_non_mrz_characters(bad):
    with pytest.raises(InputError):
        check_digit(bad)


def test_mrz_information_pads_short_number():
    assert mrz_information("L898902C", "690806", "940623") == "L898902C<369080619406236"
    with pytest.raises(InputError):
        mrz_information("L898902C", "6908", "940623")


# --- specimens -----------------------------------------------------------------------


@pytest.mark.parametrize("case", load("specimens.json")["cases"], ids=lambda c: c["format"])
def test_specimens_parse_and_render_byte_for_byte(case):
    m = Mrz.parse(case["lines"])
    assert m.format == case["format"]
    for name, value in case["fields"].items():
        assert getattr(m, name) == value, name
    assert m.lines == tuple(case["lines"])
    assert m.text == "".join(case["lines"])
    assert m.mrz_information == case["mrz_information"]
    comp = [c for c in verify(case["lines"]).check_digits if c.name == "composite"][0]
    assert comp.expected == comp.found == case["composite"]
    # the concatenated DG1 text parses to the same value
    assert Mrz.parse("".join(case["lines"])) == m
    assert Mrz.parse("\n".join(case["lines"]).encode()) == m


@pytest.mark.parametrize("case", load("specimens.json")["cases"], ids=lambda c: c["format"])
def test_specimens_rebuilt_from_fields(case):
    f = dict(case["fields"])
    kwargs = dict(document_code=f["document_code"], issuing_state=f["issuing_state"], document_number=f["document_number"],
                  date_of_birth=f["date_of_birth"], sex=f["sex"], date_of_expiry=f["date_of_expiry"],
                  nationality=f["nationality"], primary_identifier="Eriksson", secondary_identifier="Anna María",
                  optional_data=f["optional_data"])
    build = Mrz.td3 if case["format"] == "TD3" else Mrz.td1
    assert build(**kwargs).lines == tuple(case["lines"])


def test_vn_example_byte_for_byte():
    v = load("vn_cccd.json")
    idn = v["record"]["id_number"]
    m = Mrz.td1(document_code="ID", issuing_state="VNM", document_number=idn[-9:],
                optional_data=idn + "<<" + check_digit(idn), date_of_birth=date(1990, 1, 1), sex="M",
                date_of_expiry=date(2030, 1, 1), nationality="VNM", primary_identifier="Nguyễn",
                secondary_identifier="Văn A")
    assert m.lines == tuple(v["lines"])
    assert m.mrz_information == v["mrz_information"]
    assert Mrz.parse(v["lines"]) == m
    assert Mrz.parse("".join(v["lines"])).optional_data == "999000012345<<2"


@pytest.mark.parametrize("case", load("long_document_number.json")["cases"], ids=lambda c: c["format"])
def test_long_document_number(case):
    m = Mrz.parse(case["lines"])
    assert m.document_number == case["document_number"]
    assert m.optional_data == ""
    assert m.lines == tuple(case["lines"])
    assert m.mrz_information == case["mrz_information"]
    build = Mrz.td1 if case["format"] == "TD1" else Mrz.td2
    rebuilt = build(document_number=case["document_number"], date_of_birth=m.date_of_birth, sex=m.sex,
                    date_of_expiry=m.date_of_expiry, nationality="UTO", primary_identifier=m.primary_identifier,
                    secondary_identifier=m.secondary_identifier)
    assert rebuilt == m and rebuilt.lines == tuple(case["lines"])


def test_long_document_number_with_optional_data_round_trips():
    m = Mrz.td1(document_number="AB1234567890", optional_data="XYZ", date_of_birth="740812", sex="F",
                date_of_expiry="120415", nationality="UTO", primary_identifier="Eriksson")
    assert m.lines[0][5:30] == ("AB1234567<890" + check_digit("AB1234567890") + "<XYZ").ljust(25, "<")
    assert Mrz.parse(m.lines) == m


def test_long_document_number_wrong_check_digit_is_reported_where_it_is():
    lines = ["I<UTOD23145890<7348<<<<<<<<<<<", "7408122F1204159UTO<<<<<<<<<<<6", "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"]
    with pytest.raises(MrzError) as e:
        Mrz.parse(lines)
    assert (e.value.line, e.value.position) == (1, 19)
    assert "document number check digit 9 expected, found 8" in str(e.value)


def test_long_document_number_limits():
    with pytest.raises(InputError):
        Mrz.td3(document_number="L898902C12", date_of_birth="740812", sex="F", date_of_expiry="120415",
                nationality="UTO", primary_identifier="X")
    with pytest.raises(InputError):
        Mrz.td2(document_number="D" * 16, date_of_birth="740812", sex="F", date_of_expiry="120415",
                nationality="UTO", primary_identifier="X")
    assert len(Mrz.td1(document_number="D" * 23, date_of_birth="740812", sex="F", date_of_expiry="120415",
                       nationality="UTO", primary_identifier="X").document_number) == 23


def test_td3_long_number_marker_is_a_parse_error():
    lines = ["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902CX<UTO7408122F1204159ZE184226B<<<<<10"]
    with pytest.raises(MrzError) as e:
        Mrz.parse(lines)
    assert (e.value.line, e.value.position) == (2, 10)


# --- no expiry, filler check digits ----------------------------------------------------


def test_no_expiry_date_is_six_fillers_with_check_digit_0():
    m = Mrz.td1(document_number="000012345", date_of_birth="550214", sex="M", date_of_expiry=NO_EXPIRY,
                nationality="VNM", primary_identifier="Ho")
    assert m.lines[1][8:15] == "<<<<<<0"
    assert Mrz.parse(m.lines) == m
    assert m.mrz_information.endswith("<<<<<<0")
    # a reader that writes '<' as that check digit is accepted too
    alt = list(m.lines)
    alt[1] = alt[1][:14] + "<" + alt[1][15:]
    assert verify(alt).valid


def test_filler_check_digit_only_for_all_filler_fields():
    doe = next(d for d in (f"{y:02d}0101" for y in range(100)) if check_digit(d) == "0")
    m = Mrz.td1(document_number="A1", date_of_birth="740812", sex="F", date_of_expiry=doe, nationality="UTO",
                primary_identifier="X")
    alt = [m.lines[0], m.lines[1][:14] + "<" + m.lines[1][15:], m.lines[2]]
    assert [c.name for c in verify(alt).check_digits if not c.ok] == ["date of expiry"]
    t3 = Mrz.td3(document_number="L898902C3", date_of_birth="740812", sex="F", date_of_expiry="120415",
                 nationality="UTO", primary_identifier="Eriksson", optional_data="ZE184226B")
    alt = [t3.lines[0], t3.lines[1][:42] + "<" + t3.lines[1][43]]
    assert "optional data" in [c.name for c in verify(alt).check_digits if not c.ok]


def test_td3_empty_optional_data_check_digit_filler_or_zero():
    m = Mrz.td3(document_number="L898902C", date_of_birth="740812", sex="F", date_of_expiry="120415",
                nationality="UTO", primary_identifier="Eriksson", secondary_identifier="Anna")
    assert m.lines[1][28:43] == "<" * 15
    zero = [m.lines[0], m.lines[1][:42] + "0" + m.lines[1][43]]
    assert Mrz.parse(zero) == m


def test_unknown_birth_day_and_month_are_fillers():
    m = Mrz.td1(document_number="A1", date_of_birth="74<<<<", sex="<", date_of_expiry="120415",
                nationality="UTO", primary_identifier="X")
    assert Mrz.parse(m.lines).date_of_birth == "74<<<<"


# --- errors ----------------------------------------------------------------------------

TD1 = ["I<UTOD231458907<<<<<<<<<<<<<<<", "7408122F1204159UTO<<<<<<<<<<<6", "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"]


def _with(lines, line, pos, ch):
    out = list(lines)
    s = out[line - 1]
    out[line - 1] = s[: pos - 1] + ch + s[pos:]
    return out


@pytest.mark.parametrize(
    "lines,line,position,text",
    [
        (_with(TD1, 2, 7, "3"), 2, 7, "date of birth check digit 2 expected, found 3"),
        (_with(TD1, 2, 15, "1"), 2, 15, "date of expiry check digit 9 expected, found 1"),
        (_with(TD1, 2, 30, "1"), 2, 30, "composite check digit 6 expected, found 1"),
        (_with(TD1, 1, 15, "8"), 1, 15, "document number check digit 7 expected, found 8"),
        (_with(TD1, 1, 7, "a"), 1, 7, "not an MRZ character"),
        (_with(TD1, 2, 3, "1"), 2, 1, "date of birth is not a valid YYMMDD date"),
        (_with(TD1, 2, 11, "9"), 2, 9, "date of expiry is not a valid YYMMDD date"),
        (_with(TD1, 2, 8, "Q"), 2, 8, "sex must be"),
        (_with(TD1, 2, 7, "A"), 2, 7, "check digit must be a digit"),
        (_with(TD1, 3, 4, "4"), 3, 4, "digits are not allowed in the name"),
        (_with(TD1, 3, 1, "<"), 3, 1, "name must start"),
        (_with(TD1, 1, 1, "V"), 1, 1, "visa"),
        (_with(TD1, 1, 3, "1"), 1, 3, "issuing state"),
        (_with(TD1, 2, 16, "<"), 2, 16, "nationality"),
    ],
)
def test_parse_errors_name_line_position_and_expectation(lines, line, position, text):
    with pytest.raises(MrzError) as e:
        Mrz.parse(lines)
    assert isinstance(e.value, ParseError)
    assert (e.value.line, e.value.position) == (line, position)
    assert text in str(e.value)
    assert str(e.value).startswith(f"MRZ: line {line} position {position}: ")


@pytest.mark.parametrize("text", ["", "ABC", TD1[:2], [TD1[0], TD1[1], TD1[2][:-1]], "x" * 5000, [1, 2], 42, b"\xff" * 90])
def test_structural_errors(text):
    with pytest.raises(ParseError):
        Mrz.parse(text)


def test_error_never_echoes_personal_data():
    with pytest.raises(MrzError) as e:
        Mrz.parse(_with(TD1, 2, 3, "1"))
    assert "741812" not in str(e.value) and "D23145890" not in str(e.value)
    m = Mrz.parse(TD1)
    assert "D23145890" not in repr(m) and "740812" not in repr(m) and "ERIKSSON" not in repr(m)


def test_td3_document_code_must_be_p():
    lines = ["I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10"]
    with pytest.raises(MrzError, match="position 1: TD3 document code"):
        Mrz.parse(lines)


# --- names -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name,mrz",
    [
        ("Nguyễn Thị Ánh Tuyết", "NGUYEN<THI<ANH<TUYET"),
        ("Đặng Thị Mười", "DANG<THI<MUOI"),
        ("Trần Văn Đức", "TRAN<VAN<DUC"),
        ("Lê Hoàng Phương Anh", "LE<HOANG<PHUONG<ANH"),
        ("Bùi Ưng Hoài Ơn", "BUI<UNG<HOAI<ON"),
        ("Müller-Lüdenscheidt", "MUELLER<LUEDENSCHEIDT"),
        ("Strauß", "STRAUSS"),
        ("Åsa Ørsted Ærø", "AASA<OERSTED<AEROE"),
        ("Þórunn Ðorsteinsdóttir", "THORUNN<DORSTEINSDOTTIR"),
        ("Peña Núñez", "PENA<NUNEZ"),
        ("François Ïsaac", "FRANCOIS<ISAAC"),
        ("D'Artagnan", "DARTAGNAN"),
        ("Ksor H’Nhi", "KSOR<HNHI"),
        ("  Jean--Paul  St. John, Jr. ", "JEAN<PAUL<ST<JOHN<JR"),
        ("Łukasz Wałęsa", "LUKASZ<WALESA"),
    ],
)
def test_transliterate(name, mrz):
    assert transliterate(name) == mrz
    assert transliterate(unicodedata.normalize("NFD", name)) == mrz


@pytest.mark.parametrize("name", ["Иван", "王", "Agent 007", "Tab\x07"])
def test_transliterate_refuses(name):
    with pytest.raises(InputError):
        transliterate(name)


def test_name_field_fits_and_pads():
    assert name_field("Eriksson", "Anna Maria", 30) == "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"
    assert name_field("Nguyễn", "", 30) == "NGUYEN" + "<" * 24
    with pytest.raises(InputError):
        name_field("", "Anna", 30)


def test_truncation_secondary_first_down_to_initials_last_char_alphabetic():
    f = name_field("Nguyễn", "Thị Ánh Tuyết Phương Hoa Mai Lan", 30)
    assert len(f) == 30 and f[-1].isalpha()
    assert f.startswith("NGUYEN<<THI<ANH<TUYET<")
    primary, rest = f.split("<<", 1)
    assert all(part for part in rest.split("<"))  # every secondary component keeps at least its initial
    # truncation removes from the last component first
    f2 = name_field("Eriksson", "Anna Maria Christina Josefina Beatrix", 30)
    assert f2 == "ERIKSSON<<ANNA<MARIA<CHRIS<J<B"
    assert f == "NGUYEN<<THI<ANH<TUYET<PH<H<M<L"


def test_truncation_reaches_primary_only_after_secondary_initials():
    f = name_field("Wolfeschlegelsteinhausenbergerdorff", "Hubert Blaine", 30)
    assert len(f) == 30 and f[-1].isalpha()
    assert f == "WOLFESCHLEGELSTEINHAUSENB<<H<B"
    m = Mrz.td1(document_number="A1", date_of_birth="740812", sex="M", date_of_expiry="120415",
                nationality="UTO", primary_identifier="Wolfeschlegelsteinhausenbergerdorff",
                secondary_identifier="Hubert Blaine")
    assert m.lines[2] == f and Mrz.parse(m.lines) == m


# --- properties ------------------------------------------------------------------------

_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZàáạảãâầấậăằắặèéẹêềếệìíịòóọôồốộơờớợùúụưừứựỳýđĐÄÖÜßÅØÆ"
_word = st.text(alphabet=_LETTERS, min_size=1, max_size=12)
_names = st.lists(_word, min_size=1, max_size=3).map(" ".join)
_given = st.lists(_word, min_size=0, max_size=5).map(" ".join)
_mrzchars = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<"
_dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31)).map(lambda d: d.strftime("%y%m%d"))
_dob = st.one_of(_dates, _dates.map(lambda d: d[:2] + "<<<<"), _dates.map(lambda d: d[:4] + "<<"))
_doe = st.one_of(_dates, st.just(NO_EXPIRY))
_code3 = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=3)


def _common(draw, max_number):
    return dict(
        document_number=draw(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=max_number)),
        date_of_birth=draw(_dob), sex=draw(st.sampled_from("MFX<")), date_of_expiry=draw(_doe),
        nationality=draw(_code3), issuing_state=draw(_code3), primary_identifier=draw(_names),
        secondary_identifier=draw(_given),
    )


@st.composite
def td1_args(draw):
    a = _common(draw, 23)
    a.update(document_code=draw(st.sampled_from(["I", "ID", "A", "AC", "C"])),
             optional_data=draw(st.text(alphabet=_mrzchars, max_size=15)),
             optional_data_2=draw(st.text(alphabet=_mrzchars, max_size=11)))
    return a


@st.composite
def td2_args(draw):
    a = _common(draw, 15)
    a.update(document_code=draw(st.sampled_from(["I", "ID", "A", "C"])),
             optional_data=draw(st.text(alphabet=_mrzchars, max_size=7)))
    return a


@st.composite
def td3_args(draw):
    a = _common(draw, 9)
    a.update(document_code=draw(st.sampled_from(["P", "PO", "PD"])),
             optional_data=draw(st.text(alphabet=_mrzchars, max_size=14)))
    return a


def _roundtrip(builder, args):
    try:
        m = builder(**args)
    except InputError:
        assume(False)  # e.g. a long number and optional data that do not fit together
    lines = m.lines
    assert [len(x) for x in lines] == {"TD1": [30] * 3, "TD2": [36] * 2, "TD3": [44] * 2}[m.format]
    assert Mrz.parse(lines) == m
    assert Mrz.parse(m.text) == m
    assert Mrz.parse(lines).lines == lines
    assert verify(lines).valid


@given(td1_args())
def test_td1_round_trip(args):
    _roundtrip(Mrz.td1, args)


@given(td2_args())
def test_td2_round_trip(args):
    _roundtrip(Mrz.td2, args)


@given(td3_args())
def test_td3_round_trip(args):
    _roundtrip(Mrz.td3, args)


@given(st.one_of(st.text(max_size=200), st.text(alphabet=_mrzchars + "\n", max_size=100),
                 st.lists(st.text(alphabet=_mrzchars, min_size=28, max_size=46), max_size=4), st.binary(max_size=100)))
def test_random_input_gives_value_or_parse_error(text):
    try:
        m = Mrz.parse(text)
    except ParseError:
        return
    assert isinstance(m, Mrz)


@given(st.sampled_from([0, 1, 2]), st.integers(0, 29), st.sampled_from(_mrzchars + "a "))
def test_mutated_specimen_gives_value_or_parse_error(line, pos, ch):
    lines = _with(TD1, line + 1, pos + 1, ch)
    try:
        m = Mrz.parse(lines)
    except ParseError:
        return
    assert Mrz.parse(m.lines) == m


@given(st.text(max_size=60))
def test_transliterate_gives_mrz_letters_or_input_error(name):
    try:
        out = transliterate(name)
    except InputError:
        return
    assert all(c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ<" for c in out)
    assert "<<" not in out and not out.startswith("<") and not out.endswith("<")
    assert transliterate(unicodedata.normalize("NFD", name)) == out


@given(st.text(alphabet=_LETTERS + " -'", max_size=40))
def test_vietnamese_and_latin_letters_always_transliterate(name):
    assert transliterate(name) == transliterate(unicodedata.normalize("NFD", name))
