"""DG1: the machine readable zone, all lines concatenated (Doc 9303-10 §4.7.1).

    61 L { 5F1F L <MRZ: 90 chars TD1, 72 TD2, 88 TD3> }

``from_bytes`` checks the length and the MRZ character set only; the MRZ model
(``cardkit.mrz.Mrz``, check digits, fields) is built on first use of ``.mrz`` so that a chip
whose MRZ has a wrong check digit can still be read and reported on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .. import tlv
from ..errors import InputError, ParseError
from ..mrz import Mrz
from ._base import check_build, parse_guard, unwrap, with_other, wrap

__all__ = ["Dg1", "MRZ_LENGTHS"]

TAG = 0x61
_MRZ_TAG = 0x5F1F
_WHAT = "DG1"
MRZ_LENGTHS = {90: "TD1", 72: "TD2", 88: "TD3"}
_MRZ_CHARS = re.compile(r"[A-Z0-9<]*")


@dataclass(frozen=True)
class Dg1:
    """DG1 (Doc 9303-10 §4.7.1): the MRZ text as stored, parsed into ``Mrz`` on demand."""

    raw: bytes = field(repr=False)
    mrz_text: str = field(repr=False)  # holds the BAC key: never in a repr
    other: tuple[tuple[int, bytes], ...] = field(default=())

    @property
    def format(self) -> str:
        """"TD1", "TD2" or "TD3", from the MRZ length."""
        return MRZ_LENGTHS[len(self.mrz_text)]

    @property
    def mrz(self) -> Mrz:
        """The MRZ model (``cardkit.mrz.Mrz.parse``); ParseError if its fields or check digits are wrong."""
        return Mrz.parse(self.mrz_text)

    @property
    def lines(self) -> tuple[str, ...]:
        """The MRZ lines (3 x 30, 2 x 36 or 2 x 44)."""
        n = {"TD1": 30, "TD2": 36, "TD3": 44}[self.format]
        return tuple(self.mrz_text[i : i + n] for i in range(0, len(self.mrz_text), n))

    @classmethod
    @parse_guard(_WHAT)
    def from_bytes(cls, data: bytes) -> "Dg1":
        """Parse DG1; ParseError if 5F1F is missing or repeated, of a wrong length, or not MRZ characters."""
        raw, outer = unwrap(data, TAG, _WHAT)
        text: str | None = None
        other: list[tuple[int, bytes]] = []
        for child in outer.children():
            if child.tag == _MRZ_TAG:
                if text is not None:
                    raise ParseError("tag 5F1F repeated", what=_WHAT, offset=child.start)
                text = _check_mrz(child.value, child.start)
            else:
                other.append((child.tag, child.value))
        if text is None:
            raise ParseError("missing tag 5F1F (MRZ)", what=_WHAT, path=(TAG,))
        return cls(raw=raw, mrz_text=text, other=tuple(other))

    @classmethod
    def build(cls, mrz: "Mrz | str") -> "Dg1":
        """A new DG1 from an ``Mrz`` (its ``.text``) or the concatenated MRZ text.

        Raises:
            InputError: not 90/72/88 characters of A-Z, 0-9 and '<'.
        """
        text = mrz if isinstance(mrz, str) else mrz.text
        check_build(isinstance(text, str), "MRZ must be text", _WHAT)
        text = "".join(text.splitlines())  # lines given with newlines are accepted
        try:
            _check_mrz(text.encode("ascii", errors="strict"), 0)
        except (ParseError, UnicodeEncodeError) as e:
            raise InputError(f"{_WHAT}: {e.message if isinstance(e, ParseError) else 'MRZ must be ASCII'}") from None
        return cls(raw=wrap(TAG, tlv.encode(_MRZ_TAG, text.encode("ascii"))), mrz_text=text)

    def to_bytes(self) -> bytes:
        return self.raw

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe view: format, lines, and the parsed fields when the MRZ parses."""
        d: dict[str, Any] = {"file": _WHAT, "format": self.format, "lines": list(self.lines)}
        try:
            m = self.mrz
        except ParseError as e:
            d["mrz_error"] = str(e)
        else:
            d.update(document_code=m.document_code, issuing_state=m.issuing_state, document_number=m.document_number,
                     optional_data=m.optional_data, date_of_birth=m.date_of_birth, sex=m.sex,
                     date_of_expiry=m.date_of_expiry, nationality=m.nationality,
                     primary_identifier=m.primary_identifier, secondary_identifier=m.secondary_identifier)
        return with_other(d, self.other)


def _check_mrz(value: bytes, offset: int) -> str:
    if len(value) not in MRZ_LENGTHS:
        raise ParseError(f"MRZ of {len(value)} characters (expected 90, 72 or 88)", what=_WHAT, offset=offset)
    try:
        text = value.decode("ascii")
    except UnicodeDecodeError:
        raise ParseError("MRZ is not ASCII", what=_WHAT, offset=offset) from None
    if not _MRZ_CHARS.fullmatch(text):
        bad = next(i for i, c in enumerate(text) if not ("A" <= c <= "Z" or "0" <= c <= "9" or c == "<"))
        raise ParseError(f"character {bad + 1} of the MRZ is not A-Z, 0-9 or '<'", what=_WHAT, offset=offset)
    return text
