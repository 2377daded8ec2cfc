"""Object identifiers and the signature algorithm table (BSI TR-03110-3 A.1.1, A.2; Doc 9303-10 §4.6.2,
9303-12 §4.5, §7.1.1; RFC 5652, 5280, 3279, 4055, 5480, 5758; X9.62; TR-03111 §5.2.1)."""

from __future__ import annotations

from dataclasses import dataclass

from asn1crypto import core
from cryptography.hazmat.primitives import hashes

from ..errors import ParseError

BSI_DE = "0.4.0.127.0.7"  # bsi-de (TR-03110-3 A.1.1)
_SMARTCARD = f"{BSI_DE}.2.2"  # bsi-de protocols(2) smartcard(2)
ID_PK, ID_TA, ID_CA, ID_PACE = f"{_SMARTCARD}.1", f"{_SMARTCARD}.2", f"{_SMARTCARD}.3", f"{_SMARTCARD}.4"
ID_RI, ID_CI, ID_EID_SECURITY, ID_PT = f"{_SMARTCARD}.5", f"{_SMARTCARD}.6", f"{_SMARTCARD}.7", f"{_SMARTCARD}.8"
ID_SECURITY_OBJECT = f"{BSI_DE}.3.2.1"  # bsi-de applications(3) eID(2) 1: EF.CardSecurity (TR-03110-3 A.1.2.5)
_ECDSA_PLAIN_ARC = f"{BSI_DE}.1.1.4.1"  # ecdsa-plain-signatures (TR-03111 §5.2.1)
# bsi-de algorithms(1) 2: an AlgorithmIdentifier whose parameters are a standardized domain parameter id
# (TR-03110-3 A.2.1.1), as German and Finnish EF.CardSecurity CA keys are written
ID_STANDARDIZED_DOMAIN_PARAMETERS = f"{BSI_DE}.1.2"

ID_UTF8 = "1.0.10646.1.0.8"  # ISO/IEC 10646 UTF-8 (the VN DG13 names its encoding with it)
ID_DATA, ID_SIGNED_DATA = "1.2.840.113549.1.7.1", "1.2.840.113549.1.7.2"  # RFC 5652 §4, §5
ID_CONTENT_TYPE, ID_MESSAGE_DIGEST, ID_SIGNING_TIME = (
    "1.2.840.113549.1.9.3", "1.2.840.113549.1.9.4", "1.2.840.113549.1.9.5")  # RFC 5652 §11
ID_EC_PUBLIC_KEY, ID_PRIME_FIELD = "1.2.840.10045.2.1", "1.2.840.10045.1.1"  # X9.62 / RFC 5480
ID_RSA_ENCRYPTION, ID_MGF1, ID_RSASSA_PSS = (
    "1.2.840.113549.1.1.1", "1.2.840.113549.1.1.8", "1.2.840.113549.1.1.10")  # RFC 8017, RFC 4055
ID_DH_PUBLIC_NUMBER = "1.2.840.10046.2.1"  # X9.42 dhpublicnumber (RFC 3279 §2.3.3)
ID_DH_KEY_AGREEMENT = "1.2.840.113549.1.3.1"  # PKCS #3 dhKeyAgreement
ID_PRIVATE_KEY_USAGE_PERIOD = "2.5.29.16"  # RFC 3280 §4.2.1.4; 9303-12 §7.1.1 wants it in CSCA and DS certificates


class X509Oid:
    """X.509 certificate extensions and name attributes cardkit reads (RFC 5280 §4.2, §4.1.2.4; RFC 4519)."""

    BASIC_CONSTRAINTS = "2.5.29.19"
    KEY_USAGE = "2.5.29.15"
    SUBJECT_KEY_IDENTIFIER = "2.5.29.14"
    AUTHORITY_KEY_IDENTIFIER = "2.5.29.35"
    EXTENDED_KEY_USAGE = "2.5.29.37"
    SUBJECT_ALT_NAME = "2.5.29.17"
    ISSUER_ALT_NAME = "2.5.29.18"
    CERTIFICATE_POLICIES = "2.5.29.32"
    CRL_DISTRIBUTION_POINTS = "2.5.29.31"
    FRESHEST_CRL = "2.5.29.46"
    AUTHORITY_INFO_ACCESS = "1.3.6.1.5.5.7.1.1"
    PRIVATE_KEY_USAGE_PERIOD = ID_PRIVATE_KEY_USAGE_PERIOD
    COMMON_NAME = "2.5.4.3"
    LOCALITY = "2.5.4.7"
    STATE = "2.5.4.8"
    ORGANIZATION = "2.5.4.10"
    ORGANIZATIONAL_UNIT = "2.5.4.11"
    COUNTRY = "2.5.4.6"
    STREET = "2.5.4.9"
    DOMAIN_COMPONENT = "0.9.2342.19200300.100.1.25"
    USER_ID = "0.9.2342.19200300.100.1.1"


class IcaoOid:
    """ICAO object identifiers (9303-10 §4.6.2, 9303-11 §9.2.9, 9303-12 §4.5, §7.1.1)."""

    LDS_SECURITY_OBJECT = "2.23.136.1.1.1"  # id-icao-mrtd-security-ldsSecurityObject
    LDS_SECURITY_OBJECT_LEGACY = "1.3.27.1.1.1"  # used by some early issuers; accepted when verifying
    LDS_SECURITY_OBJECT_NL = "1.2.528.1.1006.1.20.1"  # early Dutch passports' own LDSSecurityObject OID
    CSCA_MASTER_LIST = "2.23.136.1.1.2"  # id-icao-cscaMasterList
    CSCA_MASTER_LIST_SIGNING_KEY = "2.23.136.1.1.3"  # EKU of the Master List signer
    AA_PROTOCOL = "2.23.136.1.1.5"  # id-icao-mrtd-security-aaProtocolObject
    NAME_CHANGE = "2.23.136.1.1.6.1"  # id-icao-mrtd-security-extensions-nameChange
    DOCUMENT_TYPE_LIST = "2.23.136.1.1.6.2"  # id-icao-mrtd-security-extensions-documentTypeList
    DEVIATION_LIST = "2.23.136.1.1.7"  # id-icao-DeviationList
    DEVIATION_LIST_SIGNING_KEY = "2.23.136.1.1.8"  # EKU of the Deviation List signer


#: hash name (as cardkit spells it everywhere) -> OID (RFC 3279 §2.2, RFC 5754 §2)
HASH_OIDS: dict[str, str] = {
    "sha1": "1.3.14.3.2.26", "sha224": "2.16.840.1.101.3.4.2.4", "sha256": "2.16.840.1.101.3.4.2.1",
    "sha384": "2.16.840.1.101.3.4.2.2", "sha512": "2.16.840.1.101.3.4.2.3",
}
_HASH_BY_OID = {oid: name for name, oid in HASH_OIDS.items()}
#: hash name -> the ``cryptography`` hash class
HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha1": hashes.SHA1, "sha224": hashes.SHA224, "sha256": hashes.SHA256, "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}


def hash_by_oid(oid: str) -> str | None:
    """The hash name ("sha256") of a digest algorithm OID, or None."""
    return _HASH_BY_OID.get(oid)


@dataclass(frozen=True)
class SignatureAlgorithm:
    """A signature AlgorithmIdentifier OID: its RFC name, scheme and hash (9303-12 §4.4)."""

    oid: str
    name: str  # "sha256WithRSAEncryption", "ecdsa-with-SHA256", "ecdsa-plain-SHA256", "RSASSA-PSS" ...
    scheme: str  # "RSA-PKCS1" | "RSASSA-PSS" | "ECDSA" | "ECDSA-plain" | "RSA" (bare rsaEncryption)
    hash: str | None  # None where the hash comes from elsewhere (PSS parameters, the SignerInfo digest)


_RSA_PKCS1 = {"sha1": "5", "sha224": "14", "sha256": "11", "sha384": "12", "sha512": "13"}  # RFC 8017 A.2.4
_ECDSA_WITH = {"sha1": "1.2.840.10045.4.1", "sha224": "1.2.840.10045.4.3.1", "sha256": "1.2.840.10045.4.3.2",
               "sha384": "1.2.840.10045.4.3.3", "sha512": "1.2.840.10045.4.3.4"}  # RFC 3279, RFC 5758 §3.2
_HASH_ORDER = tuple(HASH_OIDS)  # TR-03111 §5.2.1 numbers ecdsa-plain-SHA1 ... SHA512 in this order

#: every signature algorithm cardkit reads or writes, by OID
SIGNATURE_ALGORITHMS: dict[str, SignatureAlgorithm] = {
    **{f"1.2.840.113549.1.1.{arc}": SignatureAlgorithm(f"1.2.840.113549.1.1.{arc}", f"{h}WithRSAEncryption",
                                                       "RSA-PKCS1", h) for h, arc in _RSA_PKCS1.items()},
    **{oid: SignatureAlgorithm(oid, f"ecdsa-with-{h.upper()}", "ECDSA", h) for h, oid in _ECDSA_WITH.items()},
    **{f"{_ECDSA_PLAIN_ARC}.{i}": SignatureAlgorithm(f"{_ECDSA_PLAIN_ARC}.{i}", f"ecdsa-plain-{h.upper()}",
                                                     "ECDSA-plain", h) for i, h in enumerate(_HASH_ORDER, 1)},
    ID_RSASSA_PSS: SignatureAlgorithm(ID_RSASSA_PSS, "RSASSA-PSS", "RSASSA-PSS", None),
    ID_RSA_ENCRYPTION: SignatureAlgorithm(ID_RSA_ENCRYPTION, "rsaEncryption", "RSA", None),
}



def encode_oid(oid: str) -> bytes:
    """The DER content octets of a dotted OID (no tag, no length), as DO80 and 7F49 carry it (X.690 §8.19).

    Raises:
        ValueError: not a dotted OID.
    """
    return bytes(core.ObjectIdentifier(oid).contents)


def decode_oid(content: bytes, what: str = "OID") -> str:
    """The dotted OID of DER content octets (no tag, no length); ParseError when malformed."""
    content = bytes(content)
    if not content or len(content) > 0xFF or content[-1] & 0x80:
        raise ParseError(f"malformed OID of {len(content)} bytes", what=what)
    # X.690 §8.19.2: each arc in the fewest octets, so none starts with 80
    if any(b == 0x80 and (i == 0 or not content[i - 1] & 0x80) for i, b in enumerate(content)):
        raise ParseError("OID arc not in its shortest form", what=what)
    header = b"\x06" + (bytes([len(content)]) if len(content) < 0x80 else b"\x81" + bytes([len(content)]))
    try:
        return str(core.ObjectIdentifier.load(header + content, strict=True).dotted)
    except (ValueError, TypeError) as e:
        raise ParseError(f"malformed OID ({type(e).__name__})", what=what) from None

