"""``cardkit audit``: the JSON document (with its schema), the --report file, the table, the list of
every item that did not pass, and the exit code."""

import json

from cardkit import cli
from cardkit.audit import AUDIT_SCHEMA_VERSION
from cardkit.inspect import Verdict


def test_cli_audit_json_and_exit_code(audit_corpus, capsys, tmp_path):
    report = tmp_path / "findings.jsonl"
    code = cli.main(["audit", str(audit_corpus / "in"), "--trust", str(audit_corpus / "trust"), "--crl", str(audit_corpus / "vn.crl"),
                     "--jobs", "1", "--json", "--report", str(report)])
    assert code == 1  # not everything is authentic
    doc = json.loads(capsys.readouterr().out)
    assert doc["schema"] == AUDIT_SCHEMA_VERSION == 1
    assert doc["summary"]["total"] == 12 and doc["summary"]["by_verdict"]["DATA_AUTHENTIC_CHIP_NOT_PROVEN"] == 5
    assert len(doc["items"]) == 12
    lines = [json.loads(x) for x in report.read_text().splitlines()]
    assert len(lines) == 12 and all(x["verdict"] in {v.value for v in Verdict} and x["schema"] == 1 for x in lines)


def test_cli_audit_all_genuine_exits_zero_with_table(audit_corpus, capsys):
    code = cli.main(["audit", str(audit_corpus / "in" / "good0"), str(audit_corpus / "in" / "sods" / "good.sod"),
                     "--trust", str(audit_corpus / "trust"), "--jobs", "1"])
    out = capsys.readouterr().out
    assert code == 0 and "Audit summary" in out and "By DS certificate" in out


def test_cli_audit_text_names_every_item_that_did_not_pass(audit_corpus, capsys):
    code = cli.main(["audit", str(audit_corpus / "in"), "--trust", str(audit_corpus / "trust"), "--crl", str(audit_corpus / "vn.crl"),
                     "--jobs", "1"])
    lines = capsys.readouterr().out.splitlines()
    assert code == 1
    for name, verdict, check in (("tampered", "NOT_GENUINE", "pa:DG2 hash: "),
                                 ("wrong-state", "NOT_GENUINE", "pa:country: "),
                                 ("stranger.sod", "UNKNOWN_ISSUER", "pa:certificate path: "),
                                 ("revoked.sod", "NOT_GENUINE", "pa:revocation: "),
                                 ("no-sod", "NOT_GENUINE", "passive_authentication: EF.SOD was not read"),
                                 ("unknown.sod", "UNKNOWN_ISSUER", "pa:certificate path: "),
                                 ("junk.sod", "INCOMPLETE", "cannot read: ")):
        assert any(ln.startswith(f"{verdict}  ") and f"/{name}  {check}" in ln for ln in lines), (name, lines)
    listed = [ln for ln in lines if ln.split("  ")[0] in {v.value for v in Verdict}]
    assert len(listed) == 7 and not any("/good" in ln for ln in listed)  # authentic items are not listed

