"""Certificates to the 9303-12 profile, and the linter that reports every departure from it."""

import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import NameOID

from cardkit.checks import Status
from cardkit.pki.asn1 import DocumentTypeListSyntax
from cardkit.pki.certs import PRIVATE_KEY_USAGE_PERIOD, generate_private_key, make_csca, make_link, make_ml_signer
from cardkit.pki.lint import certificate_role, lint
from cardkit.pki.signers import KeyFileSigner
from tests.support.pki import make_pki
from tests.support.sod import NOW

PKI = make_pki("ec-p256")


def statuses(checks):
    return {c.name: c for c in checks}


def departures(cert, role=None):
    return {c.name: c.reason for c in lint(cert, role) if c.status is Status.FAILED}


@pytest.mark.parametrize("key_type", ["rsa-2048", "ec-p256", "ec-p384", "ec-p521", "ec-brainpoolp256r1",
                                      "ec-brainpoolp384r1", "ec-brainpoolp512r1"])
def test_generated_certificates_conform(key_type):
    pki = make_pki(key_type, pss=key_type.startswith("rsa"))
    assert departures(pki.csca) == {}
    assert departures(pki.ds) == {}
    assert certificate_role(pki.csca) == "csca" and certificate_role(pki.ds) == "ds"


def test_csca_profile_details():
    c = PKI.csca
    bc = c.extensions.get_extension_for_class(x509.BasicConstraints)
    assert bc.critical and bc.value.ca and bc.value.path_length == 0
    ku = c.extensions.get_extension_for_class(x509.KeyUsage)
    assert ku.critical and ku.value.key_cert_sign and ku.value.crl_sign and not ku.value.digital_signature
    assert c.issuer == c.subject and c.subject.get_attributes_for_oid(NameOID.COUNTRY_NAME)[0].value == "VN"
    assert c.extensions.get_extension_for_oid(PRIVATE_KEY_USAGE_PERIOD).critical is False


def test_ds_profile_details():
    d = PKI.ds
    ku = d.extensions.get_extension_for_class(x509.KeyUsage)
    assert ku.critical and ku.value.digital_signature and not ku.value.key_cert_sign
    aki = d.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value.key_identifier
    assert aki == PKI.csca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    dtl = d.extensions.get_extension_for_oid(x509.ObjectIdentifier("2.23.136.1.1.6.2"))
    parsed = DocumentTypeListSyntax.load(dtl.value.value)
    assert parsed["version"].native == 0 and [t.native for t in parsed["doc_type_list"]] == ["ID"]
    with pytest.raises(x509.ExtensionNotFound):
        d.extensions.get_extension_for_class(x509.BasicConstraints)
    d.verify_directly_issued_by(PKI.csca)


def test_ml_signer_and_link_conform():
    ml_key = generate_private_key("ec-p256")
    ml = make_ml_signer(PKI.csca_signer, ml_key.public_key(), common_name="TEST ML signer")
    assert certificate_role(ml) == "ml_signer" and departures(ml) == {}
    new_signer = KeyFileSigner(generate_private_key("ec-p256"))
    new = make_csca(new_signer, country="VN", common_name="TEST CSCA VN")
    link = make_link(new, PKI.csca_signer)
    assert certificate_role(link) == "link" and departures(link) == {}
    link.verify_directly_issued_by(PKI.csca)


def _bad_builder(key, issuer_key, **over):
    name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, over.get("country", "VN")),
                      x509.NameAttribute(NameOID.COMMON_NAME, "bad DS")])
    b = (x509.CertificateBuilder().subject_name(name).issuer_name(PKI.csca.subject).public_key(key.public_key())
         .serial_number(over.get("serial", 5)).not_valid_before(NOW).not_valid_after(NOW + dt.timedelta(days=30)))
    if over.get("ku", True):
        b = b.add_extension(x509.KeyUsage(True, False, False, False, False, over.get("cert_sign", False), False,
                                          False, False), critical=over.get("ku_critical", True))
    if over.get("bc"):
        b = b.add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
    return b.sign(issuer_key, over.get("hash", hashes.SHA256()))


def test_lint_reports_every_departure_of_a_bad_ds():
    key = generate_private_key("ec-p256")
    cert = _bad_builder(key, PKI.csca_signer.private_key, ku_critical=False, bc=True, country="LA")
    d = departures(cert, "ds")
    assert "keyUsage must be critical" in d["key usage"]
    assert "basicConstraints must not be present" in d["basic constraints"]
    assert "differs from issuer country" in d["names"]
    assert "authorityKeyIdentifier is missing" in d["authority key identifier"]
    assert "subjectKeyIdentifier is missing" in d["subject key identifier"]
    assert "privateKeyUsagePeriod is missing" in d["private key usage period"]
    assert "documentTypeList" in d["document type list"]
    assert "cRLDistributionPoints" in d["CRL distribution points"]


def test_lint_checks_key_usage_bits_and_small_keys():
    key = generate_private_key("rsa-1024")
    cert = _bad_builder(key, PKI.csca_signer.private_key, cert_sign=True)
    d = departures(cert, "ds")
    assert "must be exactly ['digital_signature']" in d["key usage"]
    assert "below 2048" in d["public key"]


def test_lint_on_a_ds_checked_as_csca():
    d = departures(PKI.ds, "csca")
    assert "basicConstraints is missing" in d["basic constraints"]
    assert "issuer must equal its subject" in d["names"]


def test_sha1_signature_is_a_departure():
    from asn1crypto import x509 as a509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    parsed = a509.Certificate.load(PKI.ds.public_bytes(serialization.Encoding.DER))
    tbs = parsed["tbs_certificate"]
    alg = a509.SignedDigestAlgorithm({"algorithm": "sha1_ecdsa"})
    tbs["signature"] = alg
    sig = PKI.csca_signer.private_key.sign(tbs.dump(force=True), ec.ECDSA(hashes.SHA1()))
    cert = x509.load_der_x509_certificate(
        a509.Certificate({"tbs_certificate": tbs, "signature_algorithm": alg, "signature_value": sig}).dump(force=True))
    assert "not RSA/RSASSA-PSS/ECDSA with SHA-2" in departures(cert)["signature algorithm"]
