"""Shared fixtures for the crypto tests: the vector loader and a scripted rng."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

import pytest

VECTORS = Path(__file__).resolve().parent.parent / "vectors" / "crypto"


def load_vector(name: str) -> dict:
    """Load tests/vectors/crypto/<name>.json; each file names its ``source``."""
    data = json.loads((VECTORS / f"{name}.json").read_text())
    assert data["source"]
    return data


def scripted_rng(*chunks: bytes | str) -> Callable[[int], bytes]:
    """An rng that returns exactly the given chunks, in order, and fails on a length mismatch."""
    queue = [bytes.fromhex(c) if isinstance(c, str) else c for c in chunks]

    def rng(n: int) -> bytes:
        assert queue, f"unexpected draw of {n} bytes"
        chunk = queue.pop(0)
        assert len(chunk) == n, f"drew {n} bytes, script has {len(chunk)}"
        return chunk

    rng.remaining = queue  # type: ignore[attr-defined]
    return rng


@pytest.fixture
def vector() -> Callable[[str], dict]:
    return load_vector
