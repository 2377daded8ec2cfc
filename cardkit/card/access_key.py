"""The access key a holder shows to open a chip: a CAN, the MRZ information, or a Vietnamese ID number.

Taken once, at the edge (Doc 9303-11 §4: the terminal gets the key from the document, optically or
typed in): the CLI or a library caller builds one ``AccessKey``, and its constructors are the only
place the holder's input is checked, each refusal one ``InputError`` that never repeats the value.
The key then gives each protocol what it needs and nothing more:
- ``pace_password()``: the PACE password (§4.4.1): the CAN (reference 02), else SHA-1 of the MRZ
  information (reference 01);
- ``bac_mrz_information()``: the BAC key seed input (§4.3.2); a CAN cannot open BAC;
- ``matches_mrz_information`` / ``matches_id_number`` / ``can_matches``: constant-time comparisons
  of what was shown with what the chip states (DG1, DG13), so the secret never leaves the key.
A Vietnamese ID number yields the card's CAN (``cardkit.vn.can_of``) and is kept for the comparison
with DG1 and DG13. ``repr`` and ``str`` say which kind of key it is, never its value.
"""

from __future__ import annotations

import hmac
import re
from typing import NoReturn

from ..crypto.pace import Password
from ..errors import InputError
from ..mrz import check_digit
from ..mrz import mrz_information as build_mrz_information
from ..vn import can_of, is_id_number

__all__ = ["AccessKey", "CAN_MAX_DIGITS"]

CAN_MAX_DIGITS = 10  # TR-03110 prints 6; the field allows longer, never 0
_MRZ_MIN = 24  # 9-character number + check digit, two dates with check digits (Doc 9303-11 §4.3.2)
_MRZ_CHARS = re.compile(r"[0-9A-Z<]+")
_DATE = re.compile(r"[0-9]{6}")


_BUILD = object()  # only the from_* constructors, which check their input, make keys


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


class AccessKey:
    """What the holder showed: a CAN, the MRZ information, or both; or a Vietnamese ID number (and its CAN).

    Build it with ``from_can``, ``from_mrz_information``, ``from_document`` or ``from_vn_id_number``;
    each validates its input once and raises ``InputError`` (exit 2) naming the rule, not the value.
    """

    __slots__ = ("_can", "_mrz_information", "_id_number")

    def __init__(self, token: object, *, can: str | None, mrz_information: str | None, id_number: str | None) -> None:
        """Internal: use the ``from_*`` constructors, which check what they are given."""
        if token is not _BUILD:
            raise TypeError("make an AccessKey with AccessKey.from_can / from_mrz_information / from_document "
                            "/ from_vn_id_number")
        self._can = can
        self._mrz_information = mrz_information
        self._id_number = id_number

    # --- constructors: the one place the holder's input is checked --------------------------------

    @classmethod
    def from_can(cls, can: str, *, mrz_information: str | None = None) -> AccessKey:
        """A CAN for PACE; with ``mrz_information`` the chip can also be opened by BAC when it has no PACE.

        Raises:
            InputError: the CAN is not 1-10 ASCII digits, or the MRZ information is malformed.
        """
        if not (1 <= len(can) <= CAN_MAX_DIGITS and can.isascii() and can.isdigit()):
            raise InputError("the CAN must be digits (6 on most cards)")
        mrz = _checked_mrz_information(mrz_information) if mrz_information is not None else None
        return cls(_BUILD, can=can, mrz_information=mrz, id_number=None)

    @classmethod
    def from_mrz_information(cls, mrz_information: str) -> AccessKey:
        """The MRZ information (document number + check digit, DOB + check digit, DOE + check digit).

        The three check digits are checked here (Doc 9303-3 §4.9), before any APDU: a mistyped
        character costs no card a wrong-password attempt.

        Raises:
            InputError: shorter than 24 characters, a character that is not A-Z, 0-9 or '<', or a
                wrong check digit (the field named, never its value).
        """
        return cls(_BUILD, can=None, mrz_information=_checked_mrz_information(mrz_information), id_number=None)

    @classmethod
    def from_document(cls, document_number: str, date_of_birth: str, date_of_expiry: str) -> AccessKey:
        """The MRZ information made from the printed fields; the check digits are computed (Doc 9303-3 §4.9).

        Raises:
            InputError: a document number that is not letters and digits, or a date that is not YYMMDD.
        """
        number = document_number.strip().upper()
        if not number or not _MRZ_CHARS.fullmatch(number):
            raise InputError("the document number must be letters and digits")
        for what, value in (("date of birth", date_of_birth), ("date of expiry", date_of_expiry)):
            if not _DATE.fullmatch(value):
                raise InputError(f"the {what} must be 6 digits YYMMDD")
            if not (1 <= int(value[2:4]) <= 12 and 1 <= int(value[4:6]) <= 31):
                raise InputError(f"the {what} is not a date YYMMDD")
        return cls(_BUILD, can=None, mrz_information=build_mrz_information(number, date_of_birth, date_of_expiry),
                   id_number=None)

    @classmethod
    def from_vn_id_number(cls, id_number: str) -> AccessKey:
        """A Vietnamese card's 12-digit ID number: the CAN is its last 6 digits; the number is kept to compare.

        Raises:
            InputError: not 12 ASCII digits.
        """
        if not is_id_number(id_number):
            raise InputError("the ID number must be the 12 digits of the ID number")
        return cls(_BUILD, can=can_of(id_number), mrz_information=None, id_number=id_number)

    # --- what the protocols take --------------------------------------------------------------------

    @property
    def password_kind(self) -> str:
        """"CAN" or "MRZ": the PACE password this key gives (the kind only, for reports)."""
        return "CAN" if self._can is not None else "MRZ"

    @property
    def has_mrz_information(self) -> bool:
        """True when the key can open BAC (it holds the MRZ information)."""
        return self._mrz_information is not None

    @property
    def has_can(self) -> bool:
        return self._can is not None

    @property
    def has_id_number(self) -> bool:
        return self._id_number is not None

    def pace_password(self) -> Password:
        """The PACE password: the CAN when the key has one, else the MRZ information (Doc 9303-11 §4.4.1)."""
        if self._can is not None:
            return Password.can(self._can)
        return Password.mrz(self.bac_mrz_information())

    def bac_mrz_information(self) -> str:
        """The MRZ information BAC derives its key from (Doc 9303-11 §4.3.2).

        Raises:
            InputError: the key is a CAN only (a CAN cannot open BAC).
        """
        if self._mrz_information is None:
            raise InputError("BAC needs the MRZ data (document number, dates of birth and expiry); a CAN was given")
        return self._mrz_information

    # --- comparisons with what the chip states (constant time) ------------------------------------------

    def matches_mrz_information(self, chip_mrz_information: str) -> bool:
        """True when the key's MRZ information is the chip's (DG1); False when it differs or the key has none."""
        return self._mrz_information is not None and _same(self._mrz_information, chip_mrz_information)

    def matches_id_number(self, id_numbers: tuple[str, ...]) -> bool:
        """True when the ID number shown is one the chip states (DG1, DG13)."""
        shown = self._id_number
        return shown is not None and any(_same(shown, n) for n in id_numbers)

    def can_matches(self, id_numbers: tuple[str, ...]) -> bool:
        """True when the CAN is the Vietnamese CAN of one of the ID numbers the chip states."""
        can = self._can
        return can is not None and any(is_id_number(n) and _same(can, can_of(n)) for n in id_numbers)

    def __repr__(self) -> str:
        kind = "VN ID number" if self._id_number is not None else self.password_kind
        extra = " + MRZ" if self._can is not None and self._mrz_information is not None else ""
        return f"AccessKey({kind}{extra}, <redacted>)"

    __str__ = __repr__

    def __reduce__(self) -> NoReturn:
        raise TypeError("an AccessKey is a secret: it is not pickled")


def _checked_mrz_information(text: str) -> str:
    """The MRZ information upper-cased, its form and check digits checked (Doc 9303-11 §4.3.2, 9303-3 §4.9).

    The last 14 characters are the date of birth and of expiry, each with its digit; what comes before
    is the document number (9 characters, padded with '<', or longer, whole) and its digit.
    """
    value = text.strip().upper()
    if len(value) < _MRZ_MIN or not _MRZ_CHARS.fullmatch(value):
        raise InputError("MRZ information must be document number + check digit + DOB + check digit + DOE "
                         "+ check digit")
    number, dob, doe = value[:-14], value[-14:-7], value[-7:]
    for field, part in (("document number", number), ("date of birth", dob), ("date of expiry", doe)):
        if check_digit(part[:-1]) != part[-1]:
            raise InputError(f"MRZ information: the check digit of the {field} is wrong (a mistyped character?)")
    return value
