"""Generic ICAO holder records: any state's TD1 ID card or TD3 passport (Doc 9303 Parts 3-5, 10).

Columns: ``document_type``, ``issuing_state``, ``document_number``, ``surname``, ``given_names``,
``nationality``, ``sex``, ``date_of_birth``, ``date_of_expiry``, ``photo``; optional
``personal_number``, ``place_of_birth``, ``date_of_issue``, ``issuing_authority``, and the production
fields ``issue_reason`` and ``capture_device``.

Rules (``validate``, every reason at once):
- dates are ISO 8601: ``YYYY-MM-DD``; a date of birth may be reduced to ``YYYY-MM`` or ``YYYY``
  when day or month is unknown (the MRZ then writes ``<<``, 9303-3 §4.8.1);
- states are ISO 3166-1 alpha-3 or a code of 9303-3 §5 (``D`` for Germany, written ``D<<`` or ``D``;
  UNO, XXA ...);
- the document number is A-Z and 0-9 (9303-3 §4.2.2), at most 9 characters unless the profile's
  format has room for a long number (TD1: 9 + 14 in the optional data, 9303-5 §4.2.2 note j);
- names are in any Latin script and transliterated by 9303-3 §6's table (``cardkit.mrz``);
- each field is at most the length of the data group element it feeds (``limits.ICAO_LIMITS``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ..errors import InputError
from ..holder import ISSUE_REASONS
from ..lds import Dg11, Dg12
from ..mrz import Mrz, transliterate
from ..pki.countries import ALPHA3_TO_ALPHA2
from ._values import normalise
from .limits import ICAO_LIMITS, too_long
from .vn_record import PHOTO_MAX, PHOTO_MIN, check_photo_file, clean_text

__all__ = ["IcaoRecord", "validate_icao", "ICAO_COLUMNS", "ICAO_REQUIRED", "STATE_CODES"]

ICAO_REQUIRED = ("document_type", "issuing_state", "document_number", "surname", "given_names", "nationality",
                 "sex", "date_of_birth", "date_of_expiry")
_OPTIONAL = ("personal_number", "place_of_birth", "date_of_issue", "issuing_authority")
ICAO_COLUMNS = ICAO_REQUIRED + ("photo",) + _OPTIONAL + ("issue_reason", "capture_device")
_TEXT = ICAO_REQUIRED + _OPTIONAL + ("capture_device",)
# 9303-3 §5: codes for states and organisations beyond ISO 3166-1, and for persons without a nationality
_ICAO_CODES = {"D", "EUE", "UNO", "UNA", "UNK", "XOM", "XPO", "XCC", "XCE", "XCO", "XEC", "XES", "XIM", "XMP",
               "XBA", "XDC", "XXA", "XXB", "XXC", "XXX", "GBD", "GBN", "GBO", "GBP", "GBS", "RKS"}
STATE_CODES = frozenset(c for c in ALPHA3_TO_ALPHA2 if len(c) == 3) | _ICAO_CODES
_STATE = re.compile(r"[A-Z]{1,3}<{0,2}")
_DOC_TYPE = re.compile(r"[A-Z][A-Z<]?")
_DOC_NUMBER = re.compile(r"[A-Z0-9]+")
_MRZ_TEXT = re.compile(r"[A-Z0-9<]*")
_ISO_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
_SEXES = ("M", "F", "X", "<")


def _state(value: str) -> str:
    """The code without '<' filler ("D<<" -> "D")."""
    return value.rstrip("<")


def _iso(value: str, name: str, *, partial: bool = False) -> tuple[date | None, str]:
    """(the date if complete, its YYMMDD MRZ form) of an ISO 8601 date; InputError naming the field."""
    m = _ISO_DATE.fullmatch(value or "")
    if m is None or (not partial and m.group(3) is None):
        form = "YYYY-MM-DD (or YYYY-MM, YYYY when not known)" if partial else "YYYY-MM-DD"
        raise InputError(f"{name}: not an ISO 8601 date {form}")
    y, mo, d = m.group(1), m.group(2), m.group(3)
    try:
        full = date(int(y), int(mo or 1), int(d or 1))
    except ValueError:
        raise InputError(f"{name}: not a real date") from None
    return (full if d else None), y[2:] + (mo or "<<") + (d or "<<")


@dataclass(frozen=True, repr=False)
class IcaoRecord:
    """One holder of a generic ICAO document (module header); text exactly as given, NFC."""

    document_type: str
    issuing_state: str
    document_number: str
    surname: str
    given_names: str
    nationality: str
    sex: str
    date_of_birth: str
    date_of_expiry: str
    photo: Path | None = None
    personal_number: str | None = None
    place_of_birth: str | None = None
    date_of_issue: str | None = None
    issuing_authority: str | None = None
    issue_reason: str = "first"
    capture_device: str | None = None

    kind = "icao"

    def __post_init__(self) -> None:
        if isinstance(self.photo, str):
            object.__setattr__(self, "photo", Path(self.photo))

    def __repr__(self) -> str:
        return "IcaoRecord(<personal data redacted>)"

    @property
    def national_id(self) -> None:
        return None

    @property
    def can(self) -> None:
        """A generic record carries no CAN: the chip answers PACE by MRZ (and BAC)."""
        return None

    @property
    def finger_images(self) -> dict[int, Path]:
        """A generic record names no fingerprint files: a profile writing DG3 needs a record kind that does."""
        return {}

    def to_mrz(self) -> Mrz:
        """TD3 for a passport (document type P...), TD1 otherwise (Doc 9303-4/5 §4.2).

        Raises:
            InputError: a field that cannot be written in the MRZ (named).
        """
        _, dob = _iso(self.date_of_birth, "date_of_birth", partial=True)
        _, doe = _iso(self.date_of_expiry, "date_of_expiry")
        args = dict(document_code=self.document_type.rstrip("<"), issuing_state=_state(self.issuing_state),
                    document_number=self.document_number, date_of_birth=dob, sex=self.sex, date_of_expiry=doe,
                    nationality=_state(self.nationality), primary_identifier=self.surname,
                    secondary_identifier=self.given_names, optional_data=self.personal_number or "")
        try:
            return Mrz.td3(**args) if self.document_type.startswith("P") else Mrz.td1(**args)
        except InputError as e:
            raise InputError(f"cannot make the MRZ: {e}") from None

    def extra_data_groups(self) -> dict[int, bytes]:
        """DG11 (full name, personal number, full date of birth, place of birth) and DG12 (issuing authority,
        date of issue) as 9303-10 §4.7.11-12 lay them out; a profile writes those it lists."""
        full = f"{transliterate(self.surname)}<<{transliterate(self.given_names)}".rstrip("<")
        dob = self.date_of_birth.replace("-", "") if len(self.date_of_birth) == 10 else None
        dg11 = Dg11.build(full_name=full, personal_number=self.personal_number, date_of_birth=dob,
                          place_of_birth=self.place_of_birth)
        doi = self.date_of_issue.replace("-", "") if self.date_of_issue else None
        dg12 = Dg12.build(issuing_authority=self.issuing_authority, date_of_issue=doi)
        return {11: dg11.to_bytes(), 12: dg12.to_bytes()}

    def content_fields(self) -> dict[str, str | None]:
        """Every column as text, in ``ICAO_COLUMNS`` order (the photo as its path)."""
        d: dict[str, str | None] = {}
        for name in ICAO_COLUMNS:
            v = getattr(self, name)
            d[name] = str(v) if v is not None else None
        return d

    def to_dict(self) -> dict[str, str | None]:
        return self.content_fields()

    @classmethod
    def from_mapping(cls, values: dict, *, base_dir: Path | None = None) -> "IcaoRecord":
        """Build a record from a field -> value mapping, NFC and stripped. Raises InputError naming fields."""
        kwargs, reasons = normalise(values, ICAO_COLUMNS, ICAO_REQUIRED, base_dir)
        if reasons:
            raise InputError("; ".join(reasons))
        return cls(**kwargs)  # type: ignore[arg-type]


def validate_icao(record: IcaoRecord, *, today: date | None = None, photo_min: int = PHOTO_MIN,
                  photo_max: int = PHOTO_MAX, check_photo: bool = True) -> list[str]:
    """Every reason the record cannot make a card (module header); [] when it can."""
    today = today or date.today()
    reasons = clean_text({name: getattr(record, name) for name in _TEXT})
    reasons += too_long(record.content_fields(), ICAO_LIMITS)
    if reasons:
        return reasons  # the checks below would only repeat these in other words
    for name in ICAO_REQUIRED:
        if not getattr(record, name) and name != "given_names":
            reasons.append(f"{name}: required")
    if record.issue_reason not in ISSUE_REASONS:
        reasons.append(f"issue_reason: must be one of {', '.join(ISSUE_REASONS)}")
    if record.document_type and (not _DOC_TYPE.fullmatch(record.document_type) or record.document_type[0] == "V"):
        reasons.append("document_type: must be 1-2 capital letters (P, PD, I, ID, A, C ...; V is a visa)")
    for name in ("issuing_state", "nationality"):
        v = getattr(record, name)
        if v and not (_STATE.fullmatch(v) and len(v) <= 3 and _state(v) in STATE_CODES):
            reasons.append(f"{name}: {v!r} is not an ISO 3166-1 alpha-3 code or a 9303-3 code (D<<, UNO, XXA ...)")
    n = record.document_number
    if n and not _DOC_NUMBER.fullmatch(n):
        reasons.append("document_number: must be capital letters A-Z and digits 0-9")
    if record.sex and record.sex not in _SEXES:
        reasons.append("sex: must be M, F, X or <")
    dob = doe = doi = None
    for name, partial in (("date_of_birth", True), ("date_of_expiry", False), ("date_of_issue", False)):
        v = getattr(record, name)
        if not v:
            continue
        try:
            d, _ = _iso(v, name, partial=partial)
        except InputError as e:
            reasons.append(str(e))
            continue
        if name == "date_of_birth":
            dob = d or date(int(v[:4]), int(v[5:7] or 1) if len(v) >= 7 else 1, 1)
        elif name == "date_of_expiry":
            doe = d
        else:
            doi = d
    if dob and dob > today:
        reasons.append("date_of_birth: in the future")
    if doe and doe < today:
        reasons.append(f"date_of_expiry: already expired (today is {today.isoformat()})")
    if dob and doe and doe <= dob:
        reasons.append("date_of_expiry: not after the date of birth")
    if doi and doi > today:
        reasons.append(f"date_of_issue: after today ({today.isoformat()})")
    if doi and dob and doi < dob:
        reasons.append("date_of_issue: before the date of birth")
    for name in ("surname", "given_names"):
        v = getattr(record, name)
        if v:
            try:
                transliterate(v)
            except InputError as e:
                reasons.append(f"{name}: cannot be written in the MRZ ({e})")
    pn = record.personal_number
    if pn and not _MRZ_TEXT.fullmatch(pn):
        reasons.append("personal_number: must be capital letters A-Z, digits 0-9 or <")
    if not reasons:
        try:
            record.to_mrz()
        except InputError as e:
            reasons.append(str(e))
    if check_photo:
        reasons += check_photo_file(record.photo, photo_min, photo_max)
    return reasons
