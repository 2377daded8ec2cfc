"""EAC test PKIs made on the fly: a CVCA, a DV and an inspection system with deterministic keys.

Keys come from fixed scalars (``ec.derive_private_key``), so certificates, and with RFC 6979 the
TA signatures, are the same on every run; nothing secret is ever written to the repository.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, replace

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from cardkit.algorithms import TaAlgorithm, ta_algorithm
from cardkit.crypto.cvc import Chat, CvCertificate, Role
from cardkit.pki.cvc import CvCertificateBuilder
from cardkit.pki.signers import KeyFileSigner

__all__ = ["CURVES", "CvPki", "key", "issue", "make_cv_pki", "point", "D0"]

CURVES: dict[str, ec.EllipticCurve] = {
    "secp256r1": ec.SECP256R1(), "brainpoolP256r1": ec.BrainpoolP256R1(), "secp384r1": ec.SECP384R1(),
    "brainpoolP384r1": ec.BrainpoolP384R1(), "secp521r1": ec.SECP521R1(),
}
D0 = dt.date(2026, 1, 10)  # the "today" of the default test PKI


def key(curve: str, label: str) -> ec.EllipticCurvePrivateKey:
    """A deterministic private key on ``curve`` named by ``label``."""
    c = CURVES[curve]
    scalar = int.from_bytes(hashlib.sha512(f"{curve}/{label}".encode()).digest(), "big") % (2**(c.key_size - 2)) + 1
    return ec.derive_private_key(scalar, c)


def point(private: ec.EllipticCurvePrivateKey) -> bytes:
    """The uncompressed public point of a key."""
    return private.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)


def issue(*, issuer: CvCertificate | None, issuer_key: object, subject_key: object, car: str, chr: str,
          chat: Chat, effective: dt.date, expiration: dt.date, algorithm: TaAlgorithm,
          domain_parameters: bool = False, pss: bool = False) -> CvCertificate:
    """One certificate signed by ``issuer_key`` (a cryptography private key) with the builder.

    ``algorithm`` is the certified key's; the signature follows the issuer key's algorithm.
    """
    signing = issuer.public_key.algorithm if issuer is not None else algorithm
    signer = KeyFileSigner(issuer_key, None, signing.hash, signing.pss)  # type: ignore[arg-type]
    public = subject_key.public_key()  # type: ignore[attr-defined]
    return (CvCertificateBuilder().certification_authority_reference(car).holder_reference(chr)
            .public_key(public, algorithm, domain_parameters=domain_parameters)
            .authorization(chat).validity(effective, expiration).sign(signer, issuer=issuer))


@dataclass(frozen=True)
class CvPki:
    """CVCA -> DV -> IS, with the private keys and the TA algorithm of the chain."""

    algorithm: TaAlgorithm
    curve: str
    cvca: CvCertificate
    cvca_key: ec.EllipticCurvePrivateKey
    dv: CvCertificate
    dv_key: ec.EllipticCurvePrivateKey
    is_: CvCertificate
    is_key: ec.EllipticCurvePrivateKey

    @property
    def chain(self) -> list[CvCertificate]:
        """What TA sends to a chip trusting the CVCA: the DV, then the IS certificate."""
        return [self.dv, self.is_]

    def with_(self, **changes: object) -> CvPki:
        return replace(self, **changes)  # type: ignore[arg-type]


def make_cv_pki(curve: str = "brainpoolP256r1", hash_name: str = "sha256", *, country: str = "VN",
                prefix: str = "", effective: dt.date = D0, cvca_days: int = 3 * 365, dv_days: int = 90,
                is_days: int = 30, cvca_rights: tuple[bool, bool] = (True, True),
                dv_rights: tuple[bool, bool] = (True, True), is_rights: tuple[bool, bool] = (True, False),
                dv_role: Role = Role.DV_DOMESTIC) -> CvPki:
    """A chain on ``curve`` whose certificates all take effect on ``effective``; rights are (DG3, DG4)."""
    alg = ta_algorithm("ECDSA", hash_name)
    ck, dk, ik = key(curve, prefix + "cvca"), key(curve, prefix + "dv"), key(curve, prefix + "is")
    cvca_chr, dv_chr, is_chr = f"{country}CVCA{prefix}00001", f"{country}DV{prefix}00001", f"{country}IS{prefix}00001"
    cvca = issue(issuer=None, issuer_key=ck, subject_key=ck, car=cvca_chr, chr=cvca_chr,
                 chat=Chat.inspection_system(Role.CVCA, read_dg3=cvca_rights[0], read_dg4=cvca_rights[1]),
                 effective=effective, expiration=effective + dt.timedelta(days=cvca_days), algorithm=alg,
                 domain_parameters=True)
    dv = issue(issuer=cvca, issuer_key=ck, subject_key=dk, car=cvca_chr, chr=dv_chr,
               chat=Chat.inspection_system(dv_role, read_dg3=dv_rights[0], read_dg4=dv_rights[1]),
               effective=effective, expiration=effective + dt.timedelta(days=dv_days), algorithm=alg)
    is_ = issue(issuer=dv, issuer_key=dk, subject_key=ik, car=dv_chr, chr=is_chr,
                chat=Chat.inspection_system(Role.TERMINAL, read_dg3=is_rights[0], read_dg4=is_rights[1]),
                effective=effective, expiration=effective + dt.timedelta(days=is_days), algorithm=alg)
    return CvPki(alg, curve, cvca, ck, dv, dk, is_, ik)
