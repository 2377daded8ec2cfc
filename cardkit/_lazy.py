"""Names a package exports but loads on first use (PEP 562 module ``__getattr__``).

A package keeps ``import cardkit`` or ``import cardkit.card`` cheap, and an optional dependency
(pyscard, python-pkcs11) needed only by the code that uses it, by listing such names in a table
``_LAZY = {name: module}`` (the module relative to the package) and setting
``__getattr__ = lazy_attributes(__name__, _LAZY)``. The table is data, so the import test reads its
arrows like any import statement: loading a name late never hides where it comes from.
"""

from __future__ import annotations

import importlib
import sys

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without loading typing: `import cardkit` stays cheap
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

__all__ = ["lazy_attributes"]


def lazy_attributes(package: str, table: Mapping[str, str]) -> Callable[[str], object]:
    """A module ``__getattr__`` that imports ``package.table[name]`` and returns its ``name``.

    The value is stored in the package's namespace, so each name is looked up once. A name not in
    the table raises AttributeError, which is also how ``from package import submodule`` learns to
    import the submodule: a table name must therefore never be a submodule's name.
    """

    def __getattr__(name: str) -> object:
        where = table.get(name)
        if where is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{where}"), name)
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__
