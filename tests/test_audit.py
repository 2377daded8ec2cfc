"""Bulk audit: dumps and bare SODs, streamed, over one or several processes; nothing crashes it."""

import json

import pytest
from cryptography.hazmat.primitives import serialization

from cardkit import cli
from cardkit.audit import FAILED, GENUINE, UNREADABLE, audit, iter_inputs, verify_input
from cardkit.pki.certs import make_crl
from cardkit.pki.sod_builder import build_sod
from cardkit.pki.trust import TrustStore
from tests.pki._pki import issue, make_pki, sample_dgs

VN = make_pki("ec-p256")
STRANGER = make_pki("ec-p256")
REVOKED = issue(VN.csca_signer)


def write_dump(d, dgs, sod):
    d.mkdir(parents=True)
    for n, data in dgs.items():
        (d / f"DG{n}").write_bytes(data)
    if sod is not None:
        (d / "EF.SOD").write_bytes(sod)
    return d


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("audit")
    dgs = sample_dgs()
    for i in range(4):
        write_dump(root / "in" / f"good{i}", dgs, build_sod(dgs, VN.ds_signer))
    write_dump(root / "in" / "tampered", {**dgs, 2: dgs[2][:-1] + b"\x09"}, build_sod(dgs, VN.ds_signer))
    la = sample_dgs(state="LAO")
    write_dump(root / "in" / "nested" / "wrong-state", la, build_sod(la, VN.ds_signer))
    write_dump(root / "in" / "no-sod", dgs, None)
    (root / "in" / "sods").mkdir()
    (root / "in" / "sods" / "good.sod").write_bytes(build_sod(dgs, VN.ds_signer))
    (root / "in" / "sods" / "stranger.sod").write_bytes(build_sod(dgs, STRANGER.ds_signer))
    (root / "in" / "sods" / "revoked.sod").write_bytes(build_sod(dgs, REVOKED.ds_signer))
    (root / "in" / "sods" / "junk.sod").write_bytes(b"\x77\x05garbage")
    trust = root / "trust"
    trust.mkdir()
    (trust / "csca.pem").write_bytes(VN.csca.public_bytes(serialization.Encoding.PEM))
    (root / "vn.crl").write_bytes(make_crl(VN.csca_signer, [REVOKED.ds]).public_bytes(serialization.Encoding.DER))
    return root


EXPECTED = {
    "good0": GENUINE, "good3": GENUINE, "good.sod": GENUINE,
    "tampered": FAILED, "wrong-state": FAILED, "stranger.sod": FAILED, "revoked.sod": FAILED,
    "junk.sod": UNREADABLE, "no-sod": UNREADABLE,
}


@pytest.mark.parametrize("jobs", [1, 2])
def test_audit_counts_and_reasons(corpus, jobs):
    items = []
    summary = audit([corpus / "in"], [corpus / "trust"], [corpus / "vn.crl"], jobs=jobs, on_item=items.append,
                    chunksize=2)
    by_name = {i.path.rsplit("/", 1)[-1]: i for i in items}
    assert len(items) == summary.total == 11
    for name, verdict in EXPECTED.items():
        assert by_name[name].verdict == verdict, (name, by_name[name].reasons)
    assert (summary.genuine, summary.failed, summary.unreadable) == (5, 4, 2)
    assert "DG2 hash" in " ".join(by_name["tampered"].reasons)
    assert any(r.startswith("country:") and "LAO" in r for r in by_name["wrong-state"].reasons)
    assert any(r.startswith("certificate path:") for r in by_name["stranger.sod"].reasons)
    assert any(r.startswith("revocation:") for r in by_name["revoked.sod"].reasons)
    assert "cannot be parsed" in by_name["junk.sod"].reasons[0]
    assert "no EF.SOD" in by_name["no-sod"].reasons[0]
    assert summary.by_reason["DG2 hash"] == 1 and summary.by_reason["revocation"] == 1
    vn_ds = [k for k in summary.by_ds if f"#{VN.ds.serial_number:X}" in k][0]
    assert summary.by_ds[vn_ds]["GENUINE"] == 5
    d = by_name["tampered"].to_dict()
    assert d["verdict"] == FAILED and any(c["name"] == "DG2 hash" and c["status"] == "FAILED" for c in d["checks"])


def test_inputs_are_found_lazily(corpus):
    it = iter_inputs([corpus / "in"])
    assert iter(it) is it  # a generator: nothing is listed up front
    kinds = dict((p.rsplit("/", 1)[-1], k) for p, k in it)
    assert kinds["good0"] == "dump" and kinds["good.sod"] == "sod" and kinds["wrong-state"] == "dump"


def test_verify_input_never_raises_on_missing_file(corpus):
    item = verify_input(str(corpus / "nope.sod"), "sod", TrustStore())
    assert item.verdict == UNREADABLE and "cannot read" in item.reasons[0]


def test_cli_audit_json_and_exit_code(corpus, capsys, tmp_path):
    report = tmp_path / "findings.jsonl"
    code = cli.main(["audit", str(corpus / "in"), "--trust", str(corpus / "trust"), "--crl", str(corpus / "vn.crl"),
                     "--jobs", "1", "--json", "--report", str(report)])
    assert code == 1  # not everything is genuine
    doc = json.loads(capsys.readouterr().out)
    assert doc["summary"]["total"] == 11 and doc["summary"]["genuine"] == 5
    assert len(doc["items"]) == 11
    lines = report.read_text().splitlines()
    assert len(lines) == 11 and all(json.loads(x)["verdict"] in (GENUINE, FAILED, UNREADABLE) for x in lines)


def test_cli_audit_all_genuine_exits_zero_with_table(corpus, capsys):
    code = cli.main(["audit", str(corpus / "in" / "good0"), str(corpus / "in" / "sods" / "good.sod"),
                     "--trust", str(corpus / "trust"), "--jobs", "1"])
    out = capsys.readouterr().out
    assert code == 0 and "Audit summary" in out and "By DS certificate" in out


def test_without_checks_only_verdicts_travel(corpus):
    items = []
    summary = audit([corpus / "in"], [corpus / "trust"], [corpus / "vn.crl"], jobs=2, on_item=items.append,
                    with_checks=False)
    assert summary.total == 11 and (summary.genuine, summary.failed, summary.unreadable) == (5, 4, 2)
    assert all(i.checks == () for i in items)
    assert any(i.reasons and i.reasons[0].startswith("DG2 hash") for i in items)


def test_broken_master_list_in_trust_is_reported_in_summary(corpus, tmp_path):
    (tmp_path / "junk.ml").write_bytes(b"\x30\x03\x02\x01\x00")
    summary = audit([corpus / "in" / "good0"], [corpus / "trust", tmp_path], jobs=1)
    assert summary.genuine == 1
    assert any("junk.ml" in f.reason for f in summary.trust_findings)


def test_a_bug_in_one_item_does_not_stop_the_audit(corpus, monkeypatch):
    import cardkit.audit as audit_mod

    real = audit_mod.verify_input

    def flaky(path, kind, trust, at=None):
        if path.endswith("good1"):
            raise RuntimeError("boom")
        return real(path, kind, trust, at)

    monkeypatch.setattr(audit_mod, "verify_input", flaky)
    items = []
    summary = audit([corpus / "in"], [corpus / "trust"], jobs=1, on_item=items.append)
    assert summary.total == 11
    bad = [i for i in items if i.path.endswith("good1")][0]
    assert bad.verdict == UNREADABLE and "internal error: RuntimeError" in bad.reasons[0]
