"""DG15 (Doc 9303-10 §4.7.15): the AA public key as DER SubjectPublicKeyInfo, RSA or EC."""

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from hypothesis import given, strategies as st

from cardkit.errors import InputError, ParseError
from cardkit.lds import Dg15

from ._helpers import mutations, rejects_trailing, rejects_truncated, roundtrip, value_or_parse_error
from ._tlvhand import H, T

_RSA = rsa.generate_private_key(65537, 1024).public_key()
_EC = ec.derive_private_key(99, ec.SECP256R1()).public_key()
RSA_SPKI = _RSA.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
EC_SPKI = _EC.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


@pytest.mark.parametrize("spki,kind", [(RSA_SPKI, "RSA"), (EC_SPKI, "EC")])
def test_table_both_ways(spki, kind):
    data = T("6F", spki)
    obj = Dg15.build(spki)
    roundtrip(Dg15, obj, data)
    rejects_trailing(Dg15, data)
    rejects_truncated(Dg15, data, step=3)
    assert obj.public_key_info == spki and obj.key_type == kind
    assert Dg15.build(_RSA if kind == "RSA" else _EC) == obj  # from a key object too


def test_public_key_through_crypto():
    key = Dg15.build(RSA_SPKI).public_key
    assert key.public_numbers() == _RSA.public_numbers()


def test_refuses_what_is_not_an_spki():
    for bad in (T("6F", b""), T("6F", H("0500")), T("6F", T("30", H("0500"))), T("6F", RSA_SPKI + H("00")),
                T("6E", RSA_SPKI)):
        with pytest.raises(ParseError) as e:
            Dg15.from_bytes(bad)
        assert "DG15" in str(e.value)
    with pytest.raises(InputError):
        Dg15.build(H("3000"))


def test_repr_is_short():
    assert "30819F" not in repr(Dg15.build(RSA_SPKI)).upper()


def test_mutations():
    for m in mutations(T("6F", EC_SPKI)[:40]):
        value_or_parse_error(Dg15, m)


@given(st.integers(1, 2**200))
def test_build_parse_roundtrip(secret):
    spki = ec.derive_private_key(secret, ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    d = Dg15.build(spki)
    back = Dg15.from_bytes(d.to_bytes())
    assert back == d and back.public_key_info == spki


@given(st.binary(max_size=100))
def test_random_bytes(data):
    value_or_parse_error(Dg15, data)


@given(st.binary(max_size=80))
def test_random_content(content):
    value_or_parse_error(Dg15, T("6F", T("30", content)))
