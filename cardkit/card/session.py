"""The terminal session: access control, secure messaging and file reading over one transport.

Rules this module keeps (Doc 9303-10 §3, 9303-11; the interface docs/ARCHITECTURE.md names):
- It is the only caller of ``transport.transmit``. Protocols (``cardkit.crypto``) are pure
  state machines: the session sends what they build and hands back what the chip answers.
- Every command goes through ``transmit``: wrapped by secure messaging when a session is
  active, counted in ``apdu_count``, recorded in the optional trace (redacted unless asked).
- It never selects the master file: real cards (Vietnam's CCCD among them) refuse it.
  EF.CardAccess is selected by its FID from the card's current DF, like every other file;
  so is EF.CardSecurity (PACE-CAM), which must therefore be read after PACE and before the
  application is selected (in the application, FID 011D is EF.SOD).
- ``read_file`` selects the EF by FID, reads the first 4 bytes, learns the total length from
  the TLV header, then reads the rest in ``block_size`` pieces: the order of the ICAO D.4
  worked example. ``sfi=True`` reads the first piece with a short FID instead of SELECT.
  Offsets past 32 767 use odd-INS READ BINARY (B1, offset in DO54, data in DO53).
- ``fast_reads=True`` is the terminal's fast path (Doc 9303-10 §3.6 allows both): the first READ
  BINARY asks a whole block at offset 0 by short FID and the header is taken from it, so a file
  of up to one block costs one APDU. It falls back, once per session, where the chip says no: a
  short FID refused (6A86, 6A81, 6B00, 6986, 6981, 6F00; or 6A82, 6982, 6985 when SELECT then finds
  the file, asked until a short-FID read has worked) means SELECT by FID from then on; a whole first
  block refused as too long (6700) means the 4-byte header read from then on.
- Bounded reads: a header claiming more than the file can hold (``cardkit.lds.files.MAX_SIZES``,
  raised per file by ``max_sizes``) is refused before anything more is read.
- Block size: short APDUs carry at most 256 bytes back; under SM the cryptogram, DO99 and
  DO8E must fit too, so a short block is capped at 0xDF (AES) / 0xE7 (3DES), and an extended
  one below 65536 likewise. A block above 256 uses extended length when allowed:
  ``extended_length=True/False`` forces it; None reads the ATR's card capabilities (ISO 7816-4
  §12.1.1). With ``fast_reads`` and no ``block_size`` the block is the largest the chip allows:
  short APDUs' cap, or the extended cap when the ATR advertises extended length. An extended
  length not forced is tried: when the ATR is silent and a block above 256 was asked, or when
  the fast path takes the ATR's word, the first large READ BINARY is the probe, and a chip
  answering 6700/6F00 gets short APDUs from then on (a chip that ends SM instead raises
  SecureMessagingError saying to use ``extended_length=False``).
- Status words become ``StatusWordError`` (``check_sw``); a refused password or key
  becomes ``AuthenticationError``. No secret is ever put into a message.
- Terminal Authentication (``terminal_authentication``, after Chip Authentication) is driven by
  ``_terminal_auth``; its refusals are typed by certificate and reason (``CvRejected`` before anything
  is sent, ``TaRefusedError`` when the chip refuses) and leave secure messaging up.
- Logging (``cardkit.card.session``): each access-control run and each file read at INFO with its
  APDU count and time; each exchange at DEBUG with its link time, headers and status words only
  (``trace.exchange_text``: no payload byte but a plain SELECT's), built only when DEBUG is on.
"""

from __future__ import annotations

import collections.abc
import datetime as dt
import functools
import logging
import os
import time
from collections.abc import Iterable, Sequence
from typing import Callable, Protocol, TypeVar

from .. import tlv
from ..algorithms import Cipher, KeyAgreement, Mapping, choose_pace_info
from ..crypto.aa import ActiveAuthentication
from ..crypto.bac import Bac
from ..crypto.ca import ChipAuthentication
from ..crypto.cvc import CvCertificate
from ..crypto.pace import Pace, PaceResult, Password
from ..crypto.sm import SecureMessaging
from ..crypto.ta import TaSigner, id_picc_from_mrz_information
from ..errors import (AuthenticationError, ParseError, ProtocolError, SecureMessagingError, StatusWordError,
                      TransportError)
from ..lds.card_access import CardAccess
from ..lds.card_security import CardSecurity
from ..lds.dg14 import Dg14
from ..lds.dg15 import Dg15
from ..lds.ef_cvca import EfCvca
from ..lds.files import MRTD_AID, LdsFileId, by_name
from ..lds.security_infos import PaceInfo
from . import _terminal_auth
from ._terminal_auth import TerminalAuthenticationResult
from .access_key import AccessKey
from .apdu import SW_END_OF_FILE, SW_OK, CommandApdu, ResponseApdu, check_sw, sw_meaning
from .atr import extended_length_supported
from .trace import ApduTrace, exchange_text
from .transport import Transport, check_response_bytes
from ._select import pick_ca_keys

__all__ = ["Session", "MAX_FILE_SIZE", "TerminalAuthenticationResult"]

log = logging.getLogger(__name__)

MAX_FILE_SIZE = 1 << 24  # 16 MiB: the ceiling of any per-file limit (``max_sizes`` may not go above it)
MAX_SHORT_OFFSET = 0x7FFF  # READ BINARY B0 P1P2 offset limit (P1 bit 8 clear)
# Data bytes per part of a chained command: wrapped by SM (DO87 of 224 padded bytes, DO8E) it stays
# within a short APDU's 255 bytes, with 3DES and with AES.
_CHAIN_PART = 223

_EXTENDED_REFUSED = (0x6700, 0x6F00)  # wrong length / no diagnosis: how chips refuse an extended Le
# Unprotected answers under SM that mean the chip never unwrapped the command (wrong length,
# SM not supported, SM data objects missing / incorrect): its SSC did not move with ours, and
# Doc 9303-11 §9.8 has it drop the session keys, so the session is over.
_SM_REFUSED = (0x6700, 0x6882, 0x6987, 0x6988)
# Status words by which a chip refuses a key, password or cryptogram (Doc 9303-11 §4.3, §4.4).
_AUTH_REFUSED = {0x6982, 0x6984, 0x6A80, 0x6688}
_AUTH_INS = (0x82, 0x86)  # EXTERNAL / GENERAL AUTHENTICATE: the commands that carry a proof of the key
# How a chip that does not take short FIDs answers READ BINARY with P1 = 80|SFI (ISO 7816-4 §11.2.3):
# wrong P1-P2, function not supported, offset outside the EF (P1 read as an offset), no current EF,
# incompatible file structure, no precise diagnosis (the JMRTD applet reads P1-P2 as a negative
# offset); SELECT then settles it. Until a short-FID read has worked, "not found", "security status
# not satisfied" and "conditions of use not satisfied" may be the chip's answer to the short FID
# itself too (the JMRTD applet answers 6982 before BAC, 6985 with no current EF): SELECT settles those
# (the file may really be absent or protected, and short FIDs may still work); after, they are the file's.
_SFI_REFUSED = (0x6A86, 0x6A81, 0x6B00, 0x6986, 0x6981, 0x6F00)
_SFI_UNPROVEN = (0x6A82, 0x6982, 0x6985)


def _refuses_authentication(cmd: CommandApdu, sw: int) -> bool:
    """True when ``sw`` means "wrong password or key" rather than a protocol or parameter problem."""
    if sw == 0x6300 or sw & 0xFFF0 == 0x63C0 or sw == 0x6983:  # verification failed / blocked
        return True
    return cmd.ins in _AUTH_INS and sw in _AUTH_REFUSED


@functools.lru_cache(maxsize=None)
def _sm_block_cap(limit: int, cipher: Cipher) -> int:
    """Largest plain READ BINARY block whose protected response fits ``limit`` bytes (Doc 9303-11 §9.8.5).

    The response is DO87 (01 and the padded cryptogram), DO99 (4 bytes) and DO8E (10 bytes): 0xDF (AES)
    or 0xE7 (3DES) for a short response of 256 bytes, 65503 (AES) or 65511 (3DES) for an extended one.
    """
    bs = cipher.block_size
    n = limit
    while n > 1:
        padded = (n // bs + 1) * bs
        if 1 + len(tlv.encode_length(1 + padded)) + 1 + padded + 4 + 10 <= limit:
            return n
        n -= 1
    return 1


_R = TypeVar("_R")


class _Protocol(Protocol[_R]):
    """What ``Session._run`` drives: a sans-I/O protocol of ``cardkit.crypto`` (``ProtocolMachine``)."""

    @property
    def done(self) -> bool: ...

    @property
    def result(self) -> _R: ...

    def start(self) -> CommandApdu: ...

    def receive(self, resp: ResponseApdu) -> CommandApdu | None: ...


class Session:
    """A terminal's session with one chip (Doc 9303-11): BAC/PACE, CA, AA, and reading files."""

    def __init__(
        self,
        transport: Transport,
        rng: Callable[[int], bytes] = os.urandom,
        block_size: int | None = None,
        trace: ApduTrace | None = None,
        *,
        extended_length: bool | None = None,
        fast_reads: bool = False,
        max_sizes: collections.abc.Mapping[str, int] | None = None,
    ) -> None:
        """Open a session over ``transport`` (any object with ``transmit(bytes) -> bytes``).

        Args:
            rng: randomness for the protocols (injected for reproducible tests).
            block_size: bytes per READ BINARY (1..65536); None: 0xDF, or with ``fast_reads`` the largest
                block the chip allows. See the module header for caps.
            trace: an ``ApduTrace`` to record every exchange into.
            extended_length: force extended-length APDUs on/off; None: detect from the ATR.
            fast_reads: read files by the fewest APDUs the chip allows (module header) instead of
                SELECT + 4-byte header; a terminal's choice, ``read_file``'s default order is unchanged.
            max_sizes: per-file limits (file name -> bytes, at most ``MAX_FILE_SIZE``) replacing those of
                ``cardkit.lds.files.MAX_SIZES``, for a profile whose files are larger.

        Raises:
            ValueError: a block size outside 1..65536, or an unknown file or a limit outside
                1..MAX_FILE_SIZE in ``max_sizes``.
        """
        self._auto_block = block_size is None
        if block_size is None:
            block_size = 0xDF
        if not 1 <= block_size <= 65536:
            raise ValueError(f"block size {block_size} outside 1..65536")
        limits = {}
        for file_name, limit in (max_sizes or {}).items():
            by_name(file_name)  # KeyError names an unknown file
            if not 1 <= limit <= MAX_FILE_SIZE:
                raise ValueError(f"size limit {limit} for {file_name} outside 1..{MAX_FILE_SIZE}")
            limits[file_name] = limit
        self._max_sizes = limits
        self.fast_reads = fast_reads
        self.transport = transport
        self.rng = rng
        self.block_size = block_size
        self.trace = trace
        self.apdu_count = 0
        self.access: str | None = None
        self.secure_messaging: SecureMessaging | None = None
        self.pace_result: PaceResult | None = None
        # after Chip Authentication: the terminal's ephemeral key and key agreement, which TA signs
        self.ca_ephemeral_public_key: bytes | None = None
        self.ca_key_agreement: KeyAgreement | None = None
        self.bac_id_picc: bytes | None = None  # after BAC: TA's ID_PICC, the document number and check digit
        self.ta_result: TerminalAuthenticationResult | None = None
        self._app_selected = False  # EF.CardSecurity (in the MF) is out of reach once this is True
        self._extended_asked = extended_length
        self._extended = extended_length
        self._probing = False
        self._sfi_ok = True  # fast path: cleared once the chip refuses a short-FID READ BINARY
        self._sfi_works = False  # fast path: set once a short-FID READ BINARY succeeded (then 6A82 means absent ...)
        self._whole_first = True  # fast path: cleared once the chip refuses a first block longer than the file
        self._sm_ended = False
        self._sensitive = False  # while an access-control exchange runs (trace redaction)

    # --- the link ----------------------------------------------------------------

    @property
    def extended_length(self) -> bool:
        """Whether extended-length APDUs are used for blocks above 256 bytes."""
        if self._extended is None:
            said = extended_length_supported(getattr(self.transport, "atr", None))
            # An ATR that does not tell (most contactless chips behind PC/SC): probe with the
            # first large READ BINARY and fall back to short length if the chip refuses it. The
            # fast path's own large block takes the ATR's word the same way, on trial.
            silent_probe = said is None and self.block_size > 256
            self._probing = silent_probe or bool(said and self.fast_reads and self._auto_block)
            self._extended = True if silent_probe else bool(said)
        return self._extended

    def transmit(self, cmd: CommandApdu, *, step: str | None = None) -> ResponseApdu:
        """Send one command (wrapped by SM when active) and return the plain response.

        Raises:
            TransportError / CardRemovedError / ReaderError: from the link.
            SecureMessagingError: the response's MAC or structure is wrong (the session is over).
        """
        sm = self.secure_messaging
        if self._sm_ended:
            raise SecureMessagingError("the chip ended secure messaging earlier; start a new session", step=step)
        wire_cmd = sm.wrap(cmd) if sm is not None else cmd
        raw_cmd = wire_cmd.to_bytes()
        self.apdu_count += 1
        t0 = time.perf_counter()
        try:
            raw = check_response_bytes(self.transport.transmit(raw_cmd), type(self.transport).__name__)
        except TransportError:
            self._record(raw_cmd, None, cmd if sm else None, None, step, (time.perf_counter() - t0) * 1000)
            raise
        ms = (time.perf_counter() - t0) * 1000
        wire_resp = ResponseApdu.from_bytes(raw)
        try:
            resp = sm.unwrap(wire_resp) if sm is not None else wire_resp
        except SecureMessagingError:
            self._record(raw_cmd, raw, cmd, None, step, ms)
            raise
        self._record(raw_cmd, raw, cmd if sm else None, resp if sm else None, step, ms)
        if sm is not None and not wire_resp.data and wire_resp.sw in _SM_REFUSED:
            # The chip could not parse or verify the command (or our keys, after a failed CA) and
            # has dropped the session keys (Doc 9303-11 §9.8): nothing more can be said under this SM.
            self._sm_ended = True
            raise SecureMessagingError(f"chip refused secure messaging ({wire_resp.sw:04X}, "
                                       f"{sw_meaning(wire_resp.sw)}); the session is over", step=step)
        return resp

    def _record(self, raw_cmd: bytes, raw_resp: bytes | None, plain_cmd: CommandApdu | None,
                plain_resp: ResponseApdu | None, step: str | None, ms: float) -> None:
        """Put one exchange into the trace (when there is one) and the debug log (when it is on)."""
        debug = log.isEnabledFor(logging.DEBUG)
        if self.trace is None and not debug:
            return
        plain_c = plain_cmd.to_bytes() if plain_cmd is not None else None
        plain_r = plain_resp.to_bytes() if plain_resp is not None else None
        sensitive = self.secure_messaging is not None or self._sensitive
        if self.trace is not None:
            self.trace.record(raw_cmd, raw_resp, plain_command=plain_c, plain_response=plain_r, sensitive=sensitive,
                              step=step, ms=ms)
        if debug:
            log.debug("%s", exchange_text(raw_cmd, raw_resp, plain_command=plain_c, plain_response=plain_r,
                                          step=step, ms=ms))

    def _run(self, proto: _Protocol[_R], name: str, *, warn_ok: tuple[int, ...] = ()) -> _R:
        """Drive a sans-I/O protocol to its end; map refusals to AuthenticationError."""
        self._sensitive = True
        t0, apdus = time.perf_counter(), self.apdu_count
        try:
            cmd = proto.start()
            n = 0
            while cmd is not None:
                n += 1
                step = f"{name} step {n}"
                resp = self.transmit(cmd, step=step)
                if resp.sw != SW_OK and resp.sw not in warn_ok:
                    if _refuses_authentication(cmd, resp.sw):
                        raise AuthenticationError(f"chip refused ({resp.sw:04X}, {sw_meaning(resp.sw)})", step=step)
                    check_sw(resp, step)
                cmd = proto.receive(resp)
            if not proto.done:
                raise ProtocolError("protocol stopped before it was done", step=name)
            log.info("%s done: %d APDUs, %.1f ms", name, self.apdu_count - apdus, (time.perf_counter() - t0) * 1000)
            return proto.result
        finally:
            self._sensitive = False

    # --- access control ------------------------------------------------------------

    def _plain(self) -> None:
        # Access control always starts in plain APDUs; a new run ends any earlier SM session.
        self.secure_messaging = None
        self._sm_ended = False
        self.access = None
        self.ca_ephemeral_public_key = self.ca_key_agreement = self.ta_result = None

    def select_application(self, aid: bytes = MRTD_AID) -> None:
        """SELECT the eMRTD application by AID (00 A4 04 0C 07 A0000002471001; Doc 9303-10 §3.6.1).

        Under SM the SELECT is protected (after PACE, as Doc 9303-11 §4.4 asks); once the chip has
        ended SM it is sent plain, to start again with BAC or PACE.
        """
        if self._sm_ended:
            self._plain()
        self._app_selected = True  # even a refused SELECT may have left the MF on some chips
        check_sw(self.transmit(CommandApdu(0x00, 0xA4, 0x04, 0x0C, aid), step="SELECT application"),
                 "SELECT application")

    def bac(self, mrz_information: str | AccessKey) -> None:
        """Basic Access Control (Doc 9303-11 §4.3); secure messaging starts with the BAC keys.

        Args:
            mrz_information: the MRZ information, or an ``AccessKey`` holding it.

        Raises:
            InputError: an AccessKey without the MRZ information (a CAN cannot open BAC).
            AuthenticationError: the chip refused the key (wrong MRZ data) or its cryptogram is wrong.
        """
        seed = mrz_information.bac_mrz_information() if isinstance(mrz_information, AccessKey) else mrz_information
        self._plain()
        keys = self._run(Bac(seed, rng=self.rng), "BAC")
        self.secure_messaging = SecureMessaging(keys)
        self._sm_ended = False
        self.access = "BAC"
        self.bac_id_picc = id_picc_from_mrz_information(seed)

    def pace(self, password: Password | AccessKey, pace_info: PaceInfo | None = None) -> PaceResult:
        """PACE (Doc 9303-11 §4.4) with ``Password.mrz(...)``, ``Password.can(...)`` or an ``AccessKey``.

        Args:
            password: the PACE password, or an ``AccessKey`` (its CAN, else its MRZ information).
            pace_info: the PACEInfo to use; None reads EF.CardAccess and picks one by the policy of
                ``cardkit.algorithms.choose_pace_info`` (the same one inspection uses).

        Raises:
            StatusWordError: EF.CardAccess missing (6A82) when pace_info is None.
            UnsupportedAlgorithmError: EF.CardAccess offers no PACEInfo cardkit supports.
            AuthenticationError: the chip refused the password or a token is wrong.
        Returns:
            The ``PaceResult`` (also kept as ``pace_result``); for CAM, check it with ``verify_cam``.
        """
        if isinstance(password, AccessKey):
            password = password.pace_password()
        self._plain()
        if pace_info is None:
            infos = CardAccess.from_bytes(self.read_file("EF.CardAccess")).pace_infos
            pace_info = choose_pace_info(infos)
        # 63Cx on MSE:Set AT is a warning (tries left), not a refusal (TR-03110-3 B.11.1).
        result = self._run(Pace(password, pace_info, rng=self.rng), "PACE",
                           warn_ok=tuple(range(0x63C1, 0x63D0)))
        self.pace_result = result
        self.secure_messaging = SecureMessaging(result.keys)
        self._sm_ended = False
        self.access = "PACE"
        return result

    def read_card_security(self) -> bytes:
        """Read EF.CardSecurity (FID 011D in the MF; Doc 9303-11 §9.2.12) under the PACE channel.

        Selected by FID from the MF context the chip is in after PACE (never SELECT MF): call it
        before ``select_application``, in whose DF 011D is EF.SOD.

        Raises:
            ProtocolError: no PACE channel yet, or the application was already selected.
            StatusWordError: 6A82 (the chip has no EF.CardSecurity) or 6982 (not readable now).
        """
        if self.access != "PACE" or self.secure_messaging is None:
            raise ProtocolError("EF.CardSecurity is read after PACE", step="READ EF.CardSecurity")
        if self._app_selected:
            raise ProtocolError("EF.CardSecurity lives in the MF: read it before selecting the application "
                                "(this terminal never selects the MF)", step="READ EF.CardSecurity")
        return self.read_file("EF.CardSecurity")

    def verify_cam(self, card_security: bytes | CardSecurity) -> bool:
        """Chip Authentication Mapping check (Doc 9303-11 §4.4.3.5.2) against EF.CardSecurity's CA public key.

        Args:
            card_security: EF.CardSecurity bytes or a parsed ``cardkit.lds.card_security.CardSecurity``.
                Only proof when EF.CardSecurity passed Passive Authentication (the caller's job).
        Returns:
            True when CA_IC * PK_IC equals the chip's mapping key; False for a clone.
        Raises:
            ProtocolError: PACE did not run CAM, or EF.CardSecurity has no CA key on the PACE curve.
            ParseError: EF.CardSecurity does not parse.
        """
        result = self.pace_result
        if result is None or result.algorithm.mapping is not Mapping.CAM:
            raise ProtocolError("PACE did not run Chip Authentication Mapping", step="PACE CAM")
        cs = CardSecurity.from_bytes(card_security) if isinstance(card_security, (bytes, bytearray)) else card_security
        tried = 0
        for key in cs.ca_public_keys:
            try:
                ok = result.verify_cam(key.public_key_info)
            except (ProtocolError, ParseError):
                continue  # a key of another curve or kind (e.g. DH): not the CAM key
            tried += 1
            if ok:
                return True
        if not tried:
            raise ProtocolError("EF.CardSecurity holds no Chip Authentication key on the PACE curve", step="PACE CAM")
        return False

    def chip_authentication(self, dg14: bytes | Dg14) -> None:
        """Chip Authentication v1 (Doc 9303-11 §6.2) with the key in DG14; SM restarts with the new keys.

        Args:
            dg14: DG14 bytes or a parsed ``cardkit.lds.Dg14``.

        Raises:
            ProtocolError: no secure messaging yet, or DG14 has no usable CA key.
            StatusWordError: the chip refused a CA command.
        Success is proved by the chip answering the next SM command under the new keys.
        """
        if self.secure_messaging is None:
            raise ProtocolError("chip authentication needs secure messaging (BAC or PACE) first", step="CA")
        info, key = pick_ca_keys(_dg14(dg14))
        ca = ChipAuthentication(info, key, self.secure_messaging.cipher, rng=self.rng)
        keys = self._run(ca, "CA")
        self.secure_messaging = SecureMessaging(keys)
        self.ca_ephemeral_public_key, self.ca_key_agreement = ca.ephemeral_public_key, ca.key_agreement
        self.ta_result = None

    def terminal_authentication(
        self,
        certificates: Iterable[CvCertificate],
        signer: TaSigner,
        *,
        id_picc: bytes | None = None,
        trust_points: Sequence[str] | None = None,
        today: dt.date | None = None,
        need_dg3: bool = False,
        need_dg4: bool = False,
        terminal_chr: str | None = None,
    ) -> TerminalAuthenticationResult:
        """Terminal Authentication v1 (Doc 9303-11 §7.1) after ``chip_authentication``; opens DG3/DG4 as granted.

        Args:
            certificates: the CV certificates the terminal holds: its own, its DV's, CVCA link
                certificates, and its CVCA's (then the whole path is verified before it is sent).
            signer: signs with the terminal certificate's key (``cardkit.crypto.ta.TaKeySigner``, or
                ``cardkit.pki.cvc.TaSignerAdapter`` around a key file or PKCS#11 signer).
            id_picc: the chip's identifier when the default binding is not the chip's (see
                ``cardkit.card._terminal_auth``): dynamic after PACE, the document number after BAC.
            trust_points: the CARs the chip trusts, when known; else PACE's, else EF.CVCA's.
            today: the terminal's date for the certificate checks (default: the system date).
            need_dg3, need_dg4: refuse a chain whose rights cannot include reading DG3 / DG4.
            terminal_chr: which terminal certificate, when several are held.

        Returns:
            A ``TerminalAuthenticationResult`` (also kept as ``ta_result``).
        Raises:
            CvRejected: the chain reaches no trust point the chip names, or breaks a rule (named).
            TaRefusedError: the chip refused a step; ``certificate`` and ``reason`` say which and why.
            ProtocolError: no Chip Authentication in this session.
        """
        self.ta_result = None
        self.ta_result = _terminal_auth.authenticate(
            self, certificates, signer, id_picc=id_picc, trust_points=trust_points,
            today=today or dt.date.today(), need_dg3=need_dg3, need_dg4=need_dg4, terminal_chr=terminal_chr)
        return self.ta_result

    def read_cvca(self, fid: int = 0x011C) -> EfCvca:
        """EF.CVCA (TR-03110-3 A.6.2.4): the CARs of the chip's trust points, from the application.

        Selected by FID (011C by default; TerminalAuthenticationInfo's efCVCA may name another) and read
        in one READ BINARY with Le 00: the file is at most 36 bytes, often shorter.

        Raises:
            StatusWordError: 6A82 (no EF.CVCA) or 6982 (not readable now).
            ParseError: the file is not one or two CARs.
        """
        self.select_file(fid, step="SELECT EF.CVCA")
        return EfCvca.from_bytes(self._read_binary(0, 256, "EF.CVCA"))

    def transmit_long(self, cmd: CommandApdu, *, step: str | None = None) -> ResponseApdu:
        """Send a command whose data may not fit a short APDU (a CV certificate in PSO:Verify Certificate).

        Extended length when it was asked for or the ATR says the chip takes it; ISO/IEC 7816-4 command
        chaining (CLA bit 10 on every part but the last) otherwise. A part answered other than 9000 ends
        the chain and is returned.
        """
        said = self._extended_asked if self._extended_asked is not None else \
            extended_length_supported(getattr(self.transport, "atr", None))
        if said or len(cmd.data) <= _CHAIN_PART:
            return self.transmit(cmd, step=step)
        data = cmd.data
        parts = [data[i : i + _CHAIN_PART] for i in range(0, len(data), _CHAIN_PART)]
        resp = ResponseApdu(b"", SW_OK)
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            part_cmd = CommandApdu(cmd.cla if last else cmd.cla | 0x10, cmd.ins, cmd.p1, cmd.p2, part,
                                   le=cmd.le if last else None)
            resp = self.transmit(part_cmd, step=f"{step or 'chained'} part {i + 1}/{len(parts)}")
            if resp.sw != SW_OK:
                break
        return resp

    def active_authentication(self, dg15: bytes | Dg15, dg14: bytes | Dg14 | None = None) -> bool:
        """Active Authentication (Doc 9303-11 §6.1): True when the chip's signature verifies.

        Args:
            dg15: DG15 bytes or a parsed ``cardkit.lds.Dg15`` (the AA public key).
            dg14: DG14 (bytes or parsed), needed for ECDSA keys: its ActiveAuthenticationInfo
                names the signature hash.

        Returns:
            False when the signature does not verify (a clone); it raises only on protocol failure.
        """
        d15 = Dg15.from_bytes(dg15) if isinstance(dg15, (bytes, bytearray)) else dg15
        aa_info = _dg14(dg14).aa_info if dg14 is not None else None
        result = self._run(ActiveAuthentication(d15.public_key_info, aa_info, rng=self.rng), "AA")
        return bool(result.verified)

    # --- reading files ---------------------------------------------------------------

    def select_file(self, fid: int, step: str | None = None) -> None:
        """SELECT an EF by FID under the current DF (00 A4 02 0C 02 FID; never the MF)."""
        step = step or f"SELECT {fid:04X}"
        check_sw(self.transmit(CommandApdu(0x00, 0xA4, 0x02, 0x0C, fid.to_bytes(2, "big")), step=step), step)

    def _cap(self, limit: int) -> int:
        sm = self.secure_messaging
        return _sm_block_cap(limit, sm.cipher) if sm is not None else limit

    def effective_block_size(self) -> int:
        """The READ BINARY block actually used, after the short-length / SM caps.

        With ``fast_reads`` and no ``block_size`` asked: the largest the chip allows (extended when its
        ATR advertises it).
        """
        if self.fast_reads and self._auto_block:
            return self._cap(65536) if self.extended_length else self._cap(256)
        if self.block_size > 256 and self.extended_length:
            return min(self.block_size, self._cap(65536))
        return min(self.block_size, self._cap(256))

    def max_size(self, name: str) -> int:
        """The most bytes file ``name`` may claim in its header: ``max_sizes`` or ``cardkit.lds.files``."""
        return self._max_sizes.get(name, by_name(name).max_size)

    def _read_binary(self, offset: int, n: int, what: str, sfi: int | None = None) -> bytes:
        """One READ BINARY of up to ``n`` bytes at ``offset`` (B0, B0 with SFI, or B1 past 32767)."""
        step = f"READ BINARY {what} offset {offset}"
        if offset > MAX_SHORT_OFFSET:
            return self._read_binary_odd(offset, n, what)
        if sfi is not None:
            p1, p2 = 0x80 | sfi, offset
        else:
            p1, p2 = offset >> 8, offset & 0xFF
        resp = self.transmit(CommandApdu(0x00, 0xB0, p1, p2, le=n), step=step)
        check_sw(resp, step, accept=(SW_OK, SW_END_OF_FILE))
        if len(resp.data) > n:
            raise ProtocolError(f"chip returned {len(resp.data)} bytes for Le {n}", step=step)
        return resp.data

    def _read_binary_odd(self, offset: int, want: int, what: str) -> bytes:
        # Odd INS: the data comes wrapped in DO53; Le covers the DO53 header and the data.
        step = f"READ BINARY (B1) {what} offset {offset}"
        le = want + _do53_overhead(want)
        off = offset.to_bytes(max(1, (offset.bit_length() + 7) // 8), "big")
        resp = self.transmit(CommandApdu(0x00, 0xB1, 0x00, 0x00, tlv.encode(0x54, off), le=le), step=step)
        check_sw(resp, step, accept=(SW_OK, SW_END_OF_FILE))
        try:
            do53 = tlv.decode(resp.data)
        except ParseError as e:
            raise ProtocolError(f"response is not a DO53 ({e})", step=step) from None
        if do53.tag != 0x53:
            raise ProtocolError(f"response tag {do53.tag:X}, expected 53", step=step)
        if do53.length > want:
            raise ProtocolError(f"chip returned {do53.length} bytes for {want} asked", step=step)
        return do53.value

    def read_file(self, name: str, sfi: bool = False) -> bytes:
        """Read a whole LDS file: SELECT (or short FID), 4-byte header, then blocks (Doc 9303-10 §3.6).

        With ``fast_reads`` the session's fast path is used instead (module header), whatever ``sfi``.

        Args:
            name: "EF.CardAccess", "EF.COM", "DG1".."DG16", "EF.SOD".
            sfi: read the first block with a short FID (P1 = 80|SFI), saving the SELECT.

        Raises:
            KeyError: unknown file name.
            StatusWordError: e.g. 6A82 (not on the chip) or 6982 (protected: report NOT_SUPPORTED).
            ParseError: a header that is malformed, of another file, or longer than the file can be.
            ProtocolError: a header the chip cannot back up, a short read, an oversized answer.
        """
        t0, apdus = time.perf_counter(), self.apdu_count
        data = self._read_whole(name, sfi)
        log.info("read %s: %d bytes, %d APDUs, %.1f ms", name, len(data), self.apdu_count - apdus,
                 (time.perf_counter() - t0) * 1000)
        return data

    def _read_whole(self, name: str, sfi: bool) -> bytes:
        f = by_name(name)
        if self.fast_reads:
            buf = self._first_block(f)
        elif sfi:
            buf = bytearray(self._read_binary(0, 4, name, sfi=f.sfi))
        else:
            self.select_file(f.fid, step=f"SELECT {name}")
            buf = bytearray(self._read_binary(0, 4, name))
        try:
            header = tlv.read_header(bytes(buf))
            if isinstance(header, tlv.Incomplete) and len(buf) == 4:
                # the 4 bytes asked came back and a long-form length (files over 64 KiB) goes on past them;
                # fewer bytes back mean the file itself ends inside its header
                buf += self._read_binary(4, max(4, header.needed), name)
                header = tlv.read_header(bytes(buf))
            if isinstance(header, tlv.Incomplete):
                raise ParseError("file header is truncated", what=name, offset=0)
            tag, start, length = header
        except ParseError as e:
            raise e.within(source=name) from None
        if f.tag is not None and tag != f.tag:
            raise ParseError(f"file starts with tag {tag:X}, expected {f.tag:X}", what=name, offset=0)
        total = start + length
        limit = self.max_size(name)
        if total > limit:
            raise ParseError(f"file claims {total} bytes, more than {name} can hold (limit {limit})", what=name, offset=0)
        del buf[total:]
        block = self.effective_block_size()
        # A chip may answer fewer bytes than asked (some cap their answers below Le), so short reads are
        # tolerated, but only so many: a hostile chip must not make us send one APDU per byte of a
        # header-claimed 1 MiB. Four times the expected number of blocks leaves room for honest quirks
        # (counted in short blocks, since a refused extended-length probe falls back to them).
        reads_left = 4 * (-(-(total - len(buf)) // max(1, min(block, 0xDF)))) + 16
        while len(buf) < total:
            if reads_left == 0:
                raise ProtocolError(f"chip answers too little per READ BINARY: {len(buf)} of {total} bytes "
                                    f"after the allowed number of reads", step=f"READ BINARY {name}")
            reads_left -= 1
            n = block if len(buf) <= MAX_SHORT_OFFSET else block_data_odd(block)
            chunk = self._read_block(len(buf), min(n, total - len(buf)), name)
            if chunk is None:  # extended length refused: short blocks from now on
                block = self.effective_block_size()
                continue
            if not chunk:
                raise ProtocolError(f"chip returned no data at offset {len(buf)} of {total}",
                                    step=f"READ BINARY {name}")
            buf += chunk
        return bytes(buf)

    def _read_block(self, offset: int, n: int, name: str, sfi: int | None = None) -> bytes | None:
        """One READ BINARY; None when it was an extended-length trial the chip refused (see ``extended_length``)."""
        try:
            chunk = self._read_binary(offset, n, name, sfi=sfi)
        except SecureMessagingError as e:
            if self._probing and n > 256:
                raise SecureMessagingError(
                    f"{e}; the chip ended secure messaging on an extended-length READ BINARY it was not known "
                    f"to take: read it again with extended_length=False") from None
            raise
        except StatusWordError as e:
            if not (self._probing and n > 256 and e.sw in _EXTENDED_REFUSED):
                raise
            self._probing, self._extended = False, False  # the trial failed: short APDUs from now on
            return None
        if n > 256:
            self._probing = False
        return chunk

    def _first_block(self, f: LdsFileId) -> bytearray:
        """The fast path's first READ BINARY: offset 0, a whole block, by short FID while the chip takes them."""
        selected = False
        while True:
            n = self.effective_block_size() if self._whole_first else 4
            sfi = f.sfi if self._sfi_ok and not selected else None
            if sfi is None and not selected:
                self.select_file(f.fid, step=f"SELECT {f.name}")
                selected = True
            try:
                chunk = self._read_block(0, n, f.name, sfi=sfi)
            except StatusWordError as e:
                if sfi is not None and (e.sw in _SFI_REFUSED or e.sw in _SFI_UNPROVEN and not self._sfi_works):
                    # SELECT settles it: 6A82 again means the file is absent (and short FIDs may still work)
                    self.select_file(f.fid, step=f"SELECT {f.name}")
                    self._sfi_ok, selected = False, True
                    continue
                if e.sw == 0x6700 and n > 4 and n <= 256:
                    self._whole_first = False  # the chip wants Le within the file: read the header first
                    continue
                raise
            if chunk is not None:
                self._sfi_works = self._sfi_works or sfi is not None
                return bytearray(chunk)

def _do53_overhead(n: int) -> int:
    """Bytes DO53's tag and length add around ``n`` data bytes."""
    return 1 + len(tlv.encode_length(n))


def block_data_odd(block: int) -> int:
    """Data bytes one odd-INS READ BINARY returns when the whole DO53 must fit in ``block``."""
    n = block - _do53_overhead(block)
    while n + _do53_overhead(n) < block:
        n += 1
    while n + _do53_overhead(n) > block:
        n -= 1
    return max(1, n)


def _dg14(dg14: bytes | Dg14) -> Dg14:
    return Dg14.from_bytes(bytes(dg14)) if isinstance(dg14, (bytes, bytearray)) else dg14
