"""Which functions a file's code calls: calls of the file's own top-level functions and of
functions imported from workspace files, each with what surrounds it (branches, loops, the
handlers of ``with`` blocks), and the sample sites a call reaches through helpers.

A call is resolved to the definition in force where it is made: a notebook or script may
define ``model`` again and again, and module-level code calls the last one above it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, replace

from numpyro_lsp.analysis.conditions import Fact, facts
from numpyro_lsp.analysis.models import (
    COMPOUND_STATEMENTS,
    FunctionInfo,
    ModuleAnalysis,
    Site,
    dotted_parts,
    ends_block,
)

# How many calls deep sites are followed (a helper calling a helper calling ...).
MAX_DEPTH = 8


@dataclass(frozen=True)
class Callee:
    """A function and the analysis of the file that defines it (another workspace file's,
    for an imported helper)."""

    function: FunctionInfo
    analysis: ModuleAnalysis


@dataclass(frozen=True)
class Call:
    node: ast.Call
    callee: Callee
    branches: tuple[tuple[int, str], ...]
    loops: tuple[ast.stmt, ...]
    # The paths of the handlers of the ``with`` blocks around the call.
    handlers: tuple[str, ...]
    # What the ``if`` tests around the call say holds there (analysis/conditions.py).
    conditions: frozenset[Fact] = frozenset()


@dataclass(frozen=True)
class ReachedSite:
    """A sample site that a call reaches, and the calls it goes through on the way."""

    site: Site
    path: tuple[Call, ...]

    @property
    def unconditional(self) -> bool:
        """Whether every call on the way, and the site itself, sits outside any branch (or
        after an early return)."""
        site = self.site
        return not (site.branches or site.conditions or any(c.branches for c in self.path))


def top_level_functions(analysis: ModuleAnalysis) -> set[int]:
    """The ids of the functions defined at module level (in ``if``/``try`` blocks too), not
    methods or nested functions. Found part by part, each part's kept with it."""
    found: set[int] = set()
    for part in analysis.parts or [analysis]:
        kept = part.part_facts.get("top-level functions")
        if kept is None:
            kept = part.part_facts["top-level functions"] = _top_level_functions(part)
        found |= kept
    return found


def _top_level_functions(part: ModuleAnalysis) -> set[int]:
    found: set[int] = set()
    pending = list(part.tree.body)
    while pending:
        statement = pending.pop()
        kind = type(statement)
        if kind is ast.FunctionDef or kind is ast.AsyncFunctionDef:
            info = part.infos.get(id(statement))
            if info is not None:
                found.add(id(info))
        elif kind is ast.If:
            pending += statement.body + statement.orelse
        elif kind is ast.With:
            pending += statement.body
        elif kind is ast.Try:
            pending += statement.body + statement.orelse + statement.finalbody
            for handler in statement.handlers:
                pending += handler.body
    return found


def resolve_callee(
    analysis: ModuleAnalysis,
    call: ast.Call,
    functions: set[int],
    caller: FunctionInfo | None,
) -> Callee | None:
    """The function a call runs: a workspace import, else the file's definition in force
    (``functions``: the ids of the file's top-level functions)."""
    func = call.func
    dotted: str | None = None  # the callee's text, when it is an attribute chain
    if type(func) is ast.Name:
        head = func.id
    elif not analysis.imported_models:
        return None  # only a model imported from the workspace is called by a dotted name
    else:
        parts = dotted_parts(func)
        if not parts:
            return None
        head, dotted = parts[0], ".".join(parts)
    if caller is not None and (head in caller.params or head in caller.assignments):
        return None  # a local name: a parameter may be any function
    imported = analysis.imported_models.get(dotted or head)
    if imported is not None:
        return Callee(imported.function, imported.analysis)
    if dotted is not None:
        return None
    function = analysis.function_at(head, call)
    if function is None or (function.parent is None and id(function) not in functions):
        return None  # a method, not a function the name calls
    if caller is None and function.node.lineno > call.lineno:
        return None  # module-level code cannot call a function defined below it
    return Callee(function, analysis)


def _is_main_guard(node: ast.If) -> bool:
    test = node.test
    return (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == "__name__"
        and len(test.comparators) == 1
        and isinstance(test.comparators[0], ast.Constant)
        and test.comparators[0].value == "__main__"
    )


def _own_calls(statement: ast.stmt) -> Iterator[tuple[ast.Call, tuple[tuple[int, str], ...]]]:
    """The calls a statement's own expressions make when it runs, each with the branches of
    the conditional expressions (``a if c else b``) it sits in: not the calls of nested
    statements, function definitions or lambdas."""
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return
    pending = [(c, ()) for c in ast.iter_child_nodes(statement) if not isinstance(c, ast.stmt)]
    while pending:
        node, branches = pending.pop()
        if isinstance(node, ast.Lambda):
            continue
        if isinstance(node, ast.Call):
            yield node, branches
        if isinstance(node, ast.IfExp):
            pending += [
                (node.test, branches),
                (node.body, (*branches, (id(node), "body"))),
                (node.orelse, (*branches, (id(node), "orelse"))),
            ]
            continue
        children = [c for c in ast.iter_child_nodes(node) if not isinstance(c, ast.stmt)]
        pending += [(c, branches) for c in children]


@dataclass(frozen=True)
class _Around:
    """What surrounds a statement in the body being walked."""

    branches: tuple[tuple[int, str], ...] = ()
    loops: tuple[ast.stmt, ...] = ()
    handlers: tuple[str, ...] = ()
    conditions: frozenset[Fact] = frozenset()

    def branch(self, node: ast.stmt, label: str, conditions=frozenset()) -> _Around:
        return replace(
            self,
            branches=(*self.branches, (id(node), label)),
            conditions=self.conditions | conditions,
        )


# A call a walk met, before its callee is resolved: the node, the branches (those of the
# conditional expressions it sits in last), loops, handlers and conditions around it.
_Met = tuple[
    ast.Call, tuple[tuple[int, str], ...], tuple[ast.stmt, ...], tuple[str, ...], frozenset
]


class _Walk:
    """The calls a body makes, with what surrounds each: what depends on the body alone (and
    the file's imports), kept with the part that holds it (``_met_in``)."""

    def __init__(self, analysis: ModuleAnalysis) -> None:
        self.analysis = analysis
        self.calls: list[_Met] = []

    def block(self, body: list[ast.stmt], around: _Around) -> _Around:
        """Walks the statements; returns what surrounds the statements after them."""
        for statement in body:
            self.statement(statement, around)
            if isinstance(statement, ast.If) and not _is_main_guard(statement):
                # After ``if c: return ...``, the rest of the block runs only when c is false.
                if ends_block(statement.body):
                    around = around.branch(statement, "orelse", facts(statement.test, False))
                elif ends_block(statement.orelse):
                    around = around.branch(statement, "body", facts(statement.test, True))
        return around

    def statement(self, node: ast.stmt, around: _Around) -> None:
        kind = type(node)
        if kind is ast.FunctionDef or kind is ast.AsyncFunctionDef or kind is ast.ClassDef:
            return
        self.own(node, around)
        if kind not in COMPOUND_STATEMENTS:
            return  # (most statements: one test, not a test of each compound kind)
        if isinstance(node, ast.If):
            if _is_main_guard(node):
                self.block(node.body, around)
                return
            self.block(node.body, around.branch(node, "body", facts(node.test, True)))
            self.block(node.orelse, around.branch(node, "orelse", facts(node.test, False)))
        elif isinstance(node, (ast.For, ast.AsyncFor, ast.While)):
            self.block(node.body, replace(around, loops=(*around.loops, node)))
            self.block(node.orelse, around)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            handlers = [h for item in node.items if (h := self.handler(item.context_expr))]
            self.block(node.body, replace(around, handlers=(*around.handlers, *handlers)))
        elif isinstance(node, (ast.Try, ast.TryStar)):
            parts = [node.body, node.orelse, node.finalbody, *(h.body for h in node.handlers)]
            for i, part in enumerate(parts):
                self.block(part, around.branch(node, str(i)))
        elif isinstance(node, ast.Match):
            for i, case in enumerate(node.cases):
                self.block(case.body, around.branch(node, f"case{i}"))

    def own_calls(self, statement: ast.stmt) -> Iterator[tuple[ast.Call, tuple]]:
        """``_own_calls`` read from the analysis's index where no conditional expression,
        lambda or comprehension may make it differ: the calls of the statement's own
        expressions."""
        analysis = self.analysis
        if id(statement) in analysis.forking_statements:
            return _own_calls(statement)
        return ((call, ()) for call in analysis.calls_by_statement.get(id(statement), ()))

    def handler(self, node: ast.expr) -> str | None:
        obj = self.analysis.catalog_object(node.func if isinstance(node, ast.Call) else node)
        return obj["path"] if obj is not None and obj["kind"] == "handler" else None

    def own(self, statement: ast.stmt, around: _Around) -> None:
        for node, inner in self.own_calls(statement):
            branches = (*around.branches, *inner)
            self.calls.append((node, branches, around.loops, around.handlers, around.conditions))


def _met_in(analysis: ModuleAnalysis, function: FunctionInfo | None) -> list[_Met]:
    """The calls a function's body makes (module-level code for None), walked once per part
    that holds it: a function's in its part (``FunctionInfo.scope``), module-level code's
    part by part, each walked again only when what surrounds its first statement changed
    (an ``if ...: raise`` above it)."""
    if function is not None:
        kept = function.scope.part_facts.setdefault("call graph", {})
        met = kept.get(id(function))
        if met is None:
            walk = _Walk(function.scope)
            walk.block(function.node.body, _Around())
            met = kept[id(function)] = walk.calls
        return met
    if not analysis.parts:  # made by hand, not by analyze_module: walk it all
        walk = _Walk(analysis)
        walk.block(analysis.tree.body, _Around())
        return walk.calls
    met = []
    around = _Around()
    for part in analysis.parts:
        kept = part.part_facts.get("call graph module")
        if kept is None or kept[0] != around:
            walk = _Walk(part)
            after = walk.block(part.tree.body, around)
            kept = part.part_facts["call graph module"] = (around, walk.calls, after)
        met += kept[1]
        around = kept[2]
    return met


class CallGraph:
    """The calls of a file's functions, walked once each for one check of the file (the
    analyses it reads do not change while it runs)."""

    def __init__(self) -> None:
        self._functions: dict[int, set[int]] = {}
        self._calls: dict[tuple[int, int], list[Call]] = {}

    def calls_from(self, analysis: ModuleAnalysis, function: FunctionInfo | None) -> list[Call]:
        """The calls of file or workspace functions that a function's body makes
        (module-level code for None), in source order."""
        key = (id(analysis), id(function))
        if key not in self._calls:
            if id(analysis) not in self._functions:
                self._functions[id(analysis)] = top_level_functions(analysis)
            functions = self._functions[id(analysis)]
            calls = []
            for node, branches, loops, handlers, conditions in _met_in(analysis, function):
                callee = resolve_callee(analysis, node, functions, function)
                if callee is not None:
                    calls.append(Call(node, callee, branches, loops, handlers, conditions))
            self._calls[key] = sorted(calls, key=lambda c: (c.node.lineno, c.node.col_offset))
        return self._calls[key]

    def reached_sites(self, callee: Callee, unhandled: bool = False) -> Iterator[ReachedSite]:
        """The sites a call of ``callee`` runs: its own, and those of the helpers it calls.
        ``unhandled``: only through calls outside any handler's ``with`` block."""
        yield from self._reached(callee, unhandled, (), set())

    def _reached(
        self, callee: Callee, unhandled: bool, path: tuple[Call, ...], seen: set[int]
    ) -> Iterator[ReachedSite]:
        if id(callee.function) in seen or len(path) > MAX_DEPTH:
            return
        seen = seen | {id(callee.function)}
        for site in callee.function.sites:
            yield ReachedSite(site, path)
        for call in self.calls_from(callee.analysis, callee.function):
            if not (unhandled and call.handlers):
                yield from self._reached(call.callee, unhandled, (*path, call), seen)
