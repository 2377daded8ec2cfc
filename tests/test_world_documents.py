"""Documents written as the world writes them still get PACE and a verdict; a WARNING never fails one.

German eID cards add a PrivilegedTerminalInfo (id-PT, holding its own SET OF SecurityInfo) and a
CardInfoLocator (id-CI) to EF.CardAccess; read whole, the file may be 00-padded. A terminal must use
the PACEInfo and go on (BSI TR-03110-3 A.1.1.8; the real files are in the corpus, tests/real).
"""

from cardkit.card import AccessKey, SimulatorTransport
from cardkit.inspect import inspect, inspect_dump
from cardkit.lds import CardAccess
from cardkit.lds.security_infos import ChipAuthenticationInfo
from cardkit.pki.sod_builder import build_sod
from cardkit.pki.trust import TrustStore
from cardkit.inspect import Verdict
from cardkit.tlv import decode, encode
from tests.support.pki import make_pki
from tests.support.sod import dg1
from tests.support.cards import VN_CARD_ACCESS, make_vn_card

ID_PT, ID_CI = bytes.fromhex("04007F0007020208"), bytes.fromhex("04007F0007020206")
# id-PT { SET { ChipAuthenticationInfo id-CA-ECDH-AES-CBC-CMAC-128 v2 keyId 69 } }, id-CI { URL }
PRIVILEGED = encode(0x30, encode(0x06, ID_PT) + encode(0x31, ChipAuthenticationInfo("0.4.0.127.0.7.2.2.3.2.2", 2,
                                                                                     key_id=69).to_der()))
CARD_INFO = encode(0x30, encode(0x06, ID_CI) + encode(0x16, b"http://bsi.bund.de/cif/npa.xml"))


def _german_style(card_access: bytes) -> bytes:
    body = bytes(decode(card_access).value)
    return encode(0x31, body + PRIVILEGED + CARD_INFO) + bytes(64)  # and 00 padding, as read whole


def test_pace_runs_on_a_german_style_card_access(tmp_path):
    data = _german_style(VN_CARD_ACCESS)
    parsed = CardAccess.from_bytes(data)
    assert parsed.padding == 64 and len(parsed.privileged_terminal_infos) == 1 and len(parsed.unknown) == 1
    chip, trust, info = make_vn_card(tmp_path, card_access=data)
    r = inspect(SimulatorTransport(chip), trust=trust, key=AccessKey.from_can(info.can))
    assert r.access.method == "PACE" and not r.access.fell_back
    assert r.verdict is Verdict.GENUINE, r.verdict_reason


def test_a_warning_never_fails_the_verdict(tmp_path):
    # a dump whose EF.SOD is signed under id-data (as Chinese passports are): PA passes with a WARNING
    pki, dgs = make_pki("ec-p256"), {1: dg1()}
    dump = tmp_path / "dump"
    dump.mkdir()
    for n, data in dgs.items():
        (dump / f"DG{n}").write_bytes(data)
    (dump / "EF.SOD").write_bytes(build_sod(dgs, pki.ds_signer, econtent_type="1.2.840.113549.1.7.1"))
    trust = TrustStore()
    trust.add_certificate(pki.csca)
    r = inspect_dump(dump, trust)
    (warning,) = [c for c in r.checks if c.name == "pa:eContent type"]
    assert warning.status.value == "WARNING"
    assert r.verdict is Verdict.DATA_AUTHENTIC_CHIP_NOT_PROVEN, r.verdict_reason  # a dump: the best verdict
