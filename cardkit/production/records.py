"""Batch records: reading CSV or JSON Lines into validated holder records, one result per record.

Two kinds of record exist (``cardkit.holder.HolderRecord`` is what both offer personalisation):
- a Vietnamese citizen (``vn_record.CitizenRecord``), told by an ``id_number`` column or key;
- a generic ICAO holder (``icao_record.IcaoRecord``), told by ``document_number``.

``load_records`` reads CSV (a header row naming the fields) or JSON Lines, UTF-8 with or without a
BOM, and yields one ``RecordResult`` per record: a valid record or a ``RecordError`` naming the line
and every reason. A bad record never stops the others. Every reader limit names what it limits: a CSV
value longer than the reader takes names its column, a JSON line longer than ``MAX_LINE`` says so.
An ID number (or issuing state and document number) seen twice in one file rejects the second record;
who else is "the same person" (across kinds, across batches) is the profile's and the ledger's word.
"""

from __future__ import annotations

import csv
import json
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO

from ..errors import InputError, RecordError
from ..holder import HolderRecord
from .icao_record import ICAO_COLUMNS, IcaoRecord, validate_icao
from .vn_record import (COLUMNS, FIELDS, NO_EXPIRY_TEXT, PHOTO_MAX, PHOTO_MIN, PROVINCES, REQUIRED, CitizenRecord,
                        validate)

__all__ = [
    "CitizenRecord",
    "IcaoRecord",
    "validate",
    "validate_icao",
    "validate_record",
    "load_records",
    "RecordResult",
    "PROVINCES",
    "FIELDS",
    "REQUIRED",
    "COLUMNS",
    "ICAO_COLUMNS",
    "NO_EXPIRY_TEXT",
    "PHOTO_MIN",
    "PHOTO_MAX",
    "MAX_VALUE",
    "MAX_LINE",
]

MAX_VALUE = 1 << 20  # characters in one CSV value (the csv module's field limit, raised to this)
MAX_LINE = 1 << 20  # characters in one JSON Lines record
_SCAN_CHUNK = 1 << 16


def validate_record(record: HolderRecord, *, today: date | None = None, photo_min: int = PHOTO_MIN,
                    photo_max: int = PHOTO_MAX, check_photo: bool = True) -> list[str]:
    """Every reason the record (of either kind) is not valid; [] when it is."""
    kw = dict(today=today, photo_min=photo_min, photo_max=photo_max, check_photo=check_photo)
    if isinstance(record, CitizenRecord):
        return validate(record, **kw)  # type: ignore[arg-type]
    if isinstance(record, IcaoRecord):
        return validate_icao(record, **kw)  # type: ignore[arg-type]
    raise TypeError(f"not a record kind cardkit knows: {type(record).__name__}")


@dataclass(frozen=True)
class RecordResult:
    """One record of a batch file: a valid record, or the RecordError naming its line."""

    line: int
    record: HolderRecord | None = None
    error: RecordError | None = None

    @property
    def ok(self) -> bool:
        """True when the record is valid."""
        return self.error is None


def _kind(names: object) -> type[CitizenRecord] | type[IcaoRecord] | None:
    keys = set(names)  # type: ignore[call-overload]
    if "id_number" in keys:
        return CitizenRecord
    if "document_number" in keys:
        return IcaoRecord
    return None


def load_records(path: str | Path, *, today: date | None = None, photo_min: int = PHOTO_MIN,
                 photo_max: int = PHOTO_MAX, check_photo: bool = True) -> Iterator[RecordResult]:
    """Read and validate a CSV or JSON Lines batch, one result per record, streaming.

    The format comes from the suffix (.csv, .jsonl/.ndjson), else from the first character. Photo
    paths are relative to the file's folder. Text is made NFC and stripped.

    Raises:
        InputError: the file cannot be read, or its CSV header names an unknown column or no record
            kind (raised at once; record problems are yielded as RecordError results instead).
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


def _results(f: IO[str], rows: Iterator[tuple[int, dict | None, list[str]]], base_dir: Path, today: date | None,
             photo_min: int, photo_max: int, check_photo: bool) -> Iterator[RecordResult]:
    seen: dict[tuple[str, ...], int] = {}
    with f:
        for line, values, reasons in rows:
            record: HolderRecord | None = None
            if values is not None:
                cls = _kind(values)
                if cls is None:
                    reasons = reasons + ["neither id_number (a Vietnamese record) nor document_number (an ICAO "
                                         "record): cannot tell the record kind"]
                else:
                    try:
                        record = cls.from_mapping(values, base_dir=base_dir)
                    except InputError as e:
                        reasons = reasons + str(e).split("; ")
                    else:
                        reasons = reasons + validate_record(record, today=today, photo_min=photo_min,
                                                            photo_max=photo_max, check_photo=check_photo)
                reasons = reasons + _seen_before(values, seen, line)
            if reasons:
                yield RecordResult(line, None, RecordError(f"line {line}", _dedupe(reasons)))
            else:
                yield RecordResult(line, record)


def _seen_before(values: dict, seen: dict[tuple[str, ...], int], line: int) -> list[str]:
    """The same ID number (VN) or state and document number (ICAO) twice in one file: the second is refused."""
    if isinstance(values.get("id_number"), str) and values["id_number"].strip():
        key: tuple[str, ...] = ("id", values["id_number"].strip())
        what = "id_number: the same ID number as the record on line"
    elif isinstance(values.get("document_number"), str) and values["document_number"].strip():
        key = ("doc", str(values.get("issuing_state", "")).strip(), values["document_number"].strip())
        what = "document_number: the same issuing state and document number as the record on line"
    else:
        return []
    if key in seen:
        return [f"{what} {seen[key]}"]
    seen[key] = line
    return []


def _dedupe(reasons: list[str]) -> list[str]:
    typed = {r.split(":")[0] for r in reasons if ": must be a string" in r}
    return list(dict.fromkeys(r for r in reasons if not (r.endswith(": required") and r.split(":")[0] in typed)))


class _TooLong(Exception):
    """A physical line longer than any valid record line can be: a value past the reader's limit."""


class _Lines:
    """The file's lines for csv.reader, bounded per read, counting the physical lines handed out."""

    def __init__(self, f: IO[str]) -> None:
        self.f = f
        self.count = 0

    def __iter__(self) -> "_Lines":
        return self

    def __next__(self) -> str:
        line = self.f.readline(MAX_VALUE + 1)
        if not line:
            raise StopIteration
        if len(line) > MAX_VALUE and not line.endswith("\n"):
            raise _TooLong
        if line.endswith("\n"):
            self.count += 1
        return line


def _csv_rows(f: IO[str], path: Path) -> Iterator[tuple[int, dict | None, list[str]]]:
    if csv.field_size_limit() < MAX_VALUE:
        csv.field_size_limit(MAX_VALUE)
    lines = _Lines(f)
    reader = csv.reader(lines)
    try:
        header = next(reader, None)
    except csv.Error as e:
        raise InputError(f"{path.name} line 1: not a CSV header ({e})") from None
    if not header:
        raise InputError(f"{path.name} line 1: empty; a header row naming the fields is needed")
    names = [unicodedata.normalize("NFC", h).strip() for h in header]
    kind = _kind(names)
    if kind is None:
        raise InputError(f"{path.name} line 1: the header names neither id_number (Vietnamese records, columns "
                         f"{', '.join(COLUMNS)}) nor document_number (ICAO records, columns {', '.join(ICAO_COLUMNS)})")
    known = COLUMNS if kind is CitizenRecord else ICAO_COLUMNS
    unknown = [h for h in names if h not in known]
    if unknown:
        raise InputError(f"{path.name} line 1: unknown column {unknown[0]!r} (known: {', '.join(known)})")
    if len(set(names)) != len(names):
        raise InputError(f"{path.name} line 1: a column is named twice")
    yield 1, None, []  # consumed by load_records: header checked
    while True:
        start_line = lines.count + 1
        start = f.tell()
        try:
            row = next(reader)
        except StopIteration:
            return
        except (csv.Error, _TooLong) as e:
            if isinstance(e, _TooLong) or "field larger than field limit" in str(e):
                column, consumed = _find_long_value(f, start)
                lines.count = start_line - 1 + consumed
                reader = csv.reader(lines)  # the old reader is mid-record: start afresh after it
                what = names[column] if column is not None and column < len(names) else "a value"
                yield start_line, None, [f"{what}: longer than {MAX_VALUE} characters (the CSV reader's limit)"]
            else:
                yield start_line, None, [f"not a CSV row ({e})"]
            continue
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if len(row) != len(names):
            yield start_line, None, [f"has {len(row)} values, the header has {len(names)}"]
            continue
        yield start_line, dict(zip(names, row)), []


def _find_long_value(f: IO[str], start: int) -> tuple[int | None, int]:
    """Re-read a record whose value overflowed the CSV reader: (column of the first over-long value,
    physical lines it spans); leaves ``f`` just after the record. Quote-aware as RFC 4180, bounded reads."""
    f.seek(start)
    quoted = False
    column, length, first_long, newlines, consumed = 0, 0, None, 0, 0
    while True:
        chunk = f.read(_SCAN_CHUNK)
        if not chunk:
            break
        for i, c in enumerate(chunk):
            if c == '"':
                quoted = not quoted
            elif c == "," and not quoted:
                column, length = column + 1, 0
                continue
            elif c == "\n":
                newlines += 1
                if not quoted:
                    consumed += i + 1
                    f.seek(start)
                    _skip(f, consumed)
                    return first_long, newlines
            length += 1
            if length > MAX_VALUE and first_long is None:
                first_long = column
        consumed += len(chunk)
    return first_long, newlines


def _skip(f: IO[str], n: int) -> None:
    while n > 0:
        got = len(f.read(min(n, _SCAN_CHUNK)))
        if not got:
            return
        n -= got


def _jsonl_rows(f: IO[str]) -> Iterator[tuple[int, dict | None, list[str]]]:
    n = 0
    while True:
        line = f.readline(MAX_LINE + 1)
        if not line:
            return
        n += 1
        if len(line) > MAX_LINE and not line.endswith("\n"):
            while line and not line.endswith("\n"):  # skip the rest of an over-long line, bounded reads
                line = f.readline(MAX_LINE)
            yield n, None, [f"longer than {MAX_LINE} characters (the JSON Lines reader's limit)"]
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
