"""The CLI shell: errors become one line and the exit code its class carries (cardkit.errors), never a traceback."""

import pytest

from cardkit import cli


@pytest.fixture
def with_fail_command(monkeypatch):
    monkeypatch.setitem(cli.COMMANDS, "fail", ("tests.support.cli_commands", "fail", "test command"))
    monkeypatch.delenv("CARDKIT_DEBUG", raising=False)


@pytest.mark.parametrize(
    "kind,code,text",
    [
        ("parse", 2, "cardkit: dump/DG1, DG1, offset 7: length runs past the end"),
        ("verify", 1, "cardkit: DG2 hash does not match EF.SOD"),
        ("auth", 3, "cardkit: PACE GA 4: chip token does not verify; wrong CAN?"),
        ("bug", 4, "cardkit: internal error: ZeroDivisionError: division by zero"),
    ],
)
def test_errors_map_to_one_line_and_exit_code(with_fail_command, capsys, kind, code, text):
    assert cli.main(["fail", kind]) == code
    err = capsys.readouterr().err
    assert err.splitlines()[0].startswith(text)
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_success_is_zero(with_fail_command, capsys):
    assert cli.main(["fail", "ok"]) == 0
    assert capsys.readouterr().out == "fine\n"


def test_usage_error_is_two(capsys):
    assert cli.main(["no-such-command"]) == 2
    assert "No such command" in capsys.readouterr().err


def test_help_lists_only_commands_that_exist(capsys):
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "Usage: cardkit" in out
