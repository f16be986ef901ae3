"""The modules a Python source imports, read from its syntax tree without running it.

Shared by the checks that hold packages to their rules by reading their code: the modes' purity
(no clock, no global randomness) and the layering of the whole tree.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class ImportedName:
    """One module named by an import statement, with the line it is on."""

    module: str
    line: int


def imported_modules(source: str, package: str = "") -> Iterator[ImportedName]:
    """Every module ``source`` imports, wherever the statement is (in a function, under
    ``TYPE_CHECKING``...).

    ``from a.b import c`` names ``a.b.c`` (``c`` may be a submodule, and a name inside ``a.b``
    still starts with ``a.b``). Relative imports are resolved against ``package``, the dotted
    name of the package that holds the source.
    """
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield ImportedName(alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node.module, node.level, package)
            for alias in node.names:
                name = base if alias.name == "*" else f"{base}.{alias.name}" if base else alias.name
                yield ImportedName(name, node.lineno)


def _absolute(module: str | None, level: int, package: str) -> str:
    """The absolute module of ``from <level dots><module> import ...`` inside ``package``."""
    if level == 0:
        return module or ""
    parts = package.split(".")
    parent = parts[: len(parts) - (level - 1)]
    return ".".join([*parent, module] if module else parent)
