"""Verification: read a chip (or a dump) into typed evidence, then judge it (Doc 9303-11 §7, Doc 9303-12).

Two phases that never mix:
- the card phase (``read_card``) talks to the chip and records how every step ended as ``Evidence``;
- the one judge (``judge``), a pure function of evidence and a trust store, decides every check and
  the verdict. The same judge serves a card (``inspect``), a dump (``inspect_dump``), the read-back
  after personalisation and the bulk audit, so the same evidence always gets the same verdict word.

The holder's key (``cardkit.card.AccessKey``: CAN, MRZ information or Vietnamese ID number) is taken
once, by the caller; it opens the channel and is compared with DG1/DG13, and never leaves its object.
Verdicts and exit codes: ``cardkit.inspect.report``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import time
from collections.abc import Callable
from pathlib import Path

from ..card import AccessKey, ApduTrace, Session, Transport
from ..dump import read_dump, write_dump
from ..pki.terminal import TerminalCredentials
from ..pki.trust import TrustStore
from .card_phase import read_card
from .evidence import EAC_GROUPS, Evidence, Source, StopReason, TaAttempt, TaRun, dump_evidence
from .holder import FaceInfo, Holder
from .judge import judge
from .report import SCHEMA_VERSION, VERDICT_EXIT, AccessInfo, InspectionReport, Verdict

__all__ = [
    "inspect", "inspect_dump", "judge", "read_card", "dump_evidence", "Evidence", "Source", "StopReason",
    "InspectionReport", "Verdict", "VERDICT_EXIT", "SCHEMA_VERSION", "AccessInfo", "Holder", "FaceInfo",
    "TaAttempt", "TaRun", "EAC_GROUPS",
]


def inspect(
    transport: Transport,
    *,
    key: AccessKey,
    trust: TrustStore | None,
    at: dt.datetime | None = None,
    rng: Callable[[int], bytes] = os.urandom,
    block_size: int | None = None,
    out_dir: str | Path | None = None,
    trace: ApduTrace | None = None,
    prove_chip: bool = True,
    sfi: bool = False,
    terminal: TerminalCredentials | None = None,
    probe_eac: bool = False,
) -> InspectionReport:
    """Read and judge one chip (Doc 9303-11 §7 inspection procedure).

    Args:
        transport: anything with ``transmit(bytes) -> bytes`` (PcscTransport, SimulatorTransport ...).
        key: what the holder shows (``AccessKey.from_can`` / ``from_mrz_information`` / ``from_document``
            / ``from_vn_id_number``), checked when it was made.
        trust: a ``TrustStore``; None skips Passive Authentication (verdict INCOMPLETE).
        at: verification time for certificate validity (default now).
        rng: randomness for PACE/BAC/CA/AA.
        block_size: READ BINARY block size (default: the session's).
        out_dir: when given, the files read and ``report.json`` are written there as a dump.
        trace: an ``ApduTrace`` the session records into.
        prove_chip: False skips CA and AA (``cardkit read`` only wants the files; CA still runs for TA).
        sfi: kept for callers of the short-FID option; the read already takes the fewest APDUs the chip
            allows (``Session(fast_reads=True)``: a whole first block by short FID, SELECT where the chip
            refuses short FIDs, the largest block its ATR allows unless ``block_size`` is given), so it
            changes nothing.
        terminal: an inspection system's CV certificates and key (``cardkit.pki.terminal``): after CA, run
            Terminal Authentication and read DG3/DG4 as far as it grants; its certificates are checked
            as of ``at`` (default today). Without it DG3/DG4 stay unread (NOT_SUPPORTED).
        probe_eac: the issuer's read-back only: after the chip's proofs (and before TA), ask DG3 (else DG4)
            without Terminal Authentication; the ``eac_protection`` check says whether the chip refused it.
            A verifying terminal leaves it False (one more APDU, and nothing it needs to know).

    Returns:
        The InspectionReport; card problems are in it (verdict INCOMPLETE), not raised.
    """
    t0 = time.perf_counter()
    session = Session(transport, rng=rng, block_size=block_size, trace=trace, fast_reads=True)
    evidence = read_card(session, key, prove_chip=prove_chip, sfi=sfi, terminal=terminal,
                         ta_date=at.date() if at is not None else None, probe_eac=probe_eac)
    report = _judged(evidence, trust, key, at, t0)
    if out_dir is not None:
        write_dump(out_dir, report.files, report.to_dict())
    return report


def inspect_dump(path: str | Path, trust: TrustStore | None, *, key: AccessKey | None = None,
                 at: dt.datetime | None = None) -> InspectionReport:
    """Judge a dump directory offline: PA and consistency; CA/AA SKIPPED (they need the chip).

    Raises:
        InputError / ParseError: the dump is missing or a file in it is malformed (names the file).
    """
    t0 = time.perf_counter()
    return _judged(dump_evidence(read_dump(path)), trust, key, at, t0)


def _judged(evidence: Evidence, trust: TrustStore | None, key: AccessKey | None, at: dt.datetime | None,
            t0: float) -> InspectionReport:
    t1 = time.perf_counter()
    report = judge(evidence, trust, key=key, at=at)
    t2 = time.perf_counter()
    return dataclasses.replace(report, timings={**report.timings, "judge": (t2 - t1) * 1000,
                                                "total": (t2 - t0) * 1000})
