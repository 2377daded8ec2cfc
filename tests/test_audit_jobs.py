"""How an audit spreads over processes: the default starts alone, workers join only a long audit, and a
script without a ``__main__`` guard is never re-run by spawned workers.

Timing is not asserted: the head start is made zero or endless, and what is checked is whether worker
processes were started and that the items and summary are those of ``jobs=1``.
"""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from cardkit import _main_guard, audit as audit_mod
from cardkit.audit import audit

ROOT = Path(__file__).resolve().parents[1]


def _outcome(corpus: Path, **kwargs: object) -> tuple[dict[str, str], dict[str, object]]:
    items = []
    summary = audit([corpus / "in"], [corpus / "trust"], [corpus / "vn.crl"], on_item=items.append, chunksize=2,
                    **kwargs)
    return {i.path: (i.verdict.value, i.reasons) for i in items}, summary.to_dict()


@pytest.fixture
def no_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("a worker process was started")

    monkeypatch.setattr(multiprocessing, "get_context", refuse)


def test_a_default_audit_that_ends_within_the_head_start_starts_no_process(audit_corpus, no_pool, monkeypatch):
    monkeypatch.setattr(audit_mod, "HEAD_START", 3600.0)
    monkeypatch.setattr(audit_mod.os, "cpu_count", lambda: 8)
    default = _outcome(audit_corpus)
    monkeypatch.undo()
    assert default == _outcome(audit_corpus, jobs=1)


def test_no_idle_core_starts_no_process_before_the_audit_proves_long(audit_corpus, no_pool, monkeypatch):
    monkeypatch.setattr(audit_mod, "HEAD_START", 0.0)
    monkeypatch.setattr(audit_mod, "LONG_RUN", 3600.0)
    monkeypatch.setattr(audit_mod.os, "cpu_count", lambda: 4)
    monkeypatch.setattr(audit_mod._IdleCpu, "cores", lambda self: 0)  # the machine is busy
    items, summary = _outcome(audit_corpus)
    assert summary["total"] == 12 and len(items) == 12


def test_on_a_busy_machine_workers_join_a_long_audit(audit_corpus, monkeypatch):
    started = []
    real = multiprocessing.get_context
    monkeypatch.setattr(audit_mod, "HEAD_START", 0.0)
    monkeypatch.setattr(audit_mod, "LONG_RUN", 0.0)
    monkeypatch.setattr(audit_mod.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(audit_mod._IdleCpu, "cores", lambda self: 0)
    monkeypatch.setattr(multiprocessing, "get_context", lambda method=None: started.append(method) or real(method))
    joined = _outcome(audit_corpus)
    assert started == ["spawn"]
    assert joined == _outcome(audit_corpus, jobs=1)


def test_idle_cores_are_read_from_the_kernel():
    meter = audit_mod._IdleCpu()
    assert 0 <= meter.cores() <= (audit_mod.os.cpu_count() or 1) - 1


def test_one_core_never_starts_a_process(audit_corpus, no_pool, monkeypatch):
    monkeypatch.setattr(audit_mod, "HEAD_START", 0.0)
    monkeypatch.setattr(audit_mod.os, "cpu_count", lambda: 1)
    items, summary = _outcome(audit_corpus)
    assert summary["total"] == 12 and len(items) == 12


def test_past_the_head_start_workers_join_and_the_outcome_is_that_of_one_job(audit_corpus, monkeypatch):
    started = []
    real = multiprocessing.get_context

    def spy(method: str | None = None) -> object:
        started.append(method)
        return real(method)

    monkeypatch.setattr(audit_mod, "HEAD_START", 0.0)
    monkeypatch.setattr(audit_mod.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(audit_mod._IdleCpu, "cores", lambda self: 1)  # the other core stood idle
    monkeypatch.setattr(multiprocessing, "get_context", spy)
    joined = _outcome(audit_corpus)
    assert started == ["spawn"]
    assert joined == _outcome(audit_corpus, jobs=1)


def _script(tmp_path: Path, corpus: Path, guarded: bool) -> str:
    call = (f"summary = audit([{str(corpus / 'in')!r}], [{str(corpus / 'trust')!r}], jobs=2)\n"
            "print('TOTAL', summary.total)\n")
    body = "from cardkit.audit import audit\nprint('RUN')\n"
    if guarded:
        body += "if __name__ == '__main__':\n" + textwrap.indent(call, "    ")
    else:
        body += call
    path = tmp_path / ("guarded.py" if guarded else "unguarded.py")
    path.write_text(body)
    return str(path)


@pytest.mark.parametrize("guarded", [False, True])
def test_a_script_calling_audit_at_top_level_is_never_run_again(audit_corpus, tmp_path, guarded):
    done = subprocess.run([sys.executable, _script(tmp_path, audit_corpus, guarded)], capture_output=True,
                          text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "TOTAL 12" in done.stdout
    if guarded:  # workers, which import the script again (its guarded part does not run in them)
        assert "RuntimeWarning" not in done.stderr
    else:  # no worker: the script ran once, and said why it audits alone
        assert "RuntimeWarning" in done.stderr and "__main__" in done.stderr and done.stdout.count("RUN") == 1


def test_spawn_is_safe_reads_the_guard_around_the_call(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text(textwrap.dedent("""\
        from cardkit._main_guard import spawn_is_safe
        def nested():
            return spawn_is_safe()
        print("top", spawn_is_safe())
        print("top-nested", nested())
        if __name__ == "__main__":
            print("guarded", spawn_is_safe())
            print("guarded-nested", nested())
        if "__main__" == __name__:
            print("reversed", spawn_is_safe())
        """))
    out = subprocess.run([sys.executable, str(probe)], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split("\n")[:5] == ["top False", "top-nested False", "guarded True", "guarded-nested True",
                                          "reversed True"]


def test_spawn_is_safe_without_a_main_file():
    out = subprocess.run([sys.executable, "-c", "from cardkit._main_guard import spawn_is_safe; print(spawn_is_safe())"],
                         capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert out.stdout.strip() == "True", out.stderr


def test_spawn_is_safe_when_called_outside_the_main_module_code():
    assert _main_guard.spawn_is_safe() is True  # pytest's own __main__ is not on this call's stack
