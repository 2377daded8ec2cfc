"""A real SoftHSM2 token in a temporary directory, for tests (shared by owners "pki" and "perso").

``softhsm_token(base_dir)`` writes a softhsm2.conf whose token directory is under
``base_dir``, sets ``SOFTHSM2_CONF`` for its duration (restoring the old value after),
initialises a token with ``softhsm2-util --init-token --free`` and yields a ``SoftHsmToken``.
The ``softhsm`` pytest fixture wraps it. Tests are skipped (with the reason) only when
softhsm2 is not installed.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

__all__ = ["SoftHsmToken", "softhsm_token", "softhsm", "SOFTHSM_MODULE", "softhsm_available"]

_MODULE_CANDIDATES = (
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/local/lib/softhsm/libsofthsm2.so",
    "/usr/lib64/pkcs11/libsofthsm2.so",
)
SOFTHSM_MODULE = next((m for m in _MODULE_CANDIDATES if os.path.exists(m)), _MODULE_CANDIDATES[0])


@dataclass(frozen=True)
class SoftHsmToken:
    """One initialised SoftHSM2 token: where its module is, its label, PINs and config file."""

    module: str
    label: str
    pin: str = field(repr=False)
    so_pin: str = field(repr=False)
    conf_path: Path

    @property
    def conf(self) -> Path:
        return self.conf_path


def softhsm_available() -> str | None:
    """None when SoftHSM2 can be used, else the reason it cannot."""
    if shutil.which("softhsm2-util") is None:
        return "softhsm2-util not installed (Debian package softhsm2)"
    if not os.path.exists(SOFTHSM_MODULE):
        return f"SoftHSM2 module not found at {SOFTHSM_MODULE}"
    try:
        import pkcs11  # noqa: F401
    except ImportError:
        return "python-pkcs11 not installed"
    return None


@contextlib.contextmanager
def softhsm_token(base_dir: Path | str, label: str = "cardkit-test") -> Iterator[SoftHsmToken]:
    """Create a SoftHSM2 token under ``base_dir`` and set SOFTHSM2_CONF while the block runs."""
    base = Path(base_dir)
    tokens = base / "softhsm-tokens"
    tokens.mkdir(parents=True, exist_ok=True)
    conf = base / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n"
    )
    pin, so_pin = secrets.token_hex(4), secrets.token_hex(4)
    old = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    try:
        subprocess.run(
            ["softhsm2-util", "--init-token", "--free", "--label", label, "--pin", pin, "--so-pin", so_pin],
            check=True, capture_output=True, env=os.environ.copy(), timeout=60,
        )
        yield SoftHsmToken(SOFTHSM_MODULE, label, pin, so_pin, conf)
    finally:
        if old is None:
            os.environ.pop("SOFTHSM2_CONF", None)
        else:
            os.environ["SOFTHSM2_CONF"] = old


@pytest.fixture
def softhsm(tmp_path: Path) -> Iterator[SoftHsmToken]:
    """A fresh SoftHSM2 token for one test; skipped with the reason if SoftHSM2 is missing."""
    reason = softhsm_available()
    if reason:
        pytest.skip(reason)
    with softhsm_token(tmp_path) as token:
        yield token
