"""EF.SOD parsing and building (9303-10 §4.6.2): round trips, raw bytes kept, typed errors only."""

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cardkit.errors import InputError, ParseError
from cardkit.algorithms import IcaoOid
from cardkit.lds.sod import Sod
from cardkit.pki.sod_builder import build_sod
from tests.support.pki import der, make_pki
from tests.support.sod import ci_bytes, sample_dgs

PKI = make_pki("ec-p256")


@pytest.mark.parametrize("hash_algorithm", ["sha1", "sha256", "sha384", "sha512"])
@pytest.mark.parametrize("version", [0, 1])
def test_build_then_parse(hash_algorithm, version):
    dgs = sample_dgs()
    raw = build_sod(dgs, PKI.ds_signer, hash_algorithm=hash_algorithm, version=version)
    sod = Sod.from_bytes(raw)
    assert raw[0] == 0x77 and sod.to_bytes() == raw
    assert sod.version == version and sod.hash_algorithm == hash_algorithm
    assert sod.dg_hashes == {n: hashlib.new(hash_algorithm, b).digest() for n, b in dgs.items()}
    assert (sod.lds_version, sod.unicode_version) == (("0108", "040000") if version else (None, None))
    assert sod.econtent_type == IcaoOid.LDS_SECURITY_OBJECT
    assert sod.signed_data_version == 3 and len(sod.signer_infos) == 1
    assert [c.raw for c in sod.certificates] == [der(PKI.ds)]
    si = sod.signer_info
    assert si.sid_kind == "issuer_serial" and si.serial_number == PKI.ds.serial_number and si.version == 1
    assert si.signed_attrs[0] == 0x31 and len(si.message_digests) == 1


def test_lds_version_given_for_v1():
    sod = Sod.from_bytes(build_sod(sample_dgs(), PKI.ds_signer, version=1, lds_version="0107", unicode_version="040100"))
    assert (sod.lds_version, sod.unicode_version) == ("0107", "040100")


def test_signer_identified_by_ski():
    sod = Sod.from_bytes(build_sod(sample_dgs(), PKI.ds_signer, signer_id="ski"))
    si = sod.signer_info
    assert si.sid_kind == "ski" and si.version == 3 and si.subject_key_identifier and si.serial_number is None


def test_bare_content_info_is_accepted():
    raw = build_sod(sample_dgs(), PKI.ds_signer)
    assert Sod.from_bytes(ci_bytes(raw)).dg_hashes == Sod.from_bytes(raw).dg_hashes


@pytest.mark.parametrize("kwargs", [{"hash_algorithm": "md5"}, {"version": 2}, {"signer_id": "name"},
                                    {"version": 0, "lds_version": "0108"}])
def test_builder_rejects_bad_options(kwargs):
    with pytest.raises(InputError):
        build_sod(sample_dgs(), PKI.ds_signer, **kwargs)


def test_builder_rejects_bad_data_groups():
    with pytest.raises(InputError):
        build_sod({}, PKI.ds_signer)
    with pytest.raises(InputError):
        build_sod({17: b"\x01"}, PKI.ds_signer)


@pytest.mark.parametrize(
    "data,words",
    [
        (b"", "empty"),
        (b"\x61\x00", "expected 77"),
        (b"\x77\x03\x30\x01\x00", "malformed"),
        (b"\x77\x85", ""),
        (b"\x77" + b"\x82\x10\x00", ""),
    ],
)
def test_bad_bytes_raise_parse_error(data, words):
    with pytest.raises(ParseError) as e:
        Sod.from_bytes(data, source="x/EF.SOD")
    assert words in str(e.value) and "EF.SOD" in str(e.value)


def test_truncated_and_trailing_are_parse_errors():
    raw = build_sod(sample_dgs(), PKI.ds_signer)
    with pytest.raises(ParseError):
        Sod.from_bytes(raw[:-5])
    with pytest.raises(ParseError):
        Sod.from_bytes(raw + b"\x00")


def test_oversize_is_refused_before_parsing():
    with pytest.raises(ParseError, match="more than"):
        Sod.from_bytes(b"\x77" + b"\x00" * (1 << 21))


def test_signed_data_of_another_kind_is_a_parse_error():
    from asn1crypto import cms

    other = cms.ContentInfo({"content_type": "data", "content": b"hello"}).dump()
    with pytest.raises(ParseError, match="not signedData"):
        Sod.from_bytes(other)


@given(st.binary(max_size=300))
def test_any_bytes_give_sod_or_parse_error(data):
    try:
        Sod.from_bytes(b"\x77" + bytes([len(data)]) + data if len(data) < 128 else data)
    except ParseError:
        pass


RAW = build_sod(sample_dgs(), PKI.ds_signer)


@given(st.integers(0, len(RAW) - 1), st.integers(1, 255))
def test_any_single_byte_change_gives_sod_or_parse_error(pos, delta):
    data = bytearray(RAW)
    data[pos] = (data[pos] + delta) % 256
    try:
        Sod.from_bytes(bytes(data))
    except ParseError:
        pass


class MinimalSigner:
    """A third-party signer with only what the Signer protocol requires."""

    def __init__(self, pki):
        self.certificate = pki.ds
        self.signature_algorithm = "ecdsa-with-SHA384"
        self._key = pki.ds_signer.private_key

    def sign(self, data):
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec

        return self._key.sign(data, ec.ECDSA(hashes.SHA384()))


def test_protocol_minimal_signer():
    from cardkit.pki.passive import passive_authentication
    from cardkit.pki.trust import TrustStore

    dgs = sample_dgs()
    sod = build_sod(dgs, MinimalSigner(PKI))
    assert Sod.from_bytes(sod).signer_info.digest_algorithm == "sha384"
    trust = TrustStore()
    trust.add_certificate(PKI.csca)
    assert passive_authentication(sod, dgs, trust).passed


# --- the two LDSSecurityObject decoders (cryptography's strict DER, asn1crypto) agree ---------

def _lso_both_ways(der):
    """(fast result or its exception type, asn1crypto result or its exception type) for the same bytes."""
    from cardkit.lds import sod as sod_module

    def run():
        try:
            version, alg, entries, lds, uni = sod_module._decode_lds_security_object(der)
            return version, alg, list(entries), lds, uni
        except Exception as e:  # noqa: BLE001
            return type(e)

    fast = run()
    saved = sod_module._FastLdsSecurityObject
    sod_module._FastLdsSecurityObject = None
    try:
        slow = run()
    finally:
        sod_module._FastLdsSecurityObject = saved
    return fast, slow


@given(version=st.sampled_from([0, 1]), alg=st.sampled_from(["sha1", "sha224", "sha256", "sha384", "sha512"]),
       params=st.booleans(), dgs=st.dictionaries(st.integers(-3, 20), st.binary(max_size=64), max_size=17),
       info=st.one_of(st.none(), st.tuples(st.text("0123456789 A", max_size=6), st.text("0123456789", max_size=6))))
def test_fast_and_asn1crypto_lso_decoders_agree(version, alg, params, dgs, info):
    from asn1crypto import core

    from cardkit.lds.sod import LdsSecurityObject

    value = {"version": version, "hash_algorithm": {"algorithm": alg, **({"parameters": core.Null()} if params else {})},
             "data_group_hash_values": [{"data_group_number": n, "data_group_hash_value": h} for n, h in dgs.items()]}
    if info is not None:
        value["lds_version_info"] = {"lds_version": info[0], "unicode_version": info[1]}
    der = LdsSecurityObject(value).dump()
    fast, slow = _lso_both_ways(der)
    assert fast == slow
    assert fast[1] == alg and fast[2] == list(dgs.items())


_LSO = "3022020100300d06096086480165030402010500300e300c020101040700010203040506"  # v0, sha256, DG1


@pytest.mark.parametrize("der_hex, readable", [
    ("3080" + _LSO[4:] + "0000", True),  # BER indefinite length: the DER decoder refuses, asn1crypto reads
    ("308122" + _LSO[4:], True),  # BER non-minimal length: likewise
    # "&" is not a PrintableString character: the DER decoder refuses, asn1crypto reads
    ("302a020101300d06096086480165030402010500300b30090201010404000102033009130430313038130126", True),
    (_LSO + "00", False), ("", False), ("30", False), ("3000", False), ("0500", False),
])
def test_fast_lso_decoder_falls_back_to_asn1crypto(der_hex, readable):
    from cryptography.hazmat import asn1

    from cardkit.lds import sod as sod_module

    der = bytes.fromhex(der_hex)
    with pytest.raises(ValueError):
        asn1.decode_der(sod_module._FastLdsSecurityObject, der)
    fast, slow = _lso_both_ways(der)
    assert fast == slow
    assert isinstance(fast, tuple) is readable


@given(values=st.lists(st.binary(max_size=70), max_size=3),
       kind=st.sampled_from(["message_digest", "content_type", "signing_time", "1.2.3.4"]))
def test_fast_and_asn1crypto_attribute_decoders_agree(values, kind):
    import datetime as dt

    from asn1crypto import cms, core

    from cardkit.lds import signed_data as sod_module  # the CMS shell of EF.SOD

    if kind == "content_type":
        values = ["2.23.136.1.1.1", "1.2.840.113549.1.7.1"][: len(values)]
    elif kind == "signing_time":
        values = [cms.Time({"utc_time": dt.datetime(2030, 1, 1, tzinfo=dt.UTC)})][: len(values)]
    elif kind == "1.2.3.4":
        values = [core.OctetString(v) for v in values]
    der = cms.CMSAttribute({"type": kind, "values": values}).dump()
    fast = sod_module._attribute.__wrapped__(der)
    saved = sod_module._FastAttribute
    sod_module._FastAttribute = None
    try:
        slow = sod_module._attribute.__wrapped__(der)
    finally:
        sod_module._FastAttribute = saved
    assert fast == slow
    if kind == "message_digest":
        assert fast[0] == "1.2.840.113549.1.9.4" and sorted(fast[1]) == sorted(values)  # DER sorts a SET OF
