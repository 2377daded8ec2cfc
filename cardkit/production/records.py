"""Vietnamese citizen records: the input of a personalisation batch (spec/vn-cccd.md).

A record must be "đúng, đủ, sạch" — correct, complete, clean — before a card is made from it.
``validate`` returns every reason a record fails, never just the first; ``load_records`` reads
CSV (a header row naming the fields) or JSON Lines, UTF-8 with or without a BOM, and yields one
result per record: a valid ``CitizenRecord`` or a ``RecordError`` naming the line. A bad record
never stops the others, and an ID number seen twice in one batch rejects the second record.

Dates are kept as on the card, "dd/mm/yyyy" strings (ISO "yyyy-mm-dd" and ``datetime.date`` are
accepted and converted); the date of expiry may instead be the text "Không thời hạn" (no expiry),
which the MRZ writes as six fillers ``<<<<<<`` (check digit 0; ``cardkit.mrz.NO_EXPIRY``).
Record values are personal data and the ID number holds the CAN: they never appear in a repr or
an error message (errors name the field and the line).
"""

from __future__ import annotations

import csv
import json
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from ..errors import InputError, RecordError
from ..mrz import NO_EXPIRY, Mrz, check_digit, transliterate
from ..vn import can_of
from .provinces import PROVINCES

__all__ = [
    "CitizenRecord",
    "validate",
    "load_records",
    "RecordResult",
    "PROVINCES",
    "FIELDS",
    "REQUIRED",
    "COLUMNS",
    "NO_EXPIRY_TEXT",
    "PHOTO_MIN",
    "PHOTO_MAX",
]

FIELDS = (
    "id_number", "full_name", "date_of_birth", "sex", "nationality", "ethnicity", "religion",
    "place_of_origin", "place_of_residence", "identification_features", "date_of_issue",
    "date_of_expiry", "father_name", "mother_name", "spouse_name", "old_id_number", "field16",
)
REQUIRED = FIELDS[:14]
COLUMNS = FIELDS + ("photo",)
DATE_FIELDS = ("date_of_birth", "date_of_issue", "date_of_expiry")
NO_EXPIRY_TEXT = "Không thời hạn"
SEXES = {"Nam": "M", "Nữ": "F"}
PHOTO_MIN = 1024
PHOTO_MAX = 200 * 1024
_PRINTABLE = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 '()+,-./:=?")
_JP2_SIGNATURE = bytes.fromhex("0000000C6A5020200D0A870A")
_J2K_CODESTREAM = bytes.fromhex("FF4FFF51")
_MAX_LINE = 1 << 20  # characters in one JSON Lines record; CSV fields are bounded by the csv module


@dataclass(frozen=True, repr=False)
class CitizenRecord:
    """One citizen: the 16 DG13 fields of spec/vn-cccd.md (field 13 split in two) and the photo."""

    id_number: str
    full_name: str
    date_of_birth: str
    sex: str
    nationality: str
    ethnicity: str
    religion: str
    place_of_origin: str
    place_of_residence: str
    identification_features: str
    date_of_issue: str
    date_of_expiry: str
    father_name: str
    mother_name: str
    spouse_name: str | None = None
    old_id_number: str | None = None
    field16: str | None = None
    photo: Path | None = None

    def __post_init__(self) -> None:
        for name in DATE_FIELDS:
            value = getattr(self, name)
            if isinstance(value, date):
                object.__setattr__(self, name, value.strftime("%d/%m/%Y"))
            elif isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
                try:
                    object.__setattr__(self, name, date.fromisoformat(value).strftime("%d/%m/%Y"))
                except ValueError:
                    pass  # left as given: validate() reports it
        if isinstance(self.photo, str):
            object.__setattr__(self, "photo", Path(self.photo))

    def __repr__(self) -> str:
        return "CitizenRecord(<personal data redacted>)"

    # --- derived values -----------------------------------------------------------

    @property
    def birth_date(self) -> date:
        """Date of birth as a date (InputError if not a real dd/mm/yyyy date)."""
        return _date(self.date_of_birth, "date_of_birth")

    @property
    def issue_date(self) -> date:
        """Date of issue as a date (InputError if not a real dd/mm/yyyy date)."""
        return _date(self.date_of_issue, "date_of_issue")

    @property
    def expiry_date(self) -> date | None:
        """Date of expiry as a date, or None for "Không thời hạn" (no expiry)."""
        if self.date_of_expiry == NO_EXPIRY_TEXT:
            return None
        return _date(self.date_of_expiry, "date_of_expiry")

    @property
    def can(self) -> str:
        """The Card Access Number of the card (``cardkit.vn.can_of``: the last 6 digits of the ID number)."""
        return can_of(self.id_number)

    @property
    def document_number(self) -> str:
        """The MRZ document number: the last 9 digits of the 12-digit ID (spec/vn-cccd.md)."""
        return self.id_number[-9:]

    def to_mrz(self) -> Mrz:
        """The VN TD1 MRZ: ID, VNM, last 9 digits, optional data ID<<cd(ID) (spec/vn-cccd.md).

        Raises:
            InputError: the record cannot make an MRZ (bad ID, date, sex or name).
        """
        if not (len(self.id_number) == 12 and self.id_number.isascii() and self.id_number.isdigit()):
            raise InputError("id_number must be 12 digits to make an MRZ")
        if self.sex not in SEXES:
            raise InputError('sex must be "Nam" or "Nữ" to make an MRZ')
        words = self.full_name.split()
        if not words:
            raise InputError("full_name is empty")
        expiry = self.expiry_date
        return Mrz.td1(
            document_code="ID",
            issuing_state="VNM",
            document_number=self.document_number,
            optional_data=self.id_number + "<<" + check_digit(self.id_number),
            date_of_birth=self.birth_date,
            sex=SEXES[self.sex],
            date_of_expiry=expiry if expiry is not None else NO_EXPIRY,
            nationality="VNM",
            primary_identifier=words[0],  # Vietnamese names are written family name first
            secondary_identifier=" ".join(words[1:]),
        )

    @property
    def mrz_information(self) -> str:
        """The BAC/PACE MRZ key input of this record's card (Doc 9303-11 §4.3.2)."""
        return self.to_mrz().mrz_information

    def dg13_fields(self) -> dict[str, str | None]:
        """Keyword arguments for ``cardkit.lds.Dg13Vn.build``: field values as on the card."""
        return {name: getattr(self, name) for name in FIELDS}

    def to_dict(self) -> dict[str, str | None]:
        """All fields as strings (photo as a path string), for JSON output."""
        d = self.dg13_fields()
        d["photo"] = str(self.photo) if self.photo is not None else None
        return d

    @classmethod
    def from_mapping(cls, values: dict, *, base_dir: Path | None = None) -> "CitizenRecord":
        """Build a record from a field -> value mapping (as read from CSV/JSON), NFC and stripped.

        Raises:
            InputError: an unknown field or a value that is not text (all named).
        """
        record, reasons = _from_mapping(values, base_dir)
        if reasons:
            raise InputError("; ".join(reasons))
        return record


def _date(value: str, what: str) -> date:
    try:
        return datetime.strptime(value, "%d/%m/%Y").date() if _is_ddmmyyyy(value) else _bad_date(what)
    except ValueError:
        return _bad_date(what)


def _bad_date(what: str) -> date:
    raise InputError(f"{what} is not a real dd/mm/yyyy date")


def _is_ddmmyyyy(v: str) -> bool:
    return isinstance(v, str) and len(v) == 10 and v[2] == "/" and v[5] == "/" and (v[:2] + v[3:5] + v[6:]).isdigit() \
        and v.isascii()


# --- validation -------------------------------------------------------------------


def validate(record: CitizenRecord, *, today: date | None = None, photo_min: int = PHOTO_MIN,
             photo_max: int = PHOTO_MAX, check_photo: bool = True) -> list[str]:
    """Every reason the record is not correct, complete and clean ("đúng, đủ, sạch"); [] if valid.

    Args:
        today: the date to check issue and expiry against (default: the system date).
        photo_min, photo_max: accepted photo file size in bytes.
        check_photo: False to skip the photo checks (e.g. a record without a face image yet).
    """
    today = today or date.today()
    reasons: list[str] = []
    reasons += _clean_text(record)
    for name in REQUIRED:
        value = getattr(record, name)
        if value is None or (isinstance(value, str) and not value.strip()):
            reasons.append(f"{name}: required")
    if record.sex and record.sex not in SEXES:
        reasons.append('sex: must be "Nam" or "Nữ"')
    if record.nationality and record.nationality != "Việt Nam":
        reasons.append('nationality: must be "Việt Nam" on a citizen ID card')
    dob = _checked_date(record, "date_of_birth", reasons)
    issue = _checked_date(record, "date_of_issue", reasons)
    expiry = None
    if record.date_of_expiry and record.date_of_expiry != NO_EXPIRY_TEXT:
        expiry = _checked_date(record, "date_of_expiry", reasons, also=f' or "{NO_EXPIRY_TEXT}"')
    if dob and dob > today:
        reasons.append("date_of_birth: in the future")
    if dob and issue and issue <= dob:
        reasons.append("date_of_issue: not after the date of birth")
    if issue and issue > today:
        reasons.append(f"date_of_issue: after today ({today.isoformat()})")
    if issue and expiry and expiry <= issue:
        reasons.append("date_of_expiry: not after the date of issue")
    if expiry and expiry < today and not (issue and expiry <= issue):
        reasons.append(f"date_of_expiry: already expired (today is {today.isoformat()})")
    reasons += _check_id(record, dob)
    if record.old_id_number and not (len(record.old_id_number) == 9 and record.old_id_number.isascii()
                                     and record.old_id_number.isdigit()):
        reasons.append("old_id_number: must be 9 digits")
    if record.field16 and not (len(record.field16) == 16 and set(record.field16) <= _PRINTABLE):
        reasons.append("field16: must be 16 PrintableString characters")
    if record.full_name and record.full_name.strip():
        try:
            transliterate(record.full_name)
        except InputError as e:
            reasons.append(f"full_name: cannot be written in the MRZ ({e})")
    if check_photo:
        reasons += _check_photo(record.photo, photo_min, photo_max)
    return reasons


def _checked_date(record: CitizenRecord, name: str, reasons: list[str], also: str = "") -> date | None:
    value = getattr(record, name)
    if not value:
        return None
    try:
        return _date(value, name)
    except InputError:
        reasons.append(f"{name}: not a real date in the form dd/mm/yyyy{also}")
        return None


def _check_id(record: CitizenRecord, dob: date | None) -> list[str]:
    n = record.id_number
    if not n:
        return []
    if not (len(n) == 12 and n.isascii() and n.isdigit()):
        return ["id_number: must be 12 digits"]
    out = []
    if n[:3] not in PROVINCES:
        out.append(f"id_number: province code {n[:3]} is not one of the 63 province codes")
    digit = int(n[3])
    century, female = 1900 + 100 * (digit // 2), digit % 2 == 1
    if dob and dob.year // 100 * 100 != century:
        out.append(f"id_number: digit 4 ({digit}) means born in the {century}s, but the date of birth is in the "
                   f"{dob.year // 100 * 100}s")
    if record.sex in SEXES and (record.sex == "Nữ") != female:
        out.append(f'id_number: digit 4 ({digit}) means {"female" if female else "male"}, but sex is "{record.sex}"')
    if dob and n[4:6] != f"{dob.year % 100:02d}":
        out.append("id_number: digits 5-6 are not the last two digits of the year of birth")
    return out


def _clean_text(record: CitizenRecord) -> list[str]:
    out = []
    for name in FIELDS:
        value = getattr(record, name)
        if value is None:
            continue
        if not isinstance(value, str):
            out.append(f"{name}: must be text")
            continue
        if any(0xD800 <= ord(c) <= 0xDFFF for c in value):
            out.append(f"{name}: bytes that are not UTF-8")
            continue
        bad = [c for c in value if unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")]
        if bad:
            out.append(f"{name}: control or invisible character U+{ord(bad[0]):04X}")
        if unicodedata.normalize("NFC", value) != value:
            out.append(f"{name}: not in Unicode NFC form")
        if value != value.strip():
            out.append(f"{name}: leading or trailing white space")
    return out


def _check_photo(photo: Path | None, lo: int, hi: int) -> list[str]:
    if photo is None:
        return ["photo: required"]
    try:
        if not photo.is_file():
            return [f"photo: file not found ({photo.name})"]
        size = photo.stat().st_size
        with photo.open("rb") as f:
            head = f.read(12)
    except OSError as e:
        return [f"photo: cannot read {photo.name} ({e.strerror})"]
    out = []
    if not (head[:3] == b"\xff\xd8\xff" or head == _JP2_SIGNATURE or head[:4] == _J2K_CODESTREAM):
        out.append("photo: not a JPEG (FF D8 FF) or JPEG 2000 file")
    if not lo <= size <= hi:
        out.append(f"photo: {size} bytes, expected {lo} to {hi}")
    return out


# --- loading ----------------------------------------------------------------------


@dataclass(frozen=True)
class RecordResult:
    """One record of a batch file: a valid record, or the RecordError naming its line."""

    line: int
    record: CitizenRecord | None = None
    error: RecordError | None = None

    @property
    def ok(self) -> bool:
        """True when the record is valid."""
        return self.error is None


def load_records(path: str | Path, *, today: date | None = None, photo_min: int = PHOTO_MIN,
                 photo_max: int = PHOTO_MAX, check_photo: bool = True) -> Iterator[RecordResult]:
    """Read and validate a CSV or JSON Lines batch, one result per record, streaming.

    CSV needs a header row of field names (``COLUMNS``); JSON Lines one object per line. The
    format comes from the suffix (.csv, .jsonl/.ndjson), else from the first character. Photo
    paths are relative to the file's folder. Text is made NFC and stripped.

    Raises:
        InputError: the file cannot be read, or its CSV header names an unknown column
            (raised at once; record problems are yielded as RecordError results instead).
    """
    path = Path(path)
    try:
        f = path.open("r", encoding="utf-8-sig", errors="surrogateescape", newline="")
    except OSError as e:
        raise InputError(f"{path}: cannot open ({e.strerror})") from None
    try:
        first = f.read(4096)
        f.seek(0)  # the utf-8-sig decoder is reset and skips a BOM again
    except (OSError, UnicodeError) as e:
        f.close()
        raise InputError(f"{path}: cannot read ({e})") from None
    suffix = path.suffix.lower()
    is_json = suffix in (".jsonl", ".ndjson") or (suffix != ".csv" and first.lstrip("\ufeff \r\n\t")[:1] == "{")
    rows = _jsonl_rows(f) if is_json else _csv_rows(f, path)
    if not is_json:
        try:
            next(rows)  # runs the header checks now, so a bad header fails the call itself
        except BaseException:
            f.close()
            raise
    return _results(f, rows, path.parent, today, photo_min, photo_max, check_photo)


def _results(f, rows, base_dir: Path, today, photo_min, photo_max, check_photo) -> Iterator[RecordResult]:
    seen: dict[str, int] = {}
    with f:
        for line, values, reasons in rows:
            record = None
            if values is not None:
                record, more = _from_mapping(values, base_dir)
                reasons = reasons + more
                reasons += validate(record, today=today, photo_min=photo_min, photo_max=photo_max,
                                    check_photo=check_photo)
                if record.id_number in seen:
                    reasons.append(f"id_number: the same ID number as the record on line {seen[record.id_number]}")
                elif record.id_number:
                    seen[record.id_number] = line
            if reasons:
                yield RecordResult(line, None, RecordError(f"line {line}", _dedupe(reasons)))
            else:
                yield RecordResult(line, record)


def _dedupe(reasons: list[str]) -> list[str]:
    typed = {r.split(":")[0] for r in reasons if ": must be a string" in r}
    return list(dict.fromkeys(r for r in reasons if not (r.endswith(": required") and r.split(":")[0] in typed)))


def _csv_rows(f, path: Path) -> Iterator[tuple[int, dict | None, list[str]]]:
    reader = csv.reader(f)
    try:
        header = next(reader, None)
    except csv.Error as e:
        raise InputError(f"{path.name} line 1: not a CSV header ({e})") from None
    if not header:
        raise InputError(f"{path.name} line 1: empty; a header row naming the fields is needed")
    names = [unicodedata.normalize("NFC", h).strip() for h in header]
    unknown = [h for h in names if h not in COLUMNS]
    if unknown:
        raise InputError(f"{path.name} line 1: unknown column {unknown[0]!r} (known: {', '.join(COLUMNS)})")
    if len(set(names)) != len(names):
        raise InputError(f"{path.name} line 1: a column is named twice")
    yield 1, None, []  # consumed by load_records: header checked
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            yield start, None, [f"not a CSV row ({e})"]
            continue
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if len(row) != len(names):
            yield start, None, [f"has {len(row)} values, the header has {len(names)}"]
            continue
        yield start, dict(zip(names, row)), []


def _jsonl_rows(f) -> Iterator[tuple[int, dict | None, list[str]]]:
    n = 0
    while True:
        line = f.readline(_MAX_LINE + 1)
        if not line:
            return
        n += 1
        if len(line) > _MAX_LINE and not line.endswith("\n"):
            while line and not line.endswith("\n"):  # skip the rest of an over-long line, bounded reads
                line = f.readline(_MAX_LINE)
            yield n, None, [f"longer than {_MAX_LINE} characters"]
            continue
        line = line.lstrip("\ufeff").strip()
        if not line:
            continue
        try:
            obj = json.loads(line)
        except (json.JSONDecodeError, RecursionError) as e:
            msg = f"{e.msg} at column {e.colno}" if isinstance(e, json.JSONDecodeError) else "nested too deeply"
            yield n, None, [f"not valid JSON ({msg})"]
            continue
        if not isinstance(obj, dict):
            yield n, None, ["not a JSON object"]
            continue
        yield n, obj, []


def _from_mapping(values: dict, base_dir: Path | None) -> tuple[CitizenRecord, list[str]]:
    reasons = [f"unknown field {k!r}" for k in values if k not in COLUMNS]
    kwargs: dict = {}
    for name in COLUMNS:
        v = values.get(name)
        if v is not None and not isinstance(v, str):
            hint = " (a JSON number loses leading zeros)" if isinstance(v, (int, float)) else ""
            reasons.append(f"{name}: must be a string{hint}")
            v = None
        if v is not None:
            v = unicodedata.normalize("NFC", v).strip() if not _has_surrogates(v) else v.strip()
        if name == "photo":
            kwargs[name] = (base_dir / v if base_dir is not None else Path(v)) if v else None
        elif name in REQUIRED:
            kwargs[name] = v or ""
        else:
            kwargs[name] = v or None
    return CitizenRecord(**kwargs), reasons


def _has_surrogates(v: str) -> bool:
    return any(0xD800 <= ord(c) <= 0xDFFF for c in v)
