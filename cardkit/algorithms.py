"""The one vocabulary of cardkit: object identifiers, algorithm enums, domain parameters, PACE preference.

Everything the ICAO and BSI documents name lives here once, and every layer reads it from here:
- OIDs with their names (BSI TR-03110-3 A.1.1 and A.2; Doc 9303-10 §4.6.2, 9303-11 §9.2, 9303-12 §4.5
  and §7.1.1; RFC 5652, 5280, 3279, 4055, 5480, 5758; X9.62; TR-03111 §5.2.1) and ``oid_name``;
- ``Cipher``, ``KeyAgreement`` and ``Mapping``: the parts of the PACE and CA protocol OIDs;
- one table of the standardized domain parameters (Doc 9303-11 §9.5.1): id, name, OID, curve or
  MODP group, and the ``cryptography`` curve class where cardkit relies on one;
- ``PaceAlgorithm``, ``CaAlgorithm``, ``AaAlgorithm``: what EF.CardAccess, EF.CardSecurity and DG14
  name, as values; and the one PACE preference policy, ``choose_pace_info``.
This module is part of the codec layer: it imports only ``cardkit.errors`` (and its private helpers)
and third-party libraries. The enums are ``StrEnum``s whose value is the text reports print.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from asn1crypto import core
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from ._curve_constants import CURVE_NUMBERS, MODP_NUMBERS
from ._groups import Curve, DhGroup, Point
from .errors import ParseError, UnsupportedAlgorithmError

__all__ = [
    "Curve", "DhGroup", "Point", "IcaoOid", "oid_name", "encode_oid", "decode_oid",
    "BSI_DE", "ID_PK", "ID_TA", "ID_CA", "ID_PACE", "ID_RI", "ID_CI", "ID_EID_SECURITY", "ID_PT",
    "ID_SECURITY_OBJECT", "ID_STANDARDIZED_DOMAIN_PARAMETERS", "ID_UTF8", "ID_DATA", "ID_SIGNED_DATA",
    "ID_CONTENT_TYPE", "ID_MESSAGE_DIGEST", "ID_SIGNING_TIME", "ID_EC_PUBLIC_KEY", "ID_PRIME_FIELD", "ID_RSA_ENCRYPTION", "ID_RSASSA_PSS", "ID_MGF1",
    "ID_DH_PUBLIC_NUMBER", "ID_DH_KEY_AGREEMENT", "ID_PRIVATE_KEY_USAGE_PERIOD",
    "HASH_OIDS", "HASHES", "hash_by_oid", "SignatureAlgorithm", "SIGNATURE_ALGORITHMS",
    "Cipher", "KeyAgreement", "Mapping", "PaceAlgorithm", "CaAlgorithm", "AaAlgorithm", "key_agreement_of",
    "DomainParameters", "DOMAIN_PARAMETERS", "CURVES", "DH_GROUPS", "domain_parameters", "ec_curve", "dh_group",
    "parameters_by_oid", "parameters_by_name", "match_curve", "match_dh_group", "crypto_curve", "SIGNING_CURVES",
    "PaceOffer", "pace_rank", "choose_pace_info", "PACE_MAPPING_ORDER", "PACE_CIPHER_ORDER",
]

# --- object identifiers ---------------------------------------------------------------------------

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


class IcaoOid:
    """ICAO object identifiers (9303-10 §4.6.2, 9303-11 §9.2.9, 9303-12 §4.5, §7.1.1)."""

    LDS_SECURITY_OBJECT = "2.23.136.1.1.1"  # id-icao-mrtd-security-ldsSecurityObject
    LDS_SECURITY_OBJECT_LEGACY = "1.3.27.1.1.1"  # used by some early issuers; accepted when verifying
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


# --- the protocol parts ---------------------------------------------------------------------------


class Cipher(enum.StrEnum):
    """The ciphers of PACE, CA and secure messaging (Doc 9303-11 §9.7-9.8; TR-03110-3 A.1.1.1)."""

    TDES = "3DES"
    AES_128 = "AES-128"
    AES_192 = "AES-192"
    AES_256 = "AES-256"

    @property
    def code(self) -> int:
        """The last arc of an id-PACE / id-CA protocol OID: 1 3DES, 2 AES-128, 3 AES-192, 4 AES-256."""
        return _CIPHER_FACTS[self][0]

    @property
    def key_length(self) -> int:
        """Key bytes: 16 (two-key 3DES, AES-128), 24, 32."""
        return _CIPHER_FACTS[self][1]

    @property
    def block_size(self) -> int:
        """Block bytes: 8 for 3DES, 16 for AES."""
        return _CIPHER_FACTS[self][2]

    @property
    def kdf_hash(self) -> str:
        """The KDF's hash (Doc 9303-11 §9.7.1): SHA-1 for 3DES and AES-128, SHA-256 above."""
        return _CIPHER_FACTS[self][3]

    @property
    def oid_name(self) -> str:
        """The cipher part of the protocol OID names: "3DES-CBC-CBC", "AES-CBC-CMAC-128" ..."""
        return _CIPHER_FACTS[self][4]

    @classmethod
    def from_code(cls, code: int) -> "Cipher":
        """The cipher of an OID's last arc; ParseError for any other number."""
        for c in cls:
            if c.code == code:
                return c
        raise ParseError(f"unknown cipher code {code}", what="protocol OID")


_CIPHER_FACTS: dict[Cipher, tuple[int, int, int, str, str]] = {
    Cipher.TDES: (1, 16, 8, "sha1", "3DES-CBC-CBC"),
    Cipher.AES_128: (2, 16, 16, "sha1", "AES-CBC-CMAC-128"),
    Cipher.AES_192: (3, 24, 16, "sha256", "AES-CBC-CMAC-192"),
    Cipher.AES_256: (4, 32, 16, "sha256", "AES-CBC-CMAC-256"),
}


class KeyAgreement(enum.StrEnum):
    """Finite-field or elliptic-curve Diffie-Hellman; ``code`` is the id-PK / id-CA arc (TR-03110-3 A.1.1.2)."""

    DH = "DH"
    ECDH = "ECDH"

    @property
    def code(self) -> int:
        return 1 if self is KeyAgreement.DH else 2


class Mapping(enum.StrEnum):
    """The PACE mapping: generic, integrated, or Chip Authentication Mapping (Doc 9303-11 §4.4.3.3)."""

    GM = "GM"
    IM = "IM"
    CAM = "CAM"


#: (key agreement, mapping) -> the arc m of id-PACE.m.c (Doc 9303-11 §9.2.3; TR-03110-3 A.1.1.1)
_PACE_ARCS: dict[tuple[KeyAgreement, Mapping], int] = {
    (KeyAgreement.DH, Mapping.GM): 1, (KeyAgreement.ECDH, Mapping.GM): 2, (KeyAgreement.DH, Mapping.IM): 3,
    (KeyAgreement.ECDH, Mapping.IM): 4, (KeyAgreement.ECDH, Mapping.CAM): 6,
}
_PACE_BY_ARC = {arc: pair for pair, arc in _PACE_ARCS.items()}


def _tail(oid: str, prefix: str) -> tuple[int, ...] | None:
    """The arcs of ``oid`` after ``prefix`` as numbers, or None when it is not under it."""
    if not oid.startswith(prefix + "."):
        return None
    parts = oid[len(prefix) + 1:].split(".")
    if not all(p.isdigit() and (p == "0" or not p.startswith("0")) for p in parts):
        return None
    return tuple(int(p) for p in parts)


@dataclass(frozen=True)
class PaceAlgorithm:
    """id-PACE-{DH,ECDH}-{GM,IM,CAM}-<cipher> as its parts (Doc 9303-11 §9.2.3; TR-03110-3 A.1.1.1)."""

    key_agreement: KeyAgreement
    mapping: Mapping
    cipher: Cipher

    def __post_init__(self) -> None:
        if (self.key_agreement, self.mapping) not in _PACE_ARCS or (
                self.mapping is Mapping.CAM and self.cipher is Cipher.TDES):
            raise ValueError(f"no PACE protocol {self.key_agreement}-{self.mapping}-{self.cipher}")

    @property
    def oid(self) -> str:
        return f"{ID_PACE}.{_PACE_ARCS[(self.key_agreement, self.mapping)]}.{self.cipher.code}"

    @property
    def name(self) -> str:
        return oid_name(self.oid)

    @classmethod
    def from_oid(cls, oid: str) -> "PaceAlgorithm":
        """Raises ParseError for an OID that is not id-PACE-{DH,ECDH}-{GM,IM,CAM}-<cipher>."""
        tail = _tail(oid, ID_PACE)
        if tail is None or len(tail) != 2 or tail[0] not in _PACE_BY_ARC or tail[1] not in range(1, 5) or (
                tail == (6, 1)):
            raise ParseError(f"{oid} is not a PACE protocol OID", what="PACEInfo protocol")
        ka, mapping = _PACE_BY_ARC[tail[0]]
        return cls(ka, mapping, Cipher.from_code(tail[1]))

    def fits(self, params: "DomainParameters") -> bool:
        """True when PACE can run on ``params``: the same key agreement, and for ECDH-IM a curve with
        p = 3 mod 4 (the point encoding of Doc 9303-11 Appendix B needs it; secp224r1 lacks it)."""
        if params.key_agreement is not self.key_agreement:
            return False
        group = params.group
        return not (self.mapping is Mapping.IM and isinstance(group, Curve) and group.p % 4 != 3)


@dataclass(frozen=True)
class CaAlgorithm:
    """id-CA-{DH,ECDH}-<cipher> as its parts (Doc 9303-11 §9.2.5; TR-03110-3 A.1.1.2)."""

    key_agreement: KeyAgreement
    cipher: Cipher

    @property
    def oid(self) -> str:
        return f"{ID_CA}.{self.key_agreement.code}.{self.cipher.code}"

    @property
    def name(self) -> str:
        return oid_name(self.oid)

    @property
    def public_key_oid(self) -> str:
        """id-PK-DH / id-PK-ECDH: the protocol of the matching ChipAuthenticationPublicKeyInfo."""
        return f"{ID_PK}.{self.key_agreement.code}"

    @classmethod
    def from_oid(cls, oid: str) -> "CaAlgorithm":
        """Raises ParseError for an OID that is not id-CA-DH-* / id-CA-ECDH-*."""
        tail = _tail(oid, ID_CA)
        if tail is None or len(tail) != 2 or tail[0] not in (1, 2) or tail[1] not in range(1, 5):
            raise ParseError(f"{oid} is not a Chip Authentication OID", what="ChipAuthenticationInfo protocol")
        return cls(KeyAgreement.DH if tail[0] == 1 else KeyAgreement.ECDH, Cipher.from_code(tail[1]))

    @classmethod
    def default_for(cls, key_agreement: KeyAgreement) -> "CaAlgorithm":
        """3DES, the algorithm Doc 9303-11 §9.2.5 implies when ChipAuthenticationInfo is absent."""
        return cls(key_agreement, Cipher.TDES)


def key_agreement_of(oid: str) -> KeyAgreement | None:
    """DH or ECDH as an id-PK-* or id-CA-* OID names it (the arc after id-PK / id-CA, whatever follows), else None."""
    tail = _tail(oid, ID_PK) or _tail(oid, ID_CA)
    if not tail or tail[0] not in (1, 2):
        return None
    return KeyAgreement.DH if tail[0] == 1 else KeyAgreement.ECDH


@dataclass(frozen=True)
class AaAlgorithm:
    """The ECDSA signature of Active Authentication (Doc 9303-11 §6.1, §9.2.9): its hash, X9.62 or plain r||s."""

    hash: str  # "sha1" ... "sha512"
    plain: bool = False  # BSI ecdsa-plain-* (TR-03111 §5.2.1) rather than X9.62 ecdsa-with-*

    def __post_init__(self) -> None:
        if self.hash not in HASH_OIDS:
            raise ValueError(f"no ECDSA signature algorithm with {self.hash!r}")

    @property
    def oid(self) -> str:
        if self.plain:
            return f"{_ECDSA_PLAIN_ARC}.{_HASH_ORDER.index(self.hash) + 1}"
        return _ECDSA_WITH[self.hash]

    @property
    def name(self) -> str:
        return SIGNATURE_ALGORITHMS[self.oid].name

    @classmethod
    def from_oid(cls, oid: str) -> "AaAlgorithm":
        """Raises ParseError for an OID that is not an ECDSA signature algorithm (ecdsa-with-*, ecdsa-plain-*)."""
        alg = SIGNATURE_ALGORITHMS.get(oid)
        if alg is None or alg.hash is None or alg.scheme not in ("ECDSA", "ECDSA-plain"):
            raise ParseError(f"{oid} is not an ECDSA signature algorithm", what="ActiveAuthenticationInfo")
        return cls(alg.hash, alg.scheme == "ECDSA-plain")


# --- the standardized domain parameters -------------------------------------------------------------


@dataclass(frozen=True)
class DomainParameters:
    """One standardized domain parameter set (Doc 9303-11 §9.5.1; TR-03110-3 A.2.1.1).

    ``crypto_curve`` is the ``cryptography`` class cardkit uses for the curve, None where cardkit does
    the arithmetic itself (the MODP groups; brainpoolP192r1, P224r1 and P320r1, which cryptography 42,
    the oldest version cardkit supports, lacks: behaviour does not depend on the installed version).
    """

    id: int
    name: str
    oid: str | None
    group: Curve | DhGroup
    crypto_curve: type[ec.EllipticCurve] | None = None
    aliases: tuple[str, ...] = ()

    @property
    def key_agreement(self) -> KeyAgreement:
        return KeyAgreement.ECDH if isinstance(self.group, Curve) else KeyAgreement.DH

    @property
    def bits(self) -> int:
        """Bits of the group order (n of a curve, q of a MODP group)."""
        group = self.group
        return group.n.bit_length() if isinstance(group, Curve) else (group.q or group.p).bit_length()


def _curve_entry(pid: int, name: str, oid: str, cls: type[ec.EllipticCurve] | None,
                 aliases: tuple[str, ...] = ()) -> DomainParameters:
    p, a, b, gx, gy, n, h = CURVE_NUMBERS[name]
    return DomainParameters(pid, name, oid, Curve(name, oid, p, a, b, gx, gy, n, h), cls, aliases)


def _modp_entry(pid: int, name: str, alias: str) -> DomainParameters:
    p, g, q = MODP_NUMBERS[pid]
    return DomainParameters(pid, name, None, DhGroup(name, p, g, q), None, (alias, f"RFC 5114 MODP group {pid}"))


#: standardized domain parameter id -> parameters (ids 0-2 RFC 5114 §2.1-2.3, 8-18 the named curves)
DOMAIN_PARAMETERS: dict[int, DomainParameters] = {d.id: d for d in (
    _modp_entry(0, "MODP-1024/160", "modp1024_160"),
    _modp_entry(1, "MODP-2048/224", "modp2048_224"),
    _modp_entry(2, "MODP-2048/256", "modp2048_256"),
    _curve_entry(8, "secp192r1", "1.2.840.10045.3.1.1", ec.SECP192R1, ("P-192", "prime192v1")),
    _curve_entry(9, "brainpoolP192r1", "1.3.36.3.3.2.8.1.1.3", None),
    _curve_entry(10, "secp224r1", "1.3.132.0.33", ec.SECP224R1, ("P-224",)),
    _curve_entry(11, "brainpoolP224r1", "1.3.36.3.3.2.8.1.1.5", None),
    _curve_entry(12, "secp256r1", "1.2.840.10045.3.1.7", ec.SECP256R1, ("P-256", "prime256v1")),
    _curve_entry(13, "brainpoolP256r1", "1.3.36.3.3.2.8.1.1.7", ec.BrainpoolP256R1),
    _curve_entry(14, "brainpoolP320r1", "1.3.36.3.3.2.8.1.1.9", None),
    _curve_entry(15, "secp384r1", "1.3.132.0.34", ec.SECP384R1, ("P-384",)),
    _curve_entry(16, "brainpoolP384r1", "1.3.36.3.3.2.8.1.1.11", ec.BrainpoolP384R1),
    _curve_entry(17, "brainpoolP512r1", "1.3.36.3.3.2.8.1.1.13", ec.BrainpoolP512R1),
    _curve_entry(18, "secp521r1", "1.3.132.0.35", ec.SECP521R1, ("P-521",)),
)}

#: views of the table: the curves by name, the MODP groups by id
CURVES: dict[str, Curve] = {d.name: d.group for d in DOMAIN_PARAMETERS.values() if isinstance(d.group, Curve)}
DH_GROUPS: dict[int, DhGroup] = {d.id: d.group for d in DOMAIN_PARAMETERS.values() if isinstance(d.group, DhGroup)}


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


_BY_OID = {d.oid: d for d in DOMAIN_PARAMETERS.values() if d.oid}
_BY_NAME = {_norm(n): d for d in DOMAIN_PARAMETERS.values() for n in (d.name, *d.aliases)}


def domain_parameters(param_id: int) -> DomainParameters:
    """The standardized domain parameters of a PACE parameterId (Doc 9303-11 §9.5.1).

    Raises:
        ParseError: the id is not a standardized one.
    """
    found = DOMAIN_PARAMETERS.get(param_id)
    if found is None:
        raise ParseError(f"unknown PACE standardized domain parameter id {param_id}", what="PACE parameterId")
    return found


def ec_curve(param_id: int) -> Curve:
    """The curve of a standardized domain parameter id (8-18); ParseError for any other id."""
    group = DOMAIN_PARAMETERS[param_id].group if param_id in DOMAIN_PARAMETERS else None
    if not isinstance(group, Curve):
        raise ParseError(f"PACE parameter id {param_id} is not a standardized curve", what="PACE parameterId")
    return group


def dh_group(param_id: int) -> DhGroup:
    """The MODP group of a standardized domain parameter id (0-2); ParseError for any other id."""
    group = DOMAIN_PARAMETERS[param_id].group if param_id in DOMAIN_PARAMETERS else None
    if not isinstance(group, DhGroup):
        raise ParseError(f"PACE parameter id {param_id} is not a standardized DH group", what="PACE parameterId")
    return group


def parameters_by_oid(oid: str) -> DomainParameters | None:
    """A named curve's entry by its OID (SEC 2 §A.2, RFC 5639 §4.1), or None."""
    return _BY_OID.get(oid)


def parameters_by_name(name: str) -> DomainParameters | None:
    """An entry by name or alias, ignoring case and punctuation ("brainpoolP256r1", "P-256", "modp2048_256")."""
    return _BY_NAME.get(_norm(name))


def match_curve(curve: Curve) -> DomainParameters | None:
    """The entry whose curve has the same domain as ``curve`` (explicit parameters matched by value)."""
    for d in DOMAIN_PARAMETERS.values():
        if isinstance(d.group, Curve) and d.group.same_domain(curve):
            return d
    return None


def match_dh_group(p: int, g: int, q: int | None) -> DomainParameters | None:
    """The MODP group entry with these p and g (and q, when given), or None."""
    for d in DOMAIN_PARAMETERS.values():
        group = d.group
        if isinstance(group, DhGroup) and (group.p, group.g) == (p, g) and q in (None, group.q):
            return d
    return None


#: the curves cardkit makes PKI signing keys on (CSCA, DS, Master List signer; ``ec-<token>`` key types):
#: those of at least 256 bits that ``cryptography`` implements, by the token ("p256", "brainpoolp256r1")
SIGNING_CURVES: dict[str, DomainParameters] = {
    _norm(d.aliases[0] if d.aliases else d.name): d
    for d in sorted(DOMAIN_PARAMETERS.values(), key=lambda d: (d.name.startswith("brainpool"), d.bits))
    if d.crypto_curve is not None and d.bits >= 256
}


def crypto_curve(curve: Curve) -> ec.EllipticCurve | None:
    """The ``cryptography`` curve object for a table curve it implements, or None."""
    d = match_curve(curve)
    return d.crypto_curve() if d is not None and d.crypto_curve is not None else None


# --- OID names --------------------------------------------------------------------------------------

_NAMES: dict[str, str] = {
    ID_PK: "id-PK", ID_TA: "id-TA", ID_CA: "id-CA", ID_PACE: "id-PACE", ID_RI: "id-RI", ID_CI: "id-CI",
    ID_EID_SECURITY: "id-eIDSecurity", ID_PT: "id-PT", ID_SECURITY_OBJECT: "id-SecurityObject",
    ID_STANDARDIZED_DOMAIN_PARAMETERS: "standardizedDomainParameters",
    f"{ID_PK}.1": "id-PK-DH", f"{ID_PK}.2": "id-PK-ECDH", f"{ID_CA}.1": "id-CA-DH", f"{ID_CA}.2": "id-CA-ECDH",
    IcaoOid.LDS_SECURITY_OBJECT: "id-icao-mrtd-security-ldsSecurityObject",
    IcaoOid.LDS_SECURITY_OBJECT_LEGACY: "ldsSecurityObject (legacy 1.3.27.1.1.1)",
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
        _NAMES[f"{ID_PACE}.{_m}.{_c.code}"] = f"id-PACE-{_ka}-{_mp}-{_c.oid_name}"
for _ka in KeyAgreement:
    for _c in Cipher:
        _NAMES[f"{ID_CA}.{_ka.code}.{_c.code}"] = f"id-CA-{_ka}-{_c.oid_name}"


def oid_name(oid: str) -> str:
    """The TR-03110 / Doc 9303 / RFC name of an OID, or the dotted OID when cardkit does not know it."""
    return _NAMES.get(oid, oid)


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


# --- the PACE preference ----------------------------------------------------------------------------

#: mappings, best first: CAM proves the chip in the PACE run itself (Doc 9303-11 §4.4.3.5), then the
#: ECDH mappings (generic before integrated: the more widely implemented), then DH
PACE_MAPPING_ORDER: tuple[tuple[KeyAgreement, Mapping], ...] = (
    (KeyAgreement.ECDH, Mapping.CAM), (KeyAgreement.ECDH, Mapping.GM), (KeyAgreement.ECDH, Mapping.IM),
    (KeyAgreement.DH, Mapping.GM), (KeyAgreement.DH, Mapping.IM),
)
#: ciphers within a mapping, strongest first
PACE_CIPHER_ORDER: tuple[Cipher, ...] = (Cipher.AES_256, Cipher.AES_192, Cipher.AES_128, Cipher.TDES)


class PaceOffer(Protocol):
    """What the policy reads of a PACEInfo (``cardkit.lds.PaceInfo`` is one)."""

    @property
    def algorithm(self) -> PaceAlgorithm | None: ...

    @property
    def parameter_id(self) -> int | None: ...


_Offer = TypeVar("_Offer", bound=PaceOffer)


def pace_rank(offer: PaceOffer) -> tuple[int, int, int] | None:
    """The policy's sort key of one PACEInfo (lower is better), None when cardkit cannot run it.

    First standardized domain parameters that fit the algorithm, then the mapping
    (``PACE_MAPPING_ORDER``), then the cipher (``PACE_CIPHER_ORDER``).
    """
    alg = offer.algorithm
    if alg is None:
        return None
    params = DOMAIN_PARAMETERS.get(offer.parameter_id) if offer.parameter_id is not None else None
    standardized = 0 if params is not None and alg.fits(params) else 1
    return (standardized, PACE_MAPPING_ORDER.index((alg.key_agreement, alg.mapping)),
            PACE_CIPHER_ORDER.index(alg.cipher))


def choose_pace_info(offers: Sequence[_Offer]) -> _Offer:
    """The PACEInfo to run, by the one policy of this module (the first of equals, as listed).

    Raises:
        UnsupportedAlgorithmError: no PACEInfo names a PACE protocol cardkit knows.
    """
    ranked = [(rank, i) for i, offer in enumerate(offers) if (rank := pace_rank(offer)) is not None]
    if not ranked:
        raise UnsupportedAlgorithmError("EF.CardAccess offers no PACE protocol cardkit supports", step="PACE")
    return offers[min(ranked)[1]]
