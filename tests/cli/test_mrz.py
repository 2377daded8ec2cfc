"""``cardkit mrz make|check`` through ``cardkit.cli.main``: output, exit codes, one-line errors."""

import json

import pytest

from tests.support.cli import EXAMPLES
from tests.support.cli import run_cli as run

VN = ["IDVNM0000123453999000012345<<2", "9001011M3001019VNM<<<<<<<<<<<6", "NGUYEN<<VAN<A<<<<<<<<<<<<<<<<<"]
TD3 = ["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10"]


def test_make_prints_the_mrz_of_every_record():
    code, out, err = run("mrz", "make", str(EXAMPLES / "vn-citizens.csv"), "--today", "2026-11-01")
    assert code == 0, err
    blocks = [b.split("\n") for b in out.strip().split("\n\n")]
    assert len(blocks) == 5 and all(len(b) == 3 and all(len(x) == 30 for x in b) for b in blocks)
    assert blocks[0][2] == "NGUYEN<<THI<ANH<TUYET<<<<<<<<<"
    assert blocks[3][1][8:15] == "<<<<<<0"  # Không thời hạn


def test_make_one_line_as_json():
    code, out, _ = run("mrz", "make", str(EXAMPLES / "vn-citizens.jsonl"), "--line", "5", "--json",
                       "--today", "2026-11-01")
    assert code == 0
    data = json.loads(out)
    assert data == [{"line": 5, "format": "TD1", "lines": [
        "IDVNM1989990056064198999005<<8", "9811304F3811302VNM<<<<<<<<<<<6", "KSOR<<HNHI<<<<<<<<<<<<<<<<<<<<"]}]


def test_make_bad_record_on_line_is_one_line_exit_2():
    code, out, err = run("mrz", "make", str(EXAMPLES / "vn-citizens-bad.csv"), "--line", "3", "--today", "2026-11-01")
    assert code == 2 and out == ""
    assert err == "cardkit: record line 3: id_number: province code 003 is not one of the 63 province codes\n"


def test_make_bad_file_lists_each_record_then_exit_2():
    code, _, err = run("mrz", "make", str(EXAMPLES / "vn-citizens-bad.csv"), "--today", "2026-11-01")
    assert code == 2
    lines = err.strip().split("\n")
    assert len(lines) == 23 and lines[-1] == "cardkit: vn-citizens-bad.csv: 22 of 22 records invalid"


@pytest.mark.parametrize("args,text", [
    (["--line", "99"], "no record on line 99"),
    (["--today", "yesterday"], "--today must be a date"),
])
def test_make_usage_errors(args, text):
    code, _, err = run("mrz", "make", str(EXAMPLES / "vn-citizens.csv"), *args)
    assert code == 2 and text in err and len(err.strip().split("\n")) == 1


def test_make_missing_file():
    code, _, err = run("mrz", "make", "/nonexistent/records.csv")
    assert code == 2 and "cannot open" in err and len(err.strip().split("\n")) == 1


def test_check_valid_json_report():
    code, out, _ = run("mrz", "check", *VN, "--json")
    assert code == 0
    rep = json.loads(out)
    assert rep["format"] == "TD1" and rep["valid"] is True
    assert rep["fields"]["document_number"] == "000012345" and rep["fields"]["optional_data"] == "999000012345<<2"
    assert [c["name"] for c in rep["check_digits"]] == ["document number", "date of birth", "date of expiry", "composite"]


def test_check_concatenated_text_and_table():
    code, out, _ = run("mrz", "check", "".join(TD3))
    assert code == 0
    assert "TD3" in out and "ERIKSSON" in out and "composite" in out and "WRONG" not in out


def test_check_reads_stdin():
    code, out, _ = run("mrz", "check", "--json", input="\n".join(VN) + "\n")
    assert code == 0 and json.loads(out)["valid"]


def test_check_wrong_check_digit_reports_which_and_exits_1():
    bad = [VN[0], VN[1][:6] + "2" + VN[1][7:], VN[2]]
    code, out, err = run("mrz", "check", *bad, "--json")
    assert code == 1
    rep = json.loads(out)
    wrong = [c for c in rep["check_digits"] if not c["ok"]]
    assert [(c["name"], c["line"], c["position"], c["expected"], c["found"]) for c in wrong] == [
        ("date of birth", 2, 7, "1", "2"), ("composite", 2, 30, "9", "6")]
    assert err == ("cardkit: MRZ check digit wrong: date of birth (line 2 position 7), "
                   "composite (line 2 position 30)\n")


@pytest.mark.parametrize("lines,text", [
    (["ABC"], "MRZ: expected 3 lines of 30"),
    ([VN[0], VN[1][:7] + "Q" + VN[1][8:], VN[2]], "MRZ: line 2 position 8: sex must be M, F, X or <"),
    ([VN[0].lower(), VN[1], VN[2]], "MRZ: line 1 position 1: 'i' is not an MRZ character"),
])
def test_check_malformed_is_one_line_exit_2(lines, text):
    code, out, err = run("mrz", "check", *lines)
    assert code == 2 and out == ""
    assert err.startswith("cardkit: " + text) and len(err.strip().split("\n")) == 1


def test_help():
    code, out, _ = run("mrz", "--help")
    assert code == 0 and "make" in out and "check" in out


def test_examples_readme_command_output():
    text = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    block = text.split("```\n$ .venv/bin/cardkit ", 1)[1].split("```", 1)[0]
    command, *expected = block.strip().split("\n")
    args = [a.replace("examples/", str(EXAMPLES) + "/") for a in command.split()]
    code, out, _ = run(*args, "--today", "2026-11-01")
    assert code == 0 and out.strip().split("\n") == expected
