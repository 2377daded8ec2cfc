"""Certificates and CRLs of the eMRTD PKI, built to the 9303-12 §7 profile.

CSCA (self-signed), CSCA link certificate, Document Signer, Master List signer, and the
CRL the CSCA issues. Every certificate carries: version 3, a positive serial of at most 20
octets, C= in subject (and issuer), key usage (critical), AKI and SKI, privateKeyUsagePeriod,
CRL distribution point; the DS adds documentTypeList, the ML signer its extended key usage.

The issuing key is a signer (``KeyFileSigner`` or ``Pkcs11Signer``): with a key in memory
cryptography signs directly; with a key in an HSM, cryptography builds the TBS with a
throw-away key of the same kind and the signer's signature replaces that one (the algorithm
identifier is the same, the TBS bytes are kept as they are).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Sequence
from typing import Any

from asn1crypto import crl as asn1_crl
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID, ObjectIdentifier

from ..algorithms import ID_PRIVATE_KEY_USAGE_PERIOD, SIGNING_CURVES, IcaoOid
from ..errors import InputError
from .algorithms import hash_for
from .asn1 import DocumentTypeListSyntax
from .countries import alpha3
from .signers import KeyFileSigner

__all__ = [
    "generate_private_key",
    "make_name",
    "make_csca",
    "make_link",
    "make_ds",
    "make_ml_signer",
    "make_crl",
    "default_crl_url",
    "PRIVATE_KEY_USAGE_PERIOD",
]

PRIVATE_KEY_USAGE_PERIOD = ObjectIdentifier(ID_PRIVATE_KEY_USAGE_PERIOD)
DOCUMENT_TYPE_LIST = ObjectIdentifier(IcaoOid.DOCUMENT_TYPE_LIST)
ML_SIGNER_EKU = ObjectIdentifier(IcaoOid.CSCA_MASTER_LIST_SIGNING_KEY)
_DAY = dt.timedelta(days=1)



def generate_private_key(key_type: str) -> rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey:
    """A new key: "rsa-2048".."rsa-4096", "ec-p256", "ec-p384", "ec-p521", "ec-brainpoolp256r1" ..."""
    kt = key_type.lower()
    if kt.startswith("rsa-") and kt[4:].isdigit():
        bits = int(kt[4:])
        if not 1024 <= bits <= 8192:
            raise InputError(f"RSA key size {bits} out of range 1024..8192")
        return rsa.generate_private_key(65537, bits)
    curve = SIGNING_CURVES.get(kt[3:]) if kt.startswith("ec-") else None
    if curve is not None and curve.crypto_curve is not None:
        return ec.generate_private_key(curve.crypto_curve())
    raise InputError(f"unknown key type {key_type!r}: rsa-2048..rsa-4096, ec-{', ec-'.join(SIGNING_CURVES)}")


def default_crl_url(country: str) -> str:
    """Where the ICAO PKD publishes a state's CRL (9303-12 §7.1.1: a CDP is mandatory)."""
    return f"https://pkddownloadsg.icao.int/CRLs/{alpha3(country) or country.upper()}.crl"


def make_name(country: str, common_name: str, organization: str | None = None, ou: str | None = None) -> x509.Name:
    """A subject/issuer name with C= first (PrintableString, upper case alpha-2, 9303-12 §7.1.1)."""
    if len(country) != 2 or not country.isalpha() or not country.isupper():
        raise InputError(f"country {country!r} is not an upper-case ISO 3166 alpha-2 code")
    attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, country)]
    if organization:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    if ou:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, ou))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(attrs)


def _pkup(not_before: dt.datetime, not_after: dt.datetime) -> x509.ExtensionType:
    if hasattr(x509, "PrivateKeyUsagePeriod"):  # cryptography >= 45 knows the extension
        return x509.PrivateKeyUsagePeriod(not_before.replace(tzinfo=None), not_after.replace(tzinfo=None))
    value = asn1_x509.PrivateKeyUsagePeriod(
        {"not_before": not_before.astimezone(dt.timezone.utc), "not_after": not_after.astimezone(dt.timezone.utc)}
    )
    return x509.UnrecognizedExtension(PRIVATE_KEY_USAGE_PERIOD, value.dump())


def _document_type_list(types: Sequence[str]) -> x509.UnrecognizedExtension:
    for t in types:
        if not 1 <= len(t) <= 2 or not t.isalpha():
            raise InputError(f"document type {t!r} is not 1-2 letters (9303-12 §7.1.1.3)")
    value = DocumentTypeListSyntax({"version": 0, "doc_type_list": [t.upper() for t in types]})
    return x509.UnrecognizedExtension(DOCUMENT_TYPE_LIST, value.dump())


def _key_usage(*, digital_signature: bool = False, cert_sign: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature, content_commitment=False, key_encipherment=False,
        data_encipherment=False, key_agreement=False, key_cert_sign=cert_sign, crl_sign=cert_sign,
        encipher_only=False, decipher_only=False,
    )


@functools.lru_cache(maxsize=4)
def _throwaway_key(kind: str) -> Any:
    # Only its algorithm identifier is used; 2048 bits so PSS with SHA-512 fits.
    return rsa.generate_private_key(65537, 2048) if kind == "rsa" else ec.generate_private_key(ec.SECP256R1())


def _sign(builder: Any, issuer: Any) -> Any:
    """Sign a certificate or CRL builder with a signer (key in memory or in an HSM)."""
    h = hash_for(issuer.hash_algorithm)
    pub = issuer.public_key()
    pss = bool(getattr(issuer, "pss", False)) and isinstance(pub, rsa.RSAPublicKey)
    pad = padding.PSS(padding.MGF1(h), h.digest_size) if pss else None
    if isinstance(issuer, KeyFileSigner):
        return builder.sign(issuer.private_key, h, rsa_padding=pad)
    draft = builder.sign(_throwaway_key("rsa" if isinstance(pub, rsa.RSAPublicKey) else "ec"), h, rsa_padding=pad)
    der = draft.public_bytes(serialization.Encoding.DER)
    if isinstance(draft, x509.Certificate):
        parsed = asn1_x509.Certificate.load(der)
        tbs_name, sig_name, outer = "tbs_certificate", "signature_value", asn1_x509.Certificate
        tbs = draft.tbs_certificate_bytes
    else:
        parsed = asn1_crl.CertificateList.load(der)
        tbs_name, sig_name, outer = "tbs_cert_list", "signature", asn1_crl.CertificateList
        tbs = draft.tbs_certlist_bytes
    signed = outer({tbs_name: parsed[tbs_name], "signature_algorithm": parsed["signature_algorithm"], sig_name: issuer.sign(tbs)})
    out = signed.dump(force=True)
    return x509.load_der_x509_certificate(out) if outer is asn1_x509.Certificate else x509.load_der_x509_crl(out)


def _ski(public_key: Any) -> x509.SubjectKeyIdentifier:
    return x509.SubjectKeyIdentifier.from_public_key(public_key)


def _ski_of(cert: x509.Certificate) -> bytes:
    try:
        return cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    except x509.ExtensionNotFound:
        return x509.SubjectKeyIdentifier.from_public_key(cert.public_key()).digest


def _now(at: dt.datetime | None) -> dt.datetime:
    return (at or dt.datetime.now(dt.timezone.utc)).replace(microsecond=0)


def _base(subject: x509.Name, issuer: x509.Name, public_key: Any, not_before: dt.datetime, not_after: dt.datetime,
          serial: int | None) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(serial if serial is not None else x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
    )


def _cdp(url: str) -> x509.CRLDistributionPoints:
    return x509.CRLDistributionPoints(
        [x509.DistributionPoint([x509.UniformResourceIdentifier(url)], None, None, None)]
    )


def make_csca(
    signer: Any,
    *,
    country: str,
    common_name: str,
    organization: str | None = None,
    not_before: dt.datetime | None = None,
    key_usage_days: int = 5 * 365,
    validity_days: int = 15 * 365,
    serial_number: int | None = None,
    crl_url: str | None = None,
) -> x509.Certificate:
    """A self-signed CSCA certificate (9303-12 §7.1.1): CA, pathLen 0, keyCertSign + cRLSign."""
    start = _now(not_before)
    name = make_name(country, common_name, organization)
    pub = signer.public_key()
    b = (
        _base(name, name, pub, start, start + dt.timedelta(days=validity_days), serial_number)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(cert_sign=True), critical=True)
        .add_extension(_ski(pub), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier(_ski(pub).digest, None, None), critical=False)
        .add_extension(_pkup(start, start + dt.timedelta(days=key_usage_days)), critical=False)
        .add_extension(_cdp(crl_url or default_crl_url(country)), critical=False)
    )
    return _sign(b, signer)


def make_link(
    new_csca: x509.Certificate, old_signer: Any, *, serial_number: int | None = None, crl_url: str | None = None
) -> x509.Certificate:
    """A link certificate: the new CSCA key and name, signed by the old CSCA key (9303-12 §5.5.1)."""
    old = old_signer.certificate
    if old is None:
        raise InputError("the old CSCA signer has no certificate")
    country = new_csca.subject.get_attributes_for_oid(NameOID.COUNTRY_NAME)[0].value
    pub = new_csca.public_key()
    not_after = min(old.not_valid_after_utc, new_csca.not_valid_after_utc)
    b = _base(new_csca.subject, old.subject, pub, new_csca.not_valid_before_utc, not_after, serial_number)
    b = (
        b.add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(cert_sign=True), critical=True)
        .add_extension(_ski(pub), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier(_ski_of(old), None, None), critical=False)
        .add_extension(new_csca.extensions.get_extension_for_oid(PRIVATE_KEY_USAGE_PERIOD).value, critical=False)
        .add_extension(_cdp(crl_url or default_crl_url(str(country))), critical=False)
    )
    return _sign(b, old_signer)


def _issued(
    csca_signer: Any, public_key: Any, common_name: str, organization: str | None, not_before: dt.datetime | None,
    key_usage_days: int, validity_days: int, serial_number: int | None, crl_url: str | None,
    role: Sequence[tuple[x509.ExtensionType, bool]],
) -> x509.Certificate:
    """A certificate the CSCA issues: country, AKI/SKI, key usage period and CDP, then ``role``'s
    (extension, critical) pairs in order, signed by the CSCA."""
    csca = csca_signer.certificate
    if csca is None:
        raise InputError("the CSCA signer has no certificate")
    country = str(csca.subject.get_attributes_for_oid(NameOID.COUNTRY_NAME)[0].value)
    start = _now(not_before)
    b = (
        _base(make_name(country, common_name, organization), csca.subject, public_key, start,
              start + dt.timedelta(days=validity_days), serial_number)
        .add_extension(x509.AuthorityKeyIdentifier(_ski_of(csca), None, None), critical=False)
        .add_extension(_ski(public_key), critical=False)
        .add_extension(_pkup(start, start + dt.timedelta(days=key_usage_days)), critical=False)
        .add_extension(_cdp(crl_url or default_crl_url(country)), critical=False)
    )
    for extension, critical in role:
        b = b.add_extension(extension, critical=critical)
    return _sign(b, csca_signer)


def make_ds(
    csca_signer: Any,
    public_key: Any,
    *,
    common_name: str,
    organization: str | None = None,
    document_types: Sequence[str] = ("ID",),
    not_before: dt.datetime | None = None,
    key_usage_days: int = 90,
    validity_days: int = 90 + 10 * 365,
    serial_number: int | None = None,
    crl_url: str | None = None,
) -> x509.Certificate:
    """A Document Signer certificate (9303-12 §7.1.1): digitalSignature, documentTypeList, country of the CSCA."""
    return _issued(csca_signer, public_key, common_name, organization, not_before, key_usage_days, validity_days,
                   serial_number, crl_url,
                   [(_key_usage(digital_signature=True), True), (_document_type_list(document_types), False)])


def make_ml_signer(
    csca_signer: Any,
    public_key: Any,
    *,
    common_name: str,
    organization: str | None = None,
    not_before: dt.datetime | None = None,
    key_usage_days: int = 365,
    validity_days: int = 3 * 365,
    serial_number: int | None = None,
    crl_url: str | None = None,
) -> x509.Certificate:
    """A Master List signer certificate (9303-12 §8): digitalSignature, EKU id-icao-cscaMasterListSigningKey."""
    return _issued(csca_signer, public_key, common_name, organization, not_before, key_usage_days, validity_days,
                   serial_number, crl_url,
                   [(_key_usage(digital_signature=True), True), (x509.ExtendedKeyUsage([ML_SIGNER_EKU]), True)])


def make_crl(
    csca_signer: Any,
    revoked: Iterable[x509.Certificate | int | tuple[int, dt.datetime]] = (),
    *,
    crl_number: int = 1,
    this_update: dt.datetime | None = None,
    next_update_days: int = 90,
) -> x509.CertificateRevocationList:
    """A CRL issued by the CSCA (9303-12 §7.1.4): v2, AKI, CRL number, nextUpdate; revoked serials listed."""
    csca = csca_signer.certificate
    if csca is None:
        raise InputError("the CSCA signer has no certificate")
    now = _now(this_update)
    b = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(csca.subject)
        .last_update(now)
        .next_update(now + dt.timedelta(days=next_update_days))
        .add_extension(x509.AuthorityKeyIdentifier(_ski_of(csca), None, None), critical=False)
        .add_extension(x509.CRLNumber(crl_number), critical=False)
    )
    for item in revoked:
        if isinstance(item, x509.Certificate):
            serial, when = item.serial_number, now
        elif isinstance(item, tuple):
            serial, when = item
        else:
            serial, when = int(item), now
        b = b.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(when).build()
        )
    return _sign(b, csca_signer)
