"""Bulk audit: dumps and bare SODs, streamed, over one or several processes; nothing crashes it.

Each item is judged by the judge of ``cardkit verify --dump``: the same verdict words (a dump's best
is DATA_AUTHENTIC_CHIP_NOT_PROVEN), the same check names in the reasons.
"""

import pytest

from cardkit import audit as audit_mod
from cardkit.audit import audit, iter_inputs, verify_input
from cardkit.inspect import Verdict
from cardkit.pki.trust import TrustStore
from tests.support.corpus import EXPECTED, INCOMPLETE, NOT_GENUINE, VN


@pytest.mark.parametrize("jobs", [1, 2])
def test_audit_counts_and_reasons(audit_corpus, jobs):
    items = []
    summary = audit([audit_corpus / "in"], [audit_corpus / "trust"], [audit_corpus / "vn.crl"], jobs=jobs, on_item=items.append,
                    chunksize=2)
    by_name = {i.path.rsplit("/", 1)[-1]: i for i in items}
    assert len(items) == summary.total == 12
    for name, verdict in EXPECTED.items():
        assert by_name[name].verdict is verdict, (name, by_name[name].reasons)
    assert summary.authentic == 5 and summary.by_verdict[NOT_GENUINE] == 4
    assert summary.by_verdict[Verdict.UNKNOWN_ISSUER] == 2 and summary.by_verdict[INCOMPLETE] == 1
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


def test_every_item_in_the_good_corpus_is_authentic_and_exits_zero(audit_corpus):
    summary = audit([audit_corpus / "in" / "good0", audit_corpus / "in" / "sods" / "good.sod"], [audit_corpus / "trust"], jobs=1)
    assert summary.authentic == summary.total == 2 and summary.exit_code == 0


def test_unknown_issuers_alone_exit_five(audit_corpus):
    summary = audit([audit_corpus / "in" / "good0", audit_corpus / "in" / "sods" / "unknown.sod"], [audit_corpus / "trust"], jobs=1)
    assert summary.by_verdict[Verdict.UNKNOWN_ISSUER] == 1 and summary.exit_code == 5


def test_inputs_are_found_lazily(audit_corpus):
    it = iter_inputs([audit_corpus / "in"])
    assert iter(it) is it  # a generator: nothing is listed up front
    kinds = dict((p.rsplit("/", 1)[-1], k) for p, k in it)
    assert kinds["good0"] == "dump" and kinds["good.sod"] == "sod" and kinds["wrong-state"] == "dump"


def test_verify_input_never_raises_on_missing_file(audit_corpus):
    item = verify_input(str(audit_corpus / "nope.sod"), "sod", TrustStore())
    assert item.verdict is INCOMPLETE and "cannot read" in item.reasons[0]


def test_without_checks_only_verdicts_travel(audit_corpus):
    items = []
    summary = audit([audit_corpus / "in"], [audit_corpus / "trust"], [audit_corpus / "vn.crl"], jobs=2, on_item=items.append,
                    with_checks=False)
    assert summary.total == 12 and summary.authentic == 5 and summary.by_verdict[NOT_GENUINE] == 4
    assert all(i.checks == () for i in items)
    assert any(i.reasons and i.reasons[0].startswith("pa:DG2 hash") for i in items)


def test_broken_master_list_in_trust_is_reported_in_summary(audit_corpus, tmp_path):
    (tmp_path / "junk.ml").write_bytes(b"\x30\x03\x02\x01\x00")
    summary = audit([audit_corpus / "in" / "good0"], [audit_corpus / "trust", tmp_path], jobs=1)
    assert summary.authentic == 1
    assert any("junk.ml" in f.reason for f in summary.trust_findings)


def test_a_bug_in_one_item_does_not_stop_the_audit(audit_corpus, monkeypatch):
    real = audit_mod.verify_input

    def flaky(path, kind, trust, at=None):
        if path.endswith("good1"):
            raise RuntimeError("boom")
        return real(path, kind, trust, at)

    monkeypatch.setattr(audit_mod, "verify_input", flaky)
    items = []
    summary = audit([audit_corpus / "in"], [audit_corpus / "trust"], jobs=1, on_item=items.append)
    assert summary.total == 12
    bad = [i for i in items if i.path.endswith("good1")][0]
    assert bad.verdict is INCOMPLETE and "internal error: RuntimeError" in bad.reasons[0]
