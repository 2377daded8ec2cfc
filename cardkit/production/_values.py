"""Turning a row (CSV or JSON Lines) into record keyword arguments: text made NFC and stripped, once.

Shared by every record kind. A value that is not text is named, never guessed at (a JSON number
loses leading zeros); an unknown field is named; image paths (the photo, fingerprints) are taken
relative to the batch file.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from pathlib import Path

__all__ = ["normalise", "PATH_COLUMNS"]

PATH_COLUMNS = ("photo", "finger_right", "finger_left")  # columns naming an image file


def normalise(values: Mapping[str, object], columns: tuple[str, ...], required: tuple[str, ...],
              base_dir: Path | None) -> tuple[dict[str, object], list[str]]:
    """(keyword arguments for the record class, reasons); required fields default to "", others to None."""
    reasons = [f"unknown field {k!r}" for k in values if k not in columns]
    kwargs: dict[str, object] = {}
    for name in columns:
        v = values.get(name)
        if v is not None and not isinstance(v, str):
            hint = " (a JSON number loses leading zeros)" if isinstance(v, (int, float)) else ""
            reasons.append(f"{name}: must be a string{hint}")
            v = None
        if isinstance(v, str):
            v = unicodedata.normalize("NFC", v).strip() if not _has_surrogates(v) else v.strip()
        if name in PATH_COLUMNS:
            kwargs[name] = (base_dir / v if base_dir is not None else Path(v)) if v else None
        elif name == "issue_reason":
            kwargs[name] = v or "first"
        elif name in required:
            kwargs[name] = v or ""
        else:
            kwargs[name] = v or None
    return kwargs, reasons


def _has_surrogates(v: str) -> bool:
    return any(0xD800 <= ord(c) <= 0xDFFF for c in v)
