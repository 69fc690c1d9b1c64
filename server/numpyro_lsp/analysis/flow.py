"""Which reads of a name see a traced value, in the order the function runs: a name that a
sample rebinds further down is still the plain argument above that line
(``isnan = np.isnan(age)`` before ``age = numpyro.sample("age", ...)``).

A read is untraced when every binding of the name above it is untraced and no traced
binding later in a loop around it can reach it on the next iteration. A binding in another
branch of an ``if``/``elif``/``else`` or ``match`` than the read is not above it: at most one
of the two runs (on one pass: a loop around the ``if`` still carries it to the next). Names
bound by a ``for`` target or a comprehension keep the flow-insensitive answer: their
bindings and reads do not follow source order.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

Position = tuple[int, int]
# Where a place sits among the forks of a function: for each ``if`` or ``match`` (by its
# index in the function) around it, which of its branches holds it.
BranchPath = dict[int, int]


class TracedNames(set):
    """The names that hold a traced value somewhere in a function, and what else is known of
    its names:

    - ``untraced``: the ids of the reads of those names that only untraced bindings reach;
    - ``containers``: the names the function binds only to a list, tuple, dict or set it
      builds (``[jnp.exp(a) for a in xs]``): their truthiness is their length, whatever
      they hold; ``keyed``, those of them that are dicts or sets, whose keys and items are
      hashable, so never tracers;
    - ``arrays_only``: only JAX's own results and arithmetic carry a tracer on, for a body
      whose parameters may be containers (``lax.map``'s item, a ``scan`` carry): what another
      function makes of them (a trace's dict of sites, a module's static field) and a
      membership test are concrete.
    """

    def __init__(
        self,
        names=(),
        untraced: frozenset[int] = frozenset(),
        arrays_only: bool = False,
        containers: frozenset[str] = frozenset(),
        keyed: frozenset[str] = frozenset(),
    ) -> None:
        super().__init__(names)
        self.untraced = untraced
        self.arrays_only = arrays_only
        self.containers = containers
        self.keyed = keyed

    def with_names(self, names, untraced: frozenset[int]) -> TracedNames:
        """These names and reads, with what else is known of the function's."""
        return TracedNames(names, untraced, self.arrays_only, self.containers, self.keyed)


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
    forks: list[list[tuple[Position, Position]]] = []
    for node in nodes:
        kind = type(node)
        if kind is ast.Name:
            if node.id in traced and type(node.ctx) is ast.Load:
                reads.append(node)
        elif kind in _BINDINGS:
            _add_binding(node, kind, bindings, unordered)
        if kind in _LOOPS:
            loops.append(_repeated(node))
        elif kind in _FORKS:
            forks.append(_branches(node))
    if not reads:
        return frozenset()
    for name in params:
        if name in bindings:
            bindings[name].insert(0, ((0, 0), ast.Constant(None)))
    reads = [r for r in reads if r.id not in unordered]
    paths = {
        at: _branch_path(at, forks)
        for at in [*(_start(r) for r in reads), *(at for b in bindings.values() for at, _ in b)]
    }

    untraced: frozenset[int] = frozenset()
    for _ in range(4):  # each round may free the values that read what the last one freed
        names = (
            traced.with_names(traced, untraced)
            if isinstance(traced, TracedNames)
            else TracedNames(traced, untraced)
        )
        traced_at = {
            name: [(at, value is None or value_traced(value, names)) for at, value in found]
            for name, found in bindings.items()
        }
        found = frozenset(
            id(read)
            for read in reads
            if not _reached_by_traced(read, traced_at[read.id], loops, paths)
        )
        if found == untraced:
            break
        untraced = found
    return untraced


# By exact type (ast makes no subclasses): a set lookup per node of the function.
_LOOPS = frozenset({ast.For, ast.AsyncFor, ast.While})
_FORKS = frozenset({ast.If, ast.Match})
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


def _branches(fork: ast.AST) -> list[tuple[Position, Position]]:
    """Where each branch of an ``if`` (its body, its ``else`` or ``elif``) or of a ``match``
    (each case's body) lies, of which at most one runs."""
    blocks = [fork.body, fork.orelse] if type(fork) is ast.If else [c.body for c in fork.cases]
    return [(_start(block[0]), _end(block[-1])) for block in blocks if block]


def _branch_path(at: Position, forks: list[list[tuple[Position, Position]]]) -> BranchPath:
    return {
        i: k
        for i, branches in enumerate(forks)
        for k, (start, end) in enumerate(branches)
        if start <= at <= end
    }


def _exclusive(a: BranchPath, b: BranchPath) -> bool:
    """Whether two places sit in different branches of one fork."""
    return any(fork in b and b[fork] != branch for fork, branch in a.items())


def _reached_by_traced(
    read: ast.Name,
    bindings: list,
    loops: list[tuple[Position, Position]],
    paths: dict[Position, BranchPath],
) -> bool:
    here = _start(read)
    path = paths[here]
    above = [
        is_traced for at, is_traced in bindings if at <= here and not _exclusive(paths[at], path)
    ]
    if not above or any(above):
        return True  # bound outside the function, or a traced value may reach the read
    # The next iteration of a loop around the read sees what the loop binds further down,
    # and what a branch beside the read's binds (the loop holds their whole ``if``).
    return any(
        start <= here <= end
        and any(
            is_traced and start <= at <= end and (here < at or _exclusive(paths[at], path))
            for at, is_traced in bindings
        )
        for start, end in loops
    )
