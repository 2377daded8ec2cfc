"""The terminal's settings: a TOML file, the environment over it, the command line over both.

The file is ``--config FILE`` (top-level option), else ``$CARDKIT_CONFIG``, else
``$XDG_CONFIG_HOME/cardkit/config.toml`` (``~/.config/cardkit/config.toml`` when XDG_CONFIG_HOME is
unset) when that exists. It holds top-level keys only, each optional (``SETTINGS``); a relative path in
it is taken from the file's own folder, so a configuration moves with its trust store. Each key has an
environment variable that overrides the file (``CARDKIT_TRUST`` ...; lists are separated by ':').

The values become click's ``default_map`` for the commands that take them, so an option given on the
command line always wins, and ``--help`` and the option's own checks treat a configured value as
theirs. Secrets (CAN, MRZ information, passphrases, PINs) have no key: they come from the prompt or
their own environment variables, never from a file. A bad file, key or value is one ``InputError``
naming the file (or variable) and the key: exit 2. The library never reads this: it takes explicit
arguments, and configuration is the concern of the command line.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import NamedTuple

import click

from ..errors import InputError

__all__ = ["SETTINGS", "Setting", "Settings", "load_settings", "config_path", "default_map", "from_command_line"]

LEVELS = ("warning", "info", "debug")  # the names ``log`` takes (cardkit.cli._log maps them to levels)
_SECRETS = {"can", "id_number", "mrz_info", "mrz_information", "passphrase", "pin", "password"}


def _paths(value: object, base: Path | None) -> list[str]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(v, str) and v for v in items):
        raise ValueError("must be a path or a list of paths")
    return [str(base / v) if base is not None and not Path(v).is_absolute() else v for v in items]


def _path(value: object, base: Path | None) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError("must be a path")
    return str(base / value) if base is not None and not Path(value).is_absolute() else value


def _reader(value: object, base: Path | None) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return str(value)  # an index, as --reader 0 gives it
    if not isinstance(value, str) or not value:
        raise ValueError("must be a reader's name, part of it, or its index")
    return value


def _block_size(value: object, base: Path | None) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65536:
        raise ValueError("must be a whole number of bytes from 1 to 65536")
    return value


def _flag(value: object, base: Path | None) -> bool:
    if isinstance(value, str):
        word = value.strip().lower()
        if word in ("1", "true", "yes", "on", "0", "false", "no", "off"):
            return word in ("1", "true", "yes", "on")
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


def _one_of(*choices: str) -> Callable[[object, Path | None], str]:
    def parse(value: object, base: Path | None) -> str:
        if not isinstance(value, str) or value.strip().lower() not in choices:
            raise ValueError(f"must be one of {', '.join(choices)}")
        return value.strip().lower()

    return parse


class Setting(NamedTuple):
    """One configuration key: how its value is read, its variable, and the options it fills.

    ``options`` maps a command (``verify``) to the parameter name of its option (``trust``); ``list_env``
    says the environment variable holds a ':'-separated list. (Named tuples, not dataclasses: every
    command, ``--version`` included, loads this module, and a dataclass costs about 1 ms to make.)
    """

    key: str
    parse: Callable[[object, Path | None], object]
    env: str
    options: Mapping[str, str]
    help: str
    list_env: bool = False


SETTINGS: tuple[Setting, ...] = (
    Setting("trust", _paths, "CARDKIT_TRUST", {"verify": "trust", "audit": "trust"},
            "trust anchors: CSCA certificates, master lists, trust store folders (--trust)", list_env=True),
    Setting("crl", _paths, "CARDKIT_CRL", {"verify": "crl", "audit": "crls"}, "CRLs (--crl)", list_env=True),
    Setting("reader", _reader, "CARDKIT_READER", {"verify": "reader", "read": "reader"},
            "the PC/SC reader: its name, part of it, or its index (--reader)"),
    Setting("block_size", _block_size, "CARDKIT_BLOCK_SIZE", {"verify": "block_size", "read": "block_size"},
            "READ BINARY block size (--block-size)"),
    Setting("sfi", _flag, "CARDKIT_SFI", {"verify": "sfi", "read": "sfi"}, "ignored, kept for old settings files (--sfi; files are read by short file identifier where "
            "the chip allows)"),
    Setting("output", _one_of("json", "text"), "CARDKIT_OUTPUT", {"verify": "as_json", "read": "as_json"},
            "report format: json or text (--json / --text)"),
    Setting("face_dir", _path, "CARDKIT_FACE_DIR", {"verify": "face_dir"},
            "folder for each verified card's face image (--face-dir)"),
    Setting("log", _one_of(*LEVELS), "CARDKIT_LOG", {}, "log level on stderr: warning, info or debug (-v, --debug)"),
)
_BY_KEY = {s.key: s for s in SETTINGS}


class Settings(NamedTuple):
    """The configured values (key -> value) and the file they came from (None: no file)."""

    values: Mapping[str, object]
    file: Path | None

    @property
    def log_level(self) -> str | None:
        """The configured log level name (``log``), or None."""
        level = self.values.get("log")
        return level if isinstance(level, str) else None


def config_path(given: Path | None, env: Mapping[str, str]) -> tuple[Path | None, bool]:
    """(the configuration file, whether it must exist): ``--config``, ``$CARDKIT_CONFIG``, else the XDG one."""
    if given is not None:
        return given, True
    if env.get("CARDKIT_CONFIG"):
        return Path(env["CARDKIT_CONFIG"]), True
    base = Path(env["XDG_CONFIG_HOME"]) if env.get("XDG_CONFIG_HOME") else Path.home() / ".config"
    return base / "cardkit" / "config.toml", False


def _read_file(path: Path) -> dict[str, object]:
    import tomllib  # only when a configuration file is there to read

    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        raise InputError(f"config {path}: no such file") from None
    except OSError as e:
        raise InputError(f"config {path}: cannot read it ({e.strerror or e})") from None
    except tomllib.TOMLDecodeError as e:
        raise InputError(f"config {path}: not valid TOML: {e}") from None
    except UnicodeDecodeError:
        raise InputError(f"config {path}: not valid TOML: not UTF-8 text") from None
    base = path.resolve().parent
    out: dict[str, object] = {}
    for key, value in data.items():
        if key.lower() in _SECRETS:
            raise InputError(f"config {path}: {key}: a secret has no place in a configuration file; give it at the "
                             "prompt ('-') or in its environment variable")
        setting = _BY_KEY.get(key)
        if setting is None:
            raise InputError(f"config {path}: {key}: unknown key (known: {', '.join(_BY_KEY)})")
        try:
            out[key] = setting.parse(value, base)
        except ValueError as e:
            raise InputError(f"config {path}: {key}: {e}") from None
    return out


def _read_env(env: Mapping[str, str]) -> dict[str, object]:
    out: dict[str, object] = {}
    for s in SETTINGS:
        raw = env.get(s.env)
        if raw is None or raw == "":
            continue
        value: object = [p for p in raw.split(os.pathsep) if p] if s.list_env else raw
        try:
            out[s.key] = s.parse(value, None)
        except ValueError as e:
            raise InputError(f"{s.env}: {e}") from None
    return out


def load_settings(given: Path | None, env: Mapping[str, str] | None = None) -> Settings:
    """The file's values with the environment's over them.

    Raises:
        InputError: a named file that is missing or unreadable, bad TOML, an unknown key, a secret, or a
            value of the wrong kind (file or variable, and key, named).
    """
    env = os.environ if env is None else env
    path, required = config_path(given, env)
    values: dict[str, object] = {}
    used: Path | None = None
    if path is not None and (required or path.is_file()):
        values.update(_read_file(path))
        used = path
    values.update(_read_env(env))
    return Settings(values, used)


def default_map(settings: Settings) -> dict[str, dict[str, object]]:
    """click's ``default_map``: command -> {parameter: value} for every configured key."""
    out: dict[str, dict[str, object]] = {}
    for key, value in settings.values.items():
        for command, param in _BY_KEY[key].options.items():
            out.setdefault(command, {})[param] = (value == "json") if key == "output" else value
    return out


def from_command_line(ctx: click.Context, param: str) -> bool:
    """True when the option ``param`` was given on the command line (not configured, not defaulted)."""
    return ctx.get_parameter_source(param) is click.core.ParameterSource.COMMANDLINE
