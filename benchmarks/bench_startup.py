"""Benchmark: whole-process start-up of cardkit commands, with and without compiled bytecode (.pyc).

Each command runs N times as a fresh process; the figure is the wall time from spawn to exit, median
and p10..p90. Two floors put the numbers in context: the interpreter alone (``python -c pass``) and
the interpreter importing cardkit's dependency set (click, cryptography's x509 and hazmat, asn1crypto's
CMS), which no lazy import can remove from a verify.

Bytecode matters here. When ``PYTHONDONTWRITEBYTECODE=1`` is set and cardkit is an editable install,
no ``.pyc`` is ever written for cardkit or simulators, so every process compiles every module it
imports; a wheel install ships them compiled. The "no .pyc" rows remove ``__pycache__`` under
``cardkit/`` and ``simulators/``; the ".pyc" rows compile them first (``compileall``). The tree is left
as it was found. ``--imports`` adds the ``-X importtime`` table of each command (top modules by
cumulative time, with .pyc) and which heavy packages it loaded.

It needs the demo card: run ``cardkit demo`` first (``demo-out/card.image``, ``keys/demo/csca.pem``).

Run: .venv/bin/python benchmarks/bench_startup.py [--runs N] [--imports] [--only pyc|nopyc]
"""

from __future__ import annotations

import argparse
import compileall
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CARDKIT = str(BIN / "cardkit")
PY = sys.executable
DEMO = ["--sim", "demo-out/card.image", "--can", "999001", "--trust", "keys/demo/csca.pem"]
DEPS = "import click, cryptography.x509, cryptography.hazmat.primitives.ciphers, " \
       "cryptography.hazmat.primitives.asymmetric.ec, asn1crypto.cms"

COMMANDS: list[tuple[str, list[str]]] = [
    ("python -c pass (interpreter)", [PY, "-c", "pass"]),
    ("python: import the dependency floor", [PY, "-c", DEPS]),
    ("cardkit --version", [CARDKIT, "--version"]),
    ("cardkit --help", [CARDKIT, "--help"]),
    ("cardkit verify --json --sim (demo card)", [CARDKIT, "verify", "--json", *DEMO]),
    ("cardkit verify --sim (text)", [CARDKIT, "verify", *DEMO]),
    ("cardkit verify --json --dump", [CARDKIT, "verify", "--json", "--dump", "demo-out/dump", "--trust",
                                      "keys/demo/csca.pem"]),
]
# packages whose presence in a command's imports is worth a word
WATCH = ("rich", "importlib.metadata", "simulators", "cardkit.pki.sod_builder", "cardkit.pki.certs",
         "cardkit.pki.signers", "cardkit.personalise", "cardkit.production", "smartcard", "PIL", "tomllib")


def _caches() -> list[Path]:
    return [p for top in ("cardkit", "simulators") for p in (ROOT / top).rglob("__pycache__")]


def set_bytecode(compiled: bool) -> None:
    """Compile cardkit and simulators (``compiled``) or remove their __pycache__ folders."""
    for p in _caches():
        shutil.rmtree(p)
    if compiled:
        for top in ("cardkit", "simulators"):
            compileall.compile_dir(str(ROOT / top), quiet=1)


def wall(cmd: list[str], runs: int, env: dict[str, str]) -> list[float]:
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        r = subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        out.append((time.perf_counter() - t0) * 1000)
        if r.returncode not in (0, 1):  # a dump verifies as DATA_AUTHENTIC_CHIP_NOT_PROVEN (1)
            raise SystemExit(f"{' '.join(cmd)} exited {r.returncode}: {r.stderr.decode()[-400:]}")
    return out


def _pct(xs: list[float], q: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, int(q * len(s)))]


def importtime(cmd: list[str], env: dict[str, str], top: int) -> None:
    """Print the -X importtime summary of one run: module count, self total, top cumulative, watched packages."""
    exe = [PY, "-X", "importtime", *cmd[1:]] if cmd[0] == PY else \
          [PY, "-X", "importtime", "-c", "import sys; from cardkit.cli import _entry; sys.argv[0]='cardkit'; _entry()",
           *cmd[1:]]
    r = subprocess.run(exe, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    rows = []
    for line in r.stderr.splitlines():
        if line.startswith("import time:") and "|" in line and "self [us]" not in line:
            self_us, cum_us, name = line.removeprefix("import time:").split("|")
            rows.append((int(self_us), int(cum_us), name.rstrip()))
    names = {n.strip() for _, _, n in rows}
    print(f"    {len(rows)} modules, self total {sum(s for s, _, _ in rows) / 1000:.1f} ms; loaded: "
          + (", ".join(w for w in WATCH if any(n == w or n.startswith(w + ".") for n in names)) or "none watched"))
    for s, c, n in sorted(rows, key=lambda r: -r[1])[:top]:
        print(f"      {c / 1000:7.1f} ms cumulative {s / 1000:6.1f} self  {n}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=21)
    ap.add_argument("--imports", action="store_true", help="print the -X importtime table of each command")
    ap.add_argument("--top", type=int, default=15)
    ap.add_argument("--only", choices=("pyc", "nopyc"))
    args = ap.parse_args()
    if not (ROOT / "demo-out" / "card.image").is_file():
        raise SystemExit("run `cardkit demo` first (the benchmark verifies demo-out/card.image)")
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    had = bool(_caches())
    print(f"start-up, whole process, {args.runs} runs each, ms: median [p10..p90]  (Python "
          f"{sys.version.split()[0]}, load {os.getloadavg()[0]:.2f})")
    try:
        for compiled in (False, True):
            if args.only and args.only != ("pyc" if compiled else "nopyc"):
                continue
            set_bytecode(compiled)
            print(f"\n  {'with' if compiled else 'without'} .pyc for cardkit and simulators")
            for label, cmd in COMMANDS:
                wall(cmd, 2, env)  # warm the file cache
                t = wall(cmd, args.runs, env)
                print(f"    {label:42} {statistics.median(t):7.1f}  [{_pct(t, 0.1):6.1f}..{_pct(t, 0.9):6.1f}]")
        if args.imports:
            set_bytecode(True)
            for label, cmd in COMMANDS[2:]:
                print(f"\n  -X importtime: {label}")
                importtime(cmd, env, args.top)
    finally:
        set_bytecode(had)


if __name__ == "__main__":
    main()
