"""The ``cardkit`` command line: a thin layer over the library.

Each command lives in its own module (``cardkit/cli/<name>.py``) and is loaded only
when it is run, so ``cardkit --help`` and a single command start fast; ``--version``
is ``cardkit.__version__`` (no package metadata is read). Errors are turned into one
readable line and the exit code their class carries (``cardkit.errors``); a traceback
is a bug. The top-level options say how every command runs: ``--config FILE``
(``_config``: settings that become the commands' defaults), ``-v``/``--debug``
(``_log``: the library's logging on stderr).
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import click

from .. import __version__
from ..errors import CardkitError
from ._config import default_map, load_settings
from ._log import level_of, start_logging

__all__ = ["main", "app", "COMMANDS"]

# command name -> (module, attribute, one-line help). Modules are imported lazily.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "demo": ("cardkit.cli.demo", "demo", "Personalise a simulated Vietnamese card and verify it."),
    "mrz": ("cardkit.cli.mrz", "mrz", "Make MRZ lines from a record, or check given lines."),
    "lds": ("cardkit.cli.lds", "lds", "Decode LDS files."),
    "pki": ("cardkit.cli.pki", "pki", "CSCA, Document Signer, CRL and master list tools."),
    "personalise": ("cardkit.cli.personalise", "personalise", "Personalise a batch of cards from citizen records."),
    "ledger": ("cardkit.cli.ledger", "ledger", "Issuance ledger: campaign report, check, withdrawn cards, migrate."),
    "batch": ("cardkit.cli.batch", "batch", "Batches shared by many stations: load, status."),
    "read": ("cardkit.cli.read", "read", "Read a chip into a dump directory."),
    "verify": ("cardkit.cli.verify", "verify", "Verify a chip, a simulator image or a dump."),
    "audit": ("cardkit.cli.audit", "audit", "Verify SODs and dumps offline, in bulk."),
    "sim": ("cardkit.cli.sim", "sim", "The software chip: serve it in pcscd's virtual reader."),
    "readers": ("cardkit.cli.readers", "readers", "List PC/SC readers and the cards in them."),
    "trust": ("cardkit.cli.trust", "trust", "Trust store folders: import master lists, LDIF, CRLs; list; check."),
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        import importlib.util  # only --help lists the commands

        return [name for name, (mod, _, _) in COMMANDS.items() if importlib.util.find_spec(mod) is not None]

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module, attr, _ = COMMANDS[name]
        try:
            return getattr(importlib.import_module(module), attr)
        except ModuleNotFoundError as e:
            if e.name == module:
                return None
            raise

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][2]) for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cardkit")
@click.option("--config", "config", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Settings file (TOML). Default: $CARDKIT_CONFIG, else $XDG_CONFIG_HOME/cardkit/config.toml "
                   "(~/.config/cardkit/config.toml) when it exists. Command-line options win over it.")
@click.option("-v", "--verbose", count=True, help="Log what happens on stderr (-v steps and times, -vv each APDU).")
@click.option("--debug", is_flag=True, help="Log each APDU's header, status word and time (no payload) on stderr.")
@click.pass_context
def app(ctx: click.Context, config: Path | None, verbose: int, debug: bool) -> None:
    """cardkit: personalise and verify ICAO 9303 chip ID cards (Vietnam CCCD, TD1, TD3).

    \b
    Exit codes: 0 success / genuine; 1 verification failed (not genuine, or the chip not
    proven); 2 usage or input error; 3 card or reader error; 4 internal error (a bug);
    5 unknown issuer (no trust anchor for the document); 6 ledger database unavailable
    (run again to resume); 7 a personalisation batch finished with rejected records;
    130 interrupted (Ctrl-C; run the same command again to resume).
    """
    settings = load_settings(config)
    start_logging(ctx, level_of(verbose, debug, settings.log_level), config_file=settings.file)
    ctx.default_map = default_map(settings)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; map CardkitError to one line on stderr and its exit code."""
    try:
        # Without standalone mode click returns ctx.exit(n)'s code instead of raising: keep it.
        rv = app.main(args=argv, prog_name="cardkit", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("cardkit: aborted", err=True)
        return 2
    except click.exceptions.Exit as e:
        return e.exit_code
    except click.ClickException as e:
        e.show()
        return 2
    except CardkitError as e:
        click.echo(f"cardkit: {e}", err=True)
        return e.exit_code
    except KeyboardInterrupt:
        click.echo("cardkit: interrupted", err=True)
        return 130
    except Exception as e:  # a bug: say so in one line, never a traceback unless asked
        import os

        if os.environ.get("CARDKIT_DEBUG"):
            raise
        click.echo(f"cardkit: internal error: {type(e).__name__}: {e} (set CARDKIT_DEBUG=1 for the traceback)", err=True)
        return 4
    return rv if isinstance(rv, int) and not isinstance(rv, bool) else 0


if __name__ == "__main__":
    sys.exit(main())


def _entry() -> None:
    """Console-script entry point."""
    sys.exit(main())
