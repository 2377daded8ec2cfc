"""Every CLI command fed bad input: one ``cardkit:`` line naming what and where, the right exit code.

A malformed file, hostile chip answer, wrong password, missing key or bad
record gives a typed error; the CLI prints one readable line and exits 1 (verification failed),
2 (usage or input), 3 (card or reader); exit 4 or a traceback is a bug. This file sweeps every
command and subcommand with each kind of bad input that applies to it, against real artefacts
(a demo PKI, a simulator image, a dump, a ledger) made once per module.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from cardkit import cli
from cardkit.pki.demo import ensure_demo_pki
from tests.support.cli import ROOT

PASS = "Sekrit-Pass-4711"  # must never be echoed
CAN = "999001"  # the demo card's CAN (last 6 digits of its ID number)
WRONG_CAN = "314159"


@dataclass(frozen=True)
class Env:
    """Artefacts shared by every case (made once; never modified by a case)."""

    base: Path
    keys: Path  # demo PKI: csca.pem/.key, ds.pem/.key (encrypted with PASS)
    csca: Path  # pki init-csca output
    ds: Path  # pki issue-ds output
    ml: Path  # pki issue-ml-signer output
    image: Path  # simulator image of the demo VN card
    dump: Path  # dump of it
    ledger: Path  # a ledger with one issued card
    records: Path  # one good record (CSV, absolute photo path)

    def bad(self, name: str, content: bytes | str) -> Path:
        """A file under a fresh per-case directory (cases never share written files)."""
        p = self.base / "bad" / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(content.encode() if isinstance(content, str) else content)
        return p


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> Env:
    base = tmp_path_factory.mktemp("clierr")
    mp = pytest.MonkeyPatch()
    mp.setenv("CARDKIT_PASSPHRASE", PASS)
    mp.delenv("CARDKIT_DEBUG", raising=False)
    try:
        keys, demo = base / "keys", base / "demo"
        # A demo PKI encrypted with the operator's passphrase, as earlier cardkit versions made it: the
        # demo still opens it with CARDKIT_PASSPHRASE, and the --ds cases below read it with PASS.
        ensure_demo_pki(keys, PASS.encode())
        assert cli.main(["demo", "--out", str(demo), "--keys", str(keys)]) == 0
        assert cli.main(["pki", "init-csca", "--country", "VN", "--out", str(base / "csca")]) == 0
        assert cli.main(["pki", "issue-ds", "--csca", str(base / "csca"), "--out", str(base / "ds")]) == 0
        assert cli.main(["pki", "issue-ml-signer", "--csca", str(base / "csca"), "--out", str(base / "ml")]) == 0
        lines = (ROOT / "examples" / "vn-citizens.csv").read_text("utf-8").splitlines()[:2]
        lines[1] = lines[1].replace(",photos/", f",{ROOT / 'examples' / 'photos'}/")
        lines[1] = lines[1].replace(",fingers/", f",{ROOT / 'examples' / 'fingers'}/")
        records = base / "one.csv"
        records.write_text("\n".join(lines) + "\n", "utf-8")
        ledger = base / "ledger.sqlite"
        assert cli.main(["personalise", "--profile", "vn-cccd", "--records", str(records), "--ds", str(keys),
                         "--sim", str(base / "cards"), "--ledger", str(ledger), "--json",
                         "--cvca", str(keys / "eac" / "cvca.cvcert")]) == 0
    finally:
        mp.undo()
    return Env(base, keys, base / "csca", base / "ds", base / "ml", demo / "card.image", demo / "dump", ledger,
               records)


@dataclass(frozen=True)
class Case:
    """argv(env, tmp) -> arguments; code: the exit code; names: words the line must contain."""

    id: str
    argv: Callable[[Env, Path], list]
    code: int
    names: tuple[str, ...] = ()
    env: dict[str, str | None] = field(default_factory=dict)
    usage: bool = False  # a click usage error: several lines, "Error:" says which option
    batch: bool = False  # a batch check: one "cardkit:" line per bad record, then the summary line
    in_report: bool = False  # a bulk run: the bad item is a finding in the report on stdout, not an error


def _copy_dump(e: Env, t: Path) -> Path:
    d = t / "dump"
    shutil.copytree(e.dump, d)
    return d


def _dump_with(e: Env, t: Path, name: str, data: bytes) -> Path:
    d = _copy_dump(e, t)
    (d / name).write_bytes(data)
    return d


def _truncated(p: Path, t: Path, keep: float = 0.5) -> Path:
    data = p.read_bytes()
    out = t / (p.name + ".trunc")
    out.write_bytes(data[: int(len(data) * keep)])
    return out


def _file(t: Path, name: str, data: bytes | str) -> Path:
    p = t / name
    p.write_bytes(data.encode() if isinstance(data, str) else data)
    return p


def _ledger_copy(e: Env, t: Path) -> Path:
    p = t / "l.sqlite"
    p.write_bytes(e.ledger.read_bytes())
    return p


def _ledger_garbage(e: Env, t: Path) -> Path:
    return _file(t, "l.sqlite", b"SQLite format 3\x00" + os.urandom(3000))


def _ledger_wrong_schema(e: Env, t: Path) -> Path:
    p = t / "l.sqlite"
    with sqlite3.connect(p) as c:
        c.execute("CREATE TABLE something_else (x)")
    c.close()
    return p


def _sim_copy(e: Env, t: Path, mutate: Callable[[bytes], bytes]) -> Path:
    return _file(t, "card.image", mutate(e.image.read_bytes()))


RND = bytes(range(256)) * 4
CSV = (ROOT / "examples" / "vn-citizens.csv")
BAD_TOML = 'name = "x"\n[access\nbac = true\n'


def KEYS_DS(e: Env, t: Path) -> list:  # reads as a constant in the table
    return ["--ds", e.keys, *CVCA(e)]


def CVCA(e: Env) -> list:
    """The demo's TEST CVCA: the vn-cccd profile's chips must trust one (Terminal Authentication)."""
    return ["--cvca", e.keys / "eac" / "cvca.cvcert"]


def _trust(e: Env) -> list:
    return ["--trust", e.keys / "csca.pem"]


CASES: list[Case] = [
    # --- mrz make / check -------------------------------------------------------------------
    Case("mrz-make-missing", lambda e, t: ["mrz", "make", t / "nope.csv"], 2, ("nope.csv",)),
    Case("mrz-make-dir", lambda e, t: ["mrz", "make", t], 2, (), usage=True),
    Case("mrz-make-empty", lambda e, t: ["mrz", "make", _file(t, "e.csv", b"")], 2, ("e.csv",)),
    Case("mrz-make-random", lambda e, t: ["mrz", "make", _file(t, "r.csv", RND)], 2, ("r.csv",)),
    Case("mrz-make-cert", lambda e, t: ["mrz", "make", e.keys / "csca.pem"], 2, ("csca.pem",)),
    Case("mrz-make-bad-rows", lambda e, t: ["mrz", "make", "--no-photo-check",
                                            _file(t, "b.csv", CSV.read_text("utf-8").splitlines()[0] + "\n"
                                                  + "12,x,99/99/1999,?,,,,,,,,,,,,,,,,\n")], 2,
         ("line 2", "date_of_birth", "b.csv"), batch=True),
    Case("mrz-make-line-out-of-range", lambda e, t: ["mrz", "make", "--no-photo-check", "--line", 99, e.records],
         2, ("99",)),
    Case("mrz-check-garbage", lambda e, t: ["mrz", "check", "IDVNM<<<garbage"], 2, ("MRZ",)),
    Case("mrz-check-bad-digit", lambda e, t: ["mrz", "check",
                                              "IDVNM1929990018002192999001<<<",
                                              "9203122F3203128VNM<<<<<<<<<<<5",
                                              "NGUYEN<<THI<ANH<TUYET<<<<<<<<<"], 1, ()),
    # --- lds show ------------------------------------------------------------------------------
    Case("lds-missing", lambda e, t: ["lds", "show", t / "DG1"], 2, ("DG1",)),
    Case("lds-dir", lambda e, t: ["lds", "show", t], 2, (), usage=True),
    Case("lds-empty", lambda e, t: ["lds", "show", _file(t, "DG1", b"")], 2, ("DG1",)),
    Case("lds-random", lambda e, t: ["lds", "show", _file(t, "DG13", RND)], 2, ("DG13",)),
    Case("lds-truncated-sod", lambda e, t: ["lds", "show", _truncated(e.dump / "EF.SOD", t)], 2, ("EF.SOD",)),
    Case("lds-cert-as-sod", lambda e, t: ["lds", "show", "--name", "EF.SOD", e.keys / "csca.pem"], 2,
         ("csca.pem",)),
    Case("lds-dg1-as-dg2", lambda e, t: ["lds", "show", "--name", "DG2", e.dump / "DG1"], 2, ("DG2",)),
    Case("lds-unknown-name", lambda e, t: ["lds", "show", "--name", "DG99", e.dump / "DG1"], 2, ("DG99",)),
    # --- pki -------------------------------------------------------------------------------
    Case("pki-init-csca-exists", lambda e, t: ["pki", "init-csca", "--country", "VN", "--out", e.csca], 2,
         ("csca",)),
    Case("pki-init-csca-bad-country", lambda e, t: ["pki", "init-csca", "--country", "V1", "--out", t / "c"], 2,
         ("V1",)),
    Case("pki-init-csca-out-is-file", lambda e, t: ["pki", "init-csca", "--country", "VN", "--out",
                                                    _file(t, "f", b"x")], 2, (), usage=True),
    Case("pki-init-csca-hsm-no-token", lambda e, t: ["pki", "init-csca", "--country", "VN", "--out", t / "c",
                                                     "--hsm-module", t / "nope.so"], 2, ()),
    Case("pki-issue-ds-wrong-pass", lambda e, t: ["pki", "issue-ds", "--csca", e.csca, "--out", t / "d"], 2,
         ("csca",), env={"CARDKIT_PASSPHRASE": "wrong-pass-123"}),
    Case("pki-issue-ds-missing-csca-dir", lambda e, t: ["pki", "issue-ds", "--csca", t / "none", "--out", t / "d"],
         2, ("none",), usage=True),
    Case("pki-issue-ds-empty-csca-dir", lambda e, t: ["pki", "issue-ds", "--csca", t, "--out", t / "d"], 2,
         ("csca",)),
    Case("pki-issue-ds-missing-key", lambda e, t: ["pki", "issue-ds", "--csca", _csca_without(e, t, ".key"),
                                                   "--out", t / "d"], 2, ("csca.key",)),
    Case("pki-issue-ds-random-key", lambda e, t: ["pki", "issue-ds", "--csca", _csca_with(e, t, ".key", RND),
                                                  "--out", t / "d"], 2, ("csca.key",)),
    Case("pki-issue-ds-random-cert", lambda e, t: ["pki", "issue-ds", "--csca", _csca_with(e, t, ".pem", RND),
                                                   "--out", t / "d"], 2, ("csca.pem",)),
    Case("pki-issue-ds-ds-as-csca", lambda e, t: ["pki", "issue-ds", "--csca", e.ds, "--out", t / "d"], 2,
         ("csca",)),
    Case("pki-issue-ds-bad-json", lambda e, t: ["pki", "issue-ds", "--csca", _csca_with(e, t, ".json", "{not json"),
                                                "--out", t / "d"], 2, ("csca.json",)),
    Case("pki-issue-ml-wrong-pass", lambda e, t: ["pki", "issue-ml-signer", "--csca", e.csca, "--out", t / "m"], 2,
         ("csca",), env={"CARDKIT_PASSPHRASE": "wrong-pass-123"}),
    Case("pki-link-same", lambda e, t: ["pki", "link", "--old", e.csca, "--new", e.csca, "--out", t / "l.der"], 2,
         ("same CSCA key",)),
    Case("pki-link-to-ds-folder", lambda e, t: ["pki", "link", "--old", e.csca, "--new", e.ds, "--out", t / "l.der"],
         2, ("same CSCA key",)),  # issue-ds put the issuing CSCA's certificate there: the old key again
    Case("pki-link-empty-dirs", lambda e, t: ["pki", "link", "--old", t, "--new", e.csca, "--out", t / "l.der"], 2,
         ("csca",)),
    Case("pki-crl-revoke-random", lambda e, t: ["pki", "crl", "--csca", e.csca, "--revoke", _file(t, "r.pem", RND),
                                                "--out", t / "c.crl"], 2, ("r.pem",)),
    Case("pki-crl-revoke-empty", lambda e, t: ["pki", "crl", "--csca", e.csca, "--revoke", _file(t, "r.pem", b""),
                                               "--out", t / "c.crl"], 2, ("r.pem",)),
    Case("pki-crl-revoke-dir", lambda e, t: ["pki", "crl", "--csca", e.csca, "--revoke", t, "--out", t / "c.crl"],
         2, (), usage=True),
    Case("pki-crl-wrong-pass", lambda e, t: ["pki", "crl", "--csca", e.csca, "--out", t / "c.crl"], 2, ("csca",),
         env={"CARDKIT_PASSPHRASE": "wrong-pass-123"}),
    Case("pki-crl-out-in-missing-dir", lambda e, t: ["pki", "crl", "--csca", e.csca, "--out", t / "no" / "c.crl"],
         2, ("c.crl",)),
    Case("pki-ml-csca-random", lambda e, t: ["pki", "master-list", "--signer", e.ml, "--csca",
                                             _file(t, "x.pem", RND), "--out", t / "ml.der"], 2, ("x.pem",)),
    Case("pki-ml-csca-is-sod", lambda e, t: ["pki", "master-list", "--signer", e.ml, "--csca", e.dump / "EF.SOD",
                                             "--out", t / "ml.der"], 2, ("EF.SOD",)),
    Case("pki-ml-signer-is-csca", lambda e, t: ["pki", "master-list", "--signer", e.csca, "--csca",
                                                e.csca / "csca.pem", "--out", t / "ml.der"], 2, ("ml",)),
    Case("pki-ml-wrong-pass", lambda e, t: ["pki", "master-list", "--signer", e.ml, "--csca", e.csca / "csca.pem",
                                            "--out", t / "ml.der"], 2, ("ml",),
         env={"CARDKIT_PASSPHRASE": "wrong-pass-123"}),
    Case("pki-lint-missing", lambda e, t: ["pki", "lint", t / "c.pem"], 2, ("c.pem",), usage=True),
    Case("pki-lint-empty", lambda e, t: ["pki", "lint", _file(t, "c.pem", b"")], 2, ("c.pem",)),
    Case("pki-lint-random", lambda e, t: ["pki", "lint", _file(t, "c.der", RND)], 2, ("c.der",)),
    Case("pki-lint-truncated", lambda e, t: ["pki", "lint", _truncated(e.csca / "csca.pem", t)], 2,
         ("csca.pem.trunc",)),
    Case("pki-lint-sod", lambda e, t: ["pki", "lint", e.dump / "EF.SOD"], 2, ("EF.SOD",)),
    Case("pki-lint-key", lambda e, t: ["pki", "lint", e.csca / "csca.key"], 2, ("csca.key",)),
    # --- personalise -------------------------------------------------------------------------
    Case("perso-records-missing", lambda e, t: ["personalise", "--profile", "vn-cccd", "--records", t / "r.csv",
                                                *KEYS_DS(e, t), "--sim", t / "c"], 2, ("r.csv",), usage=True),
    Case("perso-records-empty", lambda e, t: ["personalise", "--profile", "vn-cccd", "--records",
                                              _file(t, "r.csv", b""), *KEYS_DS(e, t), "--sim", t / "c",
                                              "--json"], 2, ("r.csv",)),
    Case("perso-records-random", lambda e, t: ["personalise", "--profile", "vn-cccd", "--records",
                                               _file(t, "r.csv", RND), *KEYS_DS(e, t), "--sim", t / "c",
                                               "--json"], 2, ("r.csv",)),
    Case("perso-records-is-cert", lambda e, t: ["personalise", "--profile", "vn-cccd", "--records",
                                                e.keys / "csca.pem", *KEYS_DS(e, t), "--sim", t / "c", "--json"],
         2, ("csca.pem",)),
    Case("perso-profile-unknown", lambda e, t: ["personalise", "--profile", "xx-none", "--records", e.records,
                                                *KEYS_DS(e, t), "--sim", t / "c"], 2, ("xx-none",)),
    Case("perso-profile-bad-toml", lambda e, t: ["personalise", "--profile", _file(t, "p.toml", BAD_TOML),
                                                 "--records", e.records, *KEYS_DS(e, t), "--sim", t / "c"], 2,
         ("p.toml",)),
    Case("perso-profile-is-csv", lambda e, t: ["personalise", "--profile", e.records, "--records", e.records,
                                               *KEYS_DS(e, t), "--sim", t / "c"], 2, ("one.csv",)),
    Case("perso-profile-missing-key", lambda e, t: ["personalise", "--profile", _file(t, "p.toml", 'name = "x"\n'),
                                                    "--records", e.records, *KEYS_DS(e, t), "--sim", t / "c"], 2,
         ("p.toml",)),
    Case("perso-profile-dir", lambda e, t: ["personalise", "--profile", t, "--records", e.records,
                                            *KEYS_DS(e, t), "--sim", t / "c"], 2, ()),
    Case("perso-wrong-pass", lambda e, t: ["personalise", "--profile", "vn-cccd", "--records", e.records,
                                           *KEYS_DS(e, t), "--sim", t / "c"], 2, ("ds",),
         env={"CARDKIT_PASSPHRASE": "wrong-pass-123"}),
    Case("perso-ds-missing-key", lambda e, t: ["personalise", "--profile", "vn-cccd", "--records", e.records,
                                               "--ds", _dir_with(e.keys, t, drop="ds.key"), "--sim", t / "c", *CVCA(e)], 2,
         ("ds.key",)),
    Case("perso-ds-random-cert", lambda e, t: ["personalise", "--profile", "vn-cccd", "--records", e.records,
                                               "--ds", _dir_with(e.keys, t, put=("ds.pem", RND)), "--sim",
                                               t / "c", *CVCA(e)], 2, ("ds.pem",)),
    Case("perso-no-target", lambda e, t: ["personalise", "--profile", "vn-cccd", "--records", e.records,
                                          *KEYS_DS(e, t)], 2, ("--reader", "--sim")),
    Case("perso-both-targets", lambda e, t: ["personalise", "--profile", "vn-cccd", "--records", e.records,
                                             *KEYS_DS(e, t), "--sim", t / "c", "--reader", "0"], 2,
         ("--reader", "--sim")),
    Case("perso-no-signer", lambda e, t: ["personalise", "--profile", "vn-cccd", "--records", e.records,
                                          "--sim", t / "c", *CVCA(e)], 2, ("--ds",)),
    Case("perso-no-cvca", lambda e, t: ["personalise", "--profile", "vn-cccd", "--records", e.records,
                                        "--ds", e.keys, "--sim", t / "c"], 2, ("--cvca",)),
    Case("perso-cvca-random", lambda e, t: ["personalise", "--profile", "vn-cccd", "--records", e.records,
                                            "--ds", e.keys, "--sim", t / "c", "--cvca", _file(t, "c.cvcert", RND)],
         2, ("c.cvcert",)),
    Case("perso-cvca-is-dv", lambda e, t: ["personalise", "--profile", "vn-cccd", "--records", e.records,
                                           "--ds", e.keys, "--sim", t / "c", "--cvca",
                                           e.keys / "eac" / "dv.cvcert"], 2, ("VNDVTEST00001",)),
    Case("perso-ledger-corrupt", lambda e, t: ["personalise", "--profile", "vn-cccd", "--records", e.records,
                                               *KEYS_DS(e, t), "--sim", t / "c", "--ledger", _ledger_garbage(e, t)],
         2, ("l.sqlite",)),
    Case("perso-ledger-is-dir", lambda e, t: ["personalise", "--profile", "vn-cccd", "--records", e.records,
                                              *KEYS_DS(e, t), "--sim", t / "c", "--ledger", t], 2, ("is a directory",)),
    Case("perso-trust-random", lambda e, t: ["personalise", "--profile", "vn-cccd", "--records", e.records,
                                             *KEYS_DS(e, t), "--sim", t / "c", "--trust", _file(t, "t.pem", RND)],
         2, ("t.pem",)),
    # --- ledger ---------------------------------------------------------------------------
    Case("ledger-report-missing", lambda e, t: ["ledger", "report", "--ledger", t / "l.sqlite"], 2, ("l.sqlite",)),
    Case("ledger-report-garbage", lambda e, t: ["ledger", "report", "--ledger", _ledger_garbage(e, t)], 2,
         ("l.sqlite",)),
    Case("ledger-report-random", lambda e, t: ["ledger", "report", "--ledger", _file(t, "l.sqlite", RND)], 2,
         ("l.sqlite",)),
    Case("ledger-report-empty", lambda e, t: ["ledger", "report", "--ledger", _file(t, "l.sqlite", b"")], 2,
         ("l.sqlite",)),
    Case("ledger-report-wrong-schema", lambda e, t: ["ledger", "report", "--ledger", _ledger_wrong_schema(e, t)], 2,
         ("l.sqlite",)),
    Case("ledger-report-dir", lambda e, t: ["ledger", "report", "--ledger", t], 2, ("no such ledger",)),
    Case("ledger-report-csv", lambda e, t: ["ledger", "report", "--ledger", e.records], 2, ("one.csv",)),
    Case("ledger-check-garbage", lambda e, t: ["ledger", "check", "--ledger", _ledger_garbage(e, t)], 2,
         ("l.sqlite",)),
    Case("ledger-check-missing", lambda e, t: ["ledger", "check", "--ledger", t / "l.sqlite"], 2, ("l.sqlite",)),
    Case("ledger-check-truncated", lambda e, t: ["ledger", "check", "--ledger", _truncated(_ledger_copy(e, t), t)],
         2, ("l.sqlite",)),
    # --- read / verify: keys, images, dumps ----------------------------------------------------
    Case("read-wrong-can", lambda e, t: ["read", "--sim", e.image, "--can", WRONG_CAN, "--out", t / "d"], 3,
         ("PACE", "authentication failed")),
    Case("read-wrong-mrz", lambda e, t: ["read", "--sim", e.image, "--doc", "123456789", "--dob", "900101",
                                         "--doe", "300101", "--out", t / "d"], 3, ()),
    Case("read-malformed-can", lambda e, t: ["read", "--sim", e.image, "--can", "12ab", "--out", t / "d"], 2,
         ("--can",)),
    Case("read-no-key", lambda e, t: ["read", "--sim", e.image, "--out", t / "d"], 2, ()),
    Case("read-two-keys", lambda e, t: ["read", "--sim", e.image, "--can", CAN, "--mrz-info", "x" * 24,
                                        "--out", t / "d"], 2, ("--can", "--mrz-info")),
    Case("read-doc-without-dob", lambda e, t: ["read", "--sim", e.image, "--doc", "123456789", "--out", t / "d"],
         2, ("--dob",)),
    Case("read-bad-dob", lambda e, t: ["read", "--sim", e.image, "--doc", "123456789", "--dob", "991399",
                                       "--doe", "300101", "--out", t / "d"], 2, ("--dob",)),
    Case("read-no-source", lambda e, t: ["read", "--can", CAN, "--out", t / "d"], 2, ("--reader", "--sim")),
    Case("read-sim-and-reader", lambda e, t: ["read", "--sim", e.image, "--reader", "0", "--can", CAN,
                                              "--out", t / "d"], 2, ("--reader", "--sim")),
    Case("read-image-missing", lambda e, t: ["read", "--sim", t / "none.image", "--can", CAN, "--out", t / "d"],
         2, ("none.image",)),
    Case("read-image-empty", lambda e, t: ["read", "--sim", _file(t, "c.image", b""), "--can", CAN,
                                           "--out", t / "d"], 2, ("c.image",)),
    Case("read-image-random", lambda e, t: ["read", "--sim", _file(t, "c.image", RND), "--can", CAN,
                                            "--out", t / "d"], 2, ("c.image",)),
    Case("read-image-truncated", lambda e, t: ["read", "--sim", _truncated(e.image, t), "--can", CAN,
                                               "--out", t / "d"], 2, ("card.image",)),
    Case("read-image-is-cert", lambda e, t: ["read", "--sim", e.keys / "csca.pem", "--can", CAN, "--out", t / "d"],
         2, ("csca.pem",)),
    Case("read-image-is-dir", lambda e, t: ["read", "--sim", t, "--can", CAN, "--out", t / "d"], 2, ("is not a file",)),
    Case("read-image-flipped", lambda e, t: ["read", "--sim", _sim_copy(e, t, _flip_middle), "--can", CAN,
                                             "--out", t / "d"], 2, ("card.image",)),
    Case("read-out-is-file", lambda e, t: ["read", "--sim", e.image, "--can", CAN, "--out", _file(t, "o", b"x")],
         2, ("o",)),
    Case("read-trace-in-missing-dir", lambda e, t: ["read", "--sim", e.image, "--can", CAN, "--out", t / "d",
                                                    "--trace", t / "no" / "trace.json"], 2, ("trace.json",)),
    Case("verify-wrong-can", lambda e, t: ["verify", "--sim", e.image, "--can", WRONG_CAN, *_trust(e)], 3,
         ("PACE", "authentication failed")),
    Case("verify-wrong-id-number", lambda e, t: ["verify", "--sim", e.image, "--id-number", "001099" + WRONG_CAN,
                                                 *_trust(e)], 3, ()),
    Case("verify-bad-id-number", lambda e, t: ["verify", "--sim", e.image, "--id-number", "12345", *_trust(e)], 2,
         ("ID number",)),
    Case("verify-bad-mrz-info", lambda e, t: ["verify", "--sim", e.image, "--mrz-info", "ABC", *_trust(e)], 2,
         ("--mrz-info",)),
    Case("verify-dump-and-sim", lambda e, t: ["verify", "--sim", e.image, "--dump", e.dump, "--can", CAN,
                                              *_trust(e)], 2, ("--dump", "--sim")),
    Case("verify-trust-missing", lambda e, t: ["verify", "--dump", e.dump, "--trust", t / "csca.pem"], 2,
         ("csca.pem",)),
    Case("verify-trust-random", lambda e, t: ["verify", "--dump", e.dump, "--trust", _file(t, "x.pem", RND)], 2,
         ("x.pem",)),
    Case("verify-trust-empty", lambda e, t: ["verify", "--dump", e.dump, "--trust", _file(t, "x.pem", b"")], 2,
         ("x.pem",)),
    Case("verify-trust-is-sod", lambda e, t: ["verify", "--dump", e.dump, "--trust", e.dump / "EF.SOD"], 2,
         ("EF.SOD",)),
    Case("verify-trust-is-key", lambda e, t: ["verify", "--dump", e.dump, "--trust", e.keys / "csca.key"], 2,
         ("csca.key",)),
    Case("verify-crl-random", lambda e, t: ["verify", "--dump", e.dump, *_trust(e), "--crl",
                                            _file(t, "x.crl", RND)], 2, ("x.crl",)),
    Case("verify-crl-is-cert", lambda e, t: ["verify", "--dump", e.dump, *_trust(e), "--crl",
                                             e.keys / "csca.pem"], 2, ("csca.pem",)),
    Case("verify-wrong-csca", lambda e, t: ["verify", "--dump", e.dump, "--trust", e.csca / "csca.pem"], 5,
         ("UNKNOWN_ISSUER", "no trust anchor")),
    Case("verify-dump-missing", lambda e, t: ["verify", "--dump", t / "none", *_trust(e)], 2, ("none",)),
    Case("verify-dump-is-file", lambda e, t: ["verify", "--dump", e.dump / "DG1", *_trust(e)], 2, ("DG1",)),
    Case("verify-dump-empty-dir", lambda e, t: ["verify", "--dump", t, *_trust(e)], 2, ()),
    Case("verify-dump-no-sod", lambda e, t: ["verify", "--dump", _dump_without(e, t, "EF.SOD"), *_trust(e)], 1,
         ()),
    Case("verify-dump-random-sod", lambda e, t: ["verify", "--dump", _dump_with(e, t, "EF.SOD", RND), *_trust(e)],
         2, ("EF.SOD", "offset 0")),
    Case("verify-dump-cert-as-sod", lambda e, t: ["verify", "--dump",
                                                  _dump_with(e, t, "EF.SOD", (e.keys / "csca.pem").read_bytes()),
                                                  *_trust(e)], 2, ("EF.SOD", "trailing")),
    Case("verify-dump-random-dg1", lambda e, t: ["verify", "--dump", _dump_with(e, t, "DG1", RND), *_trust(e)], 2,
         ("DG1", "offset 0")),
    Case("verify-dump-truncated-dg2", lambda e, t: ["verify", "--dump", _dump_with(
        e, t, "DG2", (e.dump / "DG2").read_bytes()[:100]), *_trust(e)], 2, ("DG2", "runs past the end")),
    Case("verify-dump-random-com", lambda e, t: ["verify", "--dump", _dump_with(e, t, "EF.COM", RND), *_trust(e)],
         2, ("EF.COM", "offset 0")),
    Case("verify-dump-bad-report-json", lambda e, t: ["verify", "--dump", _dump_with(e, t, "report.json", RND),
                                                      *_trust(e)], 1, ()),
    Case("verify-bad-at", lambda e, t: ["verify", "--dump", e.dump, *_trust(e), "--at", "yesterday"], 2, ("--at",)),
    Case("verify-face-out-in-missing-dir", lambda e, t: ["verify", "--dump", e.dump, *_trust(e), "--face-out",
                                                         t / "no" / "f.jpg"], 2, ("f.jpg",)),
    Case("verify-image-random", lambda e, t: ["verify", "--sim", _file(t, "c.image", RND), "--can", CAN,
                                              *_trust(e)], 2, ("c.image",)),
    # --- audit -------------------------------------------------------------------------------
    Case("audit-path-missing", lambda e, t: ["audit", t / "none", *_trust(e), "-j", 1], 2, ("none",), usage=True),
    Case("audit-trust-random", lambda e, t: ["audit", e.dump, "--trust", _file(t, "x.pem", RND), "-j", 1], 2,
         ("x.pem",)),
    Case("audit-trust-missing", lambda e, t: ["audit", e.dump, "--trust", t / "x.pem", "-j", 1], 2, ("x.pem",),
         usage=True),
    Case("audit-crl-random", lambda e, t: ["audit", e.dump, *_trust(e), "--crl", _file(t, "x.crl", RND), "-j", 1],
         2, ("x.crl",)),
    Case("audit-random-sod", lambda e, t: ["audit", _file(t, "x.sod", RND), *_trust(e), "-j", 1, "--json"], 1, ("x.sod", "INCOMPLETE", "cannot read"),
         in_report=True),
    Case("audit-bad-at", lambda e, t: ["audit", e.dump, *_trust(e), "--at", "2024-13-40", "-j", 1], 2, ("--at",)),
    Case("audit-report-in-missing-dir", lambda e, t: ["audit", e.dump, *_trust(e), "-j", 1, "--report",
                                                      t / "no" / "r.jsonl"], 2, ("r.jsonl",)),
    Case("audit-no-trust", lambda e, t: ["audit", e.dump], 2, ("--trust",), usage=True),
    # --- demo ---------------------------------------------------------------------------------
    Case("demo-records-random", lambda e, t: ["demo", "--out", t / "o", "--keys", t / "k", "--records",
                                              _file(t, "r.csv", RND)], 2, ("r.csv",)),
    Case("demo-records-bad-rows", lambda e, t: ["demo", "--out", t / "o", "--keys", t / "k", "--records",
                                                ROOT / "examples" / "vn-citizens-bad.csv"], 2,
         ("vn-citizens-bad.csv",)),
    Case("demo-wrong-pass", lambda e, t: ["demo", "--out", t / "o", "--keys", e.keys], 2, ("passphrase",),
         env={"CARDKIT_PASSPHRASE": "wrong-pass-123"}),
    Case("demo-half-pki", lambda e, t: ["demo", "--out", t / "o", "--keys", _dir_with(e.keys, t, drop="ds.key")],
         2, ("ds.key",)),
    Case("demo-out-is-file", lambda e, t: ["demo", "--out", _file(t, "o", b"x"), "--keys", t / "k"], 2, (),
         usage=True),
    # --- sim serve ------------------------------------------------------------------------------
    Case("sim-serve-missing", lambda e, t: ["sim", "serve", t / "none.image"], 2, ("none.image",)),
    Case("sim-serve-random", lambda e, t: ["sim", "serve", _file(t, "c.image", RND)], 2, ("c.image",)),
    Case("sim-serve-truncated", lambda e, t: ["sim", "serve", _truncated(e.image, t)], 2, ("card.image",)),
    Case("sim-serve-cert", lambda e, t: ["sim", "serve", e.keys / "csca.pem"], 2, ("csca.pem",)),
]


def _flip_middle(data: bytes) -> bytes:
    b = bytearray(data)
    for i in range(len(b) // 2, len(b) // 2 + 64):
        b[i] ^= 0x5A
    return bytes(b)


def _csca_without(e: Env, t: Path, suffix: str) -> Path:
    return _dir_with(e.csca, t, drop="csca" + suffix)


def _csca_with(e: Env, t: Path, suffix: str, data: bytes | str) -> Path:
    return _dir_with(e.csca, t, put=("csca" + suffix, data))


def _dir_with(src: Path, t: Path, *, drop: str | None = None, put: tuple[str, bytes | str] | None = None) -> Path:
    d = t / src.name
    shutil.copytree(src, d)
    if drop:
        (d / drop).unlink()
    if put:
        _file(d, put[0], put[1])
    return d


def _dump_without(e: Env, t: Path, name: str) -> Path:
    d = _copy_dump(e, t)
    (d / name).unlink()
    return d


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_gives_one_typed_line(case: Case, env: Env, tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("CARDKIT_DEBUG", raising=False)
    for var in ("CARDKIT_CAN", "CARDKIT_ID_NUMBER", "CARDKIT_MRZ_INFO"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("CARDKIT_PASSPHRASE", PASS)
    for k, v in case.env.items():
        if v is None:
            monkeypatch.delenv(k, raising=False)
        else:
            monkeypatch.setenv(k, v)
    monkeypatch.chdir(tmp_path)
    work = tmp_path / "w"
    work.mkdir()
    argv = [str(a) for a in case.argv(env, work)]
    capsys.readouterr()
    code = cli.main(argv)
    out, err = capsys.readouterr()
    shown = f"argv={argv}\nexit={code}\nstdout={out[-800:]}\nstderr={err}"
    assert "Traceback" not in out + err, shown
    assert code == case.code, shown
    lines = err.strip().splitlines()
    if case.in_report:  # the bad item is reported on stdout, the run exits 1
        for name in case.names:
            assert name in out, shown
        lines = []
    elif case.batch:
        assert lines and all(line.startswith("cardkit: ") for line in lines), shown
        for name in case.names:
            assert name in err, shown
        lines = lines[-1:]
    if case.in_report or case.batch:
        pass
    elif case.usage:
        assert any(line.startswith("Error:") for line in lines), shown
        for name in case.names:
            assert name in err, shown
    else:
        assert len(lines) == 1 and lines[0].startswith("cardkit: "), shown
        error_line = lines[0]
        assert "internal error" not in error_line, shown
        for name in case.names:
            assert name in error_line, shown
    for secret in (PASS, WRONG_CAN, "wrong-pass-123"):
        assert secret not in out + err, shown
    assert CAN not in err, shown  # stdout may show the holder's ID number, of which the CAN is the tail


@pytest.mark.parametrize("argv", [["readers"], ["read", "--reader", "0", "--can", "123456", "--out", "d"],
                                  ["verify", "--reader", "0", "--can", "123456", "--trust", "."]],
                         ids=["readers", "read", "verify"])
def test_no_pcscd_is_a_reader_error(argv, tmp_path):
    """No PC/SC service: exit 3, one line. Run in a child whose libpcsclite looks at a socket nobody serves.

    pcscd may be running for other tests of this session, so the child points PCSCLITE_CSOCK_NAME at a
    path that does not exist: that is "pcscd not running" as the library sees it, whatever the machine.
    """
    (tmp_path / "csca.pem").write_bytes(b"")
    env = {k: v for k, v in os.environ.items() if k != "CARDKIT_DEBUG"}
    env["PCSCLITE_CSOCK_NAME"] = str(tmp_path / "no-pcscd.comm")
    r = subprocess.run([sys.executable, "-c", "import sys; from cardkit.cli import main; sys.exit(main(sys.argv[1:]))",
                        *argv], check=False, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 3, r.stderr
    assert len(lines) == 1 and lines[0].startswith("cardkit: ") and "PC/SC" in lines[0], r.stderr
    assert "Traceback" not in r.stderr + r.stdout and "123456" not in r.stderr


def test_certificate_given_as_crl_is_not_trusted(env):
    """trust.py: a PEM certificate passed among the CRLs is refused, never added as a CSCA (it was, before)."""
    from cardkit.pki.trust import TrustStore

    store = TrustStore.load([], crls=[env.keys / "csca.pem"])
    assert store.cscas == []
    assert any(f.failed and "not a CRL" in f.reason for f in store.findings)
