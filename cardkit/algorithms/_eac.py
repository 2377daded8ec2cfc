"""The vocabulary of Extended Access Control: TA signature algorithms, terminal roles, CV extensions.

One table per concept, named after BSI TR-03110-3 (A.1.1.3, A.6.3, A.6.4, C.3, C.4) and ICAO Doc
9303-11 §7.1.4. Every module that speaks of a TA algorithm, a CHAT role OID or a certificate
extension imports it from here; nothing else spells these OIDs. Part of ``cardkit.algorithms``, which
re-exports it.
"""

from __future__ import annotations

from dataclasses import dataclass

from ._oids import BSI_DE, ID_TA

__all__ = [
    "TaAlgorithm",
    "TA_ALGORITHMS",
    "ta_algorithm",
    "ID_ROLES",
    "ID_IS",
    "ID_AT",
    "ID_ST",
    "TERMINAL_TYPES",
    "ID_EXTENSIONS",
    "ID_DESCRIPTION",
    "ID_SECTOR",
    "EXTENSION_NAMES",
]


@dataclass(frozen=True)
class TaAlgorithm:
    """A TA signature algorithm: what a CV public key's OID says about how it signs (TR-03110-3 A.6.3-4).

    ``family`` is "ECDSA" (plain r||s signatures, BSI TR-03111) or "RSA"; ``pss`` tells RSASSA-PSS
    (MGF1 with the same hash, salt of the hash's length, trailer BC) from PKCS#1 v1.5.
    """

    oid: str
    name: str
    family: str
    hash: str
    pss: bool = False


def _ta(name: str, arc: str, family: str, hash_name: str, pss: bool = False) -> TaAlgorithm:
    return TaAlgorithm(f"{ID_TA}.{arc}", name, family, hash_name, pss)


#: id-TA-RSA-* (arc 1) and id-TA-ECDSA-* (arc 2), by OID
TA_ALGORITHMS: dict[str, TaAlgorithm] = {
    a.oid: a
    for a in (
        _ta("id-TA-RSA-v1-5-SHA-1", "1.1", "RSA", "sha1"),
        _ta("id-TA-RSA-v1-5-SHA-256", "1.2", "RSA", "sha256"),
        _ta("id-TA-RSA-PSS-SHA-1", "1.3", "RSA", "sha1", True),
        _ta("id-TA-RSA-PSS-SHA-256", "1.4", "RSA", "sha256", True),
        _ta("id-TA-RSA-v1-5-SHA-512", "1.5", "RSA", "sha512"),
        _ta("id-TA-RSA-PSS-SHA-512", "1.6", "RSA", "sha512", True),
        _ta("id-TA-ECDSA-SHA-1", "2.1", "ECDSA", "sha1"),
        _ta("id-TA-ECDSA-SHA-224", "2.2", "ECDSA", "sha224"),
        _ta("id-TA-ECDSA-SHA-256", "2.3", "ECDSA", "sha256"),
        _ta("id-TA-ECDSA-SHA-384", "2.4", "ECDSA", "sha384"),
        _ta("id-TA-ECDSA-SHA-512", "2.5", "ECDSA", "sha512"),
    )
}


def ta_algorithm(family: str, hash_name: str, *, pss: bool = False) -> TaAlgorithm:
    """The TA algorithm for a key family ("ECDSA"/"RSA"), a hash ("sha256") and, for RSA, PSS or not.

    Raises:
        KeyError: TR-03110 defines no such combination (e.g. RSA with SHA-384).
    """
    for a in TA_ALGORITHMS.values():
        if a.family == family and a.hash == hash_name and (a.pss == pss or family == "ECDSA"):
            return a
    raise KeyError(f"no TA algorithm for {family} with {hash_name}{' (PSS)' if pss else ''}")


#: id-roles (TR-03110-3 C.4): the terminal type a CHAT's OID names
ID_ROLES = f"{BSI_DE}.3.1.2"
ID_IS = f"{ID_ROLES}.1"  # inspection system: one byte, DG3/DG4 read rights (C.4.1)
ID_AT = f"{ID_ROLES}.2"  # authentication terminal: five bytes (C.4.2)
ID_ST = f"{ID_ROLES}.3"  # signature terminal: one byte (C.4.3)

#: terminal type OID -> (short name, length of its relative authorization in bytes)
TERMINAL_TYPES: dict[str, tuple[str, int]] = {ID_IS: ("IS", 1), ID_AT: ("AT", 5), ID_ST: ("ST", 1)}

#: id-extensions (TR-03110-3 C.3): certificate extensions for TA version 2
ID_EXTENSIONS = f"{BSI_DE}.3.1.3"
ID_DESCRIPTION = f"{ID_EXTENSIONS}.1"  # 80: hash of the CertificateDescription
ID_SECTOR = f"{ID_EXTENSIONS}.2"  # 80/81: hashes of the sector public keys

EXTENSION_NAMES: dict[str, str] = {ID_DESCRIPTION: "certificate description", ID_SECTOR: "terminal sector"}
