"""A locked (OPERATIONAL) card refuses personalisation, and cardkit never records such a card as issued.

simulators/PERSO.md rule 2: after the lock every perso command answers 6985 (conditions of use not
satisfied), in plain and under secure messaging, and changes nothing. The personaliser must turn
that into a typed error and the batch must leave the record not issued (a card that was touched is
rejected "card must be destroyed"; one never written is released), never ``issued``.
"""

from __future__ import annotations

import pytest

from cardkit.card import Session, SimulatorTransport
from cardkit.errors import CardkitError, StatusWordError
from cardkit.iso7816 import CommandApdu
from simulators.emrtd import EmrtdChip
from tests.support.cards import make_td3_card

H = bytes.fromhex
SELECT_APP = H("00A4040C07A0000002471001")

# Every perso command of simulators/PERSO.md, byte for byte, well-formed (a blank chip would take each).
PERSO_COMMANDS = {
    "CREATE FILE": H("00E0000006630400200101"),
    "CREATE FILE EF.CardAccess": H("00E000000663040040011C"),
    "UPDATE BINARY": H("00D6000004") + H("61025F1F"),
    "UPDATE BINARY by SFI": H("00D6810004") + H("61025F1F"),
    "UPDATE BINARY odd INS": H("00D700000954038000005302ABCD"),
    # PERSO.md's own example: L898902C / 690806 / 940623
    "PUT DATA MRZ key": H("00DA00621C621A04084C38393839303243040636393038303604063934303632 33".replace(" ", "")),
    "PUT DATA CAN": H("00DA00650B6509660702313233343536"),
    "PUT DATA RSA modulus": H("00DA0060086006040400C0FFEE"),
    "PUT DATA RSA exponent": H("00DA0061086106040400C0FFEE"),
    "PUT DATA AA key (cardkit)": H("00DA0068086806" + "0404DEADBEEF"),
    "PUT DATA EC CA key (JMRTD)": H("00DA0063098101018201028301 03".replace(" ", "")),
    "PUT DATA CA key (cardkit)": H("00DA006A096A07020101040201FF"),
    "PUT DATA CVCA 01 64": H("00DA0164037F2100"),
    "PUT DATA CVCA 02 64": H("00DA0264037F2100"),
    "PUT DATA chained part": H("10DA00650B6509660702313233343536"),
    "PUT DATA extended length": H("00DA0068000008" + "68060404DEADBEEF"),
    "LOCK": H("00DADEAD"),
}


@pytest.fixture(scope="module")
def passport(tmp_path_factory):
    return make_td3_card(tmp_path_factory.mktemp("locked"))


def _snapshot(chip: EmrtdChip) -> tuple:
    s = chip.secrets
    return ({fid: bytes(b) for fid, b in chip.files.items()}, s.mrz_key, dict(s.pace_secrets), s.aa_private_key,
            list(s.ca_keys), chip.ta_trust, s.rsa_modulus, chip.life_cycle)


def test_the_perso_commands_are_well_formed_for_a_blank_chip():
    """The same bytes a locked chip refuses are accepted (or refused for content, not 6985) while blank."""
    chip = EmrtdChip()
    chip.power_on()
    assert chip.process_apdu(SELECT_APP) == H("9000")
    for name in ("CREATE FILE", "UPDATE BINARY", "UPDATE BINARY by SFI", "PUT DATA MRZ key", "PUT DATA CAN"):
        assert chip.process_apdu(PERSO_COMMANDS[name])[-2:] == H("9000"), name


@pytest.mark.parametrize("name", list(PERSO_COMMANDS))
def test_locked_chip_answers_6985_in_plain_and_changes_nothing(passport, name):
    chip, _trust, _info = passport
    before = _snapshot(chip)
    chip.power_on()
    assert chip.process_apdu(SELECT_APP) == H("9000")
    assert chip.process_apdu(PERSO_COMMANDS[name]) == H("6985")
    assert chip.life_cycle == "OPERATIONAL"
    assert _snapshot(chip) == before


@pytest.mark.parametrize("name", [n for n in PERSO_COMMANDS if not n.startswith("PUT DATA chained")])
def test_locked_chip_answers_6985_under_secure_messaging(passport, name):
    """BAC keys do not open personalisation: the protected perso command is refused too."""
    chip, _trust, info = passport
    before = _snapshot(chip)
    s = Session(SimulatorTransport(chip))
    s.select_application()
    s.bac(info.mrz_information)
    cmd = CommandApdu.from_bytes(PERSO_COMMANDS[name])
    resp = s.transmit(cmd)
    assert resp.sw == 0x6985
    assert _snapshot(chip) == before
    assert len(s.read_file("DG1")) == len(info.files["DG1"])  # the session is still good: only perso was refused


def test_personaliser_reports_a_typed_error_on_a_locked_chip(passport, pki):
    from cardkit.personalise import build_card, personalise_card
    from cardkit.profiles import load_profile
    from tests.support.perso import sample_record

    chip, _trust, _info = passport
    before = _snapshot(chip)
    profile = load_profile("icao-td3")
    build = build_card(sample_record(31), profile, pki.ds_signer)
    with pytest.raises(StatusWordError) as e:
        personalise_card(lambda: SimulatorTransport(chip), build, profile, pki.trust)
    assert e.value.sw == 0x6985
    assert isinstance(e.value, CardkitError) and e.value.exit_code == 3
    assert build.wiped
    assert _snapshot(chip) == before


def test_batch_never_marks_a_locked_chip_issued(passport, pki, tmp_path):
    from cardkit.production.batch import SimulatorSource, run_batch
    from cardkit.production.ledger import Ledger
    from cardkit.production.records import RecordResult
    from cardkit.profiles import load_profile
    from tests.support.perso import sample_record

    chip, _trust, _info = passport
    before = _snapshot(chip)
    profile = load_profile("icao-td1")
    out = tmp_path / "chips"
    source = SimulatorSource(out, lambda: chip)
    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        summary = run_batch([RecordResult(line=1, record=sample_record(32))], profile=profile, signer=pki.ds_signer,
                            trust=pki.trust, ledger=ledger, source=source, batch="locked", retries=1)
        assert summary.issued == 0 and summary.rejected == 1, summary
        (outcome,) = [o for o in summary.outcomes if o.outcome != "retry"]
        assert outcome.outcome == "rejected"
        assert any("6985" in r for r in outcome.reasons), outcome.reasons
        (entry,) = ledger.rows(batch="locked")
        assert entry.state == "rejected" and len(ledger.spoiled("locked")) == 2  # both tries: cards to destroy
        assert ledger.counts().get("issued", 0) == 0
    assert not list(out.glob("*.image")), "a refused card must not be saved as an issued chip"
    assert _snapshot(chip) == before
