"""The ASN.1 shapes of SecurityInfo (Doc 9303-11 §9.2, BSI TR-03110-3 A.1), declared twice.

asn1crypto's declarations read every info strictly and word every error; the same structures for
cryptography's strict DER decoder (``cardkit._der``) are the fast path of ``decode_infos``, about ten
times faster. ``cardkit.lds.security_infos`` builds its info values from either.
"""

from __future__ import annotations

from typing import Any

from asn1crypto import core
from cryptography import x509

from .. import _der
from ..errors import ParseError

MAX_INT_BITS = 64  # an integer field wider than this is refused (version, parameterId, keyId)

class AlgorithmIdentifier(core.Sequence):
    _fields = [("algorithm", core.ObjectIdentifier), ("parameters", core.Any, {"optional": True})]


class AnyInfo(core.Sequence):
    _fields = [("protocol", core.ObjectIdentifier), ("required", core.Any),
               ("optional", core.Any, {"optional": True})]


class PtInfo(core.Sequence):
    """PrivilegedTerminalInfo ::= SEQUENCE { protocol id-PT, privilegedTerminalInfos SecurityInfos }."""

    _fields = [("protocol", core.ObjectIdentifier), ("infos", core.Any)]


class PaceInfo(core.Sequence):
    _fields = [("protocol", core.ObjectIdentifier), ("version", core.Integer),
               ("parameter_id", core.Integer, {"optional": True})]


class PaceDomainParameterInfo(core.Sequence):
    _fields = [("protocol", core.ObjectIdentifier), ("domain_parameter", AlgorithmIdentifier),
               ("parameter_id", core.Integer, {"optional": True})]


class CaInfo(core.Sequence):
    _fields = [("protocol", core.ObjectIdentifier), ("version", core.Integer),
               ("key_id", core.Integer, {"optional": True})]


class CaPublicKeyInfo(core.Sequence):
    _fields = [("protocol", core.ObjectIdentifier), ("public_key", core.Any),
               ("key_id", core.Integer, {"optional": True})]


class FileId(core.Sequence):
    _fields = [("fid", core.OctetString), ("sfid", core.OctetString, {"optional": True})]


class TaInfo(core.Sequence):
    _fields = [("protocol", core.ObjectIdentifier), ("version", core.Integer),
               ("ef_cvca", FileId, {"optional": True})]


class AaInfo(core.Sequence):
    _fields = [("protocol", core.ObjectIdentifier), ("version", core.Integer),
               ("signature_algorithm", core.ObjectIdentifier)]


class Infos(core.SetOf):
    _child_spec = core.Any


def load(spec: type[core.Sequence], der: bytes, what: str) -> dict[str, Any]:
    """Load ``der`` as ``spec`` strictly: every field decoded, no extra element, integers bounded."""
    obj = spec.load(der, strict=True)
    native = obj.native  # forces the lazy parse of every field
    if len(obj.children) > len(spec._fields) or set(native) - {f[0] for f in spec._fields}:
        raise ParseError("unexpected extra element", what=what)
    for k, v in native.items():
        if isinstance(v, int) and not isinstance(v, bool) and v.bit_length() > MAX_INT_BITS:
            raise ParseError(f"{k} out of range", what=what)
    return native  # type: ignore[no-any-return]


# The same structures for cryptography's strict DER decoder (``cardkit._der``), the fast path of
# ``decode_infos``: an info is first read as its protocol and one or two TLVs, then as the kind its
# protocol names. Whatever the fast path refuses is read by the asn1crypto asn1crypto declarations above.
if _der.rust_asn1 is not None:
    _rust = _der.rust_asn1

    @_rust.sequence
    class RInfo2:
        protocol: x509.ObjectIdentifier
        required: _rust.TLV

    @_rust.sequence
    class RInfo3:
        protocol: x509.ObjectIdentifier
        required: _rust.TLV
        optional: _rust.TLV

    @_rust.sequence
    class RNumberedInfo:  # PACEInfo, ChipAuthenticationInfo: version, then parameterId / keyId
        protocol: x509.ObjectIdentifier
        version: int
        number: int | None = None

    @_rust.sequence
    class RKeyInfo:  # PACEDomainParameterInfo, ChipAuthenticationPublicKeyInfo: a DER element, then an id
        protocol: x509.ObjectIdentifier
        element: _rust.TLV
        number: int | None = None

    @_rust.sequence
    class RTaInfo:  # TerminalAuthenticationInfo with efCVCA (without it: a RNumberedInfo)
        protocol: x509.ObjectIdentifier
        version: int
        ef_cvca: _rust.TLV

    @_rust.sequence
    class RFileId:
        fid: bytes
        sfid: bytes | None = None

    @_rust.sequence
    class RAaInfo:
        protocol: x509.ObjectIdentifier
        version: int
        signature_algorithm: x509.ObjectIdentifier
else:  # pragma: no cover - a cryptography without the API
    RInfo2 = RInfo3 = RNumberedInfo = RKeyInfo = RTaInfo = RFileId = RAaInfo = None  # type: ignore[assignment,misc]


def small(*values: int | None) -> bool:
    """True when every integer fits the bound the asn1crypto path enforces (``MAX_INT_BITS``)."""
    return all(v is None or v.bit_length() <= MAX_INT_BITS for v in values)
