"""NPR006 duplicate-site-name

## What it does
Flags two sample or deterministic sites of one model with the same name, including a site
with a constant name inside a Python loop (every iteration reuses the name; not one under
an `if` that picks iterations by the loop variable's value, `if i == 0:`), and names
repeated through calls: a helper with hard-coded site names called twice from one model,
or in a loop, or naming a site like one of the model's own (helpers are followed through
the file and, in the editor, workspace imports). Sites in branches that cannot both run
(`if`/`else`, `a if c else b`, `if c: ... return`, `if x == "a"` and `if x == "b"`) may
share a name, and so may repeated `numpyro.param` calls, which numpyro memoizes, and draws
given their own `rng_key` (plain code, outside any handler). Sites inside
`with handlers.scope(prefix=...)` are compared by the names numpyro records (`level/std`).

## Why is this bad?
Site names identify random variables in traces, samples and handlers. numpyro stops with
`AssertionError: all sites must have unique names but got `x` duplicated`.

## Example
```python
import numpyro
import numpyro.distributions as dist


def model(data):
    for i in range(3):
        numpyro.sample("x", dist.Normal(0.0, 1.0), obs=data[i])
```

## Use instead
```python
import numpyro
import numpyro.distributions as dist


def model(data=None):
    with numpyro.plate("n", 3):
        numpyro.sample("x", dist.Normal(0.0, 1.0), obs=data)
    if data is None:
        numpyro.sample("y", dist.Normal(0.0, 1.0))
    else:
        numpyro.sample("y", dist.Normal(0.0, 1.0), obs=data[0])
```

## Precision
On the real-code corpus (`tests/realcode/`: 267 files that import numpyro, from 30 PyPI
projects): 2 findings, 2 true.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

from numpyro_lsp.analysis.call_graph import CallGraph
from numpyro_lsp.analysis.conditions import contradict
from numpyro_lsp.analysis.models import (
    FunctionInfo,
    Site,
    assigned_names,
    bind_arguments,
    exclusive_branches,
)
from numpyro_lsp.analysis.sites import is_site_string
from numpyro_lsp.rules.base import ModuleAnalysis, Report, See, Severity

CODE = "NPR006"
NAME = "duplicate-site-name"
SEVERITY = Severity.ERROR
SCOPE = "numpyro.handlers.scope"


def check_chunk(analysis: ModuleAnalysis) -> Iterator[Report]:
    arms: dict[int, set[tuple[int, str]]] | None = None
    for model in analysis.models:
        first: dict[str, list[Site]] = {}
        for site in model.sites:
            name = recorded_name(analysis, site)
            if name is None:
                continue
            if "rng_key" in site.arguments:
                continue  # a draw with its own key, in plain code: no handler records it
            if site.primitive == "param":
                # numpyro's trace keeps the first of repeated params (it memoizes them);
                # only a sample or deterministic site may not reuse a recorded name.
                first.setdefault(name, []).append(site)
                continue
            name_node = site.name_node
            earlier = [
                s
                for s in first.get(name, [])
                if not exclusive_branches(s.branches, site.branches)
                and not contradict(s.conditions, site.conditions)
            ]
            if earlier:
                arms = conditional_arms(analysis) if arms is None else arms
                earlier = [s for s in earlier if not other_arms(arms, s.call, site.call)]
            if earlier:
                yield Report(
                    name_node,
                    f"site name `{site.name}` is already used in `{model.name}`: "
                    "give each site its own name",
                    related=(See(earlier[0].name_node, "first defined here"),),
                )
            elif (
                site.loops
                and not any(loop in site.loops for s in first.get(name, []) for loop in s.loops)
                and not selected_iteration(analysis, site)
            ):
                yield Report(
                    name_node,
                    f"site `{site.name}` is inside a loop, so every iteration reuses its name: "
                    "use `numpyro.plate` or a name built from the loop index",
                )
            first.setdefault(name, []).append(site)


def recorded_name(analysis: ModuleAnalysis, site: Site) -> str | None:
    """The name numpyro records for the site: ``with handlers.scope(prefix=...)`` blocks
    around it put their prefixes before it. None when a name or prefix is not a literal."""
    name = site.name
    scopes = [handler.call for handler in site.handlers if handler.path == SCOPE]
    if name is None or not scopes:
        return name
    signature = analysis.catalog.lookup(SCOPE).obj
    for call in reversed(scopes):  # the innermost prefix is nearest the name
        arguments = bind_arguments(signature, call)
        prefix, divider = arguments.get("prefix"), arguments.get("divider")
        if not is_site_string(prefix) or (divider is not None and not is_site_string(divider)):
            return None
        name = f"{prefix.value}{divider.value if divider is not None else '/'}{name}"
    return name


def conditional_arms(analysis: ModuleAnalysis) -> dict[int, set[tuple[int, str]]]:
    """For each call inside a conditional expression (``a if c else b``), by id: which arm
    of which expression holds it. Read only when a name repeats, which is rare."""
    arms: dict[int, set[tuple[int, str]]] = {}
    for expression in analysis.nodes(ast.IfExp):
        for arm in ("body", "orelse"):
            for node in ast.walk(getattr(expression, arm)):
                if isinstance(node, ast.Call):
                    arms.setdefault(id(node), set()).add((id(expression), arm))
    return arms


def other_arms(arms: dict[int, set[tuple[int, str]]], one: ast.Call, other: ast.Call) -> bool:
    """Whether two calls lie in different arms of one conditional expression: one runs."""
    there = arms.get(id(other), set())
    return any(
        (expression, "orelse" if arm == "body" else "body") in there
        for expression, arm in arms.get(id(one), ())
    )


@dataclass
class Named:
    """A site name that a model's own statement brings: one of its sites, or a call of a
    helper that has the site."""

    name: str
    node: ast.AST
    branches: tuple[tuple[int, str], ...]
    loops: tuple[ast.stmt, ...]
    conditions: frozenset
    through: str | None  # the helper called, for a name that comes through a call


def names_through_calls(
    analysis: ModuleAnalysis, graph: CallGraph, model: FunctionInfo
) -> list[Named]:
    named = [
        Named(s.name, s.name_node, s.branches, s.loops, s.conditions, None)
        for s in model.sites
        if s.name is not None and s.primitive != "param"
    ]
    for call in graph.calls_from(analysis, model):
        if call.handlers:
            continue  # ``with handlers.scope(prefix=...)`` and the like rename or hide sites
        for reached in graph.reached_sites(call.callee, unhandled=True):
            site = reached.site
            if site.name is None or site.primitive == "param" or site.handlers:
                continue
            if reached.unconditional:
                through = call.callee.function.name
                named.append(
                    Named(site.name, call.node, call.branches, call.loops, call.conditions, through)
                )
    return sorted(named, key=lambda n: (n.node.lineno, n.node.col_offset))


def may_call_helpers(analysis: ModuleAnalysis, model: FunctionInfo) -> bool:
    """A cheap first look: does the model call a function of the file by name, or could it
    call an imported one?"""
    return bool(analysis.imported_models) or any(
        name in analysis.functions_by_name for name in model.called_names
    )


def check(analysis: ModuleAnalysis) -> Iterator[Report]:
    """Site names repeated through calls of helpers (the model's own: ``check_chunk``)."""
    runs = {id(f) for f in analysis.models}
    runs |= {id(f) for f in analysis.functions if analysis.uses_of(f)}
    graph = CallGraph()
    for model in analysis.functions:
        if id(model) not in runs or not may_call_helpers(analysis, model):
            continue
        first: dict[str, list[Named]] = {}
        reported: set[int] = set()
        for named in names_through_calls(analysis, graph, model):
            earlier = [
                n
                for n in first.get(named.name, [])
                if not exclusive_branches(n.branches, named.branches)
                and not contradict(n.conditions, named.conditions)
                and n.node is not named.node
            ]
            first.setdefault(named.name, []).append(named)
            if named.through is None and not any(n.through for n in earlier):
                continue  # two of the model's own sites: the chunk check's
            if id(named.node) in reported:
                continue
            if earlier:
                reported.add(id(named.node))
                how = f"`{named.through}` adds" if named.through else "this site adds"
                yield Report(
                    named.node,
                    f"{how} a site named `{named.name}`, already used in `{model.name}`: "
                    "give each call its own names (a prefix argument, or `handlers.scope`)",
                    related=(See(earlier[0].node, "first defined here"),),
                )
            elif named.through and named.loops:
                reported.add(id(named.node))
                yield Report(
                    named.node,
                    f"`{named.through}` adds a site named `{named.name}` on every iteration "
                    "of this loop: use `numpyro.plate`, or names built from the loop index",
                )


def selected_iteration(analysis: ModuleAnalysis, site: Site) -> bool:
    """Whether the site is drawn only on the iterations whose loop variable equals a
    constant: under an ``if`` in its innermost loop that compares the loop's target with
    one (``if var1 == "grader" and var2 == "LLM":``, hibayes's one interaction of a pair;
    ``if i == 0:``)."""
    loop = site.loops[-1]
    if not isinstance(loop, (ast.For, ast.AsyncFor)):
        return False
    targets = set(assigned_names(loop.target))
    tests = {
        id(node): node.test
        for node in analysis.nodes(ast.If)
        if loop.lineno < node.lineno <= loop.end_lineno
    }
    for branch, arm in site.branches:
        test = tests.get(branch)
        if test is not None and arm == "body" and _picks(test, targets):
            return True
    return False


def _picks(test: ast.expr, targets: set[str]) -> bool:
    """Whether every way ``test`` holds has a loop target equal to a constant."""
    if isinstance(test, ast.BoolOp):
        parts = [_picks(value, targets) for value in test.values]
        return any(parts) if isinstance(test.op, ast.And) else all(parts)
    return (
        isinstance(test, ast.Compare)
        and len(test.ops) == 1
        and isinstance(test.ops[0], ast.Eq)
        and any(
            type(a) is ast.Name and a.id in targets and type(b) is ast.Constant
            for a, b in ((test.left, test.comparators[0]), (test.comparators[0], test.left))
        )
    )
