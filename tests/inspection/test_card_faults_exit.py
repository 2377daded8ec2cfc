"""A card's fault is never the operator's: chip data the terminal cannot use is exit 3, never exit 2.

Before, a chip whose EF.CardAccess named an unknown PACE parameterId gave INCOMPLETE with exit 2 (a
ParseError of the chip's data passed through as if the operator's input were bad). Only the one usage
case keeps exit 2: a chip with no PACE at all and only a CAN given (the key cannot open BAC).
"""

from __future__ import annotations

import pytest

from cardkit import cli
from cardkit.card import AccessKey, SimulatorTransport
from cardkit.checks import Status
from cardkit.inspect import Verdict, inspect
from cardkit.lds import CardAccess, PaceInfo
from tests.support.cards import make_vn_card

UNKNOWN_PARAMETER = CardAccess.build([PaceInfo("0.4.0.127.0.7.2.2.4.2.2", 2, 31)]).to_bytes()
UNKNOWN_PROTOCOL = CardAccess.build([PaceInfo("0.4.0.127.0.7.2.2.4.9.9", 2, 13)]).to_bytes()
UNDECODABLE = bytes.fromhex("3103020100")  # a SET holding an INTEGER, not a SecurityInfo

CHIPS = {
    "unknown parameterId": (UNKNOWN_PARAMETER, "access_control", "parameter"),
    "unknown PACE protocol": (UNKNOWN_PROTOCOL, "access_control", "BAC needs the MRZ data"),
    "EF.CardAccess that does not decode": (UNDECODABLE, "card_access", "does not decode"),
}


@pytest.mark.parametrize("name", list(CHIPS))
def test_chip_data_the_terminal_cannot_use_is_exit_3(tmp_path, name):
    card_access, step, words = CHIPS[name]
    chip, trust, info = make_vn_card(tmp_path, card_access=card_access)
    r = inspect(SimulatorTransport(chip), key=AccessKey.from_can(info.can), trust=trust)
    assert r.verdict is Verdict.INCOMPLETE and r.exit_code == 3, r.verdict_reason
    assert r.stopped_at == step and words in r.verdict_reason
    assert r.check(step).status is Status.FAILED


def test_with_the_mrz_the_same_chips_fall_back_to_bac(tmp_path):
    for card_access in (UNKNOWN_PARAMETER, UNKNOWN_PROTOCOL, UNDECODABLE):
        chip, trust, info = make_vn_card(tmp_path, card_access=card_access)
        r = inspect(SimulatorTransport(chip), key=AccessKey.from_mrz_information(info.mrz_information), trust=trust)
        assert r.access.method == "BAC" and r.verdict is not Verdict.INCOMPLETE, r.verdict_reason


def test_a_chip_without_pace_and_only_a_can_is_the_one_usage_case(tmp_path):
    chip, trust, info = make_vn_card(tmp_path, pace=False)
    r = inspect(SimulatorTransport(chip), key=AccessKey.from_can(info.can), trust=trust)
    assert r.verdict is Verdict.INCOMPLETE and r.exit_code == 2
    assert "BAC needs the MRZ data" in r.check("access_control").reason


@pytest.mark.parametrize("command", ["verify", "read"])
def test_unknown_parameter_id_from_the_cli_is_exit_3_with_one_line(tmp_path, capsys, command):
    chip, _trust, info = make_vn_card(tmp_path, card_access=UNKNOWN_PARAMETER)
    image = tmp_path / "card.image"
    chip.save(image)
    extra = ["--trust", str(info.csca_path)] if command == "verify" else ["--out", str(tmp_path / "dump")]
    code = cli.main([command, "--sim", str(image), "--can", info.can, *extra])
    out, err = capsys.readouterr()
    assert code == 3, out + err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("cardkit: ") and "access_control" in lines[0]
    assert info.can not in err
