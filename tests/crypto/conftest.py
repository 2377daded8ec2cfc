"""Shared fixtures for the crypto tests: the vector loader (area "crypto") and the scripted rng."""

from __future__ import annotations

from typing import Callable

import pytest

from tests.support.vectors import load_vector as _load_vector
from tests.support.vectors import scripted_rng

__all__ = ["load_vector", "scripted_rng"]


def load_vector(name: str) -> dict:
    """Load tests/vectors/crypto/<name>.json; each file names its ``source``."""
    return _load_vector("crypto", name)


@pytest.fixture
def vector() -> Callable[[str], dict]:
    return load_vector
