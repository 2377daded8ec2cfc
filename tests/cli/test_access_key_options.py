"""The key options of ``read`` and ``verify``: one AccessKey, refused once, in one line, exit 2, never echoed.

Each bad value is given on the command line, in the environment and at the '-' prompt; the error line
names the option and the rule, never the value, and no card is touched (the image does not exist).
"""

from __future__ import annotations

import pytest

from cardkit import cli
from tests.support.cards import make_td1_card

BAD = [
    # (option, bad value, words of the one line)
    ("--can", "12a456", "--can: the CAN must be digits"),
    ("--can", "12345678901", "--can: the CAN must be digits"),
    ("--can", "１２３４５６", "--can: the CAN must be digits"),  # full-width digits are not ASCII
    ("--id-number", "00109001234X", "--id-number: the ID number must be the 12 digits"),
    ("--id-number", "0010900123", "--id-number: the ID number must be the 12 digits"),
    ("--mrz-info", "L898902C<36908061", "--mrz-info: MRZ information must be"),
    ("--mrz-info", "L898902C<3690806194062?6", "--mrz-info: MRZ information must be"),
]
ENV = {"--can": "CARDKIT_CAN", "--id-number": "CARDKIT_ID_NUMBER", "--mrz-info": "CARDKIT_MRZ_INFO"}


@pytest.fixture(scope="module")
def csca(tmp_path_factory):
    _chip, _trust, info = make_td1_card(tmp_path_factory.mktemp("csca"))
    return info.csca_path


def _run(capsys, monkeypatch, argv, env=None, typed=None):
    for var in ENV.values():
        monkeypatch.delenv(var, raising=False)
    for k, v in (env or {}).items():
        monkeypatch.setenv(k, v)
    if typed is not None:  # what the operator types at the prompt that does not echo
        monkeypatch.setattr("click.prompt", lambda text, hide_input=False, err=False, confirmation_prompt=False: typed)
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("how", ["argv", "env", "prompt"])
@pytest.mark.parametrize("option,value,words", BAD, ids=[f"{o}-{i}" for i, (o, _, _) in enumerate(BAD)])
@pytest.mark.parametrize("command", ["verify", "read"])
def test_a_bad_key_is_one_line_exit_2_never_echoed(tmp_path, capsys, monkeypatch, csca, command, option, value,
                                                   words, how):
    argv = [command, "--sim", tmp_path / "missing.image"]
    argv += ["--trust", csca] if command == "verify" else ["--out", tmp_path / "dump"]
    if how == "argv":
        code, out, err = _run(capsys, monkeypatch, [*argv, option, value])
    elif how == "env":
        code, out, err = _run(capsys, monkeypatch, argv, env={ENV[option]: value})
    else:
        code, out, err = _run(capsys, monkeypatch, [*argv, option, "-"], typed=value)
    lines = err.strip().splitlines()
    assert code == 2, out + err
    assert lines[-1].startswith("cardkit: ") and words in lines[-1], err
    assert value not in out + err
    assert not (tmp_path / "dump").exists()


@pytest.mark.parametrize("args,words", [
    (["--doc", "L898902C", "--dob", "691306", "--doe", "940623"], "--doc/--dob/--doe: the date of birth is not a date"),
    (["--doc", "L898902C", "--dob", "6908", "--doe", "940623"],
     "--doc/--dob/--doe: the date of birth must be 6 digits"),
    (["--doc", "L89-8902C", "--dob", "690806", "--doe", "940623"], "the document number must be letters and digits"),
    (["--doc", "L898902C", "--dob", "690806"], "--doc, --dob and --doe go together"),
    (["--can", "123456", "--id-number", "001090123456"], "give one key, not --can and --id-number"),
    ([], "give the key"),
])
def test_other_key_mistakes_are_one_line_exit_2(tmp_path, capsys, monkeypatch, csca, args, words):
    code, out, err = _run(capsys, monkeypatch, ["verify", "--sim", tmp_path / "missing.image", "--trust", csca, *args])
    assert code == 2 and err.strip().splitlines() == [err.strip()] and words in err, out + err
    assert "123456" not in err and "001090123456" not in err
