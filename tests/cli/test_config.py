"""The settings file and its environment variables: file < environment < command line, and bad input is one line.

Each test writes a real TOML file (or none) and runs ``cardkit`` in process on a simulated card or its
dump; the XDG folder is an empty temporary one (tests/conftest.py), so a developer's own settings
never reach a test.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from cardkit.cli._config import SETTINGS
from tests.support.cards import make_vn_card
from tests.support.cli import run_cli


@pytest.fixture(scope="module")
def card(tmp_path_factory):
    """A VN card image, its CSCA in a folder of its own, and a dump of it."""
    base = tmp_path_factory.mktemp("config")
    chip, _trust, info = make_vn_card(base)
    chip.save(base / "card.image")
    dump = base / "dump"
    code, _out, err = run_cli("read", "--sim", base / "card.image", "--can", info.can, "--out", dump)
    assert code == 0, err
    return base, info


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_the_file_gives_the_trust_store_and_output_and_a_relative_path_is_the_files_own(card, tmp_path):
    base, info = card
    folder = tmp_path / "terminal"
    (folder / "anchors").mkdir(parents=True)
    (folder / "anchors" / "csca.pem").write_bytes(info.csca_path.read_bytes())
    conf = _write(folder / "config.toml", 'trust = ["anchors/csca.pem"]\noutput = "json"\n')
    code, out, err = run_cli("--config", conf, "verify", "--sim", base / "card.image", "--can", info.can)
    assert code == 0, err
    assert json.loads(out)["verdict"] == "GENUINE"
    code, out, err = run_cli("--config", conf, "verify", "--sim", base / "card.image", "--can", info.can, "--text")
    assert code == 0 and "GENUINE" in out and not out.lstrip().startswith("{"), out + err  # the command line wins


def test_the_xdg_file_is_read_when_it_exists_and_cardkit_config_names_another(card, tmp_path, monkeypatch):
    base, info = card
    home = tmp_path / "xdg"
    _write(home / "cardkit" / "config.toml", f'trust = "{info.csca_path}"\noutput = "json"\n')
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    code, out, err = run_cli("verify", "--sim", base / "card.image", "--can", info.can)
    assert code == 0 and json.loads(out)["verdict"] == "GENUINE", err
    other = _write(tmp_path / "other.toml", f'trust = "{info.csca_path}"\noutput = "text"\n')
    code, out, err = run_cli("verify", "--sim", base / "card.image", "--can", info.can,
                             env={"CARDKIT_CONFIG": str(other)})
    assert code == 0 and not out.lstrip().startswith("{"), out + err


def test_the_environment_overrides_the_file_and_the_command_line_overrides_both(card, tmp_path):
    base, info = card
    conf = _write(tmp_path / "c.toml", f'trust = "{tmp_path / "missing.pem"}"\nblock_size = 16\noutput = "text"\n')
    env = {"CARDKIT_TRUST": str(info.csca_path), "CARDKIT_OUTPUT": "json"}
    code, out, err = run_cli("--config", conf, "verify", "--sim", base / "card.image", "--can", info.can, env=env)
    assert code == 0, err
    report = json.loads(out)
    assert report["verdict"] == "GENUINE"
    small = report["apdu_count"]
    code, out, err = run_cli("--config", conf, "verify", "--sim", base / "card.image", "--can", info.can,
                             "--block-size", "223", env=env)
    assert code == 0 and json.loads(out)["apdu_count"] < small, err  # 16-byte blocks from the file, 223 given
    code, out, err = run_cli("--config", conf, "verify", "--sim", base / "card.image", "--can", info.can,
                             "--trust", tmp_path / "nothing.pem", env=env)
    assert code == 2 and "nothing.pem does not exist" in err, err  # --trust given replaces the configured one


def test_a_configured_reader_yields_to_a_sim_or_dump_on_the_command_line(card, tmp_path):
    base, info = card
    conf = _write(tmp_path / "c.toml", f'reader = "No Such Reader"\ntrust = "{info.csca_path}"\nsfi = true\n'
                                       'block_size = 64\n')
    code, _out, err = run_cli("--config", conf, "verify", "--sim", base / "card.image", "--can", info.can)
    assert code == 0, err
    code, _out, err = run_cli("--config", conf, "verify", "--dump", base / "dump")
    assert code == 1 and "DATA_AUTHENTIC_CHIP_NOT_PROVEN" in err, err  # configured block size and SFI: no error
    code, _out, err = run_cli("--config", conf, "verify", "--dump", base / "dump", "--sfi")
    assert code == 2 and "need a chip, not a dump" in err, err


def test_face_dir_from_the_environment(card, tmp_path):
    base, info = card
    code, out, err = run_cli("verify", "--sim", base / "card.image", "--can", info.can, "--trust", info.csca_path,
                             "--json", env={"CARDKIT_FACE_DIR": str(tmp_path / "faces")})
    assert code == 0, err
    face = Path(json.loads(out)["face_image_path"])
    assert face.parent == tmp_path / "faces" and face.read_bytes() == info.face


BAD_FILES = [
    # (file text, words of the one line after "config FILE: ")
    ("trust = [\n", "not valid TOML"),
    ("truts = 'x.pem'\n", "truts: unknown key"),
    ("block_size = 'big'\n", "block_size: must be a whole number of bytes from 1 to 65536"),
    ("block_size = 0\n", "block_size: must be a whole number"),
    ("sfi = 'sometimes'\n", "sfi: must be true or false"),
    ("output = 'xml'\n", "output: must be one of json, text"),
    ("log = 'loud'\n", "log: must be one of warning, info, debug"),
    ("trust = 3\n", "trust: must be a path or a list of paths"),
    ("reader = -1\n", "reader: must be a reader's name, part of it, or its index"),
    ("can = '123456'\n", "can: a secret has no place in a configuration file"),
    ("[verify]\ntrust = 'x.pem'\n", "verify: unknown key"),
]


@pytest.mark.parametrize("text,words", BAD_FILES, ids=[w.split(":")[0] for _, w in BAD_FILES])
def test_a_bad_file_is_one_line_naming_the_file_and_the_key_exit_2(card, tmp_path, text, words):
    base, info = card
    conf = _write(tmp_path / "bad.toml", text)
    code, out, err = run_cli("--config", conf, "verify", "--sim", base / "card.image", "--can", info.can)
    assert code == 2 and out == "", out + err
    assert err.strip().splitlines() == [err.strip()] and err.startswith(f"cardkit: config {conf}: {words}"), err
    assert "123456" not in err


def test_a_named_file_that_is_missing_is_an_error_and_a_missing_xdg_file_is_none(card, tmp_path):
    base, info = card
    code, _out, err = run_cli("--config", tmp_path / "none.toml", "verify", "--dump", base / "dump")
    assert code == 2 and err.strip() == f"cardkit: config {tmp_path / 'none.toml'}: no such file", err
    code, _out, err = run_cli("verify", "--dump", base / "dump", "--trust", info.csca_path)
    assert code == 1, err  # XDG_CONFIG_HOME is an empty folder here: no file, no settings


@pytest.mark.parametrize("var,value,words", [
    ("CARDKIT_BLOCK_SIZE", "lots", "CARDKIT_BLOCK_SIZE: must be a whole number"),
    ("CARDKIT_OUTPUT", "yaml", "CARDKIT_OUTPUT: must be one of json, text"),
    ("CARDKIT_SFI", "maybe", "CARDKIT_SFI: must be true or false"),
])
def test_a_bad_environment_value_names_the_variable(card, var, value, words):
    base, info = card
    code, _out, err = run_cli("verify", "--sim", base / "card.image", "--can", info.can, env={var: value})
    assert code == 2 and err.strip().startswith(f"cardkit: {words}") and len(err.strip().splitlines()) == 1, err


def test_list_variables_take_several_paths(card, tmp_path):
    base, info = card
    other = tmp_path / "other.pem"
    other.write_bytes(info.csca_path.read_bytes())
    code, out, err = run_cli("-v", "verify", "--sim", base / "card.image", "--can", info.can, "--json",
                             env={"CARDKIT_TRUST": os.pathsep.join([str(info.csca_path), str(other)])})
    assert code == 0, err
    assert "from 2 paths" in err, err


def test_every_setting_has_its_variable_and_help():
    names = [s.env for s in SETTINGS]
    assert len(set(names)) == len(names) and all(n.startswith("CARDKIT_") for n in names)
    assert all(s.help for s in SETTINGS)


def test_read_and_audit_take_their_settings_too(card, tmp_path):
    base, info = card
    conf = _write(tmp_path / "c.toml", f'reader = "No Such Reader"\noutput = "json"\ntrust = "{info.csca_path}"\n')
    code, out, err = run_cli("--config", conf, "read", "--sim", base / "card.image", "--can", info.can,
                             "--out", tmp_path / "dump")
    assert code == 0 and json.loads(out)["dump"] == str(tmp_path / "dump"), err
    code, out, err = run_cli("--config", conf, "audit", tmp_path / "dump", "--jobs", "1")  # --trust from the file
    assert code == 0, out + err
