"""What the card in the reader can take during personalisation: extended-length APDUs or not.

Personalisation uses extended length only when the profile allows it and the card shows it (ISO/IEC
7816-4 §5.1, §12.7.1), asked in this order, each step only when the one before did not tell:
1. the ATR's card capabilities (``cardkit.card.atr``);
2. EF.ATR/INFO (FID 2F01 in the MF): its extended length information, DO 7F66 {02 max command bytes,
   02 max response bytes};
3. a harmless probe: SELECT of the eMRTD application sent as an extended-length APDU. A card that
   takes it answers 9000 (and the application is then selected, as the perso plan's first command
   does anyway); a card that does not answers 6700 or another error.
Nothing here writes to the card: a card found unable to take the plan is still blank.
"""

from __future__ import annotations

from . import tlv
from .card import Session
from .card.atr import extended_length_supported
from .errors import ParseError
from .iso7816 import CommandApdu
from .lds.files import MRTD_AID

__all__ = ["extended_length_supported_by", "EF_ATR_INFO"]

EF_ATR_INFO = 0x2F01
_SHORT_LIMIT = 261  # a short command: 4 header bytes, Lc, 255 data bytes, Le


def extended_length_supported_by(session: Session) -> bool:
    """True when the card takes extended-length APDUs (module header: ATR, EF.ATR/INFO, probe)."""
    # ``atr`` is the transport's optional attribute (cardkit.card.transport): PC/SC and the simulator have it
    said = extended_length_supported(getattr(session.transport, "atr", None))
    if said is not None:
        return said
    info = _ef_atr_info(session)
    if info is not None:
        return info
    resp = session.transmit(CommandApdu(0x00, 0xA4, 0x04, 0x0C, MRTD_AID, extended=True), step="extended-length probe")
    return resp.sw == 0x9000


def _ef_atr_info(session: Session) -> bool | None:
    """What EF.ATR/INFO says about extended length, or None (no such file, or it does not tell)."""
    if session.transmit(CommandApdu(0x00, 0xA4, 0x02, 0x0C, EF_ATR_INFO.to_bytes(2, "big")),
                        step="SELECT EF.ATR/INFO").sw != 0x9000:
        return None
    resp = session.transmit(CommandApdu(0x00, 0xB0, 0x00, 0x00, le=256), step="READ BINARY EF.ATR/INFO")
    if resp.sw != 0x9000 or not resp.data:
        return None
    try:
        for obj in tlv.decode_all(bytes(resp.data).rstrip(b"\x00\xff")):
            if obj.tag == 0x7F66:
                sizes = [int.from_bytes(k.value, "big") for k in obj.children() if k.tag == 0x02]
                return bool(sizes) and sizes[0] > _SHORT_LIMIT
    except ParseError:
        return None
    return None
