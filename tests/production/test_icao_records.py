"""Generic ICAO records and the limits every record meets before any card is touched."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from cardkit.production.icao_record import IcaoRecord, validate_icao
from cardkit.production.records import COLUMNS, MAX_VALUE, load_records
from tests.production._helpers import small_face, write_icao_csv
from tests.support.perso import sample_record

TODAY = date(2026, 11, 1)


def icao(**changes: str) -> dict[str, str]:
    row = {"document_type": "P", "issuing_state": "D<<", "document_number": "C01X00T47", "surname": "Müller",
           "given_names": "Jürgen", "nationality": "D", "sex": "M", "date_of_birth": "1964-08-12",
           "date_of_expiry": "2031-10-31"}
    return {**row, **changes}


@pytest.fixture
def face(tmp_path: Path) -> Path:
    return small_face(tmp_path)


def test_a_german_passport_record_makes_its_mrz(face):
    r = IcaoRecord(**icao(), photo=face)
    assert validate_icao(r, today=TODAY) == []
    m = r.to_mrz()
    assert (m.format, m.issuing_state, m.nationality) == ("TD3", "D", "D")
    assert m.lines[0].startswith("P<D<<MUELLER<<JUERGEN")  # 9303-3 §6: Ü -> UE
    assert r.national_id is None and r.can is None


@pytest.mark.parametrize("changes, reason", [
    ({"issuing_state": "XYZ"}, "issuing_state: 'XYZ' is not an ISO 3166-1 alpha-3 code"),
    ({"nationality": "vnm"}, "nationality: 'vnm' is not"),
    ({"date_of_birth": "12/08/1964"}, "date_of_birth: not an ISO 8601 date"),
    ({"date_of_expiry": "2031-02-30"}, "date_of_expiry: not a real date"),
    ({"date_of_expiry": "2020-01-01"}, "date_of_expiry: already expired"),
    ({"document_number": "C01-X00"}, "document_number: must be capital letters A-Z and digits 0-9"),
    ({"document_number": "C01X00T471"}, "document number is longer than TD3 allows"),
    ({"sex": "W"}, "sex: must be M, F, X or <"),
    ({"document_type": "V"}, "document_type: must be 1-2 capital letters"),
    ({"surname": "Иванов"}, "surname: cannot be written in the MRZ"),
    ({"issue_reason": "forgot"}, "issue_reason: must be one of first, lost"),
    ({"surname": "A" * 101}, "surname: 101 characters, at most 100 (DG11 full name"),
])
def test_icao_rules_name_the_field(face, changes, reason):
    reasons = validate_icao(IcaoRecord(**icao(**changes), photo=face), today=TODAY)
    assert any(reason in r for r in reasons), reasons


def test_long_document_numbers_and_partial_birth_dates_on_td1(face):
    r = IcaoRecord(**icao(document_type="ID", issuing_state="FRA", nationality="FRA", document_number="X4RTBPFW46AB12",
                          date_of_birth="1990-02"), photo=face)
    assert validate_icao(r, today=TODAY) == []
    m = r.to_mrz()
    assert m.format == "TD1" and m.document_number == "X4RTBPFW46AB12" and m.date_of_birth == "9002<<"


def test_over_long_values_are_refused_before_any_card_naming_line_and_field(tmp_path, face):
    rec = sample_record(1, photo=face)
    values = rec.content_fields()
    rows = [dict(values, place_of_residence="x" * 120_000), dict(values, id_number="001090000002",
                                                                   place_of_residence="y" * 60_000)]
    path = tmp_path / "long.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(COLUMNS)
        for r in rows:
            w.writerow([r.get(c) or "" for c in COLUMNS])
    results = list(load_records(path))
    assert [r.line for r in results] == [2, 3] and not any(r.ok for r in results)
    for r, n in zip(results, (120_000, 60_000)):
        assert f"place_of_residence: {n} characters, at most 200 (DG13 field 9)" in r.error.reasons
        assert r.error.record == f"line {r.line}"


def test_a_value_past_the_csv_readers_own_limit_is_named(tmp_path, face):
    rec = sample_record(1, photo=face).content_fields()
    path = tmp_path / "huge.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(COLUMNS)
        w.writerow([("N" * (MAX_VALUE + 5) if c == "full_name" else (rec.get(c) or "")) for c in COLUMNS])
        w.writerow([(rec.get(c) or "") if c != "id_number" else "001090000009" for c in COLUMNS])
    first, second = load_records(path)
    assert first.error.reasons == (f"full_name: longer than {MAX_VALUE} characters (the CSV reader's limit)",)
    assert second.line == 3 and second.ok  # reading goes on after it


def test_icao_batch_file_is_told_by_its_header(tmp_path, face):
    path = write_icao_csv(tmp_path / "d.csv", [icao(photo=str(face)), icao(photo=str(face))])
    first, second = load_records(path, today=TODAY)
    assert first.ok and isinstance(first.record, IcaoRecord)
    assert "the same issuing state and document number as the record on line 2" in second.error.reasons[0]
