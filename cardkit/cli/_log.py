"""``-v``/``--verbose`` and ``--debug``: the library's standard-library logging, shown on stderr.

Levels: WARNING by default; INFO with ``-v`` (each access-control run, file read, card event and
the trust store loaded, with counts and times); DEBUG with ``-vv`` or ``--debug`` (each APDU's
header, status word and link time, no payload: ``cardkit.card.trace.exchange_text``). Each line
starts with the milliseconds since the command line loaded, so a slow step stands out. The handler
lives as long as one command (``main`` is also called in process, by tests) and writes to the
stderr of that moment. ``logging`` itself loads only when a command runs: ``--version`` and
``--help`` do without it.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

__all__ = ["LEVELS", "level_of", "start_logging"]

# the numeric levels of the logging module (WARNING, INFO, DEBUG), named as the configuration names them
LEVELS = {"warning": 30, "info": 20, "debug": 10}
_START = time.time()  # when the command line was loaded: about the first thing a cardkit process does


def level_of(verbose: int, debug: bool, configured: str | None) -> int:
    """The level the options ask for: ``--debug`` or ``-vv`` DEBUG, ``-v`` INFO; else the configured one."""
    if debug or verbose >= 2:
        return LEVELS["debug"]
    if verbose == 1:
        return LEVELS["info"]
    return LEVELS[configured] if configured else LEVELS["warning"]


def start_logging(ctx: click.Context, level: int, *, config_file: Path | None = None) -> None:
    """Send the ``cardkit`` loggers' records at ``level`` and above to stderr until ``ctx`` closes.

    ``config_file``: the settings file in use, said at INFO.
    """
    import logging  # about 3 ms: paid by the commands that run, not by --version or --help

    class Since(logging.Formatter):
        """``  12.3 ms INFO    cardkit.card.session: ...``: time since start, level, logger, message."""

        def format(self, record: logging.LogRecord) -> str:
            since = (record.created - _START) * 1000
            line = f"{since:8.1f} ms {record.levelname:<7} {record.name}: {record.getMessage()}"
            if record.exc_info:
                line += "\n" + self.formatException(record.exc_info)
            return line

    root = logging.getLogger("cardkit")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(Since())
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(level)

    def stop() -> None:
        root.removeHandler(handler)
        root.setLevel(old_level)

    ctx.call_on_close(stop)
    if config_file is not None:
        logging.getLogger("cardkit.cli").info("settings from %s", config_file)
