"""No secret ever leaves cardkit: not in a repr, a message, a log record, a trace, a report or a ledger row.

Secrets: the CAN, MRZ_information and the keys made from it (K_seed,
K_enc/K_mac, the PACE password K_pi), session keys KS_enc/KS_mac, the chip's AA/CA private keys,
the Document Signer's private key, passphrases and PINs. Each test drives a real flow (the real
simulator, the real Session, the real inspection and personalisation code) with logging at DEBUG,
gathers everything a user or an operator could ever see, and looks for every secret in every form
(text, hex in either case, hex with spaces, raw bytes, base64, decimal for private integers).

Also: the constant-time rule for MACs, tokens and cryptograms is held by an AST scan of
``cardkit/crypto`` and ``simulators`` (a new ``mac == other`` fails the suite), and files that hold
secrets or personal data (chip images, key files, dumps) are checked for their modes and, for key
files, for real encryption.
"""

from __future__ import annotations

import ast
import base64
import hashlib
import json
import logging
import os
import re
import sqlite3
import stat
import traceback
from pathlib import Path
from typing import Any, Iterable

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from cardkit.algorithms import Cipher
from cardkit.card import AccessKey, ApduTrace, Session, SimulatorTransport
from cardkit.crypto.bac import bac_keys
from cardkit.crypto.kdf import kdf
from cardkit.crypto.pace import Password
from cardkit.errors import AuthenticationError, KeyStoreError, SecureMessagingError
from simulators.emrtd import EmrtdChip, Faults
from tests.support import softhsm
from tests.support.cards import make_td1_card, make_td3_card

ROOT = Path(__file__).resolve().parents[1]
CAN = "918273"  # a CAN that is not derived from any printed data, so it can be searched for anywhere
WRONG_CAN = "583961"  # digits unlikely to turn up by chance (timings hold runs of zeros)


# --- finding secrets -------------------------------------------------------------------------------


def forms(secret: Any) -> list[str | bytes]:
    """Every way a secret could be written out: text, hex (both cases, spaced), base64, raw bytes, decimal."""
    out: list[str | bytes] = []
    if isinstance(secret, str):
        out += [secret, secret.encode().hex(), secret.encode().hex().upper()]
        secret = secret.encode()
    if isinstance(secret, int):
        n = secret
        out += [str(n), f"{n:x}", f"{n:X}"]
        secret = n.to_bytes((n.bit_length() + 7) // 8, "big")
    if isinstance(secret, (bytes, bytearray)):
        b = bytes(secret)
        h = b.hex()
        out += [h, h.upper(), " ".join(f"{x:02X}" for x in b), " ".join(f"{x:02x}" for x in b),
                base64.b64encode(b).decode(), b]
    return out


def key_secrets(key: Any) -> list[Any]:
    """The private parts of a cryptography private key: its private value(s) and its PKCS#8 DER."""
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return [key.private_numbers().private_value]  # (the DER's tail is the public key: not a secret)
    if isinstance(key, rsa.RSAPrivateKey):
        n = key.private_numbers()
        return [n.d, n.p, n.q]
    return [der[-32:]]


def mrz_secrets(mrz_information: str) -> list[Any]:
    """MRZ_information, K_seed (BAC), the full SHA-1 (the PACE-MRZ password) and the BAC K_enc / K_mac."""
    h = hashlib.sha1(mrz_information.encode()).digest()
    k_enc, k_mac = bac_keys(h[:16])
    return [mrz_information, h[:16], h, k_enc, k_mac]


def can_secrets(can: str) -> list[Any]:
    """The CAN and the PACE K_pi derived from it for each cipher (Doc 9303-11 §9.7.3)."""
    return [can, *(kdf(can.encode(), 3, c) for c in (Cipher.TDES, Cipher.AES_128, Cipher.AES_256))]


def session_key_secrets(session: Session) -> list[Any]:
    sm = session.secure_messaging
    keys = getattr(sm, "_keys", None) or getattr(sm, "keys", None)
    assert keys is not None, "the test cannot find the session keys to look for"
    return [keys.ks_enc, keys.ks_mac]


def exception_text(e: BaseException) -> str:
    """Everything an exception shows: str, repr, args, attributes, its chain and the formatted traceback."""
    parts = []
    seen = set()
    cur: BaseException | None = e
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        parts += [str(cur), repr(cur), repr(cur.args)]
        parts += [repr(v) for v in vars(cur).values()] if hasattr(cur, "__dict__") else []
        cur = cur.__cause__ or cur.__context__
    parts.append("".join(traceback.format_exception(e)))
    return "\n".join(parts)


def log_text(caplog: pytest.LogCaptureFixture) -> str:
    parts = [caplog.text]
    for r in caplog.records:
        parts += [r.getMessage(), repr(r.args), repr(r.__dict__)]
    return "\n".join(parts)


def assert_clean(where: str, haystack: str | bytes | Iterable[str | bytes], secrets: Iterable[Any]) -> None:
    """Fail naming the place and the kind of secret when any form of any secret is in ``haystack``."""
    items = [haystack] if isinstance(haystack, (str, bytes)) else list(haystack)
    texts = [h for h in items if isinstance(h, str)]
    blobs = [h for h in items if isinstance(h, bytes)] + [t.encode("utf-8", "replace") for t in texts]
    for i, secret in enumerate(secrets):
        for f in forms(secret):
            if isinstance(f, bytes):
                if len(f) < 6:
                    continue  # too short to tell a leak from chance in binary data
                if f.isdigit():
                    pat_b = re.compile(rb"(?<![\d.])" + f + rb"(?!\d)")
                    hit = any(pat_b.search(b) for b in blobs)
                else:
                    hit = any(f in b for b in blobs)
            else:
                if len(f) < 6:
                    continue
                if f.isdigit():
                    # a digit string (a CAN, a decimal key) leaks as a number of its own, not inside a float
                    pat = re.compile(rf"(?<![\d.]){f}(?!\d)")
                    hit = any(pat.search(t) for t in texts)
                else:
                    hit = any(f in t for t in texts)
            assert not hit, f"secret #{i} ({type(secret).__name__}) found in {where} as {f!r:.40}"


@pytest.fixture(autouse=True)
def _debug_logging(caplog):
    caplog.set_level(logging.DEBUG)
    yield


@pytest.fixture(scope="module")
def td1(tmp_path_factory):
    """France TD1 card: PACE (CAN 918273), CA, EC AA."""
    return make_td1_card(tmp_path_factory.mktemp("td1"), can=CAN)


@pytest.fixture(scope="module")
def td3(tmp_path_factory):
    """Netherlands TD3 passport: BAC only, RSA AA."""
    return make_td3_card(tmp_path_factory.mktemp("td3"))


def chip_secrets(chip: EmrtdChip) -> list[Any]:
    out: list[Any] = []
    if chip.secrets.aa_private_key is not None:
        out += key_secrets(chip.secrets.aa_private_key)
    for _kid, k in chip.secrets.ca_keys:
        out += key_secrets(k)
    if chip.secrets.mrz_key is not None:
        out += [chip.secrets.mrz_key]
    return out


# --- access control over the real Session ------------------------------------------------------------


def test_bac_right_and_wrong_keys_leak_nothing(td3, caplog):
    chip, _trust, info = td3
    trace = ApduTrace()
    seen: list[str | bytes] = []
    s = Session(SimulatorTransport(chip), trace=trace)
    s.select_application()
    s.bac(info.mrz_information)
    assert s.access == "BAC"
    s.read_file("DG1")
    secrets = mrz_secrets(info.mrz_information) + session_key_secrets(s) + chip_secrets(chip)
    seen += [repr(s), str(s), repr(s.secure_messaging), str(s.secure_messaging), repr(chip), repr(chip.secrets),
             repr(s.transport), trace.to_json()]
    wrong = info.mrz_information[:-1] + ("1" if info.mrz_information[-1] != "1" else "2")
    for bad in (wrong, "ZZ0000000" + info.mrz_information[9:]):
        s2 = Session(SimulatorTransport(chip), trace=trace)
        s2.select_application()
        with pytest.raises(AuthenticationError) as e:
            s2.bac(bad)
        assert s2.access is None and s2.secure_messaging is None
        seen.append(exception_text(e.value))
        secrets += mrz_secrets(bad)
    seen += [trace.to_json(), log_text(caplog)]
    assert_clean("BAC flows", seen, secrets)


def test_sm_failure_under_bac_leaks_no_session_key(td3, caplog, tmp_path):
    _chip, _trust, info = td3
    chip = EmrtdChip.personalised(info.files, document_number=info.document_number,
                                  date_of_birth=info.date_of_birth, date_of_expiry=info.date_of_expiry,
                                  faults=Faults(wrong_mac=True))
    s = Session(SimulatorTransport(chip), trace=ApduTrace())
    s.select_application()
    s.bac(info.mrz_information)
    keys = session_key_secrets(s)
    with pytest.raises(SecureMessagingError) as e:
        s.read_file("DG1")
    assert_clean("SM failure", [exception_text(e.value), s.trace.to_json(), log_text(caplog), repr(s)],
                 keys + mrz_secrets(info.mrz_information))


@pytest.mark.parametrize("kind", ["can", "mrz"])
def test_pace_right_and_wrong_passwords_leak_nothing(td1, caplog, kind):
    chip, _trust, info = td1
    good = Password.can(CAN) if kind == "can" else Password.mrz(info.mrz_information)
    trace = ApduTrace()
    s = Session(SimulatorTransport(chip), trace=trace)
    s.pace(good)
    assert s.access == "PACE"
    s.select_application()
    s.read_file("DG1")
    secrets = (can_secrets(CAN) + mrz_secrets(info.mrz_information) + session_key_secrets(s)
               + [s.pace_result.keys.ks_enc, s.pace_result.keys.ks_mac] + chip_secrets(chip))
    seen: list[str | bytes] = [repr(good), str(good), repr(s), repr(s.pace_result), str(s.pace_result),
                               repr(s.secure_messaging), repr(chip), repr(chip.secrets)]
    bad = Password.can(WRONG_CAN) if kind == "can" else Password.mrz("ZZ0000000" + info.mrz_information[9:])
    secrets += can_secrets(WRONG_CAN) if kind == "can" else mrz_secrets("ZZ0000000" + info.mrz_information[9:])
    s2 = Session(SimulatorTransport(chip), trace=trace)
    with pytest.raises(AuthenticationError) as e:
        s2.pace(bad)
    assert s2.access is None and s2.secure_messaging is None
    seen += [exception_text(e.value), repr(bad), trace.to_json(), log_text(caplog)]
    assert_clean(f"PACE-{kind} flows", seen, secrets)


def test_default_trace_redacts_access_control_and_sm_payloads(td1):
    """The default trace keeps headers and status words only: nothing an attacker could grind offline."""
    chip, _trust, _info = td1
    trace = ApduTrace()
    s = Session(SimulatorTransport(chip), trace=trace)
    s.pace(Password.can(CAN))
    s.select_application()
    dg1 = s.read_file("DG1")
    text = trace.to_json()
    assert "redacted" in text
    # DG1 holds the MRZ (personal data): neither its text nor its bytes are in a redacted trace.
    assert_clean("redacted trace", text, [dg1[5:35], dg1[5:35].decode("ascii")])
    # The PACE exchange (encrypted nonce, public keys, tokens) is redacted too: the chip's ephemeral key.
    assert_clean("redacted trace", text, [s.pace_result.chip_public_key[1:33]])


def test_an_unredacted_trace_is_never_readable_by_others_even_briefly(td1, tmp_path, monkeypatch):
    """An unredacted trace holds the BAC/PACE transcript (offline MRZ/CAN guessing) and personal data."""
    chip, _trust, _info = td1
    trace = ApduTrace(redact=False)
    s = Session(SimulatorTransport(chip), trace=trace)
    s.pace(Password.can(CAN))
    modes: list[int] = []
    real_write_text = Path.write_text

    def spy(self, *args, **kwargs):  # the mode the file has the moment the data is in it
        n = real_write_text(self, *args, **kwargs)
        modes.append(stat.S_IMODE(self.stat().st_mode))
        return n

    monkeypatch.setattr(Path, "write_text", spy)
    real_open = os.open

    def spy_open(path, flags, mode=0o777, *a, **kw):
        fd = real_open(path, flags, mode, *a, **kw)
        modes.append(stat.S_IMODE(os.fstat(fd).st_mode))
        return fd

    monkeypatch.setattr(os, "open", spy_open)
    old = os.umask(0o022)
    try:
        trace.write(tmp_path / "trace.json")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "trace.json").stat().st_mode) == 0o600
    assert modes and all(m & 0o077 == 0 for m in modes), [oct(m) for m in modes]


# --- inspection: report, report.json, dump modes ------------------------------------------------------


@pytest.mark.parametrize("secret", ["right", "wrong"])
def test_inspect_report_and_dump_leak_nothing(td1, caplog, tmp_path, secret):
    from cardkit.inspect import inspect

    chip, trust, info = td1
    can = CAN if secret == "right" else WRONG_CAN
    out = tmp_path / "dump"
    report = inspect(SimulatorTransport(chip), key=AccessKey.from_can(can), trust=trust, out_dir=out, trace=ApduTrace())
    if secret == "right":
        assert report.verdict == "GENUINE"
    else:
        assert report.verdict == "INCOMPLETE"
    secrets = can_secrets(CAN) + can_secrets(WRONG_CAN) + mrz_secrets(info.mrz_information) + chip_secrets(chip)
    seen: list[str | bytes] = [json.dumps(report.to_dict(), ensure_ascii=False), repr(report), str(report),
                               log_text(caplog)]
    for check in report.checks:
        seen += [repr(check), str(check.reason), repr(getattr(check, "details", None))]
    for p in out.rglob("*"):
        if p.is_file():
            seen.append(p.read_bytes())
    assert_clean("inspection", seen, secrets)
    # The dump holds personal data: owner-only directory and files.
    assert stat.S_IMODE(out.stat().st_mode) & 0o077 == 0
    files = [p for p in out.rglob("*") if p.is_file()]
    assert files and all(stat.S_IMODE(p.stat().st_mode) & 0o077 == 0 for p in files)


def test_the_access_key_refuses_bad_holder_input_without_echoing_it():
    from cardkit.errors import InputError

    for make, secret in ((AccessKey.from_can, "12a456"), (AccessKey.from_mrz_information, "Ä1234567890123456789012345"),
                         (AccessKey.from_vn_id_number, "00109001234X")):
        with pytest.raises(InputError) as e:
            make(secret)
        assert_clean("input error", exception_text(e.value), [secret])


@pytest.mark.parametrize("make", ["can", "mrz", "vn", "can+mrz"])
def test_the_access_key_shows_its_kind_never_its_value(make):
    import copy
    import pickle

    mrz = "L898902C<369080619406236"
    key = {"can": lambda: AccessKey.from_can("482915"), "mrz": lambda: AccessKey.from_mrz_information(mrz),
           "vn": lambda: AccessKey.from_vn_id_number("001090482915"),
           "can+mrz": lambda: AccessKey.from_can("482915", mrz_information=mrz)}[make]()
    shown = repr(key) + str(key) + f"{key}" + repr([key])
    assert "<redacted>" in shown
    assert_clean("access key", [shown], ["482915", "001090482915", mrz, "L898902C"])
    with pytest.raises(TypeError):
        pickle.dumps(key)
    with pytest.raises(TypeError):
        copy.copy(key)


# --- the command line: read / verify output, with CARDKIT_DEBUG on -------------------------------------------


@pytest.mark.parametrize("command", ["verify", "read"])
@pytest.mark.parametrize("secret", ["right", "wrong"])
def test_cli_read_and_verify_print_no_secret(td1, tmp_path, capsys, caplog, monkeypatch, command, secret):
    from cardkit import cli

    chip, _trust, info = td1
    monkeypatch.setenv("CARDKIT_DEBUG", "1")  # even the debugging output must not carry a secret
    image = tmp_path / "card.image"
    chip.save(image)
    can = CAN if secret == "right" else WRONG_CAN
    args = [command, "--sim", str(image), "--can", can, "--json"]
    args += ["--trust", str(info.csca_path)] if command == "verify" else ["--out", str(tmp_path / "dump"),
                                                                       "--trace", str(tmp_path / "trace.json")]
    try:
        code = cli.main(args)
    except SystemExit as e:  # click may exit on its own
        code = e.code
    out, err = capsys.readouterr()
    if secret == "right":
        assert code == 0, out + err
    else:
        assert code == 3, out + err
    seen: list[str | bytes] = [out, err, log_text(caplog)]
    seen += [p.read_bytes() for p in tmp_path.rglob("*") if p.is_file() and p != image]
    assert_clean(f"cardkit {command}", seen, can_secrets(CAN) + can_secrets(WRONG_CAN)
                 + mrz_secrets(info.mrz_information) + chip_secrets(chip))


@pytest.mark.parametrize("flag", ["-v", "--debug"])
@pytest.mark.parametrize("card,key", [("td1", "can"), ("td1", "wrong-can"), ("td1", "mrz"), ("td3", "mrz")],
                         ids=["pace-can", "pace-wrong-can", "pace-mrz", "bac-mrz"])
def test_cli_logs_and_timed_traces_leak_no_key_and_no_payload(td1, td3, tmp_path, caplog, card, key, flag):
    """-v and --debug print steps and each APDU with its time; the CAN, the MRZ data and the files' bytes never."""
    from tests.support.cli import run_cli

    chip, _trust, info = td1 if card == "td1" else td3
    image, trace = tmp_path / "card.image", tmp_path / "trace.json"
    chip.save(image)
    given = {"can": ["--can", CAN], "wrong-can": ["--can", WRONG_CAN], "mrz": ["--mrz-info", info.mrz_information]}
    code, out, err = run_cli(flag, "verify", "--sim", image, *given[key], "--trust", info.csca_path, "--json",
                             "--trace", trace)
    assert code == (3 if key == "wrong-can" else 0), out + err
    apdus = [line for line in err.splitlines() if " DEBUG " in line and " -> " in line]
    if flag == "--debug":
        assert len(apdus) >= 5 and all(re.search(r" \d+\.\d\d ms$", line) for line in apdus), err
    else:
        assert not apdus and " INFO " in err and ("read DG1" in err or key == "wrong-can"), err
    entries = json.loads(trace.read_text())["entries"]
    assert all(isinstance(e["ms"], float) for e in entries if e["dir"] == "C"), entries[:3]
    seen: list[str | bytes] = [err, trace.read_text(), log_text(caplog)]
    assert_clean(f"cardkit {flag} verify", seen, can_secrets(CAN) + can_secrets(WRONG_CAN)
                 + mrz_secrets(info.mrz_information) + chip_secrets(chip))
    # no payload at all in the log: not the MRZ of DG1, not the document number it holds
    dg1 = info.files["DG1"]
    assert_clean(f"cardkit {flag} verify log", err, [dg1[5:35], dg1[5:35].decode("ascii"), info.document_number])


def test_cli_audit_json_of_a_dump_holds_no_secret(td1, tmp_path, capsys, caplog):
    from cardkit import cli
    from cardkit.inspect import inspect

    chip, trust, info = td1
    dump = tmp_path / "dumps" / "one"
    assert inspect(SimulatorTransport(chip), key=AccessKey.from_can(CAN), trust=trust, out_dir=dump).verdict == "GENUINE"
    code = cli.main(["audit", str(tmp_path / "dumps"), "--trust", str(info.csca_path), "--jobs", "1", "--json",
                     "--report", str(tmp_path / "audit.json")])
    out, err = capsys.readouterr()
    assert code == 0, out + err
    seen = [out, err, (tmp_path / "audit.json").read_text(), log_text(caplog)]
    assert_clean("cardkit audit", seen, can_secrets(CAN) + mrz_secrets(info.mrz_information) + chip_secrets(chip))


def test_the_leak_detector_finds_every_form():
    """The detector itself can fail: each form of a secret is found, short or unrelated strings are not."""
    key = bytes(range(16))
    for leak in (key.hex(), key.hex().upper(), " ".join(f"{b:02X}" for b in key), base64.b64encode(key).decode()):
        with pytest.raises(AssertionError, match="secret #0"):
            assert_clean("test", ["ok", f"prefix {leak} suffix"], [key])
    with pytest.raises(AssertionError):
        assert_clean("test", [b"\x00" + key + b"\x00"], [key])
    with pytest.raises(AssertionError):
        assert_clean("test", ["can=918273"], [CAN])
    assert_clean("test", ["took 0.918273 ms", "id 0019182735"], [CAN])  # a number inside another is chance
    with pytest.raises(AssertionError):
        assert_clean("test", [f"d={0xDEADBEEFCAFE:x}"], [0xDEADBEEFCAFE])
    assert_clean("test", ["nothing to see", b"\x00\x01"], [key, CAN])


# --- the simulator ---------------------------------------------------------------------------------------


def test_simulator_image_is_0600_and_its_errors_hold_no_secret(td1, tmp_path, caplog):
    from cardkit.errors import ParseError

    chip, _trust, _info = td1
    path = tmp_path / "chip.image"
    # A world-readable leftover (an old image, a temporary file of an interrupted save) must not pass its mode on.
    path.write_text("old")
    path.chmod(0o644)
    (tmp_path / "chip.image.tmp").write_text("left over")
    (tmp_path / "chip.image.tmp").chmod(0o666)
    old = os.umask(0)  # even a permissive umask must not open the image to others
    try:
        chip.save(path)
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = EmrtdChip.load(path)
    assert chip_secrets(again) == chip_secrets(chip)
    # A damaged image: the error names the file, never the secrets inside it.
    text = path.read_text()
    doc = json.loads(text)
    broken = tmp_path / "broken.image"
    broken.write_text(text[: len(text) // 2])
    with pytest.raises(ParseError) as e:
        EmrtdChip.load(broken)
    seen = [exception_text(e.value)]
    doc["version"] = 999
    broken.write_text(json.dumps(doc))
    with pytest.raises(ParseError) as e:
        EmrtdChip.load(broken)
    seen += [exception_text(e.value), log_text(caplog)]
    assert_clean("simulator image errors", seen, chip_secrets(chip) + [CAN])


def test_simulator_answers_wrong_secrets_with_status_words_only(td1):
    """A chip never raises and never echoes: a wrong BAC cryptogram is a bare 6300."""
    chip, _trust, _info = td1
    chip.power_on()
    assert chip.process_apdu(bytes.fromhex("00A4040C07A0000002471001")) == b"\x90\x00"
    chal = chip.process_apdu(bytes.fromhex("0084000008"))
    assert chal[-2:] == b"\x90\x00"
    resp = chip.process_apdu(bytes.fromhex("0082000028") + bytes(40) + b"\x28")
    assert resp == b"\x63\x00"


# --- keys: passphrases, PINs, key files -----------------------------------------------------------------


def test_encrypted_key_file_is_0600_really_encrypted_and_errors_hold_no_passphrase(tmp_path, caplog):
    from cardkit.pki.signers import load_encrypted_key, write_encrypted_key

    key = ec.generate_private_key(ec.SECP256R1())
    passphrase = b"c0rrect-h0rse-battery"
    path = tmp_path / "ds.key"
    old = os.umask(0)
    try:
        write_encrypted_key(path, key, passphrase)
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    data = path.read_bytes()
    assert_clean("key file", data, key_secrets(key))
    if data.startswith(b"-----"):
        assert data.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
        with pytest.raises(TypeError):  # cryptography: "Password was not given but private key is encrypted"
            serialization.load_pem_private_key(data, None)
    else:
        with pytest.raises(TypeError):
            serialization.load_der_private_key(data, None)
    assert load_encrypted_key(path, passphrase).private_numbers() == key.private_numbers()
    seen = []
    for wrong in (b"wrong-passphrase-42", passphrase[:-1]):
        with pytest.raises(KeyStoreError) as e:
            load_encrypted_key(path, wrong)
        seen.append(exception_text(e.value))
    # A key file others can read is refused before any decryption is tried.
    os.chmod(path, 0o644)
    with pytest.raises(KeyStoreError, match="chmod 600"):
        load_encrypted_key(path, passphrase)
    os.chmod(path, 0o600)
    # A plaintext key is refused: cardkit keeps private keys encrypted only.
    plain = tmp_path / "plain.key"
    plain.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption()))
    os.chmod(plain, 0o600)
    with pytest.raises(KeyStoreError) as e:
        load_encrypted_key(plain, passphrase)
    seen += [exception_text(e.value), log_text(caplog)]
    assert_clean("key store errors", seen, [passphrase, b"wrong-passphrase-42", passphrase.decode(),
                                            *key_secrets(key)])


def test_passphrase_from_environment_never_reaches_a_message(tmp_path, monkeypatch):
    from cardkit.pki.signers import KeyFileSigner, write_encrypted_key

    key = ec.generate_private_key(ec.SECP256R1())
    write_encrypted_key(tmp_path / "k.key", key, b"env-passphrase-1234")
    monkeypatch.setenv("CARDKIT_PASSPHRASE", "wrong-env-passphrase-99")
    with pytest.raises(KeyStoreError) as e:
        KeyFileSigner.load(tmp_path / "k.key", None)
    assert_clean("KeyFileSigner.load", exception_text(e.value), ["wrong-env-passphrase-99", "env-passphrase-1234"])


def test_hsm_pin_never_reaches_a_message(tmp_path):
    if softhsm.softhsm_available() is not None:
        pytest.skip(softhsm.softhsm_available())
    from cardkit.pki.hsm import open_session

    with softhsm.softhsm_token(tmp_path) as tok:
        wrong = "98765432" if tok.pin != "98765432" else "12340000"
        with pytest.raises(KeyStoreError) as e:
            open_session(tok.module, tok.label, wrong)
        assert_clean("HSM errors", [exception_text(e.value), repr(tok)], [wrong, tok.pin])


# --- personalisation and the ledger ---------------------------------------------------------------------


def test_personalisation_and_ledger_leak_nothing(pki, tmp_path, caplog):
    from cardkit.personalise import build_card, mrz_for
    from cardkit.production.batch import SimulatorSource, run_batch
    from cardkit.production.ledger import Ledger
    from cardkit.production.records import RecordResult
    from cardkit.profiles import load_profile
    from tests.support.perso import sample_record

    profile = load_profile("icao-td1")
    record = sample_record(77)
    mrz_info = mrz_for(record, profile).mrz_information
    build = build_card(record, profile, pki.ds_signer)
    build_repr = repr(build)
    build.wipe()
    from simulators.emrtd import EmrtdChip

    source = SimulatorSource(tmp_path / "chips", EmrtdChip, EmrtdChip.load)
    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        summary = run_batch([RecordResult(line=1, record=record)],
                            profile=profile, signer=pki.ds_signer, trust=pki.trust, ledger=ledger, source=source,
                            batch="sec")
        assert summary.issued == 1, summary
        rows = [repr(e) for e in ledger.rows()]
    chip = source.chips[0]
    con = sqlite3.connect(tmp_path / "ledger.sqlite")
    dump = "\n".join(con.iterdump())
    con.close()
    secrets = (mrz_secrets(mrz_info) + chip_secrets(chip) + key_secrets(pki.ds_signer.private_key)
               + ([build.can] if build.can and build.can not in record.id_number else []))
    seen: list[str | bytes] = [dump, *rows, build_repr, repr(summary), json.dumps(summary.to_dict(), default=str),
                               log_text(caplog)]
    assert_clean("personalisation / ledger", seen, secrets)
    images = list((tmp_path / "chips").glob("*.image"))
    assert images and all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in images)
    # The ledger holds personal ID numbers: owner-only, journal files included.
    ledger_files = list(tmp_path.glob("ledger.sqlite*"))
    assert ledger_files and all(stat.S_IMODE(p.stat().st_mode) & 0o077 == 0 for p in ledger_files)


def test_cli_key_ceremony_and_personalise_leak_no_passphrase_or_key(tmp_path, capsys, caplog, monkeypatch):
    """`cardkit pki init-csca / issue-ds` then `cardkit personalise` with the passphrase in the environment."""
    from cardkit import cli
    from cardkit.pki.signers import load_encrypted_key
    from cardkit.production.records import load_records

    passphrase = "ceremony-Passphrase-7731"
    monkeypatch.setenv("CARDKIT_PASSPHRASE", passphrase)
    monkeypatch.setenv("CARDKIT_DEBUG", "1")
    keys = tmp_path / "keys"
    assert cli.main(["pki", "init-csca", "--country", "VN", "--out", str(keys / "csca")]) == 0
    assert cli.main(["pki", "issue-ds", "--csca", str(keys / "csca"), "--out", str(keys / "ds")]) == 0
    assert cli.main(["pki", "cvca", "init", "--country", "VN", "--out", str(keys / "cvca")]) == 0
    for role in ("csca", "ds", "cvca"):
        key_file = keys / role / f"{role}.key"
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        data = key_file.read_bytes()
        assert b"ENCRYPTED" in data or not data.startswith(b"-----")
        with pytest.raises((TypeError, ValueError)):  # not loadable without the passphrase
            (serialization.load_pem_private_key if data.startswith(b"-----") else
             serialization.load_der_private_key)(data, None)
    ds_key = load_encrypted_key(keys / "ds" / "ds.key", passphrase.encode())
    csca_key = load_encrypted_key(keys / "csca" / "csca.key", passphrase.encode())
    cvca_key = load_encrypted_key(keys / "cvca" / "cvca.key", passphrase.encode())
    src = ROOT / "examples" / "vn-citizens.csv"
    lines = src.read_text(encoding="utf-8").splitlines()
    records = tmp_path / "one.csv"
    first = lines[1].replace(",photos/", f",{ROOT / 'examples' / 'photos'}/")  # photos are relative to the CSV
    first = first.replace(",fingers/", f",{ROOT / 'examples' / 'fingers'}/")
    records.write_text(lines[0] + "\n" + first + "\n", encoding="utf-8")
    (record,) = [r.record for r in load_records(records)]
    sim, ledger = tmp_path / "sim", tmp_path / "ledger.sqlite"
    code = cli.main(["personalise", "--profile", "vn-cccd", "--records", str(records), "--ds", str(keys / "ds"),
                     "--trust", str(keys / "csca" / "csca.pem"), "--sim", str(sim), "--ledger", str(ledger),
                     "--cvca", str(keys / "cvca" / "cvca.cvcert"), "--json"])
    out, err = capsys.readouterr()
    assert code == 0, out + err
    (image,) = sim.glob("*.image")
    assert stat.S_IMODE(image.stat().st_mode) == 0o600
    chip = EmrtdChip.load(image)
    con = sqlite3.connect(ledger)
    dump = "\n".join(con.iterdump())
    con.close()
    # A wrong passphrase: exit 2, one line, and neither passphrase in it.
    monkeypatch.setenv("CARDKIT_PASSPHRASE", "wrong-Passphrase-0042")
    code = cli.main(["personalise", "--profile", "vn-cccd", "--records", str(records), "--ds", str(keys / "ds"),
                     "--trust", str(keys / "csca" / "csca.pem"), "--sim", str(tmp_path / "sim2"),
                     "--ledger", str(tmp_path / "l2.sqlite"), "--cvca", str(keys / "cvca" / "cvca.cvcert"), "--json"])
    out2, err2 = capsys.readouterr()
    assert code == 2, out2 + err2
    seen = [out, err, out2, err2, dump, log_text(caplog)]
    seen += [p.read_bytes() for p in keys.rglob("*") if p.is_file() and not p.name.endswith(".key")]
    secrets = ([passphrase, "wrong-Passphrase-0042"] + key_secrets(ds_key) + key_secrets(csca_key)
               + key_secrets(cvca_key) + mrz_secrets(record.to_mrz().mrz_information) + chip_secrets(chip))
    assert_clean("key ceremony + personalise", seen, secrets)


# --- constant-time comparison: an AST guard ---------------------------------------------------------------

_AUTHENTICATOR_WORDS = ("mac", "token", "cryptogram", "tag", "cc", "checksum", "digest", "signature", "auth")


def _authenticator_name(node: ast.AST) -> str | None:
    """The name of a variable/attribute/subscript/call that looks like an authenticator, else None."""
    name = None
    if isinstance(node, ast.Name):
        name = node.id
    elif isinstance(node, ast.Attribute):
        name = node.attr
    elif isinstance(node, ast.Subscript):
        return _authenticator_name(node.value)
    elif isinstance(node, ast.Call):
        return _authenticator_name(node.func)
    if name is None:
        return None
    words = name.lower().strip("_").split("_")
    if "len" in words:
        return None
    # ``tag`` alone is a TLV tag number (an int), compared by design; t_ifd/t_pcd tokens are covered by "token".
    if name.lower() in ("tag", "tags", "key_tag", "outer_tag", "expected_tag"):
        return None
    return name if any(w in _AUTHENTICATOR_WORDS for w in words) else None


def _int_like(node: ast.AST) -> bool:
    return (isinstance(node, ast.Constant) and isinstance(node.value, (int, str, type(None)))) or (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "len")


def non_constant_time_comparisons(paths: Iterable[Path]) -> list[str]:
    """``a == b`` / ``a != b`` where a side is named like a MAC, token, cryptogram or tag (not a length/int)."""
    found = []
    for path in paths:
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Compare):
                continue
            operands = [node.left, *node.comparators]
            for op, (a, b) in zip(node.ops, zip(operands, operands[1:])):
                if not isinstance(op, (ast.Eq, ast.NotEq)) or _int_like(a) or _int_like(b):
                    continue
                name = _authenticator_name(a) or _authenticator_name(b)
                if name:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(node)}")
    return found


def _py_files(*dirs: str) -> list[Path]:
    return sorted(p for d in dirs for p in (ROOT / d).rglob("*.py"))


def test_no_equality_comparison_of_macs_tokens_or_cryptograms():
    """MACs, tokens and cryptograms are compared with hmac.compare_digest only (timing side channel)."""
    found = non_constant_time_comparisons(_py_files("cardkit/crypto", "simulators"))
    assert not found, "use hmac.compare_digest / _primitives.mac_equal:\n" + "\n".join(found)


def test_the_constant_time_guard_can_fail(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("def f(mac, data):\n    expected_mac = data[:8]\n    if expected_mac != mac:\n        return 1\n"
                   "    if token_ifd == got[8:]:\n        return 2\n    if len(mac) == 8 and tag == 0x8E:\n"
                   "        return 3\n")
    old = ROOT
    try:
        globals()["ROOT"] = tmp_path
        found = non_constant_time_comparisons([bad])
    finally:
        globals()["ROOT"] = old
    assert [f.split(":")[1] for f in found] == ["3", "5"]
