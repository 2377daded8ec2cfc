"""Passive Authentication: the good path and every bad-input case, each a specific FAILED finding."""

import dataclasses
import datetime as dt
import hashlib

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID

from cardkit.checks import Status
from cardkit.lds.sod import Sod
from cardkit.algorithms import IcaoOid
from cardkit.pki.certs import make_crl, make_link, make_csca, generate_private_key
from cardkit.pki.passive import passive_authentication
from cardkit.pki.signers import KeyFileSigner
from cardkit.pki.sod_builder import build_sod
from tests.support.pki import der, make_pki, trust_store
from tests.support.sod import NOW, edit_signed_data, sample_dgs

PKI = make_pki("ec-p256")
DGS = sample_dgs()


TRUST = trust_store(PKI.csca)


def check(result, name):
    found = [c for c in result.checks if c.name == name]
    assert len(found) == 1, f"no single check {name!r} in {[c.name for c in result.checks]}"
    return found[0]


def failed(result, name, words=""):
    c = check(result, name)
    assert c.status is Status.FAILED, c
    assert words in c.reason, c.reason
    assert not result.passed
    return c


@pytest.mark.parametrize("key_type,pss,h", [("ec-p256", False, "sha256"), ("rsa-2048", True, "sha256"),
                                           ("rsa-2048", False, "sha384"), ("ec-brainpoolp256r1", False, "sha512"),
                                           ("ec-p384", False, "sha384"), ("ec-p521", False, "sha512"),
                                           ("ec-brainpoolp384r1", False, "sha384"),
                                           ("ec-brainpoolp512r1", False, "sha512"), ("rsa-3072", True, "sha512")])
def test_genuine_document_passes_every_step(key_type, pss, h):
    pki = make_pki(key_type, pss=pss, hash_algorithm=h)
    sod = build_sod(DGS, pki.ds_signer, hash_algorithm=h)
    r = passive_authentication(sod, DGS, trust_store(pki.csca), issuing_state="VNM")
    assert r.passed, r.failures
    assert r.ds_certificate.raw == der(pki.ds) and r.csca.raw == der(pki.csca) and r.hash_algorithm == h
    assert r.anchor_found is True
    assert r.signature_algorithm == ("RSASSA-PSS" if pss else pki.ds_signer.signature_algorithm)
    statuses = {c.name: c.status for c in r.checks}
    for name in ("SOD parse", "SOD structure", "eContent type", "signed attributes", "DS certificate", "SOD signature",
                 "certificate path", "DS validity", "CSCA validity", "DS key usage", "country", "hash algorithm",
                 "DG1 hash", "DG2 hash", "DG14 hash", "DG15 hash"):
        assert statuses[name] is Status.PASSED, name
    assert statuses["revocation"] is Status.SKIPPED  # no CRL loaded: said so, not passed


@pytest.mark.parametrize("econtent_type", [IcaoOid.LDS_SECURITY_OBJECT_LEGACY, IcaoOid.LDS_SECURITY_OBJECT_NL,
                                           "1.2.840.113549.1.7.1"])
def test_signer_by_ski_and_legacy_econtent_types_accepted_with_a_warning(econtent_type):
    sod = build_sod(DGS, PKI.ds_signer, signer_id="ski", econtent_type=econtent_type)
    r = passive_authentication(sod, DGS, TRUST, issuing_state="VNM")
    assert r.passed, r.failures
    c = check(r, "eContent type")
    assert c.status is Status.WARNING and econtent_type in c.reason and "2.23.136.1.1.1" in c.reason
    assert check(r, "DS certificate").status is Status.PASSED  # found by its subject key identifier


def test_corrupted_sod_is_a_parse_finding_not_a_crash():
    sod = build_sod(DGS, PKI.ds_signer)
    r = passive_authentication(sod[:40], DGS, TRUST)
    failed(r, "SOD parse", "cannot be parsed")
    assert check(r, "SOD signature").status is Status.SKIPPED


def test_flipped_signature_byte_fails_the_signature():
    def edit(sd):
        si = sd["signer_infos"][0]
        sig = bytearray(si["signature"].native)
        sig[10] ^= 1
        si["signature"] = bytes(sig)

    r = passive_authentication(edit_signed_data(build_sod(DGS, PKI.ds_signer), edit), DGS, TRUST)
    failed(r, "SOD signature", "does not verify")


def test_wrong_content_type():
    sod = build_sod(DGS, PKI.ds_signer, econtent_type="1.2.3.4")  # no LDS type at all
    r = passive_authentication(sod, DGS, TRUST)
    failed(r, "eContent type", "is not id-icao-mrtd-security-ldsSecurityObject")


def test_content_type_attribute_must_match_econtent_type():
    def edit(sd):
        sd["encap_content_info"]["content_type"] = IcaoOid.LDS_SECURITY_OBJECT_LEGACY

    r = passive_authentication(edit_signed_data(build_sod(DGS, PKI.ds_signer), edit), DGS, TRUST)
    failed(r, "signed attributes", "differs from eContentType")


def test_econtent_changed_after_signing_breaks_message_digest():
    from asn1crypto import core

    from cardkit.pki.sod_builder import build_lds_security_object

    other = build_lds_security_object({1: b"\x61\x00"})

    def edit(sd):
        sd["encap_content_info"]["content"] = core.ParsableOctetString(other)

    r = passive_authentication(edit_signed_data(build_sod(DGS, PKI.ds_signer), edit), {1: b"\x61\x00"}, TRUST)
    failed(r, "signed attributes", "messageDigest does not match")


def test_missing_ds_certificate():
    def edit(sd):
        del sd["certificates"]

    r = passive_authentication(edit_signed_data(build_sod(DGS, PKI.ds_signer), edit), DGS, TRUST)
    failed(r, "DS certificate", "carries no certificate")
    assert check(r, "SOD signature").status is Status.SKIPPED


def test_wrong_ds_certificate():
    other = PKI.issue()

    def edit(sd):
        sd["certificates"] = [asn1_x509.Certificate.load(other.ds.public_bytes(serialization.Encoding.DER))]

    r = passive_authentication(edit_signed_data(build_sod(DGS, PKI.ds_signer), edit), DGS, TRUST)
    failed(r, "DS certificate", "is the one the SignerInfo names")


def test_tampered_data_group():
    sod = build_sod(DGS, PKI.ds_signer)
    changed = {**DGS, 2: DGS[2][:-1] + b"\x02"}
    r = passive_authentication(sod, changed, TRUST, issuing_state="VNM")
    failed(r, "DG2 hash", "does not match")
    assert check(r, "DG1 hash").passed and check(r, "SOD signature").passed


def test_listed_dg_not_read_is_reported_and_extra_dg_fails():
    sod = build_sod({1: DGS[1], 2: DGS[2]}, PKI.ds_signer)
    r = passive_authentication(sod, {1: DGS[1]}, TRUST)
    c = check(r, "DG2 hash")
    assert c.status is Status.SKIPPED and "listed in EF.SOD but was not read" in c.reason
    assert r.passed
    r = passive_authentication(sod, {1: DGS[1], 2: DGS[2], 11: b"\x6b\x00"}, TRUST)
    failed(r, "DG11 hash", "not listed in EF.SOD")


@pytest.mark.parametrize("name", ["sha256", "sha512_256", "SHA384"])
def test_data_groups_hashed_under_the_sod_hash_algorithm_by_any_name_hashlib_knows(name):
    """The hash constructor is taken once per algorithm: the guaranteed names directly, others through hashlib.new."""
    sod = Sod.from_bytes(build_sod(DGS, PKI.ds_signer))
    hashed = dataclasses.replace(sod, hash_algorithm=name,
                                 dg_hashes={n: hashlib.new(name, DGS[n]).digest() for n in sod.dg_hashes})
    r = passive_authentication(hashed, DGS, TRUST, issuing_state="VNM")
    assert all(check(r, f"DG{n} hash").passed for n in DGS), r.checks
    changed = passive_authentication(hashed, {**DGS, 1: DGS[1] + b"\x00"}, TRUST, issuing_state="VNM")
    failed(changed, "DG1 hash", "does not match")


def test_a_hash_algorithm_hashlib_does_not_know_fails_the_data_group_hashes():
    sod = dataclasses.replace(Sod.from_bytes(build_sod(DGS, PKI.ds_signer)), hash_algorithm="1.2.3.4")
    r = passive_authentication(sod, DGS, TRUST, issuing_state="VNM")
    failed(r, "data group hashes", "unsupported hash algorithm 1.2.3.4")
    assert not any(c.name.endswith(" hash") for c in r.checks)


def test_expired_ds():
    old = PKI.issue(not_before=NOW - dt.timedelta(days=400), validity_days=30)
    r = passive_authentication(build_sod(DGS, old.ds_signer), DGS, TRUST)
    failed(r, "DS validity", "expired")


def test_ds_not_valid_at_signing_time():
    sod = build_sod(DGS, PKI.ds_signer, signing_time=NOW - dt.timedelta(days=3000))
    r = passive_authentication(sod, DGS, TRUST)
    failed(r, "DS validity", "at signing time")


def test_validity_checked_at_a_given_time():
    sod = build_sod(DGS, PKI.ds_signer)
    r = passive_authentication(sod, DGS, TRUST, at=NOW + dt.timedelta(days=365 * 20))
    failed(r, "DS validity", "expired")
    failed(r, "CSCA validity", "expired")


def test_revoked_ds():
    crl = make_crl(PKI.csca_signer, [PKI.ds])
    r = passive_authentication(build_sod(DGS, PKI.ds_signer), DGS, trust_store(PKI.csca, crls=[crl]))
    failed(r, "revocation", "revoked on")


def test_crl_without_the_ds_passes_revocation():
    other = PKI.issue()
    crl = make_crl(PKI.csca_signer, [other.ds])
    r = passive_authentication(build_sod(DGS, PKI.ds_signer), DGS, trust_store(PKI.csca, crls=[crl]))
    assert check(r, "revocation").passed and r.passed


def test_unknown_csca():
    stranger = make_pki("ec-p256")
    r = passive_authentication(build_sod(DGS, PKI.ds_signer), DGS, trust_store(stranger.csca))
    failed(r, "certificate path", "unknown CSCA")
    assert check(r, "revocation").status is Status.SKIPPED


def test_same_name_other_key_is_unknown_csca():
    impostor = make_pki("ec-p256")  # also "TEST CSCA VN", another key
    r = passive_authentication(build_sod(DGS, impostor.ds_signer), DGS, TRUST)
    failed(r, "certificate path", "has the key")
    assert r.anchor_found is False  # the store has no CSCA with the DS's issuing key: unknown, not forged


def test_country_mismatch_with_issuing_state():
    r = passive_authentication(build_sod(DGS, PKI.ds_signer), DGS, TRUST, issuing_state="LAO")
    failed(r, "country", "differs from the document's issuing state LAO")


def test_country_mismatch_between_ds_and_csca():
    key = generate_private_key("ec-p256")
    name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "LA"), x509.NameAttribute(NameOID.COMMON_NAME, "DS")])
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(PKI.csca.subject).public_key(key.public_key())
        .serial_number(7).not_valid_before(NOW - dt.timedelta(days=1)).not_valid_after(NOW + dt.timedelta(days=99))
        .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
        .sign(PKI.csca_signer.private_key, PKI.csca_signer.private_key.public_key() and __import__(
            "cryptography.hazmat.primitives.hashes", fromlist=["SHA256"]).SHA256())
    )
    signer = KeyFileSigner(key, cert)
    r = passive_authentication(build_sod(DGS, signer), DGS, TRUST, issuing_state="VNM")
    failed(r, "country", "DS country LA differs from CSCA country VN")


def test_ds_key_usage_must_allow_signing():
    cert = PKI.csca  # a CA certificate used as if it were a DS: keyCertSign, not digitalSignature
    signer = KeyFileSigner(PKI.csca_signer.private_key, cert)
    r = passive_authentication(build_sod(DGS, signer), DGS, TRUST)
    failed(r, "DS key usage", "does not allow signing")


def test_pss_parameters_come_from_the_signer_info():
    pki = make_pki("rsa-2048", pss=True)

    def edit(sd):
        alg = sd["signer_infos"][0]["signature_algorithm"]
        alg["parameters"]["salt_length"] = 20  # the signature was made with salt 32

    sod = edit_signed_data(build_sod(DGS, pki.ds_signer), edit)
    r = passive_authentication(sod, DGS, trust_store(pki.csca))
    failed(r, "SOD signature", "RSASSA-PSS signature does not verify")


def test_signature_hash_must_equal_digest_algorithm():
    def edit(sd):
        sd["signer_infos"][0]["digest_algorithm"] = {"algorithm": "sha384"}

    r = passive_authentication(edit_signed_data(build_sod(DGS, PKI.ds_signer), edit), DGS, TRUST)
    assert not r.passed
    assert check(r, "signed attributes").failed


def test_path_through_a_link_certificate():
    old_signer = KeyFileSigner(generate_private_key("ec-p256"))
    old = make_csca(old_signer, country="VN", common_name="TEST CSCA VN", not_before=NOW - dt.timedelta(days=30))
    old_signer = old_signer.with_certificate(old)
    new = make_pki("ec-p256")  # the new CSCA has the old one's name, and a DS
    link = make_link(new.csca, old_signer)
    sod = build_sod(DGS, new.ds_signer)
    r = passive_authentication(sod, DGS, trust_store(old, link), issuing_state="VNM")
    assert r.passed, r.failures
    assert check(r, "certificate path").details["length"] == 3
    # a link certificate alone is trusted as given: it carries a CSCA key (the Austrian and Russian anchors are links)
    r = passive_authentication(sod, DGS, trust_store(link), issuing_state="VNM")
    assert r.passed and "anchored at a CSCA link certificate" in check(r, "certificate path").reason
    r = passive_authentication(sod, DGS, trust_store(old))  # the old CSCA without the link: its key did not sign the DS
    failed(r, "certificate path")


def test_ds_path_is_verified_once_per_certificate(monkeypatch):
    import cardkit.pki.trust as trust_mod

    calls = []
    real = trust_mod.verify_certificate
    monkeypatch.setattr(trust_mod, "verify_certificate", lambda c, i: calls.append(c) or real(c, i))
    t = trust_store(PKI.csca)
    for _ in range(5):
        assert passive_authentication(build_sod(DGS, PKI.ds_signer), DGS, t).passed
    assert len(calls) == 1


from hypothesis import given, strategies as st  # noqa: E402

GOOD_SOD = build_sod(DGS, PKI.ds_signer)


@given(st.integers(0, len(GOOD_SOD) - 1), st.integers(1, 255))
def test_any_damaged_sod_gives_findings_never_an_exception(pos, delta):
    data = bytearray(GOOD_SOD)
    data[pos] = (data[pos] + delta) % 256
    r = passive_authentication(bytes(data), DGS, TRUST, issuing_state="VNM")
    assert r.checks  # every outcome is a report
    if r.passed:  # only a re-encoding of the same signed certificate may pass (cryptography reads it alike)
        ds = r.ds_certificate
        assert (ds.tbs, ds.signature) == (PKI.ds.tbs_certificate_bytes, PKI.ds.signature), r.checks


def test_naive_time_is_taken_as_utc():
    r = passive_authentication(GOOD_SOD, DGS, TRUST, at=dt.datetime.now() + dt.timedelta(days=365 * 20))
    failed(r, "DS validity", "expired")
