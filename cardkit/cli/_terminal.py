"""Options shared by ``cardkit read`` and ``cardkit verify``: where the chip is, what the holder shows.

Source: ``--reader R`` (a PC/SC reader name, part of one, or its index), ``--sim IMAGE`` (a
simulator image, in process), and for verify ``--dump DUMP``. Key: ``--can N``, ``--mrz-info S``,
``--doc N --dob YYMMDD --doe YYMMDD``, or ``--id-number`` (Vietnam: CAN = last 6 digits). The
values are secrets: each can come from the environment (CARDKIT_CAN, CARDKIT_ID_NUMBER,
CARDKIT_MRZ_INFO) or a prompt ('-') instead of the command line, where `ps` and the shell history
would show it. They are turned into one ``AccessKey`` here, the edge: its constructors check them
(this module only names the option in the error line), and nothing downstream sees the text again.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TypeVar

import click

from .. import card
from ..card import AccessKey, ApduTrace, SimulatorTransport, Transport
from ..errors import CardkitError, InputError
from ..inspect import InspectionReport, inspect
from ..pki.terminal import TerminalCredentials
from ..pki.trust import TrustStore
from ._secrets import ask_secret

__all__ = ["key_options", "source_options", "resolve_key", "optional_key", "open_transport", "inspect_chip",
           "reader_ref", "asks_for_key"]

_F = TypeVar("_F", bound=Callable[..., object])


def source_options(*, dump: bool) -> Callable[[_F], _F]:
    """Add --reader / --sim (and --dump when ``dump``)."""

    def deco(fn: _F) -> _F:
        if dump:
            fn = click.option("--dump", "dump", type=click.Path(path_type=Path),
                              help="Verify a dump directory offline (no chip).")(fn)
        fn = click.option("--sim", "sim", type=click.Path(path_type=Path),
                          help="A simulator image (cardkit sim / cardkit demo), run in process.")(fn)
        fn = click.option("--reader", "reader", metavar="R",
                          help="PC/SC reader: its name, part of it, or its index (see cardkit readers).")(fn)
        return fn

    return deco


def key_options(fn: _F) -> _F:
    """Add the holder's key options (CAN, ID number, MRZ information, or document number + dates)."""
    for opt in reversed([
        click.option("--can", metavar="N", envvar="CARDKIT_CAN", show_envvar=True,
                     help="Card Access Number printed on the card (PACE); '-' asks for it without echo."),
        click.option("--id-number", metavar="12DIGITS", envvar="CARDKIT_ID_NUMBER", show_envvar=True,
                     help="Vietnam: the 12-digit ID number; the CAN is its last 6 digits; '-' asks for it."),
        click.option("--mrz-info", metavar="S", envvar="CARDKIT_MRZ_INFO", show_envvar=True,
                     help="MRZ information: doc number+cd, DOB+cd, DOE+cd; '-' asks for it."),
        click.option("--doc", metavar="N", help="Document number (with --dob and --doe)."),
        click.option("--dob", metavar="YYMMDD", help="Date of birth."),
        click.option("--doe", metavar="YYMMDD", help="Date of expiry."),
    ]):
        fn = opt(fn)
    return fn


_ENV = {"CAN": "CARDKIT_CAN", "ID number": "CARDKIT_ID_NUMBER", "MRZ information": "CARDKIT_MRZ_INFO"}


def _ask(value: str | None, name: str) -> str | None:
    """The value itself, or, for '-', what the operator types at a prompt that does not echo."""
    return ask_secret(name, env=_ENV.get(name)) if value == "-" else value


def _made(option: str, make: Callable[[], AccessKey]) -> AccessKey:
    """``make()``, its refusal naming the option: one line, the rule, never the value."""
    try:
        return make()
    except InputError as e:
        raise InputError(f"{option}: {e}") from None


def asks_for_key(*, can: str | None, id_number: str | None, mrz_info: str | None) -> bool:
    """True when a key option is '-': the key is typed at a prompt (once per card in a kiosk loop)."""
    return "-" in (can, id_number, mrz_info)


def resolve_key(*, can: str | None, id_number: str | None, mrz_info: str | None, doc: str | None,
                dob: str | None, doe: str | None) -> AccessKey:
    """The one ``AccessKey`` of the options: exactly one way of giving the key.

    Raises:
        InputError: none or several given, or a value of the wrong form (the option named, the value never).
    """
    key = optional_key(can=can, id_number=id_number, mrz_info=mrz_info, doc=doc, dob=dob, doe=doe)
    if key is None:
        raise InputError("give the key: --can, --id-number (Vietnam), --mrz-info, or --doc --dob --doe")
    return key


def optional_key(*, can: str | None, id_number: str | None, mrz_info: str | None, doc: str | None,
                 dob: str | None, doe: str | None) -> AccessKey | None:
    """Like ``resolve_key``, but None when no key option is given (a dump needs none)."""
    # On the command line a secret shows in `ps` and the shell history: the environment variables
    # (CARDKIT_CAN, CARDKIT_ID_NUMBER, CARDKIT_MRZ_INFO) or '-' (a prompt without echo) avoid that.
    can, id_number, mrz_info = (_ask(v, n) for v, n in ((can, "CAN"), (id_number, "ID number"),
                                                        (mrz_info, "MRZ information")))
    if any(p is not None for p in (doc, dob, doe)) and not all(p is not None for p in (doc, dob, doe)):
        raise InputError("--doc, --dob and --doe go together")
    given = [n for n, v in (("--can", can), ("--id-number", id_number), ("--mrz-info", mrz_info),
                            ("--doc/--dob/--doe", doc)) if v is not None]
    if len(given) > 1:
        raise InputError(f"give one key, not {' and '.join(given)}")
    if can is not None:
        return _made("--can", lambda: AccessKey.from_can(can))
    if id_number is not None:
        return _made("--id-number", lambda: AccessKey.from_vn_id_number(id_number))
    if mrz_info is not None:
        return _made("--mrz-info", lambda: AccessKey.from_mrz_information(mrz_info))
    if doc is not None and dob is not None and doe is not None:
        return _made("--doc/--dob/--doe", lambda: AccessKey.from_document(doc, dob, doe))
    return None


def open_transport(reader: str | None, sim: Path | None) -> tuple[Transport, Callable[[], None]]:
    """(transport, close) for ``--reader`` or ``--sim``; exactly one must be given.

    Raises:
        InputError: none or both given; ParseError: a bad simulator image; ReaderError: no reader.
    """
    if sim is not None and reader is None:
        if not sim.is_file():
            raise InputError(f"simulator image {sim} " + ("is not a file" if sim.exists() else "does not exist"))
        # The software chip loads only for --sim: a terminal with a reader never pays for it.
        from simulators.emrtd import EmrtdChip

        return SimulatorTransport(EmrtdChip.load(sim)), lambda: None
    if reader is None or sim is not None:
        raise InputError("give exactly one of --reader R and --sim IMAGE")
    transport = card.PcscTransport(reader_ref(reader))  # pyscard loads with the first reader asked for
    return transport, transport.close


def reader_ref(reader: str) -> str | int:
    """``--reader``: an index when it is all digits, else (a part of) a reader's name."""
    return int(reader) if reader.isdigit() else reader


def inspect_chip(reader: str | None, sim: Path | None, trace: Path | None, *, key: AccessKey,
                 trust: TrustStore | None, at: datetime | None = None, block_size: int | None = None,
                 out_dir: Path | None = None, prove_chip: bool = True, sfi: bool = False,
                 terminal: TerminalCredentials | None = None) -> InspectionReport:
    """Open the chip (``--reader`` or ``--sim``) and run ``inspect`` on it (the arguments are ``inspect``'s).

    The link is closed and the APDU trace (when ``trace`` names a file; payloads redacted) is written
    whatever happens, so a read that stops half-way still leaves its trace.

    Raises:
        what ``open_transport`` raises; ``inspect`` itself reports failures in its report.
    """
    apdu_trace = ApduTrace() if trace is not None else None
    transport, close = open_transport(reader, sim)
    try:
        report = inspect(transport, key=key, trust=trust, at=at, block_size=block_size, out_dir=out_dir,
                         trace=apdu_trace, prove_chip=prove_chip, sfi=sfi, terminal=terminal)
    except BaseException:
        close()
        if apdu_trace is not None and trace is not None:
            with contextlib.suppress(CardkitError):  # the card's error is the one to report, not the trace's
                apdu_trace.write(trace)
        raise
    close()
    if apdu_trace is not None and trace is not None:
        apdu_trace.write(trace)
    return report
