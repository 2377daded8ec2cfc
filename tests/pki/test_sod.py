"""EF.SOD parsing and building (9303-10 §4.6.2): round trips, raw bytes kept, typed errors only."""

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cardkit.errors import InputError, ParseError
from cardkit.lds.sod import IcaoOid, Sod
from cardkit.pki.sod_builder import build_sod
from tests.pki._pki import ci_bytes, make_pki, sample_dgs

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
    assert sod.certificates == (PKI.ds,)
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
