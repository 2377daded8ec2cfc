"""The HSM side of the signer commands (``cardkit pki csca|ds|ml`` and ``cardkit pki cvca|dv|is``).

The options that put a new key into a PKCS#11 token, and the key they make: the PIN is read from the
environment variable the operator names and never stored, only that variable's name.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from ..errors import InputError, KeyStoreError
from ..pki.hsm import generate_key, open_session

__all__ = ["hsm_options", "new_hsm_key"]


def hsm_options(f: Any) -> Any:
    """``--hsm-module``, ``--hsm-token`` and ``--hsm-pin-env``."""
    f = click.option("--hsm-pin-env", metavar="VAR", help="Environment variable holding the token PIN.")(f)
    f = click.option("--hsm-token", metavar="LABEL", help="PKCS#11 token label.")(f)
    f = click.option("--hsm-module", metavar="PATH", help="PKCS#11 module: put the key in this HSM.")(f)
    return f


def new_hsm_key(out: Path, label_prefix: str, key_type: str, hsm_module: str, hsm_token: str | None,
                hsm_pin_env: str | None) -> tuple[Any, dict[str, str]]:
    """A new key pair in the token, labelled ``<label_prefix>-<out's name>``: the open session and its reference.

    The reference is what a signer directory's descriptor keeps (module, token, key label, PIN variable).

    Raises:
        InputError: --hsm-module without --hsm-token and --hsm-pin-env.
        KeyStoreError: no PIN in the variable, the token cannot be opened or cannot make the key.
    """
    if not (hsm_token and hsm_pin_env):
        raise InputError("--hsm-module needs --hsm-token and --hsm-pin-env")
    pin = os.environ.get(hsm_pin_env)
    if not pin:
        raise KeyStoreError(f"no PIN in the environment variable {hsm_pin_env}")
    label = f"{label_prefix}-{out.resolve().name}"
    session = open_session(hsm_module, hsm_token, pin, rw=True)
    generate_key(session, key_type, label)
    return session, {"module": hsm_module, "token": hsm_token, "key_label": label, "pin_env": hsm_pin_env}
