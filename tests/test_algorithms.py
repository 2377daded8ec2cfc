"""The one vocabulary (cardkit.algorithms): OIDs and names, the enums, the domain-parameter table, the
algorithm values, and the one PACE preference policy that Session.pace and inspection share."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, strategies as st

from cardkit import algorithms as alg
from cardkit.algorithms import (CURVES, DH_GROUPS, DOMAIN_PARAMETERS, SIGNATURE_ALGORITHMS, SIGNING_CURVES,
                                AaAlgorithm, CaAlgorithm, Cipher, Curve, KeyAgreement, Mapping, PaceAlgorithm,
                                choose_pace_info, decode_oid, encode_oid, oid_name, pace_rank)
from cardkit.crypto import _ec
from cardkit.crypto.kdf import kdf
from cardkit.errors import ParseError, ProtocolError, UnsupportedAlgorithmError
from cardkit.lds import PaceInfo

P = "0.4.0.127.0.7.2.2.4."


# --- the enums --------------------------------------------------------------------------------------


def test_cipher_facts_follow_doc_9303_11():
    facts = {c: (c.code, c.key_length, c.block_size, c.kdf_hash) for c in Cipher}
    assert facts == {Cipher.TDES: (1, 16, 8, "sha1"), Cipher.AES_128: (2, 16, 16, "sha1"),
                     Cipher.AES_192: (3, 24, 16, "sha256"), Cipher.AES_256: (4, 32, 16, "sha256")}
    # reports keep printing the same text: the value is the display string
    assert [str(c) for c in Cipher] == ["3DES", "AES-128", "AES-192", "AES-256"]
    assert Cipher("AES-192") is Cipher.AES_192 and Cipher.from_code(4) is Cipher.AES_256
    with pytest.raises(ParseError):
        Cipher.from_code(5)
    # the KDF reads its hash and length from the enum (Doc 9303-11 §9.7.1)
    secret = b"k" * 20
    assert kdf(secret, 1, Cipher.AES_192) == hashlib.sha256(secret + b"\0\0\0\1").digest()[:24]


def test_key_agreement_and_mapping():
    assert (KeyAgreement.DH.code, KeyAgreement.ECDH.code) == (1, 2)
    assert [m.value for m in Mapping] == ["GM", "IM", "CAM"]


# --- OIDs -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("oid,name", [
    ("0.4.0.127.0.7.2.2.4.2.2", "id-PACE-ECDH-GM-AES-CBC-CMAC-128"),
    ("0.4.0.127.0.7.2.2.4.6.4", "id-PACE-ECDH-CAM-AES-CBC-CMAC-256"),
    ("0.4.0.127.0.7.2.2.4.1", "id-PACE-DH-GM"),
    ("0.4.0.127.0.7.2.2.3.1.1", "id-CA-DH-3DES-CBC-CBC"),
    ("0.4.0.127.0.7.2.2.1.2", "id-PK-ECDH"),
    ("0.4.0.127.0.7.2.2.2", "id-TA"),
    ("0.4.0.127.0.7.2.2.8", "id-PT"),
    ("0.4.0.127.0.7.3.2.1", "id-SecurityObject"),
    ("2.23.136.1.1.1", "id-icao-mrtd-security-ldsSecurityObject"),
    ("2.23.136.1.1.5", "id-icao-mrtd-security-aaProtocolObject"),
    ("2.23.136.1.1.6.2", "id-icao-mrtd-security-extensions-documentTypeList"),
    ("2.23.136.1.1.8", "id-icao-DeviationListSigningKey"),
    ("1.2.840.10045.4.3.2", "ecdsa-with-SHA256"),
    ("0.4.0.127.0.7.1.1.4.1.3", "ecdsa-plain-SHA256"),
    ("1.2.840.113549.1.1.11", "sha256WithRSAEncryption"),
    ("2.16.840.1.101.3.4.2.1", "id-sha256"),
    ("1.3.36.3.3.2.8.1.1.7", "brainpoolP256r1"),
    ("1.2.840.10046.2.1", "dhpublicnumber"),
    ("1.2.3.4", "1.2.3.4"),
])
def test_oid_names(oid, name):
    assert oid_name(oid) == name


def test_oid_content_octets_both_ways():
    assert encode_oid("0.4.0.127.0.7.2.2.4.2.2").hex().upper() == "04007F00070202040202"  # Doc 9303-11 G.1
    assert decode_oid(bytes.fromhex("04007F00070202040202")) == "0.4.0.127.0.7.2.2.4.2.2"
    for bad in (b"", b"\x80", b"\x81\x80", bytes(300)):
        with pytest.raises(ParseError):
            decode_oid(bad)


@given(st.binary(max_size=40))
def test_decode_oid_gives_a_dotted_oid_or_parse_error(data):
    try:
        dotted = decode_oid(data)
    except ParseError:
        return
    assert encode_oid(dotted) == data


def test_signature_table():
    a = SIGNATURE_ALGORITHMS["1.2.840.10045.4.3.4"]
    assert (a.name, a.scheme, a.hash) == ("ecdsa-with-SHA512", "ECDSA", "sha512")
    assert SIGNATURE_ALGORITHMS["1.2.840.113549.1.1.10"].hash is None  # PSS: the hash is in the parameters
    assert alg.hash_by_oid("1.3.14.3.2.26") == "sha1" and alg.hash_by_oid("1.2.3") is None


# --- the algorithm values ----------------------------------------------------------------------------


def test_pace_algorithm_both_ways():
    for oid in (P + "1.1", P + "2.4", P + "3.3", P + "4.2", P + "6.2"):
        assert PaceAlgorithm.from_oid(oid).oid == oid
    assert PaceAlgorithm.from_oid(P + "6.3") == PaceAlgorithm(KeyAgreement.ECDH, Mapping.CAM, Cipher.AES_192)
    for bad in (P + "5.2", P + "6.1", P + "2.5", P + "2", P + "2.2.1", P + "02.2", "0.4.0.127.0.7.2.2.3.2.2"):
        with pytest.raises(ParseError):
            PaceAlgorithm.from_oid(bad)
    with pytest.raises(ValueError):
        PaceAlgorithm(KeyAgreement.DH, Mapping.CAM, Cipher.AES_128)  # CAM is ECDH only


def test_ca_and_aa_algorithms_both_ways():
    ca = CaAlgorithm.from_oid("0.4.0.127.0.7.2.2.3.2.3")
    assert ca == CaAlgorithm(KeyAgreement.ECDH, Cipher.AES_192) and ca.public_key_oid == "0.4.0.127.0.7.2.2.1.2"
    assert CaAlgorithm.default_for(KeyAgreement.DH).oid == "0.4.0.127.0.7.2.2.3.1.1"
    assert AaAlgorithm.from_oid("1.2.840.10045.4.3.3") == AaAlgorithm("sha384")
    assert AaAlgorithm("sha1", plain=True).oid == "0.4.0.127.0.7.1.1.4.1.1"
    for bad in ("1.2.840.113549.1.1.11", "1.2.3"):
        with pytest.raises(ParseError):
            AaAlgorithm.from_oid(bad)
    assert alg.key_agreement_of("0.4.0.127.0.7.2.2.3.1.9") is KeyAgreement.DH  # cipher unknown, kind known
    assert alg.key_agreement_of("0.4.0.127.0.7.2.2.4.2.2") is None


# --- the domain-parameter table -----------------------------------------------------------------------


def test_one_table_with_lookups():
    assert sorted(DOMAIN_PARAMETERS) == [0, 1, 2, *range(8, 19)]
    bp = DOMAIN_PARAMETERS[13]
    assert (bp.name, bp.oid, bp.key_agreement) == ("brainpoolP256r1", "1.3.36.3.3.2.8.1.1.7", KeyAgreement.ECDH)
    assert alg.parameters_by_oid(bp.oid) is bp and alg.parameters_by_name("BRAINPOOLP256R1") is bp
    assert alg.parameters_by_name("P-256") is DOMAIN_PARAMETERS[12] is alg.parameters_by_name("prime256v1")
    assert alg.parameters_by_name("modp2048_256") is DOMAIN_PARAMETERS[2]
    assert alg.parameters_by_name("MODP-2048/256") is DOMAIN_PARAMETERS[2]
    assert alg.parameters_by_name("curve25519") is None and alg.parameters_by_oid("1.2.3") is None
    assert CURVES["secp384r1"] is DOMAIN_PARAMETERS[15].group and DH_GROUPS[1] is DOMAIN_PARAMETERS[1].group
    with pytest.raises(ParseError):
        alg.domain_parameters(7)


def test_explicit_parameters_match_a_named_curve():
    c = CURVES["brainpoolP320r1"]
    explicit = Curve("explicit", None, c.p, c.a, c.b, c.gx, c.gy, c.n, c.h)
    assert alg.match_curve(explicit) is DOMAIN_PARAMETERS[14]
    assert alg.match_curve(Curve("explicit", None, c.p, c.a, c.b, *_ec.mul_generator(c, 2), c.n, c.h)) is None
    g = DH_GROUPS[0]
    assert alg.match_dh_group(g.p, g.g, None) is DOMAIN_PARAMETERS[0] is alg.match_dh_group(g.p, g.g, g.q)
    assert alg.match_dh_group(g.p, g.g, g.q + 2) is None


def test_cryptography_classes_are_the_tables_curves():
    for d in DOMAIN_PARAMETERS.values():
        if d.crypto_curve is None:
            continue
        assert d.crypto_curve.name == d.name and d.crypto_curve().key_size == d.group.p.bit_length()
    assert list(SIGNING_CURVES) == ["p256", "p384", "p521", "brainpoolp256r1", "brainpoolp384r1", "brainpoolp512r1"]


# --- the PACE preference ------------------------------------------------------------------------------


def _pi(suffix: str, pid: int | None = 13) -> PaceInfo:
    return PaceInfo(P + suffix, 2, pid)


def test_pace_policy_order():
    """Standardized parameters first; CAM, ECDH-GM, ECDH-IM, DH-GM, DH-IM; strongest cipher first."""
    dh_gm, dh_im = _pi("1.2", 2), _pi("3.4", 2)
    ecdh_im, ecdh_gm_3des, ecdh_gm_128, ecdh_gm_256 = _pi("4.2"), _pi("2.1"), _pi("2.2"), _pi("2.4")
    cam_128, cam_256 = _pi("6.2"), _pi("6.4")
    everything = [dh_im, dh_gm, ecdh_im, ecdh_gm_3des, ecdh_gm_128, ecdh_gm_256, cam_128, cam_256]
    assert choose_pace_info(everything) is cam_256
    assert choose_pace_info([ecdh_gm_128, cam_128]) is cam_128  # CAM proves the chip in the same run
    assert choose_pace_info([ecdh_gm_3des, ecdh_gm_128, ecdh_gm_256]) is ecdh_gm_256
    assert choose_pace_info([dh_gm, ecdh_im]) is ecdh_im
    assert choose_pace_info([dh_im, dh_gm]) is dh_gm
    ranked = sorted(everything, key=pace_rank)
    assert ranked == [cam_256, cam_128, ecdh_gm_256, ecdh_gm_128, ecdh_gm_3des, ecdh_im, dh_gm, dh_im]


def test_pace_policy_prefers_standardized_fitting_parameters():
    proprietary, no_id = _pi("6.4", 99), _pi("6.4", None)
    wrong_kind = _pi("2.4", 0)  # ECDH on a MODP group id
    im_on_p224 = _pi("4.4", 10)  # integrated mapping is undefined on secp224r1 (p != 3 mod 4)
    dh_im = _pi("3.1", 0)
    assert choose_pace_info([proprietary, no_id, wrong_kind, im_on_p224, dh_im]) is dh_im
    assert choose_pace_info([proprietary, no_id]) is proprietary  # still runnable by OID: the first of equals


def test_pace_policy_never_chooses_an_unknown_oid():
    unknown = [PaceInfo("1.2.3", 2, 13), _pi("5.2"), _pi("6.1")]
    assert choose_pace_info([*unknown, _pi("3.1", 1)]).protocol == P + "3.1"
    for offers in (unknown, []):
        with pytest.raises(UnsupportedAlgorithmError, match="no PACE protocol") as e:
            choose_pace_info(offers)
        assert isinstance(e.value, ProtocolError) and e.value.exit_code == 3
