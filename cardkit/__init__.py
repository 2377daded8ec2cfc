"""cardkit: personalise and verify ICAO Doc 9303 eMRTD chip ID cards (Vietnam CCCD, ICAO TD1/TD3).

The names a library user needs, each loaded on first use, so ``import cardkit`` costs next to nothing:

- talk to a chip: ``Session`` over a transport (``PcscTransport``, ``SimulatorTransport``,
  ``ReplayTransport``), opened with an ``AccessKey`` (or ``Password.can(...)`` / ``Password.mrz(...)``);
- verify: ``cardkit.inspect.inspect(transport, key=AccessKey.from_can(...), trust=TrustStore.load([...]))`` and
  ``inspect_dump(path, trust)`` give an ``InspectionReport`` with its ``Verdict``;
  ``cardkit.audit.audit(paths, trust_paths, crl_paths)`` gives an ``AuditSummary``;
- read the data: ``decode_file(name, data)``, ``Dg1`` .. ``Dg15``, ``Sod``, ``CardAccess``, ``Mrz``;
- personalise: ``load_profile``, ``load_records``, ``build_card``, ``personalise_card``, ``Ledger``;
- errors: ``CardkitError`` and its subclasses, each carrying the CLI's exit code.

The functions named like their modules (``inspect``, ``audit``) are reached through the module,
since a package attribute cannot be both.
"""

from __future__ import annotations

from ._lazy import lazy_attributes

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (4 ms); mypy and pyright know the name
if TYPE_CHECKING:
    from .audit import AuditItem, AuditSummary
    from .card import (AccessKey, ApduTrace, PcscTransport, ReplayTransport, Session, SimulatorTransport, Transport,
                       list_readers)
    from .checks import Check, Status
    from .crypto.pace import Password
    from .dump import read_dump, write_dump
    from .errors import (AuthenticationError, CardkitError, CardRemovedError, InputError, KeyStoreError, LedgerError,
                         ParseError, ProfileError, ProtocolError, ReaderError, RecordError, SecureMessagingError,
                         StatusWordError, TransportError, UnsupportedAlgorithmError, VerificationError)
    from .inspect import InspectionReport, Verdict, inspect_dump
    from .lds import (CardAccess, CardSecurity, Com, Dg1, Dg2, Dg7, Dg11, Dg12, Dg13Vn, Dg14, Dg15, Dg16, SecurityInfos,
                      Sod, decode_file)
    from .mrz import Mrz, mrz_information
    from .personalise import CardBuild, PersoResult, build_card, personalise_card
    from .pki.signers import KeyFileSigner, Signer
    from .pki.trust import TrustStore
    from .production.ledger import Ledger
    from .production.records import CitizenRecord, load_records
    from .profiles import Profile, load_profile

__version__ = "0.1.0"

# public name -> the module (relative to this package) that defines it
_LAZY = {
    **dict.fromkeys(
        ("CardkitError", "ParseError", "InputError", "RecordError", "ProfileError", "KeyStoreError", "LedgerError",
         "VerificationError", "ProtocolError", "StatusWordError", "AuthenticationError", "SecureMessagingError",
         "UnsupportedAlgorithmError", "TransportError", "CardRemovedError", "ReaderError"), "errors"),
    **dict.fromkeys(("Session", "AccessKey", "Transport", "PcscTransport", "SimulatorTransport", "ReplayTransport", "ApduTrace",
                     "list_readers"), "card"),
    "Password": "crypto.pace",
    "Mrz": "mrz", "mrz_information": "mrz",
    **dict.fromkeys(("decode_file", "Com", "Dg1", "Dg2", "Dg7", "Dg11", "Dg12", "Dg13Vn", "Dg14", "Dg15", "Dg16", "Sod",
                     "CardAccess", "CardSecurity", "SecurityInfos"), "lds"),
    "TrustStore": "pki.trust", "Signer": "pki.signers", "KeyFileSigner": "pki.signers",
    "Check": "checks", "Status": "checks",
    "InspectionReport": "inspect", "Verdict": "inspect", "inspect_dump": "inspect",
    "AuditSummary": "audit", "AuditItem": "audit",
    "read_dump": "dump", "write_dump": "dump",
    "Profile": "profiles", "load_profile": "profiles",
    "CardBuild": "personalise", "PersoResult": "personalise", "build_card": "personalise",
    "personalise_card": "personalise",
    "CitizenRecord": "production.records", "load_records": "production.records", "Ledger": "production.ledger",
}

__all__ = ["__version__", *_LAZY]

__getattr__ = lazy_attributes(__name__, _LAZY)
