"""A small audit corpus on disk: dumps and bare EF.SODs, good and bad in every way the audit reports.

``make_audit_corpus(root)`` writes under ``root``: ``in/`` (four good dumps, a tampered DG2, a DG1
of another state, a dump without EF.SOD, and in ``in/sods/`` a good, a stranger-signed, a revoked
and an unparsable EF.SOD), ``trust/csca.pem`` and ``vn.crl`` (revoking one DS). ``EXPECTED`` names
the verdict of each input.
"""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives import serialization

from cardkit.audit import FAILED, GENUINE, UNREADABLE
from cardkit.pki.certs import make_crl
from cardkit.pki.sod_builder import build_sod
from tests.support.pki import make_pki
from tests.support.sod import sample_dgs

__all__ = ["VN", "STRANGER", "REVOKED", "EXPECTED", "make_audit_corpus"]

VN = make_pki("ec-p256")
STRANGER = make_pki("ec-p256")  # the same CSCA name, another key: no path to the trusted CSCA
REVOKED = VN.issue()

EXPECTED = {
    "good0": GENUINE, "good3": GENUINE, "good.sod": GENUINE,
    "tampered": FAILED, "wrong-state": FAILED, "stranger.sod": FAILED, "revoked.sod": FAILED,
    "junk.sod": UNREADABLE, "no-sod": UNREADABLE,
}


def write_dump(d: Path, dgs: dict[int, bytes], sod: bytes | None) -> Path:
    """A dump directory holding ``DG<n>`` files and, unless None, ``EF.SOD``."""
    d.mkdir(parents=True)
    for n, data in dgs.items():
        (d / f"DG{n}").write_bytes(data)
    if sod is not None:
        (d / "EF.SOD").write_bytes(sod)
    return d


def make_audit_corpus(root: Path) -> Path:
    """Write the corpus under ``root``; return ``root``."""
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
