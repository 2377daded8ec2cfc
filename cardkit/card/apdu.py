"""Command and response APDUs for the card layer, and status words as typed errors (ISO/IEC 7816-4 §5).

The codec itself lives in ``cardkit.iso7816`` (below the crypto layer, which builds
APDUs too), and so does ``check_sw``, the one rule every layer needs: a status word that
is not the expected one becomes a ``StatusWordError`` naming the step and the meaning, so
no caller compares raw integers by hand. This module re-exports them for the card layer
and adds the status words it tests for by name.
"""

from __future__ import annotations

from .. import iso7816
from ..iso7816 import SW_OK, STATUS_WORDS, CommandApdu, ResponseApdu, check_sw, sw_meaning  # noqa: F401 (re-exported)

# the whole codec API of cardkit.iso7816 (check_sw included), plus the card layer's status words
__all__ = [
    *iso7816.__all__,
    "SW_SECURITY_STATUS",
    "SW_FILE_NOT_FOUND",
    "SW_END_OF_FILE",
]

SW_SECURITY_STATUS = 0x6982  # the file is protected (EAC, or no access control done)
SW_FILE_NOT_FOUND = 0x6A82
SW_END_OF_FILE = 0x6282  # fewer bytes than Le: the data is still good (ISO 7816-4 Table 6)

