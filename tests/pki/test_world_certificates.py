"""Certificates as states issue them (made here): each quirk read with a finding, linted, trusted, verified."""

import warnings

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography import x509

from cardkit.certificates import Quirk, load_certificate, read_name
from cardkit.checks import Status
from cardkit.errors import ParseError, VerificationError
from cardkit.pki.algorithms import verify_certificate
from cardkit.pki.lint import lint
from cardkit.pki.passive import passive_authentication
from cardkit.pki.signers import KeyFileSigner
from cardkit.pki.sod_builder import build_sod
from cardkit.pki.trust import TrustStore, as_certificate
from tests.support.pki import der, make_pki
from tests.support.sod import sample_dgs
from tests.pki._world import (ca_false_with_path_length, ecdsa_with_null, explicit_p256_spki, resign, serial,
                              with_spki)

PKI = make_pki("ec-p256")
DGS = sample_dgs()


def quirks(cert):
    return {f.quirk for f in cert.findings}


def departures(cert):
    return {c.name: c.reason for c in lint(cert) if c.failed}


def test_a_correct_certificate_has_no_findings():
    c = as_certificate(PKI.csca)
    assert c.findings == () and c.raw == der(PKI.csca) and c.is_ca and c.is_self_issued
    assert c.subject.rfc4514_string() == PKI.csca.subject.rfc4514_string()
    assert c.serial_number == PKI.csca.serial_number and c.not_after == PKI.csca.not_valid_after_utc


@pytest.mark.parametrize("value", [-5, 0])
def test_non_positive_serial_is_read_linted_and_verified(value):
    raw = resign(PKI.csca, PKI.csca_signer, serial(value))
    with pytest.raises((ValueError, Warning)):  # cryptography refuses it, or warns that it soon will
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            x509.load_der_x509_certificate(raw).serial_number
    c = load_certificate(raw)
    assert c.serial_number == value and quirks(c) == {Quirk.SERIAL_NOT_POSITIVE}
    assert "serial number" in departures(c)
    verify_certificate(c, c)  # self-signed: its own key verifies it
    store = TrustStore()
    store.add_certificate(c)
    assert store.cscas == [c] and not [f for f in store.findings if f.failed]


def test_null_parameters_in_ecdsa_algorithm_identifier():
    raw = resign(PKI.csca, PKI.csca_signer, ecdsa_with_null)
    with pytest.raises(ValueError):
        x509.load_der_x509_certificate(raw).signature_algorithm_oid  # noqa: B018
    c = load_certificate(raw)
    assert quirks(c) == {Quirk.ECDSA_PARAMETERS}
    assert "RFC 5758" in departures(c)["signature algorithm"]
    verify_certificate(c, c)
    ds = resign(PKI.ds, PKI.csca_signer, ecdsa_with_null)  # a DS signed so, under that CSCA: the path verifies
    store = TrustStore()
    store.add_certificate(c)
    assert store.path(load_certificate(ds)).ok


@pytest.mark.parametrize("unused_bits", [0, 4])
def test_explicit_parameters_are_matched_to_the_named_curve(unused_bits):
    spki = explicit_p256_spki(PKI.csca_signer.private_key.public_key(), seed_unused_bits=unused_bits)
    raw = resign(PKI.csca, PKI.csca_signer, with_spki(spki))
    c = load_certificate(raw)
    want = {Quirk.EXPLICIT_EC_PARAMETERS} | ({Quirk.EC_SEED} if unused_bits else set())
    assert quirks(c) == want
    assert c.key_description == "secp256r1" and c.crypto_public_key is not None
    assert c.crypto_public_key.public_numbers() == PKI.csca_signer.private_key.public_key().public_numbers()
    assert "public key" not in departures(c)  # legal encodings, reported in the detail
    assert "explicit domain parameters" in {x.name: x.reason for x in lint(c)}["public key"]
    # the DS the real key signed verifies with the explicit key; and a whole document passes
    store = TrustStore()
    store.add_certificate(c)
    r = passive_authentication(build_sod(DGS, PKI.ds_signer), DGS, store, issuing_state="VNM")
    assert r.passed and r.csca == c, r.failures


def test_explicit_parameters_on_a_ds_key_verify_the_sod():
    spki = explicit_p256_spki(PKI.ds_signer.private_key.public_key(), seed_unused_bits=4)
    ds = load_certificate(resign(PKI.ds, PKI.csca_signer, with_spki(spki)))
    signer = KeyFileSigner(PKI.ds_signer.private_key, x509.load_der_x509_certificate(ds.raw), "sha256", False)
    store = TrustStore()
    store.add_certificate(PKI.csca)
    r = passive_authentication(build_sod(DGS, signer), DGS, store, issuing_state="VNM")
    assert r.passed, r.failures
    assert r.ds_certificate.raw == ds.raw and Quirk.EC_SEED in quirks(r.ds_certificate)


def test_ca_false_with_path_length():
    raw = resign(PKI.csca, PKI.csca_signer, ca_false_with_path_length)
    with pytest.raises(ValueError):
        x509.load_der_x509_certificate(raw).extensions  # noqa: B018
    c = load_certificate(raw)
    assert Quirk.CA_FALSE_PATH_LENGTH in quirks(c) and not c.is_ca
    bc = departures(c)["basic constraints"]
    assert "cA must be TRUE" in bc and "pathLenConstraint" in bc
    lone = TrustStore()
    lone.add_certificate(c, "csca.der")  # self-signed, may sign certificates: trusted with a warning
    assert lone.cscas == [c] and any(f.status is Status.WARNING and "not marked as a CA" in f.reason
                                     for f in lone.findings)


def test_a_ds_certificate_alone_is_not_an_anchor():
    store = TrustStore()
    store.add_certificate(PKI.ds, "ds.der")
    assert store.cscas == [] and [f for f in store.findings if f.failed and "not a CA certificate" in f.reason]


@pytest.mark.parametrize("data", [b"", b"\x30\x03\x02\x01\x00", der(PKI.csca)[:-10], der(PKI.csca) + b"\x00",
                                  b"\x30\x82\x01\x00" + bytes(256)])
def test_a_certificate_nothing_can_read_is_a_typed_error(data):
    with pytest.raises(ParseError) as e:
        load_certificate(data, source="x.der")
    assert "x.der" in str(e.value)


def test_wrong_issuer_key_does_not_verify():
    other = make_pki("ec-p256")
    with pytest.raises(VerificationError):
        verify_certificate(as_certificate(PKI.ds), as_certificate(other.csca))


def name(*pairs, string_type="utf8_string"):
    """A Name with one attribute per RDN, in the order given."""
    return asn1_x509.Name(name="", value=asn1_x509.RDNSequence([
        asn1_x509.RelativeDistinguishedName([{"type": t, "value": asn1_x509.DirectoryString(
            name="printable_string" if t == "country_name" else string_type, value=v)}]) for t, v in pairs]))


def test_names_compare_semantically_but_keep_their_bytes():
    c = as_certificate(PKI.csca)  # C=VN, CN=TEST CSCA VN (PrintableString / UTF8String as cryptography writes)
    a = read_name(name(("country_name", "VN"), ("common_name", "TEST CSCA VN"), string_type="printable_string"))
    b = read_name(name(("country_name", "VN"), ("common_name", "test  csca vn")))
    assert a != b and a.matches(b)  # case, inner spaces and string type do not matter (RFC 5280 §7.1, RFC 4518)
    assert a.matches(c.subject) and b.matches(c.subject)
    r = read_name(name(("common_name", "TEST CSCA VN"), ("country_name", "VN")))
    assert not r.matches(c.subject) and r.same_attributes(c.subject)
    assert r.rfc4514_string() == "C=VN,CN=TEST CSCA VN" and c.subject.rfc4514_string() == "CN=TEST CSCA VN,C=VN"
