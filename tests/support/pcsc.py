"""The shared fixture for PC/SC integration tests: a real pcscd, vpcd, and a software chip in the reader.

``PcscStack`` (context manager) and the session-scoped ``pcsc_stack`` pytest fixture:
- if pcscd is not running, start ``/usr/sbin/pcscd -f`` (as root) and remember its PID; at the
  end stop exactly that process (SIGTERM, wait, SIGKILL only if it will not go) — but only once
  no other test run on this machine still uses it: each stack holds a shared lock on
  ``cardkit-pcscd-users.lock``, and the last one out stops the recorded pcscd;
- wait until pyscard lists the vpcd readers ("Virtual PCD 00 00");
- ``insert(chip)`` bridges a chip into a free vpcd slot (simulators.vpcd.serve in a thread)
  and waits until the card is present; returns the reader name. ``remove()`` pulls it.
``PcscServiceProxy`` stands between one process and pcscd, to make the service vanish for that
process alone. Several people may run these tests on one machine at once: each vpcd slot (TCP port) is taken
with an exclusive file lock; if every slot is busy, ``insert`` fails with a clear message
instead of hanging. Every wait has a timeout. Missing pcscd/vpcd or not root -> skip with the reason.
``interrupt(proc)`` stops a ``cardkit sim serve`` process with Ctrl-C and gives its stderr.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Iterator

import pytest

__all__ = ["PcscStack", "PcscUnavailable", "PcscServiceProxy", "pcsc_stack", "SLOTS", "env_without_pcscd", "interrupt"]

PCSCD = "/usr/sbin/pcscd"
VPCD_DRIVER = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so"
SLOTS = ((35963, "Virtual PCD 00 00"), (35964, "Virtual PCD 00 01"))
LOCK_DIR = Path(tempfile.gettempdir())
TIMEOUT = 15.0


USERS_LOCK = LOCK_DIR / "cardkit-pcscd-users.lock"
START_LOCK = LOCK_DIR / "cardkit-pcscd-start.lock"
PID_FILE = LOCK_DIR / "cardkit-pcscd.pid"


def _lock(path: Path, kind: int, timeout: float, what: str) -> int:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(fd, kind | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            if time.monotonic() > deadline:
                os.close(fd)
                raise RuntimeError(f"timed out after {timeout:g} s waiting for {what} ({path})") from None
            time.sleep(0.05)


def _unlock(fd: int) -> None:
    fcntl.flock(fd, fcntl.LOCK_UN)
    os.close(fd)


def _stop_recorded_pcscd() -> None:
    """SIGTERM the pcscd whose PID a cardkit stack recorded, if it is still that program."""
    try:
        pid = int(PID_FILE.read_text().strip())
    except (OSError, ValueError):
        return
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0]
    except OSError:
        PID_FILE.unlink(missing_ok=True)
        return
    if os.path.basename(cmd) != b"pcscd":
        PID_FILE.unlink(missing_ok=True)  # the PID was reused by something else: leave it alone
        return
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        stat = Path(f"/proc/{pid}/stat").read_text() if Path(f"/proc/{pid}/stat").exists() else ""
        if ") Z" in stat:  # a zombie: it has stopped; its parent reaps it
            break
        time.sleep(0.05)
    PID_FILE.unlink(missing_ok=True)


class PcscUnavailable(Exception):
    """pcscd or vpcd cannot be used here (the reason says why); tests skip."""


def _readers() -> list[Any]:
    from cardkit.card.pcsc import list_readers

    return list_readers()


def _service_up() -> bool:
    from cardkit.errors import ReaderError

    try:
        _readers()
        return True
    except ReaderError:
        return False


def _wait(cond, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.05)


def _card_in(reader: str) -> bool:
    return any(r.name == reader and r.card_present for r in _readers())


def _events(reader: str) -> int:
    """pcsc-lite's count of card insertions and removals in ``reader`` (the upper 16 bits of its event state)."""
    from cardkit.card.pcsc import _context, _status
    from smartcard import scard

    ctx = _context()
    try:
        return _status(ctx, [reader])[0][1] >> 16
    finally:
        scard.SCardReleaseContext(ctx)


class PcscStack:
    """pcscd (started only if needed) + one software chip bridged into a vpcd slot."""

    def __init__(self, timeout: float = TIMEOUT) -> None:
        self.timeout = timeout
        self.proc: subprocess.Popen | None = None  # the pcscd WE started, if any
        self.reader: str | None = None
        self.port: int | None = None
        self._lock_fd: int | None = None
        self._stop: threading.Event | None = None
        self._thread: threading.Thread | None = None
        self._errors: list[BaseException] = []
        self._leaked_locks: list[int] = []
        self._events_in: int | None = None  # pcsc-lite's event count once the card inserted was seen

    # --- pcscd ---------------------------------------------------------------------

    def __enter__(self) -> "PcscStack":
        if not os.path.exists(PCSCD):
            raise PcscUnavailable(f"{PCSCD} not installed (apt-get install pcscd)")
        if not os.path.exists(VPCD_DRIVER):
            raise PcscUnavailable(f"vpcd driver {VPCD_DRIVER} not installed (apt-get install vsmartcard-vpcd)")
        try:
            import smartcard  # noqa: F401
        except ImportError:
            raise PcscUnavailable("pyscard not installed") from None
        # Every stack holds a shared "user" lock for its whole life, so that whoever stops pcscd
        # can tell that no other test run is still using it (see _stop_pcscd).
        self._users_fd = _lock(USERS_LOCK, fcntl.LOCK_SH, self.timeout, "the pcscd users lock")
        try:
            start_fd = _lock(START_LOCK, fcntl.LOCK_EX, self.timeout, "the pcscd start lock")
            try:
                if not _service_up():
                    self._start_pcscd()
            finally:
                _unlock(start_fd)
            _wait(lambda: any(r.name.startswith(SLOTS[0][1]) for r in _readers()), self.timeout,
                  f"reader {SLOTS[0][1]!r} (is vpcd configured in /etc/reader.conf.d?)")
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _start_pcscd(self) -> None:
        if os.geteuid() != 0:
            raise PcscUnavailable("pcscd is not running and starting it needs root")
        self._log = tempfile.NamedTemporaryFile(prefix="cardkit-pcscd-", suffix=".log", delete=False)
        self.proc = subprocess.Popen([PCSCD, "-f"], stdout=self._log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        _wait(lambda: _service_up() or self.proc.poll() is not None, self.timeout, "pcscd to start")
        if self.proc.poll() is not None:
            self.proc = None
            if not _service_up():
                raise PcscUnavailable(f"pcscd exited at start (log {self._log.name})")
            return  # another pcscd won the race: use it, we own nothing
        PID_FILE.write_text(str(self.proc.pid))

    def __exit__(self, *exc: Any) -> None:
        self.remove()
        self._stop_pcscd()

    def _stop_pcscd(self) -> None:
        """Stop the pcscd a cardkit stack started, once no other stack uses it.

        The last user (the one that can take the users lock exclusively) stops it: by our own
        Popen when we started it, else by the PID the starting stack recorded (it has gone, and
        left the daemon to us). A pcscd nobody here started (no PID file) is never touched.
        """
        fd = getattr(self, "_users_fd", None)
        if fd is None:
            return
        self._users_fd = None
        fcntl.flock(fd, fcntl.LOCK_UN)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)  # another test run still uses pcscd: the last one out stops it
            return
        try:
            if self.proc is not None:
                self.proc.terminate()  # SIGTERM by PID: exactly the process we started
                try:
                    self.proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(timeout=10)
                self.proc = None
                PID_FILE.unlink(missing_ok=True)
            else:
                _stop_recorded_pcscd()
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    # --- the card ---------------------------------------------------------------------

    def _take_slot(self, wanted: int | None = None) -> tuple[int, str]:
        for port, name in [(p, n) for p, n in SLOTS if wanted is None or p == wanted]:
            fd = os.open(LOCK_DIR / f"cardkit-vpcd-{port}.lock", os.O_RDWR | os.O_CREAT, 0o666)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            if _card_in(name):
                # someone outside these tests (e.g. `cardkit sim serve`) holds the slot
                fcntl.flock(fd, fcntl.LOCK_UN)
                os.close(fd)
                continue
            self._lock_fd = fd
            return port, name
        raise RuntimeError(
            "every vpcd slot (ports " + ", ".join(str(p) for p, _ in SLOTS) + ") is busy: another test run "
            "or `cardkit sim serve` holds it; try again when it has finished"
        )

    def reserve(self, port: int | None = None) -> tuple[int, str]:
        """Take a free vpcd slot (``port``: that one) for a card side run elsewhere (e.g. `cardkit sim serve`).

        Returns (port, reader name); ``remove()`` releases it.
        """
        self.remove()
        self.port, self.reader = self._take_slot(port)
        self._stop = threading.Event()  # so remove() waits for the reader to be empty
        return self.port, self.reader

    def wait_for_card(self, present: bool = True) -> None:
        """Wait (bounded) until the reserved reader shows a card (or none)."""
        _wait(lambda: _card_in(self.reader) == present, self.timeout,
              f"{self.reader!r} to {'hold a card' if present else 'be empty'}")

    def insert(self, chip: Any, port: int | None = None) -> str:
        """Bridge ``chip`` into a free vpcd slot (``port``: that one); wait until PC/SC sees the card.

        Returns the reader name.
        """
        from simulators.vpcd import serve

        self.remove()
        self.port, self.reader = self._take_slot(port)
        self._stop = threading.Event()
        self._errors = []

        def run() -> None:
            try:
                serve(chip, port=self.port, stop_event=self._stop, connect_timeout=self.timeout)
            except BaseException as e:  # surfaced by insert/remove
                self._errors.append(e)

        self._thread = threading.Thread(target=run, name=f"vpcd-{self.port}", daemon=True)
        self._thread.start()
        try:
            _wait(lambda: bool(self._errors) or _card_in(self.reader), self.timeout,
                  f"the card to appear in {self.reader!r}")
        except BaseException:
            self.remove()
            raise
        if self._errors:
            err = self._errors[0]
            self.remove()
            raise RuntimeError(f"vpcd bridge failed: {err}")
        self._events_in = _events(self.reader)
        return self.reader

    def remove(self) -> None:
        """Pull the card (close the bridge) and wait until the reader is empty."""
        if self._stop is not None:
            self._stop.set()
        stuck = False
        if self._thread is not None:
            self._thread.join(timeout=self.timeout)
            stuck = self._thread.is_alive()  # e.g. the chip is still busy with a long command
            self._thread = None
        if self.reader is not None and self._stop is not None and not stuck:
            # Empty, and the removal counted by pcscd's own poll: a card pulled mid-command shows empty at
            # once, before pcscd has polled the slot, and a card bridged in before that poll would not
            # be seen as a new card at all.
            inserted = self._events_in
            try:
                _wait(lambda: not _card_in(self.reader) and (inserted is None or _events(self.reader) != inserted),
                      self.timeout, f"{self.reader!r} to be empty")
            except TimeoutError:
                stuck = True
        self._stop = None
        self._events_in = None
        if stuck and self._lock_fd is not None:
            # The card may still be in the slot: keep the slot locked (until this process ends)
            # rather than let another test run bridge a second chip into it.
            self._leaked_locks.append(self._lock_fd)
            self._lock_fd = None
        if self._lock_fd is not None:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            os.close(self._lock_fd)
            self._lock_fd = None
        self.port = None


def interrupt(proc: subprocess.Popen[str]) -> str:
    """Stop a served chip (``cardkit sim serve``) as an operator does, with Ctrl-C, and give its stderr.

    A server still running after the timeout is killed and the test fails with ``TimeoutExpired``.
    """
    proc.send_signal(signal.SIGINT)
    try:
        return proc.communicate(timeout=TIMEOUT)[1]
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise


def env_without_pcscd(tmp_path: Path) -> dict[str, str]:
    """The environment of a process that finds no PC/SC service (whether or not pcscd runs here)."""
    # libpcsclite finds pcscd through this socket path: point it at nothing.
    return {**os.environ, "PCSCLITE_CSOCK_NAME": str(tmp_path / "no-pcscd.comm")}


@pytest.fixture(scope="session")
def pcsc_stack() -> Iterator[PcscStack]:
    """Session-scoped PcscStack; skips the test when pcscd/vpcd/pyscard are not usable here."""
    if shutil.which(PCSCD) is None and not os.path.exists(PCSCD):
        pytest.skip(f"{PCSCD} not installed")
    try:
        stack = PcscStack().__enter__()
    except PcscUnavailable as e:
        pytest.skip(str(e))
    try:
        yield stack
    finally:
        stack.__exit__(None, None, None)


class PcscServiceProxy:
    """A stand-in for pcscd's socket that forwards to the real one until ``cut()``: the PC/SC service vanishing.

    A process started with ``env`` (``PCSCLITE_CSOCK_NAME`` pointing here) talks to the real pcscd
    through this proxy; ``cut()`` closes every connection and the socket, so that process sees the
    service go away mid-wait, as when pcscd stops or the reader's host goes, while the real pcscd
    and every other test go on untouched.
    """

    def __init__(self, folder: Path) -> None:
        import socket

        self._target = os.environ.get("PCSCLITE_CSOCK_NAME", "/run/pcscd/pcscd.comm")
        self.path = folder / "pcscd.comm"
        self._server = socket.socket(socket.AF_UNIX)
        self._server.bind(str(self.path))
        self._server.listen(16)
        self._sockets: list[Any] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, name="pcscd-proxy", daemon=True).start()

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "PCSCLITE_CSOCK_NAME": str(self.path)}

    def _accept(self) -> None:
        import socket

        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return  # cut
            upstream = socket.socket(socket.AF_UNIX)
            upstream.connect(self._target)
            with self._lock:
                self._sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(a: Any, b: Any) -> None:
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        for s in (a, b):
            try:
                s.shutdown(2)  # SHUT_RDWR: the other direction's pump ends too
            except OSError:
                pass

    def cut(self) -> None:
        """Close the socket and every connection through it: the service is gone for the proxied process."""
        self._server.close()
        self.path.unlink(missing_ok=True)
        with self._lock:
            for s in self._sockets:
                try:
                    s.shutdown(2)
                except OSError:
                    pass
                s.close()
