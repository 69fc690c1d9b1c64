"""Which names a file binds anywhere, and which it reads: what tells a name that no statement
defines (Python's NameError when the line runs) from a variable, a parameter, an import or a
definition somewhere in the file. Read flow-insensitively, as a whole: a name bound in any
scope counts as defined everywhere, so that only a name the file never binds is undefined."""

from __future__ import annotations

import ast
import builtins

from numpyro_lsp.analysis.models import ModuleAnalysis

BUILTINS = frozenset(dir(builtins))


def bound_names(analysis: ModuleAnalysis, names: set[str]) -> set[str]:
    """Every name some statements bind anywhere, ``names`` (those assigned) with the
    others: definitions, parameters, imports, ``except ... as``, ``match`` captures and
    ``global``/``nonlocal`` declarations."""
    # One kind at a time: ``nodes`` of several kinds sorts them, and a set needs no order.
    for kind in (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef):
        names.update(node.name for node in analysis.nodes(kind))
    names |= {n.arg for n in analysis.nodes(ast.arg)}
    names |= {(n.asname or n.name).split(".", 1)[0] for n in analysis.nodes(ast.alias)}
    for kind in (ast.ExceptHandler, ast.MatchAs, ast.MatchStar):
        names.update(node.name for node in analysis.nodes(kind) if node.name)
    for kind in (ast.Global, ast.Nonlocal):
        for node in analysis.nodes(kind):
            names.update(node.names)
    return names


def part_names(part: ModuleAnalysis) -> tuple[set[str], set[str]]:
    """The names a part of the file binds, and those it reads (the nodes that read one are
    looked for only when a rule needs them: sets cost far less than lists of nodes). Kept
    with the part, so an edit reads again only the parts it re-parsed."""
    kept = part.part_facts.get("names bound and read")
    if kept is None:
        nodes, load = part.nodes(ast.Name), ast.Load
        read = {node.id for node in nodes if type(node.ctx) is load}
        assigned = {node.id for node in nodes if type(node.ctx) is not load}
        kept = part.part_facts["names bound and read"] = (bound_names(part, assigned), read)
    return kept


def star_imported(analysis: ModuleAnalysis) -> bool:
    """Whether a ``from ... import *`` may bind any name."""
    return any(a.name == "*" for n in analysis.nodes(ast.ImportFrom) for a in n.names)


def file_bound_names(analysis: ModuleAnalysis) -> set[str]:
    """The names the whole file binds, builtins included (its parts' own sets, joined)."""
    parts = analysis.parts or [analysis]
    return set(BUILTINS).union(*(part_names(part)[0] for part in parts))


def undefined(analysis: ModuleAnalysis, name: str) -> bool:
    """Whether no statement of the file binds ``name``, nor a builtin nor a star import may:
    reading it raises NameError (the Python server reports it)."""
    if name in BUILTINS or name in analysis.bindings or star_imported(analysis):
        return False
    parts = analysis.parts or [analysis]
    return not any(name in part_names(part)[0] for part in parts)


def variables_in_scope(analysis: ModuleAnalysis, node: ast.AST) -> set[str]:
    """The names bound, other than by an import, in the scopes ``node`` reads from: the
    functions around it (their parameters, assignments and definitions) and the module
    level (its assignments, functions and classes)."""
    around = set()
    scope = analysis.owner(node)
    while scope is not None:
        around.add(id(scope.node))
        scope = scope.parent
    names = {
        name
        for name, scopes in analysis.local_bindings.items()
        if any(scopes.get(key, "") is None for key in around)
    }
    for part in analysis.parts or [analysis]:
        owners = part.owner_nodes
        names.update(
            n.id for n in part.nodes(ast.Name) if type(n.ctx) is ast.Store and id(n) not in owners
        )
        for kind in (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef):
            names.update(n.name for n in part.nodes(kind) if id(n) not in owners)
    return names
