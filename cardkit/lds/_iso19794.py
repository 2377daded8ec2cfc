"""What the ISO/IEC 19794:2005 records of DG2, DG3 and DG4 share: the start of the general record header.

    'FAC\\0' | 'FIR\\0' | 'IIR\\0'   format identifier (19794-5 §5.4, 19794-4 §7.1, 19794-6 §6.5)
    '010\\0'                          version 1.0
    record length                    the whole record, big-endian: 4 bytes (6 in 19794-4)

Each record codec reads the rest of its own header; this module refuses, with one wording for the
three, a block that is too short, names another format or version, or whose length field is not its
size. Also the one bounds check the record builders run on their numeric fields.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ..errors import ParseError
from ._base import check_build

__all__ = ["VERSION_010", "Failure", "record_failure", "check_record_start", "check_fits"]

VERSION_010 = b"010\x00"
_LENGTH_AT = 8

Failure = Callable[[str, int], ParseError]


def record_failure(record: str, what: str, base: int) -> Failure:
    """A maker of the ParseError for a fault ``at`` bytes into a record that starts ``base`` bytes into the file."""
    def fail(message: str, at: int) -> ParseError:
        return ParseError(f"{record}: {message}", what=what, offset=base + at)

    return fail


def check_record_start(rec: bytes, fail: Failure, *, identifier: bytes, standard: str, header_size: int,
                       length_size: int = 4) -> None:
    """Refuse a record shorter than its header, of another format or version, or whose length field is wrong.

    Args:
        identifier: the format identifier, b"FIR\\0".
        standard: the edition the version names, "ISO/IEC 19794-4:2005".
        length_size: the size of the record length field (6 in 19794-4, else 4).
    Raises:
        ParseError: made by ``fail``, naming the offset of the fault.
    """
    if len(rec) < header_size:
        raise fail(f"{len(rec)} bytes, shorter than the {header_size}-byte header", 0)
    if rec[:4] != identifier:
        raise fail(f"format identifier {rec[:4].hex().upper()} is not '{identifier[:3].decode()}\\0'", 0)
    if rec[4:8] != VERSION_010:
        raise fail(f"version {rec[4:8].hex().upper()} is not '010\\0' ({standard})", 4)
    length = int.from_bytes(rec[_LENGTH_AT : _LENGTH_AT + length_size], "big")
    if length != len(rec):
        raise fail(f"record length field {length} but the data block holds {len(rec)} bytes", _LENGTH_AT)


def check_fits(fields: Iterable[tuple[str, object, int]], what: str, *, prefix: str = "") -> None:
    """Refuse a (name, value, bits) whose value is not an unsigned integer of that many bits (InputError)."""
    for name, value, bits in fields:
        check_build(isinstance(value, int) and 0 <= value < 1 << bits, f"{prefix}{name} must fit in {bits} bits",
                    what)
