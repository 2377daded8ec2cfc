"""The unsigned EF.CardAccess against the signed DG14 (Doc 9303-11 §9.2): each info announced, in DG14, same values.

Unit rows on decoded files (pure), then a chip built with the simulator that announces PACE on
parameterId 12 where its DG14 says 13: called GENUINE before, a FAILED finding now.
"""

from __future__ import annotations

import pytest

from cardkit.card import AccessKey, SimulatorTransport
from cardkit.checks import Status
from cardkit.inspect import Verdict, inspect
from cardkit.inspect.consistency import card_access_matches_dg14
from cardkit.inspect.files import DecodedFiles
from cardkit.lds import (
    ActiveAuthenticationInfo,
    CardAccess,
    ChipAuthenticationInfo,
    Dg14,
    PaceInfo,
    TerminalAuthenticationInfo,
    UnknownSecurityInfo,
)
from tests.support.cards import make_vn_card

GM_128 = "0.4.0.127.0.7.2.2.4.2.2"
CAM_128 = "0.4.0.127.0.7.2.2.4.6.2"
CA_128 = "0.4.0.127.0.7.2.2.3.2.2"
TA = TerminalAuthenticationInfo()


def check(access: list, dg14: list | None):
    decoded = DecodedFiles(card_access=CardAccess.build(access),
                           dg14=Dg14.build(dg14) if dg14 is not None else None)
    return card_access_matches_dg14(decoded)


@pytest.mark.parametrize("access,dg14,status,words", [
    ([PaceInfo(GM_128, 2, 13)], [PaceInfo(GM_128, 2, 13), TA], Status.PASSED, "carries the 1 SecurityInfo"),
    ([TA, ChipAuthenticationInfo(CA_128, 1), PaceInfo(GM_128, 2, 13)],
     [ChipAuthenticationInfo(CA_128, 1), PaceInfo(GM_128, 2, 13), TA, ActiveAuthenticationInfo()], Status.PASSED,
     "carries the 3 SecurityInfos"),
    ([PaceInfo(GM_128, 2, 12)], [PaceInfo(GM_128, 2, 13)], Status.FAILED,
     "announces id-PACE-ECDH-GM-AES-CBC-CMAC-128 (secp256r1) v2, parameterId 12, DG14 says "
     "id-PACE-ECDH-GM-AES-CBC-CMAC-128 (brainpoolP256r1) v2, parameterId 13"),
    ([PaceInfo(GM_128, 2, 13), PaceInfo(CAM_128, 2, 13)], [PaceInfo(GM_128, 2, 13)], Status.FAILED,
     "DG14 lacks id-PACE-ECDH-CAM-AES-CBC-CMAC-128"),
    ([TA, PaceInfo(GM_128, 2, 13)], [PaceInfo(GM_128, 2, 13)], Status.FAILED, "DG14 lacks id-TA v1"),
    # a DG14 without any PACEInfo: 9303 says SHALL, so it fails like any other info missing
    ([PaceInfo(GM_128, 2, 13)], [ChipAuthenticationInfo(CA_128, 1)], Status.FAILED,
     "DG14 lacks id-PACE-ECDH-GM-AES-CBC-CMAC-128"),
    ([ChipAuthenticationInfo(CA_128, 1, 7)], [ChipAuthenticationInfo(CA_128, 1, 8)], Status.FAILED, "keyId 7"),
    ([TerminalAuthenticationInfo(version=2)], [TA], Status.FAILED, "id-TA v2, DG14 says id-TA v1"),
    ([PaceInfo(GM_128, 2, 13), UnknownSecurityInfo("1.2.3.4", raw=bytes.fromhex("300806032a0304020100"))],
     [PaceInfo(GM_128, 2, 13)], Status.PASSED, "not compared"),
    ([PaceInfo(GM_128, 2, 13)], None, Status.NOT_SUPPORTED, "no DG14"),
])
def test_card_access_against_dg14(access, dg14, status, words):
    c = check(access, dg14)
    assert c.name == "card_access_matches_dg14" and c.status is status and words in c.reason, c


def test_without_card_access_or_with_a_dg14_that_does_not_decode_nothing_is_compared():
    assert card_access_matches_dg14(DecodedFiles()).status is Status.SKIPPED
    bad = DecodedFiles(card_access=CardAccess.build([PaceInfo(GM_128, 2, 13)]), failures=(("DG14", "bad"),))
    c = card_access_matches_dg14(bad)
    assert c.status is Status.SKIPPED and "DG14 does not decode" in c.reason


def test_a_chip_announcing_parameter_12_where_dg14_says_13_is_not_genuine(tmp_path):
    announced = CardAccess.build([TA, ChipAuthenticationInfo(CA_128, 1), PaceInfo(GM_128, 2, 12)]).to_bytes()
    chip, trust, info = make_vn_card(tmp_path, card_access=announced, dg14_mirrors_card_access=False)
    r = inspect(SimulatorTransport(chip), key=AccessKey.from_can(info.can), trust=trust)
    assert r.access.method == "PACE" and r.access.parameter_id == 12  # PACE ran as the chip announced ...
    assert r.check("passive_authentication").status is Status.PASSED  # ... every signed file is intact ...
    c = r.check("card_access_matches_dg14")  # ... but DG14, signed, says something else
    assert c is not None and c.status is Status.FAILED and "parameterId 12" in c.reason and "parameterId 13" in c.reason
    assert r.verdict is Verdict.NOT_GENUINE and r.exit_code == 1
    assert "card_access_matches_dg14" in r.verdict_reason


def test_a_consistent_chip_passes_the_comparison(tmp_path):
    chip, trust, info = make_vn_card(tmp_path)
    r = inspect(SimulatorTransport(chip), key=AccessKey.from_can(info.can), trust=trust)
    assert r.verdict is Verdict.GENUINE
    assert r.check("card_access_matches_dg14").status is Status.PASSED
