"""Maximum lengths of record fields, each taken from the data group (or MRZ field) the value feeds.

A value longer than its maximum is refused at validation, naming the line and the field, before any
card is touched: a production line must not learn at the chip that an address does not fit.

Where Doc 9303 fixes a width the maximum is that width (MRZ fields, Part 3 §4, Parts 4-6 §4.2). Where
a data group element is of variable length (DG11, DG12: 9303-10 §4.7.11-12; the VN DG13 fields) the
maximum is chosen so that a data group with every element at its maximum, in UTF-8 (three bytes a
character at worst), stays a few kilobytes: a chip file, a read under short APDUs and a printed card
face all take it. The photo and fingerprint paths and the two production fields are bounded like any
input; a field that is one of a few values (the VN sex, "Nam" or "Nữ") is bounded by that check.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FieldLimit", "VN_LIMITS", "ICAO_LIMITS", "COMMON_LIMITS", "too_long"]


@dataclass(frozen=True, slots=True)
class FieldLimit:
    """The longest value a field may hold (characters) and what it feeds."""

    max_chars: int
    feeds: str


COMMON_LIMITS: dict[str, FieldLimit] = {
    "photo": FieldLimit(4096, "DG2, read from this path (PATH_MAX)"),
    "issue_reason": FieldLimit(16, "the ledger's issue reason"),
    "capture_device": FieldLimit(64, "the ledger's capture device (campaign report)"),
}

VN_LIMITS: dict[str, FieldLimit] = {
    "id_number": FieldLimit(12, "DG13 field 1 and the TD1 optional data"),
    "full_name": FieldLimit(100, "DG13 field 2 (DG1 truncates it per 9303-3 §4.6)"),
    "date_of_birth": FieldLimit(10, "DG13 field 3"),
    "nationality": FieldLimit(50, "DG13 field 5"),
    "ethnicity": FieldLimit(50, "DG13 field 6"),
    "religion": FieldLimit(50, "DG13 field 7"),
    "place_of_origin": FieldLimit(200, "DG13 field 8"),
    "place_of_residence": FieldLimit(200, "DG13 field 9"),
    "identification_features": FieldLimit(200, "DG13 field 10"),
    "date_of_issue": FieldLimit(10, "DG13 field 11"),
    "date_of_expiry": FieldLimit(14, "DG13 field 12"),
    "father_name": FieldLimit(100, "DG13 field 13"),
    "mother_name": FieldLimit(100, "DG13 field 13"),
    "spouse_name": FieldLimit(100, "DG13 field 14"),
    "old_id_number": FieldLimit(9, "DG13 field 15"),
    "field16": FieldLimit(16, "DG13 field 16"),
    "finger_right": FieldLimit(4096, "DG3, read from this path (PATH_MAX)"),
    "finger_left": FieldLimit(4096, "DG3, read from this path (PATH_MAX)"),
    **COMMON_LIMITS,
}

ICAO_LIMITS: dict[str, FieldLimit] = {
    "document_type": FieldLimit(2, "DG1 document code (9303-4 §4.2.2)"),
    "issuing_state": FieldLimit(3, "DG1 issuing state"),
    "document_number": FieldLimit(23, "DG1 document number (TD1: 9 + 14 in the optional data)"),
    "surname": FieldLimit(100, "DG11 full name (DG1 truncates it per 9303-3 §4.6)"),
    "given_names": FieldLimit(100, "DG11 full name (DG1 truncates it per 9303-3 §4.6)"),
    "nationality": FieldLimit(3, "DG1 nationality"),
    "sex": FieldLimit(1, "DG1 sex"),
    "date_of_birth": FieldLimit(10, "DG1 date of birth (ISO 8601 in the record)"),
    "date_of_expiry": FieldLimit(10, "DG1 date of expiry (ISO 8601 in the record)"),
    "personal_number": FieldLimit(14, "DG1 optional data (TD3: 14 characters) and DG11 5F10"),
    "place_of_birth": FieldLimit(100, "DG11 place of birth (5F11)"),
    "date_of_issue": FieldLimit(10, "DG12 date of issue (5F26)"),
    "issuing_authority": FieldLimit(100, "DG12 issuing authority (5F19)"),
    **COMMON_LIMITS,
}


def too_long(values: dict[str, object], limits: dict[str, FieldLimit]) -> list[str]:
    """A reason for every text value longer than its field's maximum (the value itself is never shown)."""
    out = []
    for name, limit in limits.items():
        v = values.get(name)
        if isinstance(v, str) and len(v) > limit.max_chars:
            out.append(f"{name}: {len(v)} characters, at most {limit.max_chars} ({limit.feeds})")
    return out
