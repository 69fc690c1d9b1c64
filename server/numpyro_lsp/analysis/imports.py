"""Which local names stand for which NumPyro paths: ``dist`` -> ``numpyro.distributions``.

Works on code that does not parse (the normal state while typing): when the whole file
fails, each import statement is parsed on its own.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping

# An import statement's start, and for ``from x import (`` the lines up to the closing paren.
_IMPORT_START = re.compile(r"^[ \t]*(?:from[ \t]+[\w.]+[ \t]+import\b|import[ \t]+[\w.])")


def bindings_from_tree(tree: ast.AST) -> dict[str, str]:
    return bindings_from_imports(
        n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))
    )


def bindings_from_imports(
    imports: Iterable[ast.Import | ast.ImportFrom], rebound: set[str] | None = None
) -> dict[str, str]:
    """Local names bound by these import statements, in order (a later import wins); the
    names a later import binds to another path are added to ``rebound``, when given."""
    bindings: dict[str, str] = {}
    for node in imports:
        if isinstance(node, ast.Import):
            for alias in node.names:
                name = alias.asname or alias.name.split(".", 1)[0]
                path = alias.name if alias.asname else name
                if rebound is not None and bindings.get(name, path) != path:
                    rebound.add(name)
                bindings[name] = path
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                if alias.name != "*":
                    name, path = alias.asname or alias.name, f"{node.module}.{alias.name}"
                    if rebound is not None and bindings.get(name, path) != path:
                        rebound.add(name)
                    bindings[name] = path
    return bindings


def import_statements(source: str) -> list[str]:
    """Each import statement of ``source`` as its own text, found line by line."""
    lines = source.splitlines()
    statements = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if _IMPORT_START.match(line):
            text = line.strip()
            if "(" in text and ")" not in text:
                j = i + 1
                while j < len(lines) and j < i + 50 and ")" not in lines[j - 1]:
                    text += " " + lines[j].strip()
                    j += 1
                i = j - 1
            statements.append(text.rstrip("\\").strip())
        i += 1
    return statements


def bindings_from_broken_source(source: str) -> dict[str, str]:
    bindings: dict[str, str] = {}
    for statement in import_statements(source):
        try:
            bindings.update(bindings_from_tree(ast.parse(statement)))
        except SyntaxError:
            continue
    return bindings


def resolve_dotted(parts: list[str], bindings: Mapping[str, str]) -> str | None:
    """The fully qualified path of ``parts`` (``["dist", "Normal"]``), or None when its head
    is not an imported name."""
    if not parts:
        return None
    head = bindings.get(parts[0])
    if head is None:
        return None
    return ".".join([head, *parts[1:]])
