"""Build and sign EF.SOD (9303-10 §4.6.2, 9303-12 App. B; RFC 5652).

LDSSecurityObject v0, or v1 with ldsVersionInfo, over the data groups given (each hashed
as its complete file: tag, length, value). CMS SignedData version 3, one SignerInfo with the
signed attributes contentType and messageDigest, the DS certificate included, the signer named
by issuer and serial number (SignerInfo v1) or by subject key identifier (v3). The output is
tag 77 around the ContentInfo, as EF.SOD is stored on the chip. EF.CardSecurity is the same SignedData over
SecurityInfos (eContentType id-SecurityObject), stored without an outer tag. A CSCA Master List
(9303-12 §8) is SignedData over CscaMasterList, signed by a Master List signer: built here too, so
the modules that parse and verify these objects never load the signing side.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from asn1crypto import cms, core
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from ..algorithms import HASHES, ID_SECURITY_OBJECT, IcaoOid
from ..errors import InputError, VerificationError
from ..lds.security_infos import SecurityInfo, encode_infos
from ..lds.sod import LdsSecurityObject
from ..tlv import encode
from .asn1 import CscaMasterList
from .signers import Signer, signer_algorithm_identifier, signer_hash

__all__ = ["build_sod", "build_lds_security_object", "build_signed_data", "build_card_security", "build_master_list"]


def build_lds_security_object(
    data_groups: dict[int, bytes],
    *,
    hash_algorithm: str = "sha256",
    version: int = 0,
    lds_version: str | None = None,
    unicode_version: str | None = None,
) -> bytes:
    """DER LDSSecurityObject over ``data_groups`` (DG number -> complete file bytes)."""
    h = hash_algorithm.lower()
    if h not in HASHES:
        raise InputError(f"unsupported SOD hash algorithm {hash_algorithm!r}; use sha256, sha384 or sha512")
    if version not in (0, 1):
        raise InputError(f"LDSSecurityObject version {version}: only 0 and 1 exist")
    if not data_groups:
        raise InputError("an EF.SOD needs at least one data group")
    for n in data_groups:
        if not 1 <= n <= 16:
            raise InputError(f"data group number {n} outside 1..16")
    value = {
        "version": version,
        "hash_algorithm": {"algorithm": h},
        "data_group_hash_values": [
            {"data_group_number": n, "data_group_hash_value": hashlib.new(h, data_groups[n]).digest()}
            for n in sorted(data_groups)
        ],
    }
    if version == 1:
        value["lds_version_info"] = {"lds_version": lds_version or "0108", "unicode_version": unicode_version or "040000"}
    elif lds_version or unicode_version:
        raise InputError("ldsVersionInfo exists only in LDSSecurityObject version 1")
    return LdsSecurityObject(value).dump()


def build_sod(
    data_groups: dict[int, bytes],
    signer: Signer,
    *,
    hash_algorithm: str = "sha256",
    version: int = 0,
    lds_version: str | None = None,
    unicode_version: str | None = None,
    signer_id: str = "issuer_serial",
    econtent_type: str = IcaoOid.LDS_SECURITY_OBJECT,
    signing_time: dt.datetime | None = None,
) -> bytes:
    """EF.SOD bytes (tag 77) over ``data_groups``, signed by ``signer``.

    Args:
        data_groups: DG number -> the complete DG file (tag, length, value) as written to the chip.
        signer: the Document Signer; its certificate is embedded.
        hash_algorithm: hash of the data groups ("sha256", "sha384", "sha512"; "sha1" only when asked).
        version: LDSSecurityObject version 0, or 1 with ldsVersionInfo.
        signer_id: "issuer_serial" (SignerInfo v1) or "ski" (v3, subjectKeyIdentifier).
        econtent_type: the eContentType OID (tests use it to make a wrong one).
        signing_time: add a signingTime signed attribute (optional in 9303).
    Raises:
        InputError: unknown hash, version, signer id, or a signer without certificate.
    """
    if signer.certificate is None:
        raise InputError("the signer has no Document Signer certificate")
    econtent = build_lds_security_object(
        data_groups, hash_algorithm=hash_algorithm, version=version, lds_version=lds_version,
        unicode_version=unicode_version,
    )
    content_info = build_signed_data(econtent, signer, econtent_type=econtent_type, signer_id=signer_id,
                                     signing_time=signing_time)
    return encode(0x77, content_info)


def build_signed_data(
    econtent: bytes,
    signer: Signer,
    *,
    econtent_type: str,
    signer_id: str = "issuer_serial",
    signing_time: dt.datetime | None = None,
) -> bytes:
    """DER ContentInfo(SignedData v3) over ``econtent``, signed as 9303-12 App. B asks (shared by EF.SOD and EF.CardSecurity).

    Raises:
        InputError: unknown signer id, or a signer without certificate.
    """
    cert = signer.certificate
    if cert is None:
        raise InputError("the signer has no Document Signer certificate")
    digest_name = signer_hash(signer)
    asn1_cert = asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
    if signer_id == "issuer_serial":
        sid = cms.SignerIdentifier(
            "issuer_and_serial_number",
            {"issuer": asn1_cert.issuer, "serial_number": asn1_cert.serial_number},
        )
        si_version = "v1"
    elif signer_id == "ski":
        try:
            ski = cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
        except x509.ExtensionNotFound:
            raise InputError("signer_id 'ski' needs a DS certificate with a subjectKeyIdentifier") from None
        sid = cms.SignerIdentifier("subject_key_identifier", ski)
        si_version = "v3"
    else:
        raise InputError(f"signer_id {signer_id!r}: use 'issuer_serial' or 'ski'")
    attrs = [
        {"type": "content_type", "values": [cms.ContentType(econtent_type)]},
        {"type": "message_digest", "values": [hashlib.new(digest_name, econtent).digest()]},
    ]
    if signing_time is not None:
        attrs.append({"type": "signing_time", "values": [cms.Time({"utc_time": signing_time.astimezone(dt.timezone.utc)})]})
    signed_attrs = cms.CMSAttributes(attrs)
    # The signature covers the DER SET OF (tag 31), not the [0] IMPLICIT form (RFC 5652 §5.4).
    signature = signer.sign(signed_attrs.dump())
    signer_info = cms.SignerInfo(
        {
            "version": si_version,
            "sid": sid,
            "digest_algorithm": {"algorithm": digest_name},
            "signed_attrs": signed_attrs,
            "signature_algorithm": signer_algorithm_identifier(signer),
            "signature": signature,
        }
    )
    signed_data = cms.SignedData(
        {
            "version": "v3",
            "digest_algorithms": [{"algorithm": digest_name}],
            "encap_content_info": {
                "content_type": econtent_type,
                "content": core.ParsableOctetString(econtent),
            },
            "certificates": [asn1_cert],
            "signer_infos": [signer_info],
        }
    )
    return cms.ContentInfo({"content_type": "signed_data", "content": signed_data}).dump()


def build_card_security(infos: list[SecurityInfo] | tuple[SecurityInfo, ...], signer: Signer, *,
                        signer_id: str = "issuer_serial", econtent_type: str = ID_SECURITY_OBJECT) -> bytes:
    """EF.CardSecurity bytes (Doc 9303-11 §9.2.12): SecurityInfos signed by the Document Signer, no outer tag.

    Args:
        infos: the SecurityInfos (PACEInfos, ChipAuthenticationPublicKeyInfo for PACE-CAM ...).
        signer: the Document Signer; its certificate is embedded.
        econtent_type: id-SecurityObject (tests use another to make a wrong one).
    Raises:
        InputError: no infos, an info that cannot be encoded, or a signer without certificate.
    """
    if not infos:
        raise InputError("EF.CardSecurity needs at least one SecurityInfo")
    return build_signed_data(encode_infos(tuple(infos)), signer, econtent_type=econtent_type, signer_id=signer_id)


def build_master_list(cscas: list[x509.Certificate], signer: Signer, *,
                      extra_certificates: list[x509.Certificate] = ()) -> bytes:
    """DER ContentInfo(SignedData) over CscaMasterList v0 with ``cscas``, signed by the ML signer."""
    if signer.certificate is None:
        raise VerificationError("the Master List signer has no certificate")

    def a(cert: x509.Certificate) -> asn1_x509.Certificate:
        return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))

    econtent = CscaMasterList({"version": 0, "cert_list": [a(c) for c in cscas]}).dump()
    h = signer_hash(signer)
    ml_cert = a(signer.certificate)
    attrs = cms.CMSAttributes(
        [
            {"type": "content_type", "values": [cms.ContentType(IcaoOid.CSCA_MASTER_LIST)]},
            {"type": "message_digest", "values": [hashlib.new(h, econtent).digest()]},
        ]
    )
    si = cms.SignerInfo(
        {
            "version": "v1",
            "sid": cms.SignerIdentifier(
                "issuer_and_serial_number", {"issuer": ml_cert.issuer, "serial_number": ml_cert.serial_number}
            ),
            "digest_algorithm": {"algorithm": h},
            "signed_attrs": attrs,
            "signature_algorithm": signer_algorithm_identifier(signer),
            "signature": signer.sign(attrs.dump()),
        }
    )
    sd = cms.SignedData(
        {
            "version": "v3",
            "digest_algorithms": [{"algorithm": h}],
            "encap_content_info": {"content_type": IcaoOid.CSCA_MASTER_LIST, "content": core.ParsableOctetString(econtent)},
            "certificates": [ml_cert] + [a(c) for c in extra_certificates],
            "signer_infos": [si],
        }
    )
    return cms.ContentInfo({"content_type": "signed_data", "content": sd}).dump()
