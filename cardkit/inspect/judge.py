"""The one judge: evidence (from a card, a dump or a personalisation read-back) + a trust store -> a report.

``judge(evidence, trust, key=..., at=...)`` is a pure function of its arguments (the trust store's
memo and the renamed PA checks only cache): the same evidence gives the same checks and the same verdict
whoever gathered it.
Checks, in order: the card phase's steps (EF.CardAccess, access control, each read; for a dump, the
files given), ``decode:<file>`` for each file that does not decode, Passive Authentication (and its
sub-checks ``pa:*``), EF.COM/EF.SOD consistency, DG1 against what the holder showed, EF.CardAccess
against DG14, then the chip's proofs: PACE-CAM (with EF.CardSecurity's own PA), Active and Chip
Authentication. A proof counts only when its key's file passed PA (DG15, DG14, EF.CardSecurity). Last,
when the terminal brought credentials, ``terminal_authentication``: PASSED with what it opened, or
FAILED naming the certificate and the rule (refused by the terminal's own check before sending, or by
the chip), or the rights that fell short. When the read-back probed Extended Access Control,
``eac_protection``: PASSED when the chip refused the EAC group asked without TA (a security status,
``PROTECTED_SW``), FAILED when it handed it out or answered anything else, SKIPPED when the link went.

Terminal Authentication proves the *terminal* to the chip, not the chip to the terminal: its failure
says the terminal's certificates or key do not fit this chip (another country's CVCA, an expired
certificate, rights short of DG3), never that the document is forged. So a FAILED
``terminal_authentication`` is reported but left out of the verdict; the chip stays GENUINE on PA and
its CA/AA proof, and DG3/DG4 stay unread (NOT_SUPPORTED). A DG3/DG4 that TA opened counts like any
other group: its hash must match EF.SOD. A FAILED ``eac_protection`` is left out of the verdict too: a
chip that hands out fingerprints without TA holds authentic data, it is its access control that is
wrong; the issuer's read-back refuses such a card on that check.

Verdict, first rule that applies:
1. INCOMPLETE when the card phase stopped for a card, reader or key reason (``StopReason.incomplete``):
   exit 3, or 2 when the operator's key cannot open the chip at all;
2. UNKNOWN_ISSUER (exit 5) when Passive Authentication found no certificate in the trust store named
   as the Document Signer's issuer and nothing else failed: not a forgery finding, an unknown issuer;
3. NOT_GENUINE (exit 1) when any check FAILED (a chip that broke the open channel included);
4. INCOMPLETE (exit 2) when Passive Authentication did not run (no trust store given);
5. DATA_AUTHENTIC_CHIP_NOT_PROVEN (exit 1) for a dump (CA and AA need the chip), or a chip that did
   not prove its key; GENUINE (exit 0) when PA passed and the chip proved its key.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass, field

from ..algorithms import pace_name
from ..card import AccessKey
from ..checks import Check, Status
from ..errors import CardkitError
from ..lds import Sod
from ..pki.passive import PassiveAuthResult, passive_authentication, verify_card_security
from ..pki.trust import TrustStore
from .consistency import card_access_matches_dg14, com_sod_consistency, dg1_matches_key
from .evidence import (
    EAC_GROUPS,
    AccessOutcome,
    BacEnd,
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
from .files import DecodedFiles, decode_files
from .holder import Holder, holder_from
from .proof_names import aa_name, ca_name
from .report import VERDICT_EXIT, AccessInfo, InspectionReport, Verdict

__all__ = ["judge"]

_PROOFS = ("chip_authentication_mapping", "active_authentication", "chip_authentication")
_PROOF_PHASE = ("active_authentication", "chip_authentication")  # the card phase's last steps
# Doc 9303-11 lets only the biometric groups DG3 and DG4 sit behind Extended Access Control: a chip that
# refuses any other listed group after BAC/PACE hides data the issuer signed, so that refusal FAILS.
_EAC_PROTECTED = frozenset(EAC_GROUPS)
# Checks a missing trust anchor fails by itself; anything else failing is a finding against the document.
_NO_ANCHOR_FAILURES = frozenset({"passive_authentication", "pa:certificate path"})
# Checks of the terminal's side, and of the chip's access control (module docstring): reported, never
# counted against the document.
_TERMINAL_SIDE = frozenset({"terminal_authentication", "eac_protection"})


@dataclass
class _Judging:
    """The judge's working state for one report (local to one ``judge`` call)."""

    evidence: Evidence
    files: dict[str, bytes]  # the evidence's files (reads that ended OK)
    decoded: DecodedFiles
    trust: TrustStore | None
    at: dt.datetime | None
    checks: list[Check] = field(default_factory=list)
    algorithms: dict[str, str] = field(default_factory=dict)
    access: AccessInfo = field(default_factory=AccessInfo)
    pa_passed: bool = False
    no_anchor_issuer: str | None = None  # the DS's issuer, when no CSCA of the store bears that name
    no_anchor_ok: set[str] = field(default_factory=lambda: set(_NO_ANCHOR_FAILURES))
    document_signer: str | None = None
    proofs: list[str] = field(default_factory=list)  # the chip's proofs that count (their key file passed PA)

    def add(self, name: str, status: Status, reason: str = "", **details: object) -> None:
        self.checks.append(Check(name, status, reason, {k: v for k, v in details.items() if v is not None}))

    @property
    def stop(self) -> Stop | None:
        return self.evidence.stop


# --- the card phase's steps --------------------------------------------------------------------------------


def _card_access_check(j: _Judging, read: FileRead) -> None:
    if read.end is ReadEnd.OK:
        access = j.decoded.card_access
        if access is None:
            j.add("card_access", Status.FAILED, f"EF.CardAccess does not decode: {j.decoded.card_access_error}")
            return
        names = ", ".join(pace_name(p.protocol, p.parameter_id) for p in access.pace_infos) or "no PACEInfo"
        j.add("card_access", Status.PASSED, f"{len(read.data)} bytes; {names}", size=len(read.data))
    elif read.sw is not None:
        j.add("card_access", Status.NOT_SUPPORTED, f"no EF.CardAccess ({read.sw:04X}): the chip offers no PACE",
              sw=f"{read.sw:04X}")
    elif read.end is ReadEnd.TRANSPORT:
        j.add("card_access", Status.FAILED, read.detail)
    else:
        j.add("card_access", Status.FAILED, f"EF.CardAccess unreadable: {read.detail}")


def _access_check(j: _Judging, a: AccessOutcome) -> None:
    """The ``access_control`` check and ``AccessInfo`` of Doc 9303-11 §4: PACE, else BAC, and why."""
    info = a.pace_info
    name = pace_name(info.protocol, info.parameter_id) if info is not None else None
    pid = info.parameter_id if info is not None else None
    if a.pace is PaceEnd.OPENED:
        j.access = AccessInfo("PACE", name, pid, a.password)
        j.algorithms.update({"access": "PACE", "pace": name or ""})
        j.add("access_control", Status.PASSED, f"PACE with the {a.password} ({name})")
    elif a.pace is PaceEnd.TRANSPORT:
        j.add("access_control", Status.FAILED, f"PACE: {a.pace_detail}", step=a.pace_step)
    elif a.bac is BacEnd.NOT_TRIED:  # PACE failed, and the key holds nothing for BAC
        hint = " (wrong CAN?)" if a.password == "CAN" and a.pace is PaceEnd.REFUSED else ""
        j.access = AccessInfo(None, name, pid, a.password)
        j.add("access_control", Status.FAILED, f"PACE failed: {a.pace_detail}{hint}", step=a.pace_step)
    else:
        _bac_check(j, a)
    if a.opened_by is not None and a.sm_cipher is not None:
        j.algorithms["sm_cipher"] = a.sm_cipher.value


def _bac_check(j: _Judging, a: AccessOutcome) -> None:
    if a.pace in (PaceEnd.REFUSED, PaceEnd.FAILED):
        pace_error = f"PACE failed: {a.pace_detail}"
    elif a.pace is PaceEnd.UNSUPPORTED:
        pace_error = f"no PACEInfo this terminal supports: {a.pace_detail}"
    else:
        pace_error = "the chip offers no PACE (no EF.CardAccess PACEInfo)"
    fell_back = a.pace is not PaceEnd.NOT_OFFERED
    kept = pace_error if fell_back else ""
    if a.bac is BacEnd.NO_MRZ:
        j.add("access_control", Status.FAILED,
              f"{pace_error}; BAC needs the MRZ data (document number, dates of birth and expiry); a CAN was given")
    elif a.bac is BacEnd.TRANSPORT:
        j.add("access_control", Status.FAILED, f"BAC: {a.bac_detail}")
    elif a.bac is BacEnd.OPENED:
        j.access = AccessInfo("BAC", "3DES", None, "MRZ", fell_back, kept)
        j.algorithms["access"] = "BAC"
        tail = f"; fell back from PACE: {pace_error}" if fell_back else f"; {pace_error}"
        j.add("access_control", Status.PASSED, "BAC with the MRZ data" + tail)
    else:
        hint = " (wrong MRZ data?)" if a.bac is BacEnd.REFUSED else ""
        j.access = AccessInfo(None, "BAC", None, "MRZ", fell_back, kept)
        j.add("access_control", Status.FAILED, f"{pace_error}; BAC failed: {a.bac_detail}{hint}", step=a.bac_step)


def _read_check(j: _Judging, read: FileRead) -> None:
    name, check = read.name, f"read:{read.name}"
    required = name not in _EAC_PROTECTED
    sw = f"{read.sw:04X}" if read.sw is not None else None
    if read.end is ReadEnd.OK:
        if j.evidence.source is Source.DUMP:  # every file of every audited dump: the check made directly
            size = len(read.data)
            j.checks.append(Check(check, Status.PASSED, f"{size} bytes (from the dump)", {"size": size}))
        else:
            j.add(check, Status.PASSED, f"{len(read.data)} bytes", size=len(read.data), ms=read.ms)
    elif read.end is ReadEnd.PROTECTED and not required:
        why = _behind_ta(j.evidence.terminal_authentication, name)
        j.add(check, Status.NOT_SUPPORTED, f"access denied ({sw}): {why}", sw=sw)
    elif read.end is ReadEnd.NEEDS_TA:  # only DG3/DG4 are left unread so; any other group is a finding
        attempt = j.evidence.terminal_authentication
        why = ("the chip announces Terminal Authentication (EF.CardAccess or DG14), which this terminal does not "
               "run (no terminal certificates given)" if attempt is None else _behind_ta(attempt, name))
        j.add(check, Status.NOT_SUPPORTED if not required else Status.FAILED, f"not read: protected by EAC; {why}",
              needs="terminal_authentication")
    elif read.end is ReadEnd.ABSENT and not required:
        j.add(check, Status.FAILED, f"listed but not on the chip ({sw})", sw=sw)
    elif sw is not None:
        j.add(check, Status.FAILED, f"chip answered {sw} ({read.detail})", sw=sw)
    elif read.end is ReadEnd.TRANSPORT:
        j.add(check, Status.FAILED, read.detail)
    elif read.end is ReadEnd.CHANNEL_BROKEN:
        j.add(check, Status.FAILED, f"secure messaging broken by the chip: {read.detail}")
    else:
        j.add(check, Status.FAILED, f"malformed answer: {read.detail}")


def _behind_ta(attempt: TaAttempt | None, name: str) -> str:
    """Why an EAC group stayed closed, as far as this inspection's Terminal Authentication tells."""
    if attempt is None:
        return "protected by EAC/Terminal Authentication (no terminal certificates given)"
    if attempt.run is TaRun.AUTHENTICATED:
        return f"the terminal's certificates do not grant reading {name}"
    return "protected by EAC; Terminal Authentication did not succeed (see terminal_authentication)"


def _stop_check(j: _Judging, stop: Stop) -> None:
    """The check of a stop that no other evidence carries (a step that is not a read, access or proof)."""
    if stop.step == "secure_messaging":
        j.add("secure_messaging", Status.FAILED, f"the chip broke secure messaging: {stop.detail}")
    elif stop.step == "select_application":
        reason = stop.detail if stop.reason is StopReason.LINK else f"no eMRTD application: {stop.detail}"
        j.add("select_application", Status.FAILED, reason)
    elif stop.step == "chip_authentication_mapping":
        j.add("chip_authentication_mapping", Status.FAILED, f"EF.CardSecurity: {stop.detail}")


def _card_steps(j: _Judging) -> None:
    e = j.evidence
    if e.source is Source.DUMP:
        j.add("access_control", Status.SKIPPED, "offline dump: no chip")
        for read in e.reads:
            _read_check(j, read)
        return
    for read in e.reads:
        if read.name == "EF.CardAccess":
            _card_access_check(j, read)
            if e.access is not None:
                _access_check(j, e.access)
        else:
            _read_check(j, read)
    if j.stop is not None:
        _stop_check(j, j.stop)


# --- Passive Authentication -----------------------------------------------------------------------------


def _pa_passed(result: PassiveAuthResult, dgs: dict[int, bytes]) -> bool:
    """PA's own rule, except that EF.SOD alone (no data group given: a bare SOD in an audit) passes on its signature."""
    passed = result.passed
    if passed or dgs or result.failures:
        return passed
    done = {c.name for c in result.checks if c.status is Status.PASSED}
    return all(n in done for n in result.required_steps)


# PA's passed steps read the same for every document of one Document Signer (a bulk audit makes a dozen
# per document): each renamed check is made once. Keyed by every field (details only when empty), so a
# hit is the check that would have been made; bounded, since reasons may name a document's own values.
_PA_RENAMED: dict[tuple[str, Status, str], Check] = {}


def _pa_check(c: Check) -> Check:
    """A check of Passive Authentication under the report's name for it, ``pa:<step>``."""
    if c.name.startswith("pa"):
        return c
    if c.details or c.status is not Status.PASSED:
        return Check(f"pa:{c.name}", c.status, c.reason, c.details)
    key = (c.name, c.status, c.reason)
    renamed = _PA_RENAMED.get(key)
    if renamed is None:
        if len(_PA_RENAMED) >= 1024:
            _PA_RENAMED.clear()
        renamed = _PA_RENAMED[key] = Check(f"pa:{c.name}", c.status, c.reason, {})
    return renamed


def _ds_name(trust: TrustStore, result: PassiveAuthResult) -> str | None:
    ds = result.ds_certificate
    if ds is None:
        return None
    # computed once per DS certificate and trust store: an audit meets the same DS in every document
    return str(trust.memo(("ds-name", ds.signature), lambda: f"{ds.subject.rfc4514_string()} #{ds.serial_number:X}"))


def _passive(j: _Judging) -> None:
    """Passive Authentication of EF.SOD and the data groups read (Doc 9303-11 §5.1), with its sub-checks."""
    trust, sod = j.trust, j.decoded.sod
    if trust is None:
        j.add("passive_authentication", Status.SKIPPED, "no trust store given")
        return
    if sod is None:
        if "EF.SOD" not in j.files and j.stop is not None:
            j.add("passive_authentication", Status.SKIPPED, f"not run: stopped at {j.stop.step}")
        else:
            j.add("passive_authentication", Status.FAILED,
                  "EF.SOD was not read" if "EF.SOD" not in j.files else "EF.SOD does not decode")
        return
    dgs = {int(n[2:]): b for n, b in j.files.items() if n.startswith("DG")}
    try:
        result = passive_authentication(sod, dgs, trust, issuing_state=j.decoded.issuing_state, at=j.at)
    except CardkitError as e:
        j.add("passive_authentication", Status.FAILED, str(e) or type(e).__name__)
        return
    j.pa_passed = _pa_passed(result, dgs)
    j.document_signer = _ds_name(trust, result)
    if result.anchor_found is False and result.ds_certificate is not None:
        j.no_anchor_issuer = result.ds_certificate.issuer.rfc4514_string()
    if j.pa_passed:
        reason = (f"{len(dgs)} data groups hashed, signature and chain to the CSCA verified" if dgs else
                  "signature and chain to the CSCA verified; no data group given to hash")
    else:
        reason = "; ".join(f"{c.name}: {c.reason}" for c in result.failures) or "Passive Authentication failed"
    j.add("passive_authentication", Status.PASSED if j.pa_passed else Status.FAILED, reason, data_groups=sorted(dgs))
    j.checks.extend(_pa_check(c) for c in result.checks)
    if result.hash_algorithm:
        j.algorithms["sod_hash"] = str(result.hash_algorithm)
    if result.signature_algorithm:
        j.algorithms["sod_signature"] = str(result.signature_algorithm)


# --- the chip's proofs ------------------------------------------------------------------------------------


def _dg_signed(j: _Judging, n: int) -> bool:
    """True when DG``n`` as read hashes to its value in EF.SOD (the PA condition of a chip proof)."""
    sod: Sod | None = j.decoded.sod
    data = j.files.get(f"DG{n}")
    if sod is None or data is None or n not in sod.dg_hashes:
        return False
    try:
        digest = hashlib.new(str(sod.hash_algorithm).replace("-", ""), data).digest()
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(digest, sod.dg_hashes[n])


def _proved(j: _Judging, name: str, why: str, signed: bool, unsigned: str, **details: object) -> None:
    """The PASSED check of a chip that proved a key: a proof only when the file with the key passed PA."""
    j.add(name, Status.PASSED, why + ("" if signed else f"; but {unsigned}: no proof"), **details, proof=signed)
    if signed:
        j.proofs.append(name)


def _skip(j: _Judging, name: str) -> None:
    """The SKIPPED check of a proof that was not run: offline, stopped before it, or not asked for."""
    stop = j.stop
    if j.evidence.source is Source.DUMP:
        j.add(name, Status.SKIPPED, "offline dump: the chip is not present to prove its key")
    elif stop is not None:
        j.add(name, Status.SKIPPED, f"not run: stopped at {stop.step}")
    else:
        j.add(name, Status.SKIPPED, "not asked for")


def _active_authentication(j: _Judging, attempt: ProofAttempt | None) -> None:
    name = "active_authentication"
    if attempt is None:
        _skip(j, name)
        return
    dg15 = j.decoded.dg15
    if attempt.run is ProofRun.NOT_OFFERED or dg15 is None:
        if "DG15" in j.files:
            j.add(name, Status.FAILED, "DG15 does not decode")
        else:
            j.add(name, Status.NOT_SUPPORTED, "no DG15: the chip offers no Active Authentication")
        return
    j.algorithms["aa"] = aa_name(dg15, j.decoded.dg14)
    signed = _dg_signed(j, 15)
    if attempt.run is ProofRun.TRANSPORT:
        j.add(name, Status.FAILED, attempt.detail)
    elif attempt.run in (ProofRun.ERROR, ProofRun.CHANNEL_BROKEN):
        j.add(name, Status.FAILED, f"chip did not answer AA properly: {attempt.detail}", step=attempt.step)
    elif attempt.run is ProofRun.VERIFIED:
        _proved(j, name, "the chip signed the challenge with the DG15 key", signed, "DG15 is not signed",
                dg15_signed=signed)
    else:
        j.add(name, Status.FAILED, "signature over the challenge does not verify with the DG15 key (cloned chip?)",
              dg15_signed=signed)


def _chip_authentication(j: _Judging, attempt: ProofAttempt | None) -> None:
    name = "chip_authentication"
    if attempt is None:
        _skip(j, name)
        return
    dg14 = j.decoded.dg14
    if "DG14" not in j.files:
        j.add(name, Status.NOT_SUPPORTED, "no DG14: the chip offers no Chip Authentication")
        return
    if dg14 is None:
        j.add(name, Status.FAILED, "DG14 does not decode")
        return
    if attempt.run is ProofRun.NOT_OFFERED:
        j.add(name, Status.NOT_SUPPORTED, "DG14 offers no Chip Authentication key")
        return
    j.algorithms["ca"] = ca_name(dg14)
    signed = _dg_signed(j, 14)
    if attempt.run is ProofRun.TRANSPORT:
        j.add(name, Status.FAILED, attempt.detail)
    elif attempt.run is ProofRun.VERIFIED:
        _proved(j, name, "the chip proved the DG14 key: secure messaging restarted with the CA keys", signed,
                "DG14 is not signed", dg14_signed=signed)
    else:
        j.add(name, Status.FAILED, f"the chip did not prove the DG14 key (cloned chip?): {attempt.detail}",
              step=attempt.step)


def _chip_authentication_mapping(j: _Judging) -> None:
    """PACE-CAM (Doc 9303-11 §4.4.3.5.2): proof only when EF.CardSecurity passed PA (signature and chain)."""
    cam = j.evidence.cam
    name = "chip_authentication_mapping"
    if cam is None:
        return
    # CAM ran within PACE; it is judged unless the card phase stopped before the proofs, or none was asked for
    stop = j.stop
    if (stop is not None and stop.step not in _PROOF_PHASE) or not j.evidence.prove_chip:
        _skip(j, name)
        return
    if cam.card_security.end is not ReadEnd.OK:
        j.add(name, Status.FAILED, f"PACE-CAM ran but EF.CardSecurity cannot be read: {cam.card_security.detail}")
        return
    if cam.verified is None:
        j.add(name, Status.FAILED, f"CAM cannot be checked with EF.CardSecurity: {cam.detail}")
        return
    data = cam.card_security.data
    signed = False
    if j.trust is None:
        j.add("card_security_authentication", Status.SKIPPED, "no trust store given")
    else:
        result = verify_card_security(data, j.trust, issuing_state=j.decoded.issuing_state, at=j.at)
        signed = result.passed
        if result.anchor_found is False:
            j.no_anchor_ok.add("card_security_authentication")
        reason = ("EF.CardSecurity signature and chain to the CSCA verified" if signed else
                  "; ".join(f"{c.name}: {c.reason}" for c in result.failures) or "EF.CardSecurity failed PA")
        j.add("card_security_authentication", Status.PASSED if signed else Status.FAILED, reason, size=len(data))
    if cam.verified:
        _proved(j, name, "the chip proved the EF.CardSecurity CA key in PACE (CA_IC * PK_IC = PK_Map,IC)", signed,
                "EF.CardSecurity did not pass PA", card_security_signed=signed)
    else:
        j.add(name, Status.FAILED, "CA_IC does not match the EF.CardSecurity CA key (cloned chip?)",
              card_security_signed=signed)


def _terminal_authentication(j: _Judging, attempt: TaAttempt | None) -> None:
    """The ``terminal_authentication`` check (Doc 9303-11 §7.1), only when the terminal brought credentials."""
    name = "terminal_authentication"
    if attempt is None:  # no credentials given, or the card phase stopped before TA
        return
    said = dict(terminal=attempt.terminal, certificate=attempt.certificate, step=attempt.step,
                rule=attempt.rejection.name.lower() if attempt.rejection is not None else None,
                sw=f"{attempt.sw:04X}" if attempt.sw is not None else None)
    wanted = " and ".join(attempt.wanted) or "neither DG3 nor DG4"
    told = attempt.detail
    if attempt.certificate is not None and attempt.certificate not in told:
        told = f"certificate {attempt.certificate}: {told}"
    if attempt.run is TaRun.NOT_OFFERED:
        j.add(name, Status.NOT_SUPPORTED, "the chip announces no Terminal Authentication and lists neither DG3 nor "
              "DG4", terminal=attempt.terminal)
    elif attempt.run is TaRun.NO_CHIP_AUTHENTICATION:
        j.add(name, Status.SKIPPED, f"not run: TA signs Chip Authentication's key, and {attempt.detail}",
              terminal=attempt.terminal)
    elif attempt.run is TaRun.AUTHENTICATED:
        opened = [g for g in attempt.wanted if g in attempt.granted]
        how = (f"terminal {attempt.terminal}: {' -> '.join(attempt.sent)} accepted (trust point "
               f"{', '.join(attempt.trust_points) or 'not named'} from {attempt.trust_point_source}; "
               f"ID_PICC from {attempt.binding})")
        details = dict(terminal=attempt.terminal, sent=list(attempt.sent), granted=list(attempt.granted),
                       trust_points=list(attempt.trust_points))
        if opened or not attempt.wanted:
            j.add(name, Status.PASSED, f"{how}; opens {' and '.join(opened) or 'nothing listed'}", **details)
        else:
            j.add(name, Status.FAILED, f"{how}; insufficient rights: the chain grants reading none of {wanted}",
                  rule="insufficient_rights", **details)
    elif attempt.run is TaRun.REFUSED_BY_TERMINAL:
        j.add(name, Status.FAILED, f"refused by the terminal's own check, nothing sent: {told}", **said)
    elif attempt.run is TaRun.REFUSED_BY_CHIP:
        j.add(name, Status.FAILED, f"refused by the chip: {told}", **said)
    elif attempt.run is TaRun.CHANNEL_BROKEN:
        j.add(name, Status.FAILED, f"the chip ended secure messaging during TA: {told}", **said)
    else:
        j.add(name, Status.FAILED, f"TA did not complete: {told}", **said)


def _eac_protection(j: _Judging, probe: FileRead | None) -> None:
    """The ``eac_protection`` check: the EAC group asked without TA must be refused (Doc 9303-11 §7.1)."""
    if probe is None:  # not asked for (a verifying terminal), or the card phase stopped before
        return
    name, sw = probe.name, f"{probe.sw:04X}" if probe.sw is not None else None
    if probe.end is ReadEnd.PROTECTED:
        j.add("eac_protection", Status.PASSED, f"{name} refused without Terminal Authentication ({sw})",
              data_group=name, sw=sw)
    elif probe.end is ReadEnd.OK:
        j.add("eac_protection", Status.FAILED, f"{name} handed out without Terminal Authentication "
              f"({len(probe.data)} bytes): the chip does not protect it", data_group=name, size=len(probe.data))
    elif probe.end is ReadEnd.TRANSPORT:  # the card or reader went away: nothing known (the stop says so)
        j.add("eac_protection", Status.SKIPPED, f"{name} asked without Terminal Authentication, no answer: "
              f"{probe.detail}", data_group=name)
    elif sw is not None:
        j.add("eac_protection", Status.FAILED, f"{name} asked without Terminal Authentication: the chip answered "
              f"{sw}, not a security status ({probe.detail})", data_group=name, sw=sw)
    else:
        j.add("eac_protection", Status.FAILED, f"{name} asked without Terminal Authentication: {probe.detail}",
              data_group=name)


# --- the verdict ---------------------------------------------------------------------------------------------


def _verdict(j: _Judging) -> tuple[Verdict, str, int]:
    """(verdict, reason, exit code) by the rules of the module docstring."""
    stop = j.stop
    if stop is not None and stop.reason.incomplete:
        return Verdict.INCOMPLETE, f"stopped at {stop.step}: {stop.detail}", stop.reason.exit_code
    failed = [c.name for c in j.checks if c.status is Status.FAILED and c.name not in _TERMINAL_SIDE]
    if failed and j.no_anchor_issuer is not None and set(failed) <= j.no_anchor_ok:
        return (Verdict.UNKNOWN_ISSUER, f"no trust anchor: no CSCA in the trust store is named "
                f"{j.no_anchor_issuer} (the issuer of the Document Signer)", VERDICT_EXIT[Verdict.UNKNOWN_ISSUER])
    if failed:
        verdict, reason = Verdict.NOT_GENUINE, "failed: " + ", ".join(failed[:6])
    elif not j.pa_passed:
        return Verdict.INCOMPLETE, "Passive Authentication was not run (no trust store)", 2
    elif j.evidence.source is Source.DUMP:
        verdict, reason = Verdict.DATA_AUTHENTIC_CHIP_NOT_PROVEN, "a dump cannot prove the chip: CA/AA need the card"
    elif j.proofs:
        verdict, reason = Verdict.GENUINE, "PA passed; proof of the chip key: " + " and ".join(j.proofs)
    elif any(c.name in _PROOFS and c.status is not Status.NOT_SUPPORTED for c in j.checks):
        verdict, reason = Verdict.DATA_AUTHENTIC_CHIP_NOT_PROVEN, "PA passed; the chip's key proof did not complete"
    else:
        verdict, reason = (Verdict.DATA_AUTHENTIC_CHIP_NOT_PROVEN,
                           "PA passed; the chip offers neither CA nor AA (could be a copy)")
    return verdict, reason, VERDICT_EXIT[verdict]


def judge(evidence: Evidence, trust: TrustStore | None, *, key: AccessKey | None = None,
          at: dt.datetime | None = None, holder: bool = True) -> InspectionReport:
    """Judge ``evidence`` against ``trust``: every check and the verdict (see the module docstring).

    Args:
        evidence: from ``read_card`` (a chip), ``dump_evidence`` (a dump or an audited file).
        trust: the CSCAs (and CRLs) to trust; None runs no Passive Authentication (verdict INCOMPLETE).
        key: what the holder showed, to compare with DG1/DG13 (never echoed); None: nothing to compare.
        at: the time certificates must be valid at (default now).
        holder: False leaves the report's holder data empty (``Holder()``), for a caller that shows none (a
            bulk audit); the checks and the verdict do not depend on it.
    """
    files = evidence.files
    j = _Judging(evidence, files, decode_files(files), trust, at)
    _card_steps(j)
    for name, reason in j.decoded.failures:
        j.add(f"decode:{name}", Status.FAILED, reason)
    _passive(j)
    j.checks.append(com_sod_consistency(j.decoded))
    j.checks.append(dg1_matches_key(j.decoded, key))
    j.checks.append(card_access_matches_dg14(j.decoded))
    _chip_authentication_mapping(j)
    _active_authentication(j, evidence.active_authentication)
    _chip_authentication(j, evidence.chip_authentication)
    _eac_protection(j, evidence.eac_probe)
    _terminal_authentication(j, evidence.terminal_authentication)
    verdict, reason, code = _verdict(j)
    ta = None if evidence.terminal_authentication is None else next(
        (c for c in j.checks if c.name == "terminal_authentication" and c.status is Status.FAILED), None)
    if ta is not None:
        reason += "; Terminal Authentication failed (the terminal's credentials, not the chip): DG3/DG4 not read"
    eac = next((c for c in j.checks if c.name == "eac_protection" and c.status is Status.FAILED), None)
    if eac is not None:
        reason += f"; EAC not enforced: {eac.reason}"
    stop = evidence.stop
    return InspectionReport(
        verdict=verdict, verdict_reason=reason, checks=tuple(j.checks), access=j.access,
        holder=holder_from(j.decoded) if holder else Holder(), algorithms=j.algorithms, files=files,
        apdu_count=evidence.apdu_count, timings=dict(evidence.timings), phase_apdus=dict(evidence.phase_apdus),
        source=evidence.source.value, stopped_at=stop.step if stop is not None else None, exit_code=code,
        document_signer=j.document_signer,
    )
