"""Shared checks for the LDS codec tests: both directions, trailing data, truncation, fuzzing."""

from __future__ import annotations

from typing import Any

import pytest

from cardkit.errors import ParseError


def roundtrip(cls: Any, obj: Any, data: bytes) -> None:
    """(object, bytes) both ways: build gives the bytes, parse gives the object, to_bytes gives the bytes."""
    assert obj.to_bytes() == data
    parsed = cls.from_bytes(data)
    assert parsed == obj
    assert parsed.to_bytes() == data
    assert cls.from_bytes(bytearray(data)) == obj
    assert cls.from_bytes(memoryview(data)) == obj


def rejects_trailing(cls: Any, data: bytes, *, zero_padding: bool = False) -> None:
    """A valid file followed by any extra byte is refused (files are read to their TLV length).

    With ``zero_padding`` (EF.CardAccess, read whole), 00 bytes after the SET are accepted and counted.
    """
    for extra in ((b"\x90\x00", data[:1], b"\x00\x01") if zero_padding else (b"\x00", b"\x90\x00", data[:1])):
        with pytest.raises(ParseError):
            cls.from_bytes(data + extra)
    if zero_padding:
        padded = cls.from_bytes(data + bytes(100))
        assert padded.padding == 100 and padded.infos == cls.from_bytes(data).infos
        assert padded.to_bytes() == data + bytes(100)  # the bytes as read


def rejects_truncated(cls: Any, data: bytes, step: int = 1) -> None:
    """Every proper prefix of a valid file (every ``step``-th, plus the last few) is refused."""
    cuts = set(range(0, len(data), step)) | set(range(max(0, len(data) - 8), len(data)))
    for n in sorted(cuts):
        with pytest.raises(ParseError):
            cls.from_bytes(data[:n])


def value_or_parse_error(cls: Any, data: bytes) -> Any:
    """Parse or raise ParseError, nothing else; a value parsed must give its bytes back."""
    try:
        obj = cls.from_bytes(data)
    except ParseError as e:
        assert str(e)  # the message renders
        return None
    assert obj.to_bytes() == bytes(data)
    return obj


def mutations(data: bytes) -> list[bytes]:
    """Deterministic single-byte corruptions of a valid file: each byte set to 00, FF and +1."""
    out = []
    for i in range(len(data)):
        for v in (0x00, 0xFF, (data[i] + 1) & 0xFF):
            if v != data[i]:
                out.append(data[:i] + bytes([v]) + data[i + 1 :])
    return out
