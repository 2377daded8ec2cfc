"""The card phase's Terminal Authentication step against the software chip: what it records, and what it spares.

TA is the last step: every file but DG3/DG4 is read and AA and CA are done before it, so a refused
terminal — even one answered by a chip that ends secure messaging — costs only DG3. Each case runs
``inspect``/``read_card`` on a VN card whose DG3 holds two fingers and whose chip trusts a test CVCA.
"""

from __future__ import annotations

import datetime as dt

import pytest

from cardkit.card import AccessKey, Session, SimulatorTransport
from cardkit.checks import Status
from cardkit.crypto.cvc_validation import Rejection
from cardkit.crypto.ta import TaKeySigner
from cardkit.inspect import TaRun, Verdict, inspect, read_card
from cardkit.inspect.evidence import ProofRun, ReadEnd
from cardkit.lds import CardAccess, PaceInfo
from cardkit.pki.terminal import TerminalCredentials
from simulators.emrtd import EmrtdChip, Faults
from tests.support.cards import ID_PACE_ECDH_GM_AES128, make_vn_card
from tests.support.cvc_pki import CvPki, key, make_cv_pki
from tests.support.eac_cards import finger_dg3, make_eac_card

TODAY = dt.date.today()


@pytest.fixture(scope="module")
def pki() -> CvPki:
    return make_cv_pki(effective=TODAY)


def credentials(pki: CvPki, private=None) -> TerminalCredentials:
    return TerminalCredentials((pki.dv, pki.is_), pki.is_, TaKeySigner(private or pki.is_key, pki.algorithm))


class EndsSmOnExternalAuthenticate:
    """The chip's link, except that EXTERNAL AUTHENTICATE (INS 82) is answered 6988 in plain: a chip that drops
    secure messaging when it refuses TA."""

    def __init__(self, chip: EmrtdChip) -> None:
        self.inner = SimulatorTransport(chip)
        self.atr = self.inner.atr

    def transmit(self, apdu: bytes) -> bytes:
        return b"\x69\x88" if apdu[1] == 0x82 else self.inner.transmit(apdu)


def test_ta_is_last_and_opens_dg3_in_the_place_of_its_refused_read(tmp_path, pki):
    chip, trust, info = make_eac_card(tmp_path, pki, chip_date=TODAY)
    evidence = read_card(Session(SimulatorTransport(chip)), AccessKey.from_can(info.can), terminal=credentials(pki))
    ta = evidence.terminal_authentication
    assert ta is not None and ta.run is TaRun.AUTHENTICATED and ta.wanted == ("DG3",)
    assert ta.sent == (pki.dv.chr, pki.is_.chr) and ta.trust_point_source == "EF.CVCA" and "DG3" in ta.granted
    names = [r.name for r in evidence.reads]
    assert names.count("DG3") == 1 and names.index("DG3") == names.index("DG2") + 1  # one read, in its place
    assert evidence.read_of("DG3").end is ReadEnd.OK and evidence.files["DG3"] == info.files["DG3"]
    assert evidence.phase_apdus["terminal_authentication"] >= 2 + 7  # EF.CVCA, TA's seven, then DG3


def test_a_chip_that_ends_secure_messaging_on_a_refused_ta_costs_only_dg3(tmp_path, pki):
    chip, trust, info = make_eac_card(tmp_path, pki, chip_date=TODAY)
    report = inspect(EndsSmOnExternalAuthenticate(chip), key=AccessKey.from_can(info.can), trust=trust,
                     terminal=credentials(pki))
    ta = report.check("terminal_authentication")
    assert ta.status is Status.FAILED and "ended secure messaging" in ta.reason
    assert report.verdict is Verdict.GENUINE and report.stopped_at is None
    assert report.check("active_authentication").status is Status.PASSED
    assert report.check("chip_authentication").status is Status.PASSED
    assert report.check("read:DG3").status is Status.NOT_SUPPORTED and "DG3" not in report.files


def test_the_wrong_terminal_key_is_refused_by_the_chip_at_external_authenticate(tmp_path, pki):
    chip, trust, info = make_eac_card(tmp_path, pki, chip_date=TODAY)
    evidence = read_card(Session(SimulatorTransport(chip)), AccessKey.from_can(info.can),
                         terminal=credentials(pki, key(pki.curve, "someone else")))
    ta = evidence.terminal_authentication
    assert ta.run is TaRun.REFUSED_BY_CHIP and ta.rejection is Rejection.CHALLENGE_SIGNATURE
    assert ta.certificate == pki.is_.chr and "EXTERNAL AUTHENTICATE" in ta.step
    assert evidence.read_of("DG3").end is ReadEnd.NEEDS_TA and evidence.stop is None  # never asked for


def test_without_chip_authentication_ta_is_not_attempted(tmp_path, pki):
    chip, trust, info = make_eac_card(tmp_path, pki, chip_date=TODAY, ca=False)
    report = inspect(SimulatorTransport(chip), key=AccessKey.from_can(info.can), trust=trust,
                     terminal=credentials(pki))
    ta = report.check("terminal_authentication")
    assert ta.status is Status.SKIPPED and "Chip Authentication" in ta.reason
    assert report.check("read:DG3").status is Status.NOT_SUPPORTED and report.verdict is Verdict.GENUINE


def test_a_card_pulled_during_ta_is_incomplete(tmp_path, pki):
    chip, trust, info = make_eac_card(tmp_path, pki, chip_date=TODAY)
    counted = inspect(SimulatorTransport(chip), key=AccessKey.from_can(info.can), trust=trust,
                      terminal=credentials(pki))
    before_ta = counted.apdu_count - counted.phase_apdus["terminal_authentication"]
    (tmp_path / "again").mkdir()
    chip, trust, info = make_eac_card(tmp_path / "again", pki, chip_date=TODAY,
                                      faults=Faults(remove_at_apdu=before_ta + 4))
    report = inspect(SimulatorTransport(chip), key=AccessKey.from_can(info.can), trust=trust,
                     terminal=credentials(pki))
    assert report.verdict is Verdict.INCOMPLETE and report.stopped_at == "terminal_authentication"
    assert report.check("terminal_authentication").status is Status.FAILED


def test_reading_only_still_runs_ca_for_ta_but_not_aa(tmp_path, pki):
    chip, trust, info = make_eac_card(tmp_path, pki, chip_date=TODAY)
    evidence = read_card(Session(SimulatorTransport(chip)), AccessKey.from_can(info.can), prove_chip=False,
                         terminal=credentials(pki))
    assert evidence.active_authentication is None
    assert evidence.chip_authentication is not None and evidence.chip_authentication.run is ProofRun.VERIFIED
    assert evidence.terminal_authentication.run is TaRun.AUTHENTICATED and "DG3" in evidence.files


def test_a_chip_that_announces_no_ta_and_lists_no_eac_group_gets_none(tmp_path, pki):
    pace_only = CardAccess.build([PaceInfo(ID_PACE_ECDH_GM_AES128, 2, 13)]).to_bytes()  # DG14 mirrors it: no TA
    chip, trust, info = make_vn_card(tmp_path, dg3=False, card_access=pace_only)
    report = inspect(SimulatorTransport(chip), key=AccessKey.from_can(info.can), trust=trust,
                     terminal=credentials(pki))
    ta = report.check("terminal_authentication")
    assert ta.status is Status.NOT_SUPPORTED and "announces no Terminal Authentication" in ta.reason
    assert report.check("read:DG3") is None and report.verdict is Verdict.GENUINE
    assert report.phase_apdus["terminal_authentication"] == 0  # nothing was sent for it


def test_the_finger_dg3_is_the_one_read(tmp_path, pki):
    chip, trust, info = make_eac_card(tmp_path, pki, chip_date=TODAY)
    report = inspect(SimulatorTransport(chip), key=AccessKey.from_can(info.can), trust=trust,
                     terminal=credentials(pki))
    assert report.files["DG3"] == finger_dg3() and report.check("pa:DG3 hash").status is Status.PASSED
