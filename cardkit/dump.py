"""Dump directories: the LDS files of one chip as raw bytes (DESIGN.md "A dump").

A dump is a directory with one file per LDS file, named exactly ``EF.CardAccess``, ``EF.COM``,
``DG1`` ... ``DG16``, ``EF.SOD`` (the bytes as read from the chip, no extension), plus
``report.json`` when written by ``cardkit verify``. It holds personal data, so the directory is
made mode 0700 and each file 0600. Reading is strict and bounded: every LDS file must be one
complete BER-TLV with the tag its name implies and nothing after it; a bad file is a
``ParseError`` naming it. Other files in the directory (notes, a face image) are ignored.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from . import tlv
from .errors import InputError, ParseError
from .lds._base import MAX_FILE_SIZE  # 16 MiB: above any real LDS file, below a hostile dump's reach
from .lds.files import FILES
from .private_files import write_private

__all__ = ["DUMP_FILE_NAMES", "MAX_FILE_SIZE", "write_dump", "read_dump", "read_report", "check_file"]

# EF.CardSecurity is not part of a dump (DESIGN.md names the others only).
DUMP_FILE_NAMES: tuple[str, ...] = ("EF.CardAccess", "EF.COM", *(f"DG{n}" for n in range(1, 17)), "EF.SOD")
_SET_TAG = 0x31  # EF.CardAccess is a bare DER SET OF SecurityInfo (Doc 9303-11 §9.2)


def _expected_tag(name: str) -> int:
    return _SET_TAG if name == "EF.CardAccess" else FILES[name].tag  # type: ignore[return-value]


def _whole(data: bytes) -> int | None:
    """The tag of ``data`` when its header's length covers it exactly; None when ``tlv.decode`` must say more."""
    header = tlv.read_header(data)
    if isinstance(header, tlv.Incomplete) or header[1] + header[2] != len(data):
        return None
    return header[0]


def check_file(name: str, data: bytes, source: str) -> None:
    """Raise ParseError (naming ``source``) unless ``data`` is one complete TLV with the tag ``name`` implies."""
    if not data:
        raise ParseError("file is empty", what=name, source=source)
    try:
        if _whole(data) == _expected_tag(name):
            return  # the common case, one whole TLV of the right tag, told in one step
        t = tlv.decode(data)
    except ParseError as e:
        raise e.within(what=name, source=source)
    if t.tag != _expected_tag(name):
        raise ParseError(
            f"tag {t.tag:X} is not the {name} tag {_expected_tag(name):X}", what=name, offset=0, source=source
        )


def write_dump(path: str | Path, files: dict[str, bytes], report: dict[str, Any] | None = None) -> Path:
    """Write ``files`` (and ``report.json``) into the dump directory ``path``; mode 0700/0600.

    LDS files (and ``report.json``) already in the directory that are not part of this dump are
    removed, so that a dump never mixes two chips.

    Args:
        path: the dump directory; made if missing (its parents too).
        files: LDS file name -> raw bytes; names must be dump file names.
        report: a JSON-safe report (``InspectionReport.to_dict()``), written as ``report.json``.

    Returns:
        The directory path.

    Raises:
        InputError: an unknown file name, or the directory cannot be written.
    """
    d = Path(path)
    unknown = sorted(set(files) - set(DUMP_FILE_NAMES))
    if unknown:
        raise InputError(f"cannot write {', '.join(unknown)} into a dump: not an LDS file name")
    try:
        d.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(d, 0o700)
        # A dump is one chip: files left by an earlier dump in the same directory would mix two cards.
        for stale in [*(n for n in DUMP_FILE_NAMES if n not in files), *(["report.json"] if report is None else [])]:
            if (d / stale).is_file():
                (d / stale).unlink()
        for name, data in files.items():
            write_private(d / name, bytes(data))
        if report is not None:
            text = json.dumps(report, ensure_ascii=False, indent=2) + "\n"
            write_private(d / "report.json", text.encode("utf-8"))
    except OSError as e:
        raise InputError(f"cannot write dump {d}: {e.strerror or e}") from None
    return d


def read_dump(path: str | Path) -> dict[str, bytes]:
    """Read the LDS files of a dump directory.

    Returns:
        File name -> raw bytes, in DUMP_FILE_NAMES order, for the files present.

    Raises:
        InputError: ``path`` is not a directory or holds no LDS file.
        ParseError: a file that is empty, too large, not one TLV, or has the wrong tag (names the file).
    """
    d = Path(path)
    if not d.is_dir():
        raise InputError(f"dump {d} is not a directory")
    files: dict[str, bytes] = {}
    for name in DUMP_FILE_NAMES:
        p = d / name
        if not p.exists():
            continue
        source = str(p)
        if not p.is_file():
            raise ParseError("not a regular file", what=name, source=source)
        size = p.stat().st_size
        if size > MAX_FILE_SIZE:
            raise ParseError(f"file of {size} bytes is larger than {MAX_FILE_SIZE}", what=name, source=source)
        try:
            data = p.read_bytes()
        except OSError as e:
            raise InputError(f"cannot read {source}: {e.strerror or e}") from None
        check_file(name, data, source)
        files[name] = data
    if not files:
        raise InputError(f"dump {d} holds no LDS file (expected EF.COM, DG1 ... EF.SOD)")
    return files


def read_report(path: str | Path) -> dict[str, Any] | None:
    """The ``report.json`` of a dump, or None when there is none; ParseError when it is not JSON."""
    p = Path(path) / "report.json"
    if not p.exists():
        return None
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ParseError(f"not a JSON report: {e}", what="report.json", source=str(p)) from None
    if not isinstance(data, dict):
        raise ParseError("not a JSON object", what="report.json", source=str(p))
    return data
