"""Vietnam's personal identification number (số định danh cá nhân) as the chip card uses it.

The one home of the national rules the terminal applies to a Vietnamese chip citizen ID card (CCCD):
- the ID number is 12 ASCII digits (province of birth registration, century and sex, year, then a
  random part: production's record checks read those fields);
- the card's CAN, the PACE password printed on it (Doc 9303-11 §4.4.1, password reference 02), is the
  last 6 digits of the ID number;
- the chip states the number in DG1 (the TD1 optional data of line 1, its first 12 characters) and in
  the national DG13 (field 1).
Nothing here talks to a card or logs a value: an ID number is personal data and its tail is a secret.
"""

from __future__ import annotations

from .mrz import Mrz

__all__ = ["ID_NUMBER_LENGTH", "CAN_LENGTH", "ISSUING_STATE", "is_id_number", "can_of", "id_numbers_stated"]

ID_NUMBER_LENGTH = 12
CAN_LENGTH = 6
ISSUING_STATE = "VNM"


def is_id_number(text: str) -> bool:
    """True when ``text`` has the form of a Vietnamese ID number: exactly 12 ASCII digits."""
    return len(text) == ID_NUMBER_LENGTH and text.isascii() and text.isdigit()


def can_of(id_number: str) -> str:
    """The CAN of the card that carries ``id_number``: its last 6 digits.

    Raises:
        ValueError: ``id_number`` is not 12 ASCII digits (the caller validates its input first).
    """
    if not is_id_number(id_number):
        raise ValueError("a Vietnamese ID number is 12 digits")
    return id_number[-CAN_LENGTH:]


def id_numbers_stated(mrz: Mrz, dg13_id_number: str | None) -> tuple[str, ...]:
    """The ID numbers a chip states: DG1's optional data (a VNM document only), then DG13 field 1."""
    found: list[str] = []
    head = mrz.optional_data[:ID_NUMBER_LENGTH]
    if mrz.issuing_state == ISSUING_STATE and is_id_number(head):
        found.append(head)
    if dg13_id_number:
        found.append(dg13_id_number)
    return tuple(found)
