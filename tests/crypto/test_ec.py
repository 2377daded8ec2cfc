"""The EC group law: compiled and OpenSSL paths against the pure-Python reference ladder, on every
standardized curve (Doc 9303-11 §9.5.1), with standard and PACE-mapped generators (§4.4.3.3); and the
private-key draw (FIPS 186-4 §B.4.2)."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest
from hypothesis import given, strategies as st

from cardkit.algorithms import CURVES, DOMAIN_PARAMETERS, Curve
from cardkit.crypto import _ec
from cardkit.crypto.keys import ecdh, random_scalar

NAMES = sorted(CURVES)


def _edges(n: int) -> list[int]:
    return [0, 1, 2, 3, n - 2, n - 1, n, n + 1, 2 * n + 3, (1 << n.bit_length()) - 1]


@st.composite
def cases(draw: st.DrawFn) -> tuple[Curve, int, tuple[int, int], tuple[int, int]]:
    """A curve, a scalar (random or an edge) and two points on it made from random multiples of G."""
    c = CURVES[draw(st.sampled_from(NAMES))]
    k = draw(st.one_of(st.integers(0, 2 * c.n + 3), st.sampled_from(_edges(c.n))))
    i, j = draw(st.integers(1, c.n - 1)), draw(st.integers(1, c.n - 1))
    p, q = _ec.mul_generator(c, i), _ec.mul_generator(c, j)
    assert c.contains(p) and c.contains(q)  # independent of either backend
    return c, k, p, q


def test_every_standardized_curve_has_its_compiled_backend():
    """All 11 curves reach fastecdsa, and OpenSSL exactly on the NIST curves it has dedicated code for."""
    for d in DOMAIN_PARAMETERS.values():
        if not isinstance(d.group, Curve):
            continue
        b = _ec._backend(d.group)
        assert b is not None and b.fast is not None, d.name
        nist = d.name in ("secp224r1", "secp256r1", "secp384r1", "secp521r1")
        assert b.crypto_curve is (d.crypto_curve if nist else None), d.name


@given(cases())
def test_mul_and_add_match_the_reference(case):
    c, k, p, q = case
    assert _ec.mul(c, k, p) == _ec._reference_mul(c, k, p)
    assert _ec.add(c, p, q) == _ec._reference_add(c, p, q)
    assert _ec.add(c, p, p) == _ec._reference_add(c, p, p)  # doubling through the complete formulas
    assert _ec.add(c, p, _ec.neg(c, p)) is None


@given(cases())
def test_a_mapped_generator_matches_the_reference(case):
    """PACE's G~ changes only the generator: the group is matched without it, for k*G~ and for ECDH."""
    c, k, g, peer = case
    mapped = replace(c, gx=g[0], gy=g[1])
    assert _ec._backend(mapped) is _ec._backend(c)
    assert _ec.mul_generator(mapped, k) == _ec._reference_mul(c, k, g)
    d = k % c.n or 1
    assert ecdh(mapped, d, peer) == _ec._reference_mul(c, d, peer)[0].to_bytes(c.size, "big")


@pytest.mark.parametrize("name", NAMES)
def test_standard_generator_edges_match_the_reference(name):
    c = CURVES[name]
    for k in _edges(c.n):
        assert _ec.mul_generator(c, k) == _ec._reference_mul(c, k, c.generator), k


@pytest.mark.parametrize("name", NAMES)
def test_ecdh_of_a_mapped_generator_goes_to_openssl_on_the_nist_curves_it_does_best(name):
    # OpenSSL has dedicated code for P-224/256/384/521; on brainpool and P-192 the compiled ladder is faster
    c = CURVES[name]
    mapped = replace(c, gx=_ec.mul_generator(c, 5)[0], gy=_ec.mul_generator(c, 5)[1])
    expected = name in ("secp224r1", "secp256r1", "secp384r1", "secp521r1")
    assert (_ec.group_crypto_curve(mapped) is not None) == expected


def test_points_off_the_curve_are_refused_on_the_compiled_path():
    c = CURVES["brainpoolP256r1"]
    gx, gy = c.generator
    with pytest.raises(ValueError, match="not on"):
        _ec.mul(c, 5, (gx, (gy + 1) % c.p))
    with pytest.raises(ValueError, match="outside the field"):
        _ec.mul(c, 5, (gx + c.p, gy))
    with pytest.raises(ValueError, match="negative"):
        _ec.mul(c, -1, c.generator)
    with pytest.raises(ValueError, match="negative"):
        _ec.mul_generator(c, -1)


def test_a_cofactor_curve_takes_the_reference_and_really_computes_n_times_p():
    # y^2 = x^3 + 2x + 2 over F_17 has 19 points (prime); declared with h = 2 it must not be reduced mod n.
    toy = Curve("toy", None, 17, 2, 2, 5, 1, 19, 2)
    assert _ec._backend(toy) is None
    assert _ec.mul(toy, 19, toy.generator) is None
    assert _ec.mul(toy, 20, toy.generator) == toy.generator


# --- the private-key draw ------------------------------------------------------------------------------


def _unmasked(rng, order: int) -> int:
    """The rule before the cut: int.from_bytes(rng(len_of_order_bytes)) redrawn until in [1, n-1]."""
    size = (order.bit_length() + 7) // 8
    while True:
        k = int.from_bytes(rng(size), "big")
        if 1 <= k < order:
            return k


@pytest.mark.parametrize("pid", sorted(DOMAIN_PARAMETERS))
def test_the_draw_is_unchanged_for_every_byte_aligned_order(pid):
    d = DOMAIN_PARAMETERS[pid]
    order = d.group.n if isinstance(d.group, Curve) else d.group.q
    if order.bit_length() % 8:
        assert d.name == "secp521r1"
        return
    a, b = random.Random(pid), random.Random(pid)
    for _ in range(20):
        assert random_scalar(a.randbytes, order) == _unmasked(b.randbytes, order)


def test_secp521r1_accepts_a_draw_with_its_top_bits_set():
    n = CURVES["secp521r1"].n
    draw = b"\xfe" + bytes(64) + b"\x05"  # 2^527-ish unmasked: refused by the uncut rule, 5 after the cut
    assert random_scalar(lambda size: draw, n) == 5


def test_secp521r1_keys_take_about_one_draw():
    n = CURVES["secp521r1"].n
    src = random.Random(521)
    draws = 0

    def rng(size: int) -> bytes:
        nonlocal draws
        draws += 1
        return src.randbytes(size)

    for _ in range(300):
        assert 1 <= random_scalar(rng, n) < n
    assert draws < 330, f"{draws} draws for 300 keys (the uncut rule needs about 128 per key)"


def test_a_broken_rng_is_a_value_error():
    with pytest.raises(ValueError, match="no usable private key"):
        random_scalar(lambda size: bytes(size), CURVES["brainpoolP256r1"].n)
    with pytest.raises(ValueError, match="rng returned"):
        random_scalar(lambda size: b"\x01", CURVES["brainpoolP256r1"].n)
