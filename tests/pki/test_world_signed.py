"""Signed objects as states sign them (made here): SignerInfos naming their signer oddly, master lists with an
unreadable entry, CRL freshness judged at the time asked."""

import datetime as dt

import pytest
from asn1crypto import cms, core, x509 as asn1_x509
from cryptography.hazmat.primitives import serialization

from cardkit.checks import Status
from cardkit.pki.certs import generate_private_key, make_crl, make_ml_signer
from cardkit.pki.masterlist import parse_master_list, verify_master_list
from cardkit.pki.sod_builder import build_master_list
from cardkit.pki.passive import passive_authentication
from cardkit.pki.signers import KeyFileSigner
from cardkit.pki.sod_builder import build_sod
from cardkit.pki.trust import TrustStore
from cardkit.tlv import encode
from tests.support.pki import der, make_pki, trust_store
from tests.support.sod import NOW, edit_signed_data, sample_dgs
from tests.pki._world import resign_signed_data

PKI = make_pki("ec-p256")
LA = make_pki("ec-p256", country="LA")
DGS = sample_dgs()


def check(result, name):
    (c,) = [c for c in result.checks if c.name == name]
    return c


def _sid_issuer(rdns, serial=None):
    """Edit: the SignerInfo names its signer by this issuer (a list of (type, value) RDNs) and serial."""
    name = asn1_x509.Name(name="", value=asn1_x509.RDNSequence([
        asn1_x509.RelativeDistinguishedName([{"type": t, "value": asn1_x509.DirectoryString(
            name="printable_string" if t == "country_name" else "utf8_string", value=v)}]) for t, v in rdns]))

    def edit(sd):
        si = sd["signer_infos"][0]
        number = si["sid"].chosen["serial_number"].native if serial is None else serial
        si["sid"] = cms.SignerIdentifier(name="issuer_and_serial_number",
                                         value={"issuer": name, "serial_number": number})
    return edit


def test_signer_issuer_with_rdns_in_another_order_passes_with_a_warning():
    # the CSCA is "CN=TEST CSCA VN,C=VN" (C first in DER); the SignerInfo writes CN first, then C
    sod = edit_signed_data(build_sod(DGS, PKI.ds_signer), _sid_issuer([("common_name", "TEST CSCA VN"),
                                                                       ("country_name", "VN")]))
    r = passive_authentication(sod, DGS, trust_store(PKI.csca), issuing_state="VNM")
    assert r.passed, r.failures
    c = check(r, "DS certificate")
    assert c.status is Status.WARNING and "another order" in c.reason


def test_signer_issuer_in_other_string_types_and_case_is_the_same_name():
    sod = edit_signed_data(build_sod(DGS, PKI.ds_signer), _sid_issuer([("country_name", "VN"),
                                                                       ("common_name", "test csca vn")]))
    r = passive_authentication(sod, DGS, trust_store(PKI.csca), issuing_state="VNM")
    assert r.passed and check(r, "DS certificate").status is Status.PASSED, r.failures


def test_only_the_serial_matches_and_one_certificate_is_carried():
    sod = edit_signed_data(build_sod(DGS, PKI.ds_signer), _sid_issuer([("country_name", "XX"),
                                                                       ("common_name", "someone else")]))
    r = passive_authentication(sod, DGS, trust_store(PKI.csca), issuing_state="VNM")
    assert r.passed, r.failures
    assert "serial number" in check(r, "DS certificate").reason and check(r, "DS certificate").status is Status.WARNING


def test_no_fallback_when_the_serial_differs_or_several_certificates_are_carried():
    wrong_serial = edit_signed_data(build_sod(DGS, PKI.ds_signer), _sid_issuer([("country_name", "VN")], serial=99))
    r = passive_authentication(wrong_serial, DGS, trust_store(PKI.csca))
    assert not r.passed and check(r, "DS certificate").failed

    def two_certs_other_issuer(sd):
        _sid_issuer([("country_name", "XX")])(sd)
        sd["certificates"] = [*sd["certificates"], cms.CertificateChoices(
            name="certificate", value=asn1_x509.Certificate.load(der(LA.ds)))]

    r = passive_authentication(edit_signed_data(build_sod(DGS, PKI.ds_signer), two_certs_other_issuer), DGS,
                               trust_store(PKI.csca))
    assert not r.passed and check(r, "DS certificate").failed


def test_newest_crl_expiry_is_judged_at_each_call_on_one_store():
    crl = make_crl(PKI.csca_signer, [], next_update_days=10)
    t = trust_store(PKI.csca, crls=[crl])
    sod = build_sod(DGS, PKI.ds_signer)
    first = passive_authentication(sod, DGS, t, issuing_state="VNM")
    assert check(first, "revocation").status is Status.PASSED and "expired" not in check(first, "revocation").reason
    later = passive_authentication(sod, DGS, t, issuing_state="VNM", at=NOW + dt.timedelta(days=30))
    assert "the newest CRL expired on" in check(later, "revocation").reason  # not the first call's memo
    again = passive_authentication(sod, DGS, t, issuing_state="VNM")
    assert "expired" not in check(again, "revocation").reason


def test_a_revoked_ds_stays_revoked_whatever_the_time():
    t = trust_store(PKI.csca, crls=[make_crl(PKI.csca_signer, [PKI.ds])])
    for at in (None, NOW + dt.timedelta(days=365)):
        r = passive_authentication(build_sod(DGS, PKI.ds_signer), DGS, t, at=at)
        assert check(r, "revocation").failed


def _ml_signer(pki):
    key = generate_private_key("ec-p256")
    return KeyFileSigner(key, make_ml_signer(pki.csca_signer, key.public_key(), common_name="TEST ML signer"))


def _with_cert_list(ders):
    """Edit: the master list's certList is exactly these DER elements (a SET, in DER order)."""
    econtent = encode(0x30, b"\x02\x01\x00" + encode(0x31, b"".join(sorted(ders))))

    def edit(sd):
        sd["encap_content_info"]["content"] = core.ParsableOctetString(econtent)
    return edit


def test_a_master_list_with_one_unreadable_certificate_loads_the_rest(tmp_path):
    signer = _ml_signer(PKI)
    broken = encode(0x30, encode(0x02, b"\x07"))  # a SEQUENCE that is no certificate
    raw = resign_signed_data(build_master_list([PKI.csca, LA.csca], signer), signer,
                             _with_cert_list([der(PKI.csca), der(LA.csca), broken]))
    ml = parse_master_list(raw)
    assert {c.raw for c in ml.cscas} == {der(PKI.csca), der(LA.csca)}
    (skipped,) = ml.skipped
    assert skipped.where.startswith("certList[") and "certificate" in skipped.reason
    assert verify_master_list(ml).raw == der(PKI.csca)
    (tmp_path / "list.ml").write_bytes(raw)
    t = TrustStore.load([tmp_path / "list.ml"])
    assert len(t.cscas) == 2 and not [f for f in t.findings if f.failed]
    assert any(f.status is Status.WARNING and "skipped certList[" in f.reason for f in t.findings)
    (outcome,) = t.lists
    assert outcome.verified and outcome.certificates == 2 and len(outcome.skipped) == 1
    assert passive_authentication(build_sod(DGS, LA.ds_signer), DGS, t, issuing_state="LAO").passed


def test_a_master_list_whose_signature_fails_gives_nothing(tmp_path):
    signer = _ml_signer(PKI)
    raw = bytearray(build_master_list([PKI.csca, LA.csca], signer))
    raw[-5] ^= 1  # inside the signature value
    (tmp_path / "list.ml").write_bytes(bytes(raw))
    t = TrustStore.load([tmp_path / "list.ml"])
    assert t.cscas == [] and [f for f in t.findings if f.failed and f.name == "master list signature"]
    assert not t.lists[0].verified


@pytest.mark.parametrize("kind", ["pem", "der"])
def test_bundles_skip_what_they_cannot_read(tmp_path, kind):
    good = PKI.csca.public_bytes(serialization.Encoding.PEM) + LA.csca.public_bytes(serialization.Encoding.PEM)
    bad = b"-----BEGIN CERTIFICATE-----\nMAMCAQc=\n-----END CERTIFICATE-----\n"  # SEQUENCE { INTEGER 7 }
    (tmp_path / "b.pem").write_bytes(good + bad if kind == "pem" else good)
    t = TrustStore.load([tmp_path / "b.pem"])
    assert len(t.cscas) == 2 and not [f for f in t.findings if f.failed]
    if kind == "pem":
        assert [f for f in t.findings if f.status is Status.WARNING and "certificate[2]" in f.reason]
