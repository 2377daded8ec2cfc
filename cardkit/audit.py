"""Bulk offline verification of dumps and bare EF.SOD files (DESIGN.md, "auditors").

How it works, and the rules it keeps:
- Inputs are found lazily (``iter_inputs``): a directory holding ``EF.SOD`` or a data group is a
  dump; any other directory is walked; any other file is taken as a bare EF.SOD. Nothing is
  listed up front, so memory stays flat however many inputs there are.
- Each input is verified by Passive Authentication (``cardkit.pki.passive``). For a dump every
  DG file present is compared with EF.SOD and DG1's issuing state is used for the country check;
  a bare SOD is checked without data groups.
- ``--jobs N`` spreads inputs over N processes (spawn-safe): each worker loads the trust store
  once, in its initializer, and the trust store caches each verified DS certificate path, so a
  DS certificate is verified once per worker, not once per document. Results come back through
  ``imap_unordered`` with a bounded chunk size and are folded into the summary as they arrive.
- Nothing crashes the audit: an input that cannot be read or parsed is an UNREADABLE item with
  the reason, and the audit goes on.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .checks import Check, Status
from .errors import ParseError

__all__ = ["AuditItem", "AuditSummary", "audit", "iter_inputs", "verify_input", "GENUINE", "FAILED", "UNREADABLE"]

GENUINE, FAILED, UNREADABLE = "GENUINE", "FAILED", "UNREADABLE"
_DUMP_NAMES = ("EF.COM", *(f"DG{n}" for n in range(1, 17)), "EF.SOD", "EF.CardAccess")
_MAX_FILE = 16 << 20
_REQUIRED = ("SOD signature", "certificate path")


@dataclass(frozen=True)
class AuditItem:
    """The verdict on one input, with every Passive Authentication finding."""

    path: str
    kind: str  # "dump" or "sod"
    verdict: str  # GENUINE / FAILED / UNREADABLE
    reasons: tuple[str, ...]  # "check: reason" of each FAILED check (or why it is unreadable)
    ds: str | None  # DS certificate: subject and serial
    checks: tuple[Check, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "kind": self.kind, "verdict": self.verdict, "reasons": list(self.reasons),
                "ds_certificate": self.ds, "checks": [c.to_dict() for c in self.checks]}


@dataclass
class AuditSummary:
    """Counts folded from the items as they arrive (no item is kept)."""

    total: int = 0
    genuine: int = 0
    failed: int = 0
    unreadable: int = 0
    by_reason: Counter[str] = field(default_factory=Counter)
    by_ds: dict[str, Counter[str]] = field(default_factory=dict)
    trust_findings: list[Check] = field(default_factory=list)

    def add(self, item: AuditItem) -> None:
        self.total += 1
        if item.verdict == GENUINE:
            self.genuine += 1
        elif item.verdict == FAILED:
            self.failed += 1
        else:
            self.unreadable += 1
        for r in item.reasons:
            self.by_reason[r.split(":", 1)[0] if item.verdict == FAILED else "unreadable"] += 1
        self.by_ds.setdefault(item.ds or "(none)", Counter())[item.verdict] += 1

    def to_dict(self) -> dict[str, Any]:
        return {"total": self.total, "genuine": self.genuine, "failed": self.failed, "unreadable": self.unreadable,
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
    """The whole file, refused above _MAX_FILE bytes before it is read."""
    # Bare os calls (no buffered file object): this runs for every file of every dump, and a
    # file object costs as much as the read itself. Usually one read returns it all and a
    # second returns b"" (EOF); the loop also copes with short reads and growing files.
    fd = os.open(path, os.O_RDONLY)
    try:
        size = os.fstat(fd).st_size
        if size > _MAX_FILE:
            raise ParseError(f"{size} bytes is too large", source=path)
        chunks = []
        total = 0
        while chunk := os.read(fd, size + 1 - total if total <= size else 1 << 16):
            chunks.append(chunk)
            total += len(chunk)
            if total > _MAX_FILE:
                raise ParseError(f"more than {_MAX_FILE} bytes", source=path)
        return b"".join(chunks)  # a single chunk is returned as is, not copied
    finally:
        os.close(fd)


_DG_FILES = {f"DG{n}": n for n in range(1, 17)}


def _issuing_state(dg1: bytes) -> str | None:
    """The issuing state from DG1's MRZ (positions 3-5 in TD1, TD2 and TD3 alike, 9303-3 §4.2)."""
    try:
        from .lds import Dg1

        state = Dg1.from_bytes(dg1).mrz_text[2:5]
    except Exception:  # DG1 itself is judged by its hash; a broken one only loses the country check
        return None
    return state if len(state) == 3 else None


def verify_input(path: str, kind: str, trust: Any, at: Any = None) -> AuditItem:
    """Verify one dump or bare SOD against ``trust``; never raises for bad input."""
    from .pki.passive import passive_authentication

    try:
        dgs: dict[int, bytes] = {}
        state = None
        if kind == "dump":
            sod_path = None
            with os.scandir(path) as entries:
                for e in entries:
                    if e.name == "EF.SOD":
                        sod_path = e.path
                    elif e.name in _DG_FILES:
                        dgs[_DG_FILES[e.name]] = _read(e.path)
            if sod_path is None:
                return AuditItem(path, kind, UNREADABLE, ("the dump has no EF.SOD",), None)
            sod_bytes = _read(sod_path)
            if 1 in dgs:
                state = _issuing_state(dgs[1])
        else:
            sod_bytes = _read(path)
    except (OSError, ParseError) as e:
        return AuditItem(path, kind, UNREADABLE, (f"cannot read: {getattr(e, 'strerror', None) or e}",), None)
    result = passive_authentication(sod_bytes, dgs, trust, issuing_state=state, at=at)
    checks = result.checks
    if checks and checks[0].name == "SOD parse" and checks[0].failed:
        return AuditItem(path, kind, UNREADABLE, (checks[0].reason,), None, checks)
    failures = tuple(f"{c.name}: {c.reason}" for c in checks if c.status is Status.FAILED)
    passed = {c.name for c in checks if c.status is Status.PASSED}
    ok = not failures and all(n in passed for n in _REQUIRED)
    ds = result.ds_certificate
    ds_name = None
    if ds is not None:
        ds_name = trust.memo(("audit-ds", ds.signature), lambda: f"{ds.subject.rfc4514_string()} #{ds.serial_number:X}")
    return AuditItem(path, kind, GENUINE if ok else FAILED, failures, ds_name, checks)


# --- worker processes ----------------------------------------------------------

_TRUST: Any = None
_AT: Any = None
_WITH_CHECKS = True

# Items cross the process boundary as plain tuples: pickling frozen dataclasses costs more than
# verifying a document, and without --json/--report the checks are not sent at all.
_Packed = tuple[str, str, str, tuple[str, ...], "str | None", tuple[tuple[str, str, str, Any], ...]]


def _pack(item: AuditItem, with_checks: bool) -> _Packed:
    checks = tuple((c.name, c.status.value, c.reason, c.details or None) for c in item.checks) if with_checks else ()
    return item.path, item.kind, item.verdict, item.reasons, item.ds, checks


def _unpack(p: _Packed) -> AuditItem:
    checks = tuple(Check(n, Status(s), r, d or {}) for n, s, r, d in p[5])
    return AuditItem(p[0], p[1], p[2], p[3], p[4], checks)


def _init_worker(trust_paths: list[str], crl_paths: list[str], at: Any, with_checks: bool) -> None:
    global _TRUST, _AT, _WITH_CHECKS
    from .pki.trust import TrustStore

    _TRUST = TrustStore.load(trust_paths, crl_paths)  # once per worker; it caches verified DS paths
    _AT = at
    _WITH_CHECKS = with_checks


def _safe_verify(path: str, kind: str, trust: Any, at: Any) -> AuditItem:
    try:
        return verify_input(path, kind, trust, at)
    except Exception as e:  # a bug must not stop the audit: report the item and go on
        return AuditItem(path, kind, UNREADABLE, (f"internal error: {type(e).__name__}: {e}",), None)


def _work(job: tuple[str, str]) -> _Packed:
    return _pack(_safe_verify(job[0], job[1], _TRUST, _AT), _WITH_CHECKS)


def audit(
    paths: Iterable[Path | str],
    trust: Iterable[Path | str],
    crls: Iterable[Path | str] = (),
    *,
    jobs: int | None = None,
    at: Any = None,
    on_item: Callable[[AuditItem], None] | None = None,
    chunksize: int = 16,
    with_checks: bool = True,
) -> AuditSummary:
    """Verify every input under ``paths``; call ``on_item`` for each result; return the summary.

    Args:
        paths: dumps, SOD files, or directories holding them (walked lazily).
        trust: CSCA certificates, master lists, directories of them.
        crls: CRL files or directories.
        jobs: worker processes (default: all cores); 1 runs in this process.
        at: validity time (default now).
        on_item: called in this process with each AuditItem as it arrives (order not kept).
        with_checks: give ``on_item`` every check of each item (False: verdict and reasons only,
            which is all the summary needs, and much less to move between processes).
    """
    from .pki.trust import TrustStore

    trust_paths = [str(p) for p in trust]
    crl_paths = [str(p) for p in crls]
    jobs = jobs or os.cpu_count() or 1
    summary = AuditSummary()
    store = TrustStore.load(trust_paths, crl_paths)  # here too: its load findings go into the summary
    summary.trust_findings = list(store.findings)
    inputs = iter_inputs(paths)
    if jobs == 1:
        results: Iterable[AuditItem] = (_safe_verify(p, k, store, at) for p, k in inputs)
        for item in results:
            summary.add(item)
            if on_item:
                on_item(item)
        return summary
    chunksize = max(1, chunksize)
    # Pool's feeder thread drains its iterator as fast as it can; this gate keeps at most
    # ``window`` inputs in flight, so memory stays flat on millions of inputs.
    window = threading.Semaphore(jobs * chunksize * 4)

    def gated() -> Iterator[tuple[str, str]]:
        for job in inputs:
            window.acquire()
            yield job

    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(jobs, initializer=_init_worker, initargs=(trust_paths, crl_paths, at, with_checks)) as pool:
        for packed in pool.imap_unordered(_work, gated(), chunksize=chunksize):
            window.release()
            item = _unpack(packed)
            summary.add(item)
            if on_item:
                on_item(item)
    return summary
