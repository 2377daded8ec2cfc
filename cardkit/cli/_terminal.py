"""Options shared by ``cardkit read`` and ``cardkit verify``: where the chip is, what the holder shows.

Source: ``--reader R`` (a PC/SC reader name, part of one, or its index), ``--sim IMAGE`` (a
simulator image, in process), and for verify ``--dump DUMP``. Key: ``--can N``, ``--mrz-info S``,
``--doc N --dob YYMMDD --doe YYMMDD``, or ``--id-number`` (Vietnam: CAN = last 6 digits). The
values are secrets: they are checked here but never echoed in a message, and each can come from the
environment (CARDKIT_CAN, CARDKIT_ID_NUMBER, CARDKIT_MRZ_INFO) or a prompt ('-') instead of the
command line, where `ps` and the shell history would show it.
"""

from __future__ import annotations

import contextlib

from pathlib import Path
from typing import Any, Callable

import click

from ..errors import CardkitError, InputError
from ._secrets import ask_secret

__all__ = ["key_options", "source_options", "resolve_key", "open_transport", "inspect_chip"]


def source_options(*, dump: bool) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Add --reader / --sim (and --dump when ``dump``)."""

    def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
        if dump:
            fn = click.option("--dump", "dump", type=click.Path(path_type=Path),
                              help="Verify a dump directory offline (no chip).")(fn)
        fn = click.option("--sim", "sim", type=click.Path(path_type=Path),
                          help="A simulator image (cardkit sim / cardkit demo), run in process.")(fn)
        fn = click.option("--reader", "reader", metavar="R",
                          help="PC/SC reader: its name, part of it, or its index (see cardkit readers).")(fn)
        return fn

    return deco


def key_options(fn: Callable[..., Any]) -> Callable[..., Any]:
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


def _date(value: str, name: str) -> str:
    if len(value) != 6 or not value.isdigit() or not value.isascii():
        raise InputError(f"{name} must be 6 digits YYMMDD")
    if not 1 <= int(value[2:4]) <= 12 or not 1 <= int(value[4:6]) <= 31:
        raise InputError(f"{name} is not a date YYMMDD")
    return value


def _ask(value: str | None, name: str) -> str | None:
    """The value itself, or, for '-', what the operator types at a prompt that does not echo."""
    if value != "-":
        return value
    envs = {"CAN": "CARDKIT_CAN", "ID number": "CARDKIT_ID_NUMBER", "MRZ information": "CARDKIT_MRZ_INFO"}
    return ask_secret(name, env=envs.get(name))


def resolve_key(*, can: str | None, id_number: str | None, mrz_info: str | None, doc: str | None,
                dob: str | None, doe: str | None, required: bool = True) -> dict[str, str | None]:
    """The keyword arguments for ``inspect``: exactly one way of giving the key.

    Raises:
        InputError: none or several given, or a value of the wrong form (never echoed).
    """
    # On the command line a secret shows in `ps` and the shell history: the environment variables
    # (CARDKIT_CAN, CARDKIT_ID_NUMBER, CARDKIT_MRZ_INFO) or '-' (a prompt without echo) avoid that.
    can, id_number, mrz_info = (_ask(v, n) for v, n in ((can, "CAN"), (id_number, "ID number"),
                                                        (mrz_info, "MRZ information")))
    parts = [doc, dob, doe]
    if any(p is not None for p in parts) and not all(p is not None for p in parts):
        raise InputError("--doc, --dob and --doe go together")
    given = [n for n, v in (("--can", can), ("--id-number", id_number), ("--mrz-info", mrz_info),
                            ("--doc/--dob/--doe", doc)) if v is not None]
    if len(given) > 1:
        raise InputError(f"give one key, not {' and '.join(given)}")
    if not given:
        if required:
            raise InputError("give the key: --can, --id-number (Vietnam), --mrz-info, or --doc --dob --doe")
        return {}
    if doc is not None:
        from ..mrz import mrz_information

        doc_clean = doc.strip().upper()
        if not doc_clean or not all(c.isascii() and (c.isalnum() or c == "<") for c in doc_clean):
            raise InputError("--doc must be letters and digits")
        mrz_info = mrz_information(doc_clean, _date(dob, "--dob"), _date(doe, "--doe"))  # type: ignore[arg-type]
    if mrz_info is not None:
        mrz_info = mrz_info.strip().upper()
        if len(mrz_info) < 24 or not all(c.isascii() and (c.isalnum() or c == "<") for c in mrz_info):
            raise InputError("--mrz-info must be document number + check digit + DOB + check digit + DOE + check digit")
    if id_number is not None and (len(id_number) != 12 or not id_number.isdigit() or not id_number.isascii()):
        raise InputError("--id-number must be the 12 digits of the ID number")
    if can is not None and (not can.isdigit() or not can.isascii() or not 1 <= len(can) <= 10):
        raise InputError("--can must be digits (6 on most cards)")
    return {"can": can, "id_number": id_number, "mrz_information": mrz_info}


def open_transport(reader: str | None, sim: Path | None) -> tuple[Any, Callable[[], None]]:
    """(transport, close) for ``--reader`` or ``--sim``; exactly one must be given.

    Raises:
        InputError: none or both given; ParseError: a bad simulator image; ReaderError: no reader.
    """
    if (reader is None) == (sim is None):
        raise InputError("give exactly one of --reader R and --sim IMAGE")
    if sim is not None:
        if not sim.is_file():
            raise InputError(f"simulator image {sim} " + ("is not a file" if sim.exists() else "does not exist"))
        from simulators.emrtd import EmrtdChip

        from ..card import SimulatorTransport

        chip = EmrtdChip.load(sim)
        return SimulatorTransport(chip), lambda: None
    from ..card import PcscTransport

    target: str | int = int(reader) if reader.isdigit() else reader  # type: ignore[union-attr]
    transport = PcscTransport(target)
    close = getattr(transport, "close", None) or getattr(transport, "disconnect", None)
    return transport, (close if callable(close) else (lambda: None))


def inspect_chip(reader: str | None, sim: Path | None, trace: Path | None, **options: Any) -> Any:
    """Open the chip (``--reader`` or ``--sim``) and run ``inspect`` on it with ``options``.

    The link is closed and the APDU trace (when ``trace`` names a file; payloads redacted) is written
    whatever happens, so a read that stops half-way still leaves its trace.

    Raises:
        what ``open_transport`` raises; ``inspect`` itself reports failures in its report.
    """
    from ..inspect import inspect

    apdu_trace = None
    if trace is not None:
        from ..card import ApduTrace

        apdu_trace = ApduTrace()
    transport, close = open_transport(reader, sim)
    try:
        report = inspect(transport, trace=apdu_trace, **options)
    except BaseException:
        close()
        if apdu_trace is not None:
            with contextlib.suppress(CardkitError):  # the card's error is the one to report, not the trace's
                apdu_trace.write(trace)
        raise
    close()
    if apdu_trace is not None:
        apdu_trace.write(trace)
    return report
