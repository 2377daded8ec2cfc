"""``cardkit pki``: make a CSCA, Document Signers, a Master List signer, link certificates, CRLs and
master lists, and lint certificates against the 9303-12 profile.

Keys go to an encrypted PKCS#8 file (passphrase from ``CARDKIT_PASSPHRASE`` or a prompt that
does not echo and names the key it protects) or into a PKCS#11 token
(``--hsm-module/--hsm-token/--hsm-pin-env``; the PIN is read from the named environment variable
and never stored). Each signer directory is laid out as ``cardkit.pki.keystore`` says;
``issue-ds`` also puts the issuing CSCA's certificate there (``csca.pem``), so that the folder
handed to a production line holds the trust anchor of its read-back check
(``cardkit personalise --ds DIR``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from ..algorithms import SIGNING_CURVES
from ..errors import InputError
from ..pki.certs import generate_private_key, make_crl, make_csca, make_ds, make_link, make_ml_signer
from ..pki.hsm import Pkcs11Signer, store_certificate
from ..pki.keystore import load_role_certificate, load_signer, save_signer
from ..pki.lint import lint
from ..pki.sod_builder import build_master_list
from ..pki.sources import read_certificate_file
from ..pki.signers import KeyFileSigner, load_certificate, passphrase_from_env
from ._hsm import hsm_options, new_hsm_key
from ._secrets import ask_secret
from .pki_cv import cv_groups

__all__ = ["pki"]

_KEY_TYPES = ["rsa-2048", "rsa-3072", "rsa-4096", *(f"ec-{token}" for token in SIGNING_CURVES)]


_ROLES = {"csca": "CSCA", "ds": "Document Signer", "ml": "Master List signer"}


def _ask_passphrase(directory: Path, role: str, *, new: bool = False) -> bytes:
    """The passphrase of ``role``'s key file in ``directory``, asked for by name (a new one: twice)."""
    key = directory / f"{role}.key"
    prompt = (f"New passphrase to encrypt the {_ROLES[role]} private key {key}" if new
              else f"Passphrase of the {_ROLES[role]} private key {key}")
    return ask_secret(prompt, env="CARDKIT_PASSPHRASE", confirm=new, mention_env=True).encode("utf-8")


def _passphrase(directory: Path, role: str) -> bytes:
    return passphrase_from_env() or _ask_passphrase(directory, role, new=True)


def _signing_options(f: Any) -> Any:
    f = click.option("--pss/--pkcs1", default=True, show_default=True, help="RSA keys: RSASSA-PSS or PKCS#1 v1.5.")(f)
    f = click.option("--hash", "hash_algorithm", default="sha256", show_default=True,
                     type=click.Choice(["sha256", "sha384", "sha512"]), help="Signature hash.")(f)
    f = click.option("--key-type", default="ec-p256", show_default=True, type=click.Choice(_KEY_TYPES))(f)
    return f


def _new_key(out: Path, role: str, key_type: str, hash_algorithm: str, pss: bool,
             hsm_module: str | None, hsm_token: str | None, hsm_pin_env: str | None) -> tuple[Any, dict[str, Any]]:
    """A signer over a new key (file or HSM) and the keyword arguments for ``save_signer``."""
    is_rsa = key_type.startswith("rsa")
    if hsm_module:
        session, hsm = new_hsm_key(out, f"cardkit-{role}", key_type, hsm_module, hsm_token, hsm_pin_env)
        signer = Pkcs11Signer.for_new_key(session, hsm["key_label"], hash_algorithm=hash_algorithm, pss=pss and is_rsa)
        return signer, {"hsm": hsm, "hash_algorithm": hash_algorithm, "pss": pss and is_rsa}
    key = generate_private_key(key_type)
    passphrase = _passphrase(out, role)
    return KeyFileSigner(key, None, hash_algorithm, pss and is_rsa), {
        "private_key": key, "passphrase": passphrase, "hash_algorithm": hash_algorithm, "pss": pss and is_rsa}


def _finish(out: Path, role: str, signer: Any, cert: Any, save_kwargs: dict[str, Any]) -> None:
    if "hsm" in save_kwargs:
        store_certificate(signer.session, save_kwargs["hsm"]["key_label"], cert)
        signer.close()
    save_signer(out, role, cert, **save_kwargs)
    click.echo(f"{role}: {cert.subject.rfc4514_string()} serial {cert.serial_number:X} -> {out}")


def _write(out: Path, data: bytes) -> None:
    """Write an output file; a path that cannot be written is an input error naming it."""
    try:
        out.write_bytes(data)
    except OSError as e:
        raise InputError(f"{out}: cannot write ({e.strerror or e})") from None


def _check_out(out: Path, role: str) -> None:
    for suffix in (".pem", ".key", ".json"):
        if (out / f"{role}{suffix}").exists():
            raise InputError(f"{out / (role + suffix)} exists; choose another --out")


def _issuer_copy(out: Path, csca: Any) -> tuple[Path, bytes]:
    """Where issue-ds puts the issuing CSCA's certificate, and its PEM; refuses to replace another CSCA's."""
    from cryptography.hazmat.primitives import serialization

    path, pem = out / "csca.pem", csca.certificate.public_bytes(serialization.Encoding.PEM)
    if path.exists() and (not path.is_file() or path.read_bytes() != pem):
        raise InputError(f"{path} exists and is not the certificate of this CSCA; choose another --out")
    return path, pem


@click.group("pki")
def pki() -> None:
    """CSCA, Document Signer, CRL and master list tools (ICAO 9303-12)."""


@pki.command("init-csca")
@click.option("--country", required=True, help="ISO 3166 alpha-2 country code, e.g. VN.")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path), help="Signer directory.")
@click.option("--cn", "common_name", default=None, help="Common name (default: CSCA <country>).")
@click.option("--org", "organization", default=None, help="Organization name.")
@click.option("--validity-days", default=15 * 365, show_default=True, type=click.IntRange(1, 40 * 365))
@click.option("--key-usage-days", default=5 * 365, show_default=True, type=click.IntRange(1, 40 * 365))
@_signing_options
@hsm_options
def init_csca(country: str, out: Path, common_name: str | None, organization: str | None, validity_days: int,
              key_usage_days: int, key_type: str, hash_algorithm: str, pss: bool, hsm_module: str | None,
              hsm_token: str | None, hsm_pin_env: str | None) -> None:
    """Create a self-signed CSCA key and certificate in OUT."""
    _check_out(out, "csca")
    signer, kw = _new_key(out, "csca", key_type, hash_algorithm, pss, hsm_module, hsm_token, hsm_pin_env)
    cert = make_csca(signer, country=country.upper(), common_name=common_name or f"CSCA {country.upper()}",
                     organization=organization, validity_days=validity_days, key_usage_days=key_usage_days)
    _finish(out, "csca", signer, cert, kw)


def _load_csca(csca: Path) -> Any:
    return load_signer(csca, "csca", ask_passphrase=lambda: _ask_passphrase(csca, "csca"))


@pki.command("issue-ds")
@click.option("--csca", required=True, type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--cn", "common_name", default=None, help="Common name (default: Document Signer <country>).")
@click.option("--org", "organization", default=None)
@click.option("--doc-type", "doc_types", multiple=True, default=("ID",), show_default=True,
              help="documentTypeList entry (repeatable), e.g. ID, P.")
@click.option("--validity-days", default=90 + 10 * 365, show_default=True, type=click.IntRange(1, 40 * 365))
@click.option("--key-usage-days", default=90, show_default=True, type=click.IntRange(1, 40 * 365))
@_signing_options
@hsm_options
def issue_ds(csca: Path, out: Path, common_name: str | None, organization: str | None, doc_types: tuple[str, ...],
             validity_days: int, key_usage_days: int, key_type: str, hash_algorithm: str, pss: bool,
             hsm_module: str | None, hsm_token: str | None, hsm_pin_env: str | None) -> None:
    """Issue a Document Signer key and certificate in OUT, signed by the CSCA in CSCA.

    OUT also gets the CSCA's certificate (csca.pem): the trust anchor that `cardkit personalise
    --ds OUT` checks each card against when it reads it back.
    """
    _check_out(out, "ds")
    ca = _load_csca(csca)
    issuer_path, issuer_pem = _issuer_copy(out, ca)
    from cryptography.x509.oid import NameOID

    country = str(ca.certificate.subject.get_attributes_for_oid(NameOID.COUNTRY_NAME)[0].value)
    signer, kw = _new_key(out, "ds", key_type, hash_algorithm, pss, hsm_module, hsm_token, hsm_pin_env)
    cert = make_ds(ca, signer.public_key(), common_name=common_name or f"Document Signer {country}",
                   organization=organization, document_types=doc_types, validity_days=validity_days,
                   key_usage_days=key_usage_days)
    _finish(out, "ds", signer, cert, kw)
    _write(issuer_path, issuer_pem)
    click.echo(f"csca: the issuing CSCA's certificate -> {issuer_path} (the trust anchor of personalise --ds {out})")


@pki.command("issue-ml-signer")
@click.option("--csca", required=True, type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--cn", "common_name", default="Master List Signer")
@_signing_options
@hsm_options
def issue_ml_signer(csca: Path, out: Path, common_name: str, key_type: str, hash_algorithm: str, pss: bool,
                    hsm_module: str | None, hsm_token: str | None, hsm_pin_env: str | None) -> None:
    """Issue a Master List signer key and certificate in OUT, signed by the CSCA in CSCA."""
    _check_out(out, "ml")
    ca = _load_csca(csca)
    signer, kw = _new_key(out, "ml", key_type, hash_algorithm, pss, hsm_module, hsm_token, hsm_pin_env)
    cert = make_ml_signer(ca, signer.public_key(), common_name=common_name)
    _finish(out, "ml", signer, cert, kw)


@pki.command("link")
@click.option("--old", "old", required=True, type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--new", "new", required=True, type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
def link(old: Path, new: Path, out: Path) -> None:
    """Make a link certificate: the new CSCA's key, signed by the old CSCA's key."""
    from cryptography.hazmat.primitives import serialization

    new_csca = load_role_certificate(new, "csca")
    old_signer = _load_csca(old)
    if new_csca.public_key() == old_signer.certificate.public_key():
        raise InputError(f"{old} and {new} hold the same CSCA key: a link certificate joins an old key to a new one")
    cert = make_link(new_csca, old_signer)
    _write(out, cert.public_bytes(serialization.Encoding.PEM))
    click.echo(f"link: {cert.issuer.rfc4514_string()} -> {cert.subject.rfc4514_string()} -> {out}")


@pki.command("crl")
@click.option("--csca", required=True, type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--revoke", "revoke", multiple=True, type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="Certificate to revoke (repeatable).")
@click.option("--number", "crl_number", default=1, show_default=True, type=click.IntRange(0))
@click.option("--next-update-days", default=90, show_default=True, type=click.IntRange(1, 3650))
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
def crl(csca: Path, revoke: tuple[Path, ...], crl_number: int, next_update_days: int, out: Path) -> None:
    """Issue a CRL from the CSCA listing the given certificates."""
    from cryptography.hazmat.primitives import serialization

    ca = _load_csca(csca)
    certs = [load_certificate(p) for p in revoke]
    for c in certs:
        if c.issuer != ca.certificate.subject:
            raise InputError(f"{c.subject.rfc4514_string()} was not issued by this CSCA")
    result = make_crl(ca, certs, crl_number=crl_number, next_update_days=next_update_days)
    _write(out, result.public_bytes(serialization.Encoding.DER))
    click.echo(f"CRL #{crl_number}: {len(certs)} revoked -> {out}")


@pki.command("master-list")
@click.option("--signer", required=True, type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="Master List signer directory (from issue-ml-signer).")
@click.option("--csca", "cscas", required=True, multiple=True, type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
def master_list(signer: Path, cscas: tuple[Path, ...], out: Path) -> None:
    """Build a CSCA Master List (CMS SignedData over CscaMasterList) signed by the ML signer."""
    ml = load_signer(signer, "ml", ask_passphrase=lambda: _ask_passphrase(signer, "ml"))
    _write(out, build_master_list([load_certificate(p) for p in cscas], ml))
    click.echo(f"master list: {len(cscas)} CSCA certificates -> {out}")


@pki.command("lint")
@click.argument("cert", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--role", type=click.Choice(["csca", "link", "ds", "ml_signer"]), default=None,
              help="Profile to check against (default: from the certificate).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def lint_cmd(cert: Path, role: str | None, as_json: bool) -> None:
    """Check CERT against the 9303-12 certificate profile; exit 1 on any departure."""
    from rich.console import Console
    from rich.table import Table

    checks = lint(read_certificate_file(cert), role)
    failed = [c for c in checks if c.failed]
    if as_json:
        click.echo(json.dumps({"certificate": str(cert), "conforms": not failed,
                               "checks": [c.to_dict() for c in checks]}, indent=2))
    else:
        table = Table(title=f"{cert}: 9303-12 profile")
        for col in ("rule", "status", "detail"):
            table.add_column(col)
        for c in checks:
            style = "red" if c.failed else "green"
            table.add_row(c.name, f"[{style}]{c.status.value}[/{style}]", c.reason)
        Console().print(table)
        click.echo(f"{len(failed)} departure(s) from the profile" if failed else "conforms to the profile")
    if failed:
        raise click.exceptions.Exit(1)


# the EAC PKI (TR-03110-3 CV certificates): cvca, dv, is, cv
for _group in cv_groups():
    pki.add_command(_group)
