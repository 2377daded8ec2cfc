"""Running ``cardkit`` in tests, and the repository paths the tests read.

``run_cli(*args)`` runs the command line in this process through ``cardkit.cli.main`` inside
click's isolation: what a user sees (stdout, stderr, exit code) without a subprocess. A traceback
in either stream fails the test at once: the CLI prints one line for every error.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from click.testing import CliRunner

from cardkit import cli

__all__ = ["ROOT", "EXAMPLES", "CLI_PY", "run_cli"]

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
CLI_PY = ROOT / "cli.py"


def run_cli(*args: object, input: str | None = None, env: Mapping[str, str | None] | None = None) -> tuple[int, str, str]:
    """``cardkit ARGS`` through ``cli.main``; returns (exit code, stdout, stderr)."""
    with CliRunner().isolation(input=input, env=env) as streams:
        code = cli.main([str(a) for a in args])
    out, err = streams[0].getvalue().decode(), streams[1].getvalue().decode()
    assert "Traceback" not in out + err
    return code, out, err
