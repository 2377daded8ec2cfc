"""eMRTD PKI (Doc 9303-12): certificates, signers, EF.SOD signing, trust store, Passive Authentication.

Names are imported lazily so that ``import cardkit.pki`` stays cheap and python-pkcs11 is
needed only by code that uses an HSM.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "Signer", "KeyFileSigner", "Pkcs11Signer", "write_encrypted_key",
    "make_csca", "make_link", "make_ds", "make_ml_signer", "make_crl", "generate_private_key",
    "build_sod", "build_master_list", "parse_master_list", "lint",
    "TrustStore", "passive_authentication", "PassiveAuthResult",
    "TerminalCredentials", "load_cv_certificates", "terminal_from_key_file", "terminal_from_pkcs11",
    "passphrase_from_env",
]

_WHERE = {
    "Signer": "signers", "KeyFileSigner": "signers", "write_encrypted_key": "signers", "Pkcs11Signer": "hsm",
    "make_csca": "certs", "make_link": "certs", "make_ds": "certs", "make_ml_signer": "certs",
    "make_crl": "certs", "generate_private_key": "certs", "build_sod": "sod_builder",
    "build_master_list": "sod_builder", "parse_master_list": "masterlist", "lint": "lint",
    "TrustStore": "trust", "passive_authentication": "passive", "PassiveAuthResult": "passive",
    "TerminalCredentials": "terminal", "load_cv_certificates": "terminal",
    "terminal_from_key_file": "terminal_keys", "terminal_from_pkcs11": "terminal_keys",
    "passphrase_from_env": "signers",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
