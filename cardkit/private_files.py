"""Files that hold personal data or keys: created owner-only (0600), never readable by others even briefly.

Dumps, reports, APDU traces, simulator images and key files all go through ``write_private``: the file
is opened with mode 0600 from the start (an existing file is narrowed too, as O_CREAT keeps its old
mode), written, and, when ``atomic``, fsynced under a temporary name and renamed into place.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["write_private"]


def write_private(path: str | Path, data: bytes, *, exclusive: bool = False, atomic: bool = False) -> Path:
    """Write ``data`` to ``path`` with mode 0600.

    Args:
        exclusive: refuse to replace an existing file (FileExistsError), as for key files.
        atomic: write a temporary file, fsync it, then rename it over ``path`` (a crash leaves the old file).

    Raises:
        OSError: the caller turns it into its own typed error, naming the path.
    """
    path = Path(path)
    target = path.with_name(path.name + ".tmp") if atomic else path
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC)
    fd = os.open(target, flags, 0o600)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as f:
            fd = -1
            f.write(data)
            if atomic:
                f.flush()
                os.fsync(f.fileno())
    finally:
        if fd >= 0:
            os.close(fd)
    if atomic:
        os.replace(target, path)
    return path
