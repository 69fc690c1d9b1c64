"""Which reads of a name see a traced value, in the order the function runs: a name that a
sample rebinds further down is still the plain argument above that line
(``isnan = np.isnan(age)`` before ``age = numpyro.sample("age", ...)``).

A read is untraced when every binding of the name above it is untraced and no traced
binding later in a loop around it can reach it on the next iteration. Names bound by a
``for`` target or a comprehension keep the flow-insensitive answer: their bindings and
reads do not follow source order.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

Position = tuple[int, int]


class TracedNames(set):
    """The names that hold a traced value somewhere in a function, and the ids of the reads
    of those names that only untraced bindings reach (``untraced``)."""

    def __init__(self, names=(), untraced: frozenset[int] = frozenset()) -> None:
        super().__init__(names)
        self.untraced = untraced


def _start(node: ast.AST) -> Position:
    return (node.lineno, node.col_offset)


def _end(node: ast.AST) -> Position:
    return (node.end_lineno, node.end_col_offset)


def untraced_reads(
    nodes: list[ast.AST],
    params: list[str],
    traced: set[str],
    value_traced: Callable[[ast.AST, TracedNames], bool],
) -> frozenset[int]:
    """The ids of the reads of ``traced`` names that no traced value reaches.
    ``value_traced(expression, names)`` tells whether an expression is traced."""
    # Each name's bindings: where the value takes effect, and its value (None: traced
    # whatever it is, as for ``x += ...`` of a traced name).
    bindings: dict[str, list[tuple[Position, ast.AST | None]]] = {n: [] for n in traced}
    unordered: set[str] = set()
    reads: list[ast.Name] = []
    loops: list[tuple[Position, Position]] = []
    for node in nodes:
        kind = type(node)
        if kind is ast.Name:
            if node.id in traced and type(node.ctx) is ast.Load:
                reads.append(node)
        elif kind in _BINDINGS:
            _add_binding(node, kind, bindings, unordered)
        if kind in _LOOPS:
            loops.append(_repeated(node))
    if not reads:
        return frozenset()
    for name in params:
        if name in bindings:
            bindings[name].insert(0, ((0, 0), ast.Constant(None)))
    reads = [r for r in reads if r.id not in unordered]

    untraced: frozenset[int] = frozenset()
    for _ in range(4):  # each round may free the values that read what the last one freed
        names = TracedNames(traced, untraced)
        traced_at = {
            name: [(at, value is None or value_traced(value, names)) for at, value in found]
            for name, found in bindings.items()
        }
        found = frozenset(
            id(read) for read in reads if not _reached_by_traced(read, traced_at[read.id], loops)
        )
        if found == untraced:
            break
        untraced = found
    return untraced


# By exact type (ast makes no subclasses): a set lookup per node of the function.
_LOOPS = frozenset({ast.For, ast.AsyncFor, ast.While})
_BINDINGS = frozenset(
    {
        ast.Assign,
        ast.AnnAssign,
        ast.AugAssign,
        ast.NamedExpr,
        ast.For,
        ast.AsyncFor,
        ast.comprehension,
        ast.withitem,
    }
)


def _add_binding(node: ast.AST, kind: type, bindings: dict, unordered: set[str]) -> None:
    if kind is ast.Assign or kind is ast.AnnAssign:
        if node.value is None:
            return
        targets = node.targets if kind is ast.Assign else [node.target]
        for target in targets:
            for name in ast.walk(target):
                if type(name) is ast.Name and name.id in bindings:
                    bindings[name.id].append((_end(node), node.value))
    elif kind is ast.AugAssign:
        if type(node.target) is ast.Name and node.target.id in bindings:
            bindings[node.target.id].append((_end(node), None))
    elif kind is ast.NamedExpr:
        if node.target.id in bindings:
            bindings[node.target.id].append((_end(node), node.value))
    else:
        target = node.optional_vars if kind is ast.withitem else node.target
        if target is not None:
            unordered.update(n.id for n in ast.walk(target) if type(n) is ast.Name)


def _repeated(loop: ast.AST) -> tuple[Position, Position]:
    """Where a loop's code runs again on each iteration: a ``while`` whole, its test too; a
    ``for`` from its body on, as its iterable is read once, before the first."""
    first = loop if type(loop) is ast.While else loop.body[0]
    return _start(first), _end(loop)


def _reached_by_traced(
    read: ast.Name, bindings: list, loops: list[tuple[Position, Position]]
) -> bool:
    here = _start(read)
    above = [is_traced for at, is_traced in bindings if at <= here]
    if not above or any(above):
        return True  # bound outside the function, or a traced value may reach the read
    # The next iteration of a loop around the read sees what the loop binds further down.
    return any(
        start <= here <= end and any(is_traced and here < at <= end for at, is_traced in bindings)
        for start, end in loops
    )
