"""Trust store loading (certificates, master lists, CRLs) and master lists built and parsed (9303-12 §8)."""

import pytest
from asn1crypto import cms
from cryptography.hazmat.primitives import serialization

from cardkit.checks import Status
from cardkit.errors import ParseError, VerificationError
from cardkit.pki.certs import generate_private_key, make_crl, make_ds, make_ml_signer
from cardkit.pki.masterlist import parse_master_list, verify_master_list
from cardkit.pki.sod_builder import build_master_list
from cardkit.pki.passive import passive_authentication
from cardkit.pki.signers import KeyFileSigner
from cardkit.pki.sod_builder import build_sod
from cardkit.pki.trust import TrustStore, as_certificate
from tests.support.pki import der, make_pki
from tests.support.sod import sample_dgs

VN = make_pki("ec-p256")
LA = make_pki("ec-p256", country="LA")
DGS = sample_dgs()


def ml_signer(pki, eku=True):
    key = generate_private_key("ec-p256")
    if eku:
        cert = make_ml_signer(pki.csca_signer, key.public_key(), common_name="TEST ML signer")
    else:
        cert = make_ds(pki.csca_signer, key.public_key(), common_name="not an ML signer")
    return KeyFileSigner(key, cert)


def test_master_list_round_trip_and_verify():
    raw = build_master_list([VN.csca, LA.csca], ml_signer(VN))
    ml = parse_master_list(raw)
    assert {c.raw for c in ml.cscas} == {der(VN.csca), der(LA.csca)} and ml.version == 0 and ml.raw == raw  # SET OF
    assert verify_master_list(ml).raw == der(VN.csca)  # issued by the VN CSCA, found inside the list itself


def test_trust_store_from_master_list_verifies_documents(tmp_path):
    (tmp_path / "vn.ml").write_bytes(build_master_list([VN.csca, LA.csca], ml_signer(VN)))
    trust = TrustStore.load([tmp_path])
    assert {c.raw for c in trust.cscas} == {der(VN.csca), der(LA.csca)}
    assert any(f.name == "master list" and not f.failed for f in trust.findings)  # self-vouched: a WARNING
    assert passive_authentication(build_sod(DGS, LA.ds_signer), DGS, trust, issuing_state="LAO").passed


def _broken_signature(raw):
    ci = cms.ContentInfo.load(raw)
    si = ci["content"]["signer_infos"][0]
    sig = bytearray(si["signature"].native)
    sig[8] ^= 0x40
    si["signature"] = bytes(sig)
    return ci.dump(force=True)


def test_broken_master_list_signature_is_refused_with_reason(tmp_path):
    (tmp_path / "bad.ml").write_bytes(_broken_signature(build_master_list([LA.csca], ml_signer(VN))))
    trust = TrustStore.load([tmp_path])
    assert trust.cscas == []
    f = [c for c in trust.findings if c.name == "master list signature"]
    assert f and f[0].status is Status.FAILED and "signature does not verify" in f[0].reason
    r = passive_authentication(build_sod(DGS, LA.ds_signer), DGS, trust)
    assert not r.passed and [c for c in r.checks if c.name == "certificate path"][0].failed
    with pytest.raises(VerificationError):
        verify_master_list(parse_master_list(_broken_signature(build_master_list([LA.csca], ml_signer(VN)))))


def test_master_list_signer_needs_the_eku():
    ml = parse_master_list(build_master_list([VN.csca], ml_signer(VN, eku=False)))
    with pytest.raises(VerificationError, match="2.23.136.1.1.3"):
        verify_master_list(ml)


def test_master_list_signer_from_an_unknown_csca():
    ml = parse_master_list(build_master_list([LA.csca], ml_signer(VN)))  # VN CSCA neither in list nor anchors
    with pytest.raises(VerificationError, match="no known CSCA"):
        verify_master_list(ml)
    assert verify_master_list(ml, [as_certificate(VN.csca)]).raw == der(VN.csca)


@pytest.mark.parametrize("data", [b"", b"\x30\x03\x02\x01\x00", b"\x30\x80", bytes(50)])
def test_bad_master_list_bytes_are_parse_errors(data):
    with pytest.raises(ParseError):
        parse_master_list(data)


def test_directory_walk_pem_bundle_der_and_junk(tmp_path):
    (tmp_path / "sub").mkdir()
    bundle = VN.csca.public_bytes(serialization.Encoding.PEM) + LA.csca.public_bytes(serialization.Encoding.PEM)
    (tmp_path / "sub" / "bundle.pem").write_bytes(bundle)
    (tmp_path / "junk.bin").write_bytes(b"not a certificate")
    (tmp_path / "ds.der").write_bytes(VN.ds.public_bytes(serialization.Encoding.DER))
    trust = TrustStore.load([tmp_path])
    assert {c.raw for c in trust.cscas} == {der(VN.csca), der(LA.csca)}
    reasons = " | ".join(f.reason for f in trust.findings if f.failed)
    assert "junk.bin" in reasons and "not a CA certificate" in reasons


def test_crls_loaded_only_when_a_csca_signed_them(tmp_path):
    good = make_crl(VN.csca_signer, [VN.ds])
    forged = make_crl(LA.csca_signer, [])  # LA's CRL, but LA is not trusted here
    (tmp_path / "vn.crl").write_bytes(good.public_bytes(serialization.Encoding.DER))
    (tmp_path / "la.crl").write_bytes(forged.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "csca.pem").write_bytes(VN.csca.public_bytes(serialization.Encoding.PEM))
    trust = TrustStore.load([tmp_path / "csca.pem"], [tmp_path / "vn.crl", tmp_path / "la.crl"])
    assert trust.crls == [good]
    assert any("no CSCA in the trust store signed it" in f.reason for f in trust.findings)
    r = passive_authentication(build_sod(DGS, VN.ds_signer), DGS, trust)
    assert [c for c in r.checks if c.name == "revocation"][0].failed


def test_missing_trust_file_is_a_finding(tmp_path):
    trust = TrustStore.load([tmp_path / "nope.pem"])
    assert trust.cscas == [] and trust.findings and trust.findings[0].failed


from hypothesis import given, strategies as st  # noqa: E402

ML_RAW = build_master_list([VN.csca], ml_signer(VN))


@given(st.integers(0, len(ML_RAW) - 1), st.integers(1, 255))
def test_damaged_master_list_gives_list_or_parse_error(pos, delta):
    data = bytearray(ML_RAW)
    data[pos] = (data[pos] + delta) % 256
    try:
        ml = parse_master_list(bytes(data))
    except ParseError:
        return
    try:
        verify_master_list(ml)
    except VerificationError:
        pass


def _list_finding(trust):
    (found,) = [f for f in trust.findings if f.name == "master list"]
    return found


def test_a_list_signed_under_a_csca_it_carries_itself_loads_with_a_warning_naming_that_csca(tmp_path):
    # anyone can put the CSCA that signs a list into the list: the signature then proves the list whole, not its maker
    (tmp_path / "vn.ml").write_bytes(build_master_list([VN.csca, LA.csca], ml_signer(VN)))
    trust = TrustStore.load([tmp_path / "vn.ml"])
    found = _list_finding(trust)
    assert found.status is Status.WARNING
    assert as_certificate(VN.csca).fingerprint in found.reason and "the list itself carries" in found.reason
    assert trust.lists[0].verified and len(trust.cscas) == 2


def test_a_list_signed_under_a_csca_trusted_before_it_passes(tmp_path):
    (tmp_path / "a-vn-csca.pem").write_bytes(VN.csca.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "b-vn.ml").write_bytes(build_master_list([VN.csca, LA.csca], ml_signer(VN)))
    trust = TrustStore.load([tmp_path / "a-vn-csca.pem", tmp_path / "b-vn.ml"])
    found = _list_finding(trust)
    assert found.status is Status.PASSED and "trusted before this list" in found.reason
