"""Opening an inspection system's key for Terminal Authentication: a key file or a PKCS#11 token.

Which certificate is the terminal's is decided by the key: the terminal certificate whose public key
is the key's (ICAO Doc 9303-11 §7.1; BSI TR-03110-3 §2). Loading checks that once, so a wrong key is an
input error here and not a chip's refusal later. The signer signs as the terminal certificate's TA
algorithm says (hash, PSS), plain r ‖ s for ECDSA (``TaSignerAdapter``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..crypto.cvc import CvCertificate, Role
from ..errors import CardkitError, InputError, KeyStoreError
from .cvc import CvSigner, TaSignerAdapter, key_matches
from .hsm import Pkcs11Signer, open_session
from .signers import KeyFileSigner
from .terminal import TerminalCredentials

__all__ = ["terminal_from_key_file", "terminal_from_pkcs11"]


def _terminal_of(certificates: Sequence[CvCertificate], signer: CvSigner, key_name: str) -> CvCertificate:
    """The terminal certificate whose public key is the signer's."""
    terminals = [c for c in certificates if c.role is Role.TERMINAL]
    if not terminals:
        raise InputError("no terminal certificate among the certificates given (CHRs: "
                         f"{', '.join(c.chr for c in certificates)}): TA needs the inspection system's own")
    for cert in terminals:
        if key_matches(signer.public_key(), cert.public_key):
            return cert
    raise KeyStoreError(f"{key_name} is not the key of the terminal certificate "
                        f"{' or '.join(c.chr for c in terminals)}")


def terminal_from_key_file(certificates: Sequence[CvCertificate], key: Path | str,
                           passphrase: bytes | None) -> TerminalCredentials:
    """Credentials with the key in an encrypted PKCS#8 file (``cardkit pki is issue`` writes one).

    Raises:
        InputError: no terminal certificate given. KeyStoreError: the file cannot be opened with
            ``passphrase``, or holds the key of none of the terminal certificates.
    """
    opened = KeyFileSigner.load(key, None, passphrase)
    terminal = _terminal_of(certificates, opened, str(key))
    algorithm = terminal.public_key.algorithm
    signer = KeyFileSigner(opened.private_key, None, algorithm.hash, algorithm.pss)
    return TerminalCredentials(tuple(certificates), terminal, TaSignerAdapter(signer, algorithm))


def terminal_from_pkcs11(certificates: Sequence[CvCertificate], module: str, token: str, pin: str,
                         key_label: str) -> TerminalCredentials:
    """Credentials with the key on a PKCS#11 token, found by its label (the session stays open until ``close``).

    Raises:
        InputError: no terminal certificate given. KeyStoreError: no python-pkcs11, no such token or key,
            a refused PIN, or a key that is not a terminal certificate's.
    """
    session = open_session(module, token, pin)  # KeyStoreError without python-pkcs11
    import pkcs11  # the optional extra, present once a session opened

    try:
        probe = Pkcs11Signer.for_new_key(session, key_label)
        terminal = _terminal_of(certificates, probe, f"the key labelled {key_label!r} on token {token!r}")
    except (pkcs11.NoSuchKey, pkcs11.MultipleObjectsReturned):
        session.close()
        raise KeyStoreError(f"no single private key labelled {key_label!r} on token {token!r}") from None
    except CardkitError:
        session.close()
        raise
    algorithm = terminal.public_key.algorithm
    signer = Pkcs11Signer.for_new_key(session, key_label, hash_algorithm=algorithm.hash, pss=algorithm.pss)
    return TerminalCredentials(tuple(certificates), terminal, TaSignerAdapter(signer, algorithm), session.close)
