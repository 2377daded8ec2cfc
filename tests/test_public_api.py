"""The public API: every exported name resolves, ``import cardkit`` stays cheap, the types ship (PEP 561)."""

from __future__ import annotations

import ast
import importlib
import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import cardkit

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "cardkit"
MODULES = sorted(
    ".".join(p.relative_to(ROOT).with_suffix("").parts[:-1] if p.name == "__init__.py"
             else p.relative_to(ROOT).with_suffix("").parts)
    for p in PACKAGE.rglob("*.py"))
LAZY_PACKAGES = ("cardkit", "cardkit.card", "cardkit.crypto")


def _fresh(code: str) -> dict:
    """Run ``code`` in a new interpreter (nothing imported yet) and return the JSON it prints."""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout)


def test_import_cardkit_loads_nothing_else():
    loaded = _fresh("import sys, json, cardkit; "
                    "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
                    "('cardkit', 'simulators', 'cryptography', 'asn1crypto', 'click', 'rich', 'smartcard', 'PIL'))))")
    assert loaded == ["cardkit", "cardkit._lazy"]


def test_lazy_packages_load_their_heavy_parts_on_first_use_only():
    loaded = _fresh("import sys, json, cardkit.card; a = 'smartcard' in sys.modules; "
                    "cardkit.card.PcscTransport; print(json.dumps([a, 'smartcard' in sys.modules]))")
    assert loaded == [False, True]  # pyscard comes with PC/SC, not with the package
    loaded = _fresh("import sys, json, cardkit.crypto; a = 'cardkit.crypto.pace' in sys.modules; "
                    "cardkit.crypto.Password; print(json.dumps([a, 'cardkit.crypto.pace' in sys.modules]))")
    assert loaded == [False, True]


@pytest.mark.parametrize("module", MODULES)
def test_every_name_in_all_resolves(module):
    mod = importlib.import_module(module)
    names = getattr(mod, "__all__", ())
    assert len(set(names)) == len(names), f"{module}.__all__ repeats a name"
    missing = [n for n in names if not hasattr(mod, n)]
    assert not missing, f"{module}.__all__ names what it does not have: {missing}"


def test_the_library_user_finds_the_names_at_the_top():
    from cardkit.card import Session as session_cls
    from cardkit.crypto.pace import Password as password_cls
    from cardkit.errors import CardkitError as error_cls

    assert cardkit.Session is session_cls and cardkit.Password is password_cls and cardkit.CardkitError is error_cls
    assert {"Session", "PcscTransport", "TrustStore", "InspectionReport", "Verdict", "inspect_dump", "decode_file",
            "load_profile", "build_card", "personalise_card", "CardkitError"} <= set(cardkit.__all__)
    with pytest.raises(AttributeError):
        cardkit.no_such_name  # noqa: B018 - the lazy lookup refuses what it does not list


@pytest.mark.parametrize("package", LAZY_PACKAGES)
def test_lazy_names_never_shadow_a_submodule_and_are_typed(package):
    mod = importlib.import_module(package)
    table = mod._LAZY
    init = ROOT / Path(*package.split(".")) / "__init__.py"
    submodules = {p.stem for p in init.parent.glob("*.py")} | {p.name for p in init.parent.iterdir() if p.is_dir()}
    assert not set(table) & submodules, "a lazy name equal to a submodule's would hide the submodule"
    assert set(table) <= set(mod.__all__)
    # the names type checkers see (under `if TYPE_CHECKING:`) are exactly the lazy ones, from the same modules
    typed: dict[str, str] = {}
    for node in ast.parse(init.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            for imp in node.body:
                assert isinstance(imp, ast.ImportFrom) and imp.level == 1
                for alias in imp.names:
                    typed[alias.name] = imp.module or ""
    assert typed == dict(table)


def test_version_is_the_packaged_one():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert cardkit.__version__ == project["project"]["version"]


def test_py_typed_ships():
    assert (PACKAGE / "py.typed").is_file()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "py.typed" in project["tool"]["setuptools"]["package-data"]["cardkit"]
