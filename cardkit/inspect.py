"""The verification terminal: read a chip and judge it (Doc 9303-11 §4-§7, Doc 9303-12).

Flow on a card (``inspect``), each step a ``Check`` in the report:

1. ``card_access``: read EF.CardAccess by FID without selecting the MF (Vietnamese cards answer
   6D00 to SELECT MF); its PACEInfos choose PACE.
2. ``access_control``: PACE with the PACEInfo ``cardkit.algorithms.choose_pace_info`` picks (the
   one policy, shared with ``Session.pace``: Chip Authentication Mapping first, as it proves the chip
   in the same run); after PACE-CAM, EF.CardSecurity is read (in the MF, before the application is
   selected) and CAM is checked against its CA public key; falling back to BAC when PACE is absent or
   fails and the MRZ data was given, saying why. A CAN cannot open BAC: no PACE + CAN stops here.
3. ``read:<file>``: EF.COM, EF.SOD, then every data group listed in EF.COM *or* hashed in EF.SOD
   (the union: a DG15 hidden from EF.COM must not switch off Active Authentication). An
   EAC-protected group (6982/6985) is NOT_SUPPORTED with its status word, not an error.
4. ``passive_authentication`` (+ PA's own sub-checks), ``com_sod_consistency``, ``dg1_matches_input``.
5. ``active_authentication`` when DG15 is present, then ``chip_authentication`` when DG14 offers it.
   AA first because a failed CA leaves the secure channel unusable, and a clone should be caught
   by both. Each counts as proof only when its key's data group passed PA (DG15 / DG14).
   ``chip_authentication_mapping`` (after PACE-CAM) counts only when EF.CardSecurity passed PA
   (``card_security_authentication``: its signature and chain, like EF.SOD's).

Verdict (see cardkit.report for exit codes): INCOMPLETE when the read stopped for a card or
reader reason (wrong key, card removed, reader gone) — never genuine; NOT_GENUINE when any check
FAILED (a secure-messaging error after the channel was open counts: the chip broke the channel);
GENUINE when PA passed and CA or AA proved the key where offered; otherwise
DATA_AUTHENTIC_CHIP_NOT_PROVEN.

No secret leaves this module: the CAN and MRZ_information are used for the key only; the report
says "CAN" or "MRZ" and compares DG1 with what was shown in constant time.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any, Callable

from . import _inspect_decode as dec
from ._inspect_offline import OfflineChecks, Stop as _Stop, why as _why
from .algorithms import Cipher, Mapping, choose_pace_info
from .card import Session
from .checks import Status
from .crypto.pace import Password
from .dump import read_dump, write_dump
from .errors import (
    AuthenticationError,
    InputError,
    ParseError,
    ProtocolError,
    SecureMessagingError,
    StatusWordError,
    TransportError,
    UnsupportedAlgorithmError,
)
from .lds import PaceInfo
from .report import AccessInfo, InspectionReport, Verdict

__all__ = ["inspect", "inspect_dump", "InspectionReport", "Verdict", "PROTECTED_SW"]

# Status words meaning "you may not read this" (EAC-protected DG3/DG4): reported, not failed.
PROTECTED_SW = frozenset({0x6982, 0x6985, 0x6986})
_ABSENT_SW = frozenset({0x6A82, 0x6A88})
# Doc 9303-11 lets only the biometric groups DG3 and DG4 sit behind Extended Access Control. A chip that
# refuses any other listed group after BAC/PACE hides data the issuer signed, so that refusal FAILS.
EAC_PROTECTED_DGS = frozenset({3, 4})


class _Inspector(OfflineChecks):
    """One inspection of a chip: the card steps; the session is only touched from here."""

    # -- 1. EF.CardAccess ---------------------------------------------------------
    def read_card_access(self) -> list[PaceInfo]:
        try:
            data = self.session.read_file("EF.CardAccess")
        except StatusWordError as e:
            self.s.add("card_access", Status.NOT_SUPPORTED, f"no EF.CardAccess ({e.sw:04X}): the chip offers no PACE",
                       sw=f"{e.sw:04X}")
            return []
        except TransportError as e:
            self.s.add("card_access", Status.FAILED, _why(e))
            raise _Stop("card_access", "incomplete", e) from None
        except (ProtocolError, ParseError) as e:
            # A malformed answer before any channel: with the MRZ data BAC may still open the chip;
            # with a CAN there is nothing else to try.
            self.s.add("card_access", Status.FAILED, f"EF.CardAccess unreadable: {_why(e)}")
            if self._mrz_information is None:
                raise _Stop("card_access", "incomplete", e if isinstance(e, ProtocolError) else ProtocolError(str(e))) from None
            return []
        self.s.files["EF.CardAccess"] = data
        try:
            infos = dec.parse_card_access(data)
        except ParseError as e:
            self.s.add("card_access", Status.FAILED, f"EF.CardAccess does not decode: {e}")
            if self._mrz_information is None:
                raise _Stop("card_access", "incomplete", ProtocolError(f"EF.CardAccess does not decode: {e}")) from None
            return []
        pace = list(infos.pace_infos)
        names = ", ".join(dec.pace_name(p) for p in pace) or "no PACEInfo"
        self.s.add("card_access", Status.PASSED, f"{len(data)} bytes; {names}", size=len(data))
        return pace

    # -- 2. access control --------------------------------------------------------
    def access_control(self, pace_infos: list[PaceInfo]) -> None:
        unsupported = [dec.pace_name(i) for i in pace_infos if i.algorithm is None]
        try:
            best: PaceInfo | None = choose_pace_info(pace_infos)
        except UnsupportedAlgorithmError:
            best = None
        pw_kind = "CAN" if self._can is not None else "MRZ"
        pace_error: str = ""
        if best is not None:
            password = Password.can(self._can) if self._can is not None else Password.mrz(self._mrz_information)
            try:
                self.session.pace(password, pace_info=best)
            except TransportError as e:
                self.s.add("access_control", Status.FAILED, f"PACE: {_why(e)}", step=getattr(e, "step", None))
                raise _Stop("access_control", "incomplete", e) from None
            except (ProtocolError, ParseError) as e:
                pace_error = f"PACE failed: {_why(e)}"
                if self._mrz_information is None:
                    hint = " (wrong CAN?)" if self._can is not None and isinstance(e, AuthenticationError) else ""
                    self.s.access = AccessInfo(None, dec.pace_name(best), best.parameter_id, pw_kind)
                    self.s.add("access_control", Status.FAILED, pace_error + hint, step=getattr(e, "step", None))
                    raise _Stop("access_control", "incomplete", e) from None
            else:
                self.s.access = AccessInfo("PACE", dec.pace_name(best), best.parameter_id, pw_kind)
                self.s.algorithms["access"] = "PACE"
                self.s.algorithms["pace"] = dec.pace_name(best)
                self.s.add("access_control", Status.PASSED, f"PACE with the {pw_kind} ({dec.pace_name(best)})")
                self._note_sm_cipher()
                result = self.session.pace_result
                if result is not None and result.algorithm.mapping is Mapping.CAM:
                    self.read_card_security()
                self.select_application()
                return
        elif pace_infos:
            pace_error = "no PACEInfo this terminal supports: " + ", ".join(unsupported)
        else:
            pace_error = "the chip offers no PACE (no EF.CardAccess PACEInfo)"

        if self._mrz_information is None:
            e = InputError("BAC needs the MRZ data (document number, dates of birth and expiry); a CAN was given")
            self.s.add("access_control", Status.FAILED, f"{pace_error}; {e}")
            raise _Stop("access_control", "incomplete", e)
        fell_back = best is not None or bool(pace_infos)
        try:
            self.session.select_application()
            self.session.bac(self._mrz_information)
        except TransportError as e:
            self.s.add("access_control", Status.FAILED, f"BAC: {_why(e)}")
            raise _Stop("access_control", "incomplete", e) from None
        except (ProtocolError, ParseError) as e:
            reason = f"BAC failed: {_why(e)}" + (" (wrong MRZ data?)" if isinstance(e, AuthenticationError) else "")
            if pace_error:
                reason = f"{pace_error}; {reason}"
            self.s.access = AccessInfo(None, "BAC", None, "MRZ", fell_back, pace_error if fell_back else "")
            self.s.add("access_control", Status.FAILED, reason, step=getattr(e, "step", None))
            raise _Stop("access_control", "incomplete", e) from None
        self.s.access = AccessInfo("BAC", Cipher.TDES.value, None, "MRZ", fell_back, pace_error if fell_back else "")
        self.s.algorithms["access"] = "BAC"
        reason = "BAC with the MRZ data" + (f"; fell back from PACE: {pace_error}" if fell_back else f"; {pace_error}")
        self.s.add("access_control", Status.PASSED, reason)
        self._note_sm_cipher()

    def read_card_security(self) -> None:
        """After PACE-CAM: read EF.CardSecurity (MF, before SELECT application) and check CA_IC against its key."""
        self.cam_used = True
        try:
            data = self.session.read_card_security()
        except TransportError as e:
            self.s.add("chip_authentication_mapping", Status.FAILED, f"EF.CardSecurity: {_why(e)}")
            raise _Stop("chip_authentication_mapping", "incomplete", e) from None
        except SecureMessagingError as e:
            self.s.add("secure_messaging", Status.FAILED, f"the chip broke secure messaging: {_why(e)}")
            raise _Stop("secure_messaging", "broken", e) from None
        except (ProtocolError, ParseError) as e:
            self.cam_outcome = (None, None, f"PACE-CAM ran but EF.CardSecurity cannot be read: {_why(e)}")
            return
        try:
            ok = self.session.verify_cam(data)
        except (ProtocolError, ParseError) as e:
            self.cam_outcome = (data, None, f"CAM cannot be checked with EF.CardSecurity: {_why(e)}")
            return
        self.cam_outcome = (data, ok, "")

    def select_application(self) -> None:
        """SELECT the eMRTD application under the new channel: its MACed answer is the first proof the channel works."""
        try:
            self.session.select_application()
        except TransportError as e:
            self.s.add("select_application", Status.FAILED, _why(e))
            raise _Stop("select_application", "incomplete", e) from None
        except SecureMessagingError as e:
            self.s.add("secure_messaging", Status.FAILED, f"the chip broke secure messaging: {_why(e)}")
            raise _Stop("secure_messaging", "broken", e) from None
        except (ProtocolError, ParseError) as e:
            self.s.add("select_application", Status.FAILED, f"no eMRTD application: {_why(e)}")
            raise _Stop("select_application", "incomplete", e) from None

    def _note_sm_cipher(self) -> None:
        sm = self.session.secure_messaging
        if sm is not None:
            self.s.algorithms["sm_cipher"] = sm.cipher.value

    # -- 3. reading ----------------------------------------------------------------
    def read(self, name: str, *, required: bool = False) -> bytes | None:
        """Read one file into the report; None when it cannot be read (check says why)."""
        check = f"read:{name}"
        t0 = time.perf_counter()
        try:
            data = self.session.read_file(name, sfi=self.sfi)
        except StatusWordError as e:
            sw = f"{e.sw:04X}"
            if e.sw in PROTECTED_SW and not required:
                self.s.add(check, Status.NOT_SUPPORTED, f"access denied ({sw}): protected by EAC/Terminal Authentication", sw=sw)
            elif e.sw in _ABSENT_SW and not required:
                self.s.add(check, Status.FAILED, f"listed but not on the chip ({sw})", sw=sw)
            else:
                self.s.add(check, Status.FAILED, f"chip answered {sw} ({e})", sw=sw)
            return None
        except TransportError as e:
            self.s.add(check, Status.FAILED, _why(e))
            raise _Stop(check, "incomplete", e) from None
        except SecureMessagingError as e:
            self.s.add(check, Status.FAILED, f"secure messaging broken by the chip: {_why(e)}")
            raise _Stop(check, "broken", e) from None
        except (ProtocolError, ParseError) as e:
            self.s.add(check, Status.FAILED, f"malformed answer: {_why(e)}")
            raise _Stop(check, "broken", e) from None
        ms = (time.perf_counter() - t0) * 1000
        self.s.files[name] = data
        self.s.add(check, Status.PASSED, f"{len(data)} bytes", size=len(data), ms=round(ms, 1))
        return data

    def read_all(self) -> None:
        com = self.read("EF.COM", required=True)
        sod = self.read("EF.SOD", required=True)
        listed: set[int] = set()
        if com is not None:
            c = self.decode("EF.COM", com)
            listed |= set(getattr(c, "data_groups", ()) or ())
        if sod is not None:
            s = self.decode("EF.SOD", sod)
            listed |= set(getattr(s, "dg_hashes", {}) or {})
        for n in sorted(x for x in listed if 1 <= x <= 16):
            self.read(f"DG{n}", required=n not in EAC_PROTECTED_DGS)


    # -- 5. chip proofs -------------------------------------------------------------
    def active_authentication(self) -> None:
        dg15 = self.parsed.get("DG15")
        if "DG15" not in self.s.files:
            self.s.add("active_authentication", Status.NOT_SUPPORTED, "no DG15: the chip offers no Active Authentication")
            return
        if dg15 is None:
            self.s.add("active_authentication", Status.FAILED, "DG15 does not decode")
            return
        self.s.algorithms["aa"] = dec.aa_name(dg15, self.parsed.get("DG14"))
        signed = self._dg_signed(15)
        try:
            ok = self.session.active_authentication(dg15, self.parsed.get("DG14"))
        except TransportError as e:
            self.s.add("active_authentication", Status.FAILED, _why(e))
            raise _Stop("active_authentication", "incomplete", e) from None
        except (ProtocolError, ParseError) as e:
            self.s.add("active_authentication", Status.FAILED, f"chip did not answer AA properly: {_why(e)}",
                       step=getattr(e, "step", None))
            if isinstance(e, SecureMessagingError):
                raise _Stop("active_authentication", "broken", e) from None
            return
        if ok:
            why = "the chip signed the challenge with the DG15 key"
            self.s.add("active_authentication", Status.PASSED, why + ("" if signed else "; but DG15 is not signed: no proof"),
                       dg15_signed=signed, proof=signed)
        else:
            self.s.add("active_authentication", Status.FAILED,
                       "signature over the challenge does not verify with the DG15 key (cloned chip?)", dg15_signed=signed)

    def chip_authentication(self) -> None:
        dg14 = self.parsed.get("DG14")
        if "DG14" not in self.s.files:
            self.s.add("chip_authentication", Status.NOT_SUPPORTED, "no DG14: the chip offers no Chip Authentication")
            return
        if dg14 is None or not getattr(dg14, "ca_public_keys", ()):
            why = "DG14 does not decode" if dg14 is None else "DG14 offers no Chip Authentication key"
            self.s.add("chip_authentication", Status.FAILED if dg14 is None else Status.NOT_SUPPORTED, why)
            return
        self.s.algorithms["ca"] = dec.ca_name(dg14)
        signed = self._dg_signed(14)
        try:
            self.session.chip_authentication(dg14)
            # Doc 9303-11 §6.2: CA succeeded only if the chip answers the next SM command under the
            # new keys; a SELECT of EF.COM is the cheapest such command (one APDU, a MACed status).
            self.session.select_file(0x011E, step="CA check (SELECT EF.COM)")
        except TransportError as e:
            self.s.add("chip_authentication", Status.FAILED, _why(e))
            raise _Stop("chip_authentication", "incomplete", e) from None
        except (ProtocolError, ParseError) as e:
            self.s.add("chip_authentication", Status.FAILED,
                       f"the chip did not prove the DG14 key (cloned chip?): {_why(e)}", step=getattr(e, "step", None))
            raise _Stop("chip_authentication", "broken", e) from None
        why = "the chip proved the DG14 key: secure messaging restarted with the CA keys"
        self.s.add("chip_authentication", Status.PASSED, why + ("" if signed else "; but DG14 is not signed: no proof"),
                   dg14_signed=signed, proof=signed)


def _check_secrets(can: str | None, mrz_information: str | None, id_number: str | None) -> tuple[str | None, str | None]:
    """Validate the holder's input (never echoing it) and derive the VN CAN from the ID number."""
    if id_number is not None:
        if len(id_number) != 12 or not id_number.isdigit() or not id_number.isascii():
            raise InputError("the ID number must be 12 digits")
        if can is None and mrz_information is None:
            can = id_number[-6:]  # spec/vn-cccd.md: CAN = last 6 digits of the 12-digit ID
    if can is not None and (not can.isdigit() or not can.isascii() or not 1 <= len(can) <= 10):
        raise InputError("the CAN must be digits (6 on most cards)")
    if mrz_information is not None and (len(mrz_information) < 24 or not mrz_information.isascii()):
        raise InputError("MRZ information must be document number + check digit + DOB + check digit + DOE + check digit")
    if can is None and mrz_information is None:
        raise InputError("give the CAN, the ID number, or the MRZ data (document number, date of birth, date of expiry)")
    return can, mrz_information


def inspect(
    transport: Any,
    *,
    can: str | None = None,
    mrz_information: str | None = None,
    id_number: str | None = None,
    trust: Any = None,
    rng: Callable[[int], bytes] = os.urandom,
    block_size: int | None = None,
    out_dir: str | Path | None = None,
    at: Any = None,
    trace: Any = None,
    prove_chip: bool = True,
    sfi: bool = False,
) -> InspectionReport:
    """Read and judge one chip (Doc 9303-11 §7 inspection procedure).

    Args:
        transport: anything with ``transmit(bytes) -> bytes`` (PcscTransport, SimulatorTransport ...).
        can / mrz_information / id_number: what the holder shows (VN: CAN = last 6 digits of the ID).
        trust: a ``TrustStore``; None skips Passive Authentication (verdict INCOMPLETE).
        rng: randomness for PACE/BAC/CA/AA.
        block_size: READ BINARY block size (default: the session's).
        out_dir: when given, the files read and ``report.json`` are written there as a dump.
        at: verification time for certificate validity (default now).
        trace: an ``ApduTrace`` the session records into.
        prove_chip: False skips CA and AA (``cardkit read`` only wants the files).
        sfi: read the application files with short FIDs (saves one SELECT per file; not every chip allows it).

    Returns:
        The InspectionReport; card problems are in it (verdict INCOMPLETE), not raised.

    Raises:
        InputError: the holder's input is malformed (never echoed).
    """
    can, mrz_information = _check_secrets(can, mrz_information, id_number)
    kwargs: dict[str, Any] = {"rng": rng, "trace": trace}
    if block_size is not None:
        kwargs["block_size"] = block_size
    t0 = time.perf_counter()
    ins = _Inspector(None, can=can, mrz_information=mrz_information, id_number=id_number, trust=trust, at=at)
    ins.sfi = sfi
    try:
        ins.session = Session(transport, **kwargs)
        with ins.phase("card_access"):
            pace_infos = ins.read_card_access()
        with ins.phase("access_control"):
            ins.access_control(pace_infos)
        with ins.phase("read"):
            ins.read_all()
    except _Stop as stop:
        ins.s.stop = stop
    except TransportError as e:  # e.g. the session could not even start
        ins.s.add("connect", Status.FAILED, _why(e))
        ins.s.stop = _Stop("connect", "incomplete", e)
    ins.check_files()
    steps = [("active_authentication", ins.active_authentication),
             ("chip_authentication", ins.chip_authentication)]
    if ins.cam_used:
        steps.insert(0, ("chip_authentication_mapping", ins.chip_authentication_mapping))
    for name, step in steps:
        if ins.s.stop is not None:
            ins.s.add(name, Status.SKIPPED, f"not run: stopped at {ins.s.stop.step}")
            continue
        if not prove_chip:
            ins.s.add(name, Status.SKIPPED, "not asked for")
            continue
        try:
            with ins.phase(name):
                step()
        except _Stop as stop:
            ins.s.stop = stop
    ins.s.timings["total"] = (time.perf_counter() - t0) * 1000
    report = ins.report(offline=False, source="card")
    if out_dir is not None:
        write_dump(out_dir, report.files, report.to_dict())
    return report


def inspect_dump(path: str | Path, trust: Any, *, mrz_information: str | None = None, at: Any = None) -> InspectionReport:
    """Judge a dump directory offline: PA and consistency; CA/AA SKIPPED (they need the chip).

    Raises:
        InputError / ParseError: the dump is missing or a file in it is malformed (names the file).
    """
    t0 = time.perf_counter()
    files = read_dump(path)
    ins = OfflineChecks(None, can=None, mrz_information=mrz_information, id_number=None, trust=trust, at=at)
    ins.s.files.update(files)
    ins.s.add("access_control", Status.SKIPPED, "offline dump: no chip")
    for name in files:
        ins.s.add(f"read:{name}", Status.PASSED, f"{len(files[name])} bytes (from the dump)", size=len(files[name]))
    ins.check_files()
    for name in ("active_authentication", "chip_authentication"):
        ins.s.add(name, Status.SKIPPED, "offline dump: the chip is not present to prove its key")
    ins.s.timings["total"] = (time.perf_counter() - t0) * 1000
    return ins.report(offline=True, source="dump")
