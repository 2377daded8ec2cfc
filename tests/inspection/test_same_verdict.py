"""One judge: a card, its dump (``verify --dump``) and the audit of that dump give the same verdict words.

A chip proves its key only when present, so a genuine card is GENUINE while its dump is
DATA_AUTHENTIC_CHIP_NOT_PROVEN; everything decided by the files alone (a changed data group, no trust
anchor, a wrong country) must read the same from all three, and ``verify --dump`` and ``audit`` must
agree on every file set, through the library and through the CLI.
"""

from __future__ import annotations

import json

import pytest

from cardkit import cli
from cardkit.audit import verify_input
from cardkit.card import AccessKey, SimulatorTransport
from cardkit.inspect import Verdict, dump_evidence, inspect, inspect_dump, judge
from simulators.emrtd import Faults
from tests.support.cards import make_vn_card

CASES = {
    # name: (make_vn_card options, card verdict, dump and audit verdict)
    "genuine": ({}, Verdict.GENUINE, Verdict.DATA_AUTHENTIC_CHIP_NOT_PROVEN),
    "changed DG13": ({"faults": Faults(tamper_dg=13)}, Verdict.NOT_GENUINE, Verdict.NOT_GENUINE),
    "unknown issuer": ({"csca": "other"}, Verdict.UNKNOWN_ISSUER, Verdict.UNKNOWN_ISSUER),
    "no CA, no AA": ({"ca": False, "aa": None}, Verdict.DATA_AUTHENTIC_CHIP_NOT_PROVEN,
                     Verdict.DATA_AUTHENTIC_CHIP_NOT_PROVEN),
}


@pytest.fixture(scope="module", params=list(CASES))
def judged(request, tmp_path_factory):
    """(case, card report, dump directory, trust store, CSCA path) for one case."""
    options, card_verdict, dump_verdict = CASES[request.param]
    tmp = tmp_path_factory.mktemp("same")
    chip, trust, info = make_vn_card(tmp, **options)
    dump = tmp / "dump"
    report = inspect(SimulatorTransport(chip), key=AccessKey.from_can(info.can), trust=trust, out_dir=dump)
    return request.param, report, dump, trust, info.csca_path, card_verdict, dump_verdict


def test_card_dump_and_audit_agree(judged):
    _case, card, dump, trust, _csca, card_verdict, dump_verdict = judged
    assert card.verdict is card_verdict, card.verdict_reason
    offline = inspect_dump(dump, trust)
    item = verify_input(str(dump), "dump", trust)
    assert offline.verdict is item.verdict is dump_verdict, (offline.failed_checks, item.reasons)
    assert offline.exit_code == card.exit_code or card_verdict is Verdict.GENUINE
    # the dump's evidence is the card's files: judged again, the same checks as inspect_dump
    again = judge(dump_evidence(card.files), trust)
    assert [(c.name, c.status) for c in again.checks] == [(c.name, c.status) for c in offline.checks]
    assert [(c.name, c.status) for c in item.checks] == [(c.name, c.status) for c in offline.checks]


def test_verify_dump_and_audit_cli_print_the_same_verdict(judged, capsys):
    _case, _card, dump, _trust, csca, _cv, dump_verdict = judged
    code_verify = cli.main(["verify", "--dump", str(dump), "--trust", str(csca), "--json"])
    verified = json.loads(capsys.readouterr().out)
    code_audit = cli.main(["audit", str(dump), "--trust", str(csca), "--jobs", "1", "--json"])
    audited = json.loads(capsys.readouterr().out)
    assert verified["verdict"] == audited["items"][0]["verdict"] == dump_verdict.value
    assert verified["schema"] == audited["schema"] == 1
    assert code_verify == verified["exit_code"]
    if dump_verdict is Verdict.UNKNOWN_ISSUER:
        assert code_verify == code_audit == 5
    elif dump_verdict is Verdict.NOT_GENUINE:
        assert code_verify == code_audit == 1
    else:
        assert (code_verify, code_audit) == (1, 0)  # a dump is at best "chip not proven"; an audit of it passes
