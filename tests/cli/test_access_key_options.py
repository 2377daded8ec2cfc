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


class NoCardMayBeTouched:
    """A PC/SC transport and reader watch that fail the test when made or used: no APDU may be sent."""

    def __init__(self, *args, **kwargs) -> None:
        pytest.fail("the CLI opened the reader for a key it should have refused")

    def transmit(self, apdu: bytes) -> bytes:
        pytest.fail("an APDU was sent for a key the CLI should have refused")


WRONG_DIGITS = [  # ICAO's example L898902C<3 690806 1 940623 6, each check digit in turn made wrong
    ("L898902C<469080619406236", "document number"),
    ("L898902C<369080629406236", "date of birth"),
    ("L898902C<369080619406237", "date of expiry"),
]


# (command, how the key is given). A kiosk asks for '-' once each card is in the reader: a wrong digit typed
# there is that card's line (tests/inspection/test_kiosk.py, tests/cli/test_kiosk.py), not the command's.
WAYS = [(["verify"], "argv"), (["verify"], "env"), (["verify"], "prompt"), (["read"], "argv"), (["read"], "env"),
        (["read"], "prompt"), (["verify", "--loop"], "argv"), (["verify", "--loop"], "env")]


@pytest.mark.parametrize("command,how", WAYS, ids=[f"{' '.join(c)}-{h}" for c, h in WAYS])
@pytest.mark.parametrize("value,field", WRONG_DIGITS, ids=[f for _, f in WRONG_DIGITS])
def test_a_wrong_mrz_check_digit_is_one_line_exit_2_before_any_apdu(tmp_path, capsys, monkeypatch, csca, command,
                                                                     value, field, how):
    monkeypatch.setattr("cardkit.card.PcscTransport", NoCardMayBeTouched, raising=False)
    monkeypatch.setattr("cardkit.card.ReaderWatch", NoCardMayBeTouched, raising=False)
    argv = [*command, "--reader", "Any Reader"]
    argv += ["--trust", csca] if command[0] == "verify" else ["--out", tmp_path / "dump"]
    if how == "argv":
        code, out, err = _run(capsys, monkeypatch, [*argv, "--mrz-info", value])
    elif how == "env":
        code, out, err = _run(capsys, monkeypatch, argv, env={"CARDKIT_MRZ_INFO": value})
    else:
        code, out, err = _run(capsys, monkeypatch, [*argv, "--mrz-info", "-"], typed=value)
    assert code == 2, out + err
    assert err.strip().splitlines()[-1] == f"cardkit: --mrz-info: MRZ information: the check digit of the {field} " \
                                           "is wrong (a mistyped character?)", err
    assert value not in out + err


def test_document_fields_are_checked_before_any_apdu_too(capsys, monkeypatch, csca):
    monkeypatch.setattr("cardkit.card.PcscTransport", NoCardMayBeTouched, raising=False)
    code, out, err = _run(capsys, monkeypatch, ["verify", "--reader", "Any Reader", "--trust", csca, "--doc", "L898902C",
                                                "--dob", "691306", "--doe", "940623"])
    assert code == 2 and err.strip().endswith("--doc/--dob/--doe: the date of birth is not a date YYMMDD"), err
