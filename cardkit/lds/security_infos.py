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

EF.CardAccess read whole from a chip may be padded with 00 bytes after the SET (the file is larger
than its content): up to ``MAX_PADDING`` such bytes are accepted and counted in ``padding``; any
other trailing byte is refused.
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
from ._base import _as_bytes, parse_guard

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
    "SecurityInfos",
    "InfosView",
    "decode_infos",
    "encode_infos",
    "decode_info",
]

ID_AA = IcaoOid.AA_PROTOCOL
MAX_INFOS = 64
MAX_PADDING = 4096  # bytes of 00 after the SET: a file read whole, larger than its content
_MAX_NESTING = 2  # a PrivilegedTerminalInfo holds SecurityInfos; none of those holds another
_MAX_INT_BITS = 64

# --- ASN.1 declarations -----------------------------------------------------------------------
class _AlgorithmIdentifier(core.Sequence):
    _fields = [("algorithm", core.ObjectIdentifier), ("parameters", core.Any, {"optional": True})]


class _AnyInfo(core.Sequence):
    _fields = [("protocol", core.ObjectIdentifier), ("required", core.Any),
               ("optional", core.Any, {"optional": True})]


class _PtInfo(core.Sequence):
    """PrivilegedTerminalInfo ::= SEQUENCE { protocol id-PT, privilegedTerminalInfos SecurityInfos }."""

    _fields = [("protocol", core.ObjectIdentifier), ("infos", core.Any)]


class _PaceInfo(core.Sequence):
    _fields = [("protocol", core.ObjectIdentifier), ("version", core.Integer),
               ("parameter_id", core.Integer, {"optional": True})]


class _PaceDomainParameterInfo(core.Sequence):
    _fields = [("protocol", core.ObjectIdentifier), ("domain_parameter", _AlgorithmIdentifier),
               ("parameter_id", core.Integer, {"optional": True})]


class _CaInfo(core.Sequence):
    _fields = [("protocol", core.ObjectIdentifier), ("version", core.Integer),
               ("key_id", core.Integer, {"optional": True})]


class _CaPublicKeyInfo(core.Sequence):
    _fields = [("protocol", core.ObjectIdentifier), ("public_key", core.Any),
               ("key_id", core.Integer, {"optional": True})]


class _FileId(core.Sequence):
    _fields = [("fid", core.OctetString), ("sfid", core.OctetString, {"optional": True})]


class _TaInfo(core.Sequence):
    _fields = [("protocol", core.ObjectIdentifier), ("version", core.Integer),
               ("ef_cvca", _FileId, {"optional": True})]


class _AaInfo(core.Sequence):
    _fields = [("protocol", core.ObjectIdentifier), ("version", core.Integer),
               ("signature_algorithm", core.ObjectIdentifier)]


class _Infos(core.SetOf):
    _child_spec = core.Any


def _load(spec: type[core.Sequence], der: bytes, what: str) -> dict[str, Any]:
    """Load ``der`` as ``spec`` strictly: every field decoded, no extra element, integers bounded."""
    obj = spec.load(der, strict=True)
    native = obj.native  # forces the lazy parse of every field
    if len(obj.children) > len(spec._fields) or set(native) - {f[0] for f in spec._fields}:
        raise ParseError("unexpected extra element", what=what)
    for k, v in native.items():
        if isinstance(v, int) and not isinstance(v, bool) and v.bit_length() > _MAX_INT_BITS:
            raise ParseError(f"{k} out of range", what=what)
    return native  # type: ignore[no-any-return]


# The same structures for cryptography's strict DER decoder (``cardkit._der``), the fast path of
# ``decode_infos``: an info is first read as its protocol and one or two TLVs, then as the kind its
# protocol names. Whatever the fast path refuses is read by the asn1crypto declarations above.
if _der.rust_asn1 is not None:
    _asn1 = _der.rust_asn1

    @_asn1.sequence
    class _RInfo2:
        protocol: x509.ObjectIdentifier
        required: _asn1.TLV

    @_asn1.sequence
    class _RInfo3:
        protocol: x509.ObjectIdentifier
        required: _asn1.TLV
        optional: _asn1.TLV

    @_asn1.sequence
    class _RNumberedInfo:  # PACEInfo, ChipAuthenticationInfo: version, then parameterId / keyId
        protocol: x509.ObjectIdentifier
        version: int
        number: int | None = None

    @_asn1.sequence
    class _RKeyInfo:  # PACEDomainParameterInfo, ChipAuthenticationPublicKeyInfo: a DER element, then an id
        protocol: x509.ObjectIdentifier
        element: _asn1.TLV
        number: int | None = None

    @_asn1.sequence
    class _RTaInfo:  # TerminalAuthenticationInfo with efCVCA (without it: a _RNumberedInfo)
        protocol: x509.ObjectIdentifier
        version: int
        ef_cvca: _asn1.TLV

    @_asn1.sequence
    class _RFileId:
        fid: bytes
        sfid: bytes | None = None

    @_asn1.sequence
    class _RAaInfo:
        protocol: x509.ObjectIdentifier
        version: int
        signature_algorithm: x509.ObjectIdentifier
else:  # pragma: no cover - a cryptography without the API
    _RInfo2 = _RInfo3 = _RNumberedInfo = _RKeyInfo = _RTaInfo = _RFileId = _RAaInfo = None  # type: ignore[assignment,misc]


def _small(*values: int | None) -> bool:
    """True when every integer fits the bound the asn1crypto path enforces (``_MAX_INT_BITS``)."""
    return all(v is None or v.bit_length() <= _MAX_INT_BITS for v in values)


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
        return _PaceInfo(d).dump()


@dataclass(frozen=True)
class PaceDomainParameterInfo(_Info):
    """PACEDomainParameterInfo (TR-03110-3 A.1.1.1): explicit domain parameters as DER AlgorithmIdentifier."""

    protocol: str
    domain_parameter: bytes  # DER AlgorithmIdentifier
    parameter_id: int | None = None
    raw: bytes = field(default=b"", repr=False, compare=False)

    def _encode(self) -> bytes:
        d: dict[str, Any] = {"protocol": self.protocol,
                             "domain_parameter": _AlgorithmIdentifier.load(self.domain_parameter)}
        if self.parameter_id is not None:
            d["parameter_id"] = self.parameter_id
        return _PaceDomainParameterInfo(d).dump()


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
        return _CaInfo(d).dump()


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
        return _CaPublicKeyInfo(d).dump()


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
            d["ef_cvca"] = _FileId.load(self.ef_cvca)
        return _TaInfo(d).dump()


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
        return _AaInfo({"protocol": self.protocol, "version": self.version,
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
        return _PtInfo({"protocol": self.protocol, "infos": core.Any.load(encode_infos(self.infos))}).dump()


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
    info = _AnyInfo.load(der, strict=True)
    oid = info["protocol"].dotted
    if len(info.children) > 3:
        raise ParseError("unexpected extra element", what="SecurityInfo")
    info["required"].contents  # noqa: B018 - must be present
    return str(oid)


def decode_info(der: bytes, what: str = "SecurityInfo", *, _depth: int = 0) -> SecurityInfo:
    """Decode one SecurityInfo by its protocol OID (TR-03110-3 A.1); ParseError on a malformed known info."""
    der = bytes(der)
    fast = _fast_info(der, _depth) if _RInfo2 is not None else None
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
        inner = _PtInfo.load(der, strict=True)
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
        n = _load(_PaceInfo, der, "PACEInfo")
        return PaceInfo(oid, n["version"], n["parameter_id"], raw=der)
    if pace == 1:
        obj = _PaceDomainParameterInfo.load(der, strict=True)
        n = _load(_PaceDomainParameterInfo, der, "PACEDomainParameterInfo")
        return PaceDomainParameterInfo(oid, obj["domain_parameter"].dump(), n["parameter_id"], raw=der)
    if ca == 2:
        n = _load(_CaInfo, der, "ChipAuthenticationInfo")
        return ChipAuthenticationInfo(oid, n["version"], n["key_id"], raw=der)
    if pk == 1:
        obj = _CaPublicKeyInfo.load(der, strict=True)
        n = _load(_CaPublicKeyInfo, der, "ChipAuthenticationPublicKeyInfo")
        spki = check_spki(obj["public_key"].dump(), "ChipAuthenticationPublicKeyInfo")
        return ChipAuthenticationPublicKeyInfo(oid, spki, n["key_id"], raw=der)
    if oid == ID_TA:
        obj = _TaInfo.load(der, strict=True)
        n = _load(_TaInfo, der, "TerminalAuthenticationInfo")
        ef = obj["ef_cvca"].dump() if n["ef_cvca"] is not None else None
        return TerminalAuthenticationInfo(oid, n["version"], ef, raw=der)
    if oid == ID_AA:
        n = _load(_AaInfo, der, "ActiveAuthenticationInfo")
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
        info = _der.decode(_RNumberedInfo, der)
        if info is None or not _small(info.version, info.number):
            return None
        return (PaceInfo if kind == "pace" else ChipAuthenticationInfo)(oid, info.version, info.number, raw=der)
    if kind in ("domain", "pk"):
        key = _der.decode(_RKeyInfo, der)
        if key is None or not _small(key.number):
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
        ta = _der.decode(_RTaInfo, der)
        if ta is not None:
            ef = _der.full_der(ta.ef_cvca)
            ok = _small(ta.version) and _der.decode(_RFileId, ef) is not None
            return TerminalAuthenticationInfo(oid, ta.version, ef, raw=der) if ok else None
        bare = _der.decode(_RNumberedInfo, der)
        if bare is None or bare.number is not None or not _small(bare.version):
            return None
        return TerminalAuthenticationInfo(oid, bare.version, None, raw=der)
    if kind == "aa":
        aa = _der.decode(_RAaInfo, der)
        if aa is None or not _small(aa.version):
            return None
        return ActiveAuthenticationInfo(oid, aa.version, aa.signature_algorithm.dotted_string, raw=der)
    if _der.decode(_RInfo3, der) is None and _der.decode(_RInfo2, der) is None:
        return None  # not SEQUENCE { protocol, requiredData, optionalData OPTIONAL }
    return _decode_pt(der, oid, depth) if kind == "pt" else UnknownSecurityInfo(oid, raw=der)


def _fast_infos(der: bytes, depth: int) -> tuple[SecurityInfo, ...] | None:
    """The SET's infos by the fast path (the SET split by ``cardkit.tlv``); None when any info needs asn1crypto."""
    if _RInfo2 is None:
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
    infos = _Infos.load(der, strict=True)
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
    return _Infos(ders).dump(force=True)


# --- the container shared by EF.CardAccess and DG14 ---------------------------------------------
_I = TypeVar("_I")


class InfosView:
    """Accessors over ``self.infos`` (EF.CardAccess, DG14, bare SecurityInfos)."""

    infos: tuple[SecurityInfo, ...]

    def _of(self, kind: type[_I]) -> tuple[_I, ...]:
        return tuple(i for i in self.infos if isinstance(i, kind))

    @property
    def pace_infos(self) -> tuple[PaceInfo, ...]:
        return self._of(PaceInfo)

    @property
    def pace_domain_parameters(self) -> tuple[PaceDomainParameterInfo, ...]:
        return self._of(PaceDomainParameterInfo)

    @property
    def ca_infos(self) -> tuple[ChipAuthenticationInfo, ...]:
        return self._of(ChipAuthenticationInfo)

    @property
    def ca_public_keys(self) -> tuple[ChipAuthenticationPublicKeyInfo, ...]:
        return self._of(ChipAuthenticationPublicKeyInfo)

    @property
    def ta_infos(self) -> tuple[TerminalAuthenticationInfo, ...]:
        return self._of(TerminalAuthenticationInfo)

    @property
    def aa_info(self) -> ActiveAuthenticationInfo | None:
        """The ActiveAuthenticationInfo (ECDSA AA), or None."""
        found = self._of(ActiveAuthenticationInfo)
        return found[0] if found else None

    @property
    def unknown(self) -> tuple[UnknownSecurityInfo, ...]:
        return self._of(UnknownSecurityInfo)

    @property
    def privileged_terminal_infos(self) -> tuple[PrivilegedTerminalInfo, ...]:
        return self._of(PrivilegedTerminalInfo)

    def infos_to_dicts(self) -> list[dict[str, Any]]:
        """JSON-safe list of the infos."""
        out = []
        for i in self.infos:
            d: dict[str, Any] = {"type": type(i).__name__, "protocol": i.protocol, "name": i.name}
            version = None if isinstance(i, (PaceDomainParameterInfo, ChipAuthenticationPublicKeyInfo,
                                              UnknownSecurityInfo, PrivilegedTerminalInfo)) else i.version
            parameter_id = i.parameter_id if isinstance(i, (PaceInfo, PaceDomainParameterInfo)) else None
            key_id = i.key_id if isinstance(i, (ChipAuthenticationInfo, ChipAuthenticationPublicKeyInfo)) else None
            for k, v in (("version", version), ("parameter_id", parameter_id), ("key_id", key_id)):
                if v is not None:
                    d[k] = v
            if isinstance(i, ActiveAuthenticationInfo):
                d["signature_algorithm"] = oid_name(i.signature_algorithm)
            if isinstance(i, ChipAuthenticationPublicKeyInfo):
                d["public_key_info"] = i.public_key_info.hex().upper()
            if isinstance(i, PaceDomainParameterInfo):
                d["domain_parameter"] = i.domain_parameter.hex().upper()
            if isinstance(i, UnknownSecurityInfo):
                d["der"] = i.raw.hex().upper()
                if i.note:
                    d["note"] = i.note
            if isinstance(i, PrivilegedTerminalInfo):
                d["infos"] = _InfoList(i.infos).infos_to_dicts()
            out.append(d)
        return out


@dataclass(frozen=True)
class _InfoList(InfosView):
    infos: tuple[SecurityInfo, ...]


@dataclass(frozen=True)
class SecurityInfos(InfosView):
    """SecurityInfos ::= SET OF SecurityInfo (Doc 9303-11 §9.2), as a bare DER SET (``raw``: the bytes as read)."""

    raw: bytes = field(repr=False)
    infos: tuple[SecurityInfo, ...]
    padding: int = 0  # 00 bytes after the SET (a file read whole)

    @classmethod
    def from_bytes(cls, data: bytes) -> "SecurityInfos":
        """Parse a DER SET OF SecurityInfo; ParseError on anything else."""
        return _from_set(cls, data, "SecurityInfos")

    @classmethod
    def build(cls, infos: "list[SecurityInfo] | tuple[SecurityInfo, ...]") -> "SecurityInfos":
        """A new DER SET of ``infos`` (sorted as DER requires)."""
        return cls.from_bytes(encode_infos(tuple(infos)))

    def to_bytes(self) -> bytes:
        return self.raw

    def to_dict(self) -> dict[str, Any]:
        return {"file": "SecurityInfos", "infos": self.infos_to_dicts(), **self._padding_dict()}

    def _padding_dict(self) -> dict[str, Any]:
        if not self.padding:
            return {}
        return {"padding": self.padding, "note": f"{self.padding} bytes of 00 padding after the SET (ignored)"}


_S = TypeVar("_S", bound="SecurityInfos")


def _strip_padding(raw: bytes) -> tuple[bytes, int]:
    """(the SET, the number of 00 bytes after it) when only up to MAX_PADDING 00 bytes follow it; else (raw, 0)."""
    try:
        end = tlv.decode(raw, allow_trailing=True).end
    except ParseError:
        return raw, 0
    rest = raw[end:]
    if rest and len(rest) <= MAX_PADDING and not rest.strip(b"\x00"):
        return raw[:end], len(rest)
    return raw, 0


def _from_set(cls: type[_S], data: bytes, what: str) -> _S:
    @parse_guard(what)
    def parse() -> _S:
        raw = _as_bytes(data, what)
        if not raw or raw[0] != 0x31:
            raise ParseError("not a DER SET (tag 31)", what=what, offset=0)
        body, padding = _strip_padding(raw)
        tlv.decode(body)  # definite lengths, no trailing bytes (asn1crypto would accept BER)
        return cls(raw=raw, infos=decode_infos(body, what), padding=padding)

    return parse()
