"""The parts of the protocol OIDs as values: ciphers, key agreements, mappings, and the PACE, CA and AA
algorithms that EF.CardAccess, EF.CardSecurity and DG14 name (Doc 9303-11 §9.2; TR-03110-3 A.1.1)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import ParseError
from ._groups import Curve
from ._oids import (
    _ECDSA_PLAIN_ARC,
    _ECDSA_WITH,
    _HASH_ORDER,
    HASH_OIDS,
    ID_CA,
    ID_PACE,
    ID_PK,
    SIGNATURE_ALGORITHMS,
)

if TYPE_CHECKING:
    from ._domain import DomainParameters



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


def pace_protocol_name(key_agreement: "KeyAgreement", mapping: "Mapping", cipher: "Cipher") -> str:
    """id-PACE-<key agreement>-<mapping>-<cipher>, the TR-03110-3 A.1.1.1 name of a PACE protocol OID."""
    return f"id-PACE-{key_agreement}-{mapping}-{cipher.oid_name}"


def ca_protocol_name(key_agreement: "KeyAgreement", cipher: "Cipher") -> str:
    """id-CA-<key agreement>-<cipher>, the TR-03110-3 A.1.1.2 name of a Chip Authentication OID."""
    return f"id-CA-{key_agreement}-{cipher.oid_name}"


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
        return pace_protocol_name(self.key_agreement, self.mapping, self.cipher)

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
        return ca_protocol_name(self.key_agreement, self.cipher)

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

