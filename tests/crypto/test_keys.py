"""Domain parameters, EC arithmetic, public-key loading and validation (SEC 2, RFC 5639, RFC 5114, X.509 SPKI)."""

from __future__ import annotations

import pytest
from asn1crypto import core, keys as akeys
from cryptography.hazmat.primitives import serialization as ser
from cryptography.hazmat.primitives.asymmetric import dh, ec, rsa
from hypothesis import given, strategies as st

from cardkit import algorithms, public_keys
from cardkit.algorithms import CURVES, DH_GROUPS, DOMAIN_PARAMETERS, Curve, crypto_curve
from cardkit.crypto import _ec
from cardkit.crypto.keys import check_public_key, dh_shared, ecdh, random_scalar
from cardkit.errors import ParseError
from cardkit.public_keys import DhPublicKey, EcPublicKey, load_public_key

CURVE_IDS = {8: "secp192r1", 9: "brainpoolP192r1", 10: "secp224r1", 11: "brainpoolP224r1", 12: "secp256r1",
             13: "brainpoolP256r1", 14: "brainpoolP320r1", 15: "secp384r1", 16: "brainpoolP384r1",
             17: "brainpoolP512r1", 18: "secp521r1"}


def test_parameter_table_is_complete():
    assert sorted(DOMAIN_PARAMETERS) == [0, 1, 2, *range(8, 19)]
    for pid, name in CURVE_IDS.items():
        assert algorithms.ec_curve(pid).name == name
    for pid in (0, 1, 2):
        assert algorithms.dh_group(pid) is DH_GROUPS[pid]
    for bad in (3, 7, 19):
        with pytest.raises(ParseError):
            algorithms.domain_parameters(bad)
    with pytest.raises(ParseError):
        algorithms.ec_curve(0)
    with pytest.raises(ParseError):
        algorithms.dh_group(13)


@pytest.mark.parametrize("name", sorted(CURVES))
def test_every_curve_generator_has_order_n(name):
    c = CURVES[name]
    assert c.contains(c.generator)
    assert _ec._reference_mul(c, c.n, c.generator) is None  # the table's n, really computed
    assert _ec.mul(c, c.n, c.generator) is None
    assert _ec.mul(c, c.n - 1, c.generator) == _ec.neg(c, c.generator)
    assert _ec.mul(c, c.n + 1, c.generator) == c.generator
    assert c.h == 1 and c.p % 2 == 1


@pytest.mark.parametrize("name", sorted(CURVES))
def test_pure_python_matches_cryptography(name):
    c = CURVES[name]
    cc = crypto_curve(c)
    if cc is None:
        # cryptography lacks these three; the pure-python math (checked above) carries them
        assert name in ("brainpoolP192r1", "brainpoolP224r1", "brainpoolP320r1")
        return
    d = 0x1234567890ABCDEF1234567890ABCDEF % c.n
    pub = ec.derive_private_key(d, cc).public_key().public_numbers()
    assert _ec.mul_generator(c, d) == (pub.x, pub.y)
    # and ECDH through cryptography equals the pure x-coordinate
    peer = _ec.mul_generator(c, 7)
    assert ecdh(c, d, peer) == _ec.mul(c, d, peer)[0].to_bytes(c.size, "big")


@pytest.mark.parametrize("pid, bits, qbits", [(0, 1024, 160), (1, 2048, 224), (2, 2048, 256)])
def test_rfc5114_groups(pid, bits, qbits):
    g = DH_GROUPS[pid]
    assert g.p.bit_length() == bits and g.q.bit_length() == qbits
    assert (g.p - 1) % g.q == 0 and pow(g.g, g.q, g.p) == 1 and g.g != 1


def test_group_law_sanity():
    c = CURVES["brainpoolP256r1"]
    g = c.generator
    assert _ec.add(c, g, g) == _ec.mul(c, 2, g)
    assert _ec.add(c, g, _ec.neg(c, g)) is None
    assert _ec.add(c, None, g) == g
    assert _ec.mul(c, 5, g) == _ec.add(c, _ec.mul(c, 2, g), _ec.mul(c, 3, g))


def test_decode_point_validation():
    c = CURVES["secp256r1"]
    good = c.encode_point(c.generator)
    assert c.decode_point(good) == c.generator
    off = bytearray(good)
    off[-1] ^= 1
    for bad in (bytes(off), good[:-1], b"\x02" + good[1:], b"\x04" + bytes(64), b"\x00"):
        with pytest.raises(ParseError):
            c.decode_point(bad)
    too_big = b"\x04" + (c.p).to_bytes(32, "big") + good[33:]
    with pytest.raises(ParseError):
        c.decode_point(too_big)


def test_dh_public_value_validation():
    g = DH_GROUPS[0]
    for y in (0, 1, g.p - 1, g.p, g.p + 5):
        with pytest.raises(ParseError):
            g.check_public(y)
    # an element outside the q-subgroup (order 2 * something): -g
    with pytest.raises(ParseError, match="subgroup"):
        g.check_public(g.p - g.g)
    assert g.check_public(g.g) == g.g
    with pytest.raises(ParseError):
        g.decode_public(b"\x01" * (g.size + 1))


def test_random_scalar_redraws_out_of_range():
    n = CURVES["secp256r1"].n
    draws = [b"\x00" * 32, b"\xff" * 32, (5).to_bytes(32, "big")]
    assert random_scalar(lambda k: draws.pop(0), n) == 5
    with pytest.raises(ValueError):
        random_scalar(lambda k: b"\x01", n)


def test_dh_shared_is_fixed_length():
    g = DH_GROUPS[1]
    x, y = 12345, 67890
    z = dh_shared(g, x, pow(g.g, y, g.p))
    assert len(z) == g.size and z == dh_shared(g, y, pow(g.g, x, g.p))


# --- load_public_key ---------------------------------------------------------------------


def _spki(pub) -> bytes:
    return pub.public_bytes(ser.Encoding.DER, ser.PublicFormat.SubjectPublicKeyInfo)


def _explicit_spki(c: Curve, point: tuple[int, int], gen: tuple[int, int] | None = None) -> bytes:
    gx, gy = gen or c.generator
    spec = akeys.SpecifiedECDomain({
        "version": "ecdpVer1",
        "field_id": {"field_type": "prime_field", "parameters": c.p},
        "curve": {"a": c.a.to_bytes(c.size, "big"), "b": c.b.to_bytes(c.size, "big")},
        "base": b"\x04" + gx.to_bytes(c.size, "big") + gy.to_bytes(c.size, "big"),
        "order": c.n,
        "cofactor": c.h,
    })
    return akeys.PublicKeyInfo({
        "algorithm": {"algorithm": "ec", "parameters": akeys.ECDomainParameters(name="specified", value=spec)},
        "public_key": c.encode_point(point),
    }).dump()


def test_load_rsa():
    k = rsa.generate_private_key(65537, 1024)
    loaded = load_public_key(_spki(k.public_key()))
    assert isinstance(loaded, rsa.RSAPublicKey)
    assert loaded.public_numbers() == k.public_key().public_numbers()


@pytest.mark.parametrize("curve", [ec.SECP256R1(), ec.BrainpoolP256R1(), ec.SECP521R1()])
def test_load_named_ec(curve):
    k = ec.generate_private_key(curve)
    loaded = load_public_key(_spki(k.public_key()))
    assert isinstance(loaded, EcPublicKey) and loaded.curve.name == curve.name
    n = k.public_key().public_numbers()
    assert loaded.point == (n.x, n.y)
    assert loaded.to_cryptography().public_numbers() == n


@pytest.mark.parametrize("name", ["brainpoolP256r1", "brainpoolP320r1", "secp224r1"])
def test_load_explicit_ec_matches_known_curve(name):
    c = CURVES[name]
    pt = _ec.mul_generator(c, 99)
    loaded = load_public_key(_explicit_spki(c, pt))
    assert loaded.curve is c and loaded.point == pt


def test_load_unknown_explicit_curve_gives_pure_key():
    c = CURVES["brainpoolP256r1"]
    other_gen = _ec.mul_generator(c, 2)
    pt = _ec.mul_generator(c, 10)
    loaded = load_public_key(_explicit_spki(c, pt, gen=other_gen))
    assert loaded.curve.name == "explicit" and loaded.point == pt and loaded.to_cryptography() is None


def test_explicit_curve_with_bad_generator_is_refused():
    c = CURVES["brainpoolP256r1"]
    g = c.generator
    with pytest.raises(ParseError):
        load_public_key(_explicit_spki(c, c.generator, gen=(g[0], (g[1] + 1) % c.p)))


def test_unknown_explicit_curve_needs_order_n_before_use():
    """load_public_key checks what needs no arithmetic; check_public_key refuses n*G != O before a protocol runs."""
    c = CURVES["brainpoolP256r1"]
    pt = _ec.mul_generator(c, 10)
    wrong_order = Curve("explicit", None, c.p, c.a, c.b, c.gx, c.gy, c.n + 2, 1)
    key = EcPublicKey(wrong_order, pt)
    with pytest.raises(ParseError, match="n\\*G"):
        check_public_key(key)
    good = load_public_key(_explicit_spki(c, pt, gen=_ec.mul_generator(c, 2)))
    assert check_public_key(good) is good


def test_point_outside_the_subgroup_of_a_cofactor_curve_is_refused():
    # y^2 = x^3 + x + 1 over GF(103): 87 = 3 * 29 points, G = (72, 96) of order 29; (0, 1) lies outside
    toy = Curve("toy", None, 103, 1, 1, 72, 96, 29, 3)
    assert _ec.mul(toy, 29, toy.generator) is None
    assert check_public_key(EcPublicKey(toy, _ec.mul_generator(toy, 5))).point == _ec.mul_generator(toy, 5)
    with pytest.raises(ParseError, match="subgroup"):
        check_public_key(EcPublicKey(toy, (0, 1)))
    with pytest.raises(ParseError, match="subgroup"):
        _ec.decode_point(toy, toy.encode_point((0, 1)))
    assert toy.decode_point(toy.encode_point((0, 1))) == (0, 1)  # on the curve: the codec alone accepts it


def test_ec_point_not_on_curve_is_refused():
    k = ec.generate_private_key(ec.SECP256R1())
    der = bytearray(_spki(k.public_key()))
    der[-1] ^= 1
    with pytest.raises(ParseError):
        load_public_key(bytes(der))


def _dh_spki(oid: str, params, y: int) -> bytes:
    from cardkit.public_keys import _RawSpki

    return _RawSpki({"algorithm": {"algorithm": oid, "parameters": core.Any(params)},
                     "public_key": core.Integer(y).dump()}).dump()


def test_load_x942_dh():
    g = DH_GROUPS[2]
    y = pow(g.g, 4242, g.p)
    spki = _dh_spki("1.2.840.10046.2.1", akeys.DomainParameters({"p": g.p, "g": g.g, "q": g.q}), y)
    loaded = load_public_key(spki)
    assert loaded == DhPublicKey(g.p, g.q, g.g, y)
    assert loaded.group is g


def test_load_x942_dh_made_by_cryptography():
    import warnings

    g = DH_GROUPS[1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # FFDH is deprecated in cryptography; still what chips use
        pub = dh.DHPublicNumbers(pow(g.g, 5, g.p), dh.DHParameterNumbers(g.p, g.g, g.q)).public_key()
    assert load_public_key(_spki(pub)).y == pow(g.g, 5, g.p)


def test_load_pkcs3_dh():
    g = DH_GROUPS[0]
    y = pow(g.g, 77, g.p)
    loaded = load_public_key(_dh_spki("1.2.840.113549.1.3.1", public_keys._Pkcs3DhParameter({"prime": g.p, "base": g.g}), y))
    assert loaded == DhPublicKey(g.p, None, g.g, y)
    assert loaded.group is g


@pytest.mark.parametrize("bad_y", ["one", "p-1", "outside"])
def test_dh_public_key_outside_subgroup_is_refused(bad_y):
    g = DH_GROUPS[2]
    y = {"one": 1, "p-1": g.p - 1, "outside": g.p - g.g}[bad_y]
    with pytest.raises(ParseError):
        load_public_key(_dh_spki("1.2.840.10046.2.1", akeys.DomainParameters({"p": g.p, "g": g.g, "q": g.q}), y))


@pytest.mark.parametrize("data", [b"", b"\x30\x00", b"\x30\x03\x02\x01\x01", bytes(20000), b"\x30\x82\xff\xff"])
def test_garbage_is_parse_error(data):
    with pytest.raises(ParseError):
        load_public_key(data)


@given(st.binary(max_size=200))
def test_any_bytes_give_a_key_or_parse_error(data):
    try:
        load_public_key(data)
    except ParseError:
        pass


def test_unsupported_algorithm():
    spki = akeys.PublicKeyInfo({
        "algorithm": {"algorithm": "ed25519"},
        "public_key": bytes(32),
    }).dump()
    with pytest.raises(ParseError, match="unsupported"):
        load_public_key(spki)
