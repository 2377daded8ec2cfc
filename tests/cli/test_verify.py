"""``cardkit read`` and ``cardkit verify`` end to end on simulator images and dumps: output and exit codes."""

import json
import os
import stat

import io

import pytest

from cardkit import cli
from tests.support.cards import make_td1_card, make_td3_card, make_vn_card, revoke_ds, pcsc_insert


@pytest.fixture
def vn(tmp_path, monkeypatch):
    monkeypatch.delenv("CARDKIT_DEBUG", raising=False)
    chip, _, info = make_vn_card(tmp_path)
    image = tmp_path / "card.image"
    chip.save(image)
    return image, info


def run(capsys, *args):
    code = cli.main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_genuine_vn_card_prints_holder_and_verdict(vn, capsys):
    image, info = vn
    code, out, err = run(capsys, "verify", "--sim", image, "--id-number", info.id_number, "--trust", info.csca_path)
    assert code == 0, out + err
    assert "Nguyễn Thị Ánh Tuyết" in out and "Đắk Lắk" in out and "Trần Thị Đào" in out
    assert "Số CMND cũ" in out and "012345678" in out
    assert "GENUINE" in out and "chip_authentication" in out


def test_json_report_and_face_out(vn, capsys, tmp_path):
    image, info = vn
    face = tmp_path / "face.jpg"
    code, out, _ = run(capsys, "verify", "--sim", image, "--can", info.can, "--trust", info.csca_path,
                       "--json", "--face-out", face)
    assert code == 0
    d = json.loads(out)
    assert d["verdict"] == "GENUINE" and d["exit_code"] == 0
    assert d["holder"]["dg13"]["full_name"] == "Nguyễn Thị Ánh Tuyết"
    assert d["holder"]["face"] == {"image_type": "jpeg", "width": 480, "height": 640, "size": 20000}
    assert d["face_image_path"] == str(face)
    assert face.read_bytes() == info.face
    assert stat.S_IMODE(os.stat(face).st_mode) == 0o600
    assert info.mrz_information not in out
    assert {c["name"]: c["status"] for c in d["checks"]}["read:DG3"] == "NOT_SUPPORTED"


def test_verify_out_then_dump_gives_the_same_pa_result(vn, capsys, tmp_path):
    image, info = vn
    dump = tmp_path / "dump"
    code, out, _ = run(capsys, "verify", "--sim", image, "--can", info.can, "--trust", info.csca_path, "--json",
                       "--out", dump)
    assert code == 0
    card = json.loads(out)
    assert json.loads((dump / "report.json").read_text("utf-8"))["verdict"] == "GENUINE"
    code, out, _ = run(capsys, "verify", "--dump", dump, "--trust", info.csca_path, "--json")
    assert code == 1  # data authentic, but a dump cannot prove the chip
    offline = json.loads(out)
    assert offline["verdict"] == "DATA_AUTHENTIC_CHIP_NOT_PROVEN"

    def pa(d):
        return [(c["name"], c["status"]) for c in d["checks"] if c["name"].startswith("pa")
                or c["name"] == "passive_authentication"]

    assert pa(card) == pa(offline) and pa(card)[0] == ("passive_authentication", "PASSED")


def test_read_writes_a_private_dump(vn, capsys, tmp_path):
    image, info = vn
    dump = tmp_path / "r"
    code, out, err = run(capsys, "read", "--sim", image, "--mrz-info", info.mrz_information, "--out", dump)
    assert code == 0, err
    assert stat.S_IMODE(os.stat(dump).st_mode) == 0o700
    names = sorted(p.name for p in dump.iterdir())
    assert names == sorted(["EF.CardAccess", "EF.COM", "EF.SOD", "DG1", "DG2", "DG13", "DG14", "DG15"])
    for p in dump.iterdir():
        assert stat.S_IMODE(os.stat(p).st_mode) == 0o600
        assert p.read_bytes() == info.files[p.name]
    assert not (dump / "report.json").exists()
    code, out, _ = run(capsys, "verify", "--dump", dump, "--trust", info.csca_path, "--mrz-info", info.mrz_information)
    assert code == 1 and "DATA AUTHENTIC, CHIP NOT PROVEN" in out


def test_doc_dob_doe_key_on_a_bac_passport(tmp_path, capsys):
    chip, _, info = make_td3_card(tmp_path)
    image = tmp_path / "p.image"
    chip.save(image)
    code, out, err = run(capsys, "verify", "--sim", image, "--doc", info.document_number, "--dob", info.date_of_birth,
                         "--doe", info.date_of_expiry, "--trust", info.csca_path)
    assert code == 0, out + err
    assert "Access control: BAC" in out


def test_wrong_can_is_exit_3_with_one_line(vn, capsys):
    image, info = vn
    code, out, err = run(capsys, "verify", "--sim", image, "--can", "000000", "--trust", info.csca_path)
    assert code == 3
    assert err.count("\n") == 1 and err.startswith("cardkit: INCOMPLETE: stopped at access_control")
    assert "INCOMPLETE" in out and "000000" not in out + err


def test_wrong_key_on_read_is_exit_3(vn, capsys, tmp_path):
    image, info = vn
    code, _, err = run(capsys, "read", "--sim", image, "--can", "000000", "--out", tmp_path / "x")
    assert code == 3 and "read stopped" in err


def test_unknown_csca_is_unknown_issuer_exit_5(vn, capsys, tmp_path):
    image, info = vn
    (tmp_path / "fr").mkdir()
    _, _, other = make_td1_card(tmp_path / "fr")  # a French CSCA: not the one that signed this card
    code, out, err = run(capsys, "verify", "--sim", image, "--can", info.can, "--trust", other.csca_path, "--json")
    assert code == 5 and err.startswith("cardkit: UNKNOWN_ISSUER: no trust anchor")
    d = json.loads(out)
    assert d["verdict"] == "UNKNOWN_ISSUER" and d["exit_code"] == 5 and d["schema"] == 1
    assert {c["name"]: c["status"] for c in d["checks"]}["passive_authentication"] == "FAILED"
    code, out, _ = run(capsys, "verify", "--sim", image, "--can", info.can, "--trust", other.csca_path)
    assert code == 5 and "UNKNOWN ISSUER" in out


def test_crl_and_at_options(vn, capsys, tmp_path):
    image, info = vn
    code, _, err = run(capsys, "verify", "--sim", image, "--can", info.can, "--trust", info.csca_path,
                       "--crl", revoke_ds(tmp_path))
    assert code == 1 and err.startswith("cardkit: NOT_GENUINE")
    code, _, err = run(capsys, "verify", "--sim", image, "--can", info.can, "--trust", info.csca_path,
                       "--at", "2060-01-01")
    assert code == 1 and "passive_authentication" in err
    code, _, _ = run(capsys, "verify", "--sim", image, "--can", info.can, "--trust", info.csca_path, "--at", "2030-06-01")
    assert code == 0


def test_tampered_dump_is_exit_1(vn, capsys, tmp_path):
    image, info = vn
    dump = tmp_path / "d"
    assert run(capsys, "read", "--sim", image, "--can", info.can, "--out", dump)[0] == 0
    data = bytearray((dump / "DG13").read_bytes())
    data[-3] ^= 0x01
    (dump / "DG13").write_bytes(bytes(data))
    code, out, _ = run(capsys, "verify", "--dump", dump, "--trust", info.csca_path)
    assert code == 1 and "NOT GENUINE" in out


def test_bad_dump_is_exit_2_naming_the_file(vn, capsys, tmp_path):
    image, info = vn
    dump = tmp_path / "d"
    dump.mkdir()
    (dump / "EF.SOD").write_bytes(b"\x77\x05\x00")
    code, _, err = run(capsys, "verify", "--dump", dump, "--trust", info.csca_path)
    assert code == 2 and "EF.SOD" in err and err.count("\n") == 1


@pytest.mark.parametrize(
    "args,text",
    [
        (["verify", "--sim", "IMG", "--trust", "CSCA"], "give the key"),
        (["verify", "--sim", "IMG", "--can", "123456", "--mrz-info", "X" * 24, "--trust", "CSCA"], "give one key"),
        (["verify", "--sim", "IMG", "--can", "123456"], "--trust"),
        (["verify", "--sim", "IMG", "--dump", "IMG", "--can", "1", "--trust", "CSCA"], "exactly one"),
        (["verify", "--can", "123456", "--trust", "CSCA"], "exactly one"),
        (["verify", "--sim", "IMG", "--doc", "X1", "--trust", "CSCA"], "go together"),
        (["verify", "--sim", "IMG", "--doc", "X1", "--dob", "991399", "--doe", "300101", "--trust", "CSCA"], "--dob"),
        (["verify", "--sim", "IMG", "--id-number", "123", "--trust", "CSCA"], "12 digits"),
        (["verify", "--sim", "IMG", "--can", "12ab56", "--trust", "CSCA"], "--can: the CAN must be digits"),
        (["verify", "--sim", "missing.image", "--can", "123456", "--trust", "CSCA"], "does not exist"),
        (["verify", "--sim", "IMG", "--can", "123456", "--trust", "CSCA", "--at", "yesterday"], "--at"),
        (["read", "--sim", "IMG", "--can", "123456"], "--out"),
        (["verify", "--dump", "IMG", "--can", "123456", "--trust", "CSCA"], "not a CAN"),
        (["verify", "--dump", "IMG", "--trust", "CSCA", "--sfi"], "need a chip"),
        (["verify", "--sim", "IMG", "--can", "123456", "--trust", "CSCA", "--count", "2"], "--count goes with --loop"),
        (["verify", "--sim", "IMG", "--can", "123456", "--trust", "CSCA", "--loop"], "give --reader R"),
        (["verify", "--reader", "R", "--can", "123456", "--trust", "CSCA", "--loop", "--trace", "t.json"],
         "for one card, not --loop"),
        (["verify", "--reader", "R", "--can", "123456", "--trust", "CSCA", "--loop", "--face-out", "f.png"],
         "--face-dir keeps each card's face"),
        (["verify", "--reader", "R", "--can", "123456", "--trust", "CSCA", "--loop", "--count", "0"], "--count"),
    ],
)
def test_usage_errors_are_exit_2(vn, capsys, args, text):
    image, info = vn
    args = [str(image) if a == "IMG" else str(info.csca_path) if a == "CSCA" else a for a in args]
    code, out, err = run(capsys, *args)
    assert code == 2
    assert text in err
    assert "12ab56" not in err


def test_bad_simulator_image_is_exit_2(tmp_path, capsys):
    bad = tmp_path / "bad.image"
    bad.write_text("{not json")
    csca = tmp_path / "c.pem"
    csca.write_text("x")
    code, _, err = run(capsys, "verify", "--sim", bad, "--can", "123456", "--trust", csca)
    assert code == 2 and err.startswith("cardkit:")


def test_trace_is_written_redacted(vn, capsys, tmp_path):
    image, info = vn
    trace = tmp_path / "t.json"
    code, _, _ = run(capsys, "verify", "--sim", image, "--can", info.can, "--trust", info.csca_path, "--trace", trace)
    assert code == 0
    t = json.loads(trace.read_text())
    assert t["redacted"] is True and len(t["entries"]) > 10
    text = trace.read_text().upper()
    assert "NGUYEN" not in text and b"NGUYEN".hex().upper() not in text  # DG1 content stays out


# --- a real reader: pcscd + vpcd ------------------------------------------------------------------


@pytest.mark.pcsc
def test_verify_on_a_pcsc_reader(tmp_path, capsys, pcsc_stack, monkeypatch):
    monkeypatch.delenv("CARDKIT_DEBUG", raising=False)
    chip, _, info = make_vn_card(tmp_path)
    reader = pcsc_insert(pcsc_stack, chip)
    try:
        code, out, err = run(capsys, "verify", "--reader", reader, "--can", info.can, "--trust", info.csca_path,
                             "--json")
    finally:
        pcsc_stack.remove()
    assert code == 0, err
    assert json.loads(out)["verdict"] == "GENUINE"


@pytest.mark.pcsc
def test_a_reader_that_is_not_there_is_exit_3(tmp_path, capsys, pcsc_stack, monkeypatch):
    monkeypatch.delenv("CARDKIT_DEBUG", raising=False)
    _, _, info = make_vn_card(tmp_path)
    code, out, err = run(capsys, "verify", "--reader", "No Such Reader 99", "--can", info.can,
                         "--trust", info.csca_path)
    assert code == 3
    assert err.startswith("cardkit:") and err.count("\n") == 1


def test_can_from_the_environment_keeps_it_off_the_command_line(vn, capsys, monkeypatch):
    image, info = vn
    monkeypatch.setenv("CARDKIT_CAN", info.id_number[-6:])
    code, out, err = run(capsys, "verify", "--sim", image, "--trust", info.csca_path)
    assert code == 0, out + err
    assert "GENUINE" in out  # (a VN card prints its ID number, of which the CAN is a part, in the holder data)
    monkeypatch.setenv("CARDKIT_CAN", "000000")
    code, out, err = run(capsys, "verify", "--sim", image, "--trust", info.csca_path)
    assert code == 3


def test_can_dash_asks_without_echo(vn, capsys, monkeypatch):
    image, info = vn
    monkeypatch.delenv("CARDKIT_CAN", raising=False)
    asked = []

    def prompt(text, hide_input=False, err=False, confirmation_prompt=False):
        asked.append((text, hide_input))
        return info.id_number[-6:]

    monkeypatch.setattr("click.prompt", prompt)
    code, out, err = run(capsys, "verify", "--sim", image, "--can", "-", "--trust", info.csca_path)
    assert code == 0, out + err
    assert asked == [("CAN", True)]


@pytest.mark.filterwarnings("ignore::getpass.GetPassWarning")  # Python's own note: stdin is not a terminal
def test_can_dash_without_an_answer_names_the_variable(vn, capsys, monkeypatch):
    image, info = vn
    monkeypatch.delenv("CARDKIT_CAN", raising=False)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # no terminal and nothing piped in
    code, out, err = run(capsys, "verify", "--sim", image, "--can", "-", "--trust", info.csca_path)
    assert code == 2
    assert err.splitlines()[-1] == "cardkit: CAN: no answer (no terminal, or the input ended); set CARDKIT_CAN"
