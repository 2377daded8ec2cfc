"""Bulk audit: dumps and bare SODs, streamed, over one or several processes; nothing crashes it.

Each item is judged by the judge of ``cardkit verify --dump``: the same verdict words (a dump's best
is DATA_AUTHENTIC_CHIP_NOT_PROVEN), the same check names in the reasons.
"""

import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from cardkit import audit as audit_mod
from cardkit import cli
from cardkit.audit import AUDIT_SCHEMA_VERSION, audit, iter_inputs, verify_input
from cardkit.inspect import Verdict
from cardkit.lds import Dg2, Dg15
from cardkit.pki.certs import make_crl
from cardkit.pki.sod_builder import build_sod
from cardkit.pki.trust import TrustStore
from cardkit.tlv import encode
from tests.pki._pki import dg1, issue, make_pki
from tests.support.cards import face_jpeg

VN = make_pki("ec-p256")
STRANGER = make_pki("ec-p256")  # a CSCA of the same name as VN's, with another key: a forgery, not an unknown issuer
REVOKED = issue(VN.csca_signer)
UNKNOWN = make_pki("ec-p256", country="FR")  # a CSCA nobody put in the trust store
AUTHENTIC, NOT_GENUINE, INCOMPLETE = Verdict.DATA_AUTHENTIC_CHIP_NOT_PROVEN, Verdict.NOT_GENUINE, Verdict.INCOMPLETE
_AA = ec.generate_private_key(ec.SECP256R1()).public_key()


def sample_dgs(state=None):
    """Data groups a terminal decodes: DG1, a small DG2 face, an empty DG14, DG15 with an EC key."""
    return {1: dg1(state=state), 2: Dg2.build(face_jpeg(1500), "jpeg", 16, 20).to_bytes(),
            14: encode(0x6E, b"\x31\x00"), 15: Dg15.build(_AA).to_bytes()}


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
    (root / "in" / "sods" / "unknown.sod").write_bytes(build_sod(dgs, UNKNOWN.ds_signer))
    trust = root / "trust"
    trust.mkdir()
    (trust / "csca.pem").write_bytes(VN.csca.public_bytes(serialization.Encoding.PEM))
    (root / "vn.crl").write_bytes(make_crl(VN.csca_signer, [REVOKED.ds]).public_bytes(serialization.Encoding.DER))
    return root


EXPECTED = {
    "good0": AUTHENTIC, "good3": AUTHENTIC, "good.sod": AUTHENTIC,
    "tampered": NOT_GENUINE, "wrong-state": NOT_GENUINE, "stranger.sod": NOT_GENUINE, "revoked.sod": NOT_GENUINE,
    "no-sod": NOT_GENUINE, "unknown.sod": Verdict.UNKNOWN_ISSUER, "junk.sod": INCOMPLETE,
}


@pytest.mark.parametrize("jobs", [1, 2])
def test_audit_counts_and_reasons(corpus, jobs):
    items = []
    summary = audit([corpus / "in"], [corpus / "trust"], [corpus / "vn.crl"], jobs=jobs, on_item=items.append,
                    chunksize=2)
    by_name = {i.path.rsplit("/", 1)[-1]: i for i in items}
    assert len(items) == summary.total == 12
    for name, verdict in EXPECTED.items():
        assert by_name[name].verdict is verdict, (name, by_name[name].reasons)
    assert summary.authentic == 5 and summary.by_verdict[NOT_GENUINE] == 5
    assert summary.by_verdict[Verdict.UNKNOWN_ISSUER] == 1 and summary.by_verdict[INCOMPLETE] == 1
    assert summary.exit_code == 1
    assert "pa:DG2 hash" in " ".join(by_name["tampered"].reasons)
    assert any(r.startswith("pa:country:") and "LAO" in r for r in by_name["wrong-state"].reasons)
    assert any(r.startswith("pa:certificate path:") for r in by_name["stranger.sod"].reasons)
    assert any(r.startswith("pa:revocation:") for r in by_name["revoked.sod"].reasons)
    assert by_name["unknown.sod"].reasons == (by_name["unknown.sod"].reasons[0],)
    assert by_name["unknown.sod"].reasons[0].startswith("pa:certificate path:")
    assert "cannot read" in by_name["junk.sod"].reasons[0] and "junk.sod" in by_name["junk.sod"].reasons[0]
    assert "EF.SOD was not read" in by_name["no-sod"].reasons[0]
    assert summary.by_reason["pa:DG2 hash"] == 1 and summary.by_reason["pa:revocation"] == 1
    assert summary.by_reason["incomplete"] == 1
    vn_ds = [k for k in summary.by_ds if f"#{VN.ds.serial_number:X}" in k][0]
    assert summary.by_ds[vn_ds]["DATA_AUTHENTIC_CHIP_NOT_PROVEN"] == 5
    d = by_name["tampered"].to_dict()
    assert d["verdict"] == "NOT_GENUINE" and any(c["name"] == "pa:DG2 hash" and c["status"] == "FAILED"
                                                  for c in d["checks"])


def test_every_item_in_the_good_corpus_is_authentic_and_exits_zero(corpus):
    summary = audit([corpus / "in" / "good0", corpus / "in" / "sods" / "good.sod"], [corpus / "trust"], jobs=1)
    assert summary.authentic == summary.total == 2 and summary.exit_code == 0


def test_unknown_issuers_alone_exit_five(corpus):
    summary = audit([corpus / "in" / "good0", corpus / "in" / "sods" / "unknown.sod"], [corpus / "trust"], jobs=1)
    assert summary.by_verdict[Verdict.UNKNOWN_ISSUER] == 1 and summary.exit_code == 5


def test_inputs_are_found_lazily(corpus):
    it = iter_inputs([corpus / "in"])
    assert iter(it) is it  # a generator: nothing is listed up front
    kinds = dict((p.rsplit("/", 1)[-1], k) for p, k in it)
    assert kinds["good0"] == "dump" and kinds["good.sod"] == "sod" and kinds["wrong-state"] == "dump"


def test_verify_input_never_raises_on_missing_file(corpus):
    item = verify_input(str(corpus / "nope.sod"), "sod", TrustStore())
    assert item.verdict is INCOMPLETE and "cannot read" in item.reasons[0]


def test_cli_audit_json_and_exit_code(corpus, capsys, tmp_path):
    report = tmp_path / "findings.jsonl"
    code = cli.main(["audit", str(corpus / "in"), "--trust", str(corpus / "trust"), "--crl", str(corpus / "vn.crl"),
                     "--jobs", "1", "--json", "--report", str(report)])
    assert code == 1  # not everything is authentic
    doc = json.loads(capsys.readouterr().out)
    assert doc["schema"] == AUDIT_SCHEMA_VERSION == 1
    assert doc["summary"]["total"] == 12 and doc["summary"]["by_verdict"]["DATA_AUTHENTIC_CHIP_NOT_PROVEN"] == 5
    assert len(doc["items"]) == 12
    lines = [json.loads(x) for x in report.read_text().splitlines()]
    assert len(lines) == 12 and all(x["verdict"] in {v.value for v in Verdict} and x["schema"] == 1 for x in lines)


def test_cli_audit_all_genuine_exits_zero_with_table(corpus, capsys):
    code = cli.main(["audit", str(corpus / "in" / "good0"), str(corpus / "in" / "sods" / "good.sod"),
                     "--trust", str(corpus / "trust"), "--jobs", "1"])
    out = capsys.readouterr().out
    assert code == 0 and "Audit summary" in out and "By DS certificate" in out


def test_cli_audit_text_names_every_item_that_did_not_pass(corpus, capsys):
    code = cli.main(["audit", str(corpus / "in"), "--trust", str(corpus / "trust"), "--crl", str(corpus / "vn.crl"),
                     "--jobs", "1"])
    lines = capsys.readouterr().out.splitlines()
    assert code == 1
    for name, verdict, check in (("tampered", "NOT_GENUINE", "pa:DG2 hash: "),
                                 ("wrong-state", "NOT_GENUINE", "pa:country: "),
                                 ("stranger.sod", "NOT_GENUINE", "pa:certificate path: "),
                                 ("revoked.sod", "NOT_GENUINE", "pa:revocation: "),
                                 ("no-sod", "NOT_GENUINE", "passive_authentication: EF.SOD was not read"),
                                 ("unknown.sod", "UNKNOWN_ISSUER", "pa:certificate path: "),
                                 ("junk.sod", "INCOMPLETE", "cannot read: ")):
        assert any(ln.startswith(f"{verdict}  ") and f"/{name}  {check}" in ln for ln in lines), (name, lines)
    listed = [ln for ln in lines if ln.split("  ")[0] in {v.value for v in Verdict}]
    assert len(listed) == 7 and not any("/good" in ln for ln in listed)  # authentic items are not listed


def test_without_checks_only_verdicts_travel(corpus):
    items = []
    summary = audit([corpus / "in"], [corpus / "trust"], [corpus / "vn.crl"], jobs=2, on_item=items.append,
                    with_checks=False)
    assert summary.total == 12 and summary.authentic == 5 and summary.by_verdict[NOT_GENUINE] == 5
    assert all(i.checks == () for i in items)
    assert any(i.reasons and i.reasons[0].startswith("pa:DG2 hash") for i in items)


def test_broken_master_list_in_trust_is_reported_in_summary(corpus, tmp_path):
    (tmp_path / "junk.ml").write_bytes(b"\x30\x03\x02\x01\x00")
    summary = audit([corpus / "in" / "good0"], [corpus / "trust", tmp_path], jobs=1)
    assert summary.authentic == 1
    assert any("junk.ml" in f.reason for f in summary.trust_findings)


def test_a_bug_in_one_item_does_not_stop_the_audit(corpus, monkeypatch):
    real = audit_mod.verify_input

    def flaky(path, kind, trust, at=None):
        if path.endswith("good1"):
            raise RuntimeError("boom")
        return real(path, kind, trust, at)

    monkeypatch.setattr(audit_mod, "verify_input", flaky)
    items = []
    summary = audit([corpus / "in"], [corpus / "trust"], jobs=1, on_item=items.append)
    assert summary.total == 12
    bad = [i for i in items if i.path.endswith("good1")][0]
    assert bad.verdict is INCOMPLETE and "internal error: RuntimeError" in bad.reasons[0]
