"""The read-back after personalisation: the locked card read as a terminal would, and held to what was written.

Rules (Doc 9303-11 §7 inspection; §7.1 Extended Access Control):
- the card is read with ``cardkit.inspect.inspect`` (PACE or BAC, every file, PA, CA, AA) under the key
  the issuer reads its own cards with (``card_access_key``); only a GENUINE verdict, on files equal to
  those written, byte for byte, passes;
- a card written with DG3/DG4 must prove they are behind Extended Access Control: after the chip's
  proofs the first of them is asked once without Terminal Authentication (``inspect(probe_eac=True)``:
  one READ BINARY by short FID, or SELECT and READ BINARY on a chip without short FIDs), and the chip
  must refuse it with a security status (6982). A chip that hands it out fails with
  ``BiometricsUnprotectedError``, whatever else it proved. Verifying terminals never probe;
- with an inspection system's credentials (``terminal``) Terminal Authentication runs after the probe
  and DG3/DG4 must read back as written (their hashes checked against EF.SOD by Passive
  Authentication); without them they stay unread, and EF.SOD, compared with the one written, still
  hashes them. ``check_terminal`` refuses, before the first card, credentials that could never open
  them on these chips (a TA refused for the operator's certificates must not spoil card after card).
"""

from __future__ import annotations

import datetime as dt
import hmac
from collections.abc import Mapping, Sequence

from .card import AccessKey, Transport
from .checks import Status
from .crypto.cvc import CvCertificate
from .crypto.cvc_validation import CvRejected
from .errors import InputError, VerificationError
from .inspect import EAC_GROUPS, InspectionReport, Verdict, inspect
from .pki.cvc_chain import prepare_path
from .pki.terminal import TerminalCredentials
from .pki.trust import TrustStore
from .profiles import Profile

__all__ = ["BiometricsUnprotectedError", "card_access_key", "verify_written", "check_terminal"]


class BiometricsUnprotectedError(VerificationError):
    """The chip did not refuse DG3/DG4 asked without Terminal Authentication (Doc 9303-11 §7.1).

    The card holds authentic data but would hand the holder's fingerprints or irises to any reader that
    opens the channel: it must not be issued.
    """


def card_access_key(can: str | None, mrz_information: str) -> AccessKey:
    """The key the issuer reads its own card with: the CAN (PACE) where the card has one, with the MRZ
    information for a chip that falls back to BAC; else the MRZ information (Doc 9303-11 §4.3, §4.4)."""
    if can is not None:
        return AccessKey.from_can(can, mrz_information=mrz_information)
    return AccessKey.from_mrz_information(mrz_information)


def verify_written(transport: Transport, written: Mapping[str, bytes], key: AccessKey, trust: TrustStore | None, *,
                   block_size: int | None = None, terminal: TerminalCredentials | None = None) -> InspectionReport:
    """Inspect the locked card; return the report if it passes every rule of the module header.

    Args:
        written: file name -> the bytes written to the chip.
        key: how the issuer opens the chip (``card_access_key``).
        trust: the CSCA(s) for Passive Authentication.
        block_size: READ BINARY block size (the profile's ``chip.read_block_size``).
        terminal: an inspection system's credentials: DG3/DG4 read after Terminal Authentication.
    Raises:
        BiometricsUnprotectedError: DG3/DG4 were written, and the chip handed the one asked without TA out
            (or did not refuse it with a security status, or listed neither).
        VerificationError: any verdict but GENUINE, a file that differs from the one written, or (with
            ``terminal``) a DG3/DG4 that Terminal Authentication did not open.
        ProtocolError / TransportError: the card could not be read.
    """
    eac = [name for name in written if name in EAC_GROUPS]
    report = inspect(transport, key=key, trust=trust, block_size=block_size, probe_eac=bool(eac), terminal=terminal)
    probe = report.check("eac_protection")
    if eac and probe is not None and probe.status is Status.FAILED:
        raise BiometricsUnprotectedError(f"read-back: {probe.reason}")
    if report.verdict is not Verdict.GENUINE:
        failed = [c for c in report.checks if c.status is Status.FAILED]
        why = "; ".join(f"{c.name}: {c.reason}" for c in failed[:3]) or "no failed check named"
        raise VerificationError(f"read-back verdict {report.verdict.value} ({why})")
    if eac and probe is None:
        raise BiometricsUnprotectedError(f"read-back: {eac[0]} was written but the chip lists no EAC group to ask")
    for name, data in written.items():
        got = report.files.get(name)
        if got is None and name in EAC_GROUPS:
            if terminal is None:
                continue  # refused without TA (the probe); EF.SOD, compared with the one written, hashes it
            ta = report.check("terminal_authentication")
            why = ta.reason if ta is not None else "Terminal Authentication did not run"
            raise VerificationError(f"read-back: {name} was not read after Terminal Authentication ({why})")
        if got is None or not hmac.compare_digest(got, data):
            raise VerificationError(f"read-back: {name} differs from the file written")
    return report


def check_terminal(terminal: TerminalCredentials, trust_points: Sequence[CvCertificate], profile: Profile,
                   today: dt.date) -> None:
    """Refuse an inspection system's credentials that cannot open this profile's DG3/DG4 on chips trusting
    ``trust_points`` (TR-03110-3 §2: a path from the CVCA, valid today, granting the rights needed).

    Raises:
        InputError: the profile writes no EAC group or has no TA, or the chain does not reach a trust point,
            is not valid today or grants too little (naming the certificate and the rule).
    """
    groups = {n for n in profile.data_groups if f"DG{n}" in EAC_GROUPS}
    if profile.terminal_authentication is None or not groups or not trust_points:
        raise InputError(f"{profile.source}: --is-cert: the profile writes no DG3/DG4 behind Terminal "
                         "Authentication (and a CVCA): the read-back has nothing to read with TA")
    try:
        prepare_path([c.chr for c in trust_points], [*terminal.certificates, *trust_points], today,
                     need_dg3=3 in groups, need_dg4=4 in groups, terminal_chr=terminal.terminal_chr)
    except CvRejected as e:
        raise InputError(f"--is-cert: the inspection system's chain cannot open DG3/DG4 on these chips: {e}") from None
