"""Bulk offline verification of dumps and bare EF.SOD files, judged as ``cardkit verify --dump`` judges.

How it works, and the rules it keeps:
- Inputs are found lazily (``iter_inputs``): a directory holding ``EF.SOD``, ``EF.COM`` or DG1 is a
  dump; any other directory is walked; any other file is taken as a bare EF.SOD. Nothing is listed
  up front, so memory stays flat however many inputs there are.
- Each input becomes the evidence of a dump (``cardkit.inspect.dump_evidence``: its LDS files, each
  one complete TLV with its own tag, as ``cardkit.dump`` reads them) and is judged by the one judge
  of ``cardkit.inspect``: the verdict words, checks and reasons are those of ``cardkit verify
  --dump`` for the same files (a dump cannot prove its chip: DATA_AUTHENTIC_CHIP_NOT_PROVEN is the
  best an offline judge can say; a bare EF.SOD whose signature and chain verify says it too).
- By default the audit runs in this process; only when it has worked ``HEAD_START`` seconds with
  inputs left do workers join, one per core that stood idle meanwhile, while this process goes on
  auditing, so starting them (each imports cardkit and loads the trust store: 0.15-0.35 s of a core)
  does not hold the audit up; on a busy machine (no idle core) they would take this process's share
  while they start, so they join only after ``LONG_RUN`` seconds. ``--jobs N`` spreads inputs over N processes from the start. Workers are
  spawned, never forked, and not at all from the unguarded top-level code of a script (they would
  run it again; ``cardkit._main_guard``). Each loads the trust store once, in its initializer, and
  the trust store caches each verified DS certificate path, so a DS certificate is verified once per
  worker, not once per document. Results come back in bounded chunks and are folded into the summary
  as they arrive.
- Nothing crashes the audit: an input that cannot be read (a file that is not one TLV of its tag, an
  unreadable directory) is an INCOMPLETE item with the reason, and the audit goes on.

JSON (schema ``AUDIT_SCHEMA_VERSION``, version 1): each item is path, kind, verdict, reasons (``check:
reason`` of each failed check), ds_certificate and checks; the summary is total, by_verdict,
by_reason (failed check name -> items), by_ds_certificate (-> verdict counts) and trust_store.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import sys
import threading
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ._main_guard import spawn_is_safe
from .checks import Check, Status
from .dump import DUMP_FILE_NAMES, check_file
from .errors import InputError
from .inspect import InspectionReport, Verdict, dump_evidence, judge
from .pki.trust import TrustStore

__all__ = ["AuditItem", "AuditSummary", "AUDIT_SCHEMA_VERSION", "audit", "iter_inputs", "verify_input"]

AUDIT_SCHEMA_VERSION = 1
# Seconds the default (``jobs=None``) audits in this process before workers join: longer than starting
# them costs (0.15-0.35 s with compiled bytecode, twice that without), so a short audit never waits for them.
HEAD_START = 0.5
# Seconds after which workers join the default audit even when no core stood idle (a shared machine):
# by then the audit is long enough to repay their start.
LONG_RUN = 2.0
_DUMP_NAMES = frozenset(DUMP_FILE_NAMES)
_MAX_FILE = 16 << 20
_FIRST_READ = 1 << 16


@dataclass(frozen=True)
class AuditItem:
    """The verdict on one input, with every finding."""

    path: str
    kind: str  # "dump" or "sod"
    verdict: Verdict
    reasons: tuple[str, ...]  # "check: reason" of each FAILED check (or why it could not be judged)
    ds: str | None  # DS certificate: subject and serial
    checks: tuple[Check, ...] = ()

    @property
    def passed(self) -> bool:
        """True when the data verified to a trusted CSCA (the best an offline audit can say)."""
        return self.verdict.data_authentic

    def to_dict(self) -> dict[str, object]:
        return {"path": self.path, "kind": self.kind, "verdict": self.verdict.value, "reasons": list(self.reasons),
                "ds_certificate": self.ds, "checks": [c.to_dict() for c in self.checks]}


def _reason_key(item: AuditItem, reason: str) -> str:
    """The failed check a reason names ("pa:DG2 hash"), or "incomplete" for an input that was not judged."""
    return "incomplete" if item.verdict is Verdict.INCOMPLETE else reason.split(": ", 1)[0]


@dataclass
class AuditSummary:
    """Counts folded from the items as they arrive (no item is kept)."""

    total: int = 0
    by_verdict: Counter[Verdict] = field(default_factory=Counter)
    by_reason: Counter[str] = field(default_factory=Counter)
    by_ds: dict[str, Counter[str]] = field(default_factory=dict)
    trust_findings: list[Check] = field(default_factory=list)

    def add(self, item: AuditItem) -> None:
        self.total += 1
        self.by_verdict[item.verdict] += 1
        for r in item.reasons:
            self.by_reason[_reason_key(item, r)] += 1
        self.by_ds.setdefault(item.ds or "(none)", Counter())[item.verdict.value] += 1

    @property
    def authentic(self) -> int:
        """Items whose data verified to a trusted CSCA."""
        return sum(n for v, n in self.by_verdict.items() if v.data_authentic)

    @property
    def exit_code(self) -> int:
        """0 when every item is data-authentic; 5 when the others all lack a trust anchor; else 1."""
        if self.authentic == self.total:
            return 0
        return 5 if self.authentic + self.by_verdict[Verdict.UNKNOWN_ISSUER] == self.total else 1

    def to_dict(self) -> dict[str, object]:
        return {"total": self.total,
                "by_verdict": {v.value: self.by_verdict[v] for v in Verdict if self.by_verdict[v]},
                "by_reason": dict(self.by_reason.most_common()),
                "by_ds_certificate": {k: dict(v) for k, v in sorted(self.by_ds.items())},
                "trust_store": [c.to_dict() for c in self.trust_findings]}


def _is_dump(d: str) -> bool:
    # os.path on strings, not pathlib: this runs for every directory walked.
    return any(os.path.isfile(os.path.join(d, n)) for n in ("EF.SOD", "DG1", "EF.COM"))


def iter_inputs(paths: Iterable[Path | str]) -> Iterator[tuple[str, str]]:
    """Yield (path, kind) lazily: dumps ("dump") and bare SOD files ("sod"); directories are walked."""
    for p in paths:
        p = Path(p)
        if p.is_dir():
            if _is_dump(str(p)):
                yield str(p), "dump"
                continue
            stack = [p]
            while stack:
                d = stack.pop()
                try:
                    entries = os.scandir(d)
                except OSError:
                    yield str(d), "sod"  # reported as unreadable by the worker
                    continue
                with entries:
                    for e in entries:
                        if e.name.startswith("."):
                            continue
                        if e.is_dir():
                            if _is_dump(e.path):
                                yield e.path, "dump"
                            else:
                                stack.append(Path(e.path))
                        elif e.is_file() and e.name != "report.json":
                            yield e.path, "sod"
        else:
            yield str(p), "sod"


def _read(path: str) -> bytes:
    """The whole file, refused above _MAX_FILE bytes."""
    # Bare os calls (no buffered file object, no fstat): this runs for every file of every dump, and
    # each system call costs as much as the rest of the read. One read of _FIRST_READ bytes returns
    # every LDS file but a large DG2 whole; a read that returns less than asked has met the end of
    # the file. Larger files are read on until the end, refused past _MAX_FILE.
    fd = os.open(path, os.O_RDONLY)
    try:
        first = os.read(fd, _FIRST_READ)
        if len(first) < _FIRST_READ:
            return first
        chunks = [first]
        total = len(first)
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
            total += len(chunk)
            if total > _MAX_FILE:
                raise InputError(f"{path}: more than {_MAX_FILE} bytes")
        return b"".join(chunks)
    finally:
        os.close(fd)


def _files(path: str, kind: str) -> dict[str, bytes]:
    """The LDS files of a dump (or the bare SOD), each checked as ``cardkit.dump`` checks it.

    Raises:
        OSError: a file or directory that cannot be read.
        InputError / ParseError: a file too large, or not one complete TLV with its file's tag.
    """
    if kind != "dump":
        data = _read(path)
        check_file("EF.SOD", data, path)
        return {"EF.SOD": data}
    files: dict[str, bytes] = {}
    with os.scandir(path) as entries:
        for e in entries:
            if e.name in _DUMP_NAMES:
                data = _read(e.path)
                check_file(e.name, data, e.path)
                files[e.name] = data
    return files


def _reasons(report: InspectionReport) -> tuple[str, ...]:
    """"check: reason" of each failed check; PA's summary is left out when its sub-checks say it."""
    failed = report.failed_checks
    detailed = any(c.name.startswith("pa:") for c in failed)
    reasons = tuple(f"{c.name}: {c.reason}" for c in failed if not (detailed and c.name == "passive_authentication"))
    return reasons or ((report.verdict_reason,) if not report.verdict.data_authentic else ())


def verify_input(path: str, kind: str, trust: TrustStore, at: dt.datetime | None = None) -> AuditItem:
    """Judge one dump or bare SOD against ``trust``, as ``verify --dump`` does; never raises for bad input."""
    try:
        files = _files(path, kind)
    except OSError as e:
        return AuditItem(path, kind, Verdict.INCOMPLETE, (f"cannot read: {e.strerror or e}",), None)
    except InputError as e:
        return AuditItem(path, kind, Verdict.INCOMPLETE, (f"cannot read: {e}",), None)
    report = judge(dump_evidence(files), trust, at=at, holder=False)  # an audit item shows no holder data
    return AuditItem(path, kind, report.verdict, _reasons(report), report.document_signer, report.checks)


# --- worker processes ----------------------------------------------------------

_TRUST: TrustStore | None = None
_AT: dt.datetime | None = None
_WITH_CHECKS = True

# Items cross the process boundary as plain tuples: pickling frozen dataclasses costs more than
# verifying a document, and without --json/--report the checks are not sent at all.
_PackedCheck = tuple[str, str, str, "dict[str, object] | None"]
_Packed = tuple[str, str, str, tuple[str, ...], "str | None", tuple[_PackedCheck, ...]]


def _pack(item: AuditItem, with_checks: bool) -> _Packed:
    checks = tuple((c.name, c.status.value, c.reason, c.details or None) for c in item.checks) if with_checks else ()
    return item.path, item.kind, item.verdict.value, item.reasons, item.ds, checks


def _unpack(p: _Packed) -> AuditItem:
    checks = tuple(Check(n, Status(s), r, d or {}) for n, s, r, d in p[5])
    return AuditItem(p[0], p[1], Verdict(p[2]), p[3], p[4], checks)


def _init_worker(trust_paths: list[str], crl_paths: list[str], at: dt.datetime | None, with_checks: bool) -> None:
    global _TRUST, _AT, _WITH_CHECKS
    _TRUST = TrustStore.load(trust_paths, crl_paths)  # once per worker; it caches verified DS paths
    _AT = at
    _WITH_CHECKS = with_checks


def _safe_verify(path: str, kind: str, trust: TrustStore, at: dt.datetime | None) -> AuditItem:
    try:
        return verify_input(path, kind, trust, at)
    except Exception as e:  # a bug must not stop the audit: report the item and go on
        return AuditItem(path, kind, Verdict.INCOMPLETE, (f"internal error: {type(e).__name__}: {e}",), None)


def _ready() -> None:
    """A task that returns once a worker has started (imports done, trust store loaded)."""


def _work_chunk(jobs: list[tuple[str, str]]) -> list[_Packed]:
    trust = _TRUST if _TRUST is not None else TrustStore()
    return [_pack(_safe_verify(path, kind, trust, _AT), _WITH_CHECKS) for path, kind in jobs]


def audit(
    paths: Iterable[Path | str],
    trust: Iterable[Path | str],
    crls: Iterable[Path | str] = (),
    *,
    jobs: int | None = None,
    at: dt.datetime | None = None,
    on_item: Callable[[AuditItem], None] | None = None,
    chunksize: int = 16,
    with_checks: bool = True,
) -> AuditSummary:
    """Verify every input under ``paths``; call ``on_item`` for each result; return the summary.

    Args:
        paths: dumps, SOD files, or directories holding them (walked lazily).
        trust: CSCA certificates, master lists, directories of them.
        crls: CRL files or directories.
        jobs: worker processes. None (the default): this process audits, and once it has worked
            ``HEAD_START`` seconds with inputs left, workers join it, one per core that stood idle
            meanwhile; on a machine with no idle core, one per other core after ``LONG_RUN``
            seconds. An audit that ends within ``HEAD_START`` is exactly ``jobs=1``.
            1: this process only. N > 1: N worker processes from the start.
        at: validity time (default now).
        on_item: called in this process with each AuditItem as it arrives (order not kept).
        with_checks: give ``on_item`` every check of each item (False: verdict and reasons only,
            which is all the summary needs, and much less to move between processes).

    Workers are started by the "spawn" method, which imports ``__main__`` again in each: called from
    the top-level code of a script without ``if __name__ == "__main__":``, the audit stays in this
    process and says so with a ``RuntimeWarning`` (the workers would run the script again).
    """
    trust_paths = [str(p) for p in trust]
    crl_paths = [str(p) for p in crls]
    summary = AuditSummary()
    store = TrustStore.load(trust_paths, crl_paths)  # here too: its load findings go into the summary
    summary.trust_findings = list(store.findings)

    def add(item: AuditItem) -> None:
        summary.add(item)
        if on_item:
            on_item(item)

    def here(job: tuple[str, str]) -> AuditItem:
        item = _safe_verify(job[0], job[1], store, at)
        return item if with_checks else AuditItem(item.path, item.kind, item.verdict, item.reasons, item.ds)

    inputs = _Shared(iter_inputs(paths))
    cores = os.cpu_count() or 1
    if jobs is None:
        idle, started = _IdleCpu(), time.monotonic()

        def alone_until(seconds: float) -> bool:
            """Audit here until ``seconds`` have passed; False when the inputs ran out first."""
            while cores == 1 or time.monotonic() - started < seconds:
                job = inputs.take()
                if job is None:
                    return False
                add(here(job))
            return True

        if not alone_until(HEAD_START):
            return summary
        # as many workers as cores stood idle meanwhile; on a busy machine a worker would take this
        # process's share of the CPU while it starts, so none joins before the audit proves long
        workers = idle.cores()
        if workers == 0:
            if not alone_until(LONG_RUN):
                return summary
            workers = cores - 1
        help_out = True  # this process goes on auditing beside them
    else:
        workers, help_out = jobs, False
    if workers > 1 or help_out and workers > 0:
        if spawn_is_safe(sys._getframe(1)):
            _pooled(inputs, workers, help_out, (trust_paths, crl_paths, at, with_checks), chunksize, here, add)
            return summary
        warnings.warn("audit: called from a script's top-level code without 'if __name__ == \"__main__\":'; "
                      "worker processes would run the script again, so this process audits alone",
                      RuntimeWarning, stacklevel=2)
    while (job := inputs.take()) is not None:
        add(here(job))
    return summary


class _IdleCpu:
    """How many cores stood idle since it was made, from the kernel's idle time (Linux ``/proc/stat``).

    Where that cannot be read, every other core is taken as idle.
    """

    def __init__(self) -> None:
        self._start = time.monotonic(), self._idle_seconds()

    @staticmethod
    def _idle_seconds() -> float | None:
        try:
            with open("/proc/stat", "rb") as f:
                fields = f.readline().split()
            return (int(fields[4]) + int(fields[5])) / os.sysconf("SC_CLK_TCK")  # idle + iowait
        except (OSError, ValueError, IndexError):
            return None

    def cores(self) -> int:
        """Cores idle on average since then (three quarters of a core count as one), at most all others."""
        others = (os.cpu_count() or 1) - 1
        t0, idle0 = self._start
        idle1, elapsed = self._idle_seconds(), time.monotonic() - t0
        if idle0 is None or idle1 is None or elapsed <= 0:
            return others
        return max(0, min(others, int((idle1 - idle0) / elapsed + 0.25)))


class _Shared:
    """The input iterator, taken from by this process and by the pool's feeder thread alike."""

    def __init__(self, inputs: Iterator[tuple[str, str]]) -> None:
        self._inputs = inputs
        self._lock = threading.Lock()

    def take(self) -> tuple[str, str] | None:
        with self._lock:
            return next(self._inputs, None)


def _pooled(inputs: _Shared, workers: int, help_out: bool, init: tuple[object, ...], chunksize: int,
            here: Callable[[tuple[str, str]], AuditItem], add: Callable[[AuditItem], None]) -> None:
    """The rest of the inputs over ``workers`` spawned processes; this one audits too when ``help_out``.

    While the workers start (each imports cardkit and loads the trust store) and whenever no result is
    waiting, a helping parent takes the next input itself, so starting them never holds the audit up.
    """
    chunksize = max(1, chunksize)
    # Pool's feeder thread drains its iterator as fast as it can; this gate keeps at most ``window``
    # chunks in flight, so memory stays flat on millions of inputs. Chunks are made here (the pool's own
    # chunking gives no way to wait for a result with a timeout). A helping parent opens the gate only
    # once a worker is ready: inputs queued for workers still starting would wait while it runs dry.
    in_flight = max(1, workers) * (2 if help_out else 4)
    window = threading.Semaphore(0 if help_out else in_flight)

    stopped = threading.Event()

    def chunks() -> Iterator[list[tuple[str, str]]]:
        while True:
            window.acquire()
            if stopped.is_set():
                return
            chunk = []
            while len(chunk) < chunksize and (job := inputs.take()) is not None:
                chunk.append(job)
            if not chunk:
                return
            yield chunk

    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(max(1, workers), initializer=_init_worker, initargs=init) as pool:
        if help_out:
            pool.apply_async(_ready, callback=lambda _: window.release(in_flight))
        results = pool.imap_unordered(_work_chunk, chunks())
        own = help_out
        try:
            while True:
                try:
                    packed = results.next(timeout=0 if own else None)
                except multiprocessing.TimeoutError:
                    job = inputs.take()
                    if job is None:
                        own = False
                        window.release()  # the feeder may still wait for a worker: let it see the end
                    else:
                        add(here(job))
                    continue
                except StopIteration:
                    return
                window.release()
                for one in packed:
                    add(_unpack(one))
        finally:
            stopped.set()  # on any way out (an error, Ctrl-C) the feeder must not wait on the gate
            window.release()
