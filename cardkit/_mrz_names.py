"""Names in the MRZ: transliteration, the name field and its truncation (Doc 9303 Part 3 §4.6, §6).

How names become MRZ characters (``transliterate``):

* Text is taken in NFC or NFD alike. Letters of the Part 3 §6 Latin transliteration table that
  are not "base letter + accents" are mapped by the table: Ä→AE, Ö→OE, Ü→UE, Å→AA, Æ→AE, Ø→OE,
  Œ→OE, ß→SS, Þ→TH, Ð/Đ→D, Ĳ→IJ, Ł→L, Ħ→H, ı→I, Ŋ→N, ĸ→K. (The table also allows A, O, U for
  Ä, Ö, Ü; cardkit uses the table's first choice, AE/OE/UE.)
* Every other Latin letter loses its diacritics (NFD, combining marks dropped): Vietnamese
  "Nguyễn Thị Ánh Tuyết" → NGUYEN<THI<ANH<TUYET, "Đặng" → DANG, "Ñ" → N, "Ç" → C.
* Apostrophes are omitted (D'ARTAGNAN → DARTAGNAN); spaces, hyphens and other punctuation
  become one filler ``<`` (runs collapse, none at either end) — Part 3 §4.6.
* Digits, control characters and letters of non-Latin scripts are refused (InputError): they
  need a national transcription this module does not guess.

Truncation (``name_field``), when PRIMARY<<SECONDARY does not fit the field: characters are
removed from the secondary identifier components, last component first, each down to its
initial; then from the primary identifier components the same way. Removing one character at a
time leaves the field exactly full with a letter in its last position, which is how Part 3
§4.6 (and Part 4 §4.2.3) marks a possibly truncated name.
"""

from __future__ import annotations

import unicodedata

from .errors import InputError

__all__ = ["transliterate", "name_field", "decode_name", "encode_name"]

FILLER = "<"
_MAX_NAME = 1000

# Part 3 §6 (Latin): letters that do not decompose into base letter + combining marks, or whose
# table entry is not the bare base letter.
_TABLE = {
    "Ä": "AE", "ä": "AE", "Ö": "OE", "ö": "OE", "Ü": "UE", "ü": "UE",
    "Å": "AA", "å": "AA", "Æ": "AE", "æ": "AE", "Ø": "OE", "ø": "OE", "Œ": "OE", "œ": "OE",
    "ß": "SS", "ẞ": "SS", "Þ": "TH", "þ": "TH", "Ð": "D", "ð": "D", "Đ": "D", "đ": "D",
    "Ĳ": "IJ", "ĳ": "IJ", "Ł": "L", "ł": "L", "Ħ": "H", "ħ": "H", "ı": "I", "Ŋ": "N", "ŋ": "N",
    "ĸ": "K", "ſ": "S", "Ŀ": "L", "ŀ": "L", "ŉ": "N",
}
_APOSTROPHES = {"'", "\u2019", "\u2018", "\u02bc", "\u02bb", "`", "\u00b4"}


def transliterate(name: str) -> str:
    """Upper-case MRZ form of a name: A-Z with ``<`` between words (Doc 9303 Part 3 §4.6, §6).

    Raises:
        InputError: a digit, control character or non-Latin letter (named with its position).
    """
    if len(name) > _MAX_NAME:
        raise InputError(f"name is {len(name)} characters long; at most {_MAX_NAME} accepted")
    out: list[str] = []
    for i, ch in enumerate(unicodedata.normalize("NFC", name)):
        if ch in _TABLE:
            out.append(_TABLE[ch])
            continue
        if ch in _APOSTROPHES:
            continue
        base = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
        if len(base) == 1 and "A" <= base.upper() <= "Z" and base.isascii():
            out.append(base.upper())
            continue
        cat = unicodedata.category(ch)
        if ch == FILLER or ch.isspace() or cat[0] in "PSZ":
            out.append(FILLER)
            continue
        if unicodedata.combining(ch):
            continue  # a stray combining mark (NFD input whose base letter was handled)
        if cat == "Nd" or ch.isdigit():
            raise InputError(f"digit at position {i + 1} is not allowed in a name")
        if cat[0] == "C":
            raise InputError(f"control or invisible character U+{ord(ch):04X} at position {i + 1} in a name")
        raise InputError(
            f"character U+{ord(ch):04X} ({unicodedata.name(ch, 'unnamed')}) at position {i + 1} "
            "has no Latin transliteration in Doc 9303 Part 3 §6"
        )
    text = "".join(out)
    while FILLER * 2 in text:
        text = text.replace(FILLER * 2, FILLER)
    return text.strip(FILLER)


def name_field(primary: str, secondary: str, width: int) -> str:
    """The name field PRIMARY<<SECONDARY, padded or truncated to ``width`` (Doc 9303 Part 3 §4.6).

    Raises:
        InputError: the primary identifier is empty once transliterated, or has a bad character.
    """
    p = transliterate(primary)
    s = transliterate(secondary) if secondary else ""
    if not p:
        raise InputError("primary identifier is empty (Doc 9303 Part 3 §4.6: it is mandatory)")
    full = p + (FILLER * 2 + s if s else "")
    if len(full) <= width:
        return full.ljust(width, FILLER)
    p_parts, s_parts = p.split(FILLER), s.split(FILLER) if s else []

    def length() -> int:
        n = len(FILLER.join(p_parts))
        return n + (2 + len(FILLER.join(s_parts)) if s_parts else 0)

    for parts in (s_parts, p_parts):
        for k in range(len(parts) - 1, -1, -1):
            excess = length() - width
            if excess <= 0:
                break
            cut = min(excess, len(parts[k]) - 1)
            parts[k] = parts[k][: len(parts[k]) - cut]
    text = FILLER.join(p_parts) + (FILLER * 2 + FILLER.join(s_parts) if s_parts else "")
    if len(text) > width:  # only initials left and still too many: cut, never end on a filler
        text = text[:width].rstrip(FILLER)
    return text.ljust(width, FILLER)


def decode_name(field: str) -> tuple[str, str]:
    """(primary, secondary) from a name field, components joined by spaces (Doc 9303 Part 3 §4.6).

    The exact inverse of the rendering in ``Mrz.lines``: ``<<`` splits the identifiers, each
    other ``<`` is a space, trailing fillers are padding.
    """
    k = field.find(FILLER * 2)
    if k < 0:
        return field.rstrip(FILLER).replace(FILLER, " "), ""
    return field[:k].replace(FILLER, " "), field[k + 2 :].rstrip(FILLER).replace(FILLER, " ")


def encode_name(primary: str, secondary: str, width: int) -> str:
    """Render decoded identifiers back into the field (inverse of ``decode_name``)."""
    text = primary.replace(" ", FILLER) + (FILLER * 2 + secondary.replace(" ", FILLER) if secondary else "")
    return text.ljust(width, FILLER)
