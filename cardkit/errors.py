"""One exception hierarchy for cardkit.

Every error raised on purpose by cardkit is a ``CardkitError``. Each subclass
belongs to one layer and carries an ``exit_code`` that the CLI uses (docs/ARCHITECTURE.md):

    0  success; the chip is GENUINE
    1  verification failed: NOT_GENUINE, or the data is authentic but the chip not proven
    2  usage or input error (bad file, bad record, bad profile, missing key)
    3  card or reader error (no card, removed, wrong password, protocol failure, chip
       data that cannot be used: a card's fault is never exit 2)
    4  internal error (a bug)
    5  unknown issuer: no trust anchor for the document (a verdict, not an exception:
       ``cardkit.inspect.Verdict.UNKNOWN_ISSUER``)
    6  the ledger's database could not be reached or went away mid-batch (re-run to resume)
    7  a personalisation batch finished with rejected records (``cardkit personalise``)
  130  interrupted (Ctrl-C); the batch says how to resume

Rule: no secret (MRZ key seed, CAN, PIN, session key, private key, passphrase)
is ever put into a message or an attribute of these exceptions.
"""

from __future__ import annotations

__all__ = [
    "CardkitError",
    "ParseError",
    "InputError",
    "RecordError",
    "ProfileError",
    "KeyStoreError",
    "LedgerError",
    "LedgerUnavailableError",
    "VerificationError",
    "ProtocolError",
    "StatusWordError",
    "AuthenticationError",
    "SecureMessagingError",
    "UnsupportedAlgorithmError",
    "TransportError",
    "CardRemovedError",
    "ReaderError",
]


class CardkitError(Exception):
    """Root of every error cardkit raises on purpose."""

    exit_code: int = 4


# --- input (exit 2) ---------------------------------------------------------


class InputError(CardkitError):
    """Bad input given by the user: a file, an option, a record, a profile."""

    exit_code = 2


class ParseError(InputError):
    """Bytes or text that do not decode as the format they claim to be.

    Attributes:
        what: the object being parsed ("DG1", "BER-TLV", "MRZ line 2" ...).
        offset: byte (or character) offset where decoding failed, if known.
        path: tags of the enclosing TLVs, outermost first, appended while unwinding.
        source: the file or record the bytes came from, if known.
    """

    def __init__(
        self,
        message: str,
        *,
        what: str | None = None,
        offset: int | None = None,
        path: tuple[int, ...] = (),
        source: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.what = what
        self.offset = offset
        self.path = tuple(path)
        self.source = source

    def within(self, *, tag: int | None = None, what: str | None = None, source: str | None = None) -> "ParseError":
        """Return this error with context added by an enclosing parser (tag prepended to path)."""
        if tag is not None:
            self.path = (tag, *self.path)
        if what is not None and self.what is None:
            self.what = what
        if source is not None and self.source is None:
            self.source = source
        return self

    def __str__(self) -> str:
        parts = []
        if self.source:
            parts.append(self.source)
        if self.what:
            parts.append(self.what)
        if self.path:
            parts.append("/".join(f"{t:X}" for t in self.path))
        if self.offset is not None:
            parts.append(f"offset {self.offset}")
        where = ", ".join(parts)
        return f"{where}: {self.message}" if where else self.message


class RecordError(InputError):
    """A citizen record that is not correct, complete and clean ("đúng, đủ, sạch").

    Attributes:
        record: the record's identifier or line number in its file.
        reasons: every problem found, not just the first.
    """

    def __init__(self, record: str, reasons: list[str] | tuple[str, ...]) -> None:
        self.record = record
        self.reasons = tuple(reasons)
        super().__init__(f"record {record}: " + "; ".join(self.reasons))


class ProfileError(InputError):
    """A card profile that is missing a key or has a wrong value (names the key)."""


class KeyStoreError(InputError):
    """A key or certificate that cannot be loaded: missing file, wrong passphrase, no such HSM object."""


class LedgerError(CardkitError):
    """The issuance ledger refused an operation (e.g. a document number issued twice)."""

    exit_code = 2


# --- verification (exit 1) ---------------------------------------------------


class VerificationError(CardkitError):
    """A signature, hash, certificate chain or chip proof that does not verify."""

    exit_code = 1


# --- card and reader (exit 3) -----------------------------------------------


class ProtocolError(CardkitError):
    """The chip and the terminal disagree: unexpected answer, wrong state, bad cryptogram.

    Attributes:
        step: the protocol step that failed ("BAC EXTERNAL AUTHENTICATE", "PACE GA 2" ...).
    """

    exit_code = 3

    def __init__(self, message: str, *, step: str | None = None) -> None:
        super().__init__(f"{step}: {message}" if step else message)
        self.step = step


class StatusWordError(ProtocolError):
    """The chip answered a status word other than the one expected."""

    def __init__(self, sw: int, *, step: str | None = None, meaning: str | None = None) -> None:
        self.sw = sw
        text = f"card answered {sw:04X}"
        if meaning:
            text += f" ({meaning})"
        super().__init__(text, step=step)


class AuthenticationError(ProtocolError):
    """Access control failed: wrong MRZ data, CAN, or key (the secret itself is never named)."""


class SecureMessagingError(ProtocolError):
    """A secure-messaging response whose MAC or structure is wrong; the session is over."""


class UnsupportedAlgorithmError(ProtocolError):
    """The chip offers a protocol only in variants cardkit does not implement (no PACEInfo it knows ...)."""


class TransportError(CardkitError):
    """The reader or the link to the chip failed."""

    exit_code = 3


class CardRemovedError(TransportError):
    """The card left the reader (or was never there)."""


class ReaderError(TransportError):
    """No PC/SC service, no such reader, or the reader went away."""


class LedgerUnavailableError(LedgerError):
    """The ledger's database could not be reached or went away (nothing is lost: re-run to resume)."""

    exit_code = 6
