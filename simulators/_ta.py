"""Chip side of Terminal Authentication v1 (Doc 9303-11 §7.1; BSI TR-03110-1 EAC1) and the chip's TA trust.

- What the chip keeps across sessions is ``chip.ta_trust`` (``cardkit.crypto.ta.ChipTrust``): at most
  two CVCA trust points and the current date. Personalisation writes it: PUT DATA 01 64 / 02 64 with a
  CVCA certificate body (7F4E, the JMRTD applet's form; a whole 7F21 certificate is taken too) adds a
  trust point, PUT DATA 00 67 with six date digits YYMMDD sets the current date (the date of
  personalisation, §7.1.4.3.1; the form of the JMRTD applet's fork that added it). The current date is
  never before a trust point's effective date. Afterwards only the chip changes it: a CVCA link
  certificate adds the new trust point, valid CVCA, DV and domestic terminal certificates advance the
  date (§7.1.4.3.3-4); the change is kept at once, even when TA does not finish. EF.CVCA (011C in the
  application) is made from it (``EmrtdChip.ta_trust``).
- TA runs in the secure-messaging session of a Chip Authentication, once: the session's ``TaChip`` is
  made at the first TA command, bound to the terminal's CA ephemeral key and to ID_PICC (§7.1.2):
  after PACE Comp of the chip's ephemeral PACE key, after BAC the document number of DG1 with its check
  digit (``ChipOptions.ta_static_binding``: the document number after PACE too, as some states do).
- MSE:Set DST 81 B6, PSO:Verify Certificate 2A 00 BE (extended length, or chained parts the chip joins),
  MSE:Set AT 81 A4, GET CHALLENGE, EXTERNAL AUTHENTICATE answer as ``TaChip`` decides. Success grants the
  terminal's effective rights for the rest of the session (``volatile.ta_authorization``), which
  ``EmrtdChip.read_denied`` reads for DG3 and DG4. Out of place: unprotected 6982, no CA 6985, no trust
  point 6A88. Nothing here raises.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from cardkit import tlv
from cardkit.crypto.cvc import CvCertificate, CvCertificateBody, decode_date
from cardkit.crypto.cvc_validation import CvKey, CvRejected
from cardkit.crypto.ta import ChipTrust, TaChip, id_picc_from_mrz_information, id_picc_from_pace
from cardkit.errors import CardkitError, InputError, ParseError
from cardkit.iso7816 import CommandApdu, ResponseApdu
from cardkit.lds.dg1 import Dg1

from ._fs import sw

if TYPE_CHECKING:  # pragma: no cover
    from .emrtd import EmrtdChip

__all__ = ["dispatch", "put_trust_point", "put_current_date", "PUT_DATE", "PUT_CVCA"]

PUT_CVCA = 0x64  # PUT DATA P2 of a CVCA trust point (JMRTD CVCERTIFICATE_TAG; P1 01 or 02)
PUT_DATE = 0x67  # PUT DATA P2 of the current date (the JMRTD applet fork's CURRENT_DATE_TAG)
_EARLIEST = dt.date(2000, 1, 1)  # a CV date is 20YY


def _trust_point(data: bytes) -> CvKey:
    """The trust point in a PUT DATA 64 body (7F4E) or certificate (7F21); ParseError / CvRejected otherwise."""
    t = tlv.decode(data)
    body = CvCertificate.from_bytes(data).body if t.tag == 0x7F21 else CvCertificateBody.from_tlv(t)
    return CvKey.trust_point(body)


def put_trust_point(chip: "EmrtdChip", p1: int, data: bytes) -> ResponseApdu:
    """PUT DATA 01 64 / 02 64: add a CVCA trust point (a key with its domain parameters). Bad data 6A80."""
    if p1 not in (1, 2):
        return sw(0x6A86)
    try:
        point = _trust_point(data)
        trust = chip.ta_trust or ChipTrust((), _EARLIEST)
        chip.ta_trust = trust.with_trust_point(point)
    except (ParseError, CvRejected, InputError):
        return sw(0x6A80)
    return sw(0x9000)


def put_current_date(chip: "EmrtdChip", data: bytes) -> ResponseApdu:
    """PUT DATA 00 67: the chip's current date, six unpacked BCD digits YYMMDD (never before a trust point's)."""
    if len(data) != 6:
        return sw(0x6700)
    try:
        date = decode_date(tlv.decode(tlv.encode(0x5F25, bytes(data))), "current date")
    except ParseError:
        return sw(0x6A80)
    trust = chip.ta_trust or ChipTrust((), date)
    floor = max((p.effective_date for p in trust.trust_points), default=date)
    chip.ta_trust = ChipTrust(trust.trust_points, max(date, floor))
    return sw(0x9000)


def _id_picc(chip: "EmrtdChip") -> bytes | None:
    """ID_PICC of this session (§7.1.2), or None when the chip cannot tell it (no DG1 after BAC)."""
    vol = chip.volatile
    if vol.access == "PACE" and vol.pace_chip_key is not None and not chip.options.ta_static_binding:
        return id_picc_from_pace(*vol.pace_chip_key)
    dg1 = chip.files.get(0x0101)
    if dg1 is None:
        return None
    try:
        return id_picc_from_mrz_information(Dg1.from_bytes(bytes(dg1)).mrz.mrz_information)
    except CardkitError:
        return None


def _session_ta(chip: "EmrtdChip") -> TaChip | ResponseApdu:
    """The TaChip of this session, made at the first TA command; a refusal when TA cannot run now."""
    vol = chip.volatile
    if vol.ta is not None:
        return vol.ta
    if not vol.chip_authenticated or vol.ca_terminal_key is None:
        return sw(0x6985)  # TA follows Chip Authentication in its session
    if chip.ta_trust is None or not chip.ta_trust.trust_points:
        return sw(0x6A88)  # no trust point: no key to verify anything with
    id_picc = _id_picc(chip)
    if id_picc is None:
        return sw(0x6985)
    public, key_agreement = vol.ca_terminal_key
    try:
        vol.ta = TaChip(chip.ta_trust, id_picc=id_picc, ca_ephemeral_public_key=public,
                        key_agreement=key_agreement, rng=chip.rng)
    except InputError:
        return sw(0x6985)
    return vol.ta


def dispatch(chip: "EmrtdChip", cmd: CommandApdu, protected: bool) -> ResponseApdu:
    """One TA command (MSE 81 B6 / 81 A4, PSO 2A, GET CHALLENGE and EXTERNAL AUTHENTICATE under SM)."""
    if not protected:
        return sw(0x6982)
    ta = _session_ta(chip)
    if isinstance(ta, ResponseApdu):
        return ta
    vol = chip.volatile
    if cmd.ins == 0x82 and vol.ta_authorization is not None:
        return sw(0x6982)  # TA once per session
    resp = ta.respond(cmd)
    chip.ta_trust = ta.trust  # link certificates and date advances are kept at once (§7.1.4.3.4)
    if ta.authorization is not None:
        vol.ta_authorization = ta.authorization
    return resp
