"""Distinguished names as values, compared the way RFC 5280 §7.1 says (and, on request, ignoring RDN order).

A name keeps the DER it was read from (``raw``). Comparing two names has three strengths:
``raw`` equality (the same bytes); ``matches`` (RFC 5280 §7.1: the same RDNs in the same order, each
value prepared by RFC 4518's string preparation, so PrintableString and UTF8String of the same text
and differences of case or inner spaces are equal); ``same_attributes`` (the same attribute values in
any RDN order: what some issuers' SignerInfos need, accepted only with a note by the caller).
"""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass, field

from asn1crypto import x509 as asn1_x509

from ..algorithms import X509Oid
from ..errors import ParseError

__all__ = ["NameAttribute", "DistinguishedName", "read_name"]

# RFC 4514 §3 short names, plus those cryptography's rfc4514_string prints the same way
_SHORT = {X509Oid.COMMON_NAME: "CN", X509Oid.LOCALITY: "L", X509Oid.STATE: "ST", X509Oid.ORGANIZATION: "O",
          X509Oid.ORGANIZATIONAL_UNIT: "OU", X509Oid.COUNTRY: "C", X509Oid.STREET: "STREET",
          X509Oid.DOMAIN_COMPONENT: "DC", X509Oid.USER_ID: "UID"}
_COUNTRY = X509Oid.COUNTRY
_MAX_ATTRIBUTES = 64


@dataclass(frozen=True)
class NameAttribute:
    """One AttributeTypeAndValue: the type OID, the value as text, its ASN.1 string type and its prepared form."""

    oid: str
    value: str
    string_type: str  # "printable_string", "utf8_string" ... as asn1crypto names them
    prepared: str = field(repr=False)  # RFC 4518 preparation: what comparisons use


def _escape(value: str) -> str:
    """RFC 4514 §2.4 escaping of an attribute value."""
    out = []
    for i, ch in enumerate(value):
        if ch in ',+"\\<>;' or (i == 0 and ch in "# ") or (i == len(value) - 1 and ch == " "):
            out.append("\\" + ch)
        elif ch == "\x00":
            out.append("\\00")
        else:
            out.append(ch)
    return "".join(out)


@dataclass(frozen=True, eq=False)
class DistinguishedName:
    """An X.501 Name (RDNSequence), raw DER kept; equality and hashing are by those bytes."""

    raw: bytes = field(repr=False)
    rdns: tuple[tuple[NameAttribute, ...], ...]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DistinguishedName) and other.raw == self.raw

    def __hash__(self) -> int:
        return hash(self.raw)

    def rfc4514_string(self) -> str:
        """The name as RFC 4514 text (last RDN first), as ``cryptography`` prints it."""
        return self._text

    # A name is a value: its text and comparison key are computed once (reports and audits ask for
    # them on every document a certificate signed).
    @functools.cached_property
    def _text(self) -> str:
        return ",".join("+".join(f"{_SHORT.get(a.oid, a.oid)}={_escape(a.value)}" for a in rdn)
                        for rdn in reversed(self.rdns))

    def __str__(self) -> str:
        return self.rfc4514_string()

    @property
    def country(self) -> str | None:
        """The value of the (first) countryName attribute, as written (not upper-cased), or None."""
        for rdn in self.rdns:
            for a in rdn:
                if a.oid == _COUNTRY:
                    return a.value
        return None

    @functools.cached_property
    def key(self) -> tuple[tuple[tuple[str, str], ...], ...]:
        """What RFC 5280 §7.1 compares: each RDN as a sorted tuple of (type, prepared value), in order."""
        return tuple(tuple(sorted((a.oid, a.prepared) for a in rdn)) for rdn in self.rdns)

    @property
    def attribute_key(self) -> tuple[tuple[str, str], ...]:
        """Every (type, prepared value) in the name, sorted: the same for any order of the RDNs."""
        return tuple(sorted((a.oid, a.prepared) for rdn in self.rdns for a in rdn))

    def matches(self, other: DistinguishedName) -> bool:
        """RFC 5280 §7.1 name matching: same RDNs in the same order, values after RFC 4518 preparation."""
        return self.raw == other.raw or self.key == other.key

    def same_attributes(self, other: DistinguishedName) -> bool:
        """The same attribute values whatever the order of the RDNs (not RFC 5280 equality; callers note it)."""
        return Counter(self.attribute_key) == Counter(other.attribute_key)


def _text(value: object) -> str:
    native = value.native  # type: ignore[attr-defined]
    if isinstance(native, str):
        return native
    if isinstance(native, bytes):
        return "#" + native.hex()
    return str(native)


def _attribute(atv: asn1_x509.NameTypeAndValue) -> NameAttribute:
    oid = atv["type"].dotted
    value = atv["value"]
    text = _text(value)
    string_type = value.name if isinstance(value, asn1_x509.DirectoryString) else type(value).__name__
    try:
        prepared = atv.prepped_value
    except (ValueError, TypeError, AttributeError):  # not text (an odd type): compare as written
        prepared = text
    return NameAttribute(oid, text, string_type, prepared if isinstance(prepared, str) else text)


def read_name(name: asn1_x509.Name) -> DistinguishedName:
    """A DistinguishedName from asn1crypto's Name; ParseError when an attribute cannot be read."""
    try:
        rdns = []
        count = 0
        for rdn in name.chosen:
            atvs = []
            for atv in rdn:
                count += 1
                if count > _MAX_ATTRIBUTES:
                    raise ParseError(f"more than {_MAX_ATTRIBUTES} name attributes")
                atvs.append(_attribute(atv))
            rdns.append(tuple(atvs))
        return DistinguishedName(name.dump(), tuple(rdns))
    except ParseError:
        raise
    except (ValueError, TypeError, KeyError, AttributeError, UnicodeDecodeError) as e:
        raise ParseError(f"name cannot be read ({type(e).__name__}: {e})") from None
