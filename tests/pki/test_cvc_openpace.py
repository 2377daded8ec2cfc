"""Interop with OpenPACE (Debian package openpace): cvc-print verifies cardkit's CV certificates, and
cardkit validates and uses (for Terminal Authentication) the chains cvc-create makes.

Facts these tests rely on (OpenPACE 1.1.2): cvc-print exits 0 whenever it can parse, and prints a
line "certificate verified" only when the signature checks with the issuer it finds, as a file named
exactly by the issuer's CHR, in --cvc-dir; it also checks the dates against the machine's clock, so
the certificates here take effect yesterday. cvc-create reads DER keys only.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from cardkit.algorithms import ta_algorithm
from cardkit.crypto.cvc import Chat, CvCertificate, Role
from cardkit.crypto.ta import ChipTrust, TaChip, TaKeySigner, TerminalAuthentication, id_picc_from_document_number
from cardkit.pki.cvc import load_cv_certificate
from cardkit.pki.cvc_chain import validate_chain
from tests.support.cvc_pki import issue, key, make_cv_pki, point

pytestmark = pytest.mark.skipif(shutil.which("cvc-create") is None or shutil.which("cvc-print") is None,
                                reason="OpenPACE is not installed (Debian package openpace: cvc-create, cvc-print)")

TODAY = dt.datetime.now(dt.timezone.utc).date()
YESTERDAY = TODAY - dt.timedelta(days=1)


def cvc_print(cert: Path, cvc_dir: Path) -> list[str]:
    r = subprocess.run(["cvc-print", "--cvc", str(cert), "--cvc-dir", str(cvc_dir)], capture_output=True, text=True,
                       timeout=60, check=False)
    assert r.returncode == 0, r.stderr
    return [line.strip() for line in r.stdout.splitlines()]


def write_chain(tmp: Path, certs: list[CvCertificate]) -> Path:
    """Each certificate as <CHR>.cvcert, and the issuers also under their bare CHR in cvc-dir."""
    d = tmp / "cvc-dir"
    d.mkdir()
    for c in certs:
        (tmp / f"{c.chr}.cvcert").write_bytes(c.to_bytes())
        (d / c.chr).write_bytes(c.to_bytes())
    return d


SUITES = [("secp256r1", "sha256"), ("brainpoolP256r1", "sha256"), ("secp384r1", "sha384")]


@pytest.mark.parametrize("curve,hash_name", SUITES, ids=[f"{c}-{h}" for c, h in SUITES])
def test_cvc_print_verifies_cardkit_certificates(tmp_path, curve, hash_name):
    pki = make_cv_pki(curve, hash_name, effective=YESTERDAY, dv_days=60, is_days=20)
    d = write_chain(tmp_path, [pki.cvca, pki.dv, pki.is_])
    for cert, role_line in ((pki.cvca, "CVCA certificate"), (pki.dv, "DV certificate"),
                            (pki.is_, "Terminal certificate")):
        out = cvc_print(tmp_path / f"{cert.chr}.cvcert", d)
        assert "certificate verified" in out, out
        assert f"CAR: {cert.car}" in out and f"CHR: {cert.chr}" in out and role_line in out
        assert f"Effective Date: {YESTERDAY.isoformat()}" in out
    assert "Read fingerprint" in cvc_print(tmp_path / f"{pki.is_.chr}.cvcert", d)
    assert "Read iris" not in cvc_print(tmp_path / f"{pki.is_.chr}.cvcert", d)


def test_cvc_print_refuses_a_tampered_cardkit_certificate(tmp_path):
    """The control: the tool says "not verified" for a wrong signature, so the positive test means something."""
    pki = make_cv_pki(effective=YESTERDAY)
    d = write_chain(tmp_path, [pki.cvca, pki.dv])
    sig = bytearray(pki.is_.signature)
    sig[5] ^= 1
    bad = tmp_path / "bad.cvcert"
    bad.write_bytes(CvCertificate.assemble(pki.is_.body, bytes(sig)).to_bytes())
    out = cvc_print(bad, d)
    assert "certificate verified" not in out and "certificate not verified" in out


def test_cvc_print_verifies_cardkit_rsa_pss_certificates(tmp_path):
    alg = ta_algorithm("RSA", "sha256", pss=True)
    k = [rsa.generate_private_key(65537, 2048) for _ in range(2)]
    cvca = issue(issuer=None, issuer_key=k[0], subject_key=k[0], car="VNCVCAR0001", chr="VNCVCAR0001",
                 chat=Chat.inspection_system(Role.CVCA, read_dg3=True, read_dg4=True), effective=YESTERDAY,
                 expiration=TODAY + dt.timedelta(days=300), algorithm=alg, pss=True)
    dv = issue(issuer=cvca, issuer_key=k[0], subject_key=k[1], car=cvca.chr, chr="VNDVR00001",
               chat=Chat.inspection_system(Role.DV_FOREIGN, read_dg3=True, read_dg4=False), effective=YESTERDAY,
               expiration=TODAY + dt.timedelta(days=30), algorithm=alg, pss=True)
    d = write_chain(tmp_path, [cvca, dv])
    out = cvc_print(tmp_path / f"{dv.chr}.cvcert", d)
    assert "certificate verified" in out and "DV certificate" in out and "Read iris" not in out


# --- chains made by cvc-create ---------------------------------------------------------------


def genkey(path: Path, curve: str) -> Path:
    subprocess.run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", f"ec_paramgen_curve:{curve}",
                    "-outform", "DER", "-out", str(path)], check=True, capture_output=True, timeout=60)
    return path


def cvc_create(tmp: Path, *args: str) -> None:
    r = subprocess.run(["cvc-create", *args], cwd=tmp, capture_output=True, text=True, timeout=60, check=False)
    assert r.returncode == 0, r.stderr + r.stdout


@pytest.mark.parametrize("openssl_curve,curve,scheme,dv_role", [
    ("brainpoolP256r1", "brainpoolP256r1", "ECDSA_SHA_256", "dv_domestic"),
    ("prime256v1", "secp256r1", "ECDSA_SHA_256", "dv_foreign"),
    ("secp384r1", "secp384r1", "ECDSA_SHA_384", "dv_domestic"),
])
def test_cardkit_validates_and_uses_cvc_create_chains(tmp_path, openssl_curve, curve, scheme, dv_role):
    for name in ("cvca", "dv", "is"):
        genkey(tmp_path / f"{name}.der", openssl_curve)
    issued, expires = YESTERDAY.strftime("%y%m%d"), (TODAY + dt.timedelta(days=60)).strftime("%y%m%d")
    common = [f"--issued={issued}", f"--expires={expires}", f"--scheme={scheme}"]
    cvc_create(tmp_path, "--role=cvca", "--type=is", "--chr=VNCVCA00001", "--sign-with=cvca.der",
               "--read-finger", "--read-iris", *common)
    cvc_create(tmp_path, f"--role={dv_role}", "--chr=VNDV000001", "--sign-with=cvca.der",
               "--sign-as=VNCVCA00001.cvcert", "--key=dv.der", "--read-finger", "--read-iris", *common)
    cvc_create(tmp_path, "--role=terminal", "--chr=VNIS000001", "--sign-with=dv.der", "--sign-as=VNDV000001.cvcert",
               "--key=is.der", "--read-finger", *common)
    cvca, dv, is_ = (load_cv_certificate(tmp_path / f"{c}.cvcert") for c in ("VNCVCA00001", "VNDV000001", "VNIS000001"))
    assert cvca.public_key.curve is not None and cvca.public_key.curve.name == curve
    assert dv.role is (Role.DV_FOREIGN if dv_role == "dv_foreign" else Role.DV_DOMESTIC)
    r = validate_chain([dv, is_], [cvca], TODAY, require_dg3=True)
    assert (r.read_dg3, r.read_dg4, r.role) == (True, False, Role.TERMINAL)
    assert r.key.key.curve.name == curve

    # Terminal Authentication with OpenPACE's terminal key and chain, against cardkit's chip
    is_key = serialization.load_der_private_key((tmp_path / "is.der").read_bytes(), None)
    assert isinstance(is_key, ec.EllipticCurvePrivateKey)
    eph = point(key(curve, "ca-ephemeral"))
    id_picc = id_picc_from_document_number("C01X00T47")
    chip = TaChip(ChipTrust.personalise([cvca], YESTERDAY), id_picc=id_picc, ca_ephemeral_public_key=eph)
    ta = TerminalAuthentication([dv, is_], TaKeySigner(is_key, is_.public_key.algorithm), id_picc=id_picc,
                                ca_ephemeral_public_key=eph)
    cmd = ta.start()
    while cmd is not None:
        cmd = ta.receive(chip.respond(cmd))
    assert chip.authorization is not None and chip.authorization.read_dg3 and not chip.authorization.read_dg4


def test_cvc_create_chain_without_rights_on_the_cvca_grants_nothing(tmp_path):
    """The fact the issue notes: the CVCA and DV need the rights too, or the effective rights are empty."""
    for name in ("cvca", "dv", "is"):
        genkey(tmp_path / f"{name}.der", "brainpoolP256r1")
    common = [f"--issued={YESTERDAY:%y%m%d}", f"--expires={TODAY + dt.timedelta(days=60):%y%m%d}",
              "--scheme=ECDSA_SHA_256"]
    cvc_create(tmp_path, "--role=cvca", "--type=is", "--chr=VNCVCA00001", "--sign-with=cvca.der", *common)
    cvc_create(tmp_path, "--role=dv_domestic", "--chr=VNDV000001", "--sign-with=cvca.der",
               "--sign-as=VNCVCA00001.cvcert", "--key=dv.der", "--read-finger", *common)
    cvc_create(tmp_path, "--role=terminal", "--chr=VNIS000001", "--sign-with=dv.der", "--sign-as=VNDV000001.cvcert",
               "--key=is.der", "--read-finger", *common)
    cvca, dv, is_ = (load_cv_certificate(tmp_path / f"{c}.cvcert") for c in ("VNCVCA00001", "VNDV000001", "VNIS000001"))
    assert cvca.chat.template == b"\xc0" and is_.chat.read_dg3
    r = validate_chain([dv, is_], [cvca], TODAY)
    assert (r.read_dg3, r.read_dg4) == (False, False)
