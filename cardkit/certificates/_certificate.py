"""X.509 certificates as states issue them, read into cardkit's own typed view (RFC 5280 §4.1; 9303-12 §7.1).

``load_certificate(der)`` reads a certificate with asn1crypto, which reads what ``cryptography`` refuses
(a negative or zero serial, NULL parameters in an ECDSA AlgorithmIdentifier, explicit EC domain
parameters, CA=false with a pathLen, a BOOLEAN that is not DER, an empty or malformed extension), and
keeps each departure as a ``Finding``: nothing is repaired, nothing is silent. The view is frozen and
keeps the exact bytes (``raw``; ``tbs``, the bytes the issuer signed). The public key is decoded by
``cardkit.public_keys`` (explicit curves matched to the named curve they are); ``crypto_public_key``
gives it as a ``cryptography`` key for verification. A certificate whose structure cannot be read at
all is a ``ParseError``. This module belongs to the codec layer: no verification happens here.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import hashlib
from dataclasses import dataclass, field

from asn1crypto import core, keys as asn1_keys, x509 as asn1_x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import load_der_public_key

from ..algorithms import ID_EC_PUBLIC_KEY, SIGNATURE_ALGORITHMS, X509Oid
from ..errors import ParseError
from ..public_keys import EcPublicKey, PublicKey, describe_key, load_public_key
from ._names import DistinguishedName, read_name

__all__ = ["Certificate", "Finding", "Quirk", "BasicConstraints", "Extension", "load_certificate", "MAX_CERTIFICATE"]

MAX_CERTIFICATE = 64 * 1024  # bytes: far above any real CSCA or DS certificate
_MAX_EXTENSIONS = 64
_ECDSA = {oid for oid, a in SIGNATURE_ALGORITHMS.items() if a.scheme in ("ECDSA", "ECDSA-plain")}
_BASIC_CONSTRAINTS, _KEY_USAGE, _SKI, _AKI, _EKU, _SAN = (
    X509Oid.BASIC_CONSTRAINTS, X509Oid.KEY_USAGE, X509Oid.SUBJECT_KEY_IDENTIFIER, X509Oid.AUTHORITY_KEY_IDENTIFIER,
    X509Oid.EXTENDED_KEY_USAGE, X509Oid.SUBJECT_ALT_NAME)

_EXTENSION_NAMES = {_BASIC_CONSTRAINTS: "basicConstraints", _KEY_USAGE: "keyUsage", _SKI: "subjectKeyIdentifier",
                    _AKI: "authorityKeyIdentifier", _EKU: "extKeyUsage", _SAN: "subjectAltName"}


class Quirk(enum.StrEnum):
    """The kinds of departure from RFC 5280 / 9303-12 that real certificates carry and cardkit reads past."""

    SERIAL_NOT_POSITIVE = "serial number not positive"  # RFC 5280 §4.1.2.2
    ECDSA_PARAMETERS = "ECDSA AlgorithmIdentifier with parameters"  # RFC 5758 §3.2: absent
    SIGNATURE_ALGORITHM_MISMATCH = "signature algorithms differ"  # RFC 5280 §4.1.1.2
    EXPLICIT_EC_PARAMETERS = "explicit EC domain parameters"  # legal (X9.62; 9303-12 expects them), noted
    EC_SEED = "EC seed with unused bits"  # legal X9.62 (a BIT STRING), but cryptography refuses it
    CA_FALSE_PATH_LENGTH = "CA=false with a pathLenConstraint"  # RFC 5280 §4.2.1.9
    BOOLEAN_NOT_DER = "BOOLEAN not DER-encoded"  # X.690 §11.1
    EXTENSION_UNREADABLE = "extension does not decode"
    EXTENSION_DUPLICATE = "extension present twice"  # RFC 5280 §4.2
    PUBLIC_KEY_UNREADABLE = "public key cannot be used"
    VERSION = "not a v3 certificate"


@dataclass(frozen=True)
class Finding:
    """One departure found while reading a certificate: its kind and what exactly is wrong."""

    quirk: Quirk
    detail: str

    def __str__(self) -> str:
        return f"{self.quirk.value}: {self.detail}"


@dataclass(frozen=True)
class Extension:
    """One extension as stored: OID, criticality and the DER inside extnValue."""

    oid: str
    critical: bool
    value: bytes = field(repr=False)


@dataclass(frozen=True)
class BasicConstraints:
    """basicConstraints (RFC 5280 §4.2.1.9) as written: cA and pathLenConstraint."""

    ca: bool
    path_length: int | None


@dataclass(frozen=True, eq=False)
class Certificate:
    """A certificate read as written; equality and hashing are by its DER (``raw``)."""

    raw: bytes = field(repr=False)
    tbs: bytes = field(repr=False)  # the TBSCertificate bytes the issuer signed
    version: int  # 1, 2 or 3
    serial_number: int
    signature_algorithm: bytes = field(repr=False)  # DER AlgorithmIdentifier (outer), parameters included
    signature_algorithm_oid: str
    signature: bytes = field(repr=False)
    issuer: DistinguishedName
    subject: DistinguishedName
    not_before: dt.datetime
    not_after: dt.datetime
    time_types: tuple[str, str]  # ("utc_time" | "general_time") of notBefore, notAfter
    public_key_info: bytes = field(repr=False)  # DER SubjectPublicKeyInfo
    public_key: PublicKey | None = field(repr=False)  # None when it cannot be decoded (see findings)
    extensions: tuple[Extension, ...] = field(repr=False)
    basic_constraints: BasicConstraints | None
    key_usage: frozenset[str] | None  # asn1crypto's bit names ("key_cert_sign" ...)
    subject_key_identifier: bytes | None
    authority_key_identifier: bytes | None
    extended_key_usage: tuple[str, ...] | None  # dotted OIDs
    has_unique_ids: bool
    findings: tuple[Finding, ...]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Certificate) and other.raw == self.raw

    def __hash__(self) -> int:
        return hash(self.raw)

    @functools.cached_property
    def fingerprint(self) -> str:
        """SHA-256 of the DER, lower-case hex: the certificate's identity in a trust store."""
        return hashlib.sha256(self.raw).hexdigest()

    @property
    def is_ca(self) -> bool:
        """basicConstraints says cA=TRUE."""
        return self.basic_constraints is not None and self.basic_constraints.ca

    @property
    def is_self_issued(self) -> bool:
        """Issuer = subject (RFC 5280 §6.1) and, where both key identifiers are present, AKI = SKI.

        The key identifiers matter: a link certificate keeps the CSCA's name and differs only in keys.
        """
        if not self.issuer.matches(self.subject):
            return False
        aki, ski = self.authority_key_identifier, self.subject_key_identifier
        return aki is None or ski is None or aki == ski

    @property
    def extension_oids(self) -> frozenset[str]:
        return frozenset(e.oid for e in self.extensions)

    def extension(self, oid: str) -> Extension | None:
        """The (first) extension with this OID, or None."""
        return next((e for e in self.extensions if e.oid == oid), None)

    @property
    def key_description(self) -> str:
        """"RSA-4096", "brainpoolP384r1", "explicit" ... or "unreadable"."""
        return describe_key(self.public_key) if self.public_key is not None else "unreadable"

    @property
    def signature_algorithm_name(self) -> str:
        """The RFC name of the signature algorithm ("ecdsa-with-SHA384"), or its dotted OID."""
        known = SIGNATURE_ALGORITHMS.get(self.signature_algorithm_oid)
        return known.name if known is not None else self.signature_algorithm_oid

    @functools.cached_property
    def crypto_public_key(self) -> rsa.RSAPublicKey | ec.EllipticCurvePublicKey | None:
        """The key as a ``cryptography`` object for signature verification, or None (unusable, DH)."""
        key = self.public_key
        if isinstance(key, rsa.RSAPublicKey):
            return key
        if isinstance(key, EcPublicKey):
            return key.to_cryptography() or _named_curve_key(key)
        return None


def _named_curve_key(key: EcPublicKey) -> ec.EllipticCurvePublicKey | None:
    """The key on its named curve, for a standardized curve cardkit's table has no ``cryptography`` class for."""
    params = key.parameters
    if params is None or not params.oid:
        return None
    spki = asn1_keys.PublicKeyInfo({
        "algorithm": {"algorithm": "ec", "parameters": asn1_keys.ECDomainParameters(name="named", value=params.oid)},
        "public_key": key.encoded,
    }).dump()
    try:
        loaded = load_der_public_key(spki)
    except (ValueError, UnsupportedAlgorithm):
        return None
    return loaded if isinstance(loaded, ec.EllipticCurvePublicKey) else None


def _boolean_der(value: core.Boolean, where: str, found: list[Finding]) -> None:
    if value.contents not in (b"\xff", b"\x00"):
        found.append(Finding(Quirk.BOOLEAN_NOT_DER, f"{where} is encoded as {value.contents.hex().upper() or 'empty'}"))


def _algorithm_findings(tbs: asn1_x509.TbsCertificate, cert: asn1_x509.Certificate, found: list[Finding]) -> None:
    outer, inner = cert["signature_algorithm"], tbs["signature"]
    oid = outer["algorithm"].dotted
    if oid in _ECDSA:
        for which, alg in (("signatureAlgorithm", outer), ("tbsCertificate.signature", inner)):
            if alg["parameters"].contents is not None and not isinstance(alg["parameters"], core.Void):
                found.append(Finding(Quirk.ECDSA_PARAMETERS, f"{which} {alg['algorithm'].native} carries parameters "
                                     f"({alg['parameters'].dump().hex().upper()}); RFC 5758 §3.2 says absent"))
    if inner["algorithm"].dotted != oid or (inner.dump() != outer.dump() and oid not in _ECDSA):
        found.append(Finding(Quirk.SIGNATURE_ALGORITHM_MISMATCH,
                             f"tbsCertificate.signature {inner['algorithm'].dotted} differs from signatureAlgorithm {oid}"))


def _key(spki: asn1_keys.PublicKeyInfo, found: list[Finding]) -> PublicKey | None:
    der = spki.dump()
    alg = spki["algorithm"]
    if alg["algorithm"].dotted == ID_EC_PUBLIC_KEY:
        params = alg["parameters"]
        try:
            if isinstance(params, asn1_keys.ECDomainParameters) and params.name == "specified":
                seed = params.chosen["curve"]["seed"]
                if not isinstance(seed, core.Void) and seed.contents and seed.contents[0]:
                    found.append(Finding(Quirk.EC_SEED, f"the curve seed BIT STRING has {seed.contents[0]} unused bits"))
                explicit = True
            else:
                explicit = False
        except (ValueError, TypeError, KeyError):
            explicit = True
    else:
        explicit = False
    try:
        key = load_public_key(der)
    except ParseError as e:
        found.append(Finding(Quirk.PUBLIC_KEY_UNREADABLE, e.message))
        return None
    if explicit:
        found.append(Finding(Quirk.EXPLICIT_EC_PARAMETERS, f"the key's curve is written out in full, "
                             f"matched to {describe_key(key)}"))
    return key


class _RawExtension(core.Sequence):
    """Extension with its value left as bytes: asn1crypto would decode extnValue by OID on first access."""

    _fields = [("extn_id", core.ObjectIdentifier), ("critical", core.Boolean, {"default": False}),
               ("extn_value", core.OctetString)]


class _RawExtensions(core.SequenceOf):
    _child_spec = _RawExtension


class _Parsed:
    """What the extensions say (filled by ``_read_extensions``)."""

    def __init__(self) -> None:
        self.basic: BasicConstraints | None = None
        self.key_usage: frozenset[str] | None = None
        self.ski: bytes | None = None
        self.aki: bytes | None = None
        self.eku: tuple[str, ...] | None = None


def _read_extensions(tbs: asn1_x509.TbsCertificate, found: list[Finding]) -> tuple[tuple[Extension, ...], _Parsed]:
    out: list[Extension] = []
    parsed = _Parsed()
    if isinstance(tbs["extensions"], core.Void):
        return (), parsed
    exts = _RawExtensions.load(tbs["extensions"].untag().dump(), strict=True)
    if len(exts) > _MAX_EXTENSIONS:
        raise ParseError(f"more than {_MAX_EXTENSIONS} extensions")
    seen: set[str] = set()
    for ext in exts:
        oid = ext["extn_id"].dotted
        crit = ext["critical"]
        if not isinstance(crit, core.Void) and crit.contents is not None:
            _boolean_der(crit, f"the critical flag of extension {oid}", found)
        critical = bool(crit.native) if not isinstance(crit, core.Void) else False
        value = bytes(ext["extn_value"].native)
        out.append(Extension(oid, critical, value))
        if oid in seen:
            found.append(Finding(Quirk.EXTENSION_DUPLICATE, f"extension {oid}"))
            continue
        seen.add(oid)
        try:
            _decode_extension(oid, value, parsed, found)
        except (ValueError, TypeError, KeyError, IndexError, OverflowError) as e:
            first = str(e).splitlines()[0] if str(e) else type(e).__name__
            found.append(Finding(Quirk.EXTENSION_UNREADABLE, f"{_EXTENSION_NAMES.get(oid, oid)} ({oid}): {first}"))
    return tuple(out), parsed


def _decode_extension(oid: str, value: bytes, parsed: _Parsed, found: list[Finding]) -> None:
    if oid == _BASIC_CONSTRAINTS:
        bc = asn1_x509.BasicConstraints.load(value, strict=True)
        ca_field = bc["ca"]
        if not isinstance(ca_field, core.Void) and ca_field.contents is not None:
            _boolean_der(ca_field, "basicConstraints cA", found)
        ca = bool(ca_field.native)
        path = bc["path_len_constraint"].native
        if path is not None and not ca:
            found.append(Finding(Quirk.CA_FALSE_PATH_LENGTH, f"basicConstraints cA=false with pathLenConstraint {path}"))
        parsed.basic = BasicConstraints(ca, path)
    elif oid == _KEY_USAGE:
        parsed.key_usage = frozenset(asn1_x509.KeyUsage.load(value, strict=True).native)
    elif oid == _SKI:
        parsed.ski = asn1_x509.OctetString.load(value, strict=True).native
    elif oid == _AKI:
        parsed.aki = asn1_x509.AuthorityKeyIdentifier.load(value, strict=True)["key_identifier"].native
    elif oid == _EKU:
        parsed.eku = tuple(p.dotted for p in asn1_x509.ExtKeyUsageSyntax.load(value, strict=True))
    elif oid == _SAN:
        names = asn1_x509.GeneralNames.load(value, strict=True)
        if len(names) == 0:
            raise ValueError("an empty GeneralNames (RFC 5280 §4.2.1.6: SIZE (1..MAX))")
        names.native  # noqa: B018 - decode every name now


def load_certificate(der: bytes, *, source: str | None = None) -> Certificate:
    """Read one DER certificate as written; departures become ``findings``.

    Raises:
        ParseError: the bytes are not an X.509 certificate whose structure, names, validity and
            extensions list can be read (names ``source`` when given).
    """
    der = bytes(der)
    try:
        if len(der) > MAX_CERTIFICATE:
            raise ParseError(f"{len(der)} bytes is too large for a certificate")
        cert = asn1_x509.Certificate.load(der, strict=True)
        tbs = cert["tbs_certificate"]
        found: list[Finding] = []
        version = int(tbs["version"].native[1:])
        if version != 3:
            found.append(Finding(Quirk.VERSION, f"version {version}"))
        serial = tbs["serial_number"].native
        if serial <= 0:
            found.append(Finding(Quirk.SERIAL_NOT_POSITIVE, f"serial number {serial} (RFC 5280 §4.1.2.2: positive)"))
        _algorithm_findings(tbs, cert, found)
        validity = tbs["validity"]
        nb, na = validity["not_before"], validity["not_after"]
        extensions, parsed = _read_extensions(tbs, found)
        return Certificate(
            raw=der, tbs=tbs.dump(), version=version, serial_number=serial,
            signature_algorithm=cert["signature_algorithm"].dump(),
            signature_algorithm_oid=cert["signature_algorithm"]["algorithm"].dotted,
            signature=bytes(cert["signature_value"].native),
            issuer=read_name(tbs["issuer"]), subject=read_name(tbs["subject"]),
            not_before=nb.native, not_after=na.native, time_types=(nb.name, na.name),
            public_key_info=tbs["subject_public_key_info"].dump(),
            public_key=_key(tbs["subject_public_key_info"], found),
            extensions=extensions, basic_constraints=parsed.basic, key_usage=parsed.key_usage,
            subject_key_identifier=parsed.ski, authority_key_identifier=parsed.aki, extended_key_usage=parsed.eku,
            has_unique_ids=not isinstance(tbs["issuer_unique_id"], core.Void)
            or not isinstance(tbs["subject_unique_id"], core.Void),
            findings=tuple(found),
        )
    except ParseError as e:
        raise e.within(what="certificate", source=source)
    except RecursionError:
        raise ParseError("nesting too deep", what="certificate", source=source) from None
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError) as e:
        first = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise ParseError(f"not an X.509 certificate that can be read ({first})", what="certificate",
                         source=source) from None
