"""Terminal Authentication through Session against the software chip (Doc 9303-11 §7.1), end to end.

Each card is a VN card (PACE, CA, AA) whose DG3 holds two JPEG 2000 fingers and whose chip trusts a
test CVCA; the terminal holds DV and IS certificates of ``tests.support.cvc_pki``. Every refused chain
must raise its own typed error naming the certificate, and DG3 must stay closed afterwards while the
rest of the session goes on.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib

import pytest

from cardkit.card import Session, SimulatorTransport
from cardkit.crypto.cvc import Chat, CvCertificate, Role
from cardkit.crypto.cvc_validation import CvRejected, Rejection
from cardkit.crypto.pace import Password
from cardkit.crypto.ta import TaKeySigner, TaRefusedError, id_picc_from_document_number
from cardkit.errors import ProtocolError, StatusWordError
from cardkit.iso7816 import CommandApdu
from cardkit.lds import Dg3, Sod
from simulators.emrtd import EmrtdChip
from tests.support.cvc_pki import D0, CvPki, issue, key, make_cv_pki
from tests.support.eac_cards import finger_dg3, make_eac_card

SUITES = [("secp256r1", "sha256"), ("brainpoolP256r1", "sha256")]


def open_after_ca(chip, info, *, bac: bool = False, **session_options) -> Session:
    s = Session(SimulatorTransport(chip), **session_options)
    if bac:
        s.select_application()
        s.bac(info.mrz_information)
    else:
        s.pace(Password.can(info.can))
        s.select_application()
    s.chip_authentication(s.read_file("DG14"))
    return s


def signer(pki: CvPki, private=None) -> TaKeySigner:
    return TaKeySigner(private or pki.is_key, pki.algorithm)


def assert_dg3_closed(s: Session) -> None:
    with pytest.raises(StatusWordError) as e:
        s.read_file("DG3")
    assert e.value.sw == 0x6982
    assert s.read_file("DG1")  # the session goes on


@pytest.mark.parametrize("curve,hash_name", SUITES, ids=[c for c, _ in SUITES])
@pytest.mark.parametrize("bac", [False, True], ids=["pace", "bac"])
def test_ta_opens_dg3_whose_hash_is_in_the_sod(tmp_path, curve, hash_name, bac):
    pki = make_cv_pki(curve, hash_name)
    chip, _trust, info = make_eac_card(tmp_path, pki)
    s = open_after_ca(chip, info, bac=bac)
    assert_dg3_closed(s)
    result = s.terminal_authentication(pki.chain, signer(pki), today=D0)
    assert result.terminal_chr == pki.is_.chr and s.ta_result is result
    assert result.trust_points == (pki.cvca.chr,) and result.trust_point_source == "EF.CVCA"
    assert result.binding == ("BAC (document number)" if bac else "PACE (dynamic)")
    assert result.read_dg3 and not result.read_dg4 and not result.path.verified
    dg3 = s.read_file("DG3")
    sod = Sod.from_bytes(s.read_file("EF.SOD"))
    assert hashlib.new(sod.hash_algorithm, dg3).digest() == sod.dg_hashes[3]
    assert dg3 == info.files["DG3"] and len(Dg3.from_bytes(dg3).fingers) == 2
    with pytest.raises(StatusWordError) as e:
        s.read_file("DG4")  # not on this card
    assert e.value.sw == 0x6A82


def test_held_cvca_certificate_verifies_the_path_first(tmp_path):
    pki = make_cv_pki()
    chip, _trust, info = make_eac_card(tmp_path, pki)
    s = open_after_ca(chip, info)
    result = s.terminal_authentication([pki.cvca, *pki.chain], signer(pki), today=D0)
    assert result.path.verified and [c.chr for c in result.path.certificates] == [pki.dv.chr, pki.is_.chr]
    assert s.read_file("DG3") == info.files["DG3"]


def test_dg4_right_opens_dg4(tmp_path):
    pki = make_cv_pki(is_rights=(False, True))
    dg4 = bytes.fromhex("7603") + bytes.fromhex("7F6100")  # content never parsed by the chip
    chip, _trust, info = make_eac_card(tmp_path, pki, dg4_data=dg4)
    s = open_after_ca(chip, info)
    result = s.terminal_authentication(pki.chain, signer(pki), today=D0, need_dg4=True)
    assert result.read_dg4 and not result.read_dg3
    assert s.read_file("DG4") == dg4
    assert_dg3_closed(s)


# --- refused chains: typed, named, DG3 closed --------------------------------------------------


def _other_pki() -> CvPki:
    return make_cv_pki(prefix="X")


def _broken_signature(cert: CvCertificate) -> CvCertificate:
    sig = bytearray(cert.signature)
    sig[5] ^= 0x01
    return CvCertificate.assemble(cert.body, bytes(sig))


def _expired_is(pki: CvPki) -> CvCertificate:
    return issue(issuer=pki.dv, issuer_key=pki.dv_key, subject_key=pki.is_key, car=pki.dv.chr, chr="VNISOLD0001",
                 chat=pki.is_.chat, effective=D0 - dt.timedelta(days=40), expiration=D0 - dt.timedelta(days=10),
                 algorithm=pki.algorithm)


CASES = {
    # name: (certificates, signer key, need_dg3, the certificate named, the reason)
    "wrong CVCA": (lambda p, o: o.chain, lambda p, o: o.is_key, False, lambda p, o: o.dv.chr,
                   Rejection.NO_TRUST_POINT),
    "expired": (lambda p, o: [p.dv, _expired_is(p)], lambda p, o: p.is_key, False, lambda p, o: "VNISOLD0001",
                Rejection.EXPIRED),
    "insufficient rights": (lambda p, o: [p.dv, issue(issuer=p.dv, issuer_key=p.dv_key, subject_key=p.is_key,
                                                      car=p.dv.chr, chr="VNISNODG3001",
                                                      chat=Chat.inspection_system(Role.TERMINAL, read_dg3=False,
                                                                                  read_dg4=True),
                                                      effective=D0, expiration=D0 + dt.timedelta(days=30),
                                                      algorithm=p.algorithm)],
                            lambda p, o: p.is_key, True, lambda p, o: "VNISNODG3001", Rejection.INSUFFICIENT_RIGHTS),
    "DV as IS": (lambda p, o: [p.dv], lambda p, o: p.dv_key, False, lambda p, o: p.dv.chr, Rejection.NOT_A_TERMINAL),
    "broken chain": (lambda p, o: [p.dv, o.is_], lambda p, o: o.is_key, False, lambda p, o: o.is_.chr,
                     Rejection.NO_TRUST_POINT),
    "bad signature (verified first)": (lambda p, o: [p.cvca, p.dv, _broken_signature(p.is_)], lambda p, o: p.is_key,
                                       False, lambda p, o: p.is_.chr, Rejection.BAD_SIGNATURE),
}


@pytest.mark.parametrize("name", list(CASES))
def test_refused_before_anything_is_sent(tmp_path, name):
    certs, private, need, named, reason = CASES[name]
    pki, other = make_cv_pki(), _other_pki()
    chip, _trust, info = make_eac_card(tmp_path, pki)
    s = open_after_ca(chip, info)
    before = chip.apdu_count
    with pytest.raises(CvRejected) as e:
        s.terminal_authentication(certs(pki, other), signer(pki, private(pki, other)), today=D0 + dt.timedelta(days=1),
                                  need_dg3=need)
    assert e.value.reason is reason and e.value.chr == named(pki, other)
    assert named(pki, other) in str(e.value)
    assert chip.apdu_count - before <= 2  # at most the EF.CVCA read: no certificate was sent
    assert s.ta_result is None
    assert_dg3_closed(s)


@pytest.mark.parametrize("name,reason,step", [
    ("bad signature", Rejection.BAD_SIGNATURE, "PSO:Verify Certificate"),
    ("wrong terminal key", Rejection.CHALLENGE_SIGNATURE, "EXTERNAL AUTHENTICATE"),
    ("wrong CVCA named by the terminal", Rejection.NO_TRUST_POINT, "MSE:Set DST"),
])
def test_refused_by_the_chip(tmp_path, name, reason, step):
    pki, other = make_cv_pki(), _other_pki()
    chip, _trust, info = make_eac_card(tmp_path, pki)
    s = open_after_ca(chip, info)
    kwargs: dict = {}
    certs, private = pki.chain, pki.is_key
    if name == "bad signature":
        certs = [pki.dv, _broken_signature(pki.is_)]
    elif name == "wrong terminal key":
        private = key(pki.curve, "not the terminal's")
    else:
        certs, private, kwargs = other.chain, other.is_key, {"trust_points": [other.cvca.chr]}
    with pytest.raises(TaRefusedError) as e:
        s.terminal_authentication(certs, signer(pki, private), today=D0, **kwargs)
    assert e.value.reason is reason and step in e.value.step
    assert e.value.certificate in (pki.is_.chr, other.dv.chr)
    assert e.value.certificate in str(e.value) and reason.value in str(e.value)
    assert s.ta_result is None and chip.volatile.ta_authorization is None
    assert_dg3_closed(s)


def test_chip_refusal_of_an_expired_certificate_when_the_terminal_clock_is_behind(tmp_path):
    """The chip's date was advanced past the IS certificate's expiry; the terminal's own date was not."""
    pki = make_cv_pki()
    chip, _trust, info = make_eac_card(tmp_path, pki, chip_date=D0 + dt.timedelta(days=45))
    s = open_after_ca(chip, info)
    with pytest.raises(TaRefusedError) as e:
        s.terminal_authentication(pki.chain, signer(pki), today=D0 + dt.timedelta(days=10))
    assert e.value.certificate == pki.is_.chr and e.value.sw == 0x6300
    # 6300 also means a bad signature: the terminal names what its own (wrong) date allows
    assert e.value.reason is Rejection.BAD_SIGNATURE
    assert_dg3_closed(s)


def test_ta_needs_chip_authentication(tmp_path):
    pki = make_cv_pki()
    chip, _trust, info = make_eac_card(tmp_path, pki)
    s = Session(SimulatorTransport(chip))
    s.pace(Password.can(info.can))
    s.select_application()
    with pytest.raises(ProtocolError, match="after Chip Authentication"):
        s.terminal_authentication(pki.chain, signer(pki), today=D0)


def test_static_binding_chip_needs_the_document_number(tmp_path):
    """A chip that binds statically after PACE refuses the dynamic signature; the documented fallback works."""
    pki = make_cv_pki()
    chip, _trust, info = make_eac_card(tmp_path, pki, chip_options={"ta_static_binding": True})
    s = open_after_ca(chip, info)
    with pytest.raises(TaRefusedError) as e:
        s.terminal_authentication(pki.chain, signer(pki), today=D0)
    assert e.value.reason is Rejection.CHALLENGE_SIGNATURE
    s = open_after_ca(chip, info)
    result = s.terminal_authentication(pki.chain, signer(pki), today=D0,
                                       id_picc=id_picc_from_document_number(info.document_number))
    assert result.binding == "given" and s.read_file("DG3") == info.files["DG3"]


# --- the chip's trust: date, link certificates, images ---------------------------------------------


def test_valid_dv_advances_the_chip_date(tmp_path):
    pki = make_cv_pki()
    later = D0 + dt.timedelta(days=40)  # past the first IS certificate's expiry (D0 + 30)
    dv2 = issue(issuer=pki.cvca, issuer_key=pki.cvca_key, subject_key=pki.dv_key, car=pki.cvca.chr, chr="VNDV00002",
                chat=pki.dv.chat, effective=later, expiration=later + dt.timedelta(days=90), algorithm=pki.algorithm)
    is2 = issue(issuer=dv2, issuer_key=pki.dv_key, subject_key=pki.is_key, car=dv2.chr, chr="VNIS00002",
                chat=pki.is_.chat, effective=later, expiration=later + dt.timedelta(days=30), algorithm=pki.algorithm)
    chip, _trust, info = make_eac_card(tmp_path, pki)
    assert chip.ta_trust.current_date == D0
    s = open_after_ca(chip, info)
    s.terminal_authentication([dv2, is2], signer(pki), today=later)
    assert chip.ta_trust.current_date == later
    # the first IS certificate expired before the chip's new date: the chip now refuses it
    s = open_after_ca(chip, info)
    with pytest.raises(TaRefusedError) as e:
        s.terminal_authentication(pki.chain, signer(pki), today=D0 + dt.timedelta(days=5))
    assert e.value.certificate == pki.is_.chr and e.value.sw == 0x6300


def _link(pki: CvPki, new: str = "VNCVCA00002") -> tuple[CvCertificate, CvCertificate, CvCertificate, object]:
    """A CVCA link certificate to a new CVCA key, and a DV and IS under it."""
    new_key = key(pki.curve, "cvca-2")
    start = D0 + dt.timedelta(days=30)
    link = issue(issuer=pki.cvca, issuer_key=pki.cvca_key, subject_key=new_key, car=pki.cvca.chr, chr=new,
                 chat=pki.cvca.chat, effective=start, expiration=start + dt.timedelta(days=3 * 365),
                 algorithm=pki.algorithm, domain_parameters=True)
    dv = issue(issuer=link, issuer_key=new_key, subject_key=pki.dv_key, car=new, chr="VNDV00003", chat=pki.dv.chat,
               effective=start, expiration=start + dt.timedelta(days=90), algorithm=pki.algorithm)
    is_ = issue(issuer=dv, issuer_key=pki.dv_key, subject_key=pki.is_key, car=dv.chr, chr="VNIS00003",
                chat=pki.is_.chat, effective=start, expiration=start + dt.timedelta(days=30), algorithm=pki.algorithm)
    return link, dv, is_, new_key


def test_link_certificate_updates_the_trust_point_across_an_image_save(tmp_path):
    pki = make_cv_pki()
    link, dv, is_, _ = _link(pki)
    chip, _trust, info = make_eac_card(tmp_path, pki)
    s = open_after_ca(chip, info)
    today = D0 + dt.timedelta(days=31)
    result = s.terminal_authentication([link, dv, is_], signer(pki), today=today)
    assert [c.chr for c in result.path.certificates] == [link.chr, dv.chr, is_.chr]
    assert chip.ta_trust.cars == (link.chr, pki.cvca.chr) and chip.ta_trust.current_date == link.effective_date
    image = tmp_path / "card.image"
    chip.save(image)
    back = EmrtdChip.load(image)
    assert back.ta_trust == chip.ta_trust
    s = open_after_ca(back, info)
    assert s.read_cvca().cars == (link.chr, pki.cvca.chr)
    result = s.terminal_authentication([dv, is_], signer(pki), today=today)  # no link needed any more
    assert result.path.certificates == (dv, is_) and s.read_file("DG3") == info.files["DG3"]


@pytest.mark.parametrize("extended", [True, False], ids=["extended-length", "chained"])
def test_p384_certificates_in_long_pso(tmp_path, extended):
    """P-384 certificates do not fit a short APDU under secure messaging: extended length, else chaining."""
    pki = make_cv_pki("secp384r1", "sha384")
    assert len(pki.dv.verify_data) > 223
    chip, _trust, info = make_eac_card(tmp_path, pki, chip_options={"extended_length": extended})
    s = open_after_ca(chip, info, extended_length=extended)
    s.terminal_authentication(pki.chain, signer(pki), today=D0)
    assert s.read_file("DG3") == info.files["DG3"]


def test_chained_parts_interrupted_by_another_command_are_dropped(tmp_path):
    pki = make_cv_pki("secp384r1", "sha384")
    chip, _trust, info = make_eac_card(tmp_path, pki, chip_options={"extended_length": False})
    s = open_after_ca(chip, info, extended_length=False)
    s.transmit(CommandApdu(0x00, 0x22, 0x81, 0xB6, bytes.fromhex("830B") + pki.cvca.chr.encode()))
    s.transmit(CommandApdu(0x10, 0x2A, 0x00, 0xBE, pki.dv.verify_data[:200]))
    s.read_file("DG1")  # breaks the chain
    resp = s.transmit(CommandApdu(0x00, 0x2A, 0x00, 0xBE, pki.dv.verify_data[200:]))
    assert resp.sw != 0x9000 and chip.volatile.ta_authorization is None


def test_dg3_from_the_example_fingers():
    dg3 = Dg3.from_bytes(finger_dg3())
    assert [(f.position_name, f.image_type) for f in dg3.fingers] == [("right index finger", "jpeg2000"),
                                                                      ("left index finger", "jpeg2000")]


def test_result_is_frozen(tmp_path):
    pki = make_cv_pki()
    chip, _trust, info = make_eac_card(tmp_path, pki)
    s = open_after_ca(chip, info)
    result = s.terminal_authentication(pki.chain, signer(pki), today=D0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.binding = "x"  # type: ignore[misc]
