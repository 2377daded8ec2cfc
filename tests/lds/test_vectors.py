"""The LDS vectors of tests/vectors/lds (Doc 9303-11 D.4 and G.1, a real VN EF.CardAccess) via decode_file."""

import json
from pathlib import Path

import pytest

from cardkit.errors import ParseError
from cardkit.lds import decode_file

DATA = json.loads((Path(__file__).parent.parent / "vectors" / "lds" / "files.json").read_text())
assert DATA["source"]


@pytest.mark.parametrize("case", DATA["cases"], ids=lambda c: c["comment"][:40])
def test_vector(case):
    data = bytes.fromhex(case["hex"])
    if case["result"] == "invalid":
        with pytest.raises(ParseError):
            decode_file(case["name"], data)
        return
    obj = decode_file(case["name"], data)
    assert obj.to_bytes() == data
    assert type(obj).build  # every vector object can be made anew ...
    exp = case["expected"]
    if "infos" in exp:
        got = [[type(i).__name__, i.protocol, i.version, getattr(i, "parameter_id", getattr(i, "key_id", None))]
               for i in obj.infos]
        assert got == exp["infos"]
        assert type(obj).build(obj.infos).to_bytes() == data  # ... byte for byte
    else:
        assert (obj.lds_version, obj.unicode_version, list(obj.data_groups)) == (
            exp["lds_version"], exp["unicode_version"], exp["data_groups"])
        assert type(obj).build(obj.data_groups, obj.lds_version, obj.unicode_version).to_bytes() == data
