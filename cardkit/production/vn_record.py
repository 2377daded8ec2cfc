"""Vietnamese citizen records (CCCD): the 16 DG13 fields, the photo, and the rules they must meet.

A record must be "đúng, đủ, sạch" — correct, complete, clean — before a card is made from it.
``validate`` returns every reason a record fails, never just the first (``records.load_records``
reads the file). The ID number's rules (province, century and sex digit, year of birth) follow the
Vietnamese numbering of Circular 59/2021/TT-BCA; each field's maximum length is the one of the DG13
field it feeds (``limits.VN_LIMITS``).

Dates are kept as on the card, "dd/mm/yyyy" strings (ISO "yyyy-mm-dd" and ``datetime.date`` are
accepted and converted); the date of expiry may instead be the text "Không thời hạn" (no expiry),
which the MRZ writes as six fillers ``<<<<<<`` (check digit 0; ``cardkit.mrz.NO_EXPIRY``).
Record values are personal data and the ID number holds the CAN: they never appear in a repr or
an error message (errors name the field and the line). ``finger_left`` and ``finger_right`` name the
left and right index fingerprint images for DG3 (WSQ or JPEG 2000, written as given), checked when given.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from ..errors import InputError
from ..holder import ISSUE_REASONS
from ..lds import Dg13Vn
from ..mrz import NO_EXPIRY, Mrz, check_digit, transliterate
from ..vn import can_of
from ._values import normalise
from .limits import VN_LIMITS, too_long
from .provinces import PROVINCES

__all__ = [
    "CitizenRecord",
    "validate",
    "check_photo_file",
    "clean_text",
    "PROVINCES",
    "FIELDS",
    "REQUIRED",
    "COLUMNS",
    "NO_EXPIRY_TEXT",
    "PHOTO_MIN",
    "PHOTO_MAX",
    "FINGER_FIELDS",
    "FINGER_MIN",
    "FINGER_MAX",
]

FIELDS = (
    "id_number", "full_name", "date_of_birth", "sex", "nationality", "ethnicity", "religion",
    "place_of_origin", "place_of_residence", "identification_features", "date_of_issue",
    "date_of_expiry", "father_name", "mother_name", "spouse_name", "old_id_number", "field16",
)
REQUIRED = FIELDS[:14]
# the record's fingerprint files -> their ISO/IEC 19794-4 finger positions (right and left index)
FINGER_FIELDS = {"finger_right": 2, "finger_left": 7}
COLUMNS = FIELDS + ("photo", "issue_reason", "capture_device", *FINGER_FIELDS)
DATE_FIELDS = ("date_of_birth", "date_of_issue", "date_of_expiry")
NO_EXPIRY_TEXT = "Không thời hạn"
SEXES = {"Nam": "M", "Nữ": "F"}
PHOTO_MIN = 1024
PHOTO_MAX = 200 * 1024
FINGER_MIN = 256  # bytes: a compressed fingerprint is a few KB (WSQ at 500 ppi: 10-30 KB)
FINGER_MAX = 256 * 1024
_WSQ_SOI = bytes.fromhex("FFA0")
_JPEG_SOI = bytes.fromhex("FFD8FF")
_PRINTABLE = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 '()+,-./:=?")
_JP2_SIGNATURE = bytes.fromhex("0000000C6A5020200D0A870A")
_J2K_CODESTREAM = bytes.fromhex("FF4FFF51")
_MAX_LINE = 1 << 20  # characters in one JSON Lines record; CSV fields are bounded by the csv module


@dataclass(frozen=True, repr=False)
class CitizenRecord:
    """One citizen: the 16 fields of the VN DG13 (``cardkit.lds.Dg13Vn``; field 13 split in two) and the photo."""

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
    issue_reason: str = "first"
    capture_device: str | None = None
    finger_right: Path | None = None  # right index finger for DG3: WSQ or JPEG 2000
    finger_left: Path | None = None  # left index finger

    kind = "vn-citizen"

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
        for name in ("photo", *FINGER_FIELDS):
            if isinstance(getattr(self, name), str):
                object.__setattr__(self, name, Path(getattr(self, name)))

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
    def national_id(self) -> str:
        """The 12-digit personal identification number: who the card belongs to."""
        return self.id_number

    @property
    def document_number(self) -> str:
        """The MRZ document number: the last 9 digits of the 12-digit ID (the VN card's rule)."""
        return self.id_number[-9:]

    def to_mrz(self) -> Mrz:
        """The VN TD1 MRZ: ID, VNM, last 9 digits, optional data ID<<cd(ID) (as the VN card writes it).

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

    @property
    def finger_images(self) -> dict[int, Path]:
        """The fingerprint files given, by finger position (``FINGER_FIELDS``)."""
        return {pos: path for name, pos in FINGER_FIELDS.items() if (path := getattr(self, name)) is not None}

    def extra_data_groups(self) -> dict[int, bytes]:
        """DG13, the VN national data group, encoded."""
        return {13: Dg13Vn.build(**self.dg13_fields()).to_bytes()}

    def content_fields(self) -> dict[str, str | None]:
        """Every column as text, in ``COLUMNS`` order (the photo as its path)."""
        d: dict[str, str | None] = dict(self.dg13_fields())
        d["photo"] = str(self.photo) if self.photo is not None else None
        d["issue_reason"] = self.issue_reason
        d["capture_device"] = self.capture_device
        for name in FINGER_FIELDS:
            value = getattr(self, name)
            d[name] = str(value) if value is not None else None
        return d

    def to_dict(self) -> dict[str, str | None]:
        """All fields as strings (photo as a path string), for JSON output."""
        return self.content_fields()

    @classmethod
    def from_mapping(cls, values: dict, *, base_dir: Path | None = None) -> "CitizenRecord":
        """Build a record from a field -> value mapping (as read from CSV/JSON), NFC and stripped.

        Raises:
            InputError: an unknown field or a value that is not text (all named).
        """
        kwargs, reasons = normalise(values, COLUMNS, REQUIRED, base_dir)
        record = cls(**kwargs)  # type: ignore[arg-type]
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
    reasons += clean_text({name: getattr(record, name) for name in FIELDS + ("capture_device",)})
    reasons += too_long(record.content_fields(), VN_LIMITS)
    if record.issue_reason not in ISSUE_REASONS:
        reasons.append(f"issue_reason: must be one of {', '.join(ISSUE_REASONS)}")
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
        reasons += check_photo_file(record.photo, photo_min, photo_max)
    for name in FINGER_FIELDS:
        reasons += _check_finger(name, getattr(record, name))
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


def clean_text(values: dict[str, object]) -> list[str]:
    """A reason for every value that is not clean text: not a string, not UTF-8, control characters, not NFC."""
    out = []
    for name, value in values.items():
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


def check_photo_file(photo: Path | None, lo: int = PHOTO_MIN, hi: int = PHOTO_MAX) -> list[str]:
    """Every reason the photo file is not a JPEG / JPEG 2000 of an accepted size; [] when it is."""
    if photo is None:
        return ["photo: required"]
    return _check_image_file("photo", photo, _JPEG_SOI, "a JPEG (FF D8 FF)", lo, hi)


def _check_finger(name: str, path: Path | None) -> list[str]:
    """A fingerprint file, when given: WSQ (FF A0) or JPEG 2000, of a plausible size."""
    if path is None:
        return []
    return _check_image_file(name, path, _WSQ_SOI, "a WSQ (FF A0)", FINGER_MIN, FINGER_MAX)


def _check_image_file(name: str, path: Path, own: bytes, own_name: str, lo: int, hi: int) -> list[str]:
    """Every reason an image file is unreadable, not of its own format (``own``) nor JPEG 2000, or out of [lo, hi]."""
    try:
        if not path.is_file():
            return [f"{name}: file not found ({path.name})"]
        size = path.stat().st_size
        with path.open("rb") as f:
            head = f.read(12)
    except OSError as e:
        return [f"{name}: cannot read {path.name} ({e.strerror})"]
    out = []
    if not head.startswith((own, _JP2_SIGNATURE, _J2K_CODESTREAM)):
        out.append(f"{name}: not {own_name} or JPEG 2000 file")
    if not lo <= size <= hi:
        out.append(f"{name}: {size} bytes, expected {lo} to {hi}")
    return out
