"""``cardkit pki cvca|dv|is|cv``: the EAC PKI of card verifiable certificates (BSI TR-03110-3).

A CVCA (self-signed, its key carrying the domain parameters) certifies Document Verifiers, which
certify inspection systems; ``cvca link`` certifies a new CVCA key with the old one. Keys go to an
encrypted PKCS#8 file (passphrase from ``CARDKIT_PASSPHRASE`` or a prompt that does not echo) or a
PKCS#11 token; DV and terminal keys are made on the CVCA's curve, as they inherit its domain
parameters. Each signer directory is laid out as ``cardkit.pki.cvc_store`` says.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import click
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from ..algorithms import TaAlgorithm, ta_algorithm
from ..crypto.cvc import Chat, CvCertificate, Role
from ..crypto.cvc_keys import CvEcPublicKey, resolve_key
from ..errors import InputError
from ..pki.certs import generate_private_key
from ..pki.cvc import CvCertificateBuilder, CvSigner, load_cv_certificate
from ..pki.cvc_chain import validate_chain
from ..pki.cvc_store import check_free, load_cv_signer, save_cv_signer
from ..pki.hsm import Pkcs11Signer
from ..pki.signers import KeyFileSigner, passphrase_from_env
from ..public_keys import EcPublicKey
from ._hsm import hsm_options, new_hsm_key
from ._secrets import ask_secret

__all__ = ["cv_groups"]

_KEY_TYPES = ["ec-p256", "ec-p384", "ec-p521", "ec-brainpoolp256r1", "ec-brainpoolp384r1", "ec-brainpoolp512r1",
              "rsa-2048", "rsa-3072"]
# cryptography's curve name -> the key type that makes a key on it (DV and terminal keys follow their CVCA)
_KEY_TYPE_OF_CURVE = {"secp256r1": "ec-p256", "secp384r1": "ec-p384", "secp521r1": "ec-p521",
                      "brainpoolP256r1": "ec-brainpoolp256r1", "brainpoolP384r1": "ec-brainpoolp384r1",
                      "brainpoolP512r1": "ec-brainpoolp512r1"}


def _passphrase(confirm: bool) -> bytes:
    return passphrase_from_env() or ask_secret("Key passphrase", env="CARDKIT_PASSPHRASE",
                                               confirm=confirm).encode("utf-8")


def _load(directory: Path, role: str) -> tuple[CvCertificate, CvSigner]:
    return load_cv_signer(directory, role, ask_passphrase=lambda: _passphrase(False))


def _new_key(out: Path, role: str, key_type: str, algorithm: TaAlgorithm, hsm_module: str | None,
             hsm_token: str | None, hsm_pin_env: str | None) -> tuple[CvSigner, dict[str, Any]]:
    """A signer over a new key (file or HSM) and the keyword arguments for ``save_cv_signer``."""
    kw: dict[str, Any] = {"hash_algorithm": algorithm.hash, "pss": algorithm.pss}
    if hsm_module:
        session, kw["hsm"] = new_hsm_key(out, f"cardkit-cv-{role}", key_type, hsm_module, hsm_token, hsm_pin_env)
        return Pkcs11Signer.for_new_key(session, kw["hsm"]["key_label"], hash_algorithm=algorithm.hash,
                                        pss=algorithm.pss), kw
    key = generate_private_key(key_type)
    kw.update(private_key=key, passphrase=_passphrase(confirm=True))
    return KeyFileSigner(key, None, algorithm.hash, algorithm.pss), kw


def _holder_options(mnemonic: str, days: int) -> Any:
    def wrap(f: Any) -> Any:
        f = click.option("--effective", type=click.DateTime(["%Y-%m-%d"]), default=None,
                         help="Effective date (default: today, UTC; TR-03110 wants the date of generation).")(f)
        f = click.option("--validity-days", default=days, show_default=True, type=click.IntRange(1, 20 * 365))(f)
        f = click.option("--read-dg4/--no-read-dg4", default=True, show_default=True,
                         help="Read access to DG4 (iris).")(f)
        f = click.option("--read-dg3/--no-read-dg3", default=True, show_default=True,
                         help="Read access to DG3 (fingerprints).")(f)
        f = click.option("--sequence", default="00001", show_default=True, help="5-character sequence number.")(f)
        f = click.option("--mnemonic", default=mnemonic, show_default=True, help="Holder mnemonic (0-9 characters).")(f)
        f = click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
                         help="Signer directory to create.")(f)
        return hsm_options(f)
    return wrap


def _dates(effective: dt.datetime | None, days: int, issuer: CvCertificate | None) -> tuple[dt.date, dt.date]:
    start = effective.date() if effective else dt.datetime.now(dt.timezone.utc).date()
    end = start + dt.timedelta(days=days)
    if issuer is not None and end > issuer.expiration_date:
        raise InputError(f"the certificate would outlive its issuer {issuer.chr} (expires {issuer.expiration_date}); "
                         "shorten --validity-days")
    if not (2000 <= start.year and end.year <= 2099):
        raise InputError("CV certificate dates must lie in 2000-2099")
    return start, end


def _chr(country: str, mnemonic: str, sequence: str) -> str:
    if len(mnemonic) > 9:
        raise InputError(f"holder mnemonic {mnemonic!r} is longer than 9 characters")
    if len(sequence) != 5:
        raise InputError(f"sequence number {sequence!r} is not 5 characters")
    return country.upper() + mnemonic + sequence.upper()


def _issue(out: Path, role: str, issuer_dir: Path, issuer_role: str, holder_role: Role, country: str | None,
           mnemonic: str, sequence: str, read_dg3: bool, read_dg4: bool, effective: dt.datetime | None,
           days: int, hsm: tuple[str | None, str | None, str | None]) -> None:
    """Issue a DV or terminal certificate under the signer in ``issuer_dir``, with a new key on its curve."""
    check_free(out, role)
    issuer, issuer_signer = _load(issuer_dir, issuer_role)
    algorithm = issuer.public_key.algorithm
    chr = _chr(country or issuer.chr[:2], mnemonic, sequence)
    start, end = _dates(effective, days, issuer)
    signer, kw = _new_key(out, role, _key_type_of(issuer_signer.public_key()), algorithm, *hsm)
    cert = (CvCertificateBuilder().certification_authority_reference(issuer.chr).holder_reference(chr)
            .public_key(signer.public_key(), algorithm, domain_parameters=False)
            .authorization(Chat.inspection_system(holder_role, read_dg3=read_dg3, read_dg4=read_dg4))
            .validity(start, end).sign(issuer_signer, issuer=issuer))
    _finish(out, role, signer, cert, kw)


def _key_type_of(key: object) -> str:
    if isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name in _KEY_TYPE_OF_CURVE:
        return _KEY_TYPE_OF_CURVE[key.curve.name]
    if isinstance(key, rsa.RSAPublicKey):
        return f"rsa-{key.key_size}"
    raise InputError("the issuer's key is of a type CV certificates cannot carry")


def _finish(out: Path, role: str, signer: CvSigner, cert: CvCertificate, kw: dict[str, Any]) -> None:
    if "hsm" in kw and isinstance(signer, Pkcs11Signer):
        signer.close()
    save_cv_signer(out, role, cert, **kw)
    rights = ", ".join(cert.chat.rights()) or "no rights"
    click.echo(f"{role}: {cert.chr} (CAR {cert.car}) {cert.public_key.algorithm.name}, "
               f"{cert.effective_date} .. {cert.expiration_date}, {rights} -> {out}")


@click.group("cvca")
def cvca() -> None:
    """Country Verifying CA: the root of the EAC PKI (TR-03110-3 §2.1)."""


@cvca.command("init")
@click.option("--country", required=True, help="ISO 3166-1 alpha-2 country code, e.g. VN.")
@click.option("--key-type", default="ec-brainpoolp256r1", show_default=True, type=click.Choice(_KEY_TYPES))
@click.option("--hash", "hash_algorithm", default="sha256", show_default=True,
              type=click.Choice(["sha224", "sha256", "sha384", "sha512"]), help="Signature hash (TA algorithm).")
@click.option("--pss/--pkcs1", default=True, show_default=True, help="RSA keys: RSASSA-PSS or PKCS#1 v1.5.")
@_holder_options("CVCA", 3 * 365)
def cvca_init(country: str, key_type: str, hash_algorithm: str, pss: bool, out: Path, mnemonic: str, sequence: str,
              read_dg3: bool, read_dg4: bool, validity_days: int, effective: dt.datetime | None,
              hsm_module: str | None, hsm_token: str | None, hsm_pin_env: str | None) -> None:
    """Create a CVCA key and its self-signed CV certificate (with domain parameters) in OUT."""
    if len(country) != 2 or not country.isascii() or not country.isalpha():
        raise InputError(f"country {country!r} is not an ISO 3166-1 alpha-2 code")
    check_free(out, "cvca")
    family = "RSA" if key_type.startswith("rsa") else "ECDSA"
    try:
        algorithm = ta_algorithm(family, hash_algorithm, pss=pss)
    except KeyError as e:
        raise InputError(f"{e.args[0]}; TR-03110 names RSA with SHA-1/256/512 only") from None
    chr = _chr(country, mnemonic, sequence)
    start, end = _dates(effective, validity_days, None)
    signer, kw = _new_key(out, "cvca", key_type, algorithm, hsm_module, hsm_token, hsm_pin_env)
    cert = (CvCertificateBuilder().certification_authority_reference(chr).holder_reference(chr)
            .public_key(signer.public_key(), algorithm, domain_parameters=True)
            .authorization(Chat.inspection_system(Role.CVCA, read_dg3=read_dg3, read_dg4=read_dg4))
            .validity(start, end).sign(signer))
    _finish(out, "cvca", signer, cert, kw)


@cvca.command("link")
@click.option("--old", "old", required=True, type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--new", "new", required=True, type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
def cvca_link(old: Path, new: Path, out: Path) -> None:
    """A CVCA link certificate: the new CVCA's key, signed by the old CVCA's key (9303-11 §7.1.4.3.2)."""
    new_cert = load_cv_certificate(new / "cvca.cvcert")
    old_cert, old_signer = _load(old, "cvca")
    if new_cert.chr == old_cert.chr:
        raise InputError(f"old and new CVCA are both {old_cert.chr}")
    if isinstance(new_cert.public_key, CvEcPublicKey) and new_cert.public_key.curve is None:
        raise InputError(f"{new / 'cvca.cvcert'} carries no domain parameters")
    link = (CvCertificateBuilder().certification_authority_reference(old_cert.chr).holder_reference(new_cert.chr)
            .public_key(_public_key_of(new_cert), new_cert.public_key.algorithm, domain_parameters=True)
            .authorization(new_cert.chat).validity(new_cert.effective_date, new_cert.expiration_date)
            .sign(old_signer, issuer=old_cert))
    _write(out, link.to_bytes())
    click.echo(f"link: {old_cert.chr} -> {new_cert.chr} -> {out}")


def _public_key_of(cert: CvCertificate) -> object:
    """The ``cryptography`` key of a certificate that carries its domain parameters (a CVCA's)."""
    key = resolve_key(cert.public_key, None).key
    if isinstance(key, EcPublicKey):
        pub = key.to_cryptography()
        if pub is None:
            raise InputError(f"{cert.chr}: curve {key.curve.name} cannot sign here")
        return pub
    return key


def _write(out: Path, data: bytes) -> None:
    try:
        out.write_bytes(data)
    except OSError as e:
        raise InputError(f"{out}: cannot write ({e.strerror or e})") from None


@click.group("dv")
def dv() -> None:
    """Document Verifiers: certified by a CVCA, they certify inspection systems (TR-03110-3 §2.2)."""


@dv.command("issue")
@click.option("--cvca", "cvca_dir", required=True, type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--country", default=None, help="The DV's country (default: the CVCA's).")
@click.option("--foreign", is_flag=True, help="An official foreign DV (default: domestic).")
@_holder_options("DV", 90)
def dv_issue(cvca_dir: Path, country: str | None, foreign: bool, out: Path, mnemonic: str, sequence: str,
             read_dg3: bool, read_dg4: bool, validity_days: int, effective: dt.datetime | None,
             hsm_module: str | None, hsm_token: str | None, hsm_pin_env: str | None) -> None:
    """Issue a DV key and certificate in OUT, signed by the CVCA in CVCA_DIR."""
    _issue(out, "dv", cvca_dir, "cvca", Role.DV_FOREIGN if foreign else Role.DV_DOMESTIC, country, mnemonic,
           sequence, read_dg3, read_dg4, effective, validity_days, (hsm_module, hsm_token, hsm_pin_env))


@click.group("is")
def is_group() -> None:
    """Inspection systems: the terminals that run Terminal Authentication (TR-03110-3 C.4.1)."""


@is_group.command("issue")
@click.option("--dv", "dv_dir", required=True, type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--country", default=None, help="The terminal's country (default: the DV's).")
@_holder_options("IS", 30)
def is_issue(dv_dir: Path, country: str | None, out: Path, mnemonic: str, sequence: str, read_dg3: bool,
             read_dg4: bool, validity_days: int, effective: dt.datetime | None, hsm_module: str | None,
             hsm_token: str | None, hsm_pin_env: str | None) -> None:
    """Issue an inspection system key and certificate in OUT, signed by the DV in DV_DIR."""
    _issue(out, "is", dv_dir, "dv", Role.TERMINAL, country, mnemonic, sequence, read_dg3, read_dg4, effective,
           validity_days, (hsm_module, hsm_token, hsm_pin_env))


@click.group("cv")
def cv() -> None:
    """Read and check CV certificates."""


def _describe(cert: CvCertificate, path: Path) -> dict[str, Any]:
    key = cert.public_key
    key_info: dict[str, Any] = {"algorithm": key.algorithm.name, "oid": key.algorithm.oid}
    if isinstance(key, CvEcPublicKey):
        key_info.update(curve=key.curve.name if key.curve else "inherited from the CVCA",
                        domain_parameters=key.curve is not None)
    else:
        key_info.update(rsa_bits=key.modulus.bit_length())
    return {
        "file": str(path), "profile_identifier": cert.body.profile_identifier, "car": cert.car, "chr": cert.chr,
        "role": cert.role.name, "terminal_type": cert.chat.terminal_type or cert.chat.terminal_type_oid,
        "authorization": cert.chat.template.hex().upper(), "rights": cert.chat.rights(),
        "effective_date": cert.effective_date.isoformat(), "expiration_date": cert.expiration_date.isoformat(),
        "public_key": key_info, "extensions": [e.name for e in cert.body.extensions],
        "signature_bytes": len(cert.signature), "sha256": hashlib.sha256(cert.raw).hexdigest(),
    }


@cv.command("show")
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def cv_show(file: Path, as_json: bool) -> None:
    """Decode the CV certificate in FILE."""
    doc = _describe(load_cv_certificate(file), file)
    if as_json:
        click.echo(json.dumps(doc, indent=2))
        return
    for name, value in doc.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k} {v}" for k, v in value.items())
        elif isinstance(value, list):
            value = ", ".join(value) or "none"
        click.echo(f"{name.replace('_', ' ')}: {value}")


@cv.command("verify")
@click.argument("chain", nargs=-1, required=True, type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--trust", "trust", multiple=True, required=True,
              type=click.Path(dir_okay=False, exists=True, path_type=Path), help="A trusted CVCA certificate.")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Check dates as of this day.")
@click.option("--terminal/--any-role", default=True, show_default=True, help="The chain must end at a terminal.")
def cv_verify(chain: tuple[Path, ...], trust: tuple[Path, ...], today: dt.datetime | None, terminal: bool) -> None:
    """Validate CHAIN (trust point side first) against the --trust CVCA certificates; exit 1 if refused."""
    day = today.date() if today else dt.datetime.now(dt.timezone.utc).date()
    result = validate_chain([load_cv_certificate(p) for p in chain], [load_cv_certificate(p) for p in trust], day,
                            terminal=terminal)
    click.echo(f"valid: {result.trust_point} -> {' -> '.join(c.chr for c in result.certificates)}; "
               f"effective role {result.role.name}, rights: {', '.join(result.authorization.rights()) or 'none'}")


def cv_groups() -> list[click.Group]:
    """The EAC command groups, to register on ``cardkit pki``."""
    return [cvca, dv, is_group, cv]
