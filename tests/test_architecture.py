"""The import rules of docs/ARCHITECTURE.md, read from the code (ast): layers, simulators, hidden arrows.

The rules are data: ``LAYERS`` (lowest first) places every module of ``cardkit``; a module may import
its own layer and the layers below, never above. ``simulators`` may import ``cardkit`` up to
``SIMULATOR_CEILING``; of the library only the CLI may import ``simulators`` (it injects the chip).
A function-level import of our own modules hides an arrow from the reader, so it is allowed only
where ``FUNCTION_IMPORTS`` says why. Names a package loads late are listed in its ``_LAZY`` table
(``cardkit._lazy``), which this test reads as arrows too.

``python tests/test_architecture.py`` prints the layer table and the import graph between components
(``--modules``: module by module); ``--write`` puts them into docs/ARCHITECTURE.md, which a test keeps
in step with the code.
"""

from __future__ import annotations

import ast
import importlib
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OWN = ("cardkit", "simulators")

# --- the rules ------------------------------------------------------------------------------------

# (layer, modules and packages in it), lowest first. A package entry covers its submodules; the root
# package ``cardkit`` covers only its own __init__ (the lazy public API, above every library layer).
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("foundation", ("cardkit.errors", "cardkit._lazy", "cardkit._der", "cardkit._main_guard", "cardkit.tlv",
                    "cardkit.iso7816", "cardkit.algorithms", "cardkit.public_keys", "cardkit.certificates",
                    "cardkit.checks", "cardkit.private_files")),
    ("documents", ("cardkit.mrz", "cardkit._mrz_names", "cardkit.vn", "cardkit.lds", "cardkit.images")),
    ("crypto", ("cardkit.crypto",)),
    ("pki", ("cardkit.pki",)),
    ("card", ("cardkit.card",)),
    ("applications", ("cardkit.inspect", "cardkit.holder", "cardkit.personalise", "cardkit.personalise_content",
                      "cardkit.personalise_link", "cardkit.personalise_readback", "cardkit.audit", "cardkit.dump",
                      "cardkit.profiles", "cardkit.production")),
    ("api", ("cardkit",)),
    ("cli", ("cardkit.cli",)),
)
ROOT_PACKAGE = "cardkit"

# simulators may import cardkit up to this layer (the chip shares the crypto, never the terminal's code)
SIMULATOR_CEILING = "crypto"

# library modules that import simulators, though they must not: {file: why it is tolerated}
SIMULATOR_IMPORTS: dict[str, str] = {}

# function-level imports of our own modules: {(file, imported module): why}. An optional dependency
# of the imported module is the one good reason; the others are known debts, owned by the rework named.
FUNCTION_IMPORTS: dict[tuple[str, str], str] = {
    # start-up: the software chip is a caller's choice (--sim); `verify --reader` and `--dump` never load it
    ("cardkit/cli/_terminal.py", "simulators.emrtd"): "the chip of --sim only (start-up of a terminal, issue 16)",
}

# files that may load modules by name (importlib): the lazy-name helper and the CLI's command table,
# whose targets are data the rules above see (``_LAZY``) or modules of the same layer (the commands)
DYNAMIC_IMPORTS = {
    "cardkit/_lazy.py": "loads the names of a package's _LAZY table",
    "cardkit/cli/__init__.py": "click's lazy group: each command module is loaded by name when it runs",
    "cardkit/pki/__init__.py": "its own lazy table _WHERE (pki rework: use cardkit._lazy and _LAZY)",
}
LAZY_TABLES = ("_LAZY", "_WHERE")  # pki/__init__ still calls its table _WHERE


# --- reading the imports ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Import:
    source: str  # importing module, dotted
    path: str  # its file, relative to the repository
    target: str  # imported module, dotted
    line: int
    where: str  # "module", "type-checking" (under `if TYPE_CHECKING:`), "function", "lazy" (a _LAZY entry)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _files() -> list[Path]:
    return sorted(p for top in OWN for p in (ROOT / top).rglob("*.py"))


MODULES = {_module_name(p): p for p in _files()}


def _resolve(module: str, name: str | None) -> str:
    """``from module import name``: the submodule when ``name`` is one, else the module."""
    if name and f"{module}.{name}" in MODULES:
        return f"{module}.{name}"
    return module


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports_of(path: Path) -> list[Import]:
    source = _module_name(path)
    text = path.read_text(encoding="utf-8")
    return read_imports(text, source, str(path.relative_to(ROOT)), is_package=path.name == "__init__.py")


def read_imports(text: str, source: str, rel: str, *, is_package: bool = False) -> list[Import]:
    """The imports of our own modules in ``text`` (the module ``source``), each with where it sits."""
    package = source if is_package else source.rpartition(".")[0]
    found: list[Import] = []

    def add(target: str, line: int, where: str) -> None:
        if target.split(".")[0] in OWN:
            found.append(Import(source, rel, target, line, where))

    def visit(node: ast.AST, where: str) -> None:
        for child in ast.iter_child_nodes(node):
            inner = where
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                inner = "function"
            elif isinstance(child, ast.If) and _is_type_checking(child.test) and where == "module":
                for n in child.body:
                    visit(ast.Module(body=[n], type_ignores=[]), "type-checking")
                for n in child.orelse:
                    visit(ast.Module(body=[n], type_ignores=[]), where)
                continue
            if isinstance(child, ast.Import):
                for alias in child.names:
                    add(alias.name, child.lineno, inner)
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package.split(".")
                    base = base[: len(base) - (child.level - 1)]
                    module = ".".join(base + ([child.module] if child.module else []))
                else:
                    module = child.module or ""
                for alias in child.names:
                    add(_resolve(module, alias.name), child.lineno, inner)
            visit(child, inner)

    tree = ast.parse(text, filename=rel)
    visit(tree, "module")
    found.extend(_lazy_arrows(tree, source, rel))
    return found


def _lazy_arrows(tree: ast.Module, source: str, rel: str) -> list[Import]:
    """The arrows of a package's lazy-name table, read from the imported package itself."""
    for node in tree.body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                if isinstance(t, ast.Name) and t.id in LAZY_TABLES:
                    table = getattr(importlib.import_module(source), t.id)
                    return [Import(source, rel, f"{source}.{where}", node.lineno, "lazy")
                            for where in sorted(set(table.values()))]
    return []


def all_imports() -> list[Import]:
    return [imp for p in _files() for imp in _imports_of(p)]


def layer_of(module: str) -> str | None:
    """The layer whose longest entry covers ``module`` (None: not placed)."""
    best: tuple[int, str] | None = None
    for layer, entries in LAYERS:
        for e in entries:
            covers = module == e or (e != ROOT_PACKAGE and module.startswith(e + "."))
            if covers and (best is None or len(e) > best[0]):
                best = (len(e), layer)
    return best[1] if best else None


RANK = {layer: i for i, (layer, _) in enumerate(LAYERS)}
IMPORTS = all_imports()


# --- the tests ------------------------------------------------------------------------------------


def test_every_library_module_has_a_layer():
    unplaced = [m for m in MODULES if m.startswith("cardkit") and layer_of(m) is None]
    assert not unplaced, f"place these modules in LAYERS (and docs/ARCHITECTURE.md): {unplaced}"


def layer_breaks(imports: list[Import]) -> list[str]:
    """Arrows from a cardkit module to a higher layer."""
    broken = []
    for imp in imports:
        if not (imp.source.startswith("cardkit") and imp.target.startswith("cardkit")):
            continue
        src, dst = layer_of(imp.source), layer_of(imp.target)
        if src and dst and RANK[dst] > RANK[src]:
            broken.append(f"{imp.path}:{imp.line} ({src}) imports {imp.target} ({dst}) [{imp.where}]")
    return broken


def simulator_breaks(imports: list[Import]) -> list[str]:
    """Arrows from simulators to cardkit above ``SIMULATOR_CEILING``."""
    ceiling = RANK[SIMULATOR_CEILING]
    return [f"{i.path}:{i.line} imports {i.target} ({layer_of(i.target)})" for i in imports
            if i.source.startswith("simulators") and i.target.startswith("cardkit")
            and RANK[layer_of(i.target) or "cli"] > ceiling]


def library_imports_of_simulators(imports: list[Import]) -> list[str]:
    """Arrows from the library (not the CLI) to simulators, the tolerated ones apart."""
    return [f"{i.path}:{i.line} imports {i.target}" for i in imports
            if i.source.startswith("cardkit") and i.target.startswith("simulators")
            and layer_of(i.source) != "cli" and i.path not in SIMULATOR_IMPORTS]


def unlisted_function_imports(imports: list[Import]) -> list[tuple[str, str]]:
    """(file, module) of function-level imports of our own modules not in ``FUNCTION_IMPORTS``."""
    return sorted({(i.path, i.target) for i in imports if i.where == "function"} - FUNCTION_IMPORTS.keys())


def test_no_import_climbs_the_layers():
    broken = layer_breaks(IMPORTS)
    assert not broken, "imports that break the layer order:\n" + "\n".join(broken)


def test_simulators_use_cardkit_up_to_crypto_only():
    broken = simulator_breaks(IMPORTS)
    assert not broken, f"simulators reach above {SIMULATOR_CEILING}:\n" + "\n".join(broken)


def test_the_library_never_imports_simulators():
    broken = library_imports_of_simulators(IMPORTS)
    assert not broken, "the library imports the software chip (inject a chip factory instead):\n" + "\n".join(broken)


def test_function_level_imports_of_our_modules_are_listed_with_a_reason():
    unlisted = unlisted_function_imports(IMPORTS)
    assert not unlisted, ("function-level imports hide arrows: import at the top, or (optional dependency "
                          f"only) list them in FUNCTION_IMPORTS with the reason: {unlisted}")


def test_allowlists_hold_no_stale_entries():
    seen = {(i.path, i.target) for i in IMPORTS if i.where == "function"}
    stale = sorted(FUNCTION_IMPORTS.keys() - seen)
    assert not stale, f"remove these FUNCTION_IMPORTS entries, the imports are gone: {stale}"
    importers = {i.path for i in IMPORTS if i.source.startswith("cardkit") and i.target.startswith("simulators")}
    stale_sim = sorted(SIMULATOR_IMPORTS.keys() - importers)
    assert not stale_sim, f"remove these SIMULATOR_IMPORTS entries, the imports are gone: {stale_sim}"


def test_no_module_is_loaded_by_name_outside_the_known_places():
    found = set()
    for path in _files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                f = node.func
                name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
                if name in ("import_module", "__import__"):
                    found.add(str(path.relative_to(ROOT)))
    assert found <= DYNAMIC_IMPORTS.keys(), f"modules loaded by name, hidden from these rules: {found - DYNAMIC_IMPORTS.keys()}"


def test_no_import_cycles_at_module_level():
    graph: dict[str, set[str]] = defaultdict(set)
    for i in IMPORTS:
        if i.where == "module" and i.target != i.source:
            graph[i.source].add(i.target)
    cycles = _cycles(graph)
    assert not cycles, f"import cycles: {cycles}"


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                    break
                if child in on:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    comp = []
                    while True:
                        m = stack.pop()
                        on.discard(m)
                        comp.append(m)
                        if m == node:
                            break
                    if len(comp) > 1:
                        out.append(sorted(comp))
    return out


def test_the_reader_sees_where_each_import_sits():
    text = """
from typing import TYPE_CHECKING
from cardkit import tlv
from . import dg2
from ..crypto.pace import Password
import simulators.emrtd
if TYPE_CHECKING:
    from ..card import Session
def f():
    from ..pki import trust
class C:
    def m(self):
        import cardkit.report
"""
    got = {(i.target, i.where) for i in read_imports(text, "cardkit.lds.dg1", "x.py")}
    assert got == {("cardkit.tlv", "module"), ("cardkit.lds.dg2", "module"), ("cardkit.crypto.pace", "module"),
                   ("simulators.emrtd", "module"), ("cardkit.card", "type-checking"),
                   ("cardkit.pki.trust", "function"), ("cardkit.report", "function")}


def test_the_rules_catch_what_they_name():
    assert layer_of("cardkit.lds.dg1") == "documents" and layer_of("cardkit.lds") == "documents"
    assert layer_of("cardkit") == "api" and layer_of("cardkit.new_module") is None
    assert layer_of("cardkit.inspect.evidence") == "applications"

    def imp(source: str, target: str, where: str = "module", path: str = "cardkit/x.py") -> Import:
        return Import(source, path, target, 1, where)

    assert layer_breaks([imp("cardkit.lds.dg15", "cardkit.crypto.keys")])  # documents -> crypto: upward
    assert layer_breaks([imp("cardkit.lds.dg15", "cardkit.crypto.keys", "type-checking")])
    assert not layer_breaks([imp("cardkit.crypto.pace", "cardkit.lds.security_infos")])
    assert not layer_breaks([imp("cardkit.lds.dg1", "cardkit.mrz")])  # the same layer
    assert simulator_breaks([imp("simulators.emrtd", "cardkit.card.session")])
    assert not simulator_breaks([imp("simulators.emrtd", "cardkit.crypto.sm")])
    assert library_imports_of_simulators([imp("cardkit.personalise", "simulators.emrtd")])
    assert not library_imports_of_simulators([imp("cardkit.cli.demo", "simulators.emrtd")])
    assert unlisted_function_imports([imp("cardkit.lds.dg1", "cardkit.mrz", "function")]) == [
        ("cardkit/x.py", "cardkit.mrz")]
    assert not unlisted_function_imports([imp("cardkit.lds.dg1", "cardkit.mrz", "type-checking")])
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


# --- the picture ------------------------------------------------------------------------------------


def component(module: str) -> str:
    """``cardkit.lds.dg1`` -> ``lds``; ``cardkit._inspect_decode`` -> ``_inspect_decode``; ``simulators.x`` -> ``simulators``."""
    parts = module.split(".")
    if parts[0] == "simulators":
        return "simulators"
    return parts[1] if len(parts) > 1 else "cardkit"


def graph_text(by_module: bool = False) -> str:
    """The runtime import graph (module level and lazy tables), by layer: ``a -> b, c`` per line."""
    edges: dict[str, set[str]] = defaultdict(set)
    for i in IMPORTS:
        if i.where in ("module", "lazy"):
            a, b = (i.source, i.target) if by_module else (component(i.source), component(i.target))
            if a != b:
                edges[a].add(b)
    order = [layer for layer, _ in LAYERS] + ["simulators"]
    lines = []
    for layer in order:
        names = sorted(n for n in {*edges, *(t for ts in edges.values() for t in ts)}
                       if (layer_of(n if by_module else _full(n)) or "simulators") == layer)
        if not names:
            continue
        lines.append(f"[{layer}]")
        lines.extend(f"  {n} -> {', '.join(sorted(edges[n]))}" if edges[n] else f"  {n}" for n in names)
    return "\n".join(lines)


def _full(comp: str) -> str:
    return comp if comp in ("cardkit", "simulators") else f"cardkit.{comp}"


def layers_text() -> str:
    """``LAYERS`` as the table of docs/ARCHITECTURE.md: each layer, its modules, what it may import."""
    rows = [("layer", "modules (cardkit.*)", "may import")]
    for i, (layer, entries) in enumerate(LAYERS):
        mods = " ".join(e.removeprefix("cardkit.") if e != ROOT_PACKAGE else "cardkit (__init__)" for e in entries)
        may = "itself" if i == 0 else "itself and below" if layer != "cli" else "everything, and simulators"
        rows.append((layer, mods, may))
    rows.append(("simulators", "simulators.*", f"itself, and cardkit up to {SIMULATOR_CEILING}"))
    width = [max(len(r[k]) for r in rows) for k in range(2)]
    return "\n".join(f"{r[0]:<{width[0]}}  {r[1]:<{width[1]}}  {r[2]}".rstrip() for r in rows)


DOC = ROOT / "docs" / "ARCHITECTURE.md"
BLOCKS = {"layers": layers_text, "import-graph": graph_text}


def _block(text: str, name: str) -> tuple[int, int]:
    """(start, end) of the fenced block after ``<!-- name -->`` in the document."""
    marker = f"<!-- {name} -->\n```text\n"
    start = text.index(marker) + len(marker)
    return start, text.index("```", start)


def test_architecture_doc_shows_the_rules_and_the_graph_of_the_code():
    text = DOC.read_text(encoding="utf-8")
    for name, make in BLOCKS.items():
        start, end = _block(text, name)
        assert text[start:end] == make() + "\n", (f"docs/ARCHITECTURE.md's {name} block is out of date: "
                                           "run `python tests/test_architecture.py --write`")


if __name__ == "__main__":
    if "--write" in sys.argv:
        doc = DOC.read_text(encoding="utf-8")
        for block, make in BLOCKS.items():
            a, b = _block(doc, block)
            doc = doc[:a] + make() + "\n" + doc[b:]
        DOC.write_text(doc, encoding="utf-8")
    else:
        print(layers_text(), graph_text(by_module="--modules" in sys.argv), sep="\n\n")
