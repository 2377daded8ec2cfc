"""The standardized domain parameters (Doc 9303-11 §9.5.1; TR-03110-3 A.2.1.1): one table of ids, names,
OIDs, curves and MODP groups, with the lookups every layer uses."""

from __future__ import annotations

import re
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import ec

from ..errors import ParseError
from ._curve_constants import CURVE_NUMBERS, MODP_NUMBERS
from ._groups import Curve, DhGroup
from ._protocols import KeyAgreement


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

