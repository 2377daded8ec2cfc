"""Where the ledger lives: one SQLite file (one station) or a PostgreSQL database (many stations).

Both give the store the same four things: a transaction (``tx``), the database clock as SQL (``now``),
the row-locking suffix of a claim (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite serialises
writers with BEGIN IMMEDIATE instead) and errors turned into ``LedgerError``. SQL is written once
with ``?`` parameters; the PostgreSQL backend turns them into ``%s``.

PostgreSQL is reached with psycopg 3 through a psycopg-pool pool, by a ``postgresql://`` URL. The
password comes from ``PGPASSWORD`` or ``~/.pgpass`` (libpq reads both), never from the URL; ``sslmode``
and the other libpq parameters in the URL are honoured. A URL is only ever shown redacted
(``redact_url``): user, host, port and database, nothing else.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlsplit

from ...errors import InputError, LedgerError, LedgerUnavailableError
from ._schema import NOW

__all__ = ["Backend", "SqliteBackend", "PostgresBackend", "open_backend", "redact_url", "is_url"]

Row = tuple[Any, ...]


class Cursor(Protocol):
    def execute(self, sql: str, params: Sequence[Any] = ()) -> "Cursor": ...
    def fetchone(self) -> Row | None: ...
    def fetchall(self) -> list[Row]: ...
    @property
    def rowcount(self) -> int: ...


class Backend(Protocol):
    """One database engine behind the ledger."""

    kind: str  # "sqlite" | "postgres"
    target: str  # the file, or the redacted URL
    now: str  # SQL for the database clock as ledger text
    skip_locked: str  # appended to a claim's SELECT

    def tx(self) -> Any: ...  # context manager yielding something with .execute(sql, params) -> cursor
    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...
    def execute_script(self, statements: list[str]) -> None: ...
    def table_exists(self, name: str) -> bool: ...
    def close(self) -> None: ...


def is_url(target: str | Path) -> bool:
    """True for a ``postgresql://`` (or ``postgres://``) URL, False for a file path."""
    return isinstance(target, str) and target.split("://", 1)[0] in ("postgresql", "postgres") and "://" in target


def redact_url(url: str) -> str:
    """``postgresql://user@host:port/db``: never a password or query parameters."""
    try:
        u = urlsplit(url)
        host = u.hostname or ""
        port = f":{u.port}" if u.port else ""
    except ValueError:
        return "postgresql://<unparsable URL>"
    user = f"{u.username}@" if u.username else ""
    return f"{u.scheme}://{user}{host}{port}{u.path}"


class SqliteBackend:
    """The embedded default: one file in WAL mode, one writer at a time (BEGIN IMMEDIATE)."""

    kind = "sqlite"
    now = NOW["sqlite"]
    skip_locked = ""

    def __init__(self, path: Path, *, create: bool, wal: bool = True) -> None:
        self.path = path
        self.target = str(path)
        memory = str(path) == ":memory:"
        if path.is_dir():
            raise InputError(f"{path}: is a directory, not a ledger file")
        if not memory and not path.exists():
            if not create:
                raise InputError(f"{path}: no such ledger")
            try:
                # the ledger names people and documents: private to the production account
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            except FileExistsError:
                pass
            except OSError as e:
                raise LedgerError(f"{path}: cannot create the ledger: {e.strerror}") from None
        try:
            self._db = sqlite3.connect(str(path), isolation_level=None, timeout=60)
            self._db.execute("PRAGMA foreign_keys = ON")
            mode = self._db.execute(f"PRAGMA journal_mode = {'WAL' if wal and not memory else 'DELETE'}").fetchone()[0]
            if wal and not memory and mode.lower() != "wal":
                raise LedgerError(f"{path}: SQLite refused WAL mode (got {mode})")
            self._db.execute("PRAGMA synchronous = FULL")  # an issued card must survive a power cut
        except sqlite3.DatabaseError as e:
            raise LedgerError(f"{path}: not a usable ledger: {e}") from None

    @property
    def journal_mode(self) -> str:
        return str(self._db.execute("PRAGMA journal_mode").fetchone()[0])

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.DatabaseError as e:
            raise LedgerError(f"{self.path}: {e}") from None
        try:
            yield self._db
        except sqlite3.IntegrityError as e:
            self._db.execute("ROLLBACK")
            raise LedgerError(f"the ledger refused it: {_first_line(e)}") from None
        except sqlite3.DatabaseError as e:
            self._db.execute("ROLLBACK")
            raise LedgerError(f"{self.path}: {_first_line(e)}") from None
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        else:
            self._db.execute("COMMIT")

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        try:
            return self._db.execute(sql, tuple(params)).fetchall()
        except sqlite3.DatabaseError as e:
            raise LedgerError(f"{self.path}: {_first_line(e)}") from None

    def execute_script(self, statements: list[str]) -> None:
        with self.tx() as db:
            for s in statements:
                db.execute(s)

    def table_exists(self, name: str) -> bool:
        return bool(self.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)))

    def integrity(self) -> list[str]:
        problems = [r[0] for r in self.query("PRAGMA integrity_check") if r[0] != "ok"]
        return problems + [f"foreign key violation in {r[0]}" for r in self.query("PRAGMA foreign_key_check")]

    def close(self) -> None:
        self._db.close()


class _PgTx:
    """A psycopg connection inside a transaction, taking ``?`` parameters."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self.conn.execute(sql.replace("?", "%s"), tuple(params))


class PostgresBackend:
    """Many stations, one ledger: PostgreSQL through psycopg 3 and a small psycopg-pool pool."""

    kind = "postgres"
    now = NOW["postgres"]
    skip_locked = " FOR UPDATE SKIP LOCKED"

    def __init__(self, url: str, *, connect_timeout: float = 10.0) -> None:
        # psycopg is the optional dependency of this backend (the "postgresql" extra)
        try:
            import psycopg
            from psycopg_pool import ConnectionPool
        except ImportError:
            raise InputError("a postgresql:// ledger needs psycopg and psycopg-pool: pip install "
                             "'cardkit[postgresql]'") from None
        self._psycopg = psycopg
        # the pool narrates reconnects on stderr; the ledger reports a failure itself, in one line
        pool_log = logging.getLogger("psycopg.pool")
        pool_log.propagate = False
        if not pool_log.handlers:
            pool_log.addHandler(logging.NullHandler())
        self.target = redact_url(url)
        u = urlsplit(url)
        if u.password is not None or any(k.lower() == "password" for k, _ in parse_qsl(u.query)):
            raise InputError(f"{self.target}: the ledger URL holds a password; give it in PGPASSWORD or ~/.pgpass "
                             "instead (a URL shows up in process lists and shell history)")
        kwargs = {"autocommit": True, "connect_timeout": max(1, int(connect_timeout))}
        try:  # one direct attempt first: its error says why (the pool would retry and only time out)
            psycopg.connect(url, **kwargs).close()
        except psycopg.Error as e:
            raise LedgerUnavailableError(f"{self.target}: cannot connect to the ledger database{self._why(e)}") from None
        self._pool = ConnectionPool(url, min_size=1, max_size=2, kwargs=kwargs, open=False, timeout=connect_timeout,
                                    name="cardkit-ledger")
        try:
            self._pool.open(wait=True, timeout=connect_timeout)
        except Exception as e:  # the pool raises PoolTimeout with the last connection error inside
            self._pool.close()
            raise LedgerUnavailableError(f"{self.target}: cannot connect to the ledger database"
                                         f"{self._why(e)}") from None

    def _why(self, e: BaseException) -> str:
        """One line from the driver's error, with anything secret taken out."""
        text = _first_line(e)
        cause = e.__cause__ or e.__context__
        if cause is not None and (not text or "couldn't get a connection" in text.lower()):
            text = _first_line(cause)
        secret = os.environ.get("PGPASSWORD")
        if secret:
            text = text.replace(secret, "<redacted>")
        return f": {text}" if text else ""

    def _fail(self, e: BaseException) -> LedgerError:
        errors = self._psycopg.errors
        if isinstance(e, self._psycopg.IntegrityError) or isinstance(e, errors.RaiseException):
            return LedgerError(f"the ledger refused it: {_first_line(e)}")
        if isinstance(e, (self._psycopg.OperationalError, self._psycopg.InterfaceError)):
            return LedgerUnavailableError(f"{self.target}: the ledger database went away{self._why(e)}; "
                                          "nothing is lost: start it again and re-run to resume")
        return LedgerError(f"{self.target}: {_first_line(e)}")

    @contextmanager
    def tx(self) -> Iterator[_PgTx]:
        try:
            with self._pool.connection() as conn:
                with conn.transaction():
                    yield _PgTx(conn)
        except LedgerError:
            raise
        except self._psycopg.Error as e:
            raise self._fail(e) from None
        except Exception as e:
            if type(e).__name__ == "PoolTimeout":
                raise LedgerUnavailableError(f"{self.target}: the ledger database cannot be reached"
                                             f"{self._why(e)}; re-run when it is back") from None
            raise

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        with self.tx() as t:
            return list(t.execute(sql, params).fetchall())

    def execute_script(self, statements: list[str]) -> None:
        with self.tx() as t:
            for s in statements:
                t.conn.execute(s)

    def table_exists(self, name: str) -> bool:
        return bool(self.query("SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() "
                               "AND table_name = ?", (name,)))

    def integrity(self) -> list[str]:
        return []  # PostgreSQL checks its own pages; constraints and triggers hold the rest

    def close(self) -> None:
        self._pool.close()


def _first_line(e: BaseException) -> str:
    return (str(e).strip().splitlines() or [""])[0]


def open_backend(target: str | Path, *, create: bool = True, wal: bool = True) -> SqliteBackend | PostgresBackend:
    """A file path (or ":memory:") is SQLite; a ``postgresql://`` URL is PostgreSQL."""
    if is_url(str(target)):
        return PostgresBackend(str(target))
    return SqliteBackend(Path(target), create=create, wal=wal)
