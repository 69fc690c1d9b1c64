"""NPR001 sample-without-rng-key

## What it does
Flags `numpyro.sample` called outside any model, handler or `seed` context without an
`rng_key`. A `sample` in a function or a lambda is left to its caller
(`handlers.seed(lambda: numpyro.sample(...), rng_seed=0)()`).

## Why is this bad?
NumPyro has no global random state. Outside inference, a `sample` site has no key to draw
with, and numpyro 0.22 stops with a bare `AssertionError` that carries no message.

## Example
```python
import numpyro
import numpyro.distributions as dist

x = numpyro.sample("x", dist.Normal(0.0, 1.0))
```

## Use instead
```python
import numpyro
import numpyro.distributions as dist
from jax import random

x = numpyro.sample("x", dist.Normal(0.0, 1.0), rng_key=random.PRNGKey(0))
with numpyro.handlers.seed(rng_seed=0):
    y = numpyro.sample("y", dist.Normal(0.0, 1.0))
```

## Precision
On the real-code corpus (`tests/realcode/`: 267 files that import numpyro, from 30 PyPI
projects): no finding (its precision there is not measured yet).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from numpyro_lsp.rules.base import ModuleAnalysis, Report, Severity

CODE = "NPR001"
NAME = "sample-without-rng-key"
SEVERITY = Severity.ERROR


def check_chunk(analysis: ModuleAnalysis) -> Iterator[Report]:
    lambdas = None
    for site in analysis.sites:
        if site.primitive != "sample" or site.function is not None:
            continue
        if lambdas is None:
            lambdas = analysis.nodes(ast.Lambda)
        if any(_inside(site.call, function) for function in lambdas):
            # A function, like a ``def``: its caller decides (``seed(lambda: ...)``).
            continue
        if "rng_key" in site.arguments:
            continue
        if any(h.path == "numpyro.handlers.seed" for h in site.handlers):
            continue
        yield Report(
            site.call,
            "`numpyro.sample` outside a model needs a key: pass `rng_key=random.PRNGKey(0)` "
            "or wrap it in `numpyro.handlers.seed(rng_seed=0)`",
            fix={"kind": "add_rng_key"},
        )


def _inside(node: ast.AST, outer: ast.AST) -> bool:
    start = (node.lineno, node.col_offset)
    return (outer.lineno, outer.col_offset) <= start and (node.end_lineno, node.end_col_offset) <= (
        outer.end_lineno,
        outer.end_col_offset,
    )
