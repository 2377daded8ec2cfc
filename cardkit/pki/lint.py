"""Lint a certificate against the 9303-12 §7.1 profile, the way an auditor reads one.

``lint(cert)`` finds the certificate's role (CSCA, link, Document Signer, Master List signer)
unless told, and returns one Check per rule: PASSED, or FAILED with the departure. A rule that
does not apply to the role is left out, so every FAILED line is something to fix. Certificates
are read as written (``cardkit.certificates``): what the reader had to read past (a NULL ECDSA
parameter, a non-positive serial, a BOOLEAN that is not DER, an extension that does not decode)
is a departure here too, never a crash. Explicit EC domain parameters are not a departure (9303-12
§4.4 expects them in the ECDSA keys of CSCA and DS certificates); the curve they match is reported.
"""

from __future__ import annotations

from asn1crypto import x509 as asn1_x509
from cryptography import x509

from ..algorithms import ID_PRIVATE_KEY_USAGE_PERIOD, SIGNATURE_ALGORITHMS, Curve, IcaoOid, X509Oid, parameters_by_name
from ..certificates import Certificate, Quirk
from ..checks import Check, Status
from ..public_keys import EcPublicKey
from .asn1 import DocumentTypeListSyntax
from .trust import as_certificate

__all__ = ["lint", "certificate_role", "ROLES"]

ROLES = ("csca", "link", "ds", "ml_signer")
_AKI, _SKI, _KU, _CP, _SAN, _IAN, _BC, _CRLDP, _EKU, _FRESHEST, _AIA = (
    X509Oid.AUTHORITY_KEY_IDENTIFIER, X509Oid.SUBJECT_KEY_IDENTIFIER, X509Oid.KEY_USAGE, X509Oid.CERTIFICATE_POLICIES,
    X509Oid.SUBJECT_ALT_NAME, X509Oid.ISSUER_ALT_NAME, X509Oid.BASIC_CONSTRAINTS, X509Oid.CRL_DISTRIBUTION_POINTS,
    X509Oid.EXTENDED_KEY_USAGE, X509Oid.FRESHEST_CRL, X509Oid.AUTHORITY_INFO_ACCESS)
# critical extensions a 9303-12 certificate may carry (RFC 5280 §4.2, 9303-12 §7.1.1)
_KNOWN = {_AKI, _SKI, _KU, _CP, _SAN, _IAN, _BC, _CRLDP, _EKU, _FRESHEST, _AIA,
          ID_PRIVATE_KEY_USAGE_PERIOD, IcaoOid.DOCUMENT_TYPE_LIST, IcaoOid.NAME_CHANGE}
# certificate signature algorithms 9303-12 §4.4 recommends: RSA (PKCS#1 v1.5, PSS) and X9.62 ECDSA, not SHA-1
_GOOD_SIG = {oid for oid, a in SIGNATURE_ALGORITHMS.items()
             if a.scheme in ("RSA-PKCS1", "RSASSA-PSS", "ECDSA") and a.hash != "sha1"}
_MIN_CURVE_BITS = 224  # the standardized curves of at least 224 bits are the ones 9303-12 §4.4 uses
# what the reader read past, by the rule it breaks
_RULE_OF = {Quirk.SERIAL_NOT_POSITIVE: "serial number", Quirk.ECDSA_PARAMETERS: "signature algorithm",
            Quirk.SIGNATURE_ALGORITHM_MISMATCH: "signature algorithm",
            Quirk.PUBLIC_KEY_UNREADABLE: "public key", Quirk.CA_FALSE_PATH_LENGTH: "basic constraints",
            Quirk.BOOLEAN_NOT_DER: "encoding", Quirk.EXTENSION_UNREADABLE: "encoding",
            Quirk.EXTENSION_DUPLICATE: "encoding", Quirk.VERSION: "version"}


def _icao_curve(name: str) -> bool:
    params = parameters_by_name(name)
    return params is not None and isinstance(params.group, Curve) and params.bits >= _MIN_CURVE_BITS


def certificate_role(cert: Certificate | x509.Certificate) -> str:
    """"csca" (self-signed CA), "link" (CA issued by another CSCA key), "ml_signer" (EKU) or "ds".

    A certificate whose key may sign certificates is taken as a CA even when basicConstraints says
    otherwise (published CSCAs do), so that the CA profile, and its departures, are what is checked.
    """
    cert = as_certificate(cert)
    # a CA by basicConstraints, or (some published CSCAs) by a key that signs certificates
    if cert.is_ca or "key_cert_sign" in (cert.key_usage or ()):
        return "csca" if cert.is_self_issued else "link"
    if IcaoOid.CSCA_MASTER_LIST_SIGNING_KEY in (cert.extended_key_usage or ()):
        return "ml_signer"
    return "ds"


def _ok(checks: list[Check], name: str, problems: list[str], passed: str) -> None:
    checks.append(Check(name, Status.FAILED if problems else Status.PASSED, "; ".join(problems) or passed))


def _quirks(cert: Certificate, rule: str) -> list[str]:
    return [str(f) for f in cert.findings if _RULE_OF.get(f.quirk) == rule]


def _country(cert: Certificate, which: str, problems: list[str]) -> str | None:
    name = cert.issuer if which == "issuer" else cert.subject
    found = None
    for rdn in name.rdns:
        for a in rdn:
            if a.oid == X509Oid.COUNTRY:
                if a.string_type not in ("printable_string", "PrintableString"):
                    problems.append(f"{which} C= is not a PrintableString")
                found = a.value
    if found is None:
        problems.append(f"{which} has no countryName (C=)")
    elif len(found) != 2 or not found.isalpha() or found.upper() != found:
        problems.append(f"{which} C={found!r} is not an upper-case ISO 3166 alpha-2 code")
    return found


def lint(cert: Certificate | x509.Certificate, role: str | None = None) -> list[Check]:
    """Every rule of the 9303-12 §7.1 profile for ``cert``'s role, as Checks (FAILED = departure)."""
    cert = as_certificate(cert)
    role = role or certificate_role(cert)
    checks: list[Check] = [Check("role", Status.PASSED, role)]
    _ok(checks, "version", [] if cert.version == 3 else [f"version v{cert.version}, must be v3"], "v3")
    p = _quirks(cert, "serial number")
    if (cert.serial_number.bit_length() + 8) // 8 > 20:
        p.append("serial number longer than 20 octets")
    _ok(checks, "serial number", p, f"{cert.serial_number:X}")
    p = _quirks(cert, "signature algorithm")
    if cert.signature_algorithm_oid not in _GOOD_SIG:
        p.append(f"signature algorithm {cert.signature_algorithm_oid} is not RSA/RSASSA-PSS/ECDSA with SHA-2")
    _ok(checks, "signature algorithm", p, cert.signature_algorithm_name)
    p = []
    ic = _country(cert, "issuer", p)
    sc = _country(cert, "subject", p)
    if ic and sc and ic != sc:
        p.append(f"subject country {sc} differs from issuer country {ic}")
    if role == "csca" and not cert.is_self_issued:
        p.append("a CSCA certificate's issuer must equal its subject")
    _ok(checks, "names", p, f"C={sc}")
    p = []
    for which, t, kind in (("not_before", cert.not_before, cert.time_types[0]),
                           ("not_after", cert.not_after, cert.time_types[1])):
        if t.year < 2050 and kind != "utc_time":
            p.append(f"{which} in {t.year} must be UTCTime")
        if t.year >= 2050 and kind != "general_time":
            p.append(f"{which} in {t.year} must be GeneralizedTime")
    if cert.not_after <= cert.not_before:
        p.append("notAfter is not after notBefore")
    _ok(checks, "validity", p, f"{cert.not_before:%Y-%m-%d} to {cert.not_after:%Y-%m-%d}")
    _ok(checks, "unique identifiers", ["issuerUniqueID/subjectUniqueID must not be present"]
        if cert.has_unique_ids else [], "absent")
    _key_checks(checks, cert)
    _ok(checks, "encoding", _quirks(cert, "encoding"), "DER as required")
    _extension_checks(checks, cert, role)
    return checks


def _key_checks(checks: list[Check], cert: Certificate) -> None:
    key = cert.public_key
    p = _quirks(cert, "public key")
    desc = cert.key_description
    if key is None:
        pass
    elif isinstance(key, EcPublicKey):
        params = key.parameters
        desc = f"ECDSA {params.name if params else 'explicit curve'}"
        notes = [("explicit domain parameters" if f.quirk is Quirk.EXPLICIT_EC_PARAMETERS else f.detail)
                 for f in cert.findings if f.quirk in (Quirk.EXPLICIT_EC_PARAMETERS, Quirk.EC_SEED)]
        if notes:  # legal X9.62 encodings, read and matched: reported, not departures
            desc += f" ({'; '.join(notes)})"
        if params is None or not _icao_curve(params.name):
            p.append(f"curve {params.name if params else 'of explicit parameters'} is not one 9303 uses")
    elif desc.startswith("RSA-"):
        bits = int(desc[4:])
        desc = f"RSA {bits}"
        if bits < 2048:
            p.append(f"RSA modulus of {bits} bits is below 2048")
    else:
        p.append(f"{desc} keys are not RSA or ECDSA")
    _ok(checks, "public key", p, desc)


def _extension_checks(checks: list[Check], cert: Certificate, role: str) -> None:
    is_ca = role in ("csca", "link")
    # key usage: critical; CSCA keyCertSign + cRLSign only; DS and ML signer digitalSignature only
    p: list[str] = []
    ku = cert.extension(_KU)
    if ku is None:
        p.append("keyUsage is missing")
    else:
        if not ku.critical:
            p.append("keyUsage must be critical")
        want = {"key_cert_sign", "crl_sign"} if is_ca else {"digital_signature"}
        have = set(cert.key_usage or ())
        if have != want:
            p.append(f"keyUsage {sorted(have)} must be exactly {sorted(want)}")
    _ok(checks, "key usage", p, "critical, as the profile requires")
    p = []
    bc, bcv = cert.extension(_BC), cert.basic_constraints
    if is_ca:
        if bc is None or bcv is None:
            p.append("basicConstraints is missing")
        else:
            if not bc.critical:
                p.append("basicConstraints must be critical")
            if not bcv.ca:
                p.append("cA must be TRUE")
            if bcv.path_length != 0:
                p.append(f"pathLenConstraint must be 0, not {bcv.path_length}")
    elif bc is not None:
        p.append("basicConstraints must not be present in a DS or Master List signer certificate")
    p += _quirks(cert, "basic constraints")
    _ok(checks, "basic constraints", p, "CA, pathLen 0, critical" if is_ca else "absent")
    p = []
    aki, ski = cert.extension(_AKI), cert.extension(_SKI)
    if aki is None and role != "csca":
        p.append("authorityKeyIdentifier is missing")
    elif aki is not None:
        if aki.critical:
            p.append("authorityKeyIdentifier must not be critical")
        if cert.authority_key_identifier is None:
            p.append("authorityKeyIdentifier has no keyIdentifier")
        elif role == "csca" and cert.subject_key_identifier is not None \
                and cert.authority_key_identifier != cert.subject_key_identifier:
            p.append("a self-signed CSCA's AKI must equal its SKI")
    _ok(checks, "authority key identifier", p, "present" if aki else "absent (allowed for a self-signed CSCA)")
    p = []
    if ski is None and role != "ml_signer":
        p.append("subjectKeyIdentifier is missing")
    elif ski is not None and ski.critical:
        p.append("subjectKeyIdentifier must not be critical")
    _ok(checks, "subject key identifier", p, "present" if ski else "absent")
    if role in ("csca", "link", "ds"):
        _pkup_check(checks, cert)
        _ok(checks, "CRL distribution points", [] if cert.extension(_CRLDP) else ["cRLDistributionPoints is missing"],
            "present")
    if role == "ds":
        _document_types_check(checks, cert)
    p = []
    eku = cert.extended_key_usage
    if role == "ml_signer":
        if eku is None or IcaoOid.CSCA_MASTER_LIST_SIGNING_KEY not in eku:
            p.append("extendedKeyUsage must contain id-icao-cscaMasterListSigningKey "
                     f"({IcaoOid.CSCA_MASTER_LIST_SIGNING_KEY})")
    elif cert.extension(_EKU) is not None:
        p.append("extendedKeyUsage must not be present in a CSCA or DS certificate")
    _ok(checks, "extended key usage", p, IcaoOid.CSCA_MASTER_LIST_SIGNING_KEY if role == "ml_signer" else "absent")
    p = [f"unknown critical extension {e.oid}" for e in cert.extensions if e.critical and e.oid not in _KNOWN]
    _ok(checks, "critical extensions", p, "none unknown")


def _pkup_check(checks: list[Check], cert: Certificate) -> None:
    p: list[str] = []
    pk = cert.extension(ID_PRIVATE_KEY_USAGE_PERIOD)
    if pk is None:
        p.append("privateKeyUsagePeriod is missing")
    else:
        if pk.critical:
            p.append("privateKeyUsagePeriod must not be critical")
        try:
            v = asn1_x509.PrivateKeyUsagePeriod.load(pk.value, strict=True)
            nb, na = v["not_before"].native, v["not_after"].native
            if nb is None and na is None:
                p.append("privateKeyUsagePeriod has neither notBefore nor notAfter")
            if na is not None and na > cert.not_after:
                p.append("private key usage ends after the certificate expires")
        except (ValueError, TypeError):
            p.append("privateKeyUsagePeriod cannot be decoded")
    _ok(checks, "private key usage period", p, "present")


def _document_types_check(checks: list[Check], cert: Certificate) -> None:
    p: list[str] = []
    dtl = cert.extension(IcaoOid.DOCUMENT_TYPE_LIST)
    types: list[str] = []
    if dtl is None:
        p.append(f"documentTypeList ({IcaoOid.DOCUMENT_TYPE_LIST}) is missing")
    else:
        try:
            v = DocumentTypeListSyntax.load(dtl.value, strict=True)
            if v["version"].native != 0:
                p.append(f"documentTypeList version {v['version'].native}, must be 0")
            types = [t.native for t in v["doc_type_list"]]
            if not types or any(not 1 <= len(t) <= 2 for t in types):
                p.append("documentTypeList entries must be 1-2 characters")
        except (ValueError, TypeError):
            p.append("documentTypeList cannot be decoded")
    _ok(checks, "document type list", p, ", ".join(types))
