"""Dump directories (one raw file per LDS file, named as Doc 9303-10 names them): names, raw bytes, modes 0700/0600, strict reading."""

import json
import os
import stat

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cardkit import tlv
from cardkit.dump import DUMP_FILE_NAMES, read_dump, read_report, write_dump
from cardkit.errors import InputError, ParseError

COM = tlv.encode(0x60, tlv.encode(0x5F01, b"0108") + tlv.encode(0x5F36, b"040000") + tlv.encode(0x5C, b"\x61\x75"))
DG1 = tlv.encode(0x61, tlv.encode(0x5F1F, b"I<UTO" + b"<" * 85))
CARD_ACCESS = bytes.fromhex("3134300d060804007f0007020202020101300f060a04007f000702020302020201013012060a04007f0007020204020202010202010d")


def _mode(p):
    return stat.S_IMODE(os.stat(p).st_mode)


def test_names_are_exactly_the_design_ones():
    assert DUMP_FILE_NAMES[0] == "EF.CardAccess" and DUMP_FILE_NAMES[1] == "EF.COM"
    assert DUMP_FILE_NAMES[-1] == "EF.SOD"
    assert DUMP_FILE_NAMES[2:-1] == tuple(f"DG{n}" for n in range(1, 17))


def test_round_trip_keeps_bytes_and_modes(tmp_path):
    d = tmp_path / "a" / "dump"
    files = {"EF.CardAccess": CARD_ACCESS, "EF.COM": COM, "DG1": DG1}
    write_dump(d, files, {"verdict": "GENUINE", "name": "Nguyễn"})
    assert _mode(d) == 0o700
    for name in files:
        assert (d / name).read_bytes() == files[name]
        assert _mode(d / name) == 0o600
    assert _mode(d / "report.json") == 0o600
    assert json.loads((d / "report.json").read_text("utf-8"))["name"] == "Nguyễn"
    assert read_dump(d) == files
    assert read_report(d)["verdict"] == "GENUINE"


def test_existing_world_readable_file_is_made_private(tmp_path):
    d = tmp_path / "d"
    d.mkdir(mode=0o755)
    (d / "DG1").write_bytes(b"old")
    os.chmod(d / "DG1", 0o644)
    write_dump(d, {"DG1": DG1})
    assert _mode(d) == 0o700 and _mode(d / "DG1") == 0o600
    assert (d / "DG1").read_bytes() == DG1


def test_rewriting_a_dump_removes_the_files_of_the_previous_one(tmp_path):
    write_dump(tmp_path, {"EF.COM": COM, "DG1": DG1, "EF.CardAccess": CARD_ACCESS}, {"verdict": "GENUINE"})
    (tmp_path / "notes.txt").write_text("mine")
    write_dump(tmp_path, {"DG1": DG1})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["DG1", "notes.txt"]


def test_unknown_name_refused(tmp_path):
    with pytest.raises(InputError, match="EF.CardSecurity"):
        write_dump(tmp_path / "d", {"EF.CardSecurity": b"\x30\x00"})


def test_other_files_are_ignored(tmp_path):
    write_dump(tmp_path, {"DG1": DG1})
    (tmp_path / "face.jpg").write_bytes(b"\xff\xd8")
    (tmp_path / "notes.txt").write_text("x")
    assert list(read_dump(tmp_path)) == ["DG1"]


@pytest.mark.parametrize(
    "name,data,text",
    [
        ("DG1", b"", "empty"),
        ("DG1", DG1[:-3], "DG1"),
        ("DG1", DG1 + b"\x00", "DG1"),
        ("DG1", COM, "tag 60 is not the DG1 tag 61"),
        ("EF.SOD", DG1, "tag 61 is not the EF.SOD tag 77"),
        ("EF.CardAccess", COM, "tag 60 is not the EF.CardAccess tag 31"),
    ],
)
def test_bad_file_is_parse_error_naming_it(tmp_path, name, data, text):
    (tmp_path / name).write_bytes(data)
    with pytest.raises(ParseError) as e:
        read_dump(tmp_path)
    assert e.value.source == str(tmp_path / name)
    assert text in str(e.value)
    assert name in str(e.value)


def test_not_a_directory_and_empty_dump(tmp_path):
    with pytest.raises(InputError, match="not a directory"):
        read_dump(tmp_path / "missing")
    with pytest.raises(InputError, match="holds no LDS file"):
        read_dump(tmp_path)


def test_a_directory_in_place_of_a_file(tmp_path):
    (tmp_path / "DG2").mkdir()
    with pytest.raises(ParseError, match="not a regular file"):
        read_dump(tmp_path)


def test_bad_report_json(tmp_path):
    assert read_report(tmp_path) is None
    (tmp_path / "report.json").write_text("{nope")
    with pytest.raises(ParseError, match="report.json"):
        read_report(tmp_path)
    (tmp_path / "report.json").write_text("[1]")
    with pytest.raises(ParseError, match="JSON object"):
        read_report(tmp_path)


@given(st.binary(max_size=64), st.sampled_from(DUMP_FILE_NAMES))
def test_any_bytes_read_or_parse_error(tmp_path_factory, data, name):
    d = tmp_path_factory.mktemp("h")
    (d / name).write_bytes(data)
    try:
        files = read_dump(d)
    except ParseError as e:
        assert e.source == str(d / name)
    else:
        assert files == {name: data}
