"""The machine readable zone: TD1, TD2 and TD3 as one model (Doc 9303 Parts 3-6).

Rules this module keeps:

* One frozen ``Mrz`` value for all three formats. ``Mrz.td1/td2/td3`` build one from field
  values (names in any Latin script are transliterated, Part 3 §6); ``.lines`` renders it with
  every check digit computed; ``Mrz.parse`` reads lines (or the concatenated DG1 text) back.
  ``Mrz.parse(Mrz.x(...).lines) == Mrz.x(...)`` for every value a builder accepts.
* Document numbers longer than 9 characters (TD1 and TD2 only, Part 5 §4.2.2 / Part 6 §4.2.2):
  the first 9 go in the number field, ``<`` in its check digit position, and the rest plus the
  check digit of the whole number, then a filler, open the optional data field.
* A date of expiry of six fillers (``<<<<<<``, check digit 0) stands for a document without an
  expiry date; that is what ID cards valid for life carry (e.g. Moldova) and what MRZ readers
  accept. ``NO_EXPIRY`` names it; records that say "Không thời hạn" use it.
* Errors: ``MrzError`` (a ``ParseError``) names the line and the 1-based position and says what
  was expected. Field contents are never echoed: document number, date of birth and date of
  expiry are the BAC/PACE secret; ``repr(Mrz)`` redacts them too.
* The rendering is canonical: an empty TD3 optional data field gets ``<`` as its check digit (a
  ``0`` found there is accepted on parsing), so ``.lines`` may differ from a non-canonical
  source in that one place. DG1 keeps the raw bytes for hashing (``cardkit.lds.Dg1``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from .errors import InputError, ParseError
from ._mrz_names import decode_name, encode_name, name_field, transliterate

__all__ = [
    "Mrz",
    "MrzError",
    "CheckDigit",
    "MrzCheck",
    "check_digit",
    "transliterate",
    "name_field",
    "mrz_information",
    "verify",
    "NO_EXPIRY",
    "FORMATS",
]

FILLER = "<"
NO_EXPIRY = "<<<<<<"
# format -> (number of lines, line length)
FORMATS = {"TD1": (3, 30), "TD2": (2, 36), "TD3": (2, 44)}
_BY_LENGTH = {90: "TD1", 72: "TD2", 88: "TD3"}
_MAX_INPUT = 1000  # characters; anything longer cannot be an MRZ
_VALUES = {c: i for i, c in enumerate("0123456789")} | {chr(65 + i): 10 + i for i in range(26)} | {"<": 0}
_WEIGHTS = (7, 3, 1)
# The same values as a byte translation table, and the MRZ characters to delete when checking that a
# text holds nothing else: ``check_digit`` runs four times per MRZ, thousands of times in an audit.
_VALUE_TABLE = bytes(_VALUES.get(chr(b), 0) for b in range(256))
_MRZ_BYTES = "".join(_VALUES).encode("ascii")
_A_DIGIT = re.compile("[0-9]")
_MRZ_CHARS = re.compile(r"[A-Z0-9<]*")
_DOC_CHARS = re.compile(r"[A-Z0-9]+")
_SEXES = ("M", "F", "X", "<")


class MrzError(ParseError):
    """An MRZ that does not parse; names the line and 1-based position (Doc 9303 Parts 4-6).

    Attributes:
        line: 1-based line number, or None for a problem with the whole text.
        position: 1-based character position in that line, or None.
    """

    def __init__(self, message: str, *, line: int | None = None, position: int | None = None) -> None:
        where = ""
        if line is not None:
            where = f"line {line}" + (f" position {position}" if position is not None else "") + ": "
        super().__init__(where + message, what="MRZ")
        self.line = line
        self.position = position


def check_digit(s: str) -> str:
    """The check digit of ``s`` (Doc 9303 Part 3 §4.9: values 0-35, weights 7 3 1, mod 10).

    Raises:
        InputError: ``s`` holds a character outside A-Z, 0-9 and ``<``.
    """
    raw = s.encode("ascii", "replace")  # "?" for anything else: found below
    if raw.translate(None, _MRZ_BYTES):
        i = next(i for i, c in enumerate(s) if c not in _VALUES)
        raise InputError(f"character at index {i} is not an MRZ character (A-Z, 0-9, <)")
    v = raw.translate(_VALUE_TABLE)
    w0, w1, w2 = _WEIGHTS
    return str((sum(v[0::3]) * w0 + sum(v[1::3]) * w1 + sum(v[2::3]) * w2) % 10)


def mrz_information(document_number: str, date_of_birth: str, date_of_expiry: str) -> str:
    """The BAC/PACE key input: number (padded to 9), its digit, DOB+digit, DOE+digit (9303-11 §4.3.2).

    A document number longer than 9 characters is used whole, followed by its check digit.
    """
    number = document_number.ljust(9, FILLER)
    for name, value in (("date of birth", date_of_birth), ("date of expiry", date_of_expiry)):
        if len(value) != 6:
            raise InputError(f"{name} must be 6 characters YYMMDD")
    return "".join(v + check_digit(v) for v in (number, date_of_birth, date_of_expiry))


@dataclass(frozen=True)
class CheckDigit:
    """One check digit of an MRZ: where it is, what it should be and what was found."""

    name: str
    line: int
    position: int
    expected: str
    found: str
    all_fillers: bool = False  # the field checked is all '<': both '<' and '0' are accepted

    @property
    def ok(self) -> bool:
        """True when the digit found is the one computed (``<``/``0`` both pass for an all-filler field)."""
        return self.found == self.expected or (self.all_fillers and self.found in "<0")


@dataclass(frozen=True, repr=False)
class Mrz:
    """An MRZ of format TD1, TD2 or TD3 (Doc 9303 Part 4 §4.2, Part 5 §4.2, Part 6 §4.2).

    Text fields hold the value without trailing fillers; names hold spaces between components.
    """

    format: str
    document_code: str
    issuing_state: str
    document_number: str
    date_of_birth: str
    sex: str
    date_of_expiry: str
    nationality: str
    primary_identifier: str
    secondary_identifier: str = ""
    optional_data: str = ""
    optional_data_2: str = ""

    def __repr__(self) -> str:
        # document number, DOB and DOE are the BAC/PACE key: never printed
        return f"Mrz(format={self.format!r}, document_code={self.document_code!r}, issuing_state={self.issuing_state!r}, <personal data redacted>)"

    # --- builders -------------------------------------------------------------

    @classmethod
    def td1(cls, *, document_number: str, date_of_birth: str | date, sex: str, date_of_expiry: str | date,
            nationality: str, primary_identifier: str, secondary_identifier: str = "", issuing_state: str | None = None,
            document_code: str = "I", optional_data: str = "", optional_data_2: str = "") -> "Mrz":
        """Build a TD1 (ID card, 3 x 30) MRZ (Doc 9303 Part 5 §4.2). Raises InputError on a bad value."""
        return cls._build("TD1", locals())

    @classmethod
    def td2(cls, *, document_number: str, date_of_birth: str | date, sex: str, date_of_expiry: str | date,
            nationality: str, primary_identifier: str, secondary_identifier: str = "", issuing_state: str | None = None,
            document_code: str = "I", optional_data: str = "") -> "Mrz":
        """Build a TD2 (2 x 36) MRZ (Doc 9303 Part 6 §4.2). Raises InputError on a bad value."""
        return cls._build("TD2", locals())

    @classmethod
    def td3(cls, *, document_number: str, date_of_birth: str | date, sex: str, date_of_expiry: str | date,
            nationality: str, primary_identifier: str, secondary_identifier: str = "", issuing_state: str | None = None,
            document_code: str = "P", optional_data: str = "") -> "Mrz":
        """Build a TD3 (passport, 2 x 44) MRZ (Doc 9303 Part 4 §4.2). Raises InputError on a bad value."""
        return cls._build("TD3", locals())

    @classmethod
    def _build(cls, fmt: str, a: dict) -> "Mrz":
        width = FORMATS[fmt][1]
        code = _code(a["document_code"], "document code", 2)
        if not code[:1].isalpha() or code[0] == "V":
            raise InputError("document code must start with a letter (A, C, I, P ...); visas are not MRTDs")
        nationality = _code(a["nationality"], "nationality", 3)
        state = _code(a["issuing_state"] if a["issuing_state"] is not None else a["nationality"], "issuing state", 3)
        number = a["document_number"].upper().rstrip(FILLER)
        if not _DOC_CHARS.fullmatch(number):
            raise InputError("document number must be 1 or more characters A-Z, 0-9")
        long_room = {"TD1": 14, "TD2": 6, "TD3": 0}[fmt]
        if len(number) > 9 + long_room:
            raise InputError(f"document number is longer than {fmt} allows ({9 + long_room} characters)")
        dob = _date_field(a["date_of_birth"], "date of birth", allow_unknown=True)
        doe = _date_field(a["date_of_expiry"], "date of expiry", allow_none=True)
        sex = (a["sex"] or "<").upper()
        if sex not in _SEXES:
            raise InputError("sex must be M, F, X or <")
        opt_len = {"TD1": 15, "TD2": 7, "TD3": 14}[fmt]
        opt = _optional(a["optional_data"], "optional data")
        if len(number) > 9:
            # remainder + check digit + filler open the optional data field (Part 5 §4.2.2.2 note j)
            used = len(number) - 9 + 1 + (1 if opt else 0)
            if used + len(opt) > opt_len:
                raise InputError(f"long document number and optional data do not fit the {opt_len}-character field")
        elif len(opt) > opt_len:
            raise InputError(f"optional data is longer than {opt_len} characters")
        opt2 = ""
        if fmt == "TD1":
            opt2 = _optional(a["optional_data_2"], "optional data 2")
            if len(opt2) > 11:
                raise InputError("optional data 2 is longer than 11 characters")
        name_width = {"TD1": 30, "TD2": width - 5, "TD3": width - 5}[fmt]
        nf = name_field(a["primary_identifier"], a["secondary_identifier"], name_width)
        primary, secondary = decode_name(nf)
        return cls(fmt, code, state, number, dob, sex, doe, nationality, primary, secondary, opt, opt2)

    # --- rendering ------------------------------------------------------------

    @property
    def lines(self) -> tuple[str, ...]:
        """The MRZ lines with every check digit computed (Doc 9303 Parts 4-6 §4.2)."""
        w = FORMATS[self.format][1]
        number_field, number_cd, opt_field = self._number_and_optional()
        nf = encode_name(self.primary_identifier, self.secondary_identifier, 30 if self.format == "TD1" else w - 5)
        head = self.document_code.ljust(2, FILLER) + self.issuing_state.ljust(3, FILLER)
        dob = self.date_of_birth + check_digit(self.date_of_birth)
        doe = self.date_of_expiry + check_digit(self.date_of_expiry)
        nat = self.nationality.ljust(3, FILLER)
        if self.format == "TD1":
            l1 = head + number_field + number_cd + opt_field
            l2 = dob + self.sex + doe + nat + self.optional_data_2.ljust(11, FILLER)
            comp = check_digit(l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29])
            return (l1, l2 + comp, nf)
        if self.format == "TD2":
            l2 = number_field + number_cd + nat + dob + self.sex + doe + opt_field
            comp = check_digit(l2[0:10] + l2[13:20] + l2[21:35])
            return (head + nf, l2 + comp)
        opt_cd = FILLER if opt_field == FILLER * 14 else check_digit(opt_field)
        l2 = number_field + number_cd + nat + dob + self.sex + doe + opt_field + opt_cd
        comp = check_digit(l2[0:10] + l2[13:20] + l2[21:43])
        return (head + nf, l2 + comp)

    def _number_and_optional(self) -> tuple[str, str, str]:
        opt_len = {"TD1": 15, "TD2": 7, "TD3": 14}[self.format]
        n = self.document_number
        if len(n) <= 9:
            return n.ljust(9, FILLER), check_digit(n.ljust(9, FILLER)), self.optional_data.ljust(opt_len, FILLER)
        rest = n[9:] + check_digit(n) + (FILLER + self.optional_data if self.optional_data else "")
        return n[:9], FILLER, rest.ljust(opt_len, FILLER)

    @property
    def text(self) -> str:
        """All lines concatenated, as stored in DG1 (Doc 9303-10 §4.7.1)."""
        return "".join(self.lines)

    @property
    def mrz_information(self) -> str:
        """The BAC/PACE password input (Doc 9303-11 §4.3.2)."""
        return mrz_information(self.document_number, self.date_of_birth, self.date_of_expiry)

    @property
    def name(self) -> str:
        """Primary and secondary identifiers as one display string ("ERIKSSON, ANNA MARIA")."""
        return f"{self.primary_identifier}, {self.secondary_identifier}" if self.secondary_identifier else self.primary_identifier

    # --- parsing --------------------------------------------------------------

    @classmethod
    def parse(cls, text: "str | bytes | list[str] | tuple[str, ...]") -> "Mrz":
        """Parse MRZ lines, or the concatenated DG1 text (90, 72 or 88 characters).

        Raises:
            MrzError (a ParseError): naming the line and position of the first problem,
                including the first wrong check digit.
        """
        result = verify(text)
        for cd in result.check_digits:
            if not cd.ok:
                raise MrzError(f"{cd.name} check digit {cd.expected} expected, found {cd.found}",
                               line=cd.line, position=cd.position)
        return result.mrz


@dataclass(frozen=True)
class MrzCheck:
    """An MRZ parsed without trusting its check digits, and each check digit's verdict."""

    mrz: Mrz
    check_digits: tuple[CheckDigit, ...]

    @property
    def valid(self) -> bool:
        """True when every check digit is right."""
        return all(c.ok for c in self.check_digits)


def verify(text: "str | bytes | list[str] | tuple[str, ...]") -> MrzCheck:
    """Parse an MRZ structurally and report every check digit (Doc 9303 Parts 3-6).

    Raises:
        MrzError: the text is not an MRZ (wrong lengths, characters, dates, fields).
    """
    lines = _split(text)
    fmt = _format_of(lines)
    _charset(lines)
    if fmt == "TD1":
        return _parse_td1(lines)
    return _parse_td23(lines, fmt)


# --- parsing helpers ------------------------------------------------------------


def _split(text: "str | bytes | list[str] | tuple[str, ...]") -> list[str]:
    if isinstance(text, (bytes, bytearray, memoryview)):
        raw = bytes(text)
        if len(raw) > _MAX_INPUT:
            raise MrzError(f"text is {len(raw)} bytes long; an MRZ has at most 90 characters")
        try:
            text = raw.decode("ascii")
        except UnicodeDecodeError as e:
            raise MrzError(f"byte {e.start} is not ASCII") from None
    if isinstance(text, str):
        if len(text) > _MAX_INPUT:
            raise MrzError(f"text is {len(text)} characters long; an MRZ has at most 90 characters")
        parts = [p.strip() for p in text.strip().splitlines() if p.strip()]
        if len(parts) == 1 and len(parts[0]) in _BY_LENGTH:
            one = parts[0]
            n = FORMATS[_BY_LENGTH[len(one)]][1]
            parts = [one[i : i + n] for i in range(0, len(one), n)]
        return parts
    if isinstance(text, (list, tuple)):
        if len(text) > 3 or not all(isinstance(p, str) for p in text):
            raise MrzError("expected 2 or 3 lines of text")
        if sum(len(p) for p in text) > _MAX_INPUT:
            raise MrzError("lines are too long for an MRZ")
        return [p.strip() for p in text]
    raise MrzError(f"cannot read an MRZ from {type(text).__name__}")


def _format_of(lines: list[str]) -> str:
    shape = (len(lines), len(lines[0]) if lines else 0)
    for fmt, (count, width) in FORMATS.items():
        if shape == (count, width):
            for i, line in enumerate(lines, 1):
                if len(line) != width:
                    raise MrzError(f"{len(line)} characters; {fmt} lines have {width}", line=i)
            return fmt
    lengths = ", ".join(str(len(x)) for x in lines) or "none"
    raise MrzError(f"expected 3 lines of 30 (TD1), 2 of 36 (TD2) or 2 of 44 (TD3) characters; got line lengths {lengths}")


def _charset(lines: list[str]) -> None:
    for i, line in enumerate(lines, 1):
        m = _MRZ_CHARS.match(line)
        if m.end() != len(line):
            raise MrzError(f"{line[m.end()]!r} is not an MRZ character (A-Z, 0-9, <)", line=i, position=m.end() + 1)


def _parse_head(line: str, fmt: str) -> tuple[str, str]:
    code = line[0:2].rstrip(FILLER)
    if not code[:1].isalpha():
        raise MrzError("document code must start with a letter", line=1, position=1)
    if code[0] == "V":
        raise MrzError("document code V is a visa (MRV), not supported", line=1, position=1)
    if fmt == "TD3" and code[0] != "P":
        raise MrzError("TD3 document code must start with P", line=1, position=1)
    state = _parse_code(line[2:5], "issuing state", 1, 3)
    return code, state


def _parse_code(s: str, what: str, line: int, pos: int) -> str:
    v = s.rstrip(FILLER)
    if not v or not v.isalpha() or FILLER in v:
        raise MrzError(f"{what} must be letters padded with <", line=line, position=pos)
    return v


def _parse_date(s: str, what: str, line: int, pos: int, *, allow_unknown: bool = False, allow_none: bool = False) -> str:
    if allow_none and s == NO_EXPIRY:
        return s
    pairs = [s[0:2], s[2:4], s[4:6]]
    ok = True
    for k, p in enumerate(pairs):
        if p == "<<" and allow_unknown:
            continue
        if not p.isdigit():
            ok = False
        elif k == 1 and not 1 <= int(p) <= 12:
            ok = False
        elif k == 2 and not 1 <= int(p) <= _days_in(pairs[1]):
            ok = False
    if not ok:
        raise MrzError(f"{what} is not a valid YYMMDD date", line=line, position=pos)
    return s


def _days_in(month: str) -> int:
    if not month.isdigit() or not 1 <= int(month) <= 12:
        return 31
    return (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)[int(month) - 1]


def _parse_sex(c: str, line: int, pos: int) -> str:
    if c not in _SEXES:
        raise MrzError("sex must be M, F, X or <", line=line, position=pos)
    return c


def _parse_number(field9: str, cd: str, opt: str, line: int, pos: int, opt_pos: int, opt_line: int
                  ) -> tuple[str, list[CheckDigit], str]:
    """Document number, its check digit result and the optional data left (Part 5 §4.2.2.2 j)."""
    if cd == FILLER and FILLER not in field9:
        # long number: the rest, its check digit, then a filler, open the optional data field
        end = opt.find(FILLER)
        end = len(opt) if end < 0 else end
        if end < 2:
            raise MrzError("long document number: the optional data field must start with the rest of the number "
                           "and its check digit", line=opt_line, position=opt_pos)
        number = field9 + opt[: end - 1]
        if not _DOC_CHARS.fullmatch(number):
            raise MrzError("document number must be A-Z, 0-9", line=opt_line, position=opt_pos)
        cds = [CheckDigit("document number", opt_line, opt_pos + end - 1, check_digit(number), opt[end - 1])]
        return number, cds, opt[end + 1 :].rstrip(FILLER)
    number = field9.rstrip(FILLER)
    if not _DOC_CHARS.fullmatch(number):
        raise MrzError("document number must be characters A-Z, 0-9 padded with <", line=line, position=pos)
    return number, [CheckDigit("document number", line, pos + 9, check_digit(field9), cd)], opt.rstrip(FILLER)


def _digit_or_filler(c: str, what: str, line: int, pos: int) -> None:
    if not (c.isdigit() or c == FILLER):
        raise MrzError(f"{what} check digit must be a digit", line=line, position=pos)


def _parse_td1(lines: list[str]) -> MrzCheck:
    l1, l2, l3 = lines
    code, state = _parse_head(l1, "TD1")
    _digit_or_filler(l1[14], "document number", 1, 15)
    number, cds, opt = _parse_number(l1[5:14], l1[14], l1[15:30], 1, 6, 16, 1)
    dob = _parse_date(l2[0:6], "date of birth", 2, 1, allow_unknown=True)
    _digit_or_filler(l2[6], "date of birth", 2, 7)
    sex = _parse_sex(l2[7], 2, 8)
    doe = _parse_date(l2[8:14], "date of expiry", 2, 9, allow_none=True)
    _digit_or_filler(l2[14], "date of expiry", 2, 15)
    nat = _parse_code(l2[15:18], "nationality", 2, 16)
    opt2 = l2[18:29].rstrip(FILLER)
    _digit_or_filler(l2[29], "composite", 2, 30)
    primary, secondary = _parse_name(l3, 3)
    cds += [
        CheckDigit("date of birth", 2, 7, check_digit(dob), l2[6]),
        CheckDigit("date of expiry", 2, 15, check_digit(doe), l2[14], doe == NO_EXPIRY),
        CheckDigit("composite", 2, 30, check_digit(l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29]), l2[29]),
    ]
    mrz = Mrz("TD1", code, state, number, dob, sex, doe, nat, primary, secondary, opt, opt2)
    return MrzCheck(mrz, tuple(cds))


def _parse_td23(lines: list[str], fmt: str) -> MrzCheck:
    l1, l2 = lines
    code, state = _parse_head(l1, fmt)
    primary, secondary = _parse_name(l1[5:], 1)
    _digit_or_filler(l2[9], "document number", 2, 10)
    if fmt == "TD3":
        if l2[9] == FILLER and FILLER not in l2[0:9]:
            raise MrzError("document number check digit must be a digit (TD3 has no long document number)",
                           line=2, position=10)
        number, cds, opt = _parse_number(l2[0:9], l2[9], l2[28:42], 2, 1, 29, 2)
    else:
        number, cds, opt = _parse_number(l2[0:9], l2[9], l2[28:35], 2, 1, 29, 2)
    nat = _parse_code(l2[10:13], "nationality", 2, 11)
    dob = _parse_date(l2[13:19], "date of birth", 2, 14, allow_unknown=True)
    _digit_or_filler(l2[19], "date of birth", 2, 20)
    sex = _parse_sex(l2[20], 2, 21)
    doe = _parse_date(l2[21:27], "date of expiry", 2, 22, allow_none=True)
    _digit_or_filler(l2[27], "date of expiry", 2, 28)
    cds += [CheckDigit("date of birth", 2, 20, check_digit(dob), l2[19]),
            CheckDigit("date of expiry", 2, 28, check_digit(doe), l2[27], doe == NO_EXPIRY)]
    if fmt == "TD3":
        _digit_or_filler(l2[42], "optional data", 2, 43)
        _digit_or_filler(l2[43], "composite", 2, 44)
        field14 = l2[28:42]
        empty = field14 == FILLER * 14
        cds.append(CheckDigit("optional data", 2, 43, FILLER if empty else check_digit(field14), l2[42], empty))
        cds.append(CheckDigit("composite", 2, 44, check_digit(l2[0:10] + l2[13:20] + l2[21:43]), l2[43]))
    else:
        _digit_or_filler(l2[35], "composite", 2, 36)
        cds.append(CheckDigit("composite", 2, 36, check_digit(l2[0:10] + l2[13:20] + l2[21:35]), l2[35]))
    mrz = Mrz(fmt, code, state, number, dob, sex, doe, nat, primary, secondary, opt, "")
    return MrzCheck(mrz, tuple(cds))


def _parse_name(nf: str, line: int) -> tuple[str, str]:
    if not nf[:1].isalpha():
        raise MrzError("name must start with a letter of the primary identifier", line=line,
                       position=1 if line == 3 else 6)
    digit = _A_DIGIT.search(nf)  # the text holds MRZ characters only (``_charset``)
    if digit is not None:
        raise MrzError("digits are not allowed in the name", line=line,
                       position=digit.start() + 1 + (0 if line == 3 else 5))
    return decode_name(nf)


# --- builder helpers ------------------------------------------------------------


def _code(value: str, what: str, n: int) -> str:
    v = (value or "").upper().rstrip(FILLER)
    if not v or len(v) > n or not _MRZ_CHARS.fullmatch(v) or any(c.isdigit() for c in v) or (what != "document code" and FILLER in v):
        raise InputError(f"{what} must be 1 to {n} letters")
    return v


def _optional(value: str, what: str) -> str:
    v = (value or "").upper().rstrip(FILLER)
    if not _MRZ_CHARS.fullmatch(v):
        raise InputError(f"{what} must be characters A-Z, 0-9 or <")
    return v


def _date_field(value: "str | date", what: str, *, allow_unknown: bool = False, allow_none: bool = False) -> str:
    if isinstance(value, date):
        return value.strftime("%y%m%d")
    if not isinstance(value, str) or len(value) != 6:
        raise InputError(f"{what} must be a date or 6 characters YYMMDD")
    try:
        return _parse_date(value, what, 0, 0, allow_unknown=allow_unknown, allow_none=allow_none)
    except MrzError:
        raise InputError(f"{what} is not a valid YYMMDD date") from None
