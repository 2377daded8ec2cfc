"""A small audit corpus on disk: dumps and bare EF.SODs, good and bad in every way the audit reports.

``make_audit_corpus(root)`` writes under ``root``: ``in/`` (four good dumps, a tampered DG2, a DG1
of another state, a dump without EF.SOD, and in ``in/sods/`` a good, a stranger-signed, a revoked,
an unknown issuer's and an unparsable EF.SOD), ``trust/csca.pem`` and ``vn.crl`` (revoking one DS).
``EXPECTED`` names the verdict of each input: the judge of ``cardkit verify --dump``, so a good
dump's best is DATA_AUTHENTIC_CHIP_NOT_PROVEN.
"""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from cardkit.inspect import Verdict
from cardkit.lds import Dg2, Dg15
from cardkit.pki.certs import make_crl
from cardkit.pki.sod_builder import build_sod
from cardkit.tlv import encode
from tests.support.cards import face_jpeg
from tests.support.pki import make_pki
from tests.support.sod import dg1

__all__ = ["VN", "STRANGER", "REVOKED", "UNKNOWN", "EXPECTED", "AUTHENTIC", "NOT_GENUINE", "INCOMPLETE",
           "sample_dgs", "write_dump", "make_audit_corpus"]

VN = make_pki("ec-p256")
STRANGER = make_pki("ec-p256")  # a CSCA of the same name as VN's, another key the store does not hold: unknown
# (a CSCA key rollover looks the same to a terminal with an old trust list), not a forgery finding
REVOKED = VN.issue()
UNKNOWN = make_pki("ec-p256", country="FR")  # a CSCA nobody put in the trust store
AUTHENTIC, NOT_GENUINE, INCOMPLETE = Verdict.DATA_AUTHENTIC_CHIP_NOT_PROVEN, Verdict.NOT_GENUINE, Verdict.INCOMPLETE
_AA = ec.generate_private_key(ec.SECP256R1()).public_key()

def sample_dgs(state: str | None = None) -> dict[int, bytes]:
    """Data groups a terminal decodes: DG1, a small DG2 face, an empty DG14, DG15 with an EC key."""
    return {1: dg1(state=state), 2: Dg2.build(face_jpeg(1500), "jpeg", 16, 20).to_bytes(),
            14: encode(0x6E, b"\x31\x00"), 15: Dg15.build(_AA).to_bytes()}


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
    (root / "in" / "sods" / "unknown.sod").write_bytes(build_sod(dgs, UNKNOWN.ds_signer))
    trust = root / "trust"
    trust.mkdir()
    (trust / "csca.pem").write_bytes(VN.csca.public_bytes(serialization.Encoding.PEM))
    (root / "vn.crl").write_bytes(make_crl(VN.csca_signer, [REVOKED.ds]).public_bytes(serialization.Encoding.DER))
    return root


EXPECTED = {
    "good0": AUTHENTIC, "good3": AUTHENTIC, "good.sod": AUTHENTIC,
    "tampered": NOT_GENUINE, "wrong-state": NOT_GENUINE, "stranger.sod": Verdict.UNKNOWN_ISSUER, "revoked.sod": NOT_GENUINE,
    "no-sod": NOT_GENUINE, "unknown.sod": Verdict.UNKNOWN_ISSUER, "junk.sod": INCOMPLETE,
}
