"""Chip images: mode 0600, round trip, and a ParseError naming the path for anything broken."""

from __future__ import annotations

import json
import stat

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from cardkit.errors import ParseError
from simulators.emrtd import EmrtdChip

from .helpers import DG1, sample_files, DOC, DOB, DOE, CAN


@pytest.fixture(scope="module")
def keys():
    return rsa.generate_private_key(65537, 1024), ec.generate_private_key(ec.BrainpoolP256R1())


def _chip(keys) -> EmrtdChip:
    aa, ca = keys
    return EmrtdChip.personalised(sample_files(), document_number=DOC, date_of_birth=DOB, date_of_expiry=DOE,
                                  can=CAN, aa_private_key=aa, ca_private_key=ca, ca_key_id=3,
                                  extended_length=False, select_mf_supported=True)


def test_round_trip_and_mode(tmp_path, keys):
    chip = _chip(keys)
    path = tmp_path / "card.image"
    chip.save(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    back = EmrtdChip.load(path)
    assert back.life_cycle == "OPERATIONAL"
    assert back.files == chip.files
    assert back.secrets.mrz_key == chip.secrets.mrz_key
    assert back.secrets.pace_secrets == {2: CAN.encode()}
    assert back.secrets.aa_private_key.private_numbers() == keys[0].private_numbers()
    (kid, ca), = back.secrets.ca_keys
    assert kid == 3 and ca.private_numbers() == keys[1].private_numbers()
    assert back.options == chip.options and back.options.extended_length is False
    # saving again over an existing (even world-readable) file keeps 0600
    path.chmod(0o644)
    back.save(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    # no key material in the repr of the chip
    assert CAN not in repr(back) and "PRIVATE" not in repr(back)


def test_perso_state_round_trip(tmp_path):
    chip = EmrtdChip()
    chip.power_on()
    chip.process_apdu(bytes.fromhex("00A4040C07A0000002471001"))
    chip.process_apdu(bytes.fromhex("00E0000006630400100101"))
    path = tmp_path / "half.image"
    chip.save(path)
    back = EmrtdChip.load(path)
    assert back.life_cycle == "PERSONALISATION" and back.files == {0x0101: bytearray(16)}


def test_version_1_image_loads_as_the_default_chip(tmp_path, keys):
    # images written before personalities existed: no "personality", no "spare"
    path = tmp_path / "old.image"
    _chip(keys).save(path)
    doc = json.loads(path.read_text())
    assert doc["version"] == 3 and doc["personality"] == "default"
    del doc["personality"], doc["spare"], doc["ta_trust"], doc["options"]["ta_static_binding"]
    doc["secrets"]["cvca"] = {}
    doc["version"] = 1
    path.write_text(json.dumps(doc))
    back = EmrtdChip.load(path)
    assert back.personality.name == "default" and back.life_cycle == "OPERATIONAL"
    back.power_on()
    assert back.process_apdu(bytes.fromhex("00A4000C023F00")) == b"\x90\x00"  # select_mf_supported kept


def _corrupt(tmp_path, keys, mutate) -> tuple:
    path = tmp_path / "bad.image"
    _chip(keys).save(path)
    doc = json.loads(path.read_text())
    mutate(doc)
    path.write_text(json.dumps(doc))
    return path


@pytest.mark.parametrize("mutate, field", [
    (lambda d: d.update(format="other"), "format"),
    (lambda d: d.update(version=4), "version"),
    (lambda d: d.update(ta_trust="zz"), "ta_trust"),
    (lambda d: d.update(ta_trust="5F2501"), "ta_trust"),
    (lambda d: d["options"].update(ta_static_binding="yes"), "options.ta_static_binding"),
    (lambda d: d.update(personality="javacard"), "personality"),
    (lambda d: d.pop("personality"), "personality"),
    (lambda d: d.update(personality="jmrtd", options={**d["options"], "extended_length": True}),
     "options.extended_length"),
    (lambda d: d.update(spare={"0199": "00"}), "spare"),
    (lambda d: d.update(spare={"0101": ""}), "spare.0101"),
    (lambda d: d.update(version="1"), "version"),
    (lambda d: d.update(life_cycle="TERMINATED"), "life_cycle"),
    (lambda d: d["files"].update({"0101": "zz"}), "files.0101"),
    (lambda d: d["files"].update({"10101": "00"}), "files"),
    (lambda d: d["files"].update({"0101": ""}), "files.0101"),
    (lambda d: d["secrets"].update(mrz_key="00"), "secrets.mrz_key"),
    (lambda d: d["secrets"].update(mrz_key=None), "secrets.mrz_key"),
    (lambda d: d["secrets"].update(aa_private_key="3000"), "secrets.aa_private_key"),
    (lambda d: d["secrets"]["ca_keys"][0].update(key_id="x"), "secrets.ca_keys[0].key_id"),
    (lambda d: d["secrets"]["pace_secrets"].update({"9": "00"}), "secrets.pace_secrets"),
    (lambda d: d["options"].update(max_response_length=0), "options.max_response_length"),
    (lambda d: d["options"].update(eac_protected=[0]), "options.eac_protected"),
    (lambda d: d.pop("secrets"), "secrets"),
])
def test_corrupted_image_raises_parse_error_with_path(tmp_path, keys, mutate, field):
    path = _corrupt(tmp_path, keys, mutate)
    with pytest.raises(ParseError) as ei:
        EmrtdChip.load(path)
    assert ei.value.source == str(path)
    assert field in str(ei.value)


@pytest.mark.parametrize("content", [b"", b"\xff\xfe", b"[]", b"{", b"null", b'{"format": "cardkit-emrtd-image"}'])
def test_not_an_image(tmp_path, content):
    path = tmp_path / "x.image"
    path.write_bytes(content)
    with pytest.raises(ParseError) as ei:
        EmrtdChip.load(path)
    assert ei.value.source == str(path)


def test_missing_file(tmp_path):
    with pytest.raises(ParseError) as ei:
        EmrtdChip.load(tmp_path / "nope.image")
    assert "nope.image" in str(ei.value)


def test_secrets_not_in_error_messages(tmp_path, keys):
    path = _corrupt(tmp_path, keys, lambda d: d["secrets"].update(mrz_key="00" * 19))
    with pytest.raises(ParseError) as ei:
        EmrtdChip.load(path)
    assert "00" * 19 not in str(ei.value)
    assert DG1.hex() not in str(ei.value)


def test_personalised_keeps_card_security_apart_from_the_sod(tmp_path):
    # EF.CardSecurity (MF) and EF.SOD (application) share FID 011D: both are kept, and survive an image.
    from simulators._fs import CARD_SECURITY_KEY

    files = {**sample_files(), "EF.SOD": b"\x77\x01\x00", "EF.CardSecurity": b"\x30\x03\x02\x01\x00"}
    chip = EmrtdChip.personalised(files, document_number=DOC, date_of_birth=DOB, date_of_expiry=DOE)
    assert bytes(chip.files[CARD_SECURITY_KEY]) == files["EF.CardSecurity"]
    assert bytes(chip.files[0x011D]) == files["EF.SOD"]
    chip.save(tmp_path / "c.image")
    again = EmrtdChip.load(tmp_path / "c.image")
    assert bytes(again.files[CARD_SECURITY_KEY]) == files["EF.CardSecurity"]
    assert bytes(again.files[0x011D]) == files["EF.SOD"]


def test_personalised_refuses_unknown_files():
    with pytest.raises(KeyError):
        EmrtdChip.personalised({"DG99": b"\x30\x00"}, document_number=DOC, date_of_birth=DOB, date_of_expiry=DOE)


from hypothesis import given, strategies as st  # noqa: E402


@given(st.dictionaries(st.integers(0x0101, 0x011E), st.binary(min_size=1, max_size=300), max_size=6),
       st.sampled_from(["PERSONALISATION", "OPERATIONAL"]))
def test_round_trip_property(files, life_cycle):
    import tempfile
    from pathlib import Path

    chip = EmrtdChip.personalised({}, document_number=DOC, date_of_birth=DOB, date_of_expiry=DOE,
                                  locked=life_cycle == "OPERATIONAL")
    chip.files.update({fid: bytearray(v) for fid, v in files.items()})
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "c.image"
        chip.save(path)
        back = EmrtdChip.load(path)
    assert back.files == chip.files and back.life_cycle == life_cycle


@given(st.integers(0, 10_000), st.integers(0, 255))
def test_any_corruption_gives_a_chip_or_parse_error(pos, value):
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "c.image"
        _IMAGE_CHIP.save(path)
        raw = bytearray(path.read_bytes())
        raw[pos % len(raw)] = value
        path.write_bytes(bytes(raw))
        try:
            EmrtdChip.load(path)
        except ParseError as e:
            assert e.source == str(path)


_IMAGE_CHIP = EmrtdChip.personalised({"DG1": DG1, "EF.CardAccess": b"\x31\x00"}, document_number=DOC, date_of_birth=DOB, date_of_expiry=DOE,
                                     can=CAN, ca_private_key=ec.generate_private_key(ec.SECP256R1()), ca_key_id=1)
