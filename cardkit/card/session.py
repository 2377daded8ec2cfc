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
- Reading files (``read_file``) is ``cardkit.card._reading``'s: SELECT or short FID, the header, the
  largest blocks the chip and secure messaging allow, the fast path's fallbacks and the bounds.
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
import logging
import os
import time
from collections.abc import Iterable, Sequence
from typing import Callable, Protocol, TypeVar

from ..algorithms import KeyAgreement, Mapping, choose_pace_info
from ..crypto.aa import ActiveAuthentication
from ..crypto.bac import Bac
from ..crypto.ca import ChipAuthentication
from ..crypto.cvc import CvCertificate
from ..crypto.pace import Pace, PaceResult, Password
from ..crypto.sm import SecureMessaging
from ..crypto.ta import TaSigner, id_picc_from_mrz_information
from ..errors import AuthenticationError, ParseError, ProtocolError, SecureMessagingError, TransportError
from ..lds.card_access import CardAccess
from ..lds.card_security import CardSecurity
from ..lds.dg14 import Dg14
from ..lds.dg15 import Dg15
from ..lds.ef_cvca import EfCvca
from ..lds.files import MRTD_AID
from ..lds.security_infos import PaceInfo
from . import _terminal_auth
from ._terminal_auth import TerminalAuthenticationResult
from .access_key import AccessKey
from .apdu import SW_OK, CommandApdu, ResponseApdu, check_sw, sw_meaning
from ._reading import MAX_FILE_SIZE, FileReader
from .trace import ApduTrace, exchange_text
from .transport import Transport, check_response_bytes
from ._select import pick_ca_keys

__all__ = ["Session", "MAX_FILE_SIZE", "TerminalAuthenticationResult"]

log = logging.getLogger(__name__)

# Data bytes per part of a chained command: wrapped by SM (DO87 of 224 padded bytes, DO8E) it stays
# within a short APDU's 255 bytes, with 3DES and with AES.
_CHAIN_PART = 223

# Unprotected answers under SM that mean the chip never unwrapped the command (wrong length,
# SM not supported, SM data objects missing / incorrect): its SSC did not move with ours, and
# Doc 9303-11 §9.8 has it drop the session keys, so the session is over.
_SM_REFUSED = (0x6700, 0x6882, 0x6987, 0x6988)
# Status words by which a chip refuses a key, password or cryptogram (Doc 9303-11 §4.3, §4.4).
_AUTH_REFUSED = {0x6982, 0x6984, 0x6A80, 0x6688}
_AUTH_INS = (0x82, 0x86)  # EXTERNAL / GENERAL AUTHENTICATE: the commands that carry a proof of the key


def _refuses_authentication(cmd: CommandApdu, sw: int) -> bool:
    """True when ``sw`` means "wrong password or key" rather than a protocol or parameter problem."""
    if sw == 0x6300 or sw & 0xFFF0 == 0x63C0 or sw == 0x6983:  # verification failed / blocked
        return True
    return cmd.ins in _AUTH_INS and sw in _AUTH_REFUSED


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
        self.transport = transport
        self.rng = rng
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
        self._sm_ended = False
        self._sensitive = False  # while an access-control exchange runs (trace redaction)
        self._reader = FileReader(self, lambda: getattr(transport, "atr", None), block_size,
                                  extended_length=extended_length, fast_reads=fast_reads, max_sizes=max_sizes)

    # --- the link ----------------------------------------------------------------

    @property
    def extended_length(self) -> bool:
        """Whether extended-length APDUs are used for blocks above 256 bytes."""
        return self._reader.extended_length

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
        return EfCvca.from_bytes(self._reader.read_binary(0, 256, "EF.CVCA"))

    def transmit_long(self, cmd: CommandApdu, *, step: str | None = None) -> ResponseApdu:
        """Send a command whose data may not fit a short APDU (a CV certificate in PSO:Verify Certificate).

        Extended length when it was asked for or the ATR says the chip takes it; ISO/IEC 7816-4 command
        chaining (CLA bit 10 on every part but the last) otherwise. A part answered other than 9000 ends
        the chain and is returned.
        """
        if self._reader.extended_allowed() or len(cmd.data) <= _CHAIN_PART:
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
        self._reader.select_file(fid, step)

    def effective_block_size(self) -> int:
        """The READ BINARY block actually used, after the short-length / SM caps.

        With ``fast_reads`` and no ``block_size`` asked: the largest the chip allows (extended when its
        ATR advertises it).
        """
        return self._reader.effective_block_size()

    def max_size(self, name: str) -> int:
        """The most bytes file ``name`` may claim in its header: ``max_sizes`` or ``cardkit.lds.files``."""
        return self._reader.max_size(name)

    def read_file(self, name: str, sfi: bool = False) -> bytes:
        """Read a whole LDS file (``cardkit.card._reading`` says how: SELECT or short FID, header, blocks).

        Args:
            name: "EF.CardAccess", "EF.COM", "DG1".."DG16", "EF.SOD".
            sfi: read the first block with a short FID (P1 = 80|SFI), saving the SELECT; with
                ``fast_reads`` the fast path is used whatever ``sfi`` says.

        Raises:
            KeyError: unknown file name.
            StatusWordError: e.g. 6A82 (not on the chip) or 6982 (protected: report NOT_SUPPORTED).
            ParseError: a header that is malformed, of another file, or longer than the file can be.
            ProtocolError: a header the chip cannot back up, a short read, an oversized answer.
        """
        return self._reader.read_file(name, sfi)


def _dg14(dg14: bytes | Dg14) -> Dg14:
    return Dg14.from_bytes(bytes(dg14)) if isinstance(dg14, (bytes, bytearray)) else dg14
