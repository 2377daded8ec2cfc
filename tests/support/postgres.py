"""A throwaway PostgreSQL cluster for tests: initdb into a temp dir as the ``postgres`` user, a Unix socket
in that dir, no TCP listener, password authentication; stopped (by its own pg_ctl) when the test ends.

Tests run as root and PostgreSQL refuses to run as root, so the cluster's files belong to the Debian
``postgres`` user and every server command runs through ``runuser``. Skipped with one reason when
PostgreSQL is not installed.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

__all__ = ["PgCluster", "PsqlError", "pg_cluster", "postgres_available", "throwaway_cluster"]

USER = "cardkit"


def _bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def postgres_available() -> str | None:
    """None when a cluster can be made here, else why not."""
    if _bin() is None:
        return "PostgreSQL is not installed (Debian package postgresql; .ci/setup.sh installs it)"
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return "no postgres system user to run the server as"
    if shutil.which("runuser") is None:
        return "runuser is missing"
    return None


class PsqlError(RuntimeError):
    """psql refused a statement (its stderr is the message): what a test of the database's own rules expects."""


@dataclass
class PgCluster:
    """One running server: its directory, socket directory and the password of the ``cardkit`` role."""

    base: Path
    password: str = field(repr=False)

    @property
    def data(self) -> Path:
        return self.base / "data"

    @property
    def url(self) -> str:
        return f"postgresql://{USER}@/postgres?host={self.base}"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(["runuser", "-u", "postgres", "--", *args], check=check, capture_output=True,
                              text=True, timeout=120)

    def start(self) -> None:
        pg = _bin()
        self._run(str(pg / "pg_ctl"), "-D", str(self.data), "-l", str(self.base / "log"), "-w", "-t", "60", "-o",
                  f"-k {self.base} -c listen_addresses='' -c fsync=off -c max_connections=40", "start")

    def stop(self, mode: str = "fast") -> None:
        pg = _bin()
        self._run(str(pg / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop", check=False)

    def psql(self, sql: str) -> str:
        env = {**os.environ, "PGPASSWORD": self.password}
        r = subprocess.run(["psql", "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", self.url, "-c", sql],
                           env=env, capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            raise PsqlError(r.stderr)
        return r.stdout


@pytest.fixture
def pg_cluster() -> Iterator[PgCluster]:
    why = postgres_available()
    if why is not None:
        pytest.skip(why)
    with throwaway_cluster() as cluster:
        yield cluster


@contextlib.contextmanager
def throwaway_cluster() -> Iterator[PgCluster]:
    """Make, start, and at the end stop and remove one cluster (the fixture and the benchmarks use it)."""
    base = Path(tempfile.mkdtemp(prefix="cardkit-pg-", dir="/tmp"))
    shutil.chown(base, "postgres", "postgres")
    os.chmod(base, 0o755)
    password = secrets.token_hex(12)
    pwfile = base / "pw"
    pwfile.write_text(password + "\n")
    shutil.chown(pwfile, "postgres", "postgres")
    cluster = PgCluster(base, password)
    try:
        cluster._run(str(_bin() / "initdb"), "-D", str(cluster.data), "-U", USER, "--pwfile", str(pwfile),
                     "--auth-local=scram-sha-256", "--auth-host=scram-sha-256", "-E", "UTF8", "--no-sync")
        pwfile.unlink()
        cluster.start()
        yield cluster
    finally:
        cluster.stop("fast")
        shutil.rmtree(base, ignore_errors=True)
