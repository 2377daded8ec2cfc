"""Terminal Authentication on ``cardkit verify`` and ``cardkit read``: the inspection system's credentials in,
the finger and iris images out (Doc 9303-11 §7.1; BSI TR-03110).

- ``--is-cert FILE`` (repeatable; a file may hold several CV certificates one after the other): the
  inspection system's own certificate and its DV's, and CVCA link certificates when the chip may still
  trust an older CVCA key;
- the inspection system's key: ``--is-key FILE``, an encrypted PKCS#8 file (its passphrase from
  ``CARDKIT_PASSPHRASE`` or a prompt naming the file), or a key on a PKCS#11 token (``--pkcs11-module``,
  ``--token``, ``--key-label``; the PIN from ``CARDKIT_PIN`` or a prompt), as ``personalise`` takes the
  Document Signer's;
- ``--fingers-out DIR`` / ``--iris-out DIR``: every image of DG3 / DG4 into DIR, as stored (``_images``).
  A group that was not read (no credentials, TA refused, not on the chip) is one error line after the
  report, exit 2, as for any image asked for that cannot be written.
Without the credentials DG3/DG4 are not read (``read:DG3`` NOT_SUPPORTED), as before, and the signing
side of the PKI is never loaded: the key loaders come through ``cardkit.pki``'s lazy names.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import click

from .. import pki
from ..errors import CardkitError, InputError
from ..inspect import InspectionReport
from ..pki.terminal import TerminalCredentials, load_cv_certificates
from ._images import BIOMETRIC_FILES, ImageResults, write_biometric_images
from ._secrets import ask_secret

__all__ = ["terminal_options", "export_options", "load_terminal", "write_eac_images"]

_F = TypeVar("_F", bound=Callable[..., object])


def terminal_options(fn: _F) -> _F:
    """Add --is-cert, --is-key and the PKCS#11 key options."""
    for opt in reversed([
        click.option("--is-cert", "is_cert", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
                     metavar="FILE", help="Terminal Authentication: the inspection system's CV certificate and its "
                     "DV's (and CVCA link certificates); repeatable, a file may hold several."),
        click.option("--is-key", "is_key", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
                     help="The inspection system's private key (encrypted PKCS#8; passphrase from "
                     "CARDKIT_PASSPHRASE or a prompt)."),
        click.option("--pkcs11-module", metavar="PATH", help="The inspection system's key in an HSM: PKCS#11 module."),
        click.option("--token", metavar="LABEL", help="HSM token label (PIN from CARDKIT_PIN or a prompt)."),
        click.option("--key-label", metavar="LABEL", help="Label of the inspection system's key on the token."),
    ]):
        fn = opt(fn)
    return fn


def export_options(fn: _F) -> _F:
    """Add --fingers-out and --iris-out."""
    fn = click.option("--iris-out", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
                      help="Write every iris image of DG4 into DIR, as stored (needs DG4 read: --is-cert).")(fn)
    fn = click.option("--fingers-out", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
                      help="Write every finger image of DG3 into DIR, as stored: WSQ as .wsq, JPEG 2000 as .jp2 "
                      "(needs DG3 read: --is-cert with its key).")(fn)
    return fn


def load_terminal(is_cert: tuple[Path, ...], is_key: Path | None, pkcs11_module: str | None, token: str | None,
                  key_label: str | None) -> TerminalCredentials | None:
    """The inspection system's credentials of the options, or None when none are given.

    Raises:
        InputError: a key without certificates, none or both kinds of key, an HSM option missing, a file
            that cannot be read or holds no terminal certificate; KeyStoreError: a key that does not open
            or is not the terminal certificate's; ParseError: a file that is not CV certificates.
    """
    hsm = pkcs11_module is not None or token is not None or key_label is not None
    if not is_cert:
        if is_key is not None or hsm:
            raise InputError("--is-key and the PKCS#11 options go with --is-cert (the inspection system's "
                             "certificates)")
        return None
    if (is_key is not None) == hsm:
        raise InputError("give the inspection system's key: --is-key FILE, or --pkcs11-module with --token and "
                         "--key-label")
    certificates = load_cv_certificates(is_cert)
    if is_key is not None:
        passphrase = pki.passphrase_from_env()
        if passphrase is None:
            passphrase = ask_secret(f"Passphrase of the inspection system private key {is_key}",
                                    env="CARDKIT_PASSPHRASE", mention_env=True).encode("utf-8")
        return pki.terminal_from_key_file(certificates, is_key, passphrase)  # type: ignore[no-any-return]
    if not pkcs11_module or not token or not key_label:
        raise InputError("--pkcs11-module, --token and --key-label go together")
    pin = os.environ.get("CARDKIT_PIN") or ask_secret(f"PIN of token {token}", env="CARDKIT_PIN", mention_env=True)
    return pki.terminal_from_pkcs11(certificates, pkcs11_module, token, pin, key_label)  # type: ignore[no-any-return]


def write_eac_images(report: InspectionReport, wanted: dict[str, Path | None], source: Callable[[str], str]
                     ) -> ImageResults:
    """Write the finger (DG3) and iris (DG4) images asked for (kind -> folder) from the files of ``report``.

    A group that was not read is the ``failure``, named with why (the report's ``read:`` check); an image
    that does not decode too, after the others are written.
    """
    results = ImageResults()
    for kind, out in wanted.items():
        if out is None:
            continue
        name, _ = BIOMETRIC_FILES[kind]
        data = report.files.get(name)
        if data is None:
            check = report.check(f"read:{name}")
            why = check.reason if check is not None else "the chip does not list it"
            results.failure = results.failure or InputError(f"--{kind}-out: {name} was not read ({why})")
            continue
        try:
            done = write_biometric_images(kind, data, out, source(name))
        except CardkitError as e:  # the group does not decode, or the folder cannot be made
            results.failure = results.failure or e
            continue
        results.written += done.written
        results.notes += done.notes
        results.failure = results.failure or done.failure
    return results
