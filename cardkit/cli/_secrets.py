"""Asking the operator for a secret (passphrase, PIN, CAN) without echo, or saying where else it can come from.

The answer may come from a terminal or a pipe. When there is none (CI, a service, input already
ended), click would only say "aborted"; the error names the environment variable to set instead.
A prompt can say so up front too (``mention_env``): the pki commands and ``personalise`` ask for a
key's passphrase that ``CARDKIT_PASSPHRASE`` can supply.
"""

from __future__ import annotations

import click

from ..errors import InputError

__all__ = ["ask_secret", "NoAnswer"]


class NoAnswer(InputError):
    """The prompt got no answer: no terminal, or the input ended (a kiosk reading keys from a pipe stops)."""


def ask_secret(prompt: str, *, env: str | None = None, confirm: bool = False, mention_env: bool = False) -> str:
    """What the operator types at a prompt that does not echo.

    ``mention_env`` adds "(or set ENV)" to the prompt, for secrets the environment usually supplies.

    Raises:
        NoAnswer: no answer came (no input, or it ended); names ``env`` when there is one.
    """
    shown = f"{prompt} (or set {env})" if env and mention_env else prompt
    try:
        return click.prompt(shown, hide_input=True, confirmation_prompt=confirm, err=True)
    except click.exceptions.Abort:
        hint = f"; set {env}" if env else ""
        raise NoAnswer(f"{prompt}: no answer (no terminal, or the input ended){hint}") from None
