"""Where the real-artifacts corpus is (``../shared/real-artifacts``, beside the repository, never inside it),
and the one reason a test gives when it is not there."""

from __future__ import annotations

from pathlib import Path

import pytest

__all__ = ["CORPUS", "MISSING", "real_path"]

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "real-artifacts"
MISSING = f"the real-artifacts corpus is not at {CORPUS.resolve()} (../shared/real-artifacts beside the repository)"


def real_path(*parts: str) -> Path:
    """``CORPUS / parts``; the test is skipped with ``MISSING`` when that file or folder is absent."""
    path = CORPUS.joinpath(*parts)
    if not path.exists():
        pytest.skip(MISSING)
    return path
