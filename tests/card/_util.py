"""Helpers for the card-layer tests: vector loading and a scripted rng."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

VECTORS = Path(__file__).resolve().parents[1] / "vectors"


def load_vector(area: str, name: str) -> dict:
    return json.loads((VECTORS / area / name).read_text(encoding="utf-8"))


def scripted_rng(*values: str | bytes) -> Callable[[int], bytes]:
    """An rng returning the given values in order; fails on a wrong size or an extra draw."""
    queue = [bytes.fromhex(v) if isinstance(v, str) else v for v in values]

    def rng(n: int) -> bytes:
        assert queue, f"unexpected extra draw of {n} bytes"
        v = queue.pop(0)
        assert len(v) == n, f"draw of {n} bytes, script has {len(v)}"
        return v

    rng.remaining = queue  # type: ignore[attr-defined]
    return rng
