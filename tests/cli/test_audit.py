"""``cardkit audit``: the JSON document, the --report file, the table, and the exit code (0 only when all is genuine)."""

import json

from cardkit import cli
from cardkit.audit import FAILED, GENUINE, UNREADABLE


def test_cli_audit_json_and_exit_code(audit_corpus, capsys, tmp_path):
    report = tmp_path / "findings.jsonl"
    code = cli.main(["audit", str(audit_corpus / "in"), "--trust", str(audit_corpus / "trust"), "--crl", str(audit_corpus / "vn.crl"),
                     "--jobs", "1", "--json", "--report", str(report)])
    assert code == 1  # not everything is genuine
    doc = json.loads(capsys.readouterr().out)
    assert doc["summary"]["total"] == 11 and doc["summary"]["genuine"] == 5
    assert len(doc["items"]) == 11
    lines = report.read_text().splitlines()
    assert len(lines) == 11 and all(json.loads(x)["verdict"] in (GENUINE, FAILED, UNREADABLE) for x in lines)


def test_cli_audit_all_genuine_exits_zero_with_table(audit_corpus, capsys):
    code = cli.main(["audit", str(audit_corpus / "in" / "good0"), str(audit_corpus / "in" / "sods" / "good.sod"),
                     "--trust", str(audit_corpus / "trust"), "--jobs", "1"])
    out = capsys.readouterr().out
    assert code == 0 and "Audit summary" in out and "By DS certificate" in out
