"""Whether worker processes started by the "spawn" method may import ``__main__`` without harm.

A spawned worker imports the parent's main module again (as ``__mp_main__``) to find the functions it
runs. Code under ``if __name__ == "__main__":`` does not run then; any other top-level code does. A
script that calls a pool at its top level without that guard would start its own work again in every
worker, and each worker would try to start a pool of its own (Python refuses it; a ``multiprocessing``
pool then replaces the dead worker, for ever). ``spawn_is_safe`` answers, before any process starts,
whether the call being made comes from inside such a guard (or from a main module nothing re-runs: an
interactive session, ``python -c``).
"""

from __future__ import annotations

import ast
import sys
from types import FrameType

__all__ = ["spawn_is_safe"]


def _is_main_guard(node: ast.stmt) -> bool:
    """``if __name__ == "__main__":`` (either way round)."""
    if not isinstance(node, ast.If) or not isinstance(node.test, ast.Compare) or len(node.test.ops) != 1:
        return False
    if not isinstance(node.test.ops[0], ast.Eq):
        return False
    sides = [node.test.left, *node.test.comparators]
    names = [s.id for s in sides if isinstance(s, ast.Name)]
    texts = [s.value for s in sides if isinstance(s, ast.Constant)]
    return names == ["__name__"] and texts == ["__main__"]


def _module_frame(frame: FrameType | None, main_globals: dict[str, object]) -> FrameType | None:
    """The frame running the main module's own top-level code, on the way up from ``frame``."""
    while frame is not None:
        if frame.f_globals is main_globals and frame.f_code.co_name == "<module>":
            return frame
        frame = frame.f_back
    return None


def spawn_is_safe(frame: FrameType | None = None) -> bool:
    """True when a spawned worker's import of ``__main__`` cannot re-run the caller's work.

    That is the case when the main module is no file (interactive, ``python -c``), when the call does not
    come from the main module's top-level code (a function called after start-up, a thread), or when it
    comes from inside ``if __name__ == "__main__":``. False when it comes from unguarded top-level code,
    or when the main module's source cannot be read to tell.
    """
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if main is None or not path:
        return True
    top = _module_frame(frame if frame is not None else sys._getframe(1), vars(main))
    if top is None:
        return True
    try:
        with open(path, "rb") as f:
            tree = ast.parse(f.read(), filename=str(path))
    except (OSError, SyntaxError, ValueError):
        return False
    line = top.f_lineno
    for node in tree.body:
        end = node.end_lineno or node.lineno
        if node.lineno <= line <= end:
            return _is_main_guard(node)
    return False
