"""The trust store folder's layout and index (what ``cardkit trust import`` writes and ``--trust DIR`` reads).

    DIR/index.json          {"format": "cardkit-trust-store", "version": 1, "certificates": [...],
                             "crls": [...], "sources": [...]}
    DIR/certs/<sha256>.der  each certificate, named by the SHA-256 of its DER
    DIR/crls/<sha256>.crl   each CRL, likewise

Rules: the index is the truth. Object files are content-addressed and written before the index
names them; the index is replaced atomically (written to a temporary file, flushed to disk, then
renamed over the old one), so a reader sees the old store or the new one, never half of an import.
A file whose bytes no longer hash to its name is refused by the reader (a finding), never trusted.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ParseError

__all__ = ["StoreIndex", "is_store", "read_index", "write_index", "write_object", "read_object", "object_path", "INDEX",
           "FORMAT"]

INDEX = "index.json"
FORMAT = "cardkit-trust-store"
VERSION = 1
_MAX_INDEX = 256 << 20
_DIRS = {"certificate": "certs", "crl": "crls"}
_SUFFIX = {"certificate": ".der", "crl": ".crl"}


@dataclass(frozen=True)
class StoreIndex:
    """The decoded index: one dict per certificate, CRL and imported source (JSON-safe values)."""

    certificates: tuple[dict[str, Any], ...] = ()
    crls: tuple[dict[str, Any], ...] = ()
    sources: tuple[dict[str, Any], ...] = ()

    def to_json(self) -> str:
        return json.dumps({"format": FORMAT, "version": VERSION, "certificates": list(self.certificates),
                           "crls": list(self.crls), "sources": list(self.sources)}, indent=1, sort_keys=True,
                          ensure_ascii=False) + "\n"


def is_store(path: Path) -> bool:
    """True when ``path`` is a directory holding a trust store index."""
    return path.is_dir() and (path / INDEX).is_file()


def read_index(store: Path) -> StoreIndex:
    """The index of the store at ``store``; ParseError naming the file when it is not one cardkit wrote."""
    where = str(store / INDEX)
    try:
        raw = (store / INDEX).read_bytes()
        if len(raw) > _MAX_INDEX:
            raise ParseError(f"{len(raw)} bytes is too large for a trust store index", source=where)
        doc = json.loads(raw)
    except OSError as e:
        raise ParseError(f"cannot read ({e.strerror or e})", source=where) from None
    except (ValueError, UnicodeDecodeError) as e:
        raise ParseError(f"not a trust store index (JSON: {e})", source=where) from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ParseError(f"not a trust store index (no \"format\": \"{FORMAT}\")", source=where)
    if doc.get("version") != VERSION:
        raise ParseError(f"trust store index version {doc.get('version')!r}; this cardkit reads {VERSION}", source=where)
    parts = []
    for key in ("certificates", "crls", "sources"):
        items = doc.get(key, [])
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise ParseError(f"{key} is not a list of objects", source=where)
        parts.append(tuple(items))
    return StoreIndex(*parts)


def _fsync_dir(d: Path) -> None:
    try:
        fd = os.open(d, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _fsync_dir(path.parent)


def object_path(store: Path, kind: str, fingerprint: str) -> Path:
    """Where an object of ``kind`` ("certificate" or "crl") with this SHA-256 lives in the store."""
    if len(fingerprint) != 64 or any(c not in "0123456789abcdef" for c in fingerprint):
        raise ParseError(f"{fingerprint!r} is not a SHA-256 fingerprint", source=str(store / INDEX))
    return store / _DIRS[kind] / f"{fingerprint}{_SUFFIX[kind]}"


def write_object(store: Path, kind: str, der: bytes) -> str:
    """Write one object (if not there yet) under its fingerprint; return the fingerprint."""
    fp = hashlib.sha256(der).hexdigest()
    path = object_path(store, kind, fp)
    if not path.is_file() or path.read_bytes() != der:
        path.parent.mkdir(parents=True, exist_ok=True)
        _atomic_write(path, der)
    return fp


def read_object(store: Path, kind: str, fingerprint: str) -> bytes:
    """The bytes of one object; ParseError when missing or when they do not hash to their name."""
    path = object_path(store, kind, fingerprint)
    try:
        der = path.read_bytes()
    except OSError as e:
        raise ParseError(f"cannot read ({e.strerror or e})", source=str(path)) from None
    if hashlib.sha256(der).hexdigest() != fingerprint:
        raise ParseError("its bytes do not hash to its name (changed after import): not trusted", source=str(path))
    return der


def write_index(store: Path, index: StoreIndex) -> None:
    """Replace the store's index atomically (temporary file, fsync, rename)."""
    store.mkdir(parents=True, exist_ok=True)
    _atomic_write(store / INDEX, index.to_json().encode("utf-8"))
