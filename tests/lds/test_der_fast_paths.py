"""The fast DER paths (cryptography's declarative ASN.1) agree with the asn1crypto paths they stand in front of.

``decode_infos``, ``check_spki`` and the CMS shell of EF.SOD / EF.CardSecurity first ask cryptography's
strict DER decoder; whatever it refuses goes to the asn1crypto declarations, which word every error. The
rule that keeps one behaviour: whenever the fast path answers, the asn1crypto path accepts the same bytes
and gives equal values (types, fields, the exact bytes kept). Checked on generated structures, valid and
mutated (a byte changed, cut short, lengthened, a BER length), so both acceptance and values are compared.
"""

from __future__ import annotations

import datetime as dt

import pytest
from asn1crypto import core
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import given
from hypothesis import strategies as st

from cardkit import tlv
from cardkit.errors import ParseError
from cardkit.lds import _security_info_asn1 as si_spec
from cardkit.lds import security_infos as si
from cardkit.lds import signed_data as sd
from cardkit.public_keys import _RSpki, check_spki
from tests.support.real_artifacts import real_path

ID_PACE, ID_CA, ID_PK, ID_TA = "0.4.0.127.0.7.2.2.4", "0.4.0.127.0.7.2.2.3", "0.4.0.127.0.7.2.2.1", "0.4.0.127.0.7.2.2.2"
ID_AA, ID_PT = "2.23.136.1.1.5", "0.4.0.127.0.7.3.1.2.2"
_SPKI = ec.generate_private_key(ec.BrainpoolP256R1()).public_key().public_bytes(
    serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)

pytestmark = pytest.mark.skipif(si_spec.RInfo2 is None, reason="this cryptography has no declarative ASN.1 API")


def _int(v: int) -> bytes:
    return core.Integer(v).dump()


def _oid(v: str) -> bytes:
    return core.ObjectIdentifier(v).dump()


def _seq(*parts: bytes) -> bytes:
    return tlv.encode(0x30, b"".join(parts))


_ints = st.one_of(st.integers(0, 20), st.integers(-(1 << 70), 1 << 70))
_protocols = st.sampled_from([
    f"{ID_PACE}.2.2", f"{ID_PACE}.6.4", f"{ID_PACE}.9.9", f"{ID_PACE}.2", f"{ID_CA}.2.2", f"{ID_CA}.1.1", f"{ID_CA}.2",
    f"{ID_PK}.2", f"{ID_PK}.1", ID_TA, ID_AA, ID_PT, "1.2.3.4", "0.4.0.127.0.7.2.2.7", "2.999.1"])


@st.composite
def _info(draw: st.DrawFn, depth: int = 0) -> bytes:
    """One SecurityInfo as DER: a protocol and a required and optional element of a kind the strategy picks."""
    protocol = draw(_protocols)
    kind = draw(st.sampled_from(["int", "spki", "algorithm", "file_id", "oid", "octets", "set", "null"]))
    if kind == "int":
        required = _int(draw(_ints))
    elif kind == "spki":
        required = draw(st.sampled_from([_SPKI, _seq(_seq(_oid("1.2.840.10045.2.1")), b"\x03\x02\x00\x01"),
                                         _seq(_seq(_oid("1.2.3"), b"\x05\x00"), b"\x03\x01\x00")]))
    elif kind == "algorithm":
        required = _seq(_oid(draw(st.sampled_from(["0.4.0.127.0.7.1.2", "1.2.840.10045.2.1"]))),
                        *draw(st.sampled_from([[], [b"\x05\x00"], [_int(3)]])))
    elif kind == "set" and depth == 0:
        required = tlv.encode(0x31, b"".join(draw(st.lists(_info(depth=1), max_size=2))))
    elif kind == "oid":
        required = _oid(draw(st.sampled_from(["1.2.840.10045.4.3.2", "1.3.6.1"])))
    elif kind == "file_id":
        required = _seq(core.OctetString(b"\x01\x1c").dump())
    else:
        required = {"octets": core.OctetString(b"\x00\x01").dump(), "null": b"\x05\x00"}.get(kind, b"\x05\x00")
    optional = draw(st.sampled_from([None, "int", "file_id", "oid", "octets"]))
    tail = b""
    if optional == "int":
        tail = _int(draw(_ints))
    elif optional == "file_id":
        tail = _seq(core.OctetString(b"\x01\x1c").dump(), *draw(st.sampled_from([[], [core.OctetString(b"\x1c").dump()]])))
    elif optional == "oid":
        tail = _oid("1.2.840.10045.4.3.2")
    elif optional == "octets":
        tail = core.OctetString(b"\x02").dump()
    return _seq(_oid(protocol), required, tail)


@st.composite
def _well_formed_info(draw: st.DrawFn) -> bytes:
    """A SecurityInfo of a kind cardkit models, shaped as its kind declares (values drawn, some out of range)."""
    kind = draw(st.sampled_from(["pace", "ca", "pk", "domain", "ta", "aa", "pt"]))
    number = draw(st.one_of(st.none(), _ints))
    tail = _int(number) if number is not None else b""
    if kind in ("pace", "ca"):
        arc = ID_PACE if kind == "pace" else ID_CA
        protocol = f"{arc}.{draw(st.integers(1, 6))}.{draw(st.integers(1, 4))}"
        return _seq(_oid(protocol), _int(draw(_ints)), tail)
    if kind == "pk":
        return _seq(_oid(f"{ID_PK}.{draw(st.integers(1, 3))}"), _SPKI, tail)
    if kind == "domain":
        return _seq(_oid(f"{ID_PACE}.{draw(st.integers(1, 6))}"), _seq(_oid("1.2.840.10045.2.1"), b"\x05\x00"), tail)
    if kind == "ta":
        fid = _seq(core.OctetString(b"\x01\x1c").dump()) if draw(st.booleans()) else b""
        return _seq(_oid(ID_TA), _int(draw(_ints)), fid)
    if kind == "aa":
        return _seq(_oid(ID_AA), _int(draw(_ints)), _oid("1.2.840.10045.4.3.2"))
    inner = tlv.encode(0x31, _seq(_oid(f"{ID_CA}.2.2"), _int(1)))
    return _seq(_oid(ID_PT), inner)


def _mutate(data: st.DataObject, der: bytes) -> bytes:
    how = data.draw(st.sampled_from(["none", "none", "flip", "cut", "grow", "ber"]))
    if how == "none" or not der:
        return der
    i = data.draw(st.integers(0, len(der) - 1))
    if how == "flip":
        return der[:i] + bytes([der[i] ^ data.draw(st.integers(1, 255))]) + der[i + 1:]
    if how == "cut":
        return der[:i]
    if how == "grow":
        return der + data.draw(st.binary(min_size=1, max_size=3))
    return b"\x31\x81" + bytes([len(der) - 2]) + der[2:] if der[:1] == b"\x31" and der[1] < 0x80 else der


def _same_infos(fast: tuple, slow: tuple) -> None:
    assert len(fast) == len(slow)
    for a, b in zip(fast, slow):
        assert type(a) is type(b) and a == b and a.raw == b.raw
        if isinstance(a, si.UnknownSecurityInfo):
            assert a.note == b.note
        if isinstance(a, si.PrivilegedTerminalInfo):
            _same_infos(a.infos, b.infos)


@given(st.data(), st.lists(st.one_of(_well_formed_info(), _well_formed_info(), _info()), max_size=4))
def test_security_infos_fast_path_answers_only_what_asn1crypto_reads_the_same(data, infos):
    der = _mutate(data, tlv.encode(0x31, b"".join(infos)))
    fast = si._fast_infos(der, 0)
    try:
        slow = si._asn1crypto_infos(der, "SecurityInfos", 0)
    except (ParseError, ValueError, TypeError, KeyError):
        slow = None
    if fast is not None:
        assert slow is not None, der.hex()
        _same_infos(fast, slow)


def test_real_vn_card_access_takes_the_fast_path():
    from tests.support.cards import VN_CARD_ACCESS

    fast = si._fast_infos(VN_CARD_ACCESS, 0)
    assert fast is not None
    _same_infos(fast, si._asn1crypto_infos(VN_CARD_ACCESS, "EF.CardAccess", 0))


@pytest.mark.parametrize("der_hex", [
    "3180" + "300f060a04007f000702020402020201020000",  # indefinite length: asn1crypto's
    "3114" + "3012060a04007f0007020204020202010202010d" + "00",  # a stray byte in the SET
    "3113" + "3011060a04007f000702020402020201028100",  # a BER length inside an info
])
def test_what_the_fast_path_refuses_goes_to_asn1crypto(der_hex):
    der = bytes.fromhex(der_hex)
    assert si._fast_infos(der, 0) is None


@given(st.data(), st.sampled_from([_SPKI, _seq(_seq(_oid("1.2.3")), b"\x03\x01\x00"),
                                   _seq(_seq(_oid("1.2.3"), b"\x05\x00"), b"\x03\x02\x07\x80")]))
def test_spki_fast_path_answers_only_what_asn1crypto_accepts(data, spki):
    der = _mutate(data, spki)
    from cardkit import _der

    fast = _der.decode(_RSpki, der)
    fast_ok = fast is not None and _der.algorithm_oid(_der.full_der(fast.algorithm)) is not None
    try:
        check_spki(der, "x")
        ok = True
    except ParseError:
        ok = False
    if fast_ok:
        assert ok


# --- the CMS shell of EF.SOD ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sod_ci() -> bytes:
    from tests.support.pki import shared_pki
    from cardkit.pki.sod_builder import build_sod

    raw = build_sod({1: b"\x61\x03\x5f\x1f\x00", 2: b"\x75\x00"}, shared_pki().ds_signer,
                    signing_time=dt.datetime(2030, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc))
    return tlv.decode(raw).value


def _slow(ci: bytes) -> tuple[str, bytes, dict] | None:
    try:
        econtent_type, econtent, signed = sd.signed_data_parts(ci)
        return econtent_type, econtent, sd.signed_data_fields(signed)
    except (ParseError, ValueError, TypeError, KeyError, AttributeError, IndexError, OverflowError):
        return None


def test_the_sod_shell_takes_the_fast_path_with_equal_values(sod_ci):
    fast = sd._fast_signed_data(sod_ci)
    assert fast is not None and fast == _slow(sod_ci)
    info = fast[2]["signer_infos"][0]
    assert info.signing_time == dt.datetime(2030, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)
    assert info.signed_attrs is not None and b"\xa0" + info.signed_attrs[1:] in sod_ci  # [0] IMPLICIT on the wire


@given(data=st.data())
def test_sod_shell_fast_path_answers_only_what_asn1crypto_reads_the_same(sod_ci, data):
    ci = _mutate(data, sod_ci)
    fast = sd._fast_signed_data(ci)
    if fast is not None:
        assert fast == _slow(ci), ci.hex()


def test_real_sods_read_the_same_both_ways():
    root = real_path("sod")
    fast_count = 0
    for path in sorted(root.iterdir()):
        raw = path.read_bytes()
        ci = tlv.decode(raw).value if raw[:1] == b"\x77" else raw
        fast = sd._fast_signed_data(ci)
        if fast is not None:
            fast_count += 1
            assert fast == _slow(ci), path.name
    assert fast_count > 0
