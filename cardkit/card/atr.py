"""What an ATR says about the card: historical bytes and the extended-length capability (ISO/IEC 7816-3 §8, 7816-4 §12.1.1).

Only what the session needs: whether the card advertises extended Lc/Le in its
"card capabilities" (compact-TLV tag 7, third software-function byte, bit b7). A card
that says nothing is treated as short-length only; the caller can force either way.
Bounded: an ATR is at most 33 bytes; anything malformed gives None, never an exception,
because a strange ATR must not stop a reader from trying short APDUs.
"""

from __future__ import annotations

__all__ = ["historical_bytes", "extended_length_supported"]


def historical_bytes(atr: bytes) -> bytes | None:
    """The historical bytes of an ATR, or None when the ATR is malformed."""
    if not atr or len(atr) < 2 or len(atr) > 33 or atr[0] not in (0x3B, 0x3F):
        return None
    k = atr[1] & 0x0F
    y = atr[1] >> 4
    pos = 2
    while True:
        # TA, TB, TC present per bits of Y; TD announces the next Y.
        for bit in (0x1, 0x2, 0x4):
            if y & bit:
                pos += 1
        if y & 0x8:
            if pos >= len(atr):
                return None
            y = atr[pos] >> 4
            pos += 1
        else:
            break
        if pos > len(atr):
            return None
    if pos + k > len(atr):
        return None
    return bytes(atr[pos : pos + k])


def extended_length_supported(atr: bytes | None) -> bool | None:
    """True/False when the ATR's card capabilities say so, None when the ATR does not tell."""
    hist = historical_bytes(atr or b"")
    if not hist or hist[0] != 0x80:
        return None
    pos = 1
    while pos < len(hist):
        tag, ln = hist[pos] >> 4, hist[pos] & 0x0F
        value = hist[pos + 1 : pos + 1 + ln]
        if len(value) != ln:
            return None
        if tag == 0x7 and ln >= 3:
            return bool(value[2] & 0x40)
        pos += 1 + ln
    return None
