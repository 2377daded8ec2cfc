"""The README's two commands are the ones CI and users run; keep them in step with .ci/run."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _command(marker: str) -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    m = re.search(rf"<!-- {marker} -->\s*```sh\n(.+?)\n```", text, re.S)
    assert m, f"README has no {marker} block"
    return m.group(1).strip()


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert _command("test-command") in ci.splitlines()


def test_demo_command_runs_cardkit_demo():
    cmd = _command("demo-command")
    assert cmd.startswith("bash .ci/setup.sh && ") and cmd.endswith("cardkit demo")
