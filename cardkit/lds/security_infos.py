"""SecurityInfos: the DER SET OF SecurityInfo in EF.CardAccess and DG14 (Doc 9303-11 §9.2, BSI TR-03110-3 A.1).

    SecurityInfo ::= SEQUENCE { protocol OBJECT IDENTIFIER, requiredData ANY, optionalData ANY OPTIONAL }

The kind of each info is decided by its protocol OID, as TR-03110 does (OIDs from ``cardkit.algorithms``):
    id-PACE.m.c  -> PaceInfo (``algorithm``: a PaceAlgorithm);  id-PACE.m -> PaceDomainParameterInfo
    id-CA.k.c    -> ChipAuthenticationInfo (``algorithm``: a CaAlgorithm)
    id-PK.k      -> ChipAuthenticationPublicKeyInfo (``key_agreement``)
    id-TA        -> TerminalAuthenticationInfo
    id-icao-mrtd-security-aaProtocolObject -> ActiveAuthenticationInfo (``algorithm``: an AaAlgorithm)
    id-PT        -> PrivilegedTerminalInfo (``infos``: its own SET OF SecurityInfo, TR-03110-3 A.1.1.8)
Anything else (CA domain parameters, EF.DIR info, PACE-CAM public key, vendor infos) is an
``UnknownSecurityInfo`` holding its DER verbatim; so is a PrivilegedTerminalInfo whose inner SET does
not decode, with a ``note`` saying why (German eID cards carry one; it never fails the whole file). An OID under a known arc that names no algorithm
cardkit knows still parses (its ``algorithm`` is None): the terminal skips it, the report shows it.
Every info keeps the bytes it was read from (``raw``, not compared); ``to_der`` re-encodes only when
the fields were changed. The structures are declared with asn1crypto; extra elements in a declared
SEQUENCE are refused, and a malformed info of a kind cardkit uses (PACE, CA, TA, AA) is a ParseError.
The same declarations for cryptography's strict DER decoder (``cardkit._der``) read a file first, about
ten times faster; anything they refuse goes to asn1crypto, which words every error.

The structures are declared in ``_security_info_asn1``; the SET that holds the infos (EF.CardAccess,
DG14) is ``cardkit.lds.security_info_set``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar, Union

from asn1crypto import core
from cryptography import x509

from .. import _der, tlv
from ..algorithms import (ID_CA, ID_PACE, ID_PK, ID_PT, ID_TA, AaAlgorithm, CaAlgorithm, IcaoOid, KeyAgreement,
                          PaceAlgorithm, key_agreement_of, oid_name)
from ..errors import InputError, ParseError
from ..public_keys import check_spki
from . import _security_info_asn1 as spec
from ._base import parse_guard

__all__ = [
    "PaceInfo",
    "PaceDomainParameterInfo",
    "ChipAuthenticationInfo",
    "ChipAuthenticationPublicKeyInfo",
    "TerminalAuthenticationInfo",
    "ActiveAuthenticationInfo",
    "UnknownSecurityInfo",
    "PrivilegedTerminalInfo",
    "SecurityInfo",
    "decode_infos",
    "encode_infos",
    "decode_info",
]

ID_AA = IcaoOid.AA_PROTOCOL
MAX_INFOS = 64
_MAX_NESTING = 2  # a PrivilegedTerminalInfo holds SecurityInfos; none of those holds another

# --- the info classes -------------------------------------------------------------------------
class _Info:
    """Shared behaviour: DER re-use when unchanged, display name."""

    raw: bytes
    protocol: str

    @property
    def name(self) -> str:
        return oid_name(self.protocol)

    def to_der(self) -> bytes:
        """The DER of this info: the bytes it was read from when unchanged, else a fresh encoding."""
        if self.raw:
            try:
                if decode_info(self.raw) == self:
                    return self.raw
            except ParseError:
                pass
        return self._encode()

    def _encode(self) -> bytes:  # pragma: no cover - every subclass overrides
        raise NotImplementedError


@dataclass(frozen=True)
class PaceInfo(_Info):
    """PACEInfo (TR-03110-3 A.1.1.1): protocol OID, version (2), parameterId (standardized domain parameters)."""

    protocol: str
    version: int = 2
    parameter_id: int | None = None
    raw: bytes = field(default=b"", repr=False, compare=False)

    @property
    def algorithm(self) -> PaceAlgorithm | None:
        """The PACE algorithm the protocol OID names; None for an id-PACE OID cardkit does not know."""
        return _algorithm_or_none(PaceAlgorithm.from_oid, self.protocol)

    def _encode(self) -> bytes:
        d: dict[str, Any] = {"protocol": self.protocol, "version": self.version}
        if self.parameter_id is not None:
            d["parameter_id"] = self.parameter_id
        return spec.PaceInfo(d).dump()


@dataclass(frozen=True)
class PaceDomainParameterInfo(_Info):
    """PACEDomainParameterInfo (TR-03110-3 A.1.1.1): explicit domain parameters as DER AlgorithmIdentifier."""

    protocol: str
    domain_parameter: bytes  # DER AlgorithmIdentifier
    parameter_id: int | None = None
    raw: bytes = field(default=b"", repr=False, compare=False)

    def _encode(self) -> bytes:
        d: dict[str, Any] = {"protocol": self.protocol,
                             "domain_parameter": spec.AlgorithmIdentifier.load(self.domain_parameter)}
        if self.parameter_id is not None:
            d["parameter_id"] = self.parameter_id
        return spec.PaceDomainParameterInfo(d).dump()


@dataclass(frozen=True)
class ChipAuthenticationInfo(_Info):
    """ChipAuthenticationInfo (Doc 9303-11 §9.2.5): protocol id-CA-*, version 1, keyId."""

    protocol: str
    version: int = 1
    key_id: int | None = None
    raw: bytes = field(default=b"", repr=False, compare=False)

    @property
    def algorithm(self) -> CaAlgorithm | None:
        """The CA algorithm the protocol OID names; None for an id-CA OID cardkit does not know."""
        return _algorithm_or_none(CaAlgorithm.from_oid, self.protocol)

    @property
    def key_agreement(self) -> KeyAgreement | None:
        """DH or ECDH as the protocol OID says, even when its cipher is one cardkit does not know."""
        return key_agreement_of(self.protocol)

    def _encode(self) -> bytes:
        d: dict[str, Any] = {"protocol": self.protocol, "version": self.version}
        if self.key_id is not None:
            d["key_id"] = self.key_id
        return spec.CaInfo(d).dump()


@dataclass(frozen=True)
class ChipAuthenticationPublicKeyInfo(_Info):
    """ChipAuthenticationPublicKeyInfo (Doc 9303-11 §9.2.6): the chip's static key as DER SubjectPublicKeyInfo."""

    protocol: str
    public_key_info: bytes = field(repr=False)  # DER SubjectPublicKeyInfo, exactly as stored
    key_id: int | None = None
    raw: bytes = field(default=b"", repr=False, compare=False)

    @property
    def key_agreement(self) -> KeyAgreement | None:
        """DH for id-PK-DH, ECDH for id-PK-ECDH, None for any other id-PK OID."""
        return key_agreement_of(self.protocol)

    def _encode(self) -> bytes:
        d: dict[str, Any] = {"protocol": self.protocol, "public_key": core.Any.load(self.public_key_info)}
        if self.key_id is not None:
            d["key_id"] = self.key_id
        return spec.CaPublicKeyInfo(d).dump()


@dataclass(frozen=True)
class TerminalAuthenticationInfo(_Info):
    """TerminalAuthenticationInfo (TR-03110-3 A.1.1.3): id-TA, version 1 (efCVCA, if any, as DER)."""

    protocol: str = ID_TA
    version: int = 1
    ef_cvca: bytes | None = None
    raw: bytes = field(default=b"", repr=False, compare=False)

    def _encode(self) -> bytes:
        d: dict[str, Any] = {"protocol": self.protocol, "version": self.version}
        if self.ef_cvca is not None:
            d["ef_cvca"] = spec.FileId.load(self.ef_cvca)
        return spec.TaInfo(d).dump()


@dataclass(frozen=True)
class ActiveAuthenticationInfo(_Info):
    """ActiveAuthenticationInfo (Doc 9303-11 §9.2.9): id-AA, version 1, the ECDSA signature algorithm OID."""

    protocol: str = ID_AA
    version: int = 1
    signature_algorithm: str = AaAlgorithm("sha256").oid
    raw: bytes = field(default=b"", repr=False, compare=False)

    @property
    def algorithm(self) -> AaAlgorithm | None:
        """The ECDSA signature algorithm named; None when it is not one cardkit knows."""
        return _algorithm_or_none(AaAlgorithm.from_oid, self.signature_algorithm)

    def _encode(self) -> bytes:
        return spec.AaInfo({"protocol": self.protocol, "version": self.version,
                        "signature_algorithm": self.signature_algorithm}).dump()


@dataclass(frozen=True)
class UnknownSecurityInfo(_Info):
    """A SecurityInfo cardkit does not model, kept verbatim (its DER is compared); ``note`` says why, if not obvious."""

    protocol: str
    raw: bytes = field(repr=False)
    note: str | None = field(default=None, compare=False)

    def to_der(self) -> bytes:
        return self.raw

    def _encode(self) -> bytes:
        return self.raw


@dataclass(frozen=True)
class PrivilegedTerminalInfo(_Info):
    """PrivilegedTerminalInfo (TR-03110-3 A.1.1.8): the SecurityInfos shown to privileged terminals only."""

    protocol: str
    infos: tuple["SecurityInfo", ...]
    raw: bytes = field(default=b"", repr=False, compare=False)

    def _encode(self) -> bytes:
        return spec.PtInfo({"protocol": self.protocol, "infos": core.Any.load(encode_infos(self.infos))}).dump()


_A = TypeVar("_A")


def _algorithm_or_none(parse: Callable[[str], _A], oid: str) -> _A | None:
    try:
        return parse(oid)
    except ParseError:
        return None


SecurityInfo = Union[PaceInfo, PaceDomainParameterInfo, ChipAuthenticationInfo, ChipAuthenticationPublicKeyInfo,
                     TerminalAuthenticationInfo, ActiveAuthenticationInfo, PrivilegedTerminalInfo, UnknownSecurityInfo]


def _arcs_after(oid: str, prefix: str) -> int | None:
    """Number of arcs after ``prefix`` when ``oid`` lies under it, else None."""
    if oid == prefix:
        return 0
    if oid.startswith(prefix + "."):
        return oid.count(".") - prefix.count(".")
    return None


def _protocol(der: bytes) -> str:
    """The protocol OID of a SecurityInfo; the rest (ANY DEFINED BY protocol) is left to the kind's decoder."""
    info = spec.AnyInfo.load(der, strict=True)
    oid = info["protocol"].dotted
    if len(info.children) > 3:
        raise ParseError("unexpected extra element", what="SecurityInfo")
    info["required"].contents  # noqa: B018 - must be present
    return str(oid)


def decode_info(der: bytes, what: str = "SecurityInfo", *, _depth: int = 0) -> SecurityInfo:
    """Decode one SecurityInfo by its protocol OID (TR-03110-3 A.1); ParseError on a malformed known info."""
    der = bytes(der)
    fast = _fast_info(der, _depth) if spec.RInfo2 is not None else None
    return fast if fast is not None else _asn1crypto_info(der, what, _depth)


def _asn1crypto_info(der: bytes, what: str, depth: int) -> SecurityInfo:
    oid = parse_guard(what)(_protocol)(der)
    if oid == ID_PT:
        return _decode_pt(der, oid, depth)
    return parse_guard(_kind(oid))(_decode_known)(der, oid)


def _decode_pt(der: bytes, oid: str, depth: int) -> PrivilegedTerminalInfo | UnknownSecurityInfo:
    """A PrivilegedTerminalInfo, or the info kept unknown (with the reason) when its inner SET does not decode."""
    try:
        if depth >= _MAX_NESTING - 1:
            raise ParseError("a PrivilegedTerminalInfo inside another")
        inner = spec.PtInfo.load(der, strict=True)
        inner["infos"]  # noqa: B018 - parse the children, so they can be counted
        if len(inner.children) > 2:
            raise ParseError("unexpected extra element")
        infos = decode_infos(inner["infos"].dump(), "PrivilegedTerminalInfo", _depth=depth + 1)
        return PrivilegedTerminalInfo(oid, infos, raw=der)
    except ParseError as e:
        return UnknownSecurityInfo(oid, raw=der, note=f"PrivilegedTerminalInfo kept as read: {e.message}")
    except (ValueError, TypeError, KeyError, AttributeError) as e:
        return UnknownSecurityInfo(oid, raw=der, note=f"PrivilegedTerminalInfo kept as read: {type(e).__name__}")


def _kind(oid: str) -> str:
    pace, ca, pk = _arcs_after(oid, ID_PACE), _arcs_after(oid, ID_CA), _arcs_after(oid, ID_PK)
    return {(2, None, None): "PACEInfo", (1, None, None): "PACEDomainParameterInfo",
            (None, 2, None): "ChipAuthenticationInfo", (None, None, 1): "ChipAuthenticationPublicKeyInfo"}.get(
        (pace, ca, pk), {ID_TA: "TerminalAuthenticationInfo", ID_AA: "ActiveAuthenticationInfo",
                         ID_PT: "PrivilegedTerminalInfo"}.get(oid, "SecurityInfo"))


def _decode_known(der: bytes, oid: str) -> SecurityInfo:
    pace, ca, pk = _arcs_after(oid, ID_PACE), _arcs_after(oid, ID_CA), _arcs_after(oid, ID_PK)
    if pace == 2:
        n = spec.load(spec.PaceInfo, der, "PACEInfo")
        return PaceInfo(oid, n["version"], n["parameter_id"], raw=der)
    if pace == 1:
        obj = spec.PaceDomainParameterInfo.load(der, strict=True)
        n = spec.load(spec.PaceDomainParameterInfo, der, "PACEDomainParameterInfo")
        return PaceDomainParameterInfo(oid, obj["domain_parameter"].dump(), n["parameter_id"], raw=der)
    if ca == 2:
        n = spec.load(spec.CaInfo, der, "ChipAuthenticationInfo")
        return ChipAuthenticationInfo(oid, n["version"], n["key_id"], raw=der)
    if pk == 1:
        obj = spec.CaPublicKeyInfo.load(der, strict=True)
        n = spec.load(spec.CaPublicKeyInfo, der, "ChipAuthenticationPublicKeyInfo")
        spki = check_spki(obj["public_key"].dump(), "ChipAuthenticationPublicKeyInfo")
        return ChipAuthenticationPublicKeyInfo(oid, spki, n["key_id"], raw=der)
    if oid == ID_TA:
        obj = spec.TaInfo.load(der, strict=True)
        n = spec.load(spec.TaInfo, der, "TerminalAuthenticationInfo")
        ef = obj["ef_cvca"].dump() if n["ef_cvca"] is not None else None
        return TerminalAuthenticationInfo(oid, n["version"], ef, raw=der)
    if oid == ID_AA:
        n = spec.load(spec.AaInfo, der, "ActiveAuthenticationInfo")
        return ActiveAuthenticationInfo(oid, n["version"], n["signature_algorithm"], raw=der)
    return UnknownSecurityInfo(oid, raw=der)


@functools.lru_cache(maxsize=512)
def _oid_text(der: bytes) -> str | None:
    """The dotted form of a DER OBJECT IDENTIFIER (cached: a few protocols recur in every file)."""
    oid = _der.decode(x509.ObjectIdentifier, der)
    return oid.dotted_string if oid is not None else None


@functools.lru_cache(maxsize=512)
def _kind_code(oid: str) -> str:
    """Which declaration reads an info of this protocol (TR-03110-3 A.1; the same rules as ``_kind``)."""
    pace, ca, pk = _arcs_after(oid, ID_PACE), _arcs_after(oid, ID_CA), _arcs_after(oid, ID_PK)
    if pace == 2:
        return "pace"
    if ca == 2:
        return "ca"
    if pace == 1:
        return "domain"
    if pk == 1:
        return "pk"
    return {ID_TA: "ta", ID_AA: "aa", ID_PT: "pt"}.get(oid, "other")


def _fast_protocol(der: bytes) -> str | None:
    """The protocol OID of a SecurityInfo, read from its first element; None when it is not plainly there."""
    try:
        outer = tlv.read_header(der)
        if isinstance(outer, tlv.Incomplete) or outer[0] != 0x30:
            return None
        first = tlv.read_header(der, outer[1])
    except ParseError:
        return None
    if isinstance(first, tlv.Incomplete) or first[0] != 0x06:
        return None
    return _oid_text(der[outer[1] : first[1] + first[2]])


def _fast_info(der: bytes, depth: int) -> SecurityInfo | None:
    """One SecurityInfo by cryptography's DER decoder; None whenever the asn1crypto path must decide.

    The protocol OID picks the declaration, which then reads the whole info strictly (the OID included).
    """
    oid = _fast_protocol(der)
    if oid is None:
        return None
    kind = _kind_code(oid)
    if kind in ("pace", "ca"):
        info = _der.decode(spec.RNumberedInfo, der)
        if info is None or not spec.small(info.version, info.number):
            return None
        return (PaceInfo if kind == "pace" else ChipAuthenticationInfo)(oid, info.version, info.number, raw=der)
    if kind in ("domain", "pk"):
        key = _der.decode(spec.RKeyInfo, der)
        if key is None or not spec.small(key.number):
            return None
        element = _der.full_der(key.element)
        if kind == "domain":
            return PaceDomainParameterInfo(oid, element, key.number, raw=der) if _der.algorithm_oid(element) else None
        try:
            spki = check_spki(element, "ChipAuthenticationPublicKeyInfo")
        except ParseError:
            return None
        return ChipAuthenticationPublicKeyInfo(oid, spki, key.number, raw=der)
    if kind == "ta":
        ta = _der.decode(spec.RTaInfo, der)
        if ta is not None:
            ef = _der.full_der(ta.ef_cvca)
            ok = spec.small(ta.version) and _der.decode(spec.RFileId, ef) is not None
            return TerminalAuthenticationInfo(oid, ta.version, ef, raw=der) if ok else None
        bare = _der.decode(spec.RNumberedInfo, der)
        if bare is None or bare.number is not None or not spec.small(bare.version):
            return None
        return TerminalAuthenticationInfo(oid, bare.version, None, raw=der)
    if kind == "aa":
        aa = _der.decode(spec.RAaInfo, der)
        if aa is None or not spec.small(aa.version):
            return None
        return ActiveAuthenticationInfo(oid, aa.version, aa.signature_algorithm.dotted_string, raw=der)
    if _der.decode(spec.RInfo3, der) is None and _der.decode(spec.RInfo2, der) is None:
        return None  # not SEQUENCE { protocol, requiredData, optionalData OPTIONAL }
    return _decode_pt(der, oid, depth) if kind == "pt" else UnknownSecurityInfo(oid, raw=der)


def _fast_infos(der: bytes, depth: int) -> tuple[SecurityInfo, ...] | None:
    """The SET's infos by the fast path (the SET split by ``cardkit.tlv``); None when any info needs asn1crypto."""
    if spec.RInfo2 is None:
        return None
    try:
        outer = tlv.decode(der)
        elements = outer.children() if outer.tag == 0x31 else None
    except ParseError:
        return None
    if elements is None or len(elements) > MAX_INFOS:
        return None
    out = []
    for element in elements:
        info = _fast_info(element.raw, depth)
        if info is None:
            return None
        out.append(info)
    return tuple(out)


def decode_infos(der: bytes, what: str, *, _depth: int = 0) -> tuple[SecurityInfo, ...]:
    """Decode a DER SET OF SecurityInfo, in the order stored; ParseError names the info's index.

    cryptography's DER decoder reads it first (``_fast_infos``); anything it refuses is read by the
    asn1crypto declarations (``_asn1crypto_infos``), which also word every error. Both give equal infos
    for the bytes both read (tests/lds/test_security_infos_fast.py checks it).
    """
    fast = _fast_infos(der, _depth)
    return fast if fast is not None else _asn1crypto_infos(der, what, _depth)


def _asn1crypto_infos(der: bytes, what: str, depth: int) -> tuple[SecurityInfo, ...]:
    infos = spec.Infos.load(der, strict=True)
    if len(infos) > MAX_INFOS:
        raise ParseError(f"more than {MAX_INFOS} SecurityInfos", what=what)
    out = []
    for i, item in enumerate(infos):
        try:
            out.append(_asn1crypto_info(item.dump(), what, depth))
        except ParseError as e:  # name the file, then the info and its kind
            kind = f" ({e.what})" if e.what and e.what != what else ""
            e.message = f"SecurityInfo {i + 1}{kind}: {e.message}"
            e.args = (e.message,)
            e.what = what
            raise
    return tuple(out)


def encode_infos(infos: tuple[SecurityInfo, ...] | list[SecurityInfo]) -> bytes:
    """DER SET OF the infos (asn1crypto sorts the elements as DER requires).

    Raises:
        InputError: an info that cannot be encoded (bad OID, key DER that is not DER ...).
    """
    ders = []
    for n, info in enumerate(infos, 1):
        if not isinstance(info, _Info):
            raise InputError(f"SecurityInfos: item {n} is a {type(info).__name__}, not a SecurityInfo")
        try:
            ders.append(core.Any.load(info.to_der()))
        except (ValueError, TypeError, KeyError, OverflowError) as e:
            raise InputError(f"SecurityInfos: cannot encode {type(info).__name__} {n}: {e}") from None
    return spec.Infos(ders).dump(force=True)
