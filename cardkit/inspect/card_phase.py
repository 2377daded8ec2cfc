"""The card phase of an inspection: talk to the chip, record how each step ended, judge nothing.

Steps, in the order of Doc 9303-11 §7 (inspection procedure), each ending recorded in ``Evidence``:

1. EF.CardAccess, selected by FID without selecting the MF (Vietnamese cards answer 6D00 to
   SELECT MF); its PACEInfos choose PACE.
2. Access control: PACE with the PACEInfo ``cardkit.algorithms.choose_pace_info`` picks (the one
   policy, shared with ``Session.pace``: Chip Authentication Mapping first, as it proves the chip in
   the same run). After PACE-CAM, EF.CardSecurity is read (in the MF, before the application is
   selected) and CA_IC is checked against its CA key. When PACE is absent or fails and the key holds
   the MRZ information, BAC; a CAN cannot open BAC.
3. EF.COM, EF.SOD, then every data group listed in EF.COM *or* hashed in EF.SOD (the union: a DG15
   hidden from EF.COM must not switch off Active Authentication). DG3 and DG4 (fingerprints, iris) sit
   behind Terminal Authentication (Doc 9303-11 §7.1), which runs last (step 6) and only with the
   terminal's credentials: when EF.CardAccess or DG14 announces TA (a TerminalAuthenticationInfo), they
   are not asked for here, since the chip would refuse them (6982), and are recorded as
   ``ReadEnd.NEEDS_TA``; when only DG14 can tell, they are read after it. A chip that announces no TA is
   asked, as any other file.
4. Active Authentication, then Chip Authentication (AA first: a failed CA leaves the channel
   unusable, and a clone should be caught by both). Not run when ``prove_chip`` is False (CA still
   is when the terminal brought TA credentials: TA signs CA's key).
5. Only when the caller asks (``probe_eac``: the read-back after personalisation, never a verifying
   terminal), the probe of Extended Access Control (``_probe_eac``): the first EAC group listed (DG3,
   else DG4) asked for once more without Terminal Authentication, after the chip's proofs (so also under
   Chip Authentication's keys, where a chip checking "CA done" instead of "TA done" would give it away),
   which the chip must refuse (6982). A group step 3 asked already (the chip announces no TA) is not
   asked again: that read is the probe. Its answer is kept apart (``Evidence.eac_probe``), never a file.
6. With the terminal's credentials, Terminal Authentication (``_terminal_authentication``), then the
   EAC groups it opened are read, in the place of their first ``NEEDS_TA`` or refused read (Doc 9303-11
   §7.1). Last on purpose: every other file has been
   read and the chip's proofs made under the channel before TA, so a chain the chip refuses (and a
   chip that drops secure messaging on that refusal) costs nothing but DG3/DG4. A refusal, by the
   terminal's own check before anything is sent or by the chip, is evidence, never a stop.

Each step returns its outcome as a value and, when nothing more can be asked of the chip, a ``Stop``
with its typed reason; the driver stops there. No exception is used for control flow: every error of
the session is caught where it happens and classified (transport: the reader, the link, the card;
secure messaging broken; the chip's data; a refused key). The access key is used for PACE and BAC
only; nothing of it enters the evidence but its kind ("CAN" or "MRZ").
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from ..algorithms import Cipher, Mapping, choose_pace_info
from ..card import AccessKey, Session
from ..crypto.cvc_validation import CvRejected
from ..crypto.ta import TaRefusedError
from ..errors import (
    AuthenticationError,
    CardkitError,
    ParseError,
    ProtocolError,
    SecureMessagingError,
    StatusWordError,
    TransportError,
    UnsupportedAlgorithmError,
)
from ..lds import CardAccess, Com, Dg14, Dg15, PaceInfo, Sod
from ..pki.terminal import TerminalCredentials
from .evidence import (
    ABSENT_SW,
    EAC_GROUPS,
    PROTECTED_SW,
    AccessOutcome,
    BacEnd,
    CamOutcome,
    Evidence,
    FileRead,
    PaceEnd,
    ProofAttempt,
    ProofRun,
    ReadEnd,
    Source,
    Stop,
    StopReason,
    TaAttempt,
    TaRun,
)

__all__ = ["read_card", "read_file", "why"]

_R = TypeVar("_R")


def why(e: BaseException) -> str:
    """The message of ``e``, or its type name when it has none."""
    return str(e) or type(e).__name__


def _step(e: CardkitError) -> str | None:
    return e.step if isinstance(e, ProtocolError) else None


def _cipher(session: Session) -> Cipher | None:
    return session.secure_messaging.cipher if session.secure_messaging is not None else None


@dataclass
class _Gathering:
    """The evidence of one card phase while it is gathered; frozen into ``Evidence`` by ``evidence``."""

    session: Session
    prove_chip: bool
    terminal: TerminalCredentials | None = None
    ta_date: dt.date | None = None
    reads: list[FileRead] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    phase_apdus: dict[str, int] = field(default_factory=dict)
    access: AccessOutcome | None = None
    cam: CamOutcome | None = None
    active_authentication: ProofAttempt | None = None
    chip_authentication: ProofAttempt | None = None
    terminal_authentication: TaAttempt | None = None
    probe_eac: bool = False
    eac_probe: FileRead | None = None

    def timed(self, phase: str, run: Callable[[], _R]) -> _R:
        """Run one phase, adding its time and APDU count to the phase's totals."""
        t0, n0 = time.perf_counter(), self.session.apdu_count
        try:
            return run()
        finally:
            self.timings[phase] = self.timings.get(phase, 0.0) + (time.perf_counter() - t0) * 1000
            self.phase_apdus[phase] = self.phase_apdus.get(phase, 0) + self.session.apdu_count - n0

    def evidence(self, stop: Stop | None) -> Evidence:
        return Evidence(source=Source.CARD, reads=tuple(self.reads), access=self.access, cam=self.cam,
                        active_authentication=self.active_authentication,
                        chip_authentication=self.chip_authentication,
                        terminal_authentication=self.terminal_authentication, stop=stop, prove_chip=self.prove_chip,
                        apdu_count=self.session.apdu_count, timings=dict(self.timings),
                        phase_apdus=dict(self.phase_apdus), eac_probe=self.eac_probe)


# --- reading ------------------------------------------------------------------------------------------


def read_file(session: Session, name: str, *, sfi: bool = False) -> FileRead:
    """Read one file; how the read ended is the value returned, never an exception."""
    t0 = time.perf_counter()
    try:
        data = session.read_file(name, sfi=sfi)
    except StatusWordError as e:
        end = ReadEnd.PROTECTED if e.sw in PROTECTED_SW else ReadEnd.ABSENT if e.sw in ABSENT_SW else ReadEnd.REFUSED
        return FileRead(name, end, sw=e.sw, detail=why(e))
    except TransportError as e:
        return FileRead(name, ReadEnd.TRANSPORT, detail=why(e))
    except SecureMessagingError as e:
        return FileRead(name, ReadEnd.CHANNEL_BROKEN, detail=why(e))
    except (ProtocolError, ParseError) as e:
        return FileRead(name, ReadEnd.MALFORMED, detail=why(e))
    return FileRead(name, ReadEnd.OK, data, ms=round((time.perf_counter() - t0) * 1000, 1))


def _read_stop(read: FileRead) -> Stop | None:
    """A read after which nothing more can be asked: the link went, or the chip broke the channel or the file."""
    reason = {ReadEnd.TRANSPORT: StopReason.LINK, ReadEnd.CHANNEL_BROKEN: StopReason.CHANNEL_BROKEN,
              ReadEnd.MALFORMED: StopReason.MALFORMED}.get(read.end)
    return Stop(f"read:{read.name}", reason, read.detail) if reason is not None else None


def _listed(reads: list[FileRead]) -> list[int]:
    """The data groups EF.COM lists or EF.SOD hashes (the union), 1..16 in order."""
    listed: set[int] = set()
    for r in reads:
        if r.end is not ReadEnd.OK:
            continue
        try:
            if r.name == "EF.COM":
                listed |= set(Com.from_bytes(r.data).data_groups)
            elif r.name == "EF.SOD":
                listed |= set(Sod.from_bytes(r.data).dg_hashes)
        except ParseError:
            continue  # the judge reports the file that does not decode
    return sorted(n for n in listed if 1 <= n <= 16)


def _needs_ta(name: str) -> FileRead:
    return FileRead(name, ReadEnd.NEEDS_TA, detail="the chip announces Terminal Authentication, which this "
                                                   "terminal does not run")


def _read_all(g: _Gathering, sfi: bool, ta_announced: bool) -> Stop | None:
    for name in ("EF.COM", "EF.SOD"):
        read = read_file(g.session, name, sfi=sfi)
        g.reads.append(read)
        if (stop := _read_stop(read)) is not None:
            return stop
    groups = [f"DG{n}" for n in _listed(g.reads)]
    # DG3/DG4 wait for DG14 when only DG14 can say whether they need Terminal Authentication
    later = [n for n in groups if n in EAC_GROUPS] if not ta_announced and "DG14" in groups else []
    for name in [n for n in groups if n not in later] + later:
        if name in EAC_GROUPS and (ta_announced or name in later and _dg14_announces_ta(g.reads)):
            read = _needs_ta(name)
        else:
            read = read_file(g.session, name, sfi=sfi)
        _insert_in_file_order(g.reads, read)
        if (stop := _read_stop(read)) is not None:
            return stop
    return None


def _dg14_announces_ta(reads: list[FileRead]) -> bool:
    """True when DG14 was read and holds a TerminalAuthenticationInfo (False when it does not decode)."""
    dg14 = next((r for r in reads if r.name == "DG14" and r.end is ReadEnd.OK), None)
    try:
        return dg14 is not None and bool(Dg14.from_bytes(dg14.data).ta_infos)
    except ParseError:
        return False


def _insert_in_file_order(reads: list[FileRead], read: FileRead) -> None:
    """Append a data group's read, or put it before the first read of a higher data group (a deferred DG3/DG4)."""
    n = int(read.name[2:])
    at = next((i for i, r in enumerate(reads) if r.name.startswith("DG") and int(r.name[2:]) > n), len(reads))
    reads.insert(at, read)


# --- 1. EF.CardAccess -----------------------------------------------------------------------------------


def _card_access(g: _Gathering, key: AccessKey) -> tuple[CardAccess | None, Stop | None]:
    """EF.CardAccess decoded; one that is malformed stops the inspection only when BAC cannot follow."""
    read = read_file(g.session, "EF.CardAccess")
    g.reads.append(read)
    if read.end is ReadEnd.TRANSPORT:
        return None, Stop("card_access", StopReason.LINK, read.detail)
    if read.end in (ReadEnd.MALFORMED, ReadEnd.CHANNEL_BROKEN):
        return None, None if key.has_mrz_information else Stop("card_access", StopReason.CARD_DATA, read.detail)
    if read.end is not ReadEnd.OK:
        return None, None  # no EF.CardAccess: the chip offers no PACE
    try:
        return CardAccess.from_bytes(read.data), None
    except ParseError as e:
        stop = Stop("card_access", StopReason.CARD_DATA, f"EF.CardAccess does not decode: {e}")
        return None, None if key.has_mrz_information else stop


# --- 2. access control ------------------------------------------------------------------------------------


def _choose(infos: tuple[PaceInfo, ...]) -> tuple[PaceInfo | None, PaceEnd, str]:
    """The PACEInfo to run, or why there is none (NOT_OFFERED, or UNSUPPORTED with the names offered)."""
    try:
        return choose_pace_info(infos), PaceEnd.OPENED, ""
    except UnsupportedAlgorithmError:
        if not infos:
            return None, PaceEnd.NOT_OFFERED, ""
        return None, PaceEnd.UNSUPPORTED, ", ".join(i.name for i in infos if i.algorithm is None)


def _open_channel(session: Session, key: AccessKey, infos: tuple[PaceInfo, ...]) -> tuple[AccessOutcome, Stop | None]:
    """PACE with the chosen PACEInfo, else BAC when the key allows it (Doc 9303-11 §4.2)."""
    kind = key.password_kind
    best, pace_end, pace_detail = _choose(infos)
    outcome = AccessOutcome(kind, pace_end, best, pace_detail)
    if best is not None:
        try:
            session.pace(key, pace_info=best)
        except TransportError as e:
            return (dataclasses.replace(outcome, pace=PaceEnd.TRANSPORT, pace_detail=why(e), pace_step=_step(e)),
                    Stop("access_control", StopReason.LINK, why(e)))
        except (ProtocolError, ParseError) as e:
            end = PaceEnd.REFUSED if isinstance(e, AuthenticationError) else PaceEnd.FAILED
            outcome = dataclasses.replace(outcome, pace=end, pace_detail=why(e), pace_step=_step(e))
            if not key.has_mrz_information:
                # a refused CAN, or the chip's PACE data unusable (an unknown parameterId ...): card side, exit 3
                return outcome, Stop("access_control", StopReason.ACCESS_FAILED, why(e))
        else:
            return dataclasses.replace(outcome, sm_cipher=_cipher(session)), None
    if not key.has_mrz_information:
        detail = "BAC needs the MRZ data (document number, dates of birth and expiry); a CAN was given"
        # No PACE at all and only a CAN: the operator's key cannot open this chip (usage, exit 2). PACE
        # offered in variants this terminal does not run: the card's side (exit 3), never a usage error.
        reason = StopReason.NEEDS_MRZ if pace_end is PaceEnd.NOT_OFFERED else StopReason.ACCESS_FAILED
        return dataclasses.replace(outcome, bac=BacEnd.NO_MRZ), Stop("access_control", reason, detail)
    try:
        session.select_application()
        session.bac(key)
    except TransportError as e:
        return (dataclasses.replace(outcome, bac=BacEnd.TRANSPORT, bac_detail=why(e)),
                Stop("access_control", StopReason.LINK, why(e)))
    except (ProtocolError, ParseError) as e:
        bac_end = BacEnd.REFUSED if isinstance(e, AuthenticationError) else BacEnd.FAILED
        return (dataclasses.replace(outcome, bac=bac_end, bac_detail=why(e), bac_step=_step(e)),
                Stop("access_control", StopReason.ACCESS_FAILED, why(e)))
    return dataclasses.replace(outcome, bac=BacEnd.OPENED, sm_cipher=_cipher(session)), None


def _card_security(session: Session) -> tuple[CamOutcome, Stop | None]:
    """After PACE-CAM: EF.CardSecurity (MF, before SELECT application), then CA_IC against its key (§4.4.3.5.2)."""
    read = read_file(session, "EF.CardSecurity")
    if read.end is ReadEnd.TRANSPORT:
        return CamOutcome(read), Stop("chip_authentication_mapping", StopReason.LINK, read.detail)
    if read.end is ReadEnd.CHANNEL_BROKEN:
        return CamOutcome(read), Stop("secure_messaging", StopReason.CHANNEL_BROKEN, read.detail)
    if read.end is not ReadEnd.OK:
        return CamOutcome(read), None
    try:
        return CamOutcome(read, session.verify_cam(read.data)), None
    except (ProtocolError, ParseError) as e:
        return CamOutcome(read, None, why(e)), None


def _select_application(session: Session) -> Stop | None:
    """SELECT the eMRTD application under the new channel: its MACed answer is the first proof the channel works."""
    try:
        session.select_application()
    except TransportError as e:
        return Stop("select_application", StopReason.LINK, why(e))
    except SecureMessagingError as e:
        return Stop("secure_messaging", StopReason.CHANNEL_BROKEN, why(e))
    except (ProtocolError, ParseError) as e:
        return Stop("select_application", StopReason.NO_APPLICATION, why(e))
    return None


def _access_control(g: _Gathering, key: AccessKey, infos: tuple[PaceInfo, ...]) -> Stop | None:
    g.access, stop = _open_channel(g.session, key, infos)
    if stop is not None or g.access.pace is not PaceEnd.OPENED:
        return stop  # BAC selected the application itself
    result = g.session.pace_result
    if result is not None and result.algorithm.mapping is Mapping.CAM:
        g.cam, stop = _card_security(g.session)
        if stop is not None:
            return stop
    return _select_application(g.session)


# --- 4. the chip's proofs ---------------------------------------------------------------------------------


def _dg14(files: dict[str, bytes]) -> Dg14 | None:
    try:
        return Dg14.from_bytes(files["DG14"]) if "DG14" in files else None
    except ParseError:
        return None


def _active_authentication(session: Session, files: dict[str, bytes]) -> tuple[ProofAttempt, Stop | None]:
    """Active Authentication with DG15's key (Doc 9303-11 §6.1); DG14 names the ECDSA hash."""
    try:
        dg15 = Dg15.from_bytes(files["DG15"]) if "DG15" in files else None
    except ParseError:
        dg15 = None
    if dg15 is None:
        return ProofAttempt(ProofRun.NOT_OFFERED), None
    try:
        ok = session.active_authentication(dg15, _dg14(files))
    except TransportError as e:
        return ProofAttempt(ProofRun.TRANSPORT, why(e)), Stop("active_authentication", StopReason.LINK, why(e))
    except SecureMessagingError as e:
        return (ProofAttempt(ProofRun.CHANNEL_BROKEN, why(e), _step(e)),
                Stop("active_authentication", StopReason.CHANNEL_BROKEN, why(e)))
    except (ProtocolError, ParseError) as e:
        return ProofAttempt(ProofRun.ERROR, why(e), _step(e)), None
    return ProofAttempt(ProofRun.VERIFIED if ok else ProofRun.REJECTED), None


def _chip_authentication(session: Session, files: dict[str, bytes]) -> tuple[ProofAttempt, Stop | None]:
    """Chip Authentication with DG14's key (Doc 9303-11 §6.2), proved by the next SM command under the new keys."""
    dg14 = _dg14(files)
    if dg14 is None or not dg14.ca_public_keys:
        return ProofAttempt(ProofRun.NOT_OFFERED), None
    try:
        session.chip_authentication(dg14)
        # CA succeeded only if the chip answers the next SM command under the new keys; a SELECT of
        # EF.COM is the cheapest such command (one APDU, a MACed status).
        session.select_file(0x011E, step="CA check (SELECT EF.COM)")
    except TransportError as e:
        return ProofAttempt(ProofRun.TRANSPORT, why(e)), Stop("chip_authentication", StopReason.LINK, why(e))
    except (ProtocolError, ParseError) as e:
        return (ProofAttempt(ProofRun.ERROR, why(e), _step(e)),
                Stop("chip_authentication", StopReason.PROOF_FAILED, why(e)))
    return ProofAttempt(ProofRun.VERIFIED), None


# --- 5. the probe of Extended Access Control (the read-back only) ------------------------------------------


def _probe_eac(g: _Gathering, sfi: bool) -> Stop | None:
    """Step 5: the first EAC group listed, asked for without Terminal Authentication (Doc 9303-11 §7.1).

    One READ BINARY by short FID on a chip that takes them (a SELECT and a READ BINARY on one that does
    not); a chip that refuses it costs nothing more. Nothing listed: nothing to probe.
    """
    name = next((f"DG{n}" for n in _listed(g.reads) if f"DG{n}" in EAC_GROUPS), None)
    if name is None:
        return None
    earlier = next((r for r in g.reads if r.name == name), None)
    if earlier is not None and earlier.end is not ReadEnd.NEEDS_TA:
        g.eac_probe = earlier  # asked in step 3 already (no TA announced): that answer is the probe's
        return None
    g.eac_probe = read_file(g.session, name, sfi=sfi)
    return _read_stop(g.eac_probe)


# --- 6. Terminal Authentication and the groups behind it ----------------------------------------------------


def _ta_run(g: _Gathering, terminal: TerminalCredentials, base: TaAttempt) -> tuple[TaAttempt, Stop | None]:
    """TA with the terminal's chain (``Session.terminal_authentication``); every ending becomes the attempt."""
    wanted = base.wanted
    # one group listed: a chain without its right is refused before anything is sent; both: either will do
    need_dg3, need_dg4 = wanted == ("DG3",), wanted == ("DG4",)
    try:
        done = g.session.terminal_authentication(terminal.certificates, terminal.signer, today=g.ta_date,
                                                 need_dg3=need_dg3, need_dg4=need_dg4,
                                                 terminal_chr=terminal.terminal_chr)
    except CvRejected as e:
        return dataclasses.replace(base, run=TaRun.REFUSED_BY_TERMINAL, certificate=e.chr, rejection=e.reason,
                                   detail=why(e)), None
    except TaRefusedError as e:
        return dataclasses.replace(base, run=TaRun.REFUSED_BY_CHIP, certificate=e.certificate, rejection=e.reason,
                                   sw=e.sw, detail=why(e), step=e.step), None
    except TransportError as e:
        return (dataclasses.replace(base, run=TaRun.TRANSPORT, detail=why(e)),
                Stop("terminal_authentication", StopReason.LINK, why(e)))
    except SecureMessagingError as e:
        # a chip may end the channel on a refused TA; everything but DG3/DG4 was done before
        return dataclasses.replace(base, run=TaRun.CHANNEL_BROKEN, detail=why(e), step=_step(e)), None
    except CardkitError as e:  # a malformed answer, or the terminal's own key failing to sign
        return dataclasses.replace(base, run=TaRun.ERROR, detail=why(e), step=_step(e)), None
    granted = tuple(n for n, ok in (("DG3", done.read_dg3), ("DG4", done.read_dg4)) if ok)
    return dataclasses.replace(base, granted=granted, sent=done.result.certificates, trust_points=done.trust_points,
                               trust_point_source=done.trust_point_source, binding=done.binding), None


def _terminal_authentication(g: _Gathering, terminal: TerminalCredentials, sfi: bool,
                             ta_announced: bool) -> Stop | None:
    """Step 6: TA when the chip offers it and CA proved the chip, then DG3/DG4 as far as TA granted them.

    ``ta_announced``: EF.CardAccess holds a TerminalAuthenticationInfo (DG14 is asked here).
    """
    wanted = tuple(f"DG{n}" for n in _listed(g.reads) if f"DG{n}" in EAC_GROUPS)
    base = TaAttempt(TaRun.AUTHENTICATED, terminal.terminal_chr, wanted)
    ca = g.chip_authentication
    if not wanted and not (ta_announced or _dg14_announces_ta(g.reads)):
        g.terminal_authentication = dataclasses.replace(base, run=TaRun.NOT_OFFERED)
        return None
    if ca is None or ca.run is not ProofRun.VERIFIED:
        why_not = "the chip offers no Chip Authentication" if ca is None or ca.run is ProofRun.NOT_OFFERED else \
            f"Chip Authentication did not verify ({ca.run.value})"
        g.terminal_authentication = dataclasses.replace(base, run=TaRun.NO_CHIP_AUTHENTICATION, detail=why_not)
        return None
    g.terminal_authentication, stop = _ta_run(g, terminal, base)
    if stop is not None or g.terminal_authentication.run is not TaRun.AUTHENTICATED:
        return stop
    for name in (n for n in wanted if n in g.terminal_authentication.granted):
        read = read_file(g.session, name, sfi=sfi)
        # the read after TA takes the place of the one refused before it
        earlier = next((i for i, r in enumerate(g.reads) if r.name == name), None)
        if earlier is None:
            g.reads.append(read)
        else:
            g.reads[earlier] = read
        if (stop := _read_stop(read)) is not None:
            return stop
    return None


# --- the driver ---------------------------------------------------------------------------------------------


def _run(g: _Gathering, key: AccessKey, sfi: bool) -> Stop | None:
    card_access, stop = g.timed("card_access", lambda: _card_access(g, key))
    if stop is not None:
        return stop
    infos = card_access.pace_infos if card_access is not None else ()
    stop = g.timed("access_control", lambda: _access_control(g, key, infos))
    if stop is not None:
        return stop
    ta_announced = card_access is not None and bool(card_access.ta_infos)
    stop = g.timed("read", lambda: _read_all(g, sfi, ta_announced))
    terminal = g.terminal
    if stop is not None or not (g.prove_chip or terminal is not None):
        return stop
    files = {r.name: r.data for r in g.reads if r.end is ReadEnd.OK}
    if g.prove_chip:
        g.active_authentication, stop = g.timed("active_authentication",
                                                lambda: _active_authentication(g.session, files))
        if stop is not None:
            return stop
    g.chip_authentication, stop = g.timed("chip_authentication", lambda: _chip_authentication(g.session, files))
    if stop is not None:
        return stop
    if g.probe_eac:
        stop = g.timed("eac_probe", lambda: _probe_eac(g, sfi))
    if stop is not None or terminal is None:
        return stop
    return g.timed("terminal_authentication", lambda: _terminal_authentication(g, terminal, sfi, ta_announced))


def read_card(session: Session, key: AccessKey, *, prove_chip: bool = True, sfi: bool = False,
              terminal: TerminalCredentials | None = None, ta_date: dt.date | None = None,
              probe_eac: bool = False) -> Evidence:
    """Run the card phase over ``session`` with the holder's ``key``; every ending is in the Evidence returned.

    Args:
        session: a fresh ``Session`` over the chip's transport.
        key: what the holder showed (CAN, MRZ information, VN ID number).
        prove_chip: False leaves out Active and Chip Authentication (reading only; CA still runs for TA).
        sfi: read the application's files by short FID (one SELECT fewer per file).
        terminal: an inspection system's credentials: run Terminal Authentication and read DG3/DG4.
        ta_date: the terminal's date for checking its certificates (default: today).
        probe_eac: ask DG3 (else DG4) without Terminal Authentication after the chip's proofs (step 5):
            the issuer's read-back proving the chip protects the biometrics; needs ``prove_chip``.
    """
    g = _Gathering(session, prove_chip, terminal, ta_date or dt.date.today(), probe_eac=probe_eac)
    stop = _run(g, key, sfi)
    return g.evidence(stop)
