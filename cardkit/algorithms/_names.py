"""Names of the OIDs cardkit knows, for display and messages (the names TR-03110, Doc 9303 and the RFCs use)."""

from __future__ import annotations

from ._domain import DOMAIN_PARAMETERS
from ._eac import (
    ID_AT,
    ID_DESCRIPTION,
    ID_EXTENSIONS,
    ID_IS,
    ID_ROLES,
    ID_SECTOR,
    ID_ST,
    TA_ALGORITHMS,
)
from ._oids import (
    HASH_OIDS,
    ID_CA,
    ID_CI,
    ID_CONTENT_TYPE,
    ID_DATA,
    ID_DH_KEY_AGREEMENT,
    ID_DH_PUBLIC_NUMBER,
    ID_EC_PUBLIC_KEY,
    ID_EID_SECURITY,
    ID_MESSAGE_DIGEST,
    ID_MGF1,
    ID_PACE,
    ID_PK,
    ID_PRIME_FIELD,
    ID_PRIVATE_KEY_USAGE_PERIOD,
    ID_PT,
    ID_RI,
    ID_SECURITY_OBJECT,
    ID_SIGNED_DATA,
    ID_SIGNING_TIME,
    ID_STANDARDIZED_DOMAIN_PARAMETERS,
    ID_TA,
    ID_UTF8,
    SIGNATURE_ALGORITHMS,
    IcaoOid,
)
from ._protocols import (
    _PACE_ARCS,
    Cipher,
    KeyAgreement,
    ca_protocol_name,
    pace_protocol_name,
)

_NAMES: dict[str, str] = {
    ID_PK: "id-PK", ID_TA: "id-TA", ID_CA: "id-CA", ID_PACE: "id-PACE", ID_RI: "id-RI", ID_CI: "id-CI",
    ID_EID_SECURITY: "id-eIDSecurity", ID_PT: "id-PT", ID_SECURITY_OBJECT: "id-SecurityObject",
    ID_STANDARDIZED_DOMAIN_PARAMETERS: "standardizedDomainParameters",
    f"{ID_PK}.1": "id-PK-DH", f"{ID_PK}.2": "id-PK-ECDH", f"{ID_CA}.1": "id-CA-DH", f"{ID_CA}.2": "id-CA-ECDH",
    IcaoOid.LDS_SECURITY_OBJECT: "id-icao-mrtd-security-ldsSecurityObject",
    IcaoOid.LDS_SECURITY_OBJECT_LEGACY: "ldsSecurityObject (legacy 1.3.27.1.1.1)",
    IcaoOid.LDS_SECURITY_OBJECT_NL: "ldsSecurityObject (early Dutch passports)",
    IcaoOid.CSCA_MASTER_LIST: "id-icao-cscaMasterList",
    IcaoOid.CSCA_MASTER_LIST_SIGNING_KEY: "id-icao-cscaMasterListSigningKey",
    IcaoOid.AA_PROTOCOL: "id-icao-mrtd-security-aaProtocolObject",
    IcaoOid.NAME_CHANGE: "id-icao-mrtd-security-extensions-nameChange",
    IcaoOid.DOCUMENT_TYPE_LIST: "id-icao-mrtd-security-extensions-documentTypeList",
    IcaoOid.DEVIATION_LIST: "id-icao-DeviationList",
    IcaoOid.DEVIATION_LIST_SIGNING_KEY: "id-icao-DeviationListSigningKey",
    ID_UTF8: "utf8String (ISO/IEC 10646)", ID_DATA: "id-data", ID_SIGNED_DATA: "id-signedData",
    ID_CONTENT_TYPE: "id-contentType", ID_MESSAGE_DIGEST: "id-messageDigest", ID_SIGNING_TIME: "id-signingTime",
    ID_EC_PUBLIC_KEY: "id-ecPublicKey", ID_PRIME_FIELD: "prime-field", ID_MGF1: "id-mgf1",
    ID_DH_PUBLIC_NUMBER: "dhpublicnumber", ID_DH_KEY_AGREEMENT: "dhKeyAgreement",
    ID_PRIVATE_KEY_USAGE_PERIOD: "id-ce-privateKeyUsagePeriod",
    **{oid: f"id-{h}" for h, oid in HASH_OIDS.items()},
    **{oid: a.name for oid, a in SIGNATURE_ALGORITHMS.items()},
    **{d.oid: d.name for d in DOMAIN_PARAMETERS.values() if d.oid},
}
for (_ka, _mp), _m in _PACE_ARCS.items():
    _NAMES[f"{ID_PACE}.{_m}"] = f"id-PACE-{_ka}-{_mp}"
    for _c in Cipher:
        _NAMES[f"{ID_PACE}.{_m}.{_c.code}"] = pace_protocol_name(_ka, _mp, _c)
for _ka in KeyAgreement:
    for _c in Cipher:
        _NAMES[f"{ID_CA}.{_ka.code}.{_c.code}"] = ca_protocol_name(_ka, _c)
_NAMES.update({a.oid: a.name for a in TA_ALGORITHMS.values()})
_NAMES.update({ID_ROLES: "id-roles", ID_IS: "id-IS", ID_AT: "id-AT", ID_ST: "id-ST", ID_EXTENSIONS: "id-extensions",
               ID_DESCRIPTION: "id-description", ID_SECTOR: "id-sector"})


def oid_name(oid: str) -> str:
    """The TR-03110 / Doc 9303 / RFC name of an OID, or the dotted OID when cardkit does not know it."""
    return _NAMES.get(oid, oid)



def pace_name(protocol: str, parameter_id: int | None) -> str:
    """A PACEInfo for reports: ``id-PACE-ECDH-GM-AES-CBC-CMAC-128 (brainpoolP256r1)`` (TR-03110-3 A.1.1.1).

    The protocol's name (its OID when unknown), then the standardized domain parameters the
    parameterId names, or ``parameter N`` for an id outside the table of Doc 9303-11 §9.5.1.
    """
    name = oid_name(protocol)
    if parameter_id is None:
        return name
    params = DOMAIN_PARAMETERS.get(parameter_id)
    return f"{name} ({params.name if params is not None else f'parameter {parameter_id}'})"
