"""Public keys of a chip as values: DER SubjectPublicKeyInfo in DG14, DG15 and EF.CardSecurity.

``load_public_key`` turns a SubjectPublicKeyInfo (RFC 5280 §4.1.2.7) into a key object:
RSA (RFC 8017 A.1.1) -> ``cryptography`` RSAPublicKey; EC (RFC 5480; X9.62 named or explicit
parameters, explicit ones matched to the table of ``cardkit.algorithms``) -> ``EcPublicKey``;
DH (X9.42 dhpublicnumber, RFC 3279 §2.3.3; PKCS #3 dhKeyAgreement) -> ``DhPublicKey``
(TR-03110-3 D.3 names the same encodings for CA keys); and TR-03110-3 A.2.1.1's
standardizedDomainParameters, whose parameters are a standardized id (EF.CardSecurity of German
and Finnish passports writes its CA keys so) -> ``EcPublicKey`` or ``DhPublicKey`` of that id.
Every public value is checked as far as needs no group arithmetic: an EC point on its curve, a DH
value with 1 < y < p-1 and y^q = 1; explicit curve parameters with G on the curve. What needs the
group law (n*G = O for an unknown explicit curve, subgroup membership when h != 1) is
``cardkit.crypto.keys.check_public_key``'s job, run before a protocol uses the key.
This module belongs to the codec layer: it raises only ``ParseError`` and never imports crypto.
"""

from __future__ import annotations

from dataclasses import dataclass

from asn1crypto import core, keys as akeys
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from . import _der
from .algorithms import (ID_DH_KEY_AGREEMENT, ID_DH_PUBLIC_NUMBER, ID_EC_PUBLIC_KEY, ID_PRIME_FIELD,
                         ID_RSA_ENCRYPTION, ID_STANDARDIZED_DOMAIN_PARAMETERS, Curve, DhGroup, DomainParameters,
                         crypto_curve, domain_parameters, match_curve, match_dh_group, parameters_by_oid)
from .errors import ParseError

__all__ = ["EcPublicKey", "DhPublicKey", "PublicKey", "load_public_key", "check_spki", "spki_algorithm",
           "describe_key", "MAX_SPKI"]

MAX_SPKI = 16384  # bytes: above any RSA-8192 or DH-8192 key


@dataclass(frozen=True)
class EcPublicKey:
    """An EC public key: its curve (a table curve, or an explicit one) and a point on it."""

    curve: Curve
    point: tuple[int, int]

    @property
    def encoded(self) -> bytes:
        """Uncompressed point 04 || x || y."""
        return self.curve.encode_point(self.point)

    @property
    def parameters(self) -> DomainParameters | None:
        """The standardized domain parameters of the curve, None for an unknown explicit curve."""
        return match_curve(self.curve)

    def to_cryptography(self) -> ec.EllipticCurvePublicKey | None:
        """The same key as a ``cryptography`` object, or None when cardkit does not use it for the curve."""
        cc = crypto_curve(self.curve)
        if cc is None:
            return None
        return ec.EllipticCurvePublicKey.from_encoded_point(cc, self.encoded)


@dataclass(frozen=True)
class DhPublicKey:
    """A DH public key with its domain parameters (X9.42 or PKCS#3; q None when PKCS#3 omits it)."""

    p: int
    q: int | None
    g: int
    y: int

    @property
    def group(self) -> DhGroup:
        """The standardized group object when the parameters are one (RFC 5114), else an explicit one."""
        known = match_dh_group(self.p, self.g, self.q)
        if known is not None and isinstance(known.group, DhGroup):
            return known.group
        return DhGroup("explicit DH group", self.p, self.g, self.q)


PublicKey = rsa.RSAPublicKey | EcPublicKey | DhPublicKey


class _Pkcs3DhParameter(core.Sequence):
    """PKCS #3 §9: DHParameter ::= SEQUENCE { prime, base, privateValueLength OPTIONAL }."""

    _fields = [
        ("prime", core.Integer),
        ("base", core.Integer),
        ("private_value_length", core.Integer, {"optional": True}),
    ]


class _RawAlgorithm(core.Sequence):
    _fields = [("algorithm", core.ObjectIdentifier), ("parameters", core.Any, {"optional": True})]


class _RawSpki(core.Sequence):
    """SubjectPublicKeyInfo with open parameters, so algorithms asn1crypto does not know still parse."""

    _fields = [("algorithm", _RawAlgorithm), ("public_key", core.OctetBitString)]


class _SubjectPublicKeyInfo(core.Sequence):
    _fields = [("algorithm", _RawAlgorithm), ("subject_public_key", core.BitString)]


if _der.rust_asn1 is not None:
    @_der.rust_asn1.sequence
    class _RSpki:  # for cryptography's DER decoder (``cardkit._der``): check_spki's fast path
        algorithm: _der.rust_asn1.TLV
        subject_public_key: _der.rust_asn1.BitString
else:  # pragma: no cover - a cryptography without the API
    _RSpki = None  # type: ignore[assignment,misc]


def check_spki(der: bytes, what: str) -> bytes:
    """Check that ``der`` is one SubjectPublicKeyInfo (structure only: the key itself is not decoded).

    cryptography's DER decoder answers first; what it refuses is judged by asn1crypto, as before.

    Raises:
        ParseError: not a SubjectPublicKeyInfo, or one with extra elements.
    """
    fast = _der.decode(_RSpki, der)
    if fast is not None and _der.algorithm_oid(_der.full_der(fast.algorithm)) is not None:
        return der
    try:
        spki = _SubjectPublicKeyInfo.load(der, strict=True)
        spki["algorithm"]["algorithm"].dotted  # noqa: B018 - force the lazy parse
        spki["subject_public_key"].native  # noqa: B018
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError) as e:
        raise ParseError(f"malformed SubjectPublicKeyInfo ({e})", what=what) from None
    if len(spki.children) > 2:
        raise ParseError("unexpected element in SubjectPublicKeyInfo", what=what)
    return der


def spki_algorithm(der: bytes) -> str:
    """The algorithm OID (dotted) of a SubjectPublicKeyInfo that ``check_spki`` accepted."""
    return str(_SubjectPublicKeyInfo.load(der)["algorithm"]["algorithm"].dotted)


def _curve_from_specified(spec: akeys.SpecifiedECDomain) -> Curve:
    if spec["field_id"]["field_type"].dotted != ID_PRIME_FIELD:
        raise ParseError("only prime-field curves are supported", what="EC parameters")
    p = spec["field_id"]["parameters"].native
    a = int.from_bytes(spec["curve"]["a"].native, "big")
    b = int.from_bytes(spec["curve"]["b"].native, "big")
    base = spec["base"].native
    size = (p.bit_length() + 7) // 8
    if len(base) != 1 + 2 * size or base[0] != 4:
        raise ParseError("explicit base point is not uncompressed", what="EC parameters")
    gx, gy = int.from_bytes(base[1 : 1 + size], "big"), int.from_bytes(base[1 + size :], "big")
    n = spec["order"].native
    h = spec["cofactor"].native if spec["cofactor"].native is not None else 1
    candidate = Curve("explicit", None, p, a, b, gx, gy, n, h)
    known = match_curve(candidate)
    if known is not None and isinstance(known.group, Curve):
        return known.group
    # An unknown explicit curve is usable with cardkit's own arithmetic, once these checks pass here
    # and n*G = O there (crypto.keys.check_public_key).
    if p < 3 or n < 3 or h < 1 or not candidate.contains(candidate.generator):
        raise ParseError("explicit EC parameters are inconsistent (G not on the curve)", what="EC parameters")
    return candidate


def load_public_key(spki: bytes) -> PublicKey:
    """Decode a DER SubjectPublicKeyInfo from DG14, DG15 or EF.CardSecurity (X.509; TR-03110-3 D.3).

    Returns:
        RSAPublicKey (cryptography), EcPublicKey (named or explicit curve), or DhPublicKey.

    Raises:
        ParseError: not DER, unknown algorithm, bad parameters, or an invalid public value.
    """
    what = "SubjectPublicKeyInfo"
    spki = bytes(spki)
    if len(spki) > MAX_SPKI:
        raise ParseError(f"{len(spki)} bytes is too large for a public key", what=what)
    try:
        info = _RawSpki.load(spki, strict=True)
        oid = info["algorithm"]["algorithm"].dotted
        params = info["algorithm"]["parameters"]
        key_bytes = info["public_key"].native
        if oid == ID_RSA_ENCRYPTION:
            n_e = akeys.RSAPublicKey.load(key_bytes, strict=True)
            n, e = n_e["modulus"].native, n_e["public_exponent"].native
            if n < 3 or e < 3 or e % 2 == 0 or n % 2 == 0:
                raise ParseError("RSA modulus or exponent out of range", what=what)
            return rsa.RSAPublicNumbers(e, n).public_key()
        if oid == ID_EC_PUBLIC_KEY:
            if not isinstance(params, core.Any) or params.contents is None:
                raise ParseError("EC key without domain parameters", what=what)
            ecp = akeys.ECDomainParameters.load(params.dump(), strict=True)
            if ecp.name == "named":
                named = parameters_by_oid(ecp.chosen.dotted)
                if named is None or not isinstance(named.group, Curve):
                    raise ParseError(f"unsupported named curve {ecp.chosen.dotted}", what=what)
                curve = named.group
            elif ecp.name == "specified":
                curve = _curve_from_specified(ecp.chosen)
            else:
                raise ParseError("implicitCA EC parameters are not supported", what=what)
            return EcPublicKey(curve, curve.decode_point(key_bytes, what="EC public key"))
        if oid in (ID_DH_PUBLIC_NUMBER, ID_DH_KEY_AGREEMENT):
            if not isinstance(params, core.Any) or params.contents is None:
                raise ParseError("DH key without domain parameters", what=what)
            if oid == ID_DH_PUBLIC_NUMBER:
                dp = akeys.DomainParameters.load(params.dump(), strict=True)
                p, g, q = dp["p"].native, dp["g"].native, dp["q"].native
            else:
                dp3 = _Pkcs3DhParameter.load(params.dump(), strict=True)
                p, g, q = dp3["prime"].native, dp3["base"].native, None
            y = core.Integer.load(key_bytes, strict=True).native
            if p is None or g is None or p < 5 or not 1 < g < p - 1 or (q is not None and not 1 < q < p):
                raise ParseError("DH domain parameters out of range", what=what)
            key = DhPublicKey(p, q, g, y)
            key.group.check_public(y, what="DH public key")
            return key
        if oid == ID_STANDARDIZED_DOMAIN_PARAMETERS:
            return _standardized_key(params, key_bytes, what)
        raise ParseError(f"unsupported public key algorithm {oid}", what=what)
    except ParseError:
        raise
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError) as e:
        raise ParseError(f"malformed public key ({type(e).__name__})", what=what) from None


def _standardized_key(params: core.Any | core.Void, key_bytes: bytes, what: str) -> EcPublicKey | DhPublicKey:
    """A key on standardized domain parameters named by id (TR-03110-3 A.2.1.1): a point or a DH value."""
    if not isinstance(params, core.Any) or params.contents is None:
        raise ParseError("standardizedDomainParameters without the parameter id", what=what)
    pid = core.Integer.load(params.dump(), strict=True).native
    group = domain_parameters(pid).group
    if isinstance(group, Curve):
        return EcPublicKey(group, group.decode_point(key_bytes, what="EC public key"))
    y = core.Integer.load(key_bytes, strict=True).native
    return DhPublicKey(group.p, group.q, group.g, group.check_public(y, what="DH public key"))


def describe_key(key: PublicKey) -> str:
    """``RSA-2048``, ``brainpoolP256r1`` (the curve's name; "explicit" when unknown) or ``DH-2048``."""
    if isinstance(key, rsa.RSAPublicKey):
        return f"RSA-{key.key_size}"
    if isinstance(key, EcPublicKey):
        return key.curve.name
    return f"DH-{key.p.bit_length()}"
