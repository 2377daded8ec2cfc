"""EF.CardAccess (Doc 9303-11 §9.2.11): the real VN card and the PACE G.1 PACEInfo, byte for byte."""

import pytest
from hypothesis import given, strategies as st

from cardkit.errors import ParseError
from cardkit.lds import CardAccess, ChipAuthenticationInfo, PaceInfo, TerminalAuthenticationInfo

from ._helpers import mutations, rejects_trailing, rejects_truncated, roundtrip, value_or_parse_error
from ._tlvhand import H

# EF.CardAccess seen on real Vietnamese cards
VN = H("3134300d060804007f0007020202020101300f060a04007f000702020302020201013012060a04007f0007020204020202010202010d")
# Doc 9303-11 App. G.1: the PACEInfo as EF.CardAccess
G1 = H("31143012060A04007F0007020204020202010202010D")

VN_INFOS = (
    TerminalAuthenticationInfo("0.4.0.127.0.7.2.2.2", 1),
    ChipAuthenticationInfo("0.4.0.127.0.7.2.2.3.2.2", 1, None),  # id-CA-ECDH-AES-CBC-CMAC-128
    PaceInfo("0.4.0.127.0.7.2.2.4.2.2", 2, 13),  # id-PACE-ECDH-GM-AES-CBC-CMAC-128, brainpoolP256r1
)


@pytest.mark.parametrize("infos,data", [(VN_INFOS, VN), ((PaceInfo("0.4.0.127.0.7.2.2.4.2.2", 2, 13),), G1)])
def test_real_card_and_vector_both_ways(infos, data):
    ca = CardAccess.from_bytes(data)
    assert ca.infos == infos
    assert CardAccess.build(infos).to_bytes() == data  # re-encodes byte for byte
    roundtrip(CardAccess, CardAccess.build(infos), data)
    rejects_trailing(CardAccess, data, zero_padding=True)
    rejects_truncated(CardAccess, data)


def test_vn_accessors():
    ca = CardAccess.from_bytes(VN)
    (pace,) = ca.pace_infos
    assert (pace.protocol, pace.version, pace.parameter_id) == ("0.4.0.127.0.7.2.2.4.2.2", 2, 13)
    assert pace.name == "id-PACE-ECDH-GM-AES-CBC-CMAC-128"
    assert ca.ca_infos[0].name == "id-CA-ECDH-AES-CBC-CMAC-128"
    assert ca.ta_infos == (VN_INFOS[0],) and ca.aa_info is None and ca.unknown == () and ca.ca_public_keys == ()
    d = ca.to_dict()
    assert d["file"] == "EF.CardAccess" and d["infos"][2]["parameter_id"] == 13


def test_order_as_stored_is_kept():
    # a non-DER order (PACE first) parses, keeps its order and its bytes
    swapped = H("3134") + VN[2 + 15 + 17:] + VN[2:2 + 15 + 17]
    ca = CardAccess.from_bytes(swapped)
    assert isinstance(ca.infos[0], PaceInfo) and ca.to_bytes() == swapped
    assert CardAccess.build(ca.infos).to_bytes() == VN  # a new encoding is DER-sorted


def test_not_a_set():
    for bad in (H("6E03020101"), H("3012060A04007F0007020204020202010202010D"), H("3181")):
        with pytest.raises(ParseError) as e:
            CardAccess.from_bytes(bad)
        assert "EF.CardAccess" in str(e.value)


def test_error_names_the_info():
    bad = H("3114" "3012060A04007F00070202040202020102" "04010D")
    with pytest.raises(ParseError) as e:
        CardAccess.from_bytes(bad)
    assert "SecurityInfo 1 (PACEInfo)" in str(e.value) and e.value.what == "EF.CardAccess"


def test_mutations():
    for m in mutations(VN):
        value_or_parse_error(CardAccess, m)


@given(st.binary(max_size=80))
def test_random_bytes(data):
    value_or_parse_error(CardAccess, data)


@given(st.sets(st.integers(0, 31), max_size=5))
def test_build_parse_roundtrip(param_ids):
    infos = [PaceInfo("0.4.0.127.0.7.2.2.4.2.2", 2, p) for p in param_ids]
    ca = CardAccess.build(infos)
    back = CardAccess.from_bytes(ca.to_bytes())
    assert back == ca and {i.parameter_id for i in back.pace_infos} == param_ids
