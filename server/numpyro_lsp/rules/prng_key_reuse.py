"""NPR015 prng-key-reuse

## What it does
Flags a JAX PRNG key that feeds two random draws (`jax.random` samplers,
`Distribution.sample(key)`, `numpyro.sample(..., rng_key=key)`) with no `random.split` in
between, and a draw in a loop or comprehension from a key that the loop never replaces.
Handing one key to `mcmc.run` and then to a `Predictive` is not flagged: those are
separate computations, as in numpyro's own docs. Nor is a draw outside a model that is only
shown (a line of its own, printed, in an f-string's field too, or handed alone to a call
whose result is thrown away, such as `plt.hist(d.sample(key))`), as when a notebook shows
that one key gives the same numbers twice: nothing combines it with another. Outside a
model, the draws must meet: a later statement (or the later draw's own) reads both, through
the names they were assigned to and those computed from them (not as the two arms of one
`jnp.where`, which takes each element from one of them); a notebook that hands one key to
two separate exercises, each printed or plotted on its own, is not flagged. So with a
loop outside a model: its draws are flagged where two iterations' values meet (appended to
one list, summed, drawn in a comprehension), not where each iteration plots or prints its
own.

## Why is this bad?
The same key gives the same random numbers. Nothing fails: the draws are perfectly
correlated (two A/B arms clicking together, a simulated slope off by 25%), and the
"replicates" of a loop are identical.

## Example
```python
from jax import random

key = random.PRNGKey(0)
x = random.normal(key, (100,))
noise = random.normal(key, (100,))
y = 2.0 * x + noise
```

## Use instead
```python
from jax import random

key = random.PRNGKey(0)
key_x, key_noise = random.split(key)
x = random.normal(key_x, (100,))
noise = random.normal(key_noise, (100,))
y = 2.0 * x + noise
```

## Precision
On the real-code corpus (`tests/realcode/`: 267 files that import numpyro, from 30 PyPI
projects): 5 findings, 5 true. Keys handed to inference (`mcmc.run`, `Predictive`) no
longer count: on numpyro's own examples and notebooks that took 29 findings, none true,
to none. On 28 more public projects (about 1,300 files), 70 findings were read: 25 true, 45
false, 38 of those in one notebook series (ludaavics/rethinking) that hands one key to every
exercise. Since the draws must meet, 33 of the 45 went and every true one stays; the 12
left are all in that series (2 plot both draws in one call). On 27 more (survey 6): 22
findings, 19 true; the 3 false were the two arms of one conditional expression (`a if c
else b`), which no longer count as two draws. Asking whether a loop's iterations meet took
one false finding (ludaavics's plots per dimension) and one judged true but harmless
(dl4bi's test, which saves one figure per iteration) away.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from numpyro_lsp.analysis.models import (
    STATIC_ATTRIBUTES,
    assigned_names,
    exclusive_branches,
    last_name,
)
from numpyro_lsp.rules.base import ModuleAnalysis, Report, See, Severity

CODE = "NPR015"
NAME = "prng-key-reuse"
SEVERITY = Severity.WARNING
# jax.random functions that make or handle keys rather than draw random numbers.
NOT_DRAWS = {
    "jax.random.PRNGKey",
    "jax.random.key",
    "jax.random.key_data",
    "jax.random.wrap_key_data",
    "jax.random.key_impl",
    "jax.random.clone",
    "jax.random.split",
    "jax.random.fold_in",
}
COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
TERMINATORS = (ast.Return, ast.Raise, ast.Continue, ast.Break)
COMPARISON = re.compile(r"assert|allclose|isclose|array_equal", re.I)


@dataclass
class Use:
    node: ast.AST
    branches: tuple[tuple[int, str], ...]
    statement: ast.stmt
    # The names the draw's statement assigns (``x = random.normal(key)``).
    targets: frozenset[str]


def is_comparison(node: ast.AST) -> bool:
    """An ``assert``, or a call such as ``assert_allclose(...)`` or ``jnp.allclose(...)``."""
    if isinstance(node, ast.Expr):
        node = node.value
    if isinstance(node, ast.Assert):
        return True
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return COMPARISON.search(name) is not None


def compared_names(body: list[ast.stmt]) -> list[set[str]]:
    """The names each comparison of a body reads. Tests draw twice from one key on purpose,
    to compare the draws."""
    return [
        {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
        for statement in body
        for node in ast.walk(statement)
        if is_comparison(node)
    ]


def builds_distribution(analysis: ModuleAnalysis, node: ast.expr, local: dict) -> bool:
    """``dist.Gamma(2, 1)`` (through ``.expand``/``.to_event``), or a name assigned one in
    the same function or at module level."""
    for _ in range(10):
        if isinstance(node, ast.Name):
            if node.id in local:
                node, local = local[node.id], {}
                continue
            path = analysis.instances.get(node.id)
            member = analysis.catalog.lookup(path) if path else None
            return member is not None and member.obj["kind"] == "distribution"
        if not isinstance(node, ast.Call):
            return False
        if isinstance(node.func, ast.Attribute) and node.func.attr in ("expand", "to_event"):
            node = node.func.value
            continue
        obj = analysis.catalog_object(node.func)
        return obj is not None and obj["kind"] == "distribution"
    return False


def drawn_key(analysis: ModuleAnalysis, call: ast.Call, local: dict) -> ast.expr | None:
    """The key a call draws random numbers from: a ``jax.random`` sampler's first argument,
    ``Distribution.sample(key, ...)``, ``numpyro.sample(..., rng_key=key)``."""
    keywords = {k.arg: k.value for k in call.keywords if k.arg}
    path = analysis.resolve(call.func)
    if path is not None and path.startswith("jax.random.") and path not in NOT_DRAWS:
        return call.args[0] if call.args else keywords.get("key")
    if (
        isinstance(call.func, ast.Attribute)
        and call.func.attr == "sample"
        and builds_distribution(analysis, call.func.value, local)
    ):
        return call.args[0] if call.args else keywords.get("key")
    if analysis.primitive_name(call) == "sample":
        return keywords.get("rng_key")
    return None


def may_draw(analysis: ModuleAnalysis, call: ast.Call) -> bool:
    """A cheap first look: could this call draw from a key? (``numpyro.sample`` draws
    from one only when given ``rng_key``: most models call it and need no walk.)"""
    if isinstance(call.func, ast.Attribute) and call.func.attr == "sample":
        return analysis.primitive_name(call) != "sample" or any(
            keyword.arg == "rng_key" for keyword in call.keywords
        )
    path = analysis.resolve(call.func)
    return path is not None and path.startswith("jax.random.") and path not in NOT_DRAWS


def bound_by_loop(node: ast.For | ast.AsyncFor | ast.While) -> set[str]:
    """The names a loop gives a new value on each iteration: its target and assignments."""
    names = set(assigned_names(node.target)) if isinstance(node, (ast.For, ast.AsyncFor)) else set()
    for child in ast.walk(node):
        if isinstance(child, ast.Assign):
            names.update(n for t in child.targets for n in assigned_names(t))
        elif isinstance(child, (ast.AugAssign, ast.AnnAssign, ast.For, ast.AsyncFor)):
            names.update(assigned_names(child.target))
        elif isinstance(child, ast.NamedExpr):
            names.add(child.target.id)
    return names


def enclosing_bindings(statement: ast.stmt) -> dict[int, tuple[set[str], bool]]:
    """For each call in a statement's own expressions that sits in a comprehension or lambda:
    the names those bind, and whether a comprehension repeats it."""
    found: dict[int, tuple[set[str], bool]] = {}

    def visit(node: ast.AST, bound: set[str], repeated: bool) -> None:
        if isinstance(node, ast.stmt) and node is not statement:
            return
        if isinstance(node, COMPREHENSIONS):
            bound = bound | {n for g in node.generators for n in assigned_names(g.target)}
            repeated = True
        elif isinstance(node, ast.Lambda):
            arguments = node.args
            every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
            bound = bound | {a.arg for a in every}
        if isinstance(node, ast.Call) and (bound or repeated):
            found[id(node)] = (bound, repeated)
        for child in ast.iter_child_nodes(node):
            visit(child, bound, repeated)

    visit(statement, set(), False)
    return found


def conditional_arms(statement: ast.stmt) -> dict[int, tuple[tuple[int, str], ...]]:
    """The arms of conditional expressions (``a if c else b``) each call of a statement's own
    expressions sits in, as branches: one arm runs, so its draws and the other's never
    both happen."""
    arms: dict[int, tuple[tuple[int, str], ...]] = {}

    def visit(node: ast.AST, path: tuple[tuple[int, str], ...]) -> None:
        if isinstance(node, ast.IfExp):
            visit(node.test, path)
            visit(node.body, (*path, (id(node), "body")))
            visit(node.orelse, (*path, (id(node), "orelse")))
            return
        if path and isinstance(node, ast.Call):
            arms[id(node)] = path
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, ast.stmt):
                visit(child, path)

    visit(statement, ())
    return arms


class _Scope:
    """Walks one function or module body in source order: which draws each key fed since it
    was last assigned."""

    def __init__(
        self, analysis: ModuleAnalysis, local: dict[str, ast.expr], body: list[ast.stmt]
    ) -> None:
        self.analysis = analysis
        self.local = local
        self.body = body
        self._compared: list[set[str]] | None = None
        self._flat: list[ast.stmt] | None = None  # the body's statements, for ``meet``
        self.uses: dict[str, list[Use]] = {}
        # The loops each name was last assigned in: a draw in a deeper loop repeats.
        self.assigned_in: dict[str, tuple[int, ...]] = {}
        self.loop_bound: dict[int, set[str]] = {}
        self.loop_nodes: dict[int, ast.For | ast.AsyncFor | ast.While] = {}
        self.reports: list[Report] = []

    def block(self, body: list[ast.stmt], loops=(), branches=()) -> None:
        for statement in body:
            self.statement(statement, loops, branches)

    def branch(self, body: list[ast.stmt], loops, branches) -> None:
        """A branch that ends in ``return``/``raise``/``continue``/``break``: its draws do not
        reach the statements after it."""
        before = {name: len(uses) for name, uses in self.uses.items()}
        self.block(body, loops, branches)
        if body and isinstance(body[-1], TERMINATORS):
            for name, uses in self.uses.items():
                del uses[before.get(name, 0) :]

    def statement(self, node: ast.stmt, loops, branches) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            return
        if isinstance(node, ast.If):
            self.expression(node, loops, branches)
            self.branch(node.body, loops, (*branches, (id(node), "body")))
            self.branch(node.orelse, loops, (*branches, (id(node), "orelse")))
            return
        if isinstance(node, (ast.For, ast.AsyncFor, ast.While)):
            self.expression(node, loops, branches)
            self.loop_bound[id(node)] = bound_by_loop(node)
            self.loop_nodes[id(node)] = node
            if not isinstance(node, ast.While):
                self.assign(assigned_names(node.target), (*loops, id(node)))
            self.block(node.body, (*loops, id(node)), branches)
            self.block(node.orelse, loops, branches)
            return
        if isinstance(node, (ast.Try, ast.TryStar)):
            parts = [node.body, node.orelse, node.finalbody, *(h.body for h in node.handlers)]
            for i, part in enumerate(parts):
                self.branch(part, loops, (*branches, (id(node), str(i))))
            return
        if isinstance(node, ast.Match):
            self.expression(node, loops, branches)
            for i, case in enumerate(node.cases):
                self.branch(case.body, loops, (*branches, (id(node), f"case{i}")))
            return
        self.expression(node, loops, branches)
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            self.assign((n for t in targets for n in assigned_names(t)), loops)
            return
        # Any other compound statement (with, async with): its nested statements in order.
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.stmt):
                self.statement(child, loops, branches)

    def assign(self, names, loops) -> None:
        for name in names:
            self.uses.pop(name, None)  # a new value: earlier draws no longer count
            self.assigned_in[name] = loops

    def expression(self, statement: ast.stmt, loops, branches) -> None:
        """The draws in a statement's own expressions (its header, for a compound one)."""
        calls = self.analysis.calls_by_statement.get(id(statement), [])
        if not any(may_draw(self.analysis, call) for call in calls):
            return
        # Only a comprehension or lambda binds names around a call (models.forking_statements).
        forking = id(statement) in self.analysis.forking_statements
        enclosing = enclosing_bindings(statement) if forking else {}
        # The names that take the draw's value: an assignment's, or a loop's over the draw
        # (``for i in random.choice(key, n, (5,)):``, its items).
        if isinstance(statement, ast.Assign):
            holders = statement.targets
        elif isinstance(statement, (ast.For, ast.AsyncFor)):
            holders = [statement.target]
        else:
            holders = []
        targets = frozenset(name for target in holders for name in assigned_names(target))
        drawing = [
            (call, key)
            for call in sorted(calls, key=lambda c: (c.lineno, c.col_offset))
            if isinstance(key := drawn_key(self.analysis, call, self.local), ast.Name)
        ]
        arms = conditional_arms(statement) if len(drawing) > 1 else {}
        for call, key in drawing:
            bound, repeated = enclosing.get(id(call), (set(), False))
            if key.id in bound:
                continue  # a comprehension's or lambda's own variable: a new key each time
            where = (*branches, *arms.get(id(call), ()))
            self.use(key, Use(call, where, statement, targets), loops, repeated)

    def apart(self, earlier: list[Use], later: Use) -> bool:
        """Whether the later draw is never used with the earlier ones: it overwrites their
        result, or a comparison reads it with one of them (a test that checks draws from one
        key are equal)."""
        if all(u.targets and u.targets <= later.targets for u in earlier):
            return True
        if self.shown(later) or all(self.shown(u) for u in earlier):
            return True
        if any(u.statement is later.statement for u in earlier):
            return is_comparison(later.statement)
        if self.plotted(later) or all(self.plotted(u) for u in earlier):
            return True
        if self._compared is None:
            self._compared = compared_names(self.body)
        if any(
            u.targets & names and later.targets & names for u in earlier for names in self._compared
        ):
            return True
        return self.analysis.in_model(later.node) is None and not self.meet(earlier, later)

    def meet(self, earlier: list[Use], later: Use) -> bool:
        """Whether the draws' values meet in a statement after them, through the names they
        are assigned to and those computed from them: a notebook that hands one key to two
        separate exercises (a random walk, then a growth product, each printed) never
        combines their draws. A value not assigned to a name cannot be followed: it may."""
        if self._flat is None:
            self._flat = [each for statement in self.body for each in walked(statement)]
        order = {id(statement): i for i, statement in enumerate(self._flat)}
        starts = [order.get(id(u.statement)) for u in earlier]
        if not all(u.targets for u in (*earlier, later)) or None in starts:
            return True
        given = {id(u.statement): u.targets for u in earlier}
        none: frozenset[str] = frozenset()
        steps = [
            (
                statement,
                given.get(id(statement), none),
                later.targets if statement is later.statement else none,
                statement is later.statement,
            )
            for statement in self._flat[min(starts) :]
        ]
        return values_meet(steps, self.analysis.bindings.keys())

    def iterations_meet(self, loop: ast.For | ast.AsyncFor | ast.While, use: Use) -> bool:
        """Whether a draw's values of two iterations of ``loop`` meet, through the names
        they are assigned to and those computed from them (``meet``, over the loop's body
        walked twice): an accumulation (``xs.append(y)``, ``total = total + y``) meets, a
        notebook that draws with one key in each iteration of a loop over sizes and plots
        each on its own does not. A value not assigned to a name cannot be followed: it
        may."""
        if self.shown(use) or self.plotted(use):
            return False  # each iteration's draw only shown (``ax.hist(d.sample(key))``)
        body = [each for statement in loop.body for each in walked(statement)]
        if not use.targets or not any(statement is use.statement for statement in body):
            return True
        none: frozenset[str] = frozenset()
        own = [(statement, statement is use.statement) for statement in body]
        steps = [
            (statement, use.targets if drawn else none, none, False) for statement, drawn in own
        ]
        # The next iteration binds the loop's target again (``for ax in axs``: a panel
        # drawn into holds the last iteration's values no longer).
        steps.append((loop, none, none, False))
        steps += [
            (statement, none, use.targets if drawn else none, drawn) for statement, drawn in own
        ]
        return values_meet(steps, self.analysis.bindings.keys())

    def shown(self, use: Use) -> bool:
        """Whether a draw outside a model is its statement's whole value (``d.sample(key)``
        on a line of its own, or printed): it is displayed or thrown away, never combined with
        another draw (a notebook showing that one key gives the same numbers twice). In a model
        a ``numpyro.sample`` statement records a site, so there it counts."""
        value = self._shown_value(use)
        if value is None:
            return False
        if isinstance(value, ast.Call) and value is not use.node:
            printed = type(value.func) is ast.Name and value.func.id == "print"
            return printed and any(_shows(argument, use.node) for argument in value.args)
        return value is use.node

    def _shown_value(self, use: Use) -> ast.expr | None:
        """The value of the expression statement a draw outside a model stands in, which
        nothing keeps; None for a draw in any other statement, or in a model."""
        statement = use.statement
        if not isinstance(statement, ast.Expr) or self.analysis.in_model(use.node) is not None:
            return None
        return statement.value

    def plotted(self, use: Use) -> bool:
        """Whether a draw outside a model is handed straight to a call whose result is thrown
        away (``plt.hist(d.sample(key))``): shown, never combined with another draw, unless
        the same call takes another (``plt.scatter(a, b)`` shows them together)."""
        call = self._shown_value(use)
        return isinstance(call, ast.Call) and any(
            argument is use.node for argument in [*call.args, *(k.value for k in call.keywords)]
        )

    def use(self, key: ast.Name, use: Use, loops, in_comprehension: bool) -> None:
        earlier = [
            u
            for u in self.uses.setdefault(key.id, [])
            if not exclusive_branches(u.branches, use.branches)
        ]
        if earlier and self.apart(earlier, use):
            earlier = []
        assigned_in = self.assigned_in.get(key.id, ())
        repeating = [
            loop
            for loop in loops
            if loop not in assigned_in and key.id not in self.loop_bound[loop]
        ]
        repeated = in_comprehension or (
            bool(repeating)
            and (
                self.analysis.in_model(use.node) is not None
                or any(self.iterations_meet(self.loop_nodes[loop], use) for loop in repeating)
            )
        )
        if earlier:
            # The draw it meets, the nearest above (not a loop's, long before, it does not).
            met = [u for u in earlier if not self.apart([u], use)] or earlier
            self.reports.append(
                Report(
                    key,
                    f"`{key.id}` already drew random numbers on line {{0}}: split it "
                    f"(`key_a, key_b = random.split({key.id})`) or the draws are correlated",
                    related=(See(met[-1].node, "drawn here"),),
                    numbered=(met[-1].node,),
                )
            )
        elif repeated:
            self.reports.append(
                Report(
                    key,
                    f"`{key.id}` draws the same numbers on every iteration: split a fresh key "
                    f"in the loop (`{key.id}, subkey = random.split({key.id})`)",
                )
            )
        self.uses[key.id].append(use)


def check_chunk(analysis: ModuleAnalysis) -> Iterator[Report]:
    """Draws in a function: its own statements."""
    # Only functions that may draw can reuse a key: skip the others without walking them.
    drawing: set[int] = set()  # ids of the definitions
    owners = analysis.owner_nodes
    # What ``may_draw`` may say yes to: a ``.sample`` method, or a callee of jax's.
    candidates = [
        call
        for call in analysis.nodes(ast.Call)
        if type(call.func) is ast.Attribute and call.func.attr == "sample"
    ]
    for call in [*candidates, *(call for call, _ in analysis.calls_from("jax"))]:
        owner = owners.get(id(call))
        if owner is not None and id(owner) not in drawing and may_draw(analysis, call):
            drawing.add(id(owner))
    for function in analysis.functions:
        if id(function.node) in drawing:
            scope = _Scope(analysis, function.assignments, function.node.body)
            scope.block(function.node.body)
            yield from scope.reports


def walked(statement: ast.stmt, found: list[ast.stmt] | None = None) -> list[ast.stmt]:
    """The statements whose own expressions ``_Scope.statement`` reads, from ``statement``
    down (functions and classes are skipped, a ``try`` has none of its own), appended to
    ``found`` (a list, not nested generators: every module-level statement is walked)."""
    found = [] if found is None else found
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return found
    if isinstance(statement, (ast.If, ast.For, ast.AsyncFor, ast.While)):
        found.append(statement)
        for child in (*statement.body, *statement.orelse):
            walked(child, found)
    elif isinstance(statement, (ast.Try, ast.TryStar)):
        for part in (statement.body, statement.orelse, statement.finalbody):
            for child in part:
                walked(child, found)
        for handler in statement.handlers:
            for child in handler.body:
                walked(child, found)
    elif isinstance(statement, ast.Match):
        found.append(statement)
        for case in statement.cases:
            for child in case.body:
                walked(child, found)
    else:
        found.append(statement)
        if not isinstance(statement, (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.Expr)):
            for child in ast.iter_child_nodes(statement):
                if isinstance(child, ast.stmt):
                    walked(child, found)
    return found


def values_meet(
    steps: list[tuple[ast.stmt, frozenset[str], frozenset[str], bool]], imported: Iterable[str]
) -> bool:
    """Whether two draws' values meet, followed through statements in order: each step is a
    statement, the names it gives the first value and the second, and whether it is the
    second draw's own (which meets the first by reading it). A name assigned from a value
    holds it; assigned from anything else, it no longer does."""
    first: set[str] = set()
    second: set[str] = set()
    for statement, gives_first, gives_second, second_draw in steps:
        reads = own_reads(statement)
        # A module's function called (``az.plot_density(growth)``) changes no value.
        assigned = set(changed_names(statement)).difference(imported)
        if reads & first and reads & second and _alternatives(statement, first, second):
            # ``jnp.where(c, left, right)``: each element is one draw's, never both.
            first, second = first - assigned, second - assigned
            continue
        if reads & first and (reads & second or second_draw):
            return True
        from_first, from_second = bool(reads & first), bool(reads & second)
        first = (first | assigned) if from_first else first - assigned
        second = (second | assigned) if from_second else second - assigned
        first |= gives_first
        second |= gives_second
    return False


def _alternatives(statement: ast.stmt, first: set[str], second: set[str]) -> bool:
    """Whether a statement reads the two values only as the two arms of one ``where``
    (``jnp.where(u < w, left, right)``, ``lax.select``), which takes each element from
    one of them (jax-snana's two-piece mixture, drawn from one key)."""
    reads = [
        n for n in ast.walk(statement) if type(n) is ast.Name and (n.id in first or n.id in second)
    ]
    for call in ast.walk(statement):
        if type(call) is not ast.Call or len(call.args) != 3 or call.keywords:
            continue
        if last_name(call.func) not in ("where", "select"):
            continue
        arms = [{id(n) for n in ast.walk(arm)} for arm in call.args[1:]]
        sides = [
            {n.id in first for n in reads if id(n) in arm} for arm in arms
        ]  # which value each arm reads
        inside = all(any(id(n) in arm for arm in arms) for n in reads)
        if inside and sorted(map(sorted, sides)) == [[False], [True]]:
            return True
    return False


def walk_assigned(statement: ast.stmt) -> list[str]:
    """The names ``_Scope.statement`` gives a new value in a statement it walks."""
    if isinstance(statement, (ast.For, ast.AsyncFor, ast.AnnAssign, ast.AugAssign)):
        return list(assigned_names(statement.target))
    if isinstance(statement, ast.Assign):
        return [n for t in statement.targets for n in assigned_names(t)]
    return []


def own_reads(statement: ast.stmt) -> set[str]:
    """The names a statement reads in its own expressions (a compound one's header: its
    nested statements are read on their own)."""
    if isinstance(statement, (ast.If, ast.While)):
        nodes = [statement.test]
    elif isinstance(statement, (ast.For, ast.AsyncFor)):
        nodes = [statement.iter]
    elif isinstance(statement, ast.Match):
        nodes = [statement.subject]
    elif isinstance(statement, (ast.With, ast.AsyncWith)):
        nodes = [item.context_expr for item in statement.items]
    else:
        nodes = [statement]
    walked_nodes = [n for node in nodes for n in ast.walk(node)]
    # A value's shape is no part of its value (``shape=theta1.shape`` draws anew).
    shapes_only = {
        id(n.value)
        for n in walked_nodes
        if type(n) is ast.Attribute and n.attr in STATIC_ATTRIBUTES and type(n.value) is ast.Name
    }
    return {
        n.id
        for n in walked_nodes
        if type(n) is ast.Name and type(n.ctx) is ast.Load and id(n) not in shapes_only
    }


def changed_names(statement: ast.stmt) -> list[str]:
    """The names a statement gives a value or changes: its assignments, the container an
    item or attribute is stored into (``xs[i] = ...``), and the object whose method an
    expression statement calls (``xs.append(...)``)."""
    names = walk_assigned(statement)
    targets = statement.targets if isinstance(statement, ast.Assign) else []
    if isinstance(statement, (ast.AugAssign, ast.AnnAssign)):
        targets = [statement.target]
    for target in targets:
        while isinstance(target, (ast.Subscript, ast.Attribute)):
            target = target.value
        if isinstance(target, ast.Name):
            names.append(target.id)
    if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
        func = statement.value.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            names.append(func.value.id)
    return names


# Module-level statements the walk does nothing with: they draw nothing and assign no name.
_INERT = frozenset(
    {ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom}
)


def part_statements(part: ModuleAnalysis) -> list[tuple[ast.stmt, bool, list[str]]]:
    """A part's module-level statements that the walk reads, each with whether a call in it
    may draw and, for one that cannot, the names it assigns (all that the walk would do
    with it: it holds no draw, so no key is used there, and what a key was last assigned in
    matters only for the loops around a later draw). Kept with the part."""
    kept = part.part_facts.get(CODE)
    if kept is None:
        kept = []
        for statement in part.tree.body:
            if type(statement) in _INERT:
                continue
            inside = walked(statement)
            draws = any(
                may_draw(part, call)
                for each in inside
                for call in part.calls_by_statement.get(id(each), ())
            )
            names = [] if draws else [n for each in inside for n in walk_assigned(each)]
            if draws or names:
                kept.append((statement, draws, names))
        part.part_facts[CODE] = kept
    return kept


def check(analysis: ModuleAnalysis) -> Iterator[Report]:
    """Draws at module level: keys flow from statement to statement. Only the statements
    that may draw are walked; the others only end what their names held."""
    scope = _Scope(analysis, analysis.assignments, analysis.tree.body)
    if not analysis.parts:  # made by hand, not by analyze_module: walk it all
        scope.block(analysis.tree.body)
    for part in analysis.parts:
        for statement, draws, names in part_statements(part):
            if draws:
                scope.statement(statement, (), ())
            else:
                scope.assign(names, ())
    yield from scope.reports


def _shows(argument: ast.expr, draw: ast.AST) -> bool:
    """Whether a printed argument is the draw itself, or an f-string showing it alone in one
    of its fields (``f"sample 1 = {random.normal(key)}"``)."""
    if argument is draw:
        return True
    return type(argument) is ast.JoinedStr and any(
        type(part) is ast.FormattedValue and part.value is draw for part in argument.values
    )
