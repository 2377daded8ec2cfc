"""EF.SOD: the Document Security Object (Doc 9303-10 §4.6.2, 9303-12 §4.2 / App. B).

EF.SOD is tag 77 around a CMS ContentInfo(SignedData) whose eContent is an
LDSSecurityObject (v0, or v1 with ldsVersionInfo). The object identifiers are those of
``cardkit.algorithms`` (``IcaoOid`` for the ICAO ones); this module teaches asn1crypto their names.

Rules: parsing is bounded (size), keeps the exact bytes (``raw``, ``econtent``,
``signed_attrs``: the hash and the signature are checked over those, never over a
re-encoding), and raises only ``ParseError``. The parser judges structure only; whether
the content type, the attributes and the signature are right is Passive Authentication's
job (``cardkit.pki.passive``), so that each fault becomes a specific finding there.
The CMS shell is ``cardkit.lds.signed_data``'s (shared with EF.CardSecurity).

Speed (a bulk audit parses thousands of SODs): the CMS shell and the LDSSecurityObject are
first offered to cryptography's strict DER decoder, several times faster; whatever it refuses
is read by asn1crypto exactly as before.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from asn1crypto import algos, cms, core
from cryptography import x509

from .. import _der, tlv
from ..algorithms import ID_DATA, IcaoOid
from ..errors import ParseError
from .signed_data import (SignedDataView, SignerInfoData, _algorithm_name, parse_signer_info, signed_data,
                          signed_data_fields, signed_data_parts)

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
    fast = _der.decode(_FastLdsSecurityObject, der)
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


# The same LDSSecurityObject, declared for cryptography's DER decoder (``cardkit._der``).
if _der.rust_asn1 is not None:
    _asn1 = _der.rust_asn1

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
else:  # pragma: no cover - a cryptography without the API
    _FastLdsSecurityObject = None  # type: ignore[assignment,misc]


@functools.lru_cache(maxsize=64)
def _digest_name(dotted: str) -> str:
    """asn1crypto's name for a digest algorithm OID ("sha256"), or the dotted OID when it has none."""
    return algos.DigestAlgorithmId(dotted).native


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
        econtent_type, econtent, fields = signed_data(ci_bytes)
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
            **fields(),  # type: ignore[arg-type]
        )
