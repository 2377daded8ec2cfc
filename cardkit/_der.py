"""Strict DER decoding by cryptography's Rust ASN.1 (its declarative ``cryptography.hazmat.asn1`` API; X.690 §10).

Parsers that read thousands of files (a bulk audit) first offer their bytes to this decoder, which is
an order of magnitude faster than asn1crypto, and fall back to their asn1crypto declarations for
anything it refuses: BER, an unusual but tolerated encoding, or a cryptography without the API. So the
fast path only ever accepts a subset of what the asn1crypto path accepts, and errors keep their words.

Rules: ``decode`` never raises (None means "refused, ask the other decoder"); ``full_der`` rebuilds a
decoded ``TLV``'s exact bytes, which is sound because DER lengths are minimal and the Rust decoder
refuses any other length form. Declarations live in the modules that use them, at module level
(postponed annotations are resolved by name), inside ``if rust_asn1 is not None``.
"""

from __future__ import annotations

from typing import TypeVar

from cryptography import x509

__all__ = ["rust_asn1", "decode", "full_der", "der_length", "algorithm_oid"]

try:
    from cryptography.hazmat import asn1 as rust_asn1
except ImportError:  # a cryptography older than 46: every parser takes its asn1crypto path
    rust_asn1 = None  # type: ignore[assignment]

_T = TypeVar("_T")

if rust_asn1 is not None:
    # AlgorithmIdentifier ::= SEQUENCE { algorithm OBJECT IDENTIFIER, parameters ANY OPTIONAL } (RFC 5280
    # §4.1.1.2), declared twice: the decoder has no optional ANY.
    @rust_asn1.sequence
    class _Algorithm1:
        algorithm: x509.ObjectIdentifier

    @rust_asn1.sequence
    class _Algorithm2:
        algorithm: x509.ObjectIdentifier
        parameters: rust_asn1.TLV
else:  # pragma: no cover - a cryptography without the API
    _Algorithm1 = _Algorithm2 = None  # type: ignore[assignment,misc]


# Each declared type is turned into the decoder's own description once: ``decode_der`` does it on every
# call, which costs more than decoding a small structure. The preparing step is cryptography's own
# (a private name): where it is missing, the public ``decode_der`` is used as is.
_PREPARED: dict[object, object] = {}
try:
    from cryptography.hazmat.asn1.asn1 import _normalize_field_type as _prepare
    from cryptography.hazmat.bindings._rust import declarative_asn1 as _rust_decoder
except ImportError:  # pragma: no cover - another cryptography layout
    _prepare = _rust_decoder = None  # type: ignore[assignment]


def decode(cls: type[_T] | None, der: bytes) -> _T | None:
    """``der`` decoded into the declared ``cls``; None when the Rust decoder refuses it (or ``cls`` is None)."""
    if cls is None or rust_asn1 is None:
        return None
    try:
        prepared = _PREPARED.get(cls)
        if prepared is None:
            if _prepare is None:
                return rust_asn1.decode_der(cls, der)
            prepared = _PREPARED[cls] = _prepare(cls, str(cls))
        return _rust_decoder.decode_der(prepared, der)  # type: ignore[no-any-return]
    except Exception:  # noqa: BLE001  refused (not DER, not this type): the caller's other decoder decides
        return None


def der_length(n: int) -> bytes:
    """The DER length octets of ``n`` (X.690 §10.1: the shortest form)."""
    if n < 0x80:
        return bytes((n,))
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes((0x80 | len(body),)) + body


def full_der(element: object) -> bytes:
    """The exact encoding of a decoded ``rust_asn1.TLV``: its tag, its (minimal) length, its content."""
    data = bytes(element.data)  # type: ignore[attr-defined]
    return bytes(element.tag_bytes) + der_length(len(data)) + data  # type: ignore[attr-defined]


def algorithm_oid(der: bytes) -> str | None:
    """The dotted OID of ``der`` when it is a DER AlgorithmIdentifier (parameters of any kind, or none), else None."""
    alg = decode(_Algorithm2, der) or decode(_Algorithm1, der)
    return alg.algorithm.dotted_string if alg is not None else None
