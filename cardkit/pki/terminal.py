"""An inspection system's credentials for Terminal Authentication: its CV certificates and its key's signer.

A terminal reading DG3/DG4 (ICAO Doc 9303-11 §7.1; BSI TR-03110-3 §2) holds its own certificate (role
terminal), the DV certificate that issued it and, when the chip may still trust an older CVCA key, the
CVCA link certificates; the chip's trust point picks the path (``cardkit.pki.cvc_chain``). The key
signs the chip's challenge and lives in an encrypted PKCS#8 file or behind PKCS#11, as a Document
Signer's does.

``TerminalCredentials`` never shows the key (``repr`` names the terminal and counts certificates);
``close`` ends a PKCS#11 session. This module holds no signing code, so that a terminal that never
runs TA loads none: the keys are opened by ``cardkit.pki.terminal_keys``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .. import tlv
from ..crypto.cvc import CvCertificate
from ..crypto.ta import TaSigner
from ..errors import InputError, ParseError

__all__ = ["TerminalCredentials", "load_cv_certificates", "MAX_CHAIN_FILE"]

MAX_CHAIN_FILE = 64 * 1024  # bytes: a few certificates; a CV certificate is at most a few hundred bytes
_MAX_IN_FILE = 16  # certificates in one file: a terminal's, its DV's and CVCA links


@dataclass(frozen=True, repr=False)
class TerminalCredentials:
    """The certificates a terminal sends in TA and the signer of its terminal certificate's key.

    Attributes:
        certificates: every certificate given (terminal, DV, CVCA links, a CVCA), in the order given.
        terminal: the terminal certificate whose key ``signer`` holds.
        signer: signs TA's challenge as TA needs it (plain r ‖ s for ECDSA).
    """

    certificates: tuple[CvCertificate, ...]
    terminal: CvCertificate
    signer: TaSigner
    _close: Callable[[], None] | None = field(default=None, compare=False)

    @property
    def terminal_chr(self) -> str:
        """The terminal certificate's holder reference (CHR)."""
        return self.terminal.chr

    def close(self) -> None:
        """End the PKCS#11 session holding the key, if there is one (a key file holds nothing open)."""
        if self._close is not None:
            self._close()

    def __repr__(self) -> str:
        return f"TerminalCredentials({self.terminal_chr}, {len(self.certificates)} certificates, <key redacted>)"


def load_cv_certificates(paths: Sequence[Path | str]) -> tuple[CvCertificate, ...]:
    """Every CV certificate of the files given; a file may hold one, or several one after the other.

    Raises:
        InputError: no file given, or a file that cannot be read or is too large.
        ParseError: a file whose bytes are not CV certificates (names the file).
    """
    if not paths:
        raise InputError("no CV certificate file given")
    found: list[CvCertificate] = []
    for p in map(Path, paths):
        try:
            with p.open("rb") as f:
                data = f.read(MAX_CHAIN_FILE + 1)
        except OSError as e:
            raise InputError(f"cannot read {p}: {e.strerror}") from None
        if len(data) > MAX_CHAIN_FILE:
            raise InputError(f"{p}: larger than {MAX_CHAIN_FILE} bytes, not a file of CV certificates")
        try:
            parts = tlv.decode_all(data)
        except ParseError as e:
            raise ParseError(f"not CV certificates (binary 7F21, one after the other): {e}",
                             what="CV certificate file", source=str(p)) from None
        if not parts or len(parts) > _MAX_IN_FILE:
            raise ParseError(f"{len(parts)} certificates; a file holds 1 to {_MAX_IN_FILE}", what="CV certificate file",
                             source=str(p))
        found += [CvCertificate.from_bytes(t.raw, source=str(p)) for t in parts]
    return tuple(found)
