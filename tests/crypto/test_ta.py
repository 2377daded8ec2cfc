"""Terminal Authentication v1: the terminal machine against the chip, in memory (9303-11 §7.1)."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import given, strategies as st

from cardkit import tlv
from cardkit.algorithms import ta_algorithm
from cardkit.crypto.cvc import Chat, CvCertificate, Role
from cardkit.crypto.cvc_validation import Rejection
from cardkit.crypto.ta import ChipTrust, TaChip, TaChipError, TaKeySigner, TaRefusedError, TaState, \
    TerminalAuthentication, compress_public_key, id_picc_from_can, id_picc_from_document_number, \
    id_picc_from_mrz_information, id_picc_from_pace
from cardkit.errors import InputError, ParseError, ProtocolError
from cardkit.iso7816 import CommandApdu, ResponseApdu
from cardkit.lds.ef_cvca import EfCvca
from tests.support.cvc_pki import D0, CvPki, issue, key, make_cv_pki, point

ID_PICC = id_picc_from_document_number("000012345")
CHALLENGE = bytes.fromhex("0123456789ABCDEF")


def fixed_rng(n: int) -> bytes:
    assert n == 8
    return CHALLENGE


def ephemeral(curve: str) -> bytes:
    return point(key(curve, "ca-ephemeral"))


def run(pki: CvPki, chain: list[CvCertificate] | None = None, *, signer_key=None, chip_date: dt.date = D0,
        trust: list[CvCertificate] | None = None, rng=fixed_rng, id_picc: bytes = ID_PICC,
        chip_id_picc: bytes = ID_PICC) -> tuple[TerminalAuthentication, TaChip, list[tuple[bytes, bytes]]]:
    """Run TA until it ends or the terminal raises; returns (terminal, chip, transcript of (command, response))."""
    eph = ephemeral(pki.curve)
    chip = TaChip(ChipTrust.personalise(trust or [pki.cvca], chip_date), id_picc=chip_id_picc,
                  ca_ephemeral_public_key=eph, rng=rng)
    ta = TerminalAuthentication(chain or pki.chain, TaKeySigner(signer_key or pki.is_key, pki.algorithm),
                                id_picc=id_picc, ca_ephemeral_public_key=eph)
    transcript = []
    cmd = ta.start()
    while cmd is not None:
        resp = chip.respond(CommandApdu.from_bytes(cmd.to_bytes()))
        transcript.append((cmd.to_bytes(), resp.to_bytes()))
        cmd = ta.receive(resp)
    return ta, chip, transcript


SUITES = [("secp256r1", "sha256"), ("brainpoolP256r1", "sha256"), ("secp384r1", "sha384")]


@pytest.mark.parametrize("curve,hash_name", SUITES, ids=[f"{c}-{h}" for c, h in SUITES])
def test_terminal_authenticates_to_the_chip(curve, hash_name):
    pki = make_cv_pki(curve, hash_name)
    ta, chip, transcript = run(pki)
    assert ta.done and ta.state is TaState.DONE
    assert ta.result.terminal_chr == pki.is_.chr and ta.result.certificates == (pki.dv.chr, pki.is_.chr)
    assert ta.result.challenge == CHALLENGE
    assert chip.authorization is not None and chip.authorization.terminal_chr == pki.is_.chr
    assert (chip.authorization.read_dg3, chip.authorization.read_dg4) == (True, False)
    commands = [c for c, _ in transcript]
    assert commands[0] == bytes.fromhex("002281B60D830B") + pki.cvca.chr.encode()
    assert commands[1] == CommandApdu(0x00, 0x2A, 0x00, 0xBE, pki.dv.verify_data).to_bytes()
    assert CommandApdu.from_bytes(commands[1]).data == pki.dv.verify_data
    assert commands[2] == bytes.fromhex("002281B60B8309") + pki.dv.chr.encode()
    assert CommandApdu.from_bytes(commands[3]).data == pki.is_.verify_data and commands[3][:4] == commands[1][:4]
    assert commands[4] == bytes.fromhex("002281A40B8309") + pki.is_.chr.encode()
    assert commands[5] == bytes.fromhex("0084000008")
    size = {"secp256r1": 32, "brainpoolP256r1": 32, "secp384r1": 48}[curve]
    assert commands[6][:5] == bytes.fromhex("00820000") + bytes([2 * size]) and len(commands[6]) == 5 + 2 * size
    assert all(r == bytes.fromhex("9000") for _, r in transcript[:5]) and transcript[5][1] == CHALLENGE + b"\x90\x00"
    # what was signed: ID_PICC || r_PICC || x-coordinate of the ephemeral CA key
    eph = ephemeral(curve)
    assert compress_public_key(eph, "ECDH") == eph[1 : 1 + size]
    message = ID_PICC + CHALLENGE + eph[1 : 1 + size]
    from cardkit.crypto.cvc_keys import resolve_key
    assert resolve_key(pki.is_.public_key, pki.cvca.public_key.curve).verify(message, commands[6][5:])


def test_a_fixed_rng_replays_the_same_apdus():
    pki = make_cv_pki("brainpoolP256r1")
    first, second = run(pki)[2], run(pki)[2]
    assert first == second
    other = run(pki, rng=lambda n: bytes(n))[2]
    assert other[:5] == first[:5] and other[6] != first[6]  # only the challenge and its signature differ


def test_rsa_pss_terminal():
    alg = ta_algorithm("RSA", "sha256", pss=True)
    keys = [rsa.generate_private_key(65537, 2048) for _ in range(3)]
    cvca = issue(issuer=None, issuer_key=keys[0], subject_key=keys[0], car="VNCVCA00001", chr="VNCVCA00001",
                 chat=Chat.inspection_system(Role.CVCA, read_dg3=True, read_dg4=True), effective=D0,
                 expiration=D0 + dt.timedelta(days=900), algorithm=alg, pss=True)
    dv = issue(issuer=cvca, issuer_key=keys[0], subject_key=keys[1], car=cvca.chr, chr="VNDV00001",
               chat=Chat.inspection_system(Role.DV_DOMESTIC, read_dg3=True, read_dg4=True), effective=D0,
               expiration=D0 + dt.timedelta(days=90), algorithm=alg, pss=True)
    is_ = issue(issuer=dv, issuer_key=keys[1], subject_key=keys[2], car=dv.chr, chr="VNIS00001",
                chat=Chat.inspection_system(Role.TERMINAL, read_dg3=False, read_dg4=True), effective=D0,
                expiration=D0 + dt.timedelta(days=30), algorithm=alg, pss=True)
    eph = ephemeral("secp256r1")
    chip = TaChip(ChipTrust.personalise([cvca], D0), id_picc=ID_PICC, ca_ephemeral_public_key=eph, rng=fixed_rng)
    ta = TerminalAuthentication([dv, is_], TaKeySigner(keys[2], alg), id_picc=ID_PICC, ca_ephemeral_public_key=eph)
    cmd = ta.start()
    while cmd is not None:
        cmd = ta.receive(chip.respond(cmd))
    assert chip.authorization is not None and chip.authorization.read_dg4 and not chip.authorization.read_dg3


# --- what the chip refuses ------------------------------------------------------------------


def _refused(pki: CvPki, **kw) -> TaRefusedError:
    with pytest.raises(TaRefusedError) as e:
        run(pki, **kw)
    return e.value


def test_wrong_certificate_signature_is_refused_at_pso():
    pki = make_cv_pki()
    other = make_cv_pki(prefix="X")  # same CHRs pattern, other keys
    forged = CvCertificate.assemble(pki.is_.body, other.is_.signature)  # a real signature, by another DV key
    err = _refused(pki, chain=[pki.dv, forged])
    assert err.sw == 0x6300 and err.certificate == pki.is_.chr and "PSO:Verify Certificate" in err.step


def test_expired_dv_is_refused_but_an_expired_link_is_not():
    pki = make_cv_pki(dv_days=10)
    err = _refused(pki, chip_date=D0 + dt.timedelta(days=11))
    assert err.sw == 0x6300 and err.certificate == pki.dv.chr


def test_chain_not_reaching_the_trust_point():
    pki, stranger = make_cv_pki(), make_cv_pki(prefix="Z")
    err = _refused(pki, chain=stranger.chain, signer_key=stranger.is_key)
    assert err.sw == 0x6A88 and "MSE:Set DST" in err.step


def test_wrong_terminal_key_is_refused_at_external_authenticate():
    pki = make_cv_pki()
    err = _refused(pki, signer_key=pki.dv_key)
    assert err.sw == 0x6300 and "EXTERNAL AUTHENTICATE" in err.step


@pytest.mark.parametrize("what", ["id_picc", "ephemeral"])
def test_signature_over_other_data_is_refused(what):
    pki = make_cv_pki()
    if what == "id_picc":
        err = _refused(pki, id_picc=id_picc_from_document_number("000012346"))
    else:
        eph = ephemeral(pki.curve)
        chip = TaChip(ChipTrust.personalise([pki.cvca], D0), id_picc=ID_PICC,
                      ca_ephemeral_public_key=point(key(pki.curve, "other")), rng=fixed_rng)
        ta = TerminalAuthentication(pki.chain, TaKeySigner(pki.is_key, pki.algorithm), id_picc=ID_PICC,
                                    ca_ephemeral_public_key=eph)
        with pytest.raises(TaRefusedError) as e:
            cmd = ta.start()
            while cmd is not None:
                cmd = ta.receive(chip.respond(cmd))
        err = e.value
        assert chip.authorization is None
    assert err.sw == 0x6300 and "EXTERNAL AUTHENTICATE" in err.step


def test_a_dv_used_as_terminal():
    pki = make_cv_pki()
    with pytest.raises(InputError, match="not a terminal"):
        TerminalAuthentication([pki.dv], TaKeySigner(pki.dv_key, pki.algorithm), id_picc=ID_PICC,
                               ca_ephemeral_public_key=ephemeral(pki.curve))
    chip = TaChip(ChipTrust.personalise([pki.cvca], D0), id_picc=ID_PICC,
                  ca_ephemeral_public_key=ephemeral(pki.curve), rng=fixed_rng)
    chip.set_dst(pki.cvca.chr)
    chip.verify_certificate(pki.dv.verify_data)
    with pytest.raises(TaChipError) as e:
        chip.set_at(pki.dv.chr)
    assert e.value.sw == 0x6985 and chip.authorization is None
    assert chip.respond(CommandApdu(0, 0x82, 0, 0, bytes(64))).sw == 0x6985


def test_insufficient_rights_are_the_and_of_the_chain():
    pki = make_cv_pki(cvca_rights=(False, True), dv_rights=(True, True), is_rights=(True, True))
    _, chip, _ = run(pki)
    assert chip.authorization is not None
    assert (chip.authorization.read_dg3, chip.authorization.read_dg4) == (False, True)


def test_dv_issued_by_a_dv_and_terminal_issued_by_the_cvca_are_refused():
    pki = make_cv_pki()
    dv2 = issue(issuer=pki.dv, issuer_key=pki.dv_key, subject_key=key(pki.curve, "dv2"), car=pki.dv.chr,
                chr="VNDV200001", chat=Chat.inspection_system(Role.DV_DOMESTIC, read_dg3=True, read_dg4=True),
                effective=D0, expiration=D0 + dt.timedelta(days=10), algorithm=pki.algorithm)
    is2 = issue(issuer=pki.cvca, issuer_key=pki.cvca_key, subject_key=pki.is_key, car=pki.cvca.chr,
                chr="VNIS200001", chat=pki.is_.chat, effective=D0, expiration=D0 + dt.timedelta(days=10),
                algorithm=pki.algorithm)
    chip = TaChip(ChipTrust.personalise([pki.cvca], D0), id_picc=ID_PICC,
                  ca_ephemeral_public_key=ephemeral(pki.curve), rng=fixed_rng)
    chip.set_dst(pki.cvca.chr)
    chip.verify_certificate(pki.dv.verify_data)
    chip.set_dst(pki.dv.chr)
    with pytest.raises(TaChipError) as e:
        chip.verify_certificate(dv2.verify_data)
    assert e.value.sw == 0x6985
    chip.set_dst(pki.cvca.chr)
    with pytest.raises(TaChipError) as e:
        chip.verify_certificate(is2.verify_data)
    assert e.value.sw == 0x6985


def test_chip_command_order_and_bad_data():
    pki = make_cv_pki()
    chip = TaChip(ChipTrust.personalise([pki.cvca], D0), id_picc=ID_PICC,
                  ca_ephemeral_public_key=ephemeral(pki.curve), rng=fixed_rng)
    assert chip.respond(CommandApdu(0, 0x2A, 0, 0xBE, pki.dv.verify_data)).sw == 0x6985  # no MSE:Set DST
    assert chip.respond(CommandApdu(0, 0x22, 0x81, 0xB6, b"\x83\x02VN")).sw == 0x6A88  # unknown key
    assert chip.respond(CommandApdu(0, 0x22, 0x81, 0xB6, b"\x84\x01\x01")).sw == 0x6A80  # not 83
    assert chip.respond(CommandApdu(0, 0x22, 0x81, 0xB6, b"\x83\x05VN")).sw == 0x6A80  # malformed
    assert chip.respond(CommandApdu(0, 0x22, 0x81, 0xB6, tlv.encode(0x83, pki.cvca.chr.encode()))).sw == 0x9000
    assert chip.respond(CommandApdu(0, 0x2A, 0, 0xBE, b"\x7f\x4e\x01")).sw == 0x6A80  # not a certificate
    assert chip.respond(CommandApdu(0, 0x82, 0, 0, bytes(64))).sw == 0x6985  # no MSE:Set AT, no challenge
    assert chip.respond(CommandApdu(0, 0x84, 0, 0, le=16)).sw == 0x6700
    assert chip.respond(CommandApdu(0, 0x22, 0x81, 0xA4, tlv.encode(0x83, pki.is_.chr.encode()))).sw == 0x6A88
    assert chip.respond(CommandApdu(0, 0xB0, 0, 0)).sw == 0x6D00


def test_ta_once_per_session():
    pki = make_cv_pki()
    _, chip, transcript = run(pki)
    again = [CommandApdu.from_bytes(c) for c, _ in transcript]
    for cmd in again[:-1]:
        assert chip.respond(cmd).sw == 0x9000
    assert chip.respond(again[-1]).sw == 0x6982


# --- trust points and the current date ------------------------------------------------------


def _link(old: CvPki, new: CvPki, effective: dt.date) -> CvCertificate:
    return issue(issuer=old.cvca, issuer_key=old.cvca_key, subject_key=new.cvca_key, car=old.cvca.chr,
                 chr=new.cvca.chr, chat=new.cvca.chat, effective=effective,
                 expiration=effective + dt.timedelta(days=5), algorithm=new.algorithm, domain_parameters=True)


def test_link_certificate_updates_the_trust_point_and_date():
    old = make_cv_pki(prefix="A")
    later = D0 + dt.timedelta(days=20)
    new = make_cv_pki(prefix="B", effective=later)
    link = _link(old, new, later)
    _, chip, _ = run(new, chain=[link, *new.chain], trust=[old.cvca])
    assert chip.trust.cars == (new.cvca.chr, old.cvca.chr)
    assert chip.trust.current_date == later
    assert chip.authorization is not None and chip.authorization.terminal_chr == new.is_.chr


def test_expired_link_is_accepted_and_the_old_trust_point_stops_certifying_dvs():
    old = make_cv_pki(prefix="A", cvca_days=30)
    new = make_cv_pki(prefix="B", effective=D0 + dt.timedelta(days=60))
    link = _link(old, new, D0 + dt.timedelta(days=1))  # expired by the time the chip sees it
    chip = TaChip(ChipTrust.personalise([old.cvca], D0 + dt.timedelta(days=40)), id_picc=ID_PICC,
                  ca_ephemeral_public_key=ephemeral(old.curve), rng=fixed_rng)
    chip.set_dst(old.cvca.chr)
    with pytest.raises(TaChipError) as e:
        chip.verify_certificate(old.dv.verify_data)  # old CVCA expired on day 30: no more DVs under it
    assert e.value.sw == 0x6300
    chip.set_dst(old.cvca.chr)
    chip.verify_certificate(link.verify_data)
    assert chip.trust.cars[0] == new.cvca.chr


def test_current_date_advances_with_dv_and_domestic_terminal_certificates_only():
    pki = make_cv_pki(effective=D0 + dt.timedelta(days=5))
    _, chip, _ = run(pki, chip_date=D0)
    assert chip.trust.current_date == D0 + dt.timedelta(days=5)
    foreign = make_cv_pki(dv_role=Role.DV_FOREIGN)
    late_is = issue(issuer=foreign.dv, issuer_key=foreign.dv_key, subject_key=foreign.is_key, car=foreign.dv.chr,
                    chr="VNISL00001", chat=foreign.is_.chat, effective=D0 + dt.timedelta(days=3),
                    expiration=D0 + dt.timedelta(days=9), algorithm=foreign.algorithm)
    _, chip, _ = run(foreign, chain=[foreign.dv, late_is], chip_date=D0)
    assert chip.trust.current_date == D0  # a foreign DV's terminal certificate is not accurate
    assert chip.authorization is not None


# --- the terminal machine --------------------------------------------------------------------


def test_terminal_rejects_unlinked_chains_and_wrong_calls():
    pki = make_cv_pki()
    signer = TaKeySigner(pki.is_key, pki.algorithm)
    eph = ephemeral(pki.curve)
    with pytest.raises(InputError, match="does not link"):
        TerminalAuthentication([pki.is_, pki.dv], signer, id_picc=ID_PICC, ca_ephemeral_public_key=eph)
    with pytest.raises(InputError):
        TerminalAuthentication([], signer, id_picc=ID_PICC, ca_ephemeral_public_key=eph)
    ta = TerminalAuthentication(pki.chain, signer, id_picc=ID_PICC, ca_ephemeral_public_key=eph)
    with pytest.raises(ProtocolError):
        ta.receive(ResponseApdu(b"", 0x9000))
    assert ta.state is TaState.FAILED
    ta = TerminalAuthentication(pki.chain, signer, id_picc=ID_PICC, ca_ephemeral_public_key=eph)
    ta.start()
    for _ in range(5):  # DST, PSO, DST, PSO, MSE:Set AT
        ta.receive(ResponseApdu(b"", 0x9000))
    with pytest.raises(ProtocolError, match="challenge of 4 bytes"):
        ta.receive(ResponseApdu(b"\x00" * 4, 0x9000))
    with pytest.raises(ProtocolError):
        _ = ta.result


def test_id_picc_and_comp():
    assert id_picc_from_document_number("L898902C") == b"L898902C<3"  # 9303 example: L898902C<3
    assert id_picc_from_mrz_information("L898902C<369080619406236") == b"L898902C<3"
    assert id_picc_from_mrz_information("D23145890734" + "9" + "3407127" + "9508030") == b"D231458907349"
    assert id_picc_from_can("123456") == b"123456"
    eph = point(key("secp256r1", "x"))
    assert id_picc_from_pace(eph, "ECDH") == eph[1:33]
    assert compress_public_key(b"\x05" * 256, "DH") == hashlib.sha1(b"\x05" * 256).digest()
    with pytest.raises(InputError):
        compress_public_key(b"\x02" + bytes(32), "ECDH")
    with pytest.raises(InputError):
        compress_public_key(eph, "RSA")


# --- hostile peers ----------------------------------------------------------------------------

_PKI = make_cv_pki()


@given(st.lists(st.tuples(st.sampled_from([(0x22, 0x81, 0xB6), (0x22, 0x81, 0xA4), (0x2A, 0x00, 0xBE),
                                           (0x84, 0x00, 0x00), (0x82, 0x00, 0x00), (0x22, 0x41, 0xA4)]),
                          st.binary(max_size=300)), max_size=8))
def test_chip_answers_any_command_sequence_with_a_status_word(commands):
    chip = TaChip(ChipTrust.personalise([_PKI.cvca], D0), id_picc=ID_PICC,
                  ca_ephemeral_public_key=ephemeral(_PKI.curve), rng=fixed_rng)
    chip.set_dst(_PKI.cvca.chr)  # so that random PSO data reaches the certificate parser
    for (ins, p1, p2), data in commands:
        le = 8 if ins == 0x84 else None
        resp = chip.respond(CommandApdu(0x00, ins, p1, p2, data if ins != 0x84 else b"", le=le))
        assert resp.sw in (0x9000, 0x6300, 0x6700, 0x6A80, 0x6A86, 0x6A88, 0x6982, 0x6985)
    assert chip.authorization is None


@given(st.lists(st.tuples(st.binary(max_size=16), st.sampled_from([0x9000, 0x6300, 0x6982, 0x6A88, 0x6100])),
                min_size=1, max_size=8))
def test_terminal_fails_cleanly_on_any_answers(answers):
    ta = TerminalAuthentication(_PKI.chain, TaKeySigner(_PKI.is_key, _PKI.algorithm), id_picc=ID_PICC,
                                ca_ephemeral_public_key=ephemeral(_PKI.curve))
    cmd = ta.start()
    try:
        for data, sw in answers:
            cmd = ta.receive(ResponseApdu(data, sw))
            if cmd is None:
                break
    except ProtocolError:
        assert ta.state is TaState.FAILED


def test_chip_trust_survives_being_stored():
    old = make_cv_pki(prefix="A")
    new = make_cv_pki("secp384r1", "sha384", prefix="B", effective=D0 + dt.timedelta(days=2))
    link = _link(old, new, D0 + dt.timedelta(days=2))
    _, chip, _ = run(new, chain=[link, *new.chain], trust=[old.cvca])
    stored = chip.trust.to_bytes()
    again = ChipTrust.from_bytes(stored)
    assert again == chip.trust and again.cars == (new.cvca.chr, old.cvca.chr)
    assert again.to_bytes() == stored
    _, chip2, _ = run(new, trust=[new.cvca])  # a chip restored from storage accepts the new chain directly
    chip3 = TaChip(again, id_picc=ID_PICC, ca_ephemeral_public_key=ephemeral(new.curve), rng=fixed_rng)
    ta = TerminalAuthentication(new.chain, TaKeySigner(new.is_key, new.algorithm), id_picc=ID_PICC,
                                ca_ephemeral_public_key=ephemeral(new.curve))
    cmd = ta.start()
    while cmd is not None:
        cmd = ta.receive(chip3.respond(cmd))
    assert chip3.authorization == chip2.authorization
    with pytest.raises(ParseError):
        ChipTrust.from_bytes(stored[:-3])
    with pytest.raises(ParseError):
        ChipTrust.from_bytes(b"\x5f\x25\x06" + bytes(6))


def test_ef_cvca():
    pki = make_cv_pki()
    f = EfCvca.build([pki.cvca.chr, "VNCVCA00000"])
    assert len(f.raw) == 36 and f.raw.startswith(b"\x42\x0bVNCVCA00001\x42\x0bVNCVCA00000") and f.raw.endswith(b"\x00")
    assert EfCvca.from_bytes(f.raw) == f
    assert EfCvca.from_bytes(tlv.encode(0x42, b"VNCVCA00001")).cars == ("VNCVCA00001",)
    for bad in (bytes(36), b"\x42\x00" + bytes(34), tlv.encode(0x5F20, b"VNCVCA00001"), bytes(37),
                tlv.encode(0x42, b"A") * 3, tlv.encode(0x42, b"VN\x01") + bytes(3), b"\x42\x0bVN" + bytes(8) + b"\x01"):
        with pytest.raises(ParseError):
            EfCvca.from_bytes(bad)


# --- a refusal is typed by its step and status word ---------------------------------------------


def _drive_to(ta: TerminalAuthentication, steps: int) -> None:
    """Answer 9000 (and a challenge) to the first ``steps`` commands."""
    cmd = ta.start()
    for _ in range(steps):
        cmd = ta.receive(ResponseApdu(CHALLENGE if cmd.ins == 0x84 else b"", 0x9000))


@pytest.mark.parametrize("steps,sw,today,reason,named", [
    (0, 0x6A88, None, "NO_TRUST_POINT", "dv"),  # the chip has no such trust point
    (2, 0x6A88, None, "WRONG_ISSUER", "is_"),  # the DV key was not imported
    (1, 0x6300, None, "BAD_SIGNATURE", "dv"),
    (3, 0x6300, D0 + dt.timedelta(days=31), "EXPIRED", "is_"),  # expired by the terminal's own date
    (3, 0x6300, D0, "BAD_SIGNATURE", "is_"),
    (1, 0x6985, None, "ROLE", "dv"),
    (4, 0x6985, None, "NOT_A_TERMINAL", "is_"),
    (6, 0x6300, None, "CHALLENGE_SIGNATURE", "is_"),
    (1, 0x6A86, None, None, "dv"),  # a status word that says nothing more
])
def test_refusal_names_certificate_and_reason(steps, sw, today, reason, named):
    pki = make_cv_pki()
    ta = TerminalAuthentication(pki.chain, TaKeySigner(pki.is_key, pki.algorithm), id_picc=ID_PICC,
                                ca_ephemeral_public_key=ephemeral(pki.curve), today=today)
    _drive_to(ta, steps)
    with pytest.raises(TaRefusedError) as e:
        ta.receive(ResponseApdu(b"", sw))
    cert = pki.dv if named == "dv" else pki.is_
    assert e.value.sw == sw and e.value.certificate == cert.chr and cert.chr in str(e.value)
    assert e.value.reason is (Rejection[reason] if reason else None)
    if reason:
        assert Rejection[reason].value in str(e.value)
    assert ta.state is TaState.FAILED
