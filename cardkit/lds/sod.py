"""EF.SOD: the Document Security Object (Doc 9303-10 §4.6.2, 9303-12 §4.2 / App. B).

EF.SOD is tag 77 around a CMS ContentInfo(SignedData) whose eContent is an
LDSSecurityObject (v0, or v1 with ldsVersionInfo). The object identifiers are those of
``cardkit.algorithms`` (``IcaoOid`` for the ICAO ones); this module teaches asn1crypto their names.

Rules: parsing is bounded (size), keeps the exact bytes (``raw``, ``econtent``,
``signed_attrs``: the hash and the signature are checked over those, never over a
re-encoding), and raises only ``ParseError``. The parser judges structure only; whether
the content type, the attributes and the signature are right is Passive Authentication's
job (``cardkit.pki.passive``), so that each fault becomes a specific finding there.

Speed (a bulk audit parses thousands of SODs): the LDSSecurityObject and the messageDigest
attribute are first offered to cryptography's strict DER decoder, several times faster;
whatever it refuses is read by asn1crypto exactly as before. Parts that repeat in every SOD
of one Document Signer (signer identifier, algorithms, certificates) are decoded once per
distinct encoding: the caches are keyed by the exact bytes.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from asn1crypto import algos, cms, core
from cryptography import x509

from .. import tlv
from ..certificates import Certificate, load_certificate
from ..algorithms import ID_CONTENT_TYPE, ID_DATA, ID_MESSAGE_DIGEST, ID_SIGNED_DATA, ID_SIGNING_TIME, IcaoOid
from ..errors import ParseError

__all__ = ["register_oid", "parse_signer_info", "LDS_SECURITY_OBJECT_OIDS", "LdsSecurityObject",
           "SignerInfoData", "Sod", "MAX_SOD_SIZE", "signed_data_parts", "signed_data_fields"]

MAX_SOD_SIZE = 1 << 20  # 1 MiB: a real SOD is a few kB (certificate included)
_MAX_DG_HASHES = 16

# eContentTypes an LDSSecurityObject is found under: the one 9303-10 §4.6.2 names, then those real
# documents use (id-data: Chinese passports; 1.3.27.1.1.1 and the Dutch OID: early passports).
# PA accepts the others with a warning.
LDS_SECURITY_OBJECT_OIDS = (IcaoOid.LDS_SECURITY_OBJECT, ID_DATA, IcaoOid.LDS_SECURITY_OBJECT_LEGACY,
                            IcaoOid.LDS_SECURITY_OBJECT_NL)


def register_oid(oid_class: type[core.ObjectIdentifier], dotted: str, name: str) -> None:
    """Give asn1crypto a name for an ICAO OID (keeps its lazily built reverse map in step)."""
    oid_class._map.setdefault(dotted, name)
    if oid_class._reverse_map is not None:
        oid_class._reverse_map.setdefault(name, dotted)


register_oid(cms.ContentType, IcaoOid.LDS_SECURITY_OBJECT, "lds_security_object")
register_oid(cms.ContentType, IcaoOid.LDS_SECURITY_OBJECT_LEGACY, "lds_security_object_legacy")
register_oid(cms.ContentType, IcaoOid.LDS_SECURITY_OBJECT_NL, "lds_security_object_nl")
register_oid(cms.ContentType, IcaoOid.CSCA_MASTER_LIST, "csca_master_list")


class DataGroupHash(core.Sequence):
    """DataGroupHash ::= SEQUENCE { dataGroupNumber, dataGroupHashValue } (9303-10 §4.6.2.2)."""

    _fields = [("data_group_number", core.Integer), ("data_group_hash_value", core.OctetString)]


class DataGroupHashValues(core.SequenceOf):
    _child_spec = DataGroupHash


class LdsVersionInfo(core.Sequence):
    """LDSVersionInfo ::= SEQUENCE { ldsVersion PrintableString, unicodeVersion PrintableString }."""

    _fields = [("lds_version", core.PrintableString), ("unicode_version", core.PrintableString)]


class LdsSecurityObject(core.Sequence):
    """LDSSecurityObject (9303-10 §4.6.2.2): version 0, or 1 with ldsVersionInfo."""

    _fields = [
        ("version", core.Integer),
        ("hash_algorithm", algos.DigestAlgorithm),
        ("data_group_hash_values", DataGroupHashValues),
        ("lds_version_info", LdsVersionInfo, {"optional": True}),
    ]


_LsoFields = tuple[int, str, "Iterable[tuple[int, bytes]]", "str | None", "str | None"]


def _decode_lds_security_object(der: bytes) -> _LsoFields:
    """(version, hash algorithm name, [(DG number, hash)], ldsVersion, unicodeVersion) of an LDSSecurityObject.

    The strict DER decoder of cryptography (Rust) reads a DER-encoded object about ten times
    faster than asn1crypto; anything it refuses (BER, odd strings, a newer cryptography without
    it) is read by asn1crypto, as before, so what is accepted and every error message are
    asn1crypto's. Both give the same values for the same bytes (tests/pki/test_sod.py checks).
    """
    fast = _decode_fast(_FastLdsSecurityObject, der)
    if fast is not None:
        info = fast.lds_version_info
        return (fast.version, _digest_name(fast.hash_algorithm.algorithm.dotted_string),
                [(e.data_group_number, e.data_group_hash_value) for e in fast.data_group_hash_values],
                None if info is None else info.lds_version.as_str(),
                None if info is None else info.unicode_version.as_str())
    lso = LdsSecurityObject.load(der, strict=True)
    info = lso["lds_version_info"]
    # A generator: the caller checks each entry as it is decoded, and stops at the first bad one.
    return (lso["version"].native, _algorithm_name(lso["hash_algorithm"].dump()),
            ((e["data_group_number"].native, e["data_group_hash_value"].native) for e in lso["data_group_hash_values"]),
            None if isinstance(info, core.Void) else info["lds_version"].native,
            None if isinstance(info, core.Void) else info["unicode_version"].native)


# The same LDSSecurityObject, declared for cryptography's DER decoder (cryptography >= 46). That API
# is young: if it is missing or its declarations change shape, everything is read by asn1crypto.
# (Declared at module level: with postponed annotations the decoder resolves the field types by name.)
try:
    from cryptography.hazmat import asn1 as _asn1

    @_asn1.sequence
    class _FastAttribute:  # an Attribute whose values are OCTET STRINGs
        type: x509.ObjectIdentifier
        values: _asn1.SetOf[bytes]

    @_asn1.sequence
    class _FastDigestAlgorithm:
        algorithm: x509.ObjectIdentifier
        parameters: _asn1.Null | None = None  # NULL or absent for SHA-1/SHA-2 (RFC 5754 §2)

    @_asn1.sequence
    class _FastDataGroupHash:
        data_group_number: int
        data_group_hash_value: bytes

    @_asn1.sequence
    class _FastLdsVersionInfo:
        lds_version: _asn1.PrintableString
        unicode_version: _asn1.PrintableString

    @_asn1.sequence
    class _FastLdsSecurityObject:
        version: int
        hash_algorithm: _FastDigestAlgorithm
        data_group_hash_values: list[_FastDataGroupHash]
        lds_version_info: _FastLdsVersionInfo | None = None

except Exception:  # noqa: BLE001  no such API, or one that changed: the asn1crypto path reads everything
    _asn1 = None  # type: ignore[assignment]
    _FastLdsSecurityObject = _FastAttribute = None  # type: ignore[assignment,misc]


def _decode_fast(cls: type | None, der: bytes) -> object | None:
    """``der`` decoded by cryptography into ``cls``; None when it refuses (asn1crypto then decides)."""
    if cls is None:
        return None
    try:
        return _asn1.decode_der(cls, der)
    except Exception:  # noqa: BLE001  refused (not DER, not this type) or unreadable: not an error here
        return None


@functools.lru_cache(maxsize=64)
def _digest_name(dotted: str) -> str:
    """asn1crypto's name for a digest algorithm OID ("sha256"), or the dotted OID when it has none."""
    return algos.DigestAlgorithmId(dotted).native


@functools.lru_cache(maxsize=256)
def _load_certificate(der: bytes) -> Certificate:
    # Cached by DER bytes: a bulk audit sees the same DS certificate in thousands of SODs.
    return load_certificate(der)


_CERT_SETS: dict[bytes, tuple[bytes, ...]] = {}


def _certificates(field_value: core.Asn1Value) -> tuple[bytes, ...]:
    """DER of each certificate in SignedData.certificates, cached by the field's bytes.

    Every SOD of one Document Signer carries the same certificate bytes; parsing them once
    per process is what keeps a bulk audit fast.
    """
    if isinstance(field_value, core.Void):
        return ()
    key = field_value.contents
    hit = _CERT_SETS.get(key)
    if hit is not None:
        return hit
    ders = tuple(c.chosen.dump() for c in field_value if c.name == "certificate")
    for der in ders:
        _load_certificate(der)
    if len(_CERT_SETS) >= 256:
        _CERT_SETS.clear()  # bounded: a fresh start is cheaper than an LRU here
    _CERT_SETS[key] = ders
    return ders


@dataclass(frozen=True, slots=True)
class SignerInfoData:
    """The one SignerInfo of EF.SOD, with the exact bytes that were signed (RFC 5652 §5.3)."""

    version: int
    sid_kind: str  # "issuer_serial" (v1) or "ski" (v3)
    issuer_der: bytes | None  # DER Name of the issuer, for sid_kind "issuer_serial"
    serial_number: int | None
    subject_key_identifier: bytes | None
    digest_algorithm: str  # asn1crypto name ("sha256") or dotted OID when unknown
    signed_attrs: bytes | None  # DER SET OF Attribute (tag 31): the bytes the signature covers
    content_types: tuple[str, ...]  # every value of every contentType attribute (dotted)
    message_digests: tuple[bytes, ...]  # every value of every messageDigest attribute
    signing_time: datetime | None
    signature_algorithm_der: bytes  # DER AlgorithmIdentifier, parameters included
    signature_algorithm_oid: str
    signature: bytes = field(repr=False)




# The parts of a SignerInfo and SignedData that are the same in every SOD of one Document Signer
# (signer identifier, algorithm identifiers) are decoded once per distinct encoding: each cache
# below maps the exact DER of the part to what it decodes to, so a different encoding is a miss.


@functools.lru_cache(maxsize=256)
def _signer_identifier(der: bytes) -> tuple[str, bytes | None, int | None, bytes | None]:
    """(kind, issuer DER, serial, SKI) of a SignerIdentifier (RFC 5652 §5.3)."""
    sid = cms.SignerIdentifier.load(der)
    if sid.name == "issuer_and_serial_number":
        return "issuer_serial", sid.chosen["issuer"].dump(), sid.chosen["serial_number"].native, None
    return "ski", None, None, sid.chosen.native


@functools.lru_cache(maxsize=256)
def _algorithm_name(der: bytes) -> str:
    """asn1crypto's name ("sha256"), or the dotted OID, of a DigestAlgorithmIdentifier."""
    return algos.DigestAlgorithm.load(der)["algorithm"].native


@functools.lru_cache(maxsize=256)
def _algorithm_oid(der: bytes) -> str:
    return algos.SignedDigestAlgorithm.load(der)["algorithm"].dotted


@functools.lru_cache(maxsize=256)
def _digest_algorithm_names(der: bytes) -> tuple[str, ...]:
    """The names in SignedData.digestAlgorithms."""
    return tuple(a["algorithm"] for a in cms.DigestAlgorithms.load(der).native)


@functools.lru_cache(maxsize=1024)
def _attribute(der: bytes) -> tuple[str, tuple[object, ...]]:
    """(dotted type, decoded values) of one signed attribute; values of contentType and messageDigest only.

    contentType is the same in every SOD, so its decoding is a cache hit; messageDigest differs
    per document and is decoded each time (the cache is bounded).
    """
    fast = _decode_fast(_FastAttribute, der)  # messageDigest, the attribute that differs per SOD
    if fast is not None and fast.type.dotted_string == ID_MESSAGE_DIGEST:
        return ID_MESSAGE_DIGEST, tuple(fast.values.as_list())
    attr = cms.CMSAttribute.load(der)
    oid = attr["type"].dotted
    if oid == ID_CONTENT_TYPE:
        return oid, tuple(v.dotted for v in attr["values"])
    if oid == ID_MESSAGE_DIGEST:
        return oid, tuple(bytes(v.native) for v in attr["values"])
    return oid, ()


def parse_signer_info(si: cms.SignerInfo) -> SignerInfoData:
    """The fields of a CMS SignerInfo that verification needs, with the signed bytes kept."""
    kind, issuer_der, serial, ski = _signer_identifier(si["sid"].dump())
    attrs = si["signed_attrs"]
    signed = None
    content_types: list[str] = []
    digests: list[bytes] = []
    signing_time = None
    if not isinstance(attrs, core.Void) and len(attrs):
        # [0] IMPLICIT on the wire; the signature covers the same bytes with the SET tag (RFC 5652 §5.4).
        signed = b"\x31" + attrs.dump()[1:]
        for attr in attrs:
            oid, values = _attribute(attr.dump())
            if oid == ID_CONTENT_TYPE:
                content_types.extend(values)
            elif oid == ID_MESSAGE_DIGEST:
                digests.extend(values)
            elif oid == ID_SIGNING_TIME and signing_time is None:
                signing_time = attr["values"][0].chosen.native  # differs per document: not cached
    alg_der = si["signature_algorithm"].dump()
    return SignerInfoData(
        version=si["version"].native if isinstance(si["version"].native, int) else int(si["version"].native[1:]),
        sid_kind=kind,
        issuer_der=issuer_der,
        serial_number=serial,
        subject_key_identifier=ski,
        digest_algorithm=_algorithm_name(si["digest_algorithm"].dump()),
        signed_attrs=signed,
        content_types=tuple(content_types),
        message_digests=tuple(digests),
        signing_time=signing_time,
        signature_algorithm_der=alg_der,
        signature_algorithm_oid=_algorithm_oid(alg_der),
        signature=si["signature"].native,
    )


def signed_data_parts(ci_bytes: bytes) -> tuple[str, bytes, cms.SignedData]:
    """(eContentType, eContent exactly as signed, SignedData) of a CMS ContentInfo (RFC 5652 §5.1-5.2).

    The structural part shared by EF.SOD and EF.CardSecurity (Doc 9303-11 §9.2.12); ParseError when the
    ContentInfo is not an attached SignedData with an OCTET STRING eContent.
    """
    ci = cms.ContentInfo.load(ci_bytes, strict=True)
    if ci["content_type"].dotted != ID_SIGNED_DATA:
        raise ParseError(f"ContentInfo type {ci['content_type'].dotted} is not signedData")
    sd = ci["content"]
    if not isinstance(sd, cms.SignedData):
        raise ParseError("ContentInfo content is not SignedData")
    eci = sd["encap_content_info"]
    econtent_type = eci["content_type"].dotted
    content = eci["content"]
    if isinstance(content, core.Void) or content.contents is None:
        raise ParseError("SignedData has no eContent (detached signature)")
    econtent = content.native
    if not isinstance(econtent, bytes):
        raise ParseError(f"eContent of type {econtent_type} is not an OCTET STRING")
    return econtent_type, econtent, sd


def signed_data_fields(sd: cms.SignedData) -> dict[str, object]:
    """The SignedData fields Passive Authentication judges: version, digest algorithms, certificates, SignerInfos."""
    certs = _certificates(sd["certificates"])
    infos = tuple(parse_signer_info(si) for si in sd["signer_infos"])
    if not infos:
        raise ParseError("SignedData has no SignerInfo")
    sd_version = sd["version"].native
    return {
        "signed_data_version": int(sd_version[1:]) if isinstance(sd_version, str) else int(sd_version),
        "digest_algorithms": _digest_algorithm_names(sd["digest_algorithms"].dump()),
        "certificate_ders": certs,
        "signer_infos": infos,
    }


class SignedDataView:
    """What EF.SOD and EF.CardSecurity share: a CMS SignedData around their content, raw bytes kept.

    A mixin for frozen dataclasses with the fields ``raw``, ``certificate_ders`` and ``signer_infos``.
    """

    __slots__ = ()

    @property
    def signer_info(self) -> SignerInfoData:
        """The (first) SignerInfo; 9303 allows exactly one, which PA checks."""
        return self.signer_infos[0]  # type: ignore[attr-defined, no-any-return]

    @property
    def certificates(self) -> tuple[Certificate, ...]:
        """The certificates carried in SignedData.certificates, read as written (``cardkit.certificates``)."""
        return tuple(_load_certificate(d) for d in self.certificate_ders)  # type: ignore[attr-defined]

    def to_bytes(self) -> bytes:
        """The bytes this object was parsed from (or built as)."""
        return self.raw  # type: ignore[attr-defined, no-any-return]


@dataclass(frozen=True, slots=True)
class Sod(SignedDataView):
    """EF.SOD parsed (9303-10 §4.6.2): LDSSecurityObject inside CMS SignedData, raw bytes kept."""

    raw: bytes = field(repr=False)
    econtent_type: str  # dotted OID of eContentType
    econtent: bytes = field(repr=False)  # the LDSSecurityObject DER, exactly as signed
    version: int  # LDSSecurityObject version (0 or 1)
    hash_algorithm: str  # "sha256" ...
    dg_hashes: dict[int, bytes] = field(repr=False)
    lds_version: str | None
    unicode_version: str | None
    signed_data_version: int
    digest_algorithms: tuple[str, ...]
    certificate_ders: tuple[bytes, ...] = field(repr=False)
    signer_infos: tuple[SignerInfoData, ...] = field(repr=False)

    @classmethod
    def from_bytes(cls, data: bytes, *, source: str | None = None) -> Sod:
        """Parse EF.SOD (tag 77, or a bare ContentInfo); raise ParseError naming what is wrong."""
        try:
            return cls._parse(bytes(data))
        except ParseError as e:
            raise e.within(what="EF.SOD", source=source)
        except RecursionError:
            raise ParseError("nesting too deep", what="EF.SOD", source=source) from None
        except (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError) as e:
            # asn1crypto and cryptography raise these for malformed DER; say where, not a traceback.
            raise ParseError(f"malformed CMS structure: {e}", what="EF.SOD", source=source) from None

    @classmethod
    def _parse(cls, data: bytes) -> Sod:
        if len(data) > MAX_SOD_SIZE:
            raise ParseError(f"{len(data)} bytes, more than the {MAX_SOD_SIZE} allowed", offset=0)
        if not data:
            raise ParseError("empty", offset=0)
        if data[0] == 0x77:
            ci_bytes = bytes(tlv.decode(data).value)  # the outer 77 TLV, strictly (no trailing bytes)
        elif data[0] == 0x30:
            ci_bytes = data
        else:
            raise ParseError(f"starts with tag {data[0]:02X}, expected 77 (EF.SOD) or 30 (ContentInfo)", offset=0)
        econtent_type, econtent, sd = signed_data_parts(ci_bytes)
        try:
            version, hash_alg, entries, lds_version, unicode_version = _decode_lds_security_object(econtent)
            hashes: dict[int, bytes] = {}
            for n, value in entries:
                if not 1 <= n <= 16:
                    raise ParseError(f"data group number {n} outside 1..16")
                if n in hashes:
                    raise ParseError(f"data group {n} hashed twice")
                if len(hashes) >= _MAX_DG_HASHES:
                    raise ParseError("more than 16 data group hashes")
                hashes[n] = value
        except ParseError as e:
            raise e.within(what=f"LDSSecurityObject (eContentType {econtent_type})")
        except (ValueError, TypeError, KeyError) as e:
            raise ParseError(f"eContent ({econtent_type}) is not an LDSSecurityObject: {e}") from None
        if not isinstance(version, int) or version not in (0, 1):
            raise ParseError(f"LDSSecurityObject version {version}, expected 0 or 1")
        if version == 1 and lds_version is None:
            raise ParseError("LDSSecurityObject v1 without ldsVersionInfo")
        return cls(
            raw=data,
            econtent_type=econtent_type,
            econtent=econtent,
            version=version,
            hash_algorithm=hash_alg,
            dg_hashes=hashes,
            lds_version=lds_version,
            unicode_version=unicode_version,
            **signed_data_fields(sd),
        )
