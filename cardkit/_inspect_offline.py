"""The offline half of the verification terminal: decoding, Passive Authentication, consistency, verdict.

``OfflineChecks`` holds the working state of one inspection and every check that needs no chip;
``cardkit.inspect`` adds the card steps on top of it, and ``inspect_dump`` uses it alone. See the
``cardkit.inspect`` module docstring for the flow and the verdict rules.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator

from . import _inspect_decode as dec
from .checks import Check, Status
from .errors import CardkitError, ParseError
from .report import VERDICT_EXIT, AccessInfo, InspectionReport, Verdict

__all__ = ["OfflineChecks", "Stop", "why"]

# the checks by which a chip proves its key
_PROOFS = ("chip_authentication", "active_authentication", "chip_authentication_mapping")


class Stop(Exception):
    """Internal: reading cannot go on. ``kind`` "incomplete" (card/reader/key) or "broken" (chip misbehaved)."""

    def __init__(self, step: str, kind: str, error: CardkitError) -> None:
        super().__init__(step)
        self.step, self.kind, self.error = step, kind, error


def why(e: BaseException) -> str:
    """The message of ``e``, or its type name when it has none."""
    return f"{type(e).__name__}: {e}" if not str(e) else str(e)


@dataclass
class _State:
    """Mutable working state of one inspection; frozen into an InspectionReport at the end."""

    checks: list[Check]
    files: dict[str, bytes]
    timings: dict[str, float]
    phase_apdus: dict[str, int]
    algorithms: dict[str, str]
    access: AccessInfo
    stop: Stop | None = None

    def add(self, name: str, status: Status, reason: str = "", **details: Any) -> Check:
        c = Check(name, status, reason, {k: v for k, v in details.items() if v is not None})
        self.checks.append(c)
        return c


class OfflineChecks:
    """Working state of one inspection and the checks that need no chip."""

    def __init__(self, session: Any, *, can: str | None, mrz_information: str | None,
                 id_number: str | None, trust: Any, at: Any) -> None:
        self.session = session
        self._can = can
        self._mrz_information = mrz_information
        self.id_number = id_number
        self.trust = trust
        self.at = at
        self.s = _State([], {}, {}, {}, {}, AccessInfo())
        self.parsed: dict[str, Any] = {}
        self.pa_passed = False
        self.sfi = False
        self.cam_used = False  # PACE ran Chip Authentication Mapping
        # (EF.CardSecurity bytes or None, CAM verified or None, why it could not be checked)
        self.cam_outcome: tuple[bytes | None, bool | None, str] | None = None

    # -- bookkeeping ------------------------------------------------------------
    def _apdus(self) -> int:
        return int(getattr(self.session, "apdu_count", 0) or 0) if self.session is not None else 0

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        t0, n0 = time.perf_counter(), self._apdus()
        try:
            yield
        finally:
            self.s.timings[name] = self.s.timings.get(name, 0.0) + (time.perf_counter() - t0) * 1000
            if self.session is not None:
                self.s.phase_apdus[name] = self.s.phase_apdus.get(name, 0) + self._apdus() - n0

    def check_files(self) -> None:
        """Every check of the files read that needs no chip: decode, PA, EF.COM/EF.SOD, DG1 vs the input."""
        with self.phase("decode"):
            self.decode_all()
        with self.phase("passive_authentication"):
            self.passive()
        self.consistency()
        self.dg1_matches_input()

    def decode(self, name: str, data: bytes) -> Any:
        """Decode one file (cached); a ParseError becomes a FAILED ``decode:<name>`` check."""
        if name in self.parsed:
            return self.parsed[name]
        try:
            obj = dec.decode_file(name, data, issuing_state=self._issuing_state())
        except ParseError as e:
            self.s.add(f"decode:{name}", Status.FAILED, str(e))
            obj = None
        self.parsed[name] = obj
        return obj

    def _issuing_state(self) -> str | None:
        dg1 = self.parsed.get("DG1")
        mrz = getattr(dg1, "mrz", None)
        return getattr(mrz, "issuing_state", None)

    def decode_all(self) -> None:
        for name in ("EF.COM", "EF.SOD", "DG1", *(f"DG{n}" for n in range(2, 17))):
            if name in self.s.files:
                self.decode(name, self.s.files[name])

    # -- 4. passive authentication and consistency ---------------------------------
    def passive(self) -> None:
        sod = self.parsed.get("EF.SOD")
        if self.trust is None:
            self.s.add("passive_authentication", Status.SKIPPED, "no trust store given")
            return
        if sod is None:
            if "EF.SOD" not in self.s.files and self.s.stop is not None:
                self.s.add("passive_authentication", Status.SKIPPED, f"not run: stopped at {self.s.stop.step}")
                return
            why = "EF.SOD was not read" if "EF.SOD" not in self.s.files else "EF.SOD does not decode"
            self.s.add("passive_authentication", Status.FAILED, why)
            return
        from .pki.passive import passive_authentication

        dgs = {int(n[2:]): b for n, b in self.s.files.items() if n.startswith("DG")}
        try:
            result = passive_authentication(sod, dgs, self.trust, issuing_state=self._issuing_state(), at=self.at)
        except CardkitError as e:
            self.s.add("passive_authentication", Status.FAILED, why(e))
            return
        self.pa_passed = bool(result.passed)
        failed = [c for c in result.checks if c.status is Status.FAILED]
        if result.passed:
            reason = f"{len(dgs)} data groups hashed, signature and chain to the CSCA verified"
        else:
            reason = "; ".join(f"{c.name}: {c.reason}" for c in failed) or "Passive Authentication failed"
        self.s.add("passive_authentication", Status.PASSED if result.passed else Status.FAILED, reason,
                   data_groups=sorted(dgs))
        for c in result.checks:
            self.s.checks.append(c if c.name.startswith("pa") else Check(f"pa:{c.name}", c.status, c.reason, c.details))
        for key, attr in (("sod_hash", "hash_algorithm"), ("sod_signature", "signature_algorithm")):
            value = getattr(result, attr, None)
            if value:
                self.s.algorithms[key] = str(value)

    def consistency(self) -> None:
        com, sod = self.parsed.get("EF.COM"), self.parsed.get("EF.SOD")
        if com is None or sod is None:
            self.s.add("com_sod_consistency", Status.SKIPPED, "EF.COM or EF.SOD missing")
            return
        in_com, in_sod = set(com.data_groups), set(sod.dg_hashes)
        if in_com == in_sod:
            self.s.add("com_sod_consistency", Status.PASSED, "EF.COM and EF.SOD list the same data groups")
            return
        parts = []
        if in_sod - in_com:
            parts.append("hashed in EF.SOD but not listed in EF.COM: " + ", ".join(f"DG{n}" for n in sorted(in_sod - in_com)))
        if in_com - in_sod:
            parts.append("listed in EF.COM but not hashed in EF.SOD: " + ", ".join(f"DG{n}" for n in sorted(in_com - in_sod)))
        self.s.add("com_sod_consistency", Status.FAILED, "; ".join(parts))

    def dg1_matches_input(self) -> None:
        dg1 = self.parsed.get("DG1")
        mrz = getattr(dg1, "mrz", None)
        if mrz is None:
            self.s.add("dg1_matches_input", Status.SKIPPED, "DG1 not read")
            return
        ids = dec.vn_id_numbers(mrz, self.parsed.get("DG13"))
        if self._mrz_information is not None:
            same = hmac.compare_digest(mrz.mrz_information.encode(), self._mrz_information.encode())
            self.s.add("dg1_matches_input", Status.PASSED if same else Status.FAILED,
                       "the MRZ data shown matches DG1" if same else "the MRZ data shown does not match DG1")
        elif self.id_number is not None:
            same = any(hmac.compare_digest(i.encode(), self.id_number.encode()) for i in ids)
            self.s.add("dg1_matches_input", Status.PASSED if same else Status.FAILED,
                       "the ID number shown matches the chip" if same else "the ID number shown does not match DG1/DG13")
        elif self._can is not None and ids:
            same = any(hmac.compare_digest(i[-6:].encode(), self._can.encode()) for i in ids)
            self.s.add("dg1_matches_input", Status.PASSED if same else Status.FAILED,
                       "the CAN is the last 6 digits of the ID number" if same
                       else "the CAN is not the last 6 digits of the ID number on the chip")
        elif self._can is not None:
            self.s.add("dg1_matches_input", Status.SKIPPED, "the CAN is not part of DG1")
        else:
            self.s.add("dg1_matches_input", Status.SKIPPED, "no holder data shown to compare")

    # -- PACE-CAM: EF.CardSecurity's PA, then the CAM outcome ----------------------------
    def chip_authentication_mapping(self) -> None:
        """Record CAM (Doc 9303-11 §4.4.3.5.2): proof only when EF.CardSecurity passed PA (signature and chain)."""
        data, ok, error = self.cam_outcome or (None, None, "PACE-CAM was not run")
        if error:
            self.s.add("chip_authentication_mapping", Status.FAILED, error)
            return
        signed = False
        if self.trust is None:
            self.s.add("card_security_authentication", Status.SKIPPED, "no trust store given")
        else:
            from .pki.passive import verify_card_security

            result = verify_card_security(data, self.trust, issuing_state=self._issuing_state(), at=self.at)
            signed = bool(result.passed)
            failed = [c for c in result.checks if c.status is Status.FAILED]
            reason = ("EF.CardSecurity signature and chain to the CSCA verified" if signed else
                      "; ".join(f"{c.name}: {c.reason}" for c in failed) or "EF.CardSecurity failed PA")
            self.s.add("card_security_authentication", Status.PASSED if signed else Status.FAILED, reason,
                       size=len(data))
        if ok:
            why = "the chip proved the EF.CardSecurity CA key in PACE (CA_IC * PK_IC = PK_Map,IC)"
            self.s.add("chip_authentication_mapping", Status.PASSED,
                       why + ("" if signed else "; but EF.CardSecurity did not pass PA: no proof"),
                       card_security_signed=signed, proof=signed)
        else:
            self.s.add("chip_authentication_mapping", Status.FAILED,
                       "CA_IC does not match the EF.CardSecurity CA key (cloned chip?)", card_security_signed=signed)

    # -- the PA condition of CA and AA --------------------------------------------------
    def _dg_signed(self, n: int) -> bool:
        """True when DG``n`` as read hashes to the value in EF.SOD (the PA condition for CA/AA)."""
        sod, data = self.parsed.get("EF.SOD"), self.s.files.get(f"DG{n}")
        if sod is None or data is None or n not in sod.dg_hashes:
            return False
        try:
            digest = hashlib.new(str(sod.hash_algorithm).replace("-", ""), data).digest()
        except (ValueError, TypeError):
            return False
        return hmac.compare_digest(digest, sod.dg_hashes[n])

    # -- verdict ----------------------------------------------------------------------
    def verdict(self, *, offline: bool) -> tuple[Verdict, str, int]:
        """(verdict, reason, exit code) by the rules of the ``cardkit.inspect`` module docstring."""
        stop = self.s.stop
        if stop is not None and stop.kind == "incomplete":  # card, reader or key: exit 3 (2 for bad input)
            return Verdict.INCOMPLETE, f"stopped at {stop.step}: {why(stop.error)}", stop.error.exit_code
        failed = [c.name for c in self.s.checks if c.status is Status.FAILED]
        pa = next((c for c in self.s.checks if c.name == "passive_authentication"), None)
        proofs = [c.name for c in self.s.checks if c.name in _PROOFS and c.passed and c.details.get("proof")]
        offered = [c.name for c in self.s.checks if c.name in _PROOFS and c.status is not Status.NOT_SUPPORTED]
        if failed:
            verdict, reason = Verdict.NOT_GENUINE, "failed: " + ", ".join(failed[:6])
        elif pa is None or pa.status is not Status.PASSED or not self.pa_passed:
            return Verdict.INCOMPLETE, "Passive Authentication was not run (no trust store)", 2
        elif offline:
            verdict, reason = Verdict.DATA_AUTHENTIC_CHIP_NOT_PROVEN, "a dump cannot prove the chip: CA/AA need the card"
        elif proofs:
            verdict, reason = Verdict.GENUINE, "PA passed; proof of the chip key: " + " and ".join(proofs)
        elif offered:
            verdict, reason = Verdict.DATA_AUTHENTIC_CHIP_NOT_PROVEN, "PA passed; the chip's key proof did not complete"
        else:
            verdict, reason = Verdict.DATA_AUTHENTIC_CHIP_NOT_PROVEN, "PA passed; the chip offers neither CA nor AA (could be a copy)"
        return verdict, reason, VERDICT_EXIT[verdict]

    def report(self, *, offline: bool, source: str) -> InspectionReport:
        verdict, reason, code = self.verdict(offline=offline)
        return InspectionReport(
            verdict=verdict,
            verdict_reason=reason,
            checks=tuple(self.s.checks),
            access=self.s.access,
            holder=dec.holder(self.parsed),
            algorithms=dict(self.s.algorithms),
            files=dict(self.s.files),
            apdu_count=self._apdus(),
            timings=dict(self.s.timings),
            phase_apdus=dict(self.s.phase_apdus),
            source=source,
            stopped_at=self.s.stop.step if self.s.stop else None,
            exit_code=code,
        )

