"""Every line of the real-artifacts MANIFEST.tsv through the CLI, as a new user would run it.

The corpus (../shared/real-artifacts: passports of 14 states, German eID files, the German and Dutch
master lists, CRLs, CSCA and DS certificates from public test suites) is read in place, never copied.
Each line says what its file must give:
  parse     ``lds show`` decodes it, as text and as JSON, exit 0
  error     ``lds show`` gives a typed error naming the file, exit 2
  cert      ``pki lint`` reads it: exit 0 or 1 (departures), never a crash
  crl       ``trust import CSCA CRL`` keeps the CRL: it verifies against its CSCA
  ml        ``trust import`` loads the master list and prints its CSCA count (counted here independently)
  refuse    ``trust import`` refuses it with a typed error naming the file, exit 2
  trust     ``trust import`` loads the bundle
  pa-sod    ``audit`` and ``trust check`` pass EF.SOD with its anchor(s) at the date
  pa-dump   ``verify --dump`` and ``audit`` pass Passive Authentication of the dump with its anchor at the date
  pa-cs     ``trust check`` passes EF.CardSecurity with its anchor at the date
  sig-dump  ``verify --dump`` (test PKI, no anchor): the SOD signature and every data group hash verify
Whatever the line, nothing may give a traceback or exit 4. Master lists are large: each is imported
once per session (fixture).
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

import click
import pytest
from asn1crypto import cms
from click.testing import CliRunner, Result

from cardkit import cli
from cardkit.pki.asn1 import CscaMasterList, RawCertificateSet
from tests.support.real_artifacts import CORPUS, MISSING

MANIFEST = CORPUS / "MANIFEST.tsv"


@dataclass(frozen=True)
class Line:
    file: str
    check: str
    trust: tuple[str, ...]
    at: str | None

    @property
    def path(self) -> Path:
        return CORPUS / self.file


def _lines() -> list[Line]:
    if not MANIFEST.is_file():
        return []
    out = []
    for raw in MANIFEST.read_text(encoding="utf-8").splitlines():
        if not raw.strip() or raw.startswith("#"):
            continue
        file, check, trust, at = raw.split("\t")
        out.append(Line(file, check, tuple(trust.split(",")) if trust != "-" else (), None if at == "-" else at))
    return out


LINES = _lines()
if not LINES:
    pytest.skip(MISSING, allow_module_level=True)


@click.command(add_help_option=False, context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def _entry(args: tuple[str, ...]) -> None:
    sys.exit(cli.main(list(args)))


def run(*args: object) -> Result:
    """The CLI in this process, as the console script runs it; never a traceback, never exit 4."""
    result = CliRunner().invoke(_entry, [str(a) for a in args])
    text = result.output + (result.stderr if result.stderr_bytes is not None else "")
    assert result.exit_code != 4 and "Traceback" not in text and "internal error" not in text, (args, text)
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), (args, text)
    return result


def _json(result: Result) -> object:
    return json.loads(result.stdout)


def _certlist_size(path: Path) -> int:
    """The number of certificates in a master list's certList, counted here with asn1crypto alone."""
    ci = cms.ContentInfo.load(path.read_bytes())
    content = ci["content"]["encap_content_info"]["content"].native
    return len(RawCertificateSet.load(CscaMasterList.load(content)["cert_list"].dump()))


@pytest.fixture(scope="session")
def imported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Result, Path]]:
    """Each master list and bundle of the corpus imported once into its own store: (result, store)."""
    out = {}
    for line in LINES:
        if line.check in ("ml", "trust") and line.path.exists():
            store = tmp_path_factory.mktemp("store")
            out[line.file] = (run("trust", "import", line.path, "--store", store / "s", "--json"), store / "s")
    return out


def _anchors(line: Line) -> list[object]:
    args: list[object] = []
    for t in line.trust:
        args += ["--trust", CORPUS / t]
    return args + (["--at", line.at] if line.at else [])


@pytest.mark.parametrize("line", LINES, ids=[f"{x.check}:{x.file}" for x in LINES])
def test_manifest_line(line: Line, imported: dict[str, tuple[Result, Path]], tmp_path: Path) -> None:
    if not line.path.exists():
        pytest.skip(f"{line.file} is not in this copy of the corpus")
    check = CHECKS[line.check]
    check(line, imported, tmp_path)


def _parse(line: Line, imported: object, tmp: Path) -> None:
    text = run("lds", "show", line.path)
    assert text.exit_code == 0, text.output
    as_json = run("lds", "show", line.path, "--json")
    assert as_json.exit_code == 0, as_json.output
    assert isinstance(_json(as_json), dict)


def _error(line: Line, imported: object, tmp: Path) -> None:
    r = run("lds", "show", line.path)
    assert r.exit_code == 2 and str(line.path) in r.stderr and r.stderr.count("\n") == 1, r.stderr


def _cert(line: Line, imported: object, tmp: Path) -> None:
    r = run("pki", "lint", line.path, "--json")
    assert r.exit_code in (0, 1), r.output
    doc = _json(r)
    assert doc["checks"] and doc["conforms"] is (r.exit_code == 0)
    assert run("pki", "lint", line.path).exit_code == r.exit_code


def _crl(line: Line, imported: object, tmp: Path) -> None:
    r = run("trust", "import", *(CORPUS / t for t in line.trust), line.path, "--store", tmp / "s", "--json")
    assert r.exit_code == 0, r.output
    assert _json(r)["crls"] == 1  # kept: a CSCA of the store verified it


def _ml(line: Line, imported: dict[str, tuple[Result, Path]], tmp: Path) -> None:
    r, store = imported[line.file]
    assert r.exit_code == 0, r.output
    doc = _json(r)
    (outcome,) = doc["master_lists"]
    assert outcome["verified"], outcome
    assert outcome["certificates"] + len(outcome["skipped"]) == _certlist_size(line.path)
    assert doc["certificates"] >= outcome["certificates"] - 20  # duplicates inside a list are stored once
    text = run("trust", "list", "--store", store)
    assert text.exit_code == 0 and "countries" in text.output
    again = run("trust", "import", line.path, "--store", tmp / "t")  # the text report prints the count
    assert again.exit_code == 0 and f"{outcome['certificates']} CSCA certificates" in again.output


def _refuse(line: Line, imported: object, tmp: Path) -> None:
    r = run("trust", "import", line.path, "--store", tmp / "s")
    assert r.exit_code == 2 and str(line.path) in r.stderr, r.output + r.stderr
    assert not (tmp / "s" / "index.json").exists()  # nothing half-imported


def _trust(line: Line, imported: dict[str, tuple[Result, Path]], tmp: Path) -> None:
    r, store = imported[line.file]
    assert r.exit_code == 0, r.output
    doc = _json(r)
    assert doc["certificates"] > 0 and doc["sources"][0]["certificates"] > 0
    listed = _json(run("trust", "list", "--store", store, "--json"))
    assert sum(d["csca"] + d["link"] for d in listed["countries"].values()) == doc["certificates"]


def _pa_sod(line: Line, imported: object, tmp: Path) -> None:
    r = run("trust", "check", line.path, *_anchors(line), "--json")
    doc = _json(r)
    assert r.exit_code == 0 and doc["passed"], [c for c in doc["checks"] if c["status"] == "FAILED"]
    at = ["--at", line.at] if line.at else []
    audit = run("audit", line.path, *(x for t in line.trust for x in ("--trust", CORPUS / t)), *at, "--jobs", "1",
                "--json")
    assert audit.exit_code == 0, audit.output


def _pa_dump(line: Line, imported: object, tmp: Path) -> None:
    r = run("verify", "--dump", line.path, *_anchors(line), "--json")
    assert r.exit_code in (0, 1), r.output
    checks = {c["name"]: c for c in _json(r)["checks"]}
    assert checks["passive_authentication"]["status"] == "PASSED", checks["passive_authentication"]
    at = ["--at", line.at] if line.at else []
    audit = run("audit", line.path, *(x for t in line.trust for x in ("--trust", CORPUS / t)), *at, "--jobs", "1")
    assert audit.exit_code == 0, audit.output


def _pa_cs(line: Line, imported: object, tmp: Path) -> None:
    r = run("trust", "check", line.path, *_anchors(line), "--json")
    doc = _json(r)
    assert r.exit_code == 0 and doc["passed"] and doc["kind"] == "EF.CardSecurity", doc


def _sig_dump(line: Line, imported: object, tmp: Path) -> None:
    empty = tmp / "no-anchors"
    empty.mkdir()
    r = run("verify", "--dump", line.path, "--trust", empty, "--json")
    assert r.exit_code in (0, 1), r.output
    checks = {c["name"]: c for c in _json(r)["checks"]}
    assert checks["pa:SOD signature"]["status"] == "PASSED", checks["pa:SOD signature"]
    dgs = sorted(p.name for p in line.path.iterdir() if p.name.startswith("DG"))
    assert dgs and all(checks[f"pa:{dg} hash"]["status"] == "PASSED" for dg in dgs), dgs


CHECKS = {"parse": _parse, "error": _error, "cert": _cert, "crl": _crl, "ml": _ml, "refuse": _refuse,
          "trust": _trust, "pa-sod": _pa_sod, "pa-dump": _pa_dump, "pa-cs": _pa_cs, "sig-dump": _sig_dump}


def test_every_manifest_check_has_a_rule() -> None:
    assert {line.check for line in LINES} <= set(CHECKS)
