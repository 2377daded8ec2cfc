"""Suite-wide test settings and the fixtures every area shares.

- a bounded hypothesis profile, so the whole suite stays fast;
- ``pki``: the shared test PKI (``tests.support.pki.shared_pki()``: a TEST CSCA for VN and one
  Document Signer, P-256, keys in memory), for tests that need a valid PKI and nothing special;
  tests that need another one call ``tests.support.pki.make_pki`` (the one factory);
- every test starts without the cardkit environment variables (passphrase, PIN, CAN, the settings
  of ``cardkit.cli._config`` ...) and with ``XDG_CONFIG_HOME`` at an empty folder, so neither a value
  exported in the developer's shell nor their ``~/.config/cardkit/config.toml`` can change what a
  test sees; a test that needs one sets it;
- ``audit_corpus``: dumps and EF.SODs, good and bad, for the audit tests of the library and the CLI;
- ``pcsc_stack`` (pcscd + the vpcd reader, ``tests.support.pcsc``) and ``softhsm`` (a SoftHSM2 token in
  a temp dir, ``tests.support.softhsm``) for the tests marked pcsc and hsm.
"""

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from cardkit.cli._config import SETTINGS
from tests.support.corpus import make_audit_corpus
from tests.support.pcsc import pcsc_stack  # noqa: F401  (a fixture for every module)
from tests.support.pki import Pki, shared_pki
from tests.support.softhsm import softhsm  # noqa: F401  (a fixture for every module)

settings.register_profile(
    "default",
    max_examples=int(os.environ.get("CARDKIT_HYPOTHESIS_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("default")

# What a user may export that the CLI or the library reads.
CARDKIT_ENVIRONMENT = ("CARDKIT_PASSPHRASE", "CARDKIT_PIN", "CARDKIT_CAN", "CARDKIT_ID_NUMBER", "CARDKIT_MRZ_INFO",
                       "CARDKIT_DEBUG", "CARDKIT_CONFIG", *(s.env for s in SETTINGS))


@pytest.fixture(scope="session")
def _empty_config_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("xdg-config-home")


@pytest.fixture(autouse=True)
def _no_cardkit_environment(monkeypatch: pytest.MonkeyPatch, _empty_config_home: Path) -> None:
    for name in CARDKIT_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(_empty_config_home))


@pytest.fixture(scope="session")
def pki() -> Pki:
    """The shared test PKI (read-only: its ``trust`` is a new store at each use)."""
    return shared_pki()


@pytest.fixture(scope="session")
def audit_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The audit corpus of ``tests.support.corpus`` (read-only), written once per session."""
    return make_audit_corpus(tmp_path_factory.mktemp("audit"))
