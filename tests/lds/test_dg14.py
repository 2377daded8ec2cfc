"""DG14 (Doc 9303-10 §4.7.14): 6E around SecurityInfos; CA key, CA info, AA info, unknown infos kept."""

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import given
from hypothesis import strategies as st

from cardkit.errors import ParseError
from cardkit.lds import (
    ActiveAuthenticationInfo,
    ChipAuthenticationInfo,
    ChipAuthenticationPublicKeyInfo,
    Dg14,
    PaceInfo,
    UnknownSecurityInfo,
)
from cardkit.public_keys import EcPublicKey, load_public_key

from ._helpers import (
    mutations,
    rejects_trailing,
    rejects_truncated,
    roundtrip,
    value_or_parse_error,
)
from ._tlvhand import H, T

SPKI = ec.derive_private_key(12345, ec.BrainpoolP256R1()).public_key().public_bytes(
    serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
CA = ChipAuthenticationInfo("0.4.0.127.0.7.2.2.3.2.2", 1, 1)
PK = ChipAuthenticationPublicKeyInfo("0.4.0.127.0.7.2.2.1.2", SPKI, 1)
AA = ActiveAuthenticationInfo("2.23.136.1.1.5", 1, "1.2.840.10045.4.3.2")
PACE = PaceInfo("0.4.0.127.0.7.2.2.4.2.2", 2, 13)
UNKNOWN = UnknownSecurityInfo("1.3.6.1.4.1.99999.1", raw=T("30", H("06092B06010401868D1F01") + H("0500")))

CA_DER = T("30", H("060A04007F00070202030202") + H("020101") + H("020101"))
PK_DER = T("30", H("060904007F000702020102") + SPKI + H("020101"))
AA_DER = T("30", H("06066781080101 05".replace(" ", "")) + H("020101") + H("06082A8648CE3D040302"))
PACE_DER = H("3012060A04007F0007020204020202010202010D")


def dg14(*ders: bytes) -> bytes:
    return T("6E", T("31", b"".join(sorted(ders))))


@pytest.mark.parametrize("infos,data", [
    ((CA, PK), dg14(CA_DER, PK_DER)),
    ((CA, PK, AA, PACE, UNKNOWN), dg14(CA_DER, PK_DER, AA_DER, PACE_DER, UNKNOWN.raw)),
])
def test_table_both_ways(infos, data):
    obj = Dg14.build(infos)
    roundtrip(Dg14, obj, data)
    rejects_trailing(Dg14, data)
    rejects_truncated(Dg14, data, step=5)
    assert set(obj.infos) == set(infos)


def test_accessors_and_inner_set():
    d = Dg14.from_bytes(dg14(CA_DER, PK_DER, AA_DER, PACE_DER, UNKNOWN.raw))
    assert d.ca_infos == (CA,) and d.ca_public_keys == (PK,) and d.aa_info == AA and d.pace_infos == (PACE,)
    assert d.unknown == (UNKNOWN,) and d.unknown[0].raw == UNKNOWN.raw
    assert d.ca_public_keys[0].public_key_info == SPKI  # DER SPKI as stored
    data = d.to_bytes()
    assert data[:2] == H("6E81") and d.security_infos.to_bytes() == data[3:]  # 6E 81 BD, then the SET
    assert d.to_dict()["infos"][0]["type"]


def test_ca_key_loads_in_the_codec_layer():
    key = load_public_key(Dg14.build([CA, PK]).ca_public_keys[0].public_key_info)
    assert isinstance(key, EcPublicKey) and key.curve.name == "brainpoolP256r1"


@pytest.mark.parametrize("data,fragment", [
    (T("6E", b""), "not a SET"),
    (T("6E", T("30", b"")), "not a SET"),
    (T("6E", T("31", b"") + H("00")), "BER-TLV"),
    (T("6F", T("31", b"")), "outer tag"),
    (dg14(T("30", H("060904007F000702020102") + H("020101"))), "SecurityInfo 1"),
])
def test_malformed(data, fragment):
    with pytest.raises(ParseError) as e:
        Dg14.from_bytes(data)
    assert fragment in str(e.value) and "DG14" in str(e.value)


def test_mutations():
    for m in mutations(dg14(CA_DER, AA_DER)):
        value_or_parse_error(Dg14, m)


@given(st.lists(st.sampled_from([CA, PK, AA, PACE, UNKNOWN]), unique=True))
def test_build_parse_roundtrip(infos):
    d = Dg14.build(infos)
    back = Dg14.from_bytes(d.to_bytes())
    assert back == d and set(back.infos) == set(infos)


@given(st.binary(max_size=80))
def test_random_bytes(data):
    value_or_parse_error(Dg14, data)


@given(st.binary(max_size=60))
def test_random_set(content):
    value_or_parse_error(Dg14, T("6E", T("31", content)))
