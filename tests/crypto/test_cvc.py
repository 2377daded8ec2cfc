"""CV certificate codec (TR-03110-3 C.1, D.2, D.3): tables both ways, every malformed case, properties."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cardkit import tlv
from cardkit.algorithms import CURVES, ID_AT, ID_IS, ta_algorithm
from cardkit.crypto.cvc import (
    MAX_CERTIFICATE,
    Chat,
    CvCertificate,
    CvCertificateBody,
    CvExtension,
    Role,
    check_holder_reference,
    decode_date,
    encode_date,
)
from cardkit.crypto.cvc_keys import (
    CvEcPublicKey,
    CvRsaPublicKey,
    decode_public_key,
    ec_public_key,
    plain_signature,
    resolve_key,
    rsa_public_key,
)
from cardkit.errors import ParseError
from tests.support.cvc_pki import key, make_cv_pki, point

from .conftest import load_vector

VEC = load_vector("cvc-openpace-brainpool")
OPENPACE = [bytes.fromhex(c["hex"]) for c in VEC["certificates"]]


def _tlv(hexstr: str) -> tlv.Tlv:
    return tlv.decode(bytes.fromhex(hexstr.replace(" ", "")))


# --- value tables, both directions ----------------------------------------------------------

DATES = [
    (dt.date(2025, 1, 1), "5F25 06 020500010001"),
    (dt.date(2035, 12, 31), "5F24 06 030501020301"),
    (dt.date(2000, 2, 29), "5F25 06 000000020209"),
    (dt.date(2099, 9, 9), "5F24 06 090900090009"),
]


@pytest.mark.parametrize("value,encoded", DATES, ids=[str(d) for d, _ in DATES])
def test_date_table(value, encoded):
    t = _tlv(encoded)
    assert decode_date(t, "date") == value
    assert encode_date(value) == t.value


CHATS = [
    (Chat.inspection_system(Role.CVCA, read_dg3=True, read_dg4=True), "7F4C0E 060904007F000703010201 5301C3"),
    (Chat.inspection_system(Role.DV_DOMESTIC, read_dg3=True, read_dg4=False), "7F4C0E 060904007F000703010201 530181"),
    (Chat.inspection_system(Role.DV_FOREIGN, read_dg3=False, read_dg4=True), "7F4C0E 060904007F000703010201 530142"),
    (Chat.inspection_system(Role.TERMINAL, read_dg3=False, read_dg4=False), "7F4C0E 060904007F000703010201 530100"),
    (Chat.build(ID_AT, bytes.fromhex("3F0000FF07")), "7F4C12 060904007F000703010202 53053F0000FF07"),
]


@pytest.mark.parametrize("chat,encoded", CHATS, ids=["cvca", "dv-domestic", "dv-foreign", "is", "at"])
def test_chat_table(chat, encoded):
    raw = bytes.fromhex(encoded.replace(" ", ""))
    assert chat.raw == raw
    assert Chat.from_tlv(tlv.decode(raw)) == chat


def test_chat_meaning():
    cvca, dv, dvf, is_, at = (c for c, _ in CHATS)
    assert (cvca.role, cvca.read_dg3, cvca.read_dg4, cvca.terminal_type) == (Role.CVCA, True, True, "IS")
    assert (dv.role, dv.read_dg3, dv.read_dg4) == (Role.DV_DOMESTIC, True, False)
    assert (dvf.role, dvf.read_dg3, dvf.read_dg4) == (Role.DV_FOREIGN, False, True)
    assert (is_.role, is_.rights()) == (Role.TERMINAL, [])
    assert at.terminal_type == "AT" and at.role is Role.TERMINAL and not at.read_dg3  # AT bits are not IS rights
    assert cvca.restrict(dv).restrict(is_).template == b"\x00"
    assert cvca.restrict(dv).template == b"\x81"
    with pytest.raises(ValueError):
        cvca.restrict(at)


def test_ec_public_key_with_and_without_domain_parameters():
    alg = ta_algorithm("ECDSA", "sha256")
    curve = CURVES["brainpoolP256r1"]
    y = point(key("brainpoolP256r1", "x"))
    full = ec_public_key(alg, y, curve)
    parts = [(0x81, curve.p.to_bytes(32, "big")), (0x82, curve.a.to_bytes(32, "big")),
             (0x83, curve.b.to_bytes(32, "big")), (0x84, curve.encode_point(curve.generator)),
             (0x85, curve.n.to_bytes(32, "big")), (0x86, y), (0x87, b"\x01")]
    assert full.raw == tlv.encode(0x7F49, bytes.fromhex("060A04007F00070202020203")
                                  + b"".join(tlv.encode(t, v) for t, v in parts))
    assert decode_public_key(tlv.decode(full.raw)) == full
    bare = ec_public_key(alg, y, None)
    assert bare.raw == tlv.encode(0x7F49, bytes.fromhex("060A04007F00070202020203") + tlv.encode(0x86, y))
    assert decode_public_key(tlv.decode(bare.raw)) == bare
    assert resolve_key(bare, curve).curve is curve
    with pytest.raises(ParseError, match="domain parameters"):
        resolve_key(bare, None)


def test_rsa_public_key_table():
    alg = ta_algorithm("RSA", "sha256", pss=True)
    n = (1 << 2047) | 0x1234567 | 1
    k = rsa_public_key(alg, n, 65537)
    assert k.raw == tlv.encode(0x7F49, bytes.fromhex("060A04007F00070202020104")
                               + tlv.encode(0x81, n.to_bytes(256, "big")) + bytes.fromhex("8203010001"))
    assert decode_public_key(tlv.decode(k.raw)) == k and isinstance(k, CvRsaPublicKey)


def test_openpace_certificates_decode_and_re_encode_byte_for_byte():
    """OpenPACE's encoder is independent of ours: parsing its bytes and building them again must agree."""
    for raw, expect in zip(OPENPACE, VEC["certificates"]):
        cert = CvCertificate.from_bytes(raw)
        assert (cert.car, cert.chr, cert.role.name) == (expect["car"], expect["chr"], expect["role"])
        assert cert.chat.template.hex().upper() == expect["authorization"]
        assert cert.effective_date == dt.date.fromisoformat(VEC["effective_date"])
        assert cert.expiration_date == dt.date.fromisoformat(VEC["expiration_date"])
        assert cert.public_key.algorithm.name == VEC["algorithm"]
        assert isinstance(cert.public_key, CvEcPublicKey)
        assert (cert.public_key.curve is not None) == expect["domain_parameters"]
        assert cert.to_bytes() == raw and len(cert.signature) == 64
        b = cert.body
        rebuilt = CvCertificateBody.build(car=b.car, public_key=b.public_key, chr=b.chr, chat=b.chat,
                                          effective_date=b.effective_date, expiration_date=b.expiration_date)
        assert rebuilt.raw == b.raw
        assert CvCertificate.assemble(rebuilt, cert.signature).raw == raw
        assert CvCertificate.from_verify_data(cert.verify_data) == cert
    assert CvCertificate.from_bytes(OPENPACE[0]).public_key.curve is CURVES["brainpoolP256r1"]


def test_extensions_round_trip():
    pki = make_cv_pki()
    ext = (CvExtension.build("0.4.0.127.0.7.3.1.3.1", ((0x80, bytes(32)),)),
           CvExtension.build("1.2.3.4", ()))
    b = pki.is_.body
    body = CvCertificateBody.build(car=b.car, public_key=b.public_key, chr=b.chr, chat=b.chat,
                                   effective_date=b.effective_date, expiration_date=b.expiration_date, extensions=ext)
    cert = CvCertificate.from_bytes(CvCertificate.assemble(body, bytes(64)).raw)
    assert cert.body.extensions == ext
    assert [e.name for e in cert.body.extensions] == ["certificate description", "1.2.3.4"]


# --- malformed certificates -----------------------------------------------------------------


def _rebuild(raw: bytes, replace: dict[int, bytes | None] | None = None, *, order: list[int] | None = None,
             extra: bytes = b"", outer_extra: bytes = b"", signature: bytes | None = None) -> bytes:
    """The certificate with body elements replaced (tag -> full TLV, None drops it), reordered or extended."""
    cert = tlv.decode(raw)
    body, sig = cert.children()
    parts = {c.tag: c.raw for c in body.children()}
    for tag, new in (replace or {}).items():
        if new is None:
            parts.pop(tag)
        else:
            parts[tag] = new
    tags = order or list(parts)
    new_body = tlv.encode(0x7F4E, b"".join(parts[t] for t in tags) + extra)
    new_sig = tlv.encode(0x5F37, signature) if signature is not None else sig.raw
    return tlv.encode(0x7F21, new_body + new_sig + outer_extra)


CVCA = OPENPACE[0]
IS = OPENPACE[2]
KEY_OID = "060A04007F00070202020203"


def _ec_key(*parts: str) -> bytes:
    return tlv.encode(0x7F49, bytes.fromhex(KEY_OID + "".join(parts)))


CURVE = CURVES["brainpoolP256r1"]
P = CURVE.p.to_bytes(32, "big").hex()
BAD = [
    ("outer-tag", b"\x7f\x22" + CVCA[2:], "7F21"),
    ("trailing-byte", CVCA + b"\x00", "trailing"),
    ("no-signature", tlv.encode(0x7F21, tlv.decode(CVCA).children()[0].raw), "5F37"),
    ("empty-signature", _rebuild(IS, signature=b""), "signature"),
    ("extra-after-signature", _rebuild(IS, outer_extra=bytes.fromhex("5F370100")), "5F37"),
    ("body-order", _rebuild(IS, order=[0x5F29, 0x42, 0x5F20, 0x7F49, 0x7F4C, 0x5F25, 0x5F24]), "order"),
    ("body-missing-chat", _rebuild(IS, {0x7F4C: None}), "order"),
    ("body-unknown-tag", _rebuild(IS, extra=bytes.fromhex("5F010100")), "order"),
    ("body-twice-extensions", _rebuild(IS, extra=bytes.fromhex("6500") + bytes.fromhex("6500")), "order"),
    ("profile-1", _rebuild(IS, {0x5F29: bytes.fromhex("5F290101")}), "profile identifier"),
    ("profile-long", _rebuild(IS, {0x5F29: bytes.fromhex("5F29020000")}), "profile identifier"),
    ("date-nibble", _rebuild(IS, {0x5F25: bytes.fromhex("5F2506020500010A01")}), "six digits"),
    ("date-feb-30", _rebuild(IS, {0x5F25: bytes.fromhex("5F2506020600020300")}), "no such date"),
    ("date-short", _rebuild(IS, {0x5F24: bytes.fromhex("5F24050305010203")}), "six digits"),
    ("car-empty", _rebuild(IS, {0x42: bytes.fromhex("4200")}), "reference"),
    ("car-17", _rebuild(IS, {0x42: tlv.encode(0x42, b"A" * 17)}), "reference"),
    ("chr-control", _rebuild(IS, {0x5F20: tlv.encode(0x5F20, b"VNIS\x0100001")}), "reference"),
    ("chat-is-two-bytes", _rebuild(IS, {0x7F4C: bytes.fromhex("7F4C0F060904007F00070301020153020100")}),
     "relative authorization"),
    ("chat-no-template", _rebuild(IS, {0x7F4C: bytes.fromhex("7F4C0B060904007F000703010201")}), "CHAT"),
    ("chat-bad-oid", _rebuild(IS, {0x7F4C: bytes.fromhex("7F4C060601FF530100")}), "CHAT"),
    ("key-unknown-oid", _rebuild(IS, {0x7F49: tlv.encode(0x7F49, bytes.fromhex("0603550403")
                                                          + tlv.encode(0x86, b"\x04" + bytes(64)))}), "algorithm"),
    ("key-no-point", _rebuild(IS, {0x7F49: _ec_key()}), "86"),
    ("key-point-compressed", _rebuild(IS, {0x7F49: _ec_key("8621" + "02" + "11" * 32)}), "uncompressed"),
    ("key-tags-out-of-order", _rebuild(IS, {0x7F49: _ec_key("864104" + "11" * 64, "8101FF")}), "in order"),
    ("key-partial-domain", _rebuild(IS, {0x7F49: _ec_key("8120" + P, "864104" + "11" * 64)}), "all present"),
    ("key-cofactor-alone", _rebuild(IS, {0x7F49: _ec_key("864104" + "11" * 64, "870101")}), "all present"),
    ("key-point-off-curve", _rebuild(CVCA, {0x7F49: tlv.decode(CVCA).children()[0].children()[2].raw[:-40]
                                            + b"\x11" + tlv.decode(CVCA).children()[0].children()[2].raw[-39:]}),
     "not on"),
    ("key-rsa-even-exponent", _rebuild(IS, {0x7F49: tlv.encode(0x7F49, bytes.fromhex("060A04007F00070202020104")
                                                                 + tlv.encode(0x81, b"\xc1" + bytes(254) + b"\x01")
                                                                 + bytes.fromhex("8203010000"))}), "RSA"),
    ("key-rsa-small", _rebuild(IS, {0x7F49: tlv.encode(0x7F49, bytes.fromhex("060A04007F00070202020104")
                                                        + tlv.encode(0x81, b"\xc1" + bytes(62) + b"\x01")
                                                        + bytes.fromhex("8203010001"))}), "RSA"),
    ("extension-not-73", _rebuild(IS, extra=bytes.fromhex("6503800100")), "73"),
    ("extension-no-oid", _rebuild(IS, extra=bytes.fromhex("650573038001FF")), "object identifier"),
    ("too-large", b"\x7f\x21\x82" + (MAX_CERTIFICATE).to_bytes(2, "big") + bytes(MAX_CERTIFICATE), "too large"),
]


@pytest.mark.parametrize("data,needle", [(d, n) for _, d, n in BAD], ids=[i for i, _, _ in BAD])
def test_malformed_certificate_is_a_parse_error_naming_where(data, needle):
    with pytest.raises(ParseError) as e:
        CvCertificate.from_bytes(data, source="x.cvcert")
    text = str(e.value)
    assert needle.lower() in text.lower(), text
    assert text.startswith("x.cvcert, ") and ("7F21" in text or "CV certificate" in text), text


def test_parse_error_carries_the_tag_path():
    with pytest.raises(ParseError) as e:
        CvCertificate.from_bytes(_rebuild(IS, {0x5F25: bytes.fromhex("5F2506020500010A01")}))
    assert e.value.path == (0x7F21, 0x7F4E, 0x5F25)
    assert e.value.offset is not None and 0 < e.value.offset < len(IS)


@pytest.mark.parametrize("cut", range(0, len(IS), 7))
def test_every_truncation_is_a_parse_error(cut):
    with pytest.raises(ParseError):
        CvCertificate.from_bytes(IS[:cut])


def test_holder_reference_rules():
    assert check_holder_reference("VNIS00001") == "VNIS00001"
    for bad in ("VN0001", "vnIS00001", "VNIS0000a", "VNLONGMNEMONIC00001", "V1IS00001"):
        with pytest.raises(ValueError):
            check_holder_reference(bad)


def test_plain_signature_conversion():
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    assert plain_signature(encode_dss_signature(1, 2), 4) == bytes.fromhex("0000000100000002")
    with pytest.raises(ValueError):
        plain_signature(encode_dss_signature(1 << 40, 2), 4)
    with pytest.raises(ValueError):
        plain_signature(b"\x30\x00junk", 4)


def test_explicit_unknown_curve_is_checked():
    """Parameters that match no named curve are accepted only when G lies on the curve and r*G = O."""
    c = CURVES["secp256r1"]
    alg = ta_algorithm("ECDSA", "sha256")
    y = point(key("secp256r1", "x"))
    good = tlv.encode(0x7F49, bytes.fromhex(KEY_OID) + b"".join(tlv.encode(t, v) for t, v in (
        (0x81, c.p.to_bytes(32, "big")), (0x82, c.a.to_bytes(32, "big")), (0x83, c.b.to_bytes(32, "big")),
        (0x84, c.encode_point(c.generator)), (0x85, c.n.to_bytes(32, "big")), (0x86, y))))
    assert decode_public_key(tlv.decode(good)).curve is c  # matched to the named curve although 87 is absent
    bad_b = good.replace(c.b.to_bytes(32, "big"), (c.b ^ 1).to_bytes(32, "big"))
    with pytest.raises(ParseError, match="inconsistent|not on"):
        decode_public_key(tlv.decode(bad_b))
    assert alg.name == "id-TA-ECDSA-SHA-256"


# --- properties ------------------------------------------------------------------------------


@given(st.binary(max_size=600))
def test_random_bytes_give_a_certificate_or_a_parse_error(data):
    try:
        CvCertificate.from_bytes(data)
    except ParseError:
        pass


@given(st.sampled_from(OPENPACE), st.data())
def test_mutated_certificates_give_a_certificate_or_a_parse_error(raw, data):
    pos = data.draw(st.integers(0, len(raw) - 1))
    kind = data.draw(st.sampled_from(["flip", "insert", "delete"]))
    byte = data.draw(st.integers(0, 255))
    if kind == "flip":
        mutated = raw[:pos] + bytes([raw[pos] ^ (byte or 1)]) + raw[pos + 1:]
    elif kind == "insert":
        mutated = raw[:pos] + bytes([byte]) + raw[pos:]
    else:
        mutated = raw[:pos] + raw[pos + 1:]
    try:
        cert = CvCertificate.from_bytes(mutated)
    except ParseError:
        return
    assert cert.to_bytes() == mutated


_REFS = st.builds(lambda c, m, s: c + m + s, st.sampled_from(["VN", "DE", "FR"]),
                  st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", max_size=9),
                  st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=5, max_size=5))


@given(car=_REFS, chr=_REFS, role=st.sampled_from(list(Role)), dg3=st.booleans(), dg4=st.booleans(),
       start=st.dates(dt.date(2000, 1, 1), dt.date(2090, 1, 1)), days=st.integers(0, 3650),
       domain=st.booleans(), curve=st.sampled_from(["secp256r1", "brainpoolP256r1", "secp384r1"]))
def test_built_certificates_round_trip(car, chr, role, dg3, dg4, start, days, domain, curve):
    alg = ta_algorithm("ECDSA", "sha384" if curve == "secp384r1" else "sha256")
    chat = Chat.inspection_system(role, read_dg3=dg3, read_dg4=dg4)
    body = CvCertificateBody.build(car=car, public_key=ec_public_key(alg, point(key(curve, "prop")),
                                                                     CURVES[curve] if domain else None),
                                   chr=chr, chat=chat, effective_date=start,
                                   expiration_date=start + dt.timedelta(days=days))
    made = CvCertificate.assemble(body, bytes(2 * CURVES[curve].order_size))
    again = CvCertificate.from_bytes(made.to_bytes())
    assert again == made
    assert (again.car, again.chr, again.role, again.chat.read_dg3, again.chat.read_dg4) == (car, chr, role, dg3, dg4)
    assert (again.effective_date, again.expiration_date) == (start, start + dt.timedelta(days=days))


def test_a_signed_certificate_round_trips():
    pki = make_cv_pki("secp384r1", "sha384")
    for cert in (pki.cvca, pki.dv, pki.is_):
        assert CvCertificate.from_bytes(cert.to_bytes()) == cert


def test_is_oid_names_inspection_systems():
    assert ID_IS == "0.4.0.127.0.7.3.1.2.1"
