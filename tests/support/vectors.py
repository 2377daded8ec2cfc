"""The one test-vector loader and the scripted rng that the protocol tests share.

Vectors live in ``tests/vectors/<area>/<name>.json`` and each names its ``source``.
``scripted_rng`` stands in for the injected ``rng`` of a protocol: it hands out exactly the bytes
the test scripts, in order, so a protocol drawing more, fewer or different-sized values fails.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

VECTORS = Path(__file__).resolve().parents[1] / "vectors"


def load_vector(area: str, name: str) -> dict:
    """Load tests/vectors/<area>/<name>.json (``name`` with or without ".json"); asserts it names a source."""
    if not name.endswith(".json"):
        name += ".json"
    data = json.loads((VECTORS / area / name).read_text(encoding="utf-8"))
    assert data["source"], f"{area}/{name} does not name its source"
    return data


def scripted_rng(*chunks: bytes | str) -> Callable[[int], bytes]:
    """An rng returning exactly the given chunks (bytes or hex), in order; fails on a wrong size or an extra draw.

    What was not drawn is left in ``rng.remaining``, so a test can check every scripted value was used.
    """
    queue = [bytes.fromhex(c) if isinstance(c, str) else c for c in chunks]

    def rng(n: int) -> bytes:
        assert queue, f"unexpected extra draw of {n} bytes"
        chunk = queue.pop(0)
        assert len(chunk) == n, f"draw of {n} bytes, script has {len(chunk)}"
        return chunk

    rng.remaining = queue  # type: ignore[attr-defined]
    return rng
