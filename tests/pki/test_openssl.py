"""OpenSSL, an independent implementation, accepts what cardkit signs: SODs (cms -verify) and chains (verify)."""

import shutil
import subprocess

import pytest
from cryptography.hazmat.primitives import serialization

from cardkit.lds.sod import Sod
from cardkit.pki.sod_builder import build_lds_security_object, build_sod
from tests.support.pki import make_pki
from tests.support.sod import ci_bytes, sample_dgs

pytestmark = [pytest.mark.openssl, pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl not installed")]


def openssl(*args):
    return subprocess.run(["openssl", *map(str, args)], capture_output=True, timeout=60)


@pytest.mark.parametrize("key_type,pss,h,version,sid", [
    ("ec-p256", False, "sha256", 0, "issuer_serial"),
    ("ec-brainpoolp256r1", False, "sha256", 1, "ski"),
    ("rsa-2048", True, "sha256", 0, "issuer_serial"),
    ("rsa-2048", False, "sha512", 1, "issuer_serial"),
    ("ec-p384", False, "sha384", 0, "ski"),
])
def test_openssl_accepts_sod_and_chain(tmp_path, key_type, pss, h, version, sid):
    pki = make_pki(key_type, pss=pss, hash_algorithm=h)
    csca, ds = pki.write(tmp_path)
    raw = build_sod(sample_dgs(), pki.ds_signer, hash_algorithm=h, version=version, signer_id=sid)
    (tmp_path / "sod.der").write_bytes(ci_bytes(raw))
    out = tmp_path / "content.der"
    r = openssl("cms", "-verify", "-inform", "DER", "-in", tmp_path / "sod.der", "-CAfile", csca, "-out", out)
    assert r.returncode == 0, r.stderr.decode()
    assert b"Verification successful" in r.stderr
    # what OpenSSL extracts is exactly the LDSSecurityObject cardkit hashed
    assert out.read_bytes() == build_lds_security_object(sample_dgs(), hash_algorithm=h, version=version)
    assert out.read_bytes() == Sod.from_bytes(raw).econtent
    r = openssl("verify", "-CAfile", csca, ds)
    assert r.returncode == 0 and b"OK" in r.stdout, r.stderr.decode()


def test_openssl_rejects_a_tampered_sod(tmp_path):
    pki = make_pki("ec-p256")
    csca, _ = pki.write(tmp_path)
    raw = bytearray(ci_bytes(build_sod(sample_dgs(), pki.ds_signer)))
    i = raw.find(b"\x04\x20")  # the first DG hash: change a byte of it
    raw[i + 5] ^= 0xFF
    (tmp_path / "bad.der").write_bytes(bytes(raw))
    r = openssl("cms", "-verify", "-inform", "DER", "-in", tmp_path / "bad.der", "-CAfile", csca, "-purpose", "any",
                "-out", "/dev/null")
    assert r.returncode != 0


def test_openssl_verifies_the_crl(tmp_path):
    from cardkit.pki.certs import make_crl

    pki = make_pki("ec-p256")
    csca, _ = pki.write(tmp_path)
    (tmp_path / "crl.pem").write_bytes(make_crl(pki.csca_signer, [pki.ds]).public_bytes(serialization.Encoding.PEM))
    r = openssl("crl", "-in", tmp_path / "crl.pem", "-CAfile", csca, "-noout")
    assert r.returncode == 0 and b"verify OK" in r.stderr + r.stdout, r.stderr.decode()
    r = openssl("verify", "-crl_check", "-CRLfile", tmp_path / "crl.pem", "-CAfile", csca, tmp_path / "ds.pem")
    assert r.returncode != 0 and b"revoked" in r.stdout + r.stderr
