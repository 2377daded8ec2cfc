"""A software eMRTD chip (ICAO Doc 9303 LDS1) running the JMRTD passport applet's command set.

A chip has a personality (``_personality``): ``default`` answers as simulators/PERSO.md describes;
``jmrtd`` answers as the JMRTD applet itself does on a Java Card (short APDUs only, SELECT after
CREATE FILE, the 60/61 AA key form, no PACE or CA); its handlers replace the default ones by INS.

How it works: ``process_apdu`` parses the command (a bad encoding answers 6700), checks the class
byte, removes secure messaging when the command is protected (a bad MAC answers 6988 and ends the
session, as Doc 9303-11 §9.8 asks), dispatches on INS, wraps the answer under the same session
(so the outer status word always equals DO99's), then applies the configured faults. It never raises:
any surprise inside a handler answers 6F00.

Rules the chip enforces (simulators/PERSO.md; Doc 9303-10 §3, 9303-11 §4 and §9.8):
- life cycle PERSONALISATION accepts the perso commands (CREATE FILE, UPDATE BINARY, PUT DATA) and
  reads without access control; PUT DATA DE AD locks it into OPERATIONAL, where perso commands answer
  6985 and every application file needs BAC or PACE first (6982), EF.CardAccess in the MF excepted;
- EF.CardSecurity (PACE-CAM) sits in the MF under FID 011D, apart from EF.SOD (011D in the application),
  and like the application files needs BAC or PACE first;
- DG3 and DG4 are EAC-protected: 6982 after BAC/PACE until Terminal Authentication (``_ta``) grants
  the right to read them; the TA trust (CVCA trust points, current date) is kept in ``ta_trust`` and
  its EF.CVCA answers at 011C inside the application (EF.CardAccess keeps 011C in the MF);
- a plain command during a secure-messaging session ends that session (Doc 9303-11 §9.8);
- a protected response that would not fit the outer Le (short: 256) answers a wrapped 6700, so an
  RSA-2048 AA signature under SM needs extended length, as on real chips.
The crypto is cardkit.crypto's, the terminal's own (one source of crypto truth); the chip-side
flows are in ``_access``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from cardkit.algorithms import Cipher
from cardkit.crypto.sm import ChipSecureMessaging
from cardkit.crypto.ta import ChipTrust, TaAuthorization, TaChip
from cardkit.errors import CardRemovedError, ParseError, SecureMessagingError
from cardkit.iso7816 import CommandApdu, ResponseApdu
from cardkit.lds.ef_cvca import EfCvca
from cardkit.lds.files import by_name
from cardkit.tlv import encode_length

from . import _access, _fs, _image, _perso
from ._ca import CaFlow
from ._faults import Faults, corrupt_mac, oversize, tamper, truncate
from ._options import OPERATIONAL, PERSONALISATION, ChipOptions
from ._pace_chip import PaceFlow
from ._perso import Secrets
from ._personality import PERSONALITIES, Personality, personality as _personality_named

__all__ = ["EmrtdChip", "Faults", "ChipOptions", "Personality", "PERSONALITIES", "PERSONALISATION", "OPERATIONAL"]

_PERSO_INS = frozenset({0xE0, 0xD6, 0xD7, 0xDA})
# PUT DATA and PSO (parts joined into one command), GENERAL AUTHENTICATE (PACE steps)
_CHAINABLE_INS = frozenset({0xDA, 0x86, 0x2A})
_JOINED_INS = frozenset({0xDA, 0x2A})


@dataclass
class Volatile:
    """State lost at power-off / reset: selection, authentication, secure messaging."""

    app_selected: bool = False
    current_ef: int | None = None
    sm: ChipSecureMessaging | None = None  # while a session runs
    sm_cipher: Cipher | None = None
    access: str | None = None  # "BAC" / "PACE"
    next_sm: ChipSecureMessaging | None = None  # a session that starts after the current response (CA)
    next_cipher: Cipher | None = None
    chip_authenticated: bool = False
    # an access-control exchange in progress (_access): BAC's ("BAC", RND.IC), a PACE or an AES CA run
    flow: tuple[str, bytes] | PaceFlow | CaFlow | None = None
    chain: tuple[int, int, bytes] | None = None  # command chaining: (INS, P1-P2, data so far)
    pace_chip_key: tuple[bytes, str] | None = None  # after PACE: the chip's ephemeral key and key agreement
    ca_terminal_key: tuple[bytes, str] | None = None  # after CA: the terminal's ephemeral key, key agreement
    ta: TaChip | None = None  # Terminal Authentication of this session, from its first command
    ta_authorization: TaAuthorization | None = None  # what a successful TA granted

    def reset(self) -> None:
        self.__init__()  # type: ignore[misc]

    def reset_eac(self) -> None:
        """Forget CA's key and TA: a new access-control session starts."""
        self.pace_chip_key = self.ca_terminal_key = self.ta = self.ta_authorization = None

    def end_session(self) -> None:
        self.sm = self.sm_cipher = self.access = self.next_sm = self.next_cipher = None
        self.chip_authenticated = False
        self.flow = None
        self.reset_eac()


class EmrtdChip:
    """The simulated chip.

    Args:
        rng: random bytes source; faults: the fault and attack modes.
        options: ChipOptions, or its fields as keywords.
        personality: "default", "jmrtd" (the JMRTD applet as a Java Card runs it) or a Personality.
    Raises:
        ValueError: an unknown personality, or options it cannot have (extended length on a short-APDU chip).
    """

    def __init__(self, rng: Callable[[int], bytes] = os.urandom, faults: Faults | None = None,
                 options: ChipOptions | None = None, personality: str | Personality = "default",
                 **option_fields: Any) -> None:
        self.personality = _personality_named(personality) if isinstance(personality, str) else personality
        if options is None:
            if not self.personality.extended_length:
                option_fields.setdefault("extended_length", False)
            options = ChipOptions(**option_fields)
        if options.extended_length and not self.personality.extended_length:
            raise ValueError(f"the {self.personality.name} personality takes short APDUs only: "
                             "extended_length must be False")
        self.rng = rng
        self.faults = faults or Faults()
        self.options = options
        self.files: dict[int, bytearray] = {}
        self.spare: dict[int, bytearray] = {}  # bytes allocated to an EF past its current size (jmrtd re-CREATE)
        self.secrets = Secrets()
        self._ta_trust: ChipTrust | None = None
        self.life_cycle = PERSONALISATION
        self.volatile = Volatile()
        self.present = True
        self.powered = False
        self.apdu_count = 0
        self.internal_errors = 0
        self._clone_keys: dict[int, Any] = {}

    def __repr__(self) -> str:
        return (f"EmrtdChip(personality={self.personality.name}, life_cycle={self.life_cycle}, "
                f"files={len(self.files)}, present={self.present})")

    # --- card in the field -------------------------------------------------------------------

    def power_on(self) -> bytes:
        """Cold reset: session state is lost; returns the ATR. Raises CardRemovedError once the card was pulled."""
        if not self.present:
            raise CardRemovedError("the simulated card was removed")
        self.powered = True
        self.volatile.reset()
        return self.atr

    def power_off(self) -> None:
        self.powered = False
        self.volatile.reset()

    def insert(self) -> None:
        """Put a pulled card back: it is present again (unpowered) and the removal fault is spent."""
        self.present = True
        self.powered = False
        self.volatile.reset()
        if self.faults.remove_at_apdu is not None:
            self.faults = Faults(**{**self.faults.to_dict(), "remove_at_apdu": None})

    @property
    def atr(self) -> bytes:
        """ATR of an ISO 14443-4 card seen through PC/SC, whose card capabilities (73) advertise extended length."""
        caps = bytes([0x94, 0x01, 0xC0 if self.options.extended_length else 0x80])
        hist = bytes([0x80, 0x73]) + caps
        body = bytes([0x80 | len(hist), 0x80, 0x01]) + hist
        tck = 0
        for b in body:
            tck ^= b
        return b"\x3b" + body + bytes([tck])

    def process_apdu(self, apdu: bytes) -> bytes:
        """Answer one command APDU. Never raises; a pulled card answers 6F00 with ``present`` False."""
        if not self.present:
            return b"\x6f\x00"
        self.apdu_count += 1
        if self.faults.remove_at_apdu is not None and self.apdu_count >= self.faults.remove_at_apdu:
            self.present = False
            self.powered = False
            self.volatile.reset()
            return b"\x6f\x00"
        if not isinstance(apdu, (bytes, bytearray, memoryview)):
            return b"\x67\x00"  # not bytes at all: nothing a reader could have sent
        try:
            out = self._process(bytes(apdu)).to_bytes()
        except Exception:  # the card side must answer whatever happens inside
            self.internal_errors += 1  # a bug in a handler; tests assert this stays 0
            self.volatile.end_session()
            out = b"\x6f\x00"
        return self._apply_faults(out)

    # --- command processing ------------------------------------------------------------------

    def _process(self, raw: bytes) -> ResponseApdu:
        try:
            cmd = CommandApdu.from_bytes(raw)
        except ParseError:
            return _fs.sw(0x6700)
        cla = cmd.cla
        if cla == 0xFF or cla & 0x80:
            return _fs.sw(0x6E00)
        if cla & 0x03:
            return _fs.sw(0x6881)
        if cla & 0x60:
            return _fs.sw(0x6E00)
        if cmd.extended and not self.options.extended_length:
            return _fs.sw(0x6700)
        vol = self.volatile
        protected = cla & 0x0C
        if protected and protected != 0x0C:
            return _fs.sw(0x6882)
        if not protected:
            if vol.sm is not None:
                vol.end_session()  # Doc 9303-11 §9.8: a plain APDU aborts secure messaging
            return self._dispatch(cmd, protected=False)
        if vol.sm is None:
            return _fs.sw(0x6882)
        session = vol.sm
        try:
            inner = session.unwrap_command(cmd)
        except (SecureMessagingError, ParseError, ValueError):
            vol.end_session()
            return _fs.sw(0x6988)
        resp = self._dispatch(inner, protected=True)
        if vol.sm is not session:
            return resp  # the handler ended the session (e.g. a failed CA): answer plain
        if cmd.le is not None and self._wrapped_length(len(resp.data)) > cmd.le:
            resp = _fs.sw(0x6700)
        wrapped = session.wrap_response(resp)
        if vol.next_sm is not None:
            vol.sm, vol.sm_cipher, vol.next_sm, vol.next_cipher = vol.next_sm, vol.next_cipher, None, None
        return wrapped

    def _wrapped_length(self, n: int) -> int:
        """Length of a protected response with n data bytes: DO87, DO99 and DO8E (Doc 9303-11 §9.8.5)."""
        bs = self.volatile.sm_cipher.block_size if self.volatile.sm_cipher is not None else 16
        do87 = 0
        if n:
            p = (n // bs + 1) * bs
            do87 = 1 + len(encode_length(1 + p)) + 1 + p
        return do87 + 4 + 10

    def _dispatch(self, cmd: CommandApdu, protected: bool) -> ResponseApdu:
        vol = self.volatile
        ins = cmd.ins
        if cmd.cla & 0x10 and ins not in _CHAINABLE_INS:
            return _fs.sw(0x6884)
        if vol.chain is not None and vol.chain[0] != ins:
            vol.chain = None  # a chain is broken by any other command
        handler = self.personality.handlers.get(ins)
        if handler is not None:
            return handler(self, cmd, protected)
        if ins in _PERSO_INS:
            if self.life_cycle != PERSONALISATION:
                return _fs.sw(0x6985)
            if not vol.app_selected:
                return _fs.sw(0x6985)
            if ins == 0xDA:
                return self._put_data(cmd)
            if ins == 0xE0:
                return _fs.create_file(self, cmd)
            return _fs.update_binary(self, cmd)
        if ins == 0xA4:
            return _fs.select(self, cmd)
        if ins in (0xB0, 0xB1):
            return _fs.read_binary(self, cmd)
        if ins == 0x2A:
            joined = self._join(cmd)
            return joined if isinstance(joined, ResponseApdu) else _access.dispatch(self, joined, protected)
        if ins in (0x84, 0x82, 0x22, 0x86, 0x88):
            return _access.dispatch(self, cmd, protected)
        return _fs.sw(0x6D00)

    def _join(self, cmd: CommandApdu) -> CommandApdu | ResponseApdu:
        """ISO command chaining (PUT DATA, PSO): parts are joined; 9000 until the last, then the whole command."""
        vol = self.volatile
        p1p2 = (cmd.p1 << 8) | cmd.p2
        prior = b""
        if vol.chain is not None:
            if vol.chain[1] != p1p2:  # every part of a chain must name the same data object
                vol.chain = None
                return _fs.sw(0x6A86)
            prior = vol.chain[2]
        data = prior + cmd.data
        if len(data) > 0xFFFF:
            vol.chain = None
            return _fs.sw(0x6700)
        if cmd.cla & 0x10:
            vol.chain = (cmd.ins, p1p2, data)
            return _fs.sw(0x9000)
        vol.chain = None
        return CommandApdu(cmd.cla & ~0x10 & 0xFF, cmd.ins, cmd.p1, cmd.p2, data, le=cmd.le)

    def _put_data(self, cmd: CommandApdu) -> ResponseApdu:
        """PUT DATA with ISO command chaining: chained parts are joined, the last one is processed."""
        joined = self._join(cmd)
        return joined if isinstance(joined, ResponseApdu) else _perso.put_data(self, joined)

    # --- what the handlers ask -----------------------------------------------------------------

    def read_denied(self, fid: int) -> int:
        """0 when the EF may be read now, else the status word (6982) that refuses it."""
        if fid in _fs.MF_FIDS:
            return 0
        dg = fid - 0x0100 if 0x0101 <= fid <= 0x0110 else None
        if self.life_cycle == PERSONALISATION:
            return 0
        if self.volatile.sm is None:
            return 0x6982
        if dg in self.options.eac_protected:
            granted = self.volatile.ta_authorization
            if granted is None or not ((dg == 3 and granted.read_dg3) or (dg == 4 and granted.read_dg4)):
                return 0x6982
        return 0

    @property
    def ta_trust(self) -> ChipTrust | None:
        """The chip's TA trust points and current date (``_ta``); None before personalisation wrote any."""
        return self._ta_trust

    @ta_trust.setter
    def ta_trust(self, trust: ChipTrust | None) -> None:
        # EF.CVCA is the chip's own view of its trust points: rewritten with them, never by a command
        self._ta_trust = trust
        if trust is not None and trust.trust_points:
            self.files[_fs.CVCA_KEY] = bytearray(EfCvca.build(trust.cars).raw)
        else:
            self.files.pop(_fs.CVCA_KEY, None)

    def file_content(self, fid: int) -> bytes | bytearray:
        """The bytes an EF is read as (after the tamper fault, if any); not a copy when untampered."""
        dg = self.faults.tamper_dg
        if dg is not None and fid == 0x0100 + dg:
            return tamper(bytes(self.files[fid]), dg)
        return self.files[fid]

    def _apply_faults(self, out: bytes) -> bytes:
        f = self.faults
        if not f.any:
            return out
        if f.wrong_mac and self.volatile.sm is not None:
            out = corrupt_mac(out)
        if f.truncate_response:
            out = truncate(out)
        if f.oversize_response:
            out = oversize(out, b"\x00" * 16)
        return out

    # --- building and storing ------------------------------------------------------------------

    @classmethod
    def personalised(cls, files: dict[str, bytes], *, document_number: str, date_of_birth: str,
                     date_of_expiry: str, can: str | None = None, aa_private_key: Any = None,
                     ca_private_key: Any = None, ca_key_id: int | None = None, extended_length: bool | None = None,
                     select_mf_supported: bool = False, rng: Callable[[int], bytes] = os.urandom,
                     faults: Faults | None = None, locked: bool = True, personality: str | Personality = "default",
                     ta_trust: ChipTrust | None = None, **option_fields: Any) -> "EmrtdChip":
        """A chip personalised directly (no APDUs) and locked, for tests of other layers.

        Args:
            files: LDS file name ("EF.CardAccess", "EF.COM", "DG1".."DG16", "EF.SOD") -> bytes.
            document_number, date_of_birth, date_of_expiry: the MRZ fields of the BAC/PACE-MRZ key.
            can: the PACE CAN; aa_private_key / ca_private_key: cryptography private keys.
            ta_trust: the CVCA trust points and current date for Terminal Authentication (EF.CVCA follows).
            extended_length: None: what the personality allows (the default chip: True).
            personality: as for the constructor; the MRZ key is derived as that chip derives it.
        Raises:
            KeyError: an unknown file name.
            ValueError: a file, key or CAN the personality's chip cannot hold (jmrtd: no EF.CardAccess,
                no DG16, no CA key, no CAN, AA only as an RSA-1024 key).
        EF.CardSecurity (PACE-CAM) goes into the MF, apart from EF.SOD which shares its FID 011D.
        """
        if extended_length is not None:
            option_fields["extended_length"] = extended_length
        chip = cls(rng=rng, faults=faults, personality=personality, select_mf_supported=select_mf_supported,
                   **option_fields)
        why = chip.personality.refuses(files, can=can, aa_private_key=aa_private_key, ca_private_key=ca_private_key)
        if why is not None:
            raise ValueError(why)
        for name, content in files.items():
            if name == "EF.CardSecurity":  # shares FID 011D with EF.SOD: kept apart, in the MF
                chip.files[_fs.CARD_SECURITY_KEY] = bytearray(content)
                continue
            if name == "EF.CVCA":
                raise ValueError("EF.CVCA is the chip's own view of its trust points: give ta_trust instead")
            chip.files[by_name(name).fid] = bytearray(content)
        if ta_trust is not None:
            if not chip.personality.chip_authentication:
                raise ValueError(f"the {chip.personality.name} chip has no Chip Authentication, so no TA")
            chip.ta_trust = ta_trust
        chip.secrets.mrz_key = chip.personality.mrz_key(document_number, date_of_birth, date_of_expiry)
        if can is not None:
            chip.secrets.pace_secrets[_perso.PACE_REF_CAN] = can.encode("ascii")
        chip.secrets.aa_private_key = aa_private_key
        if ca_private_key is not None:
            chip.secrets.ca_keys.append((ca_key_id, ca_private_key))
        if locked:
            chip.life_cycle = OPERATIONAL
        return chip

    def save(self, path: str | Path) -> None:
        """Write the chip image (versioned JSON, mode 0600: it holds the keys)."""
        _image.save(self, Path(path))

    @classmethod
    def load(cls, path: str | Path, *, rng: Callable[[int], bytes] = os.urandom,
             faults: Faults | None = None) -> "EmrtdChip":
        """Read a chip image. Raises ParseError (with the path) when the image is not a valid one."""
        return _image.load(cls, Path(path), rng=rng, faults=faults)

    def clone_key(self, key: Any) -> Any:
        """A different private key of the same kind and size (the ``cloned`` fault), made once per key."""
        ident = id(key)
        if ident not in self._clone_keys:
            self._clone_keys[ident] = _access.substitute_key(key)
        return self._clone_keys[ident]
