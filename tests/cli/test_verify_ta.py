"""``verify`` and ``read`` with Terminal Authentication, through the CLI, on a card the production line made.

The card: the first citizen of examples/vn-citizens.csv, personalised by ``cardkit personalise`` with the
vn-cccd profile (DG3 holds the record's two fingers; the chip trusts the demo's TEST CVCA). A terminal
with the demo's DV and IS certificates and the IS key reads DG3 after TA, checks its hash against EF.SOD
and writes the fingers as stored. Every way a terminal's chain can fail — a certificate the chip refuses,
a chain from another CVCA, an expired certificate, rights without DG3 — is its own FAILED
``terminal_authentication`` finding naming the certificate and the rule; the chip stays GENUINE and DG3
is never read nor written out.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from cardkit.crypto.cvc import Chat, CvCertificate, Role
from cardkit.lds import Dg3
from cardkit.pki.cvc import CvCertificateBuilder
from cardkit.pki.cvc_store import load_cv_signer
from cardkit.pki.demo import DEMO_PASSPHRASE, ensure_demo_pki
from cardkit.pki.signers import write_encrypted_key
from simulators.emrtd import EmrtdChip
from tests.support.cards import pcsc_insert
from tests.support.cli import EXAMPLES
from tests.support.cli import run_cli as run
from tests.pki.test_cvc_openpace import cvc_create, genkey
from tests.support.cvc_pki import make_cv_pki

ENV = {"CARDKIT_PASSPHRASE": DEMO_PASSPHRASE.decode()}
ID = "002192999001"  # the first example citizen; her CAN is 999001
RIGHT = EXAMPLES / "fingers" / "nguyen-thi-anh-tuyet-right.jp2"
LEFT = EXAMPLES / "fingers" / "nguyen-thi-anh-tuyet-left.jp2"
TODAY = dt.date.today()


def _personalise(base: Path, keys: Path, cvca: Path) -> Path:
    """``cardkit personalise`` of the first example citizen, the chip trusting ``cvca``; the card image."""
    with (EXAMPLES / "vn-citizens.csv").open(encoding="utf-8", newline="") as f:
        header, first = list(csv.reader(f))[:2]
    row = [str(EXAMPLES / v) if name in ("photo", "finger_left", "finger_right") else v
           for name, v in zip(header, first)]
    records = base / "one.csv"
    with records.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([header, row])
    code, out, err = run("personalise", "--profile", "vn-cccd", "--records", records, "--ds", keys, "--cvca", cvca,
                         "--sim", base / "cards", "--ledger", base / "l.sqlite", "--json", env=ENV)
    assert code == 0, err
    assert json.loads(out)["issued"] == 1
    return base / "cards" / f"VNM-{ID}-1.image"


@pytest.fixture(scope="module")
def issued(tmp_path_factory) -> tuple[Path, Path]:
    """(the demo PKI folder, the card image) after ``cardkit personalise`` of the first example citizen."""
    base = tmp_path_factory.mktemp("ta-cli")
    keys = base / "keys"
    ensure_demo_pki(keys)
    return keys, _personalise(base, keys, keys / "eac" / "cvca.cvcert")


def _verify(card: Path, keys: Path, *extra: object, env: dict[str, str] = ENV) -> tuple[int, dict, str]:
    code, out, err = run("verify", "--sim", card, "--id-number", ID, "--trust", keys / "csca.pem", "--json", *extra,
                         env=env)
    return code, json.loads(out), err


def _check(report: dict, name: str) -> dict:
    return next(c for c in report["checks"] if c["name"] == name)


def _terminal(keys: Path) -> list[object]:
    eac = keys / "eac"
    return ["--is-cert", eac / "dv.cvcert", "--is-cert", eac / "is.cvcert", "--is-key", eac / "is.key"]


def test_verify_with_ta_reads_dg3_checks_its_hash_and_writes_the_fingers(issued, tmp_path):
    keys, card = issued
    code, report, err = _verify(card, keys, *_terminal(keys), "--fingers-out", tmp_path / "fingers")
    assert code == 0, err
    assert report["verdict"] == "GENUINE"
    assert _check(report, "read:DG3")["status"] == "PASSED"
    assert _check(report, "pa:DG3 hash")["status"] == "PASSED"  # DG3 as read hashes to its value in EF.SOD
    ta = _check(report, "terminal_authentication")
    assert ta["status"] == "PASSED" and ta["details"]["terminal"] == "VNISTEST00001"
    assert ta["details"]["sent"] == ["VNDVTEST00001", "VNISTEST00001"] and "DG3" in ta["details"]["granted"]
    written = [Path(p) for p in report["images_written"]]
    assert [p.name for p in written] == ["finger-1-right-index-finger.jp2", "finger-2-left-index-finger.jp2"]
    assert [p.read_bytes() for p in written] == [RIGHT.read_bytes(), LEFT.read_bytes()]  # as stored, untouched
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in written)


def test_without_terminal_certificates_dg3_stays_unread(issued, tmp_path):
    keys, card = issued
    code, report, err = _verify(card, keys)
    assert code == 0, err
    dg3 = _check(report, "read:DG3")  # the chip announces TA: DG3 is not even asked for
    assert dg3["status"] == "NOT_SUPPORTED" and "no terminal certificates given" in dg3["reason"]
    assert not any(c["name"] == "terminal_authentication" for c in report["checks"])
    code, report, err = _verify(card, keys, "--fingers-out", tmp_path / "f")
    assert code == 2 and report["verdict"] == "GENUINE"  # the report first, then the images that could not be
    assert err.splitlines()[0].startswith("cardkit: --fingers-out: DG3 was not read (not read: protected by EAC")
    assert not (tmp_path / "f").exists()


def test_read_with_ta_dumps_dg3_and_verify_dump_writes_the_fingers(issued, tmp_path):
    keys, card = issued
    eac = keys / "eac"
    chain = tmp_path / "chain.cvcert"  # one file holding the DV's and the IS's certificates
    chain.write_bytes((eac / "dv.cvcert").read_bytes() + (eac / "is.cvcert").read_bytes())
    code, out, err = run("read", "--sim", card, "--can", "999001", "--out", tmp_path / "dump", "--is-cert", chain,
                         "--is-key", eac / "is.key", "--json", env=ENV)
    assert code == 0, err
    steps = {c["name"]: c["status"] for c in json.loads(out)["checks"]}
    assert steps["terminal_authentication"] == "PASSED" and steps["read:DG3"] == "PASSED"
    dg3 = (tmp_path / "dump" / "DG3").read_bytes()
    assert [f.image for f in Dg3.from_bytes(dg3).fingers] == [RIGHT.read_bytes(), LEFT.read_bytes()]
    code, out, err = run("verify", "--dump", tmp_path / "dump", "--trust", keys / "csca.pem", "--fingers-out",
                         tmp_path / "from-dump", "--json")
    assert code == 1, err  # a dump cannot prove its chip; its DG3 still passes PA and its fingers are written
    report = json.loads(out)
    assert _check(report, "pa:DG3 hash")["status"] == "PASSED" and len(report["images_written"]) == 2


# --- a terminal the chip must not open DG3 for ------------------------------------------------------------


def _key_file(folder: Path, private: ec.EllipticCurvePrivateKey) -> Path:
    path = folder / "is.key"
    write_encrypted_key(path, private, DEMO_PASSPHRASE)
    return path


def _write(folder: Path, *certs: CvCertificate) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, cert in enumerate(certs):
        paths.append(folder / f"{i}-{cert.chr}.cvcert")
        paths[-1].write_bytes(cert.raw)
    return paths


def _under_the_demo_dv(keys: Path, chr: str, *, effective: dt.date, expiration: dt.date, read_dg3: bool
                       ) -> tuple[CvCertificate, CvCertificate, ec.EllipticCurvePrivateKey]:
    """(DV, a new IS certificate it signs, the IS key): the demo's DV issuing as the test asks."""
    dv, dv_signer = load_cv_signer(keys / "eac", "dv", passphrase=DEMO_PASSPHRASE)
    private = ec.generate_private_key(ec.BrainpoolP256R1())
    cert = (CvCertificateBuilder().certification_authority_reference(dv.chr).holder_reference(chr)
            .public_key(private.public_key(), dv.public_key.algorithm, domain_parameters=False)
            .authorization(Chat.inspection_system(Role.TERMINAL, read_dg3=read_dg3, read_dg4=True))
            .validity(effective, expiration).sign(dv_signer, issuer=dv))
    return dv, cert, private


def _refused_by_the_chip(keys: Path, folder: Path) -> tuple[list[object], str, str]:
    """The demo's own IS certificate with one bit of its signature flipped: only the chip can tell."""
    eac = keys / "eac"
    good = CvCertificate.from_bytes((eac / "is.cvcert").read_bytes())
    sig = bytearray(good.signature)
    sig[3] ^= 0x01
    certs = _write(folder, CvCertificate.from_bytes((eac / "dv.cvcert").read_bytes()),
                   CvCertificate.assemble(good.body, bytes(sig)))
    return [*_opts(certs), "--is-key", eac / "is.key"], good.chr, "bad_signature"


def _another_cvca(keys: Path, folder: Path) -> tuple[list[object], str, str]:
    other = make_cv_pki(prefix="X", effective=TODAY)  # a DV and IS of a CVCA this chip does not trust
    return [*_opts(_write(folder, other.dv, other.is_)), "--is-key", _key_file(folder, other.is_key)], \
        other.dv.chr, "no_trust_point"


def _expired(keys: Path, folder: Path) -> tuple[list[object], str, str]:
    dv, cert, private = _under_the_demo_dv(keys, "VNISOLD00001", effective=TODAY - dt.timedelta(days=40),
                                           expiration=TODAY - dt.timedelta(days=10), read_dg3=True)
    return [*_opts(_write(folder, dv, cert)), "--is-key", _key_file(folder, private)], cert.chr, "expired"


def _no_dg3_right(keys: Path, folder: Path) -> tuple[list[object], str, str]:
    dv, cert, private = _under_the_demo_dv(keys, "VNISIRIS0001", effective=TODAY,
                                           expiration=TODAY + dt.timedelta(days=30), read_dg3=False)
    return [*_opts(_write(folder, dv, cert)), "--is-key", _key_file(folder, private)], cert.chr, "insufficient_rights"


def _opts(paths: list[Path]) -> list[object]:
    return [x for p in paths for x in ("--is-cert", p)]


BAD_TERMINALS = {"a certificate the chip refuses": _refused_by_the_chip, "a chain from another CVCA": _another_cvca,
                 "an expired certificate": _expired, "rights without DG3": _no_dg3_right}


@pytest.mark.parametrize("case", list(BAD_TERMINALS))
def test_each_bad_terminal_is_its_own_finding_and_dg3_is_never_read(issued, tmp_path, case):
    keys, card = issued
    options, certificate, reason = BAD_TERMINALS[case](keys, tmp_path / "terminal")
    code, report, err = _verify(card, keys, *options, "--fingers-out", tmp_path / "fingers")
    ta = _check(report, "terminal_authentication")
    assert ta["status"] == "FAILED" and ta["details"]["certificate"] == certificate
    assert ta["details"]["rule"] == reason and certificate in ta["reason"]
    by_chip = "refused by the chip" in ta["reason"]
    assert by_chip == (case == "a certificate the chip refuses")  # the others are refused before anything is sent
    # the terminal's failure, not the chip's: the chip is GENUINE, every other check as without TA
    assert report["verdict"] == "GENUINE" and "Terminal Authentication failed" in report["verdict_reason"]
    assert {c["name"] for c in report["checks"] if c["status"] == "FAILED"} == {"terminal_authentication"}
    assert _check(report, "chip_authentication")["status"] == "PASSED"
    assert _check(report, "active_authentication")["status"] == "PASSED"
    # DG3 never read, never written
    dg3 = _check(report, "read:DG3")
    assert dg3["status"] == "NOT_SUPPORTED" and "Terminal Authentication did not succeed" in dg3["reason"]
    assert "DG3" not in report["files"] and _check(report, "pa:DG3 hash")["status"] == "SKIPPED"
    assert not (tmp_path / "fingers").exists()
    assert code == 2 and err.splitlines()[0].startswith("cardkit: --fingers-out: DG3 was not read")


def test_terminal_options_that_cannot_work_are_input_errors(issued, tmp_path):
    keys, card = issued
    eac = keys / "eac"
    cases = [
        (["--is-key", eac / "is.key"], "--is-key and the PKCS#11 options go with --is-cert"),
        (["--is-cert", eac / "is.cvcert"], "give the inspection system's key"),
        (["--is-cert", eac / "dv.cvcert", "--is-key", eac / "dv.key"], "no terminal certificate among"),
        (["--is-cert", eac / "is.cvcert", "--is-key", eac / "dv.key"], "is not the key of the terminal certificate"),
        (["--is-cert", keys / "csca.pem", "--is-key", eac / "is.key"], "CV certificate"),
        (["--is-cert", eac / "is.cvcert", "--pkcs11-module", "/nonexistent.so"], "go together"),
    ]
    for options, message in cases:
        code, out, err = run("verify", "--sim", card, "--can", "999001", "--trust", keys / "csca.pem", *options,
                             env=ENV)
        assert code == 2 and out == "" and message in err, (options, err)
        assert err.count("\n") == 1
    code, _, err = run("verify", "--dump", tmp_path, "--trust", keys / "csca.pem", *_terminal(keys), env=ENV)
    assert code == 2 and "Terminal Authentication needs the chip, not a dump" in err


def test_the_passphrase_prompt_names_the_key_and_never_echoes(issued, tmp_path):
    keys, card = issued
    code, out, err = run("verify", "--sim", card, "--can", "999001", "--trust", keys / "csca.pem", *_terminal(keys),
                         "--json", input=DEMO_PASSPHRASE.decode() + "\n")
    assert code == 0, err
    assert f"Passphrase of the inspection system private key {keys / 'eac' / 'is.key'}" in err
    assert DEMO_PASSPHRASE.decode() not in out + err
    assert _check(json.loads(out), "terminal_authentication")["status"] == "PASSED"


@pytest.mark.skipif(shutil.which("cvc-create") is None, reason="OpenPACE's cvc-create not installed (Debian openpace)")
def test_an_openpace_eac_pki_from_personalisation_to_the_fingers(issued, tmp_path):
    """OpenPACE's cvc-create makes the CVCA, DV and terminal; cardkit personalises a chip trusting that CVCA and
    reads its fingers with that terminal (the key converted from cvc-create's DER to an encrypted file)."""
    keys, _ = issued
    for name in ("cvca", "dv", "is"):
        genkey(tmp_path / f"{name}.der", "brainpoolP256r1")
    dates = [f"--issued={TODAY - dt.timedelta(days=1):%y%m%d}", f"--expires={TODAY + dt.timedelta(days=60):%y%m%d}",
             "--scheme=ECDSA_SHA_256"]
    cvc_create(tmp_path, "--role=cvca", "--type=is", "--chr=VNCVCAOPACE1", "--sign-with=cvca.der", "--read-finger",
               *dates)
    cvc_create(tmp_path, "--role=dv_domestic", "--chr=VNDVOPACE01", "--sign-with=cvca.der",
               "--sign-as=VNCVCAOPACE1.cvcert", "--key=dv.der", "--read-finger", *dates)
    cvc_create(tmp_path, "--role=terminal", "--chr=VNISOPACE01", "--sign-with=dv.der", "--sign-as=VNDVOPACE01.cvcert",
               "--key=is.der", "--read-finger", *dates)
    card = _personalise(tmp_path, keys, tmp_path / "VNCVCAOPACE1.cvcert")
    is_key = serialization.load_der_private_key((tmp_path / "is.der").read_bytes(), None)
    assert isinstance(is_key, ec.EllipticCurvePrivateKey)
    code, report, err = _verify(card, keys, "--is-cert", tmp_path / "VNDVOPACE01.cvcert", "--is-cert",
                                tmp_path / "VNISOPACE01.cvcert", "--is-key", _key_file(tmp_path, is_key),
                                "--fingers-out", tmp_path / "fingers")
    assert code == 0, err
    ta = _check(report, "terminal_authentication")
    assert ta["status"] == "PASSED" and ta["details"]["trust_points"] == ["VNCVCAOPACE1"], ta
    assert len(report["images_written"]) == 2 and _check(report, "pa:DG3 hash")["status"] == "PASSED"


@pytest.mark.hsm
def test_the_terminal_key_on_a_pkcs11_token(issued, softhsm, tmp_path):  # noqa: F811
    """`pki is issue --hsm-…` makes the IS key on the token; verify signs TA's challenge with it there."""
    keys, card = issued
    env = {**ENV, "IS_PIN": softhsm.pin}
    code, _, err = run("pki", "is", "issue", "--dv", keys / "eac", "--out", tmp_path / "is", "--sequence", "00042",
                       "--hsm-module", softhsm.module, "--hsm-token", softhsm.label, "--hsm-pin-env", "IS_PIN", env=env)
    assert code == 0, err
    (cert,) = (tmp_path / "is").glob("*.cvcert")
    label = json.loads((tmp_path / "is" / "is.json").read_text())["key_label"]
    code, report, err = _verify(card, keys, "--is-cert", keys / "eac" / "dv.cvcert", "--is-cert", cert,
                                "--pkcs11-module", softhsm.module, "--token", softhsm.label, "--key-label", label,
                                "--fingers-out", tmp_path / "fingers", env={**ENV, "CARDKIT_PIN": softhsm.pin})
    assert code == 0, err
    assert _check(report, "terminal_authentication")["status"] == "PASSED"
    assert len(list((tmp_path / "fingers").iterdir())) == 2


@pytest.mark.pcsc
def test_verify_with_ta_through_pcscd(issued, pcsc_stack, tmp_path):  # noqa: F811
    keys, card = issued
    reader = pcsc_insert(pcsc_stack, EmrtdChip.load(card))
    try:
        code, out, err = run("verify", "--reader", reader, "--can", "999001", "--trust", keys / "csca.pem",
                             *_terminal(keys), "--fingers-out", tmp_path / "fingers", "--json", env=ENV)
    finally:
        pcsc_stack.remove()
    assert code == 0, err
    report = json.loads(out)
    assert report["verdict"] == "GENUINE" and _check(report, "terminal_authentication")["status"] == "PASSED"
    assert [p.read_bytes() for p in sorted((tmp_path / "fingers").iterdir())] == [RIGHT.read_bytes(), LEFT.read_bytes()]
