"""Chip public keys in the codec layer (cardkit.public_keys): TR-03110-3 standardizedDomainParameters keys,
and the SecurityInfos of real documents parsed into the vocabulary's types."""

from __future__ import annotations

from pathlib import Path

import pytest
from asn1crypto import core

from cardkit.algorithms import CURVES, DH_GROUPS, ID_STANDARDIZED_DOMAIN_PARAMETERS, choose_pace_info
from cardkit.crypto import _ec
from cardkit.errors import ParseError
from cardkit.lds import CardAccess, Dg14
from cardkit.lds.card_security import CardSecurity
from cardkit.public_keys import DhPublicKey, EcPublicKey, _RawSpki, describe_key, load_public_key
from tests.support.real_artifacts import real_path



def _standardized_spki(parameter_id: int | None, public_key: bytes) -> bytes:
    algorithm: dict[str, object] = {"algorithm": ID_STANDARDIZED_DOMAIN_PARAMETERS}
    if parameter_id is not None:
        algorithm["parameters"] = core.Any(core.Integer(parameter_id))
    return _RawSpki({"algorithm": algorithm, "public_key": public_key}).dump()


def test_standardized_domain_parameters_ec_key():
    curve = CURVES["brainpoolP256r1"]
    point = _ec.mul_generator(curve, 1234567)
    key = load_public_key(_standardized_spki(13, curve.encode_point(point)))
    assert key == EcPublicKey(curve, point) and describe_key(key) == "brainpoolP256r1"
    off_curve = curve.encode_point(point)[:-1] + bytes([curve.encode_point(point)[-1] ^ 1])
    with pytest.raises(ParseError, match="not on brainpoolP256r1"):
        load_public_key(_standardized_spki(13, off_curve))


def test_standardized_domain_parameters_dh_key():
    group = DH_GROUPS[2]
    y = pow(group.g, 4242, group.p)
    key = load_public_key(_standardized_spki(2, core.Integer(y).dump()))
    assert key == DhPublicKey(group.p, group.q, group.g, y) and key.group is group
    with pytest.raises(ParseError, match="subgroup"):
        load_public_key(_standardized_spki(2, core.Integer(group.p - group.g).dump()))


@pytest.mark.parametrize("parameter_id", [None, 7, 19, -1, 2**80])
def test_standardized_domain_parameters_need_a_known_id(parameter_id):
    with pytest.raises(ParseError):
        load_public_key(_standardized_spki(parameter_id, b"\x04" + bytes(64)))


# --- real documents -------------------------------------------------------------------------------------


def _real(kind: str) -> list[Path]:
    return sorted(real_path(kind).iterdir())


def test_real_card_security_ca_keys_load_on_the_pace_curve():
    """German and Finnish EF.CardSecurity write CA keys with standardizedDomainParameters (PACE-CAM's key)."""
    seen = 0
    for path in _real("cardsecurity"):
        try:
            cs = CardSecurity.from_bytes(path.read_bytes())
        except ParseError:
            continue  # the files that do not parse are a separate matter (see the PACE-CAM tests)
        pace_ids = {p.parameter_id for p in cs.pace_infos}
        for info in cs.ca_public_keys:
            key = load_public_key(info.public_key_info)
            assert isinstance(key, EcPublicKey) and key.parameters is not None, path.name
            assert key.parameters.id in pace_ids, path.name
            seen += 1
    assert seen >= 3


def test_real_security_infos_parse_into_the_vocabulary():
    """Every real EF.CardAccess / DG14 that parses keeps its bytes and names algorithms the policy can choose."""
    parsed = 0
    for path in [*_real("cardaccess"), *(p for p in _real("dg") if p.suffix == ".dg14")]:
        try:
            obj = CardAccess.from_bytes(path.read_bytes()) if path.suffix == ".cardaccess" else \
                Dg14.from_bytes(path.read_bytes())
        except ParseError:
            continue
        parsed += 1
        assert all(info.to_der() == info.raw for info in obj.infos), path.name
        if obj.pace_infos:
            assert all(p.algorithm is not None for p in obj.pace_infos), path.name
            assert choose_pace_info(obj.pace_infos) in obj.pace_infos
        for ca in obj.ca_infos:
            assert ca.algorithm is not None and ca.algorithm.oid == ca.protocol, path.name
    assert parsed >= 6
