"""Bulk audit: dumps and bare SODs, streamed, over one or several processes; nothing crashes it."""

import pytest

from cardkit.audit import FAILED, UNREADABLE, audit, iter_inputs, verify_input
from cardkit.pki.trust import TrustStore
from tests.support.corpus import EXPECTED, VN


@pytest.mark.parametrize("jobs", [1, 2])
def test_audit_counts_and_reasons(audit_corpus, jobs):
    items = []
    summary = audit([audit_corpus / "in"], [audit_corpus / "trust"], [audit_corpus / "vn.crl"], jobs=jobs, on_item=items.append,
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


def test_inputs_are_found_lazily(audit_corpus):
    it = iter_inputs([audit_corpus / "in"])
    assert iter(it) is it  # a generator: nothing is listed up front
    kinds = dict((p.rsplit("/", 1)[-1], k) for p, k in it)
    assert kinds["good0"] == "dump" and kinds["good.sod"] == "sod" and kinds["wrong-state"] == "dump"


def test_verify_input_never_raises_on_missing_file(audit_corpus):
    item = verify_input(str(audit_corpus / "nope.sod"), "sod", TrustStore())
    assert item.verdict == UNREADABLE and "cannot read" in item.reasons[0]


def test_without_checks_only_verdicts_travel(audit_corpus):
    items = []
    summary = audit([audit_corpus / "in"], [audit_corpus / "trust"], [audit_corpus / "vn.crl"], jobs=2, on_item=items.append,
                    with_checks=False)
    assert summary.total == 11 and (summary.genuine, summary.failed, summary.unreadable) == (5, 4, 2)
    assert all(i.checks == () for i in items)
    assert any(i.reasons and i.reasons[0].startswith("DG2 hash") for i in items)


def test_broken_master_list_in_trust_is_reported_in_summary(audit_corpus, tmp_path):
    (tmp_path / "junk.ml").write_bytes(b"\x30\x03\x02\x01\x00")
    summary = audit([audit_corpus / "in" / "good0"], [audit_corpus / "trust", tmp_path], jobs=1)
    assert summary.genuine == 1
    assert any("junk.ml" in f.reason for f in summary.trust_findings)


def test_a_bug_in_one_item_does_not_stop_the_audit(audit_corpus, monkeypatch):
    import cardkit.audit as audit_mod

    real = audit_mod.verify_input

    def flaky(path, kind, trust, at=None):
        if path.endswith("good1"):
            raise RuntimeError("boom")
        return real(path, kind, trust, at)

    monkeypatch.setattr(audit_mod, "verify_input", flaky)
    items = []
    summary = audit([audit_corpus / "in"], [audit_corpus / "trust"], jobs=1, on_item=items.append)
    assert summary.total == 11
    bad = [i for i in items if i.path.endswith("good1")][0]
    assert bad.verdict == UNREADABLE and "internal error: RuntimeError" in bad.reasons[0]
