"""NPR022 sample-in-plain-call

## What it does
Flags a call, from plain module-level code (or a function that code calls), of a model or
helper that runs `numpyro.sample` with no handler or inference around it: no
`handlers.seed`, no `Predictive`, no MCMC or SVI. Helpers are followed through calls in the
file and, in the editor, through imports of workspace files. A call in a `try` whose
`except` catches the AssertionError is a failure shown on purpose (a book's demo).

## Why is this bad?
Outside inference nothing provides a PRNG key, so the first latent `numpyro.sample` stops
the program with a bare `AssertionError` that says nothing about the cause. Calling a model
to look at its prior draws, or calling a helper that samples, is a common slip.

## Example
```python
import numpyro
import numpyro.distributions as dist


def draw_weights(k):
    return numpyro.sample("w", dist.Normal(0.0, 1.0).expand([k]))


weights = draw_weights(3)
```

## Use instead
```python
import numpyro
import numpyro.distributions as dist
from numpyro import handlers


def draw_weights(k):
    return numpyro.sample("w", dist.Normal(0.0, 1.0).expand([k]))


with handlers.seed(rng_seed=0):
    weights = draw_weights(3)
```

## Precision
On the real-code corpus (`tests/realcode/`: 267 files that import numpyro, from 30 PyPI
projects): no finding. None either in numpyro's own examples and
notebooks.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from numpyro_lsp.analysis.call_graph import Call, CallGraph, ReachedSite
from numpyro_lsp.analysis.models import last_name
from numpyro_lsp.rules.base import ModuleAnalysis, Report, See, Severity

CODE = "NPR022"
NAME = "sample-in-plain-call"
SEVERITY = Severity.ERROR


def needs_key(reached: ReachedSite) -> bool:
    """A latent sample that surely runs and has nothing to give it a key."""
    site = reached.site
    return (
        site.latent
        and "rng_key" not in site.arguments
        and not site.handlers
        and reached.unconditional
        and not any(call.callee.function.decorators for call in reached.path)
    )


def check(analysis: ModuleAnalysis) -> Iterator[Report]:
    reported: set[int] = set()
    graph = CallGraph()
    caught: set[int] | None = None
    for root in graph.calls_from(analysis, None):
        if root.handlers or root.callee.function.decorators:
            continue
        if caught is None:
            caught = _caught_nodes(analysis)
        if id(root.node) in caught:
            continue  # ``try: model() except: pass``: the failure shown, on purpose
        for reached in graph.reached_sites(root.callee, unhandled=True):
            if not needs_key(reached):
                continue
            call: Call = reached.path[-1] if reached.path else root
            if id(call.node) in reported:
                break
            reported.add(id(call.node))
            name = reached.site.name or "..."
            yield Report(
                call.node,
                f'`{call.callee.function.name}` runs `numpyro.sample("{name}")` outside '
                "inference, where it raises a bare AssertionError: call it inside `with "
                "handlers.seed(rng_seed=0):` or through `Predictive`",
                related=(See(reached.site.call, "the sample site"),),
            )
            break


# What catches the AssertionError: a bare ``except:`` or one of these.
_CATCHING = frozenset({"AssertionError", "Exception", "BaseException"})


def _caught_nodes(analysis: ModuleAnalysis) -> set[int]:
    """The ids of the nodes in the body of a module-level ``try`` that catches an
    AssertionError."""
    found: set[int] = set()
    for kind in (ast.Try, ast.TryStar):
        for node in analysis.nodes(kind):
            if analysis.owner_nodes.get(id(node)) is None and any(
                _catches(handler.type) for handler in node.handlers
            ):
                found.update(id(n) for statement in node.body for n in ast.walk(statement))
    return found


def _catches(caught: ast.expr | None) -> bool:
    if caught is None:
        return True
    names = caught.elts if type(caught) is ast.Tuple else [caught]
    return any(last_name(n) in _CATCHING for n in names)
