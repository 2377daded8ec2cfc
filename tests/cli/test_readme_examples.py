"""The README's examples run as written, in order, after the quick start, and make what they claim.

A new user copies each block into a shell at the repository root. This test does the same in a
temporary directory that holds what the commands need (``examples/`` and the virtualenv, linked as
``.venv``): every fenced block of README.md, top to bottom, each ``sh`` block as one bash script (so
``&`` and ``kill %1`` work as in a terminal) with its lines unchanged. Between two commands the
script only checks the exit code ($? must be 0, or N where the command's comment says ``# exit N``)
and points stdout/stderr at that command's own files, so each command's output can be checked
against what the README says it does.

Markers (HTML comments, invisible on the rendered page) just above a block:
``demo-command`` / ``test-command`` (the quick start: the setup part is checked, not re-run; the
test command is this suite itself), ``save as NAME`` (a Python or TOML block the README tells the
reader to save), ``needs pcscd`` (run by the pcsc-marked tests, with pcscd and the vpcd reader), and
``not run by the README test: WHY`` (the benchmarks: minutes, their files must exist; the PostgreSQL
examples: a server, their commands must parse as cardkit's own).

Secrets come from the environment as the README says (``CARDKIT_PASSPHRASE``); stdin is empty, so
any prompt the README did not announce fails the run. A bare ``cardkit`` is not on PATH.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import click
import pytest

from cardkit import cli
from tests.support.cli import EXAMPLES, ROOT

README = ROOT / "README.md"
PASSPHRASE = "readme-Example-passphrase-1"
CAN = "999001"  # the first example citizen's: the last 6 digits of ID 002192999001
_FENCE = re.compile(r"(?:<!--\s*(?P<marker>.+?)\s*-->\s*\n)?```(?P<lang>sh|python|toml)\n(?P<body>.*?)\n```", re.S)
_EXPECT = re.compile(r"#\s*exit (\d+)\b")


@dataclass(frozen=True)
class Block:
    """One fenced block of the README."""

    lang: str
    body: str
    marker: str
    line: int

    def commands(self) -> list[str]:
        """The block's commands: its lines, a trailing backslash joining a line to the next."""
        out: list[str] = []
        pending = ""
        for raw in self.body.splitlines():
            pending = f"{pending}\n{raw}" if pending else raw
            if not raw.endswith("\\"):
                if pending.strip():
                    out.append(pending)
                pending = ""
        assert not pending, f"README line {self.line}: a block ends with a continuation line"
        return out


def readme_blocks() -> list[Block]:
    text = README.read_text(encoding="utf-8")
    blocks = [Block(m["lang"], m["body"], (m["marker"] or "").strip(), text.count("\n", 0, m.start("body")) + 1)
              for m in _FENCE.finditer(text)]
    assert len(blocks) == text.count("\n```") // 2, "README has a fenced block this test does not understand"
    return blocks


@dataclass
class Ran:
    """What one README command did."""

    command: str
    expected: int
    code: int | None = None  # None: not reached (an earlier command failed)
    out: str = ""
    err: str = ""


@dataclass
class Workspace:
    """The temporary repository root the examples run in, and what each command did there."""

    root: Path
    env: dict[str, str]
    ran: list[Ran] = field(default_factory=list)
    before: set[Path] = field(default_factory=set)

    def find(self, fragment: str) -> Ran:
        """The one command run whose text holds ``fragment``."""
        hits = [r for r in self.ran if fragment in r.command]
        assert len(hits) == 1, f"{len(hits)} README commands hold {fragment!r}"
        return hits[0]


def _workspace(base: Path) -> Workspace:
    root = base / "repo"
    root.mkdir()
    shutil.copytree(EXAMPLES, root / "examples")
    venv = ROOT / ".venv"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARDKIT_")}
    if (venv / "bin" / "cardkit").is_file():
        (root / ".venv").symlink_to(venv, target_is_directory=True)
    else:  # the suite runs from another interpreter: the same commands through it, on this checkout
        bin_dir = root / ".venv" / "bin"
        bin_dir.mkdir(parents=True)
        (bin_dir / "python").symlink_to(sys.executable)
        (bin_dir / "cardkit").write_text(f'#!/bin/sh\nexec "{sys.executable}" -c "from cardkit.cli import _entry; '
                                         f'_entry()" "$@"\n')
        (bin_dir / "cardkit").chmod(0o755)
        env["PYTHONPATH"] = str(ROOT)
    # A bare `cardkit` must not work: the quick start leaves it in .venv/bin only.
    env["PATH"] = os.pathsep.join(d for d in env.get("PATH", "").split(os.pathsep)
                                  if d and not (Path(d) / "cardkit").exists())
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    ws = Workspace(root, env)
    ws.before = set(root.rglob("*")) | {root / ".venv"}
    return ws


def _script(commands: list[str], logs: Path, first: int) -> str:
    """The block as written, with an exit-code check and new output files between the commands."""
    lines = []
    for i, command in enumerate(commands, first):
        expected = _EXPECT.search(command.rsplit("\n", 1)[-1])
        lines.append(f'exec >"{logs}/{i}.out" 2>"{logs}/{i}.err"')
        lines.append(command)
        lines.append(f'__rc=$?; echo "$__rc" >"{logs}/{i}.rc"; '
                     f'[ "$__rc" = {expected.group(1) if expected else 0} ] || exit 97')
    return "\n".join(lines) + "\n"


def run_block(ws: Workspace, block: Block, *, commands: list[str] | None = None, stdin: str = "",
              timeout: float = 120) -> None:
    """Run ``block`` (or just ``commands`` of it) in one bash, in ``ws.root``; record each command.

    Whatever the block left running (``cmd &``) is waited for, then stopped: the script runs in a new
    session, and only that process group is signalled.
    """
    commands = commands if commands is not None else block.commands()
    logs = ws.root.parent / "logs"
    logs.mkdir(exist_ok=True)
    first = len(ws.ran)
    ran = [Ran(c, int(m.group(1)) if (m := _EXPECT.search(c.rsplit("\n", 1)[-1])) else 0) for c in commands]
    ws.ran.extend(ran)
    proc = subprocess.Popen(["bash", "-c", _script(commands, logs, first)], cwd=ws.root, env=ws.env,
                            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True, text=True)
    try:
        proc.communicate(stdin, timeout=timeout)
    finally:
        _stop_group(proc.pid)
    for i, r in enumerate(ran, first):
        rc = logs / f"{i}.rc"
        if rc.exists():
            r.code = int(rc.read_text())
            r.out = (logs / f"{i}.out").read_text(encoding="utf-8", errors="replace")
            r.err = (logs / f"{i}.err").read_text(encoding="utf-8", errors="replace")


def _stop_group(pgid: int, wait: float = 15.0) -> None:
    """Let what the block started in the background finish (bounded), then stop that group by its id."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _shown(r: Ran) -> str:
    return f"README command:\n{r.command}\nexit {r.code} (expected {r.expected})\nstdout:\n{r.out[-1500:]}\nstderr:\n{r.err[-1500:]}"


@pytest.fixture(scope="module")
def readme(tmp_path_factory) -> Workspace:
    """The quick start, then every README block that needs no PC/SC stack, in order."""
    ws = _workspace(tmp_path_factory.mktemp("readme"))
    for block in readme_blocks():
        if block.marker == "demo-command":
            setup, _, demo = block.body.partition(" && ")
            assert setup == "bash .ci/setup.sh", block.body  # setup made the .venv this test runs in
            run_block(ws, block, commands=[demo])  # a new user: CARDKIT_PASSPHRASE not set yet
            ws.env["CARDKIT_PASSPHRASE"] = PASSPHRASE  # then set, as the README offers, for the rest
        elif block.marker.startswith("save as "):
            (ws.root / block.marker.removeprefix("save as ")).write_text(block.body + "\n", encoding="utf-8")
        elif block.lang == "sh" and block.marker == "":
            run_block(ws, block)
        if any(r.code != r.expected for r in ws.ran):
            break
    return ws


def test_the_readme_has_the_blocks_this_test_knows():
    kinds = [(b.lang, b.marker.split(":")[0]) for b in readme_blocks()]
    assert kinds[:2] == [("sh", "demo-command"), ("sh", "test-command")]
    assert ("sh", "needs pcscd") in kinds and ("python", "save as example.py") in kinds
    assert ("toml", "save as terminal.toml") in kinds
    assert {m for _, m in kinds} <= {"", "demo-command", "test-command", "needs pcscd", "save as example.py",
                                     "save as terminal.toml", "not run by the README test"}


def test_no_example_calls_a_bare_cardkit():
    for block in readme_blocks():
        for command in block.commands() if block.lang == "sh" else []:
            assert not re.match(r"\s*(?:\S+=\S+\s+)*cardkit\b", command), f"README line {block.line}: {command}"


def test_every_example_succeeds_in_order(readme):
    assert readme.ran, "no README command ran"
    for r in readme.ran:
        assert r.code is not None, f"not reached:\n{r.command}"
        assert r.code == r.expected, _shown(r)
        assert "Traceback" not in r.out + r.err, _shown(r)


def test_the_quick_start_demo_verifies_a_card(readme):
    demo = readme.find(".venv/bin/cardkit demo")
    assert "GENUINE" in demo.out, _shown(demo)
    for made in ("demo-out/card.image", "demo-out/dump/DG13", "demo-out/report.json", "keys/demo/csca.pem"):
        assert (readme.root / made).is_file(), made


def test_personalise_block_issues_five_cards_with_a_self_contained_ds_folder(readme):
    root = readme.root
    assert (root / "pki/ds/csca.pem").read_bytes() == (root / "pki/csca/csca.pem").read_bytes()
    assert {p.name for p in (root / "pki/ds").iterdir()} == {"ds.pem", "ds.key", "ds.json", "csca.pem"}
    assert (root / "cards/VNM-002192999001-1.image").is_file()  # cards/<person key>-<issue>.image
    report = readme.find("ledger report")
    assert "issued 5, rejected 0" in report.out, _shown(report)


def test_reissue_block_revokes_the_lost_card_and_rejects_the_bad_batch(readme):
    root = readme.root
    assert sorted(p.name for p in (root / "cards").glob("VNM-066085999002-*.image")) == [
        "VNM-066085999002-1.image", "VNM-066085999002-2.image"]  # the lost card and its replacement
    assert len(list((root / "cards").glob("*.image"))) == 6
    withdrawn = readme.find("ledger withdrawn")
    assert "VNM-066085999002" in withdrawn.out and "lost" in withdrawn.out, _shown(withdrawn)
    bad = readme.find("vn-citizens-bad.csv")
    summary = json.loads(bad.out)
    assert bad.code == 7 and summary["issued"] == 0 and summary["rejected"] >= 20, _shown(bad)
    assert "rejected (reasons above and in the ledger)" in bad.err, _shown(bad)
    check = readme.find("ledger check")
    assert check.code == 0 and "6 cards" in check.out, _shown(check)


def test_verify_block_says_what_the_readme_says(readme):
    first = readme.find("cardkit verify --sim cards/VNM-002192999001-1.image --id-number 002192999001 --trust")
    assert "GENUINE" in first.out and "NOT_GENUINE" not in first.out, _shown(first)
    demo = readme.find("verify --sim demo-out/card.image --can 999001 --trust keys/demo/csca.pem --json")
    assert json.loads(demo.out)["verdict"] == "GENUINE", _shown(demo)
    assert {"DG1", "DG2", "DG13", "DG14", "DG15", "EF.SOD"} <= {p.name for p in (readme.root / "dumps/192999001").iterdir()}
    dump = readme.find("verify --dump dumps/192999001")
    assert dump.code == 1 and "DATA_AUTHENTIC_CHIP_NOT_PROVEN" in dump.err, _shown(dump)
    face = readme.find("--face-out face.png")
    assert face.code == 0 and (readme.root / "face.png").read_bytes().startswith(b"\x89PNG"), _shown(face)


def test_eac_block_reads_the_fingers_and_a_foreign_terminal_is_a_finding(readme):
    ours = readme.find("--fingers-out fingers/")
    assert ours.code == 0 and "GENUINE" in ours.out, _shown(ours)
    fingers = sorted(p.name for p in (readme.root / "fingers").iterdir())
    assert fingers == ["finger-1-right-index-finger.jp2", "finger-2-left-index-finger.jp2"], fingers
    assert (readme.root / "fingers" / fingers[0]).read_bytes() == (
        EXAMPLES / "fingers" / "nguyen-thi-anh-tuyet-right.jp2").read_bytes()
    foreign = readme.find("--is-cert keys/demo/eac/is.cvcert")
    report = json.loads(foreign.out)
    ta = next(c for c in report["checks"] if c["name"] == "terminal_authentication")
    assert foreign.code == 0 and report["verdict"] == "GENUINE", _shown(foreign)
    assert ta["status"] == "FAILED" and ta["details"]["rule"] == "no_trust_point", _shown(foreign)


def test_audit_block_finds_every_input_authentic(readme):
    audit = readme.find("cardkit audit dumps/ demo-out/dump")
    summary = json.loads(audit.out)["summary"]
    assert (summary["total"], summary["by_verdict"].get("DATA_AUTHENTIC_CHIP_NOT_PROVEN")) == (3, 3), _shown(audit)  # our card's dump, the demo's, its SOD
    lint = readme.find("pki lint")
    assert "conforms to the profile" in lint.out, _shown(lint)
    lds = readme.find("lds show dumps/192999001/DG13")
    assert "Nguyễn Thị Ánh Tuyết" in lds.out, _shown(lds)
    mrz = readme.find("mrz check")
    assert mrz.code == 0 and "composite" in mrz.out, _shown(mrz)


def test_trust_store_block_imports_once_and_verifies_with_the_store(readme):
    imports = [r for r in readme.ran if "trust import" in r.command]
    assert len(imports) == 1 and imports[0].code == 0, imports
    index = readme.root / "trust" / "index.json"
    assert index.is_file(), "trust import made no store index"
    before = index.read_bytes()
    again = subprocess.run(imports[0].command, shell=True, cwd=readme.root, env=readme.env, capture_output=True,
                           text=True)
    assert again.returncode == 0 and index.read_bytes() == before, again.stderr  # "run again: nothing changes"
    listed = readme.find("trust list --store trust/")
    assert listed.code == 0 and "VN" in listed.out, _shown(listed)
    check = readme.find("trust check sods/demo.sod")
    assert check.code == 0, _shown(check)
    audit = readme.find("cardkit audit dumps/ --trust trust/")
    assert audit.code == 0, _shown(audit)


def test_library_example_inspects_a_card_and_audits_dumps(readme):
    run = readme.find(".venv/bin/python example.py")
    assert run.out.splitlines() == ["GENUINE Nguyễn Thị Ánh Tuyết", "2 of 2 authentic"], _shown(run)


def test_the_files_the_examples_make_are_ignored_by_git(readme):
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: no .gitignore to check")
    made = sorted(str(p.relative_to(readme.root)) for p in readme.root.rglob("*")
                  if p.is_file() and p not in readme.before and ".venv" not in p.parts)
    assert any(m.startswith("pki/") for m in made) and any(m.startswith("dumps/") for m in made)
    r = subprocess.run(["git", "check-ignore", "--no-index", "--stdin", "-v", "-n"], cwd=ROOT, input="\n".join(made),
                       capture_output=True, text=True, timeout=60)
    not_ignored = [line.split("\t", 1)[1] for line in r.stdout.splitlines() if line.startswith("::\t")]
    assert not_ignored == [], f"made by the README's examples and not ignored by git: {not_ignored}"


def test_benchmarks_the_test_does_not_run_exist():
    (block,) = [b for b in readme_blocks() if b.marker.startswith("not run by the README test: benchmarks")]
    scripts = [c.split()[1] for c in block.commands()]
    assert scripts and all(c.startswith(".venv/bin/python benchmarks/") for c in block.commands())
    assert all((ROOT / s).is_file() for s in scripts), scripts


def test_postgresql_examples_are_cardkit_commands_with_options_it_knows():
    """The blocks that need a PostgreSQL server are not run; each cardkit command in them must still parse."""
    blocks = [b for b in readme_blocks() if b.marker == "not run by the README test: needs a PostgreSQL server"]
    commands = [c for b in blocks for c in b.commands() if c.startswith(".venv/bin/cardkit ")]
    assert len(commands) >= 5 and any("postgresql://" in c for c in commands)
    for command in commands:
        args = shlex.split(command.replace("\\\n", " "))[1:]
        cmd: click.Command = cli.app
        path = ["cardkit"]
        while isinstance(cmd, click.Group):
            name = args.pop(0)
            sub = cmd.get_command(click.Context(cmd), name)
            assert sub is not None, f"README: no command {' '.join(path)} {name}"
            cmd, path = sub, [*path, name]
        # resilient parsing: files and servers need not exist, but an unknown option is still refused
        cmd.make_context(" ".join(path), args, resilient_parsing=True)


def test_settings_block_takes_the_file_the_environment_over_it_and_logs_no_secret(readme):
    configured = readme.find("--config terminal.toml verify --sim cards/VNM-002192999001-1.image --id-number 002192999001")
    report = json.loads(configured.out)  # output = "json" in the file
    assert report["verdict"] == "GENUINE", _shown(configured)
    face = readme.root / report["face_image_path"]
    assert face.parent == readme.root / "faces" and face.read_bytes().startswith(b"\xff\xd8"), _shown(configured)
    text = readme.find("CARDKIT_OUTPUT=text")
    assert "GENUINE" in text.out and not text.out.lstrip().startswith("{"), _shown(text)
    debug = readme.find("--debug verify")
    apdus = [line for line in debug.err.splitlines() if " DEBUG " in line and " -> " in line]
    assert apdus and all(line.endswith(" ms") for line in apdus), _shown(debug)
    assert CAN not in debug.err and "002192999001" not in debug.err, _shown(debug)
    trace = json.loads((readme.root / "trace.json").read_text())
    assert all("ms" in e for e in trace["entries"] if e["dir"] == "C"), trace["entries"][:2]


def _pcscd_block(readme, words: str) -> Block:
    (block,) = [b for b in readme_blocks() if b.marker == "needs pcscd" and words in b.body]
    return block


@pytest.mark.pcsc
def test_reader_block_with_the_card_in_pcscd(readme, pcsc_stack):
    """`cardkit sim serve IMAGE &` into "Virtual PCD 00 00", then readers, verify --reader --can -, kill %1."""
    block = _pcscd_block(readme, "readers")
    assert all(r.code == r.expected for r in readme.ran), "the earlier README blocks failed"
    pcsc_stack.reserve(35963)  # the port `cardkit sim serve` takes by default: keep other tests off it
    try:
        run_block(readme, block, stdin=CAN + "\n")  # what the user types at the CAN prompt
    finally:
        pcsc_stack.remove()  # waits until the reader is empty again
    serve, readers, verify, kill = readme.ran[-4:]
    assert [r.command for r in (serve, readers, verify, kill)] == block.commands()
    for r in (serve, readers, verify, kill):
        assert r.code == r.expected, _shown(r)
    assert "Virtual PCD 00 00" in readers.out, _shown(readers)
    assert "GENUINE" in verify.out and CAN not in verify.err, _shown(verify)  # stdout shows the ID, the CAN its tail
    assert "serving cards/VNM-002192999001-1.image" in serve.err and "card removed from the reader" in serve.err, _shown(serve)


@pytest.mark.pcsc
def test_kiosk_block_serves_the_card_in_pcscd_once(readme, pcsc_stack):
    """`cardkit sim serve IMAGE &`, then `verify --reader --loop --count 1 --json`: one JSON line, exit 0."""
    block = _pcscd_block(readme, "--loop")
    assert all(r.code == r.expected for r in readme.ran), "the earlier README blocks failed"
    pcsc_stack.reserve(35963)
    try:
        run_block(readme, block)
    finally:
        pcsc_stack.remove()
    serve, kiosk, kill = readme.ran[-3:]
    assert [r.command for r in (serve, kiosk, kill)] == block.commands()
    for r in (serve, kiosk, kill):
        assert r.code == r.expected, _shown(r)
    (line,) = kiosk.out.splitlines()
    card = json.loads(line)
    assert card["card"] == 1 and card["verdict"] == "GENUINE" and card["latency_ms"] > 0, _shown(kiosk)
    assert kiosk.err.strip().endswith("cardkit: done after 1 card"), _shown(kiosk)
