"""Command and response APDUs for the card layer, and status words as typed errors (ISO/IEC 7816-4 §5).

The codec itself lives in ``cardkit.iso7816`` (below the crypto layer, which builds
APDUs too); this module re-exports it and adds the one rule the card layer needs:
a status word that is not the expected one becomes a ``StatusWordError`` naming the
step and the meaning, so no caller compares raw integers by hand.
"""

from __future__ import annotations

from ..errors import StatusWordError
from ..iso7816 import SW_OK, STATUS_WORDS, CommandApdu, ResponseApdu, sw_meaning

__all__ = [
    "CommandApdu",
    "ResponseApdu",
    "SW_OK",
    "STATUS_WORDS",
    "sw_meaning",
    "check_sw",
    "SW_SECURITY_STATUS",
    "SW_FILE_NOT_FOUND",
    "SW_END_OF_FILE",
]

SW_SECURITY_STATUS = 0x6982  # the file is protected (EAC, or no access control done)
SW_FILE_NOT_FOUND = 0x6A82
SW_END_OF_FILE = 0x6282  # fewer bytes than Le: the data is still good (ISO 7816-4 Table 6)


def check_sw(resp: ResponseApdu, step: str, *, accept: tuple[int, ...] = (SW_OK,)) -> ResponseApdu:
    """Return ``resp`` when its status word is one of ``accept``, else raise.

    Args:
        resp: the (unwrapped) response.
        step: the protocol step, for the message ("SELECT DG1", "READ BINARY DG2 offset 4").
        accept: the status words that count as success.

    Raises:
        StatusWordError: with ``.sw``, ``.step`` and the ISO meaning.
    """
    if resp.sw in accept:
        return resp
    raise StatusWordError(resp.sw, step=step, meaning=sw_meaning(resp.sw))
