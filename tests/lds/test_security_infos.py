"""SecurityInfos (Doc 9303-11 §9.2, TR-03110-3 A.1): each info kind both ways, OID dispatch, unknown kept."""

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import given, strategies as st

from cardkit.algorithms import AaAlgorithm, CaAlgorithm, Cipher, KeyAgreement, Mapping, PaceAlgorithm, oid_name
from cardkit.errors import ParseError
from cardkit.lds import (ActiveAuthenticationInfo, ChipAuthenticationInfo, ChipAuthenticationPublicKeyInfo,
                         PaceDomainParameterInfo, PaceInfo, SecurityInfos, TerminalAuthenticationInfo,
                         UnknownSecurityInfo)
from cardkit.lds.card_access import CardAccess
from cardkit.lds.security_info_set import MAX_PADDING
from cardkit.lds.security_infos import decode_info

from ._helpers import mutations, rejects_trailing, rejects_truncated, roundtrip, value_or_parse_error
from ._tlvhand import H, T

PACE_GM_AES128 = "0.4.0.127.0.7.2.2.4.2.2"
# Doc 9303-11 App. G.1, PACE
PACE_INFO_DER = H("3012060A04007F0007020204020202010202010D")
# EF.CardAccess of a real Vietnamese card
VN_CARD_ACCESS = H("3134300d060804007f0007020202020101300f060a04007f000702020302020201013012060a04007f00070202"
                   "04020202010202010d")

EC_SPKI = ec.derive_private_key(7, ec.SECP256R1()).public_key().public_bytes(
    serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
# dhpublicnumber SPKI with toy parameters: structure only (keys are cardkit.crypto's business)
DH_SPKI = T("30", T("30", H("06072A8648CE3E0201") + T("30", H("020117") + H("020105") + H("02010B")))
              + T("03", H("00") + H("020103")))

INFO_CASES = [
    (PaceInfo(PACE_GM_AES128, 2, 13), PACE_INFO_DER),
    (PaceInfo("0.4.0.127.0.7.2.2.4.1.1", 2, None), T("30", H("060A04007F00070202040101") + H("020102"))),
    (PaceDomainParameterInfo("0.4.0.127.0.7.2.2.4.2", H("300906072A8648CE3D0201"), 9),
     T("30", H("060904007F000702020402") + H("300906072A8648CE3D0201") + H("020109"))),
    (ChipAuthenticationInfo("0.4.0.127.0.7.2.2.3.2.2", 1, None), H("300F060A04007F00070202030202020101")),
    (ChipAuthenticationInfo("0.4.0.127.0.7.2.2.3.1.1", 1, 300),
     T("30", H("060A04007F00070202030101") + H("020101") + H("0202012C"))),
    (ChipAuthenticationPublicKeyInfo("0.4.0.127.0.7.2.2.1.2", EC_SPKI, 1),
     T("30", H("060904007F000702020102") + EC_SPKI + H("020101"))),
    (ChipAuthenticationPublicKeyInfo("0.4.0.127.0.7.2.2.1.1", DH_SPKI, None),
     T("30", H("060904007F000702020101") + DH_SPKI)),
    (TerminalAuthenticationInfo(), H("300D060804007F0007020202020101")),
    (TerminalAuthenticationInfo(version=1, ef_cvca=H("300404020111")),
     T("30", H("060804007F00070202020201 01".replace(" ", "")) + H("300404020111"))),
    (ActiveAuthenticationInfo(), T("30", H("06066781080101050201 01".replace(" ", "")) + H("06082A8648CE3D040302"))),
    (UnknownSecurityInfo("0.4.0.127.0.7.2.2.3.2", raw=T("30", H("060904007F000702020302") + H("3003020101"))),
     T("30", H("060904007F000702020302") + H("3003020101"))),
]


@pytest.mark.parametrize("obj,der", INFO_CASES)
def test_info_both_ways(obj, der):
    assert obj.to_der() == der
    parsed = decode_info(der)
    assert parsed == obj and type(parsed) is type(obj)
    assert parsed.to_der() == der  # the bytes read, untouched
    with pytest.raises(ParseError):
        decode_info(der + b"\x00")
    for n in range(len(der)):
        with pytest.raises(ParseError):
            decode_info(der[:n])


def test_names():
    assert oid_name(PACE_GM_AES128) == "id-PACE-ECDH-GM-AES-CBC-CMAC-128"
    assert PaceInfo(PACE_GM_AES128, 2, 13).name == "id-PACE-ECDH-GM-AES-CBC-CMAC-128"
    assert oid_name("0.4.0.127.0.7.2.2.3.2.4") == "id-CA-ECDH-AES-CBC-CMAC-256"
    assert oid_name("1.2.3") == "1.2.3"


def test_dispatch_by_oid_prefix():
    # a PACE OID with an unknown cipher arc is still a PACEInfo; a longer one is unknown
    assert isinstance(decode_info(H("3012060A04007F0007020204020902010202010D")), PaceInfo)
    assert isinstance(decode_info(T("30", H("060B04007F0007020204020201") + H("020102"))), UnknownSecurityInfo)
    # id-TA with a sub-arc (a TA protocol OID, not an info) is kept as unknown
    assert isinstance(decode_info(T("30", H("060904007F00070202020101") + H("020101"))), UnknownSecurityInfo)


def test_changed_info_is_re_encoded():
    import dataclasses

    parsed = decode_info(T("30", H("060A04007F00070202040202") + H("02020002") + H("0202000D")))  # non-minimal ints
    assert parsed == PaceInfo(PACE_GM_AES128, 2, 13)
    assert parsed.to_der() == parsed.raw  # unchanged: the bytes read
    changed = dataclasses.replace(parsed, parameter_id=12)
    assert changed.to_der() == H("3012060A04007F0007020204020202010202010C")


@pytest.mark.parametrize(
    "der,fragment",
    [
        (H("3015060A04007F0007020204020202010202010D020101"), "extra element"),
        (H("3012060A04007F0007020204020202010204010D"), "extra element"),
        (T("30", H("060A04007F00070202040202") + H("040102")), "PACEInfo"),
        (T("30", H("060A04007F00070202040202") + H("020102") + H("020A01000000000000000000")), "out of range"),
        (T("30", H("06066781080101 05".replace(" ", "")) + H("020101")), "ActiveAuthenticationInfo"),
        (T("30", H("060904007F000702020102") + H("030100")), "ChipAuthenticationPublicKeyInfo"),
        (T("30", H("060904007F000702020102") + T("30", H("3000") + H("030100"))), "ChipAuthenticationPublicKeyInfo"),
        (T("30", H("0600")), "SecurityInfo"),
    ],
)
def test_malformed_info(der, fragment):
    with pytest.raises(ParseError) as e:
        decode_info(der)
    assert fragment in str(e.value)


def test_set_both_ways():
    infos = SecurityInfos.build([i for i, _ in INFO_CASES])
    back = SecurityInfos.from_bytes(infos.raw)
    assert back == infos
    assert set(back.infos) == {i for i, _ in INFO_CASES}
    # DER: the SET elements are sorted by their encodings
    ders = [i.to_der() for i in back.infos]
    assert ders == sorted(ders)
    roundtrip(SecurityInfos, back, infos.raw)
    rejects_trailing(SecurityInfos, infos.raw, zero_padding=True)
    rejects_truncated(SecurityInfos, infos.raw, step=11)


def test_accessors():
    s = SecurityInfos.build([i for i, _ in INFO_CASES])
    assert len(s.pace_infos) == 2 and len(s.pace_domain_parameters) == 1
    assert len(s.ca_infos) == 2 and len(s.ca_public_keys) == 2 and len(s.ta_infos) == 2
    assert s.aa_info == ActiveAuthenticationInfo() and len(s.unknown) == 1
    assert SecurityInfos.build([]).aa_info is None


def test_build_refuses_what_cannot_be_encoded():
    from cardkit.errors import InputError

    for bad in (PaceInfo("not an oid", 2, 13), ChipAuthenticationPublicKeyInfo(ID_PK_EC, b"\x30\x05"), "PaceInfo"):
        with pytest.raises(InputError):
            SecurityInfos.build([bad])


ID_PK_EC = "0.4.0.127.0.7.2.2.1.2"


def test_set_refuses_other_things():
    for bad in (H("3000"), H("3103020101"), H("31"), b"", H("3180"), H("3102" "3000")):
        with pytest.raises(ParseError):
            SecurityInfos.from_bytes(bad)


def test_mutations():
    for m in mutations(VN_CARD_ACCESS):
        value_or_parse_error(SecurityInfos, m)


_INFO = st.one_of(
    st.builds(PaceInfo, st.sampled_from([PACE_GM_AES128, "0.4.0.127.0.7.2.2.4.4.4", "0.4.0.127.0.7.2.2.4.1.1"]),
              st.integers(0, 5), st.none() | st.integers(0, 31)),
    st.builds(ChipAuthenticationInfo, st.sampled_from(["0.4.0.127.0.7.2.2.3.2.1", "0.4.0.127.0.7.2.2.3.1.4"]),
              st.integers(0, 3), st.none() | st.integers(0, 2**40)),
    st.builds(ActiveAuthenticationInfo, st.just("2.23.136.1.1.5"), st.integers(0, 3),
              st.sampled_from(["1.2.840.10045.4.3.2", "1.2.840.10045.4.1"])),
    st.builds(TerminalAuthenticationInfo, st.just("0.4.0.127.0.7.2.2.2"), st.integers(0, 3)),
    st.builds(ChipAuthenticationPublicKeyInfo, st.just("0.4.0.127.0.7.2.2.1.2"), st.just(EC_SPKI),
              st.none() | st.integers(0, 255)),
)


@given(st.lists(_INFO, max_size=6, unique_by=lambda i: i.to_der()))
def test_build_parse_roundtrip(infos):
    s = SecurityInfos.build(infos)
    back = SecurityInfos.from_bytes(s.to_bytes())
    assert back == s
    assert sorted(back.infos, key=repr) == sorted(infos, key=repr)


@given(st.binary(max_size=100))
def test_random_bytes(data):
    value_or_parse_error(SecurityInfos, data)


@given(st.binary(max_size=60))
def test_random_set_content(content):
    value_or_parse_error(SecurityInfos, bytes([0x31, len(content)]) + content)


@given(st.binary(max_size=40))
def test_random_info_under_known_oids(tail):
    for oid in ("060A04007F00070202040202", "060A04007F00070202030202", "060904007F000702020102", "060667810801010" "5"):
        body = H(oid) + tail
        value_or_parse_error(SecurityInfos, T("31", T("30", body)))


# --- the infos as typed values of cardkit.algorithms -------------------------------------------------


def test_infos_parse_into_algorithm_values():
    pace = decode_info(PACE_INFO_DER)
    assert isinstance(pace, PaceInfo)
    assert pace.algorithm == PaceAlgorithm(KeyAgreement.ECDH, Mapping.GM, Cipher.AES_128)
    assert pace.algorithm.oid == pace.protocol and pace.to_der() == PACE_INFO_DER
    ca = ChipAuthenticationInfo("0.4.0.127.0.7.2.2.3.1.4", 1, 7)
    assert ca.algorithm == CaAlgorithm(KeyAgreement.DH, Cipher.AES_256) and ca.key_agreement is KeyAgreement.DH
    assert decode_info(ca.to_der()) == ca
    aa = ActiveAuthenticationInfo(signature_algorithm="0.4.0.127.0.7.1.1.4.1.3")
    assert aa.algorithm == AaAlgorithm("sha256", plain=True)
    assert ActiveAuthenticationInfo().algorithm == AaAlgorithm("sha256")
    for protocol, ka in (("0.4.0.127.0.7.2.2.1.1", KeyAgreement.DH), ("0.4.0.127.0.7.2.2.1.2", KeyAgreement.ECDH)):
        assert ChipAuthenticationPublicKeyInfo(protocol, b"").key_agreement is ka


def test_unknown_algorithms_parse_but_name_none():
    """An OID under a known arc that names no algorithm still parses (and re-encodes byte for byte)."""
    odd = PaceInfo("0.4.0.127.0.7.2.2.4.5.2", 2, 13)  # no mapping 5
    cam_3des = PaceInfo("0.4.0.127.0.7.2.2.4.6.1", 2, 13)  # CAM has no 3DES variant
    for info in (odd, cam_3des):
        again = decode_info(info.to_der())
        assert isinstance(again, PaceInfo) and again.algorithm is None and again.to_der() == info.to_der()
    ca = ChipAuthenticationInfo("0.4.0.127.0.7.2.2.3.2.9", 1)
    assert ca.algorithm is None and ca.key_agreement is KeyAgreement.ECDH  # the key agreement still shows
    assert ActiveAuthenticationInfo(signature_algorithm="1.2.840.113549.1.1.11").algorithm is None
    assert ChipAuthenticationPublicKeyInfo("0.4.0.127.0.7.2.2.1.3", b"").key_agreement is None


# --- the world's SecurityInfos: PrivilegedTerminalInfo, infos that do not decode, padding -------------------

ID_PT = "0.4.0.127.0.7.2.2.8"
CA_INFO = ChipAuthenticationInfo("0.4.0.127.0.7.2.2.3.2.2", 2, key_id=69)  # id-CA-ECDH-AES-CBC-CMAC-128


def _pt(inner_set: bytes) -> bytes:
    """PrivilegedTerminalInfo ::= SEQUENCE { id-PT, SET OF SecurityInfo } (TR-03110-3 A.1.1.8), made here."""
    return T("30", T("06", H("04007F0007020208")) + inner_set)


def test_privileged_terminal_info_is_decoded_with_its_own_infos():
    inner = SecurityInfos.build([CA_INFO, PaceInfo(PACE_GM_AES128, 2, 13)]).raw
    s = SecurityInfos.from_bytes(T("31", PACE_INFO_DER + _pt(inner)))
    (pt,) = s.privileged_terminal_infos
    assert pt.protocol == ID_PT and set(pt.infos) == {CA_INFO, PaceInfo(PACE_GM_AES128, 2, 13)}
    assert s.pace_infos == (PaceInfo(PACE_GM_AES128, 2, 13),)  # the terminal's PACE choice is unchanged
    assert pt.to_der() == _pt(inner)
    d = s.to_dict()["infos"]
    assert d[-1]["type"] == "PrivilegedTerminalInfo" and len(d[-1]["infos"]) == 2
    assert SecurityInfos.build(list(s.infos)).infos == s.infos  # built back the same


def test_privileged_terminal_info_that_does_not_decode_is_kept_with_a_note():
    broken = _pt(T("31", T("30", H("020101"))))  # an inner "SecurityInfo" without a protocol OID
    s = SecurityInfos.from_bytes(T("31", PACE_INFO_DER + broken))
    assert s.pace_infos and s.privileged_terminal_infos == ()
    (u,) = s.unknown
    assert u.protocol == ID_PT and u.raw == broken and "PrivilegedTerminalInfo kept as read" in u.note
    nested = _pt(T("31", _pt(T("31", PACE_INFO_DER))))  # an id-PT inside an id-PT: bounded, kept as read
    (outer,) = SecurityInfos.from_bytes(T("31", nested)).privileged_terminal_infos
    (u,) = outer.infos
    assert isinstance(u, UnknownSecurityInfo) and "inside another" in u.note


def test_zero_padding_is_bounded_and_only_zeros():
    ca = CardAccess.from_bytes(VN_CARD_ACCESS + bytes(MAX_PADDING))
    assert ca.padding == MAX_PADDING and len(ca.pace_infos) == 1
    assert "padding" in ca.to_dict()["note"]
    with pytest.raises(ParseError):
        CardAccess.from_bytes(VN_CARD_ACCESS + bytes(MAX_PADDING + 1))
    with pytest.raises(ParseError):
        CardAccess.from_bytes(VN_CARD_ACCESS + bytes(10) + b"\x01")
