"""CMS SignedData as EF.SOD and EF.CardSecurity carry it (RFC 5652 §5; Doc 9303-10 §4.6.2, 9303-11 §9.2.12).

One parser for the CMS shell of both files: the eContent exactly as signed, the certificates carried,
the one SignerInfo with the exact bytes its signature covers (``signed_attrs``), and the fields Passive
Authentication judges. The parser judges structure only; whether the content type, the attributes and
the signature are right is Passive Authentication's job (``cardkit.pki.passive``).

Speed (a bulk audit parses thousands of SODs): ``signed_data`` first reads the shell with
cryptography's strict DER decoder (``cardkit._der``), about ten times faster than asn1crypto;
whatever it refuses (BER, an unsorted SET OF, several certificates out of DER order, an unusual
choice) is read by asn1crypto exactly as before, so every error keeps its words. Parts that repeat
in every SOD of one Document Signer (signer identifier, algorithms, certificates) are decoded once
per distinct encoding: the caches are keyed by the exact bytes.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated

from asn1crypto import algos, cms, core
from cryptography import x509

from .. import _der
from ..algorithms import ID_CONTENT_TYPE, ID_MESSAGE_DIGEST, ID_SIGNED_DATA, ID_SIGNING_TIME
from ..certificates import Certificate, load_certificate
from ..errors import ParseError

__all__ = ["SignerInfoData", "SignedDataView", "parse_signer_info", "signed_data", "signed_data_parts",
           "signed_data_fields"]

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
    return _certificate_set(key, [c.chosen.dump() for c in field_value if c.name == "certificate"])


def _certificate_set(key: bytes, ders: list[bytes]) -> tuple[bytes, ...]:
    """The certificates' DERs, each loaded once (a bad one raises), remembered under the field's content ``key``."""
    hit = _CERT_SETS.get(key)
    if hit is not None:
        return hit
    for der in ders:
        _load_certificate(der)
    if len(_CERT_SETS) >= 256:
        _CERT_SETS.clear()  # bounded: a fresh start is cheaper than an LRU here
    _CERT_SETS[key] = found = tuple(ders)
    return found


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
    fast = _der.decode(_FastAttribute, der)  # messageDigest, the attribute that differs per SOD
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


# --- the fast path: the same shell declared for cryptography's DER decoder --------------------------
# CHOICEs and ANYs the decoder cannot declare (SignerIdentifier, AlgorithmIdentifier parameters, the
# certificate choices) are kept as TLVs and read by the caches above, which asn1crypto fills once
# per distinct encoding.
if _der.rust_asn1 is not None:
    _asn1 = _der.rust_asn1

    @_asn1.sequence
    class _FastAttribute:  # an Attribute whose values are OCTET STRINGs (messageDigest)
        type: x509.ObjectIdentifier
        values: _asn1.SetOf[bytes]

    @_asn1.sequence
    class _FastSignerInfo:
        version: int
        sid: _asn1.TLV
        digest_algorithm: _asn1.TLV
        signed_attrs: Annotated[_asn1.SetOf[_asn1.TLV] | None, _asn1.Implicit(0)] = None
        signature_algorithm: _asn1.TLV
        signature: bytes
        unsigned_attrs: Annotated[_asn1.SetOf[_asn1.TLV] | None, _asn1.Implicit(1)] = None

    @_asn1.sequence
    class _FastEncapsulatedContentInfo:
        econtent_type: x509.ObjectIdentifier
        econtent: Annotated[bytes | None, _asn1.Explicit(0)] = None

    @_asn1.sequence
    class _FastSignedData:
        version: int
        digest_algorithms: _asn1.TLV
        encap_content_info: _FastEncapsulatedContentInfo
        certificates: Annotated[_asn1.SetOf[_asn1.TLV] | None, _asn1.Implicit(0)] = None
        crls: Annotated[_asn1.SetOf[_asn1.TLV] | None, _asn1.Implicit(1)] = None
        signer_infos: _asn1.SetOf[_FastSignerInfo]

    @_asn1.sequence
    class _FastContentInfo:
        content_type: x509.ObjectIdentifier
        content: Annotated[_FastSignedData, _asn1.Explicit(0)]
else:  # pragma: no cover - a cryptography without the API
    _FastAttribute = _FastContentInfo = None  # type: ignore[assignment,misc]

_CERTIFICATE_TAG = b"\x30"  # CertificateChoices: the certificate alternative is a plain SEQUENCE (RFC 5652 §10.2.2)


def _fast_signer_info(si: object) -> SignerInfoData:
    """``parse_signer_info`` over a SignerInfo decoded by cryptography (same values, same caches)."""
    kind, issuer_der, serial, ski = _signer_identifier(_der.full_der(si.sid))
    attrs = si.signed_attrs.as_list() if si.signed_attrs is not None else []
    signed = None
    content_types: list[str] = []
    digests: list[bytes] = []
    signing_time = None
    if attrs:
        ders = [_der.full_der(a) for a in attrs]
        body = b"".join(ders)
        signed = b"\x31" + _der.der_length(len(body)) + body  # the SET the signature covers (RFC 5652 §5.4)
        for der in ders:
            oid, values = _attribute(der)
            if oid == ID_CONTENT_TYPE:
                content_types.extend(values)  # type: ignore[arg-type]
            elif oid == ID_MESSAGE_DIGEST:
                digests.extend(values)  # type: ignore[arg-type]
            elif oid == ID_SIGNING_TIME and signing_time is None:
                signing_time = cms.CMSAttribute.load(der)["values"][0].chosen.native
    alg_der = _der.full_der(si.signature_algorithm)
    return SignerInfoData(
        version=si.version, sid_kind=kind, issuer_der=issuer_der, serial_number=serial, subject_key_identifier=ski,
        digest_algorithm=_algorithm_name(_der.full_der(si.digest_algorithm)), signed_attrs=signed,
        content_types=tuple(content_types), message_digests=tuple(digests), signing_time=signing_time,
        signature_algorithm_der=alg_der, signature_algorithm_oid=_algorithm_oid(alg_der), signature=si.signature)


def _fast_signed_data(ci_bytes: bytes) -> tuple[str, bytes, dict[str, object]] | None:
    """``signed_data``'s answer by cryptography's decoder; None for anything the asn1crypto path must read."""
    ci = _der.decode(_FastContentInfo, ci_bytes)
    if ci is None or ci.content_type.dotted_string != ID_SIGNED_DATA:
        return None
    sd = ci.content
    eci = sd.encap_content_info
    if eci.econtent is None:
        return None
    try:
        infos = tuple(_fast_signer_info(si) for si in sd.signer_infos.as_list())
        if not infos:
            return None
        carried = sd.certificates.as_list() if sd.certificates is not None else []
        if any(c.tag_bytes != _CERTIFICATE_TAG for c in carried):
            return None  # another CertificateChoices alternative: asn1crypto reads (or refuses) it
        ders = [_der.full_der(c) for c in carried]
        certs = _certificate_set(b"".join(ders), ders)
        algorithms = _digest_algorithm_names(_der.full_der(sd.digest_algorithms))
    except Exception:  # noqa: BLE001  a part asn1crypto refuses: its path reads the whole file and says why
        return None
    return eci.econtent_type.dotted_string, eci.econtent, {
        "signed_data_version": sd.version, "digest_algorithms": algorithms, "certificate_ders": certs,
        "signer_infos": infos}


def signed_data(ci_bytes: bytes) -> tuple[str, bytes, Callable[[], dict[str, object]]]:
    """(eContentType, eContent exactly as signed, the SignedData fields) of a CMS ContentInfo (RFC 5652 §5.1-5.2).

    The fields (those of ``signed_data_fields``) come from a call, so that a caller checks its eContent
    before a fault in them is raised, in the order the asn1crypto path has always raised them.

    Raises:
        ParseError: the ContentInfo is not an attached SignedData with an OCTET STRING eContent.
    """
    fast = _fast_signed_data(ci_bytes)
    if fast is not None:
        econtent_type, econtent, fields = fast
        return econtent_type, econtent, lambda: fields
    econtent_type, econtent, sd = signed_data_parts(ci_bytes)
    return econtent_type, econtent, lambda: signed_data_fields(sd)

