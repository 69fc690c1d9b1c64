"""NPR015 prng-key-reuse

## What it does
Flags a JAX PRNG key handed to two random consumers (`jax.random` functions, `mcmc.run`,
`svi.run`, a `Predictive`, `rng_key=`, `seed(rng_seed=...)`) without a `random.split` in
between, and a key used inside a loop that never replaces it.

## Why is this bad?
The same key gives the same random numbers. Nothing fails: the draws are perfectly
correlated (two A/B arms clicking together, a simulated slope off by 25%).

## Example
```python
from jax import random

key = random.PRNGKey(0)
x = random.normal(key, (100,))
noise = random.normal(key, (100,))
```

## Use instead
```python
from jax import random

key = random.PRNGKey(0)
key_x, key_noise = random.split(key)
x = random.normal(key_x, (100,))
noise = random.normal(key_noise, (100,))
```

## Precision
On the real-code corpus (`tests/realcode/`: 267 files that import numpyro, from 30 PyPI
projects): 3 findings, 3 true.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

from numpyro_lsp.analysis.models import assigned_names, exclusive_branches
from numpyro_lsp.rules.base import ModuleAnalysis, Report, See, Severity

CODE = "NPR015"
NAME = "prng-key-reuse"
SEVERITY = Severity.WARNING
KEY_MAKERS = {"jax.random.PRNGKey", "jax.random.key", "jax.random.split", "jax.random.fold_in"}
NOT_CONSUMERS = {"jax.random.PRNGKey", "jax.random.key", "jax.random.key_data"}
KEY_KEYWORDS = {"rng_key", "key", "rng_seed"}
PREDICTIVE = "numpyro.infer.Predictive"


@dataclass
class Use:
    node: ast.AST
    loops: tuple[int, ...]
    branches: tuple[tuple[int, str], ...]


def makes_key(analysis: ModuleAnalysis, value: ast.expr, keys: set[str]) -> bool:
    while isinstance(value, ast.Subscript):
        value = value.value
    if isinstance(value, ast.Name):
        return value.id in keys
    return isinstance(value, ast.Call) and analysis.resolve(value.func) in KEY_MAKERS


def is_predictive(analysis: ModuleAnalysis, node: ast.expr) -> bool:
    """``Predictive(...)`` itself, or a module-level variable assigned one."""
    if isinstance(node, ast.Name):
        return analysis.instances.get(node.id) == PREDICTIVE
    maker = analysis.catalog_object(node.func) if isinstance(node, ast.Call) else None
    return maker is not None and maker["path"] == PREDICTIVE


def consumed_key(analysis: ModuleAnalysis, call: ast.Call, keys: set[str]) -> ast.Name | None:
    """The key variable a call consumes, if it is a random consumer of one."""
    path = analysis.resolve(call.func)
    candidates = [k.value for k in call.keywords if k.arg in KEY_KEYWORDS]
    if path is not None and path.startswith("jax.random.") and path not in NOT_CONSUMERS:
        candidates += call.args[:1]
    elif isinstance(call.func, ast.Attribute) and call.func.attr == "run":
        candidates += call.args[:1]  # mcmc.run(key, ...), svi.run(key, ...)
    elif is_predictive(analysis, call.func):
        candidates += call.args[:1]  # predictive(key, ...)
    for node in candidates:
        if isinstance(node, ast.Name) and node.id in keys:
            return node
    return None


class _Scope:
    """Walks one function or module body in source order, tracking key variables."""

    def __init__(self, analysis: ModuleAnalysis) -> None:
        self.analysis = analysis
        self.keys: set[str] = set()
        self.uses: dict[str, list[Use]] = {}
        # The loops each key was made in: a use inside a deeper loop repeats every iteration.
        self.defined_loops: dict[str, tuple[int, ...]] = {}
        self.loop_assigns: dict[int, set[str]] = {}
        self.reports: list[Report] = []

    def block(self, body: list[ast.stmt], loops=(), branches=()) -> None:
        for statement in body:
            self.statement(statement, loops, branches)

    def statement(self, node: ast.stmt, loops, branches) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            return
        if isinstance(node, ast.If):
            self.expression(node, loops, branches)
            self.block(node.body, loops, (*branches, (id(node), "body")))
            self.block(node.orelse, loops, (*branches, (id(node), "orelse")))
            return
        if isinstance(node, ast.For | ast.While):
            self.expression(node, loops, branches)
            self.loop_assigns[id(node)] = {
                name
                for child in ast.walk(node)
                if isinstance(child, ast.Assign | ast.AugAssign | ast.AnnAssign)
                for target in (child.targets if isinstance(child, ast.Assign) else [child.target])
                for name in assigned_names(target)
            }
            self.block(node.body, (*loops, id(node)), branches)
            self.block(node.orelse, loops, branches)
            return
        if isinstance(node, ast.With):
            self.expression(node, loops, branches)
            self.block(node.body, loops, branches)
            return
        if isinstance(node, ast.Try):
            for i, part in enumerate([node.body, node.orelse, node.finalbody]):
                self.block(part, loops, (*branches, (id(node), str(i))))
            return
        if isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign) and node.value:
            self.expression(node, loops, branches)
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = {n for t in targets for n in assigned_names(t)}
            for name in names:
                self.uses.pop(name, None)  # a new value: earlier uses no longer count
            if makes_key(self.analysis, node.value, self.keys):
                self.keys |= names
                for name in names:
                    self.defined_loops[name] = loops
            else:
                self.keys -= names
            return
        if isinstance(node, ast.Match):
            self.expression(node, loops, branches)
            for i, case in enumerate(node.cases):
                self.block(case.body, loops, (*branches, (id(node), f"case{i}")))
            return
        self.expression(node, loops, branches)
        # Any other compound statement (async for/with, try*): its nested statements in order.
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.stmt):
                self.statement(child, loops, branches)

    def expression(self, statement: ast.stmt, loops, branches) -> None:
        """The key uses in a statement's own expressions (its header, for a compound one)."""
        calls = self.analysis.calls_by_statement.get(id(statement), [])
        for call in sorted(calls, key=lambda c: (c.lineno, c.col_offset)):
            name = consumed_key(self.analysis, call, self.keys)
            if name is None:
                continue
            self.use(name, Use(call, loops, branches))

    def use(self, name: ast.Name, use: Use) -> None:
        earlier = [
            u
            for u in self.uses.setdefault(name.id, [])
            if not exclusive_branches(u.branches, use.branches)
        ]
        defined_in = self.defined_loops.get(name.id, ())
        if earlier:
            self.reports.append(
                Report(
                    name,
                    f"`{name.id}` was already used as a random key: split it first "
                    f"(`key, subkey = random.split({name.id})`) or the draws are identical",
                    related=(See(earlier[0].node, "first used here"),),
                )
            )
        elif any(
            loop not in defined_in and name.id not in self.loop_assigns[loop] for loop in use.loops
        ):
            self.reports.append(
                Report(
                    name,
                    f"`{name.id}` is used on every iteration of a loop without being replaced: "
                    "split a fresh key in the loop (`key, subkey = random.split(key)`)",
                )
            )
        self.uses[name.id].append(use)


def check_chunk(analysis: ModuleAnalysis) -> Iterator[Report]:
    """Keys made and used in a function: its own statements."""
    # Only functions that make a key can reuse one: skip the others without walking them.
    with_keys = {
        id(owner)
        for call in analysis.nodes(ast.Call)
        if (owner := analysis.owner(call)) is not None and analysis.resolve(call.func) in KEY_MAKERS
    }
    for function in analysis.functions:
        if id(function) in with_keys:
            scope = _Scope(analysis)
            scope.block(function.node.body)
            yield from scope.reports


def check(analysis: ModuleAnalysis) -> Iterator[Report]:
    """Keys made and used at module level: they flow from statement to statement."""
    scope = _Scope(analysis)
    scope.block(analysis.tree.body)  # functions and classes are skipped, not walked
    yield from scope.reports
