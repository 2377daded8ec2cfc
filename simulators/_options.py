"""What a simulated chip model is, apart from its files and keys: life cycle and options.

Both the chip (``emrtd``) and its image file (``_image``) need these, so they live below both.
The life cycle follows the JMRTD applet: PERSONALISATION takes the perso commands; PUT DATA DE AD
locks the chip into OPERATIONAL for good (simulators/PERSO.md).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ChipOptions", "PERSONALISATION", "OPERATIONAL"]

PERSONALISATION = "PERSONALISATION"
OPERATIONAL = "OPERATIONAL"


@dataclass
class ChipOptions:
    """How this chip model behaves; saved in the image."""

    extended_length: bool = True  # advertised in the ATR's card capabilities
    max_response_length: int = 65536  # largest Ne honoured with extended length
    select_mf_supported: bool = False  # real VN chips answer 6D00 to SELECT MF
    bac_enabled: bool = True
    eac_protected: frozenset[int] = frozenset({3, 4})
    # TA's ID_PICC after PACE: the document number (static binding, as some states do) instead of
    # Comp of the chip's ephemeral PACE key (dynamic binding, Doc 9303-11 §7.1.2)
    ta_static_binding: bool = False

    def __post_init__(self) -> None:
        if not self.extended_length:
            self.max_response_length = 256
        self.max_response_length = max(1, min(self.max_response_length, 65536))
        self.eac_protected = frozenset(self.eac_protected)
