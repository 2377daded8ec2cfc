"""Lint a certificate against the 9303-12 §7.1 profile, the way an auditor reads one.

``lint(cert)`` finds the certificate's role (CSCA, link, Document Signer, Master List signer)
unless told, and returns one Check per rule: PASSED, or FAILED with the departure. A rule that
does not apply to the role is left out, so every FAILED line is something to fix. The raw DER is
read with asn1crypto where the encoding itself matters (string and time types, unique IDs).
"""

from __future__ import annotations

from asn1crypto import core
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtensionOID as E

from ..algorithms import ID_PRIVATE_KEY_USAGE_PERIOD, SIGNATURE_ALGORITHMS, Curve, IcaoOid, parameters_by_name
from ..checks import Check, Status
from .asn1 import DocumentTypeListSyntax
from .certs import PRIVATE_KEY_USAGE_PERIOD
from .cms_verify import is_self_signed

__all__ = ["lint", "certificate_role", "ROLES"]

ROLES = ("csca", "link", "ds", "ml_signer")
_ML_EKU = x509.ObjectIdentifier(IcaoOid.CSCA_MASTER_LIST_SIGNING_KEY)
_DTL = x509.ObjectIdentifier(IcaoOid.DOCUMENT_TYPE_LIST)
# critical extensions a 9303-12 certificate may carry (RFC 5280 §4.2, 9303-12 §7.1.1)
_KNOWN = {
    *(o.dotted_string for o in (E.AUTHORITY_KEY_IDENTIFIER, E.SUBJECT_KEY_IDENTIFIER, E.KEY_USAGE,
                                E.CERTIFICATE_POLICIES, E.SUBJECT_ALTERNATIVE_NAME, E.ISSUER_ALTERNATIVE_NAME,
                                E.BASIC_CONSTRAINTS, E.CRL_DISTRIBUTION_POINTS, E.EXTENDED_KEY_USAGE, E.FRESHEST_CRL,
                                E.AUTHORITY_INFORMATION_ACCESS)),
    ID_PRIVATE_KEY_USAGE_PERIOD, IcaoOid.DOCUMENT_TYPE_LIST, IcaoOid.NAME_CHANGE,
}
# certificate signature algorithms 9303-12 §4.4 recommends: RSA (PKCS#1 v1.5, PSS) and X9.62 ECDSA, not SHA-1
_GOOD_SIG = {oid for oid, a in SIGNATURE_ALGORITHMS.items()
             if a.scheme in ("RSA-PKCS1", "RSASSA-PSS", "ECDSA") and a.hash != "sha1"}
_MIN_CURVE_BITS = 224  # the standardized curves of at least 224 bits are the ones 9303-12 §4.4 uses


def _icao_curve(name: str) -> bool:
    params = parameters_by_name(name)
    return params is not None and isinstance(params.group, Curve) and params.bits >= _MIN_CURVE_BITS


def certificate_role(cert: x509.Certificate) -> str:
    """"csca" (self-signed CA), "link" (CA issued by another CSCA key), "ml_signer" (EKU) or "ds"."""
    try:
        if cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca:
            return "csca" if is_self_signed(cert) else "link"
    except (x509.ExtensionNotFound, ValueError):
        pass
    try:
        if _ML_EKU in cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value:
            return "ml_signer"
    except (x509.ExtensionNotFound, ValueError):
        pass
    return "ds"


def _ok(checks: list[Check], name: str, problems: list[str], passed: str) -> None:
    checks.append(Check(name, Status.FAILED if problems else Status.PASSED, "; ".join(problems) or passed))


def _country(name: asn1_x509.Name, which: str, problems: list[str]) -> str | None:
    found = None
    for rdn in name.chosen:
        for atv in rdn:
            if atv["type"].native == "country_name":
                v = atv["value"]
                if v.name != "printable_string" and type(v).__name__ != "PrintableString":
                    problems.append(f"{which} C= is not a PrintableString")
                found = v.native
    if found is None:
        problems.append(f"{which} has no countryName (C=)")
    elif len(found) != 2 or not found.isalpha() or found.upper() != found:
        problems.append(f"{which} C={found!r} is not an upper-case ISO 3166 alpha-2 code")
    return found


def lint(cert: x509.Certificate, role: str | None = None) -> list[Check]:
    """Every rule of the 9303-12 §7.1 profile for ``cert``'s role, as Checks (FAILED = departure)."""
    role = role or certificate_role(cert)
    der = cert.public_bytes(serialization.Encoding.DER)
    a = asn1_x509.Certificate.load(der)
    tbs = a["tbs_certificate"]
    checks: list[Check] = [Check("role", Status.PASSED, role)]
    _ok(checks, "version", [] if tbs["version"].native == "v3" else [f"version {tbs['version'].native}, must be v3"], "v3")
    p: list[str] = []
    serial = cert.serial_number
    if serial <= 0:
        p.append("serial number is not positive")
    if (serial.bit_length() + 8) // 8 > 20:
        p.append("serial number longer than 20 octets")
    _ok(checks, "serial number", p, f"{serial:X}")
    p = []
    sig_oid = a["signature_algorithm"]["algorithm"].dotted
    if sig_oid not in _GOOD_SIG:
        p.append(f"signature algorithm {sig_oid} is not RSA/RSASSA-PSS/ECDSA with SHA-2")
    if tbs["signature"].dump() != a["signature_algorithm"].dump():
        p.append("tbsCertificate.signature differs from signatureAlgorithm")
    _ok(checks, "signature algorithm", p, a["signature_algorithm"]["algorithm"].native)
    p = []
    ic = _country(tbs["issuer"], "issuer", p)
    sc = _country(tbs["subject"], "subject", p)
    if ic and sc and ic != sc:
        p.append(f"subject country {sc} differs from issuer country {ic}")
    if role == "csca" and not is_self_signed(cert):
        p.append("a CSCA certificate's issuer must equal its subject")
    _ok(checks, "names", p, f"C={sc}")
    p = []
    for which in ("not_before", "not_after"):
        t = tbs["validity"][which]
        year = t.native.year
        if year < 2050 and t.name != "utc_time":
            p.append(f"{which} in {year} must be UTCTime")
        if year >= 2050 and t.name != "general_time":
            p.append(f"{which} in {year} must be GeneralizedTime")
    if cert.not_valid_after_utc <= cert.not_valid_before_utc:
        p.append("notAfter is not after notBefore")
    _ok(checks, "validity", p, f"{cert.not_valid_before_utc:%Y-%m-%d} to {cert.not_valid_after_utc:%Y-%m-%d}")
    p = []
    if not isinstance(tbs["issuer_unique_id"], core.Void) or not isinstance(tbs["subject_unique_id"], core.Void):
        p.append("issuerUniqueID/subjectUniqueID must not be present")
    _ok(checks, "unique identifiers", p, "absent")
    _key_checks(checks, cert)
    _extension_checks(checks, cert, role)
    return checks


def _key_checks(checks: list[Check], cert: x509.Certificate) -> None:
    key = cert.public_key()
    p: list[str] = []
    if isinstance(key, rsa.RSAPublicKey):
        desc = f"RSA {key.key_size}"
        if key.key_size < 2048:
            p.append(f"RSA modulus of {key.key_size} bits is below 2048")
    elif isinstance(key, ec.EllipticCurvePublicKey):
        desc = f"ECDSA {key.curve.name}"
        if not _icao_curve(key.curve.name):
            p.append(f"curve {key.curve.name} is not one 9303 uses")
    else:
        desc = type(key).__name__
        p.append(f"{desc} keys are not RSA or ECDSA")
    _ok(checks, "public key", p, desc)


def _ext(cert: x509.Certificate, oid: x509.ObjectIdentifier) -> x509.Extension | None:
    try:
        return cert.extensions.get_extension_for_oid(oid)
    except x509.ExtensionNotFound:
        return None


def _ext_der(ext: x509.Extension) -> bytes:
    # cryptography 50 decodes privateKeyUsagePeriod itself; older versions leave it unrecognized.
    value = ext.value
    return value.value if isinstance(value, x509.UnrecognizedExtension) else value.public_bytes()


def _extension_checks(checks: list[Check], cert: x509.Certificate, role: str) -> None:
    is_ca = role in ("csca", "link")
    # key usage: critical; CSCA keyCertSign + cRLSign only; DS and ML signer digitalSignature only
    p: list[str] = []
    ku = _ext(cert, E.KEY_USAGE)
    if ku is None:
        p.append("keyUsage is missing")
    else:
        v = ku.value
        if not ku.critical:
            p.append("keyUsage must be critical")
        want = {"key_cert_sign", "crl_sign"} if is_ca else {"digital_signature"}
        have = {n for n in ("digital_signature", "content_commitment", "key_encipherment", "data_encipherment",
                            "key_agreement", "key_cert_sign", "crl_sign") if getattr(v, n)}
        if have != want:
            p.append(f"keyUsage {sorted(have)} must be exactly {sorted(want)}")
    _ok(checks, "key usage", p, "critical, as the profile requires")
    p = []
    bc = _ext(cert, E.BASIC_CONSTRAINTS)
    if is_ca:
        if bc is None:
            p.append("basicConstraints is missing")
        else:
            if not bc.critical:
                p.append("basicConstraints must be critical")
            if not bc.value.ca:
                p.append("cA must be TRUE")
            if bc.value.path_length != 0:
                p.append(f"pathLenConstraint must be 0, not {bc.value.path_length}")
    elif bc is not None:
        p.append("basicConstraints must not be present in a DS or Master List signer certificate")
    _ok(checks, "basic constraints", p, "CA, pathLen 0, critical" if is_ca else "absent")
    p = []
    aki = _ext(cert, E.AUTHORITY_KEY_IDENTIFIER)
    ski = _ext(cert, E.SUBJECT_KEY_IDENTIFIER)
    if aki is None and role != "csca":
        p.append("authorityKeyIdentifier is missing")
    elif aki is not None:
        if aki.critical:
            p.append("authorityKeyIdentifier must not be critical")
        if aki.value.key_identifier is None:
            p.append("authorityKeyIdentifier has no keyIdentifier")
        elif role == "csca" and ski is not None and aki.value.key_identifier != ski.value.digest:
            p.append("a self-signed CSCA's AKI must equal its SKI")
    _ok(checks, "authority key identifier", p, "present" if aki else "absent (allowed for a self-signed CSCA)")
    p = []
    if ski is None and role != "ml_signer":
        p.append("subjectKeyIdentifier is missing")
    elif ski is not None and ski.critical:
        p.append("subjectKeyIdentifier must not be critical")
    _ok(checks, "subject key identifier", p, "present" if ski else "absent")
    if role in ("csca", "link", "ds"):
        p = []
        pk = _ext(cert, PRIVATE_KEY_USAGE_PERIOD)
        if pk is None:
            p.append("privateKeyUsagePeriod is missing")
        else:
            if pk.critical:
                p.append("privateKeyUsagePeriod must not be critical")
            try:
                v = asn1_x509.PrivateKeyUsagePeriod.load(_ext_der(pk), strict=True)
                nb, na = v["not_before"].native, v["not_after"].native
                if nb is None and na is None:
                    p.append("privateKeyUsagePeriod has neither notBefore nor notAfter")
                if na is not None and na > cert.not_valid_after_utc:
                    p.append("private key usage ends after the certificate expires")
            except (ValueError, TypeError):
                p.append("privateKeyUsagePeriod cannot be decoded")
        _ok(checks, "private key usage period", p, "present")
        p = []
        if _ext(cert, E.CRL_DISTRIBUTION_POINTS) is None:
            p.append("cRLDistributionPoints is missing")
        _ok(checks, "CRL distribution points", p, "present")
    if role == "ds":
        p = []
        dtl = _ext(cert, _DTL)
        types: list[str] = []
        if dtl is None:
            p.append(f"documentTypeList ({IcaoOid.DOCUMENT_TYPE_LIST}) is missing")
        else:
            try:
                v = DocumentTypeListSyntax.load(_ext_der(dtl), strict=True)
                if v["version"].native != 0:
                    p.append(f"documentTypeList version {v['version'].native}, must be 0")
                types = [t.native for t in v["doc_type_list"]]
                if not types or any(not 1 <= len(t) <= 2 for t in types):
                    p.append("documentTypeList entries must be 1-2 characters")
            except (ValueError, TypeError):
                p.append("documentTypeList cannot be decoded")
        _ok(checks, "document type list", p, ", ".join(types))
    p = []
    eku = _ext(cert, E.EXTENDED_KEY_USAGE)
    if role == "ml_signer":
        if eku is None or _ML_EKU not in eku.value:
            p.append("extendedKeyUsage must contain id-icao-cscaMasterListSigningKey "
                     f"({IcaoOid.CSCA_MASTER_LIST_SIGNING_KEY})")
    elif eku is not None:
        p.append("extendedKeyUsage must not be present in a CSCA or DS certificate")
    _ok(checks, "extended key usage", p, IcaoOid.CSCA_MASTER_LIST_SIGNING_KEY if role == "ml_signer" else "absent")
    p = [f"unknown critical extension {e.oid.dotted_string}" for e in cert.extensions
         if e.critical and e.oid.dotted_string not in _KNOWN]
    _ok(checks, "critical extensions", p, "none unknown")
