"""The verification terminal end to end: real simulator chip, real crypto, real PKI (no mocks).

Each test builds a complete card (tests/support/cards.py), runs ``cardkit.inspect.inspect`` over
``SimulatorTransport`` and asserts the verdict, the exit code and the check that names the step.
"""

import json
import random
from datetime import datetime, timezone

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from cardkit import tlv
from cardkit.card import AccessKey, PcscTransport, SimulatorTransport
from cardkit.checks import Status
from cardkit.errors import InputError, ReaderError
from cardkit.inspect import Verdict, inspect, inspect_dump
from cardkit.lds import CardAccess, Dg11, Dg12, PaceInfo
from cardkit.lds.files import by_dg
from cardkit.mrz import mrz_information
from cardkit.pki.trust import TrustStore
from simulators.emrtd import Faults
from tests.support.cards import VN_DG13, card_pki, make_td1_card, make_td3_card, make_vn_card, pcsc_insert, revoke_ds


def key_of(can=None, mrz_information=None, id_number=None):
    """The AccessKey of what a test's holder shows."""
    if id_number is not None:
        return AccessKey.from_vn_id_number(id_number)
    if can is not None:
        return AccessKey.from_can(can, mrz_information=mrz_information)
    return AccessKey.from_mrz_information(mrz_information)


def run(chip, trust, **shown):
    return inspect(SimulatorTransport(chip), key=key_of(**shown), trust=trust)


def status(report, name):
    c = report.check(name)
    assert c is not None, f"no check {name}: {[x.name for x in report.checks]}"
    return c.status


def assert_no_secrets(report, info):
    text = json.dumps(report.to_dict(), ensure_ascii=False)
    assert info.mrz_information not in text
    assert "mrz_information" not in text
    return text


# --- genuine cards ------------------------------------------------------------------------------


def test_vn_card_pace_can_is_genuine(tmp_path):
    chip, trust, info = make_vn_card(tmp_path)
    r = run(chip, trust, can=info.can)
    assert r.verdict is Verdict.GENUINE, r.verdict_reason
    assert r.exit_code == 0 and r.stopped_at is None
    assert (r.access.method, r.access.password, r.access.fell_back) == ("PACE", "CAN", False)
    assert "id-PACE-ECDH-GM-AES-CBC-CMAC-128" in r.access.algorithm and r.access.parameter_id == 13
    for name in ("card_access", "access_control", "read:EF.COM", "read:EF.SOD", "read:DG1", "read:DG2",
                 "read:DG13", "read:DG14", "read:DG15", "passive_authentication", "com_sod_consistency",
                 "dg1_matches_input", "chip_authentication", "active_authentication"):
        assert status(r, name) is Status.PASSED, r.check(name)
    # DG3 is EAC-protected on VN cards, whose EF.CardAccess announces Terminal Authentication: reported,
    # not an error, and not asked for (the chip would answer 6982 to a terminal without TA)
    dg3 = r.check("read:DG3")
    assert dg3.status is Status.NOT_SUPPORTED and dg3.details == {"needs": "terminal_authentication"}
    assert r.check("chip_authentication").details["proof"] and r.check("active_authentication").details["proof"]
    # holder data: DG13 in Vietnamese with diacritics, the old ID number, the parents
    assert r.holder.dg13["full_name"] == "Nguyễn Thị Ánh Tuyết"
    assert r.holder.dg13["place_of_origin"] == VN_DG13["place_of_origin"]
    assert r.holder.dg13["father_name"] == "Nguyễn Văn Bình" and r.holder.dg13["mother_name"] == "Trần Thị Đào"
    assert r.holder.dg13["old_id_number"] == "012345678"
    assert r.holder.mrz["issuing_state"] == "VNM" and r.holder.mrz["document_number"] == info.document_number
    assert r.holder.face.image == info.face and r.holder.face.image_type == "jpeg"
    assert set(r.files) == {"EF.CardAccess", "EF.COM", "EF.SOD", "DG1", "DG2", "DG13", "DG14", "DG15"}
    assert all(r.files[n] == info.files[n] for n in r.files)
    assert {"pace", "sm_cipher", "sod_hash", "sod_signature", "ca", "aa"} <= set(r.algorithms)
    assert r.algorithms["sm_cipher"].startswith("AES")
    assert r.timings["total"] > 0 and sum(r.phase_apdus.values()) == r.apdu_count
    assert r.phase_apdus["read"] == 7  # one READ BINARY per file read (short FID, a whole extended block)
    text = assert_no_secrets(r, info)
    assert json.loads(text)["holder"]["dg13"]["full_name"] == "Nguyễn Thị Ánh Tuyết"


def test_vn_card_id_number_gives_the_can(tmp_path):
    chip, trust, info = make_vn_card(tmp_path)
    r = run(chip, trust, id_number=info.id_number)
    assert r.verdict is Verdict.GENUINE and r.access.password == "CAN"
    assert r.check("dg1_matches_input").reason == "the ID number shown matches the chip"


def test_vn_card_pace_mrz_is_genuine(tmp_path):
    chip, trust, info = make_vn_card(tmp_path)
    r = run(chip, trust, mrz_information=info.mrz_information)
    assert r.verdict is Verdict.GENUINE, r.verdict_reason
    assert (r.access.method, r.access.password) == ("PACE", "MRZ")
    assert status(r, "dg1_matches_input") is Status.PASSED


def test_card_without_pace_uses_bac(tmp_path):
    chip, trust, info = make_vn_card(tmp_path, pace=False)
    r = run(chip, trust, mrz_information=info.mrz_information)
    assert r.verdict is Verdict.GENUINE, r.verdict_reason
    assert (r.access.method, r.access.fell_back) == ("BAC", False)
    assert status(r, "card_access") is Status.NOT_SUPPORTED
    assert r.algorithms["sm_cipher"] == "3DES"


def test_card_without_pace_and_only_a_can_stops_with_a_reason(tmp_path):
    chip, trust, info = make_vn_card(tmp_path, pace=False)
    r = run(chip, trust, can=info.can)
    assert r.verdict is Verdict.INCOMPLETE and r.stopped_at == "access_control"
    assert "BAC needs the MRZ data" in r.check("access_control").reason
    assert r.exit_code == 2


def test_pace_failure_falls_back_to_bac_and_says_so(tmp_path):
    # EF.CardAccess offers a PACEInfo on domain parameters no terminal knows (id 31): PACE cannot run
    odd = CardAccess.build([PaceInfo("0.4.0.127.0.7.2.2.4.2.2", 2, 31)]).to_bytes()
    chip, trust, info = make_vn_card(tmp_path, card_access=odd)
    r = run(chip, trust, mrz_information=info.mrz_information)
    assert r.access.method == "BAC" and r.access.fell_back
    assert "PACE failed" in r.access.fallback_reason
    assert "fell back from PACE" in r.check("access_control").reason
    assert r.verdict is Verdict.GENUINE


def test_td3_passport_bac_and_rsa_aa(tmp_path):
    chip, trust, info = make_td3_card(tmp_path)
    r = run(chip, trust, mrz_information=info.mrz_information)
    assert r.verdict is Verdict.GENUINE, r.verdict_reason
    assert r.holder.mrz["format"] == "TD3" and r.holder.dg13 is None
    assert status(r, "chip_authentication") is Status.NOT_SUPPORTED
    assert status(r, "active_authentication") is Status.PASSED
    assert r.algorithms["aa"].startswith("RSA-1024")


def test_td1_card_pace_can(tmp_path):
    chip, trust, info = make_td1_card(tmp_path)
    r = run(chip, trust, can=info.can)
    assert r.verdict is Verdict.GENUINE, r.verdict_reason
    text = assert_no_secrets(r, info)
    assert info.can not in text


def test_td3_passport_with_dg11_and_dg12_shows_them(tmp_path):
    dg11 = Dg11.build(full_name="DE VRIES<<JAN PIETER", place_of_birth="AMSTERDAM").to_bytes()
    dg12 = Dg12.build(issuing_authority="BURGEMEESTER VAN AMSTERDAM", date_of_issue="20210315").to_bytes()
    chip, trust, info = make_td3_card(tmp_path, extra_dgs={11: dg11, 12: dg12})
    r = run(chip, trust, mrz_information=info.mrz_information)
    assert r.verdict is Verdict.GENUINE, r.verdict_reason
    assert r.holder.dg11["place_of_birth"] == "AMSTERDAM"
    assert r.holder.dg12["issuing_authority"] == "BURGEMEESTER VAN AMSTERDAM"
    json.dumps(r.to_dict())  # JSON-safe


# --- which proof the chip offers ---------------------------------------------------------------


def test_ca_only_is_genuine(tmp_path):
    chip, trust, info = make_vn_card(tmp_path, aa=None)
    r = run(chip, trust, can=info.can)
    assert r.verdict is Verdict.GENUINE
    assert status(r, "active_authentication") is Status.NOT_SUPPORTED
    assert status(r, "chip_authentication") is Status.PASSED


def test_aa_only_is_genuine(tmp_path):
    chip, trust, info = make_vn_card(tmp_path, ca=False)
    r = run(chip, trust, can=info.can)
    assert r.verdict is Verdict.GENUINE
    assert status(r, "chip_authentication") is Status.NOT_SUPPORTED
    assert status(r, "active_authentication") is Status.PASSED


def test_neither_ca_nor_aa_is_data_authentic_chip_not_proven(tmp_path):
    chip, trust, info = make_vn_card(tmp_path, ca=False, aa=None)
    r = run(chip, trust, can=info.can)
    assert r.verdict is Verdict.DATA_AUTHENTIC_CHIP_NOT_PROVEN
    assert r.exit_code == 1 and not r.genuine
    assert status(r, "passive_authentication") is Status.PASSED


# --- attacks and failures -----------------------------------------------------------------------


def test_cloned_chip_fails_ca_and_aa(tmp_path):
    chip, trust, info = make_vn_card(tmp_path, Faults(cloned=True))
    r = run(chip, trust, can=info.can)
    assert r.verdict is Verdict.NOT_GENUINE and r.exit_code == 1
    assert status(r, "passive_authentication") is Status.PASSED  # the data is the genuine data ...
    assert status(r, "active_authentication") is Status.FAILED  # ... but the chip is not the one it was issued on
    assert status(r, "chip_authentication") is Status.FAILED


def test_cloned_aa_only_chip(tmp_path):
    chip, trust, info = make_td3_card(tmp_path, Faults(cloned=True))
    r = run(chip, trust, mrz_information=info.mrz_information)
    assert r.verdict is Verdict.NOT_GENUINE
    assert status(r, "active_authentication") is Status.FAILED


@pytest.mark.parametrize("dg", [1, 2, 13, 14, 15])
def test_tampered_data_group_fails_pa(tmp_path, dg):
    chip, trust, info = make_vn_card(tmp_path, Faults(tamper_dg=dg))
    r = run(chip, trust, can=info.can)
    assert r.verdict is Verdict.NOT_GENUINE and r.exit_code == 1
    assert status(r, "passive_authentication") is Status.FAILED
    assert f"DG{dg}" in r.check("passive_authentication").reason
    if dg in (14, 15):  # a key whose DG is not signed proves nothing, even when the chip holds it
        name = "chip_authentication" if dg == 14 else "active_authentication"
        c = r.check(name)
        assert not c.details.get("proof")


@pytest.mark.parametrize("fault", ["wrong_mac", "truncate_response", "oversize_response"])
def test_hostile_chip_answers_are_never_genuine(tmp_path, fault):
    chip, trust, info = make_vn_card(tmp_path, Faults(**{fault: True}))
    r = run(chip, trust, can=info.can)
    assert r.verdict in (Verdict.NOT_GENUINE, Verdict.INCOMPLETE)
    assert r.exit_code in (1, 3)
    assert r.stopped_at is not None
    failed = r.failed_checks
    assert failed and failed[0].name == r.stopped_at
    assert status(r, "chip_authentication") is Status.SKIPPED


def test_wrong_mac_after_pace_is_a_broken_channel(tmp_path):
    chip, trust, info = make_vn_card(tmp_path, Faults(wrong_mac=True))
    r = run(chip, trust, can=info.can)
    assert r.verdict is Verdict.NOT_GENUINE and r.exit_code == 1
    assert r.stopped_at == "secure_messaging"
    assert status(r, "access_control") is Status.PASSED


def test_wrong_can_is_exit_3_and_names_the_step(tmp_path):
    chip, trust, info = make_vn_card(tmp_path)
    wrong = "999999" if info.can != "999999" else "111111"
    r = run(chip, trust, can=wrong)
    assert r.verdict is Verdict.INCOMPLETE and r.exit_code == 3
    assert r.stopped_at == "access_control"
    c = r.check("access_control")
    assert c.status is Status.FAILED and "PACE" in c.reason and "wrong CAN" in c.reason
    assert r.files.keys() == {"EF.CardAccess"}
    assert wrong not in json.dumps(r.to_dict())


def test_wrong_mrz_with_bac_is_exit_3(tmp_path):
    chip, trust, info = make_td3_card(tmp_path)

    r = run(chip, trust, mrz_information=mrz_information("NX1234568", "850315", "310315"))
    assert r.verdict is Verdict.INCOMPLETE and r.exit_code == 3
    assert "BAC failed" in r.check("access_control").reason


# APDU n of the verify (see the garbage test below): 1 EF.CardAccess, 4 PACE, 8 EF.COM, 11 DG2, 14 DG15
@pytest.mark.parametrize("at", [1, 4, 8, 11, 14])
def test_card_removed_mid_read_is_incomplete(tmp_path, at):
    chip, trust, info = make_vn_card(tmp_path, Faults(remove_at_apdu=at))
    r = run(chip, trust, can=info.can)
    assert r.verdict is Verdict.INCOMPLETE and r.exit_code == 3
    assert r.stopped_at is not None
    assert r.check(r.stopped_at).status is Status.FAILED
    assert "removed" in r.verdict_reason
    assert status(r, "chip_authentication") is Status.SKIPPED


def test_unknown_csca_is_an_unknown_issuer_not_a_forgery(tmp_path):
    chip, trust, info = make_vn_card(tmp_path, csca="other")  # signed under a CSCA the store does not hold
    r = run(chip, trust, can=info.can)
    assert r.verdict is Verdict.UNKNOWN_ISSUER and r.exit_code == 5 and not r.genuine
    assert status(r, "passive_authentication") is Status.FAILED
    assert status(r, "pa:certificate path") is Status.FAILED
    assert "OTHER CSCA VN" in r.verdict_reason and "no trust anchor" in r.verdict_reason
    # CA/AA still ran and passed, yet that proves nothing without PA
    assert status(r, "chip_authentication") is Status.PASSED
    assert r.to_dict()["verdict"] == "UNKNOWN_ISSUER" and r.to_dict()["exit_code"] == 5


def test_unknown_issuer_and_a_changed_data_group_is_not_genuine(tmp_path):
    chip, trust, info = make_vn_card(tmp_path, Faults(tamper_dg=2), csca="other")
    r = run(chip, trust, can=info.can)
    assert r.verdict is Verdict.NOT_GENUINE and r.exit_code == 1
    assert status(r, "pa:DG2 hash") is Status.FAILED


def _impostor_of(csca: x509.Certificate, key_identifier: bool) -> x509.Certificate:
    """A self-signed CSCA with ``csca``'s name (and, if asked, its key identifier) but another key."""
    key = ec.generate_private_key(ec.SECP256R1())
    ski = csca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    b = (x509.CertificateBuilder().subject_name(csca.subject).issuer_name(csca.subject)
         .public_key(key.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(csca.not_valid_before_utc).not_valid_after(csca.not_valid_after_utc)
         .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
         .add_extension(ski if key_identifier else x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                        critical=False))
    return b.sign(key, hashes.SHA256())


def test_a_csca_of_the_same_name_and_key_identifier_with_another_key_is_a_forgery(tmp_path):
    # The store holds the CSCA the DS certificate names (issuer and key identifier), and its key did not
    # sign the DS certificate: a forgery finding, not an unknown issuer.
    chip, _, info = make_vn_card(tmp_path)
    trust = TrustStore()
    trust.add_certificate(_impostor_of(card_pki("VN").csca, key_identifier=True))
    r = run(chip, trust, can=info.can)
    assert r.verdict is Verdict.NOT_GENUINE and r.exit_code == 1
    assert status(r, "pa:certificate path") is Status.FAILED


def test_a_csca_of_the_same_name_and_another_key_is_an_unknown_issuer(tmp_path):
    # Same name, but the DS certificate's authority key identifier names a key the store does not hold:
    # a CSCA key rollover looks exactly like this to a terminal whose trust list is older than the card.
    chip, _, info = make_vn_card(tmp_path)
    trust = TrustStore()
    trust.add_certificate(_impostor_of(card_pki("VN").csca, key_identifier=False))
    r = run(chip, trust, can=info.can)
    assert r.verdict is Verdict.UNKNOWN_ISSUER and r.exit_code == 5
    assert "has the key" in r.verdict_reason or "has the key" in " ".join(c.reason for c in r.failed_checks)


def test_revoked_document_signer_is_not_genuine(tmp_path):
    chip, _, info = make_vn_card(tmp_path)
    trust = TrustStore.load([info.csca_path], crls=[revoke_ds(tmp_path)])
    r = run(chip, trust, can=info.can)
    assert r.verdict is Verdict.NOT_GENUINE and r.exit_code == 1
    assert status(r, "passive_authentication") is Status.FAILED
    assert any(c.status is Status.FAILED and "revo" in (c.name + c.reason).lower() for c in r.checks)


def test_expired_certificates_are_not_genuine(tmp_path):
    chip, trust, info = make_vn_card(tmp_path)
    r = inspect(SimulatorTransport(chip), trust=trust, key=AccessKey.from_can(info.can), at=datetime(2060, 1, 1, tzinfo=timezone.utc))
    assert r.verdict is Verdict.NOT_GENUINE
    assert status(r, "passive_authentication") is Status.FAILED


def test_dg15_hidden_from_ef_com_is_still_read_and_flagged(tmp_path):
    chip, trust, info = make_vn_card(tmp_path, com_drop=(15,))
    r = run(chip, trust, can=info.can)
    assert status(r, "read:DG15") is Status.PASSED
    assert status(r, "active_authentication") is Status.PASSED
    c = r.check("com_sod_consistency")
    assert c.status is Status.FAILED and "DG15" in c.reason
    assert r.verdict is Verdict.NOT_GENUINE


@pytest.mark.parametrize("dg,content", [(1, b"\x5f\x1f\x03ABC"), (2, b"\x7f\x61\x03\x02\x01\x01"),
                                        (13, b"\x30\x03\x02\x01\x01"), (14, b"\x04\x01\x00"), (15, b"\x30\x00")])
def test_signed_but_malformed_data_group_is_not_genuine(tmp_path, dg, content):
    # The issuer signed garbage: PA passes, yet the terminal cannot use the file, and says so.
    chip, trust, info = make_vn_card(tmp_path, extra_dgs={dg: tlv.encode(by_dg(dg).tag, content)})
    r = run(chip, trust, can=info.can)
    assert status(r, "passive_authentication") is Status.PASSED
    assert status(r, f"decode:DG{dg}") is Status.FAILED
    assert r.verdict is Verdict.NOT_GENUINE and r.exit_code == 1
    json.dumps(r.to_dict())


def test_data_group_listed_but_missing_is_a_failed_read(tmp_path):
    chip, trust, info = make_vn_card(tmp_path, com_extra=(11,))
    r = run(chip, trust, can=info.can)
    c = r.check("read:DG11")
    assert c.status is Status.FAILED and c.details["sw"] == "6A82"
    assert status(r, "com_sod_consistency") is Status.FAILED
    assert r.verdict is Verdict.NOT_GENUINE


def test_no_trust_store_is_not_genuine(tmp_path):
    chip, _, info = make_vn_card(tmp_path)
    r = run(chip, None, can=info.can)
    assert r.verdict is Verdict.INCOMPLETE
    assert status(r, "passive_authentication") is Status.SKIPPED


@pytest.mark.parametrize("make,value,rule", [
    (AccessKey.from_can, "12a456", "digits"), (AccessKey.from_can, "", "digits"),
    (AccessKey.from_can, "12345678901", "digits"), (AccessKey.from_vn_id_number, "12345", "12 digits"),
    (AccessKey.from_vn_id_number, "00109001234٣", "12 digits"), (AccessKey.from_mrz_information, "short", "MRZ"),
    (AccessKey.from_mrz_information, "L898902C<369080619406236!", "MRZ"),
])
def test_bad_input_is_refused_once_without_echo(make, value, rule):
    with pytest.raises(InputError) as e:
        make(value)
    assert rule in str(e.value) and e.value.exit_code == 2
    assert value not in str(e.value) or not value


@pytest.mark.parametrize("args,rule", [
    (("L898902C", "690806", "940623"), None), (("L898902C!", "690806", "940623"), "letters and digits"),
    (("L898902C", "691306", "940623"), "not a date"), (("L898902C", "6908", "940623"), "6 digits"),
])
def test_a_key_from_the_printed_fields_computes_the_check_digits(args, rule):
    if rule is None:
        key = AccessKey.from_document(*args)
        assert key.matches_mrz_information("L898902C<369080619406236")
        return
    with pytest.raises(InputError, match=rule):
        AccessKey.from_document(*args)


def test_an_access_key_is_made_only_by_its_checked_constructors():
    with pytest.raises(TypeError):
        AccessKey(object(), can="12a", mrz_information=None, id_number=None)


# --- dumps ----------------------------------------------------------------------------------------


def test_dump_round_trip_gives_the_same_pa_result(tmp_path):
    chip, trust, info = make_vn_card(tmp_path)
    d = tmp_path / "dump"
    r = inspect(SimulatorTransport(chip), trust=trust, key=AccessKey.from_can(info.can), out_dir=d)
    assert (d / "report.json").exists()
    rd = inspect_dump(d, trust, key=AccessKey.from_mrz_information(info.mrz_information))
    assert rd.files == r.files
    pa = [(c.name, c.status) for c in r.checks if c.name.startswith("pa") or c.name == "passive_authentication"]
    pad = [(c.name, c.status) for c in rd.checks if c.name.startswith("pa") or c.name == "passive_authentication"]
    assert pa == pad and pa[0] == ("passive_authentication", Status.PASSED)
    assert rd.verdict is Verdict.DATA_AUTHENTIC_CHIP_NOT_PROVEN and rd.exit_code == 1
    assert status(rd, "chip_authentication") is Status.SKIPPED
    assert rd.holder.dg13 == r.holder.dg13 and rd.apdu_count == 0


def test_tampered_dump_fails_pa(tmp_path):
    chip, trust, info = make_vn_card(tmp_path)
    d = tmp_path / "dump"
    inspect(SimulatorTransport(chip), trust=trust, key=AccessKey.from_can(info.can), out_dir=d)
    dg2 = bytearray((d / "DG2").read_bytes())
    dg2[-5] ^= 1
    (d / "DG2").write_bytes(bytes(dg2))
    rd = inspect_dump(d, trust)
    assert rd.verdict is Verdict.NOT_GENUINE
    assert "DG2" in rd.check("passive_authentication").reason


# --- through the real PC/SC stack (pcscd + vpcd + pyscard) ---------------------------------------


@pytest.mark.pcsc
def test_pcsc_genuine_vn_card(tmp_path, pcsc_stack):

    chip, trust, info = make_vn_card(tmp_path)
    reader = pcsc_insert(pcsc_stack, chip)
    try:
        with PcscTransport(reader) as t:
            r = inspect(t, trust=trust, key=AccessKey.from_can(info.can))
    finally:
        pcsc_stack.remove()
    assert r.verdict is Verdict.GENUINE, r.verdict_reason
    assert r.holder.dg13["full_name"] == "Nguyễn Thị Ánh Tuyết" and r.holder.face.image == info.face
    assert r.files["DG2"] == info.files["DG2"]


@pytest.mark.pcsc
def test_pcsc_cloned_chip_is_not_genuine(tmp_path, pcsc_stack):

    chip, trust, info = make_vn_card(tmp_path, Faults(cloned=True))
    reader = pcsc_insert(pcsc_stack, chip)
    try:
        with PcscTransport(reader) as t:
            r = inspect(t, trust=trust, key=AccessKey.from_can(info.can))
    finally:
        pcsc_stack.remove()
    assert r.verdict is Verdict.NOT_GENUINE and r.exit_code == 1
    assert status(r, "active_authentication") is Status.FAILED
    assert status(r, "chip_authentication") is Status.FAILED


@pytest.mark.pcsc
def test_pcsc_card_pulled_mid_read_is_incomplete(tmp_path, pcsc_stack):

    chip, trust, info = make_vn_card(tmp_path, Faults(remove_at_apdu=11))  # the DG2 read (one APDU per file)
    reader = pcsc_insert(pcsc_stack, chip)
    try:
        with PcscTransport(reader) as t:
            r = inspect(t, trust=trust, key=AccessKey.from_can(info.can))
    finally:
        pcsc_stack.remove()
    assert r.verdict is Verdict.INCOMPLETE and r.exit_code == 3
    assert r.stopped_at is not None and r.stopped_at.startswith("read:")


# --- links that fail and chips that answer garbage (transport wrappers around the real chip) -------


class _Link:
    """SimulatorTransport around the real chip, with the n-th answer replaced by ``fault``."""

    def __init__(self, chip, n, fault):
        self.inner, self.n, self.fault, self.count = SimulatorTransport(chip), n, fault, 0
        self.atr = self.inner.atr

    def transmit(self, apdu):
        self.count += 1
        resp = self.inner.transmit(apdu)
        return self.fault(resp, self.count) if self.count >= self.n else resp


def test_reader_that_disappears_mid_read_is_incomplete(tmp_path):
    def gone(resp, count):
        raise ReaderError("the reader went away (SCARD_E_NO_READERS_AVAILABLE)")

    chip, trust, info = make_vn_card(tmp_path)
    r = inspect(_Link(chip, 11, gone), trust=trust, key=AccessKey.from_can(info.can))  # at the DG2 read
    assert r.verdict is Verdict.INCOMPLETE and r.exit_code == 3
    assert r.stopped_at.startswith("read:") and "reader went away" in r.verdict_reason


# APDU n of a PACE-CAN verify (one READ BINARY per file: short FID, a whole extended block): 1 READ
# EF.CardAccess, 3-6 PACE GENERAL AUTHENTICATE, 7 SELECT application (first SM answer), 8 EF.COM, 9 EF.SOD,
# 11 DG2, 14 DG15, 15 AA, 16-17 CA, 18 the CA check. The answer whose data the terminal ignores (2, MSE:Set
# AT) is left out: garbage there changes nothing.
@pytest.mark.parametrize("n", [1, 3, 4, 5, 6, 7, 8, 9, 11, 14, 15, 16, 17, 18])
@pytest.mark.parametrize("kind", ["random", "status_only", "sm_garbage"])
def test_garbage_answers_never_give_genuine_nor_crash(tmp_path, n, kind):
    rnd = random.Random(n * 31 + len(kind))

    def garbage(resp, count):
        if count != n:
            return resp
        if kind == "random":
            return bytes(rnd.randrange(256) for _ in range(rnd.randrange(0, 40))) + b"\x90\x00"
        if kind == "status_only":
            return b"\x90\x00"
        return b"\x87\x09\x01" + bytes(8) + b"\x99\x02\x90\x00\x8e\x08" + bytes(8) + b"\x90\x00"

    chip, trust, info = make_vn_card(tmp_path)
    r = inspect(_Link(chip, n, garbage), trust=trust, key=AccessKey.from_can(info.can))
    assert r.verdict is not Verdict.GENUINE, (n, kind)
    assert r.exit_code in (1, 3)
    assert r.failed_checks
    json.dumps(r.to_dict())
