"""NPR001 sample-without-rng-key

## What it does
Flags `numpyro.sample` called outside any model, handler or `seed` context without an
`rng_key`. A `sample` in a function or a lambda is left to its caller
(`handlers.seed(lambda: numpyro.sample(...), rng_seed=0)()`), and so is one under a `with`
whose context manager may seed it unseen: a `seed` of another module (a wrapper), or a name
the file never defines (`with handlers.seed(...)` with `handlers` not imported stops with
NameError first, which the Python server reports).

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
projects): no finding (its precision there is not measured yet). False ones that went: 2 in
pdh21/bngmetric's notebook, under `with handlers.seed(rng_seed=k):` where only `from
numpyro.handlers import seed, plate` was imported.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from numpyro_lsp.analysis.bound import BUILTINS, undefined
from numpyro_lsp.analysis.models import Site, dotted_parts
from numpyro_lsp.rules.base import ModuleAnalysis, Report, Severity

CODE = "NPR001"
NAME = "sample-without-rng-key"
SEVERITY = Severity.ERROR

SEED = "seed"


def unkeyed_sites(analysis: ModuleAnalysis) -> Iterator[Site]:
    """The ``sample`` sites outside any function with no key: no ``rng_key=`` and no
    ``seed`` handler around them."""
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
        yield site


def unknown_contexts(analysis: ModuleAnalysis, site: Site) -> Iterator[ast.expr]:
    """The context managers of the ``with`` statements around the site that are nothing
    the catalog knows (not a handler, a plate or another NumPyro object)."""
    for node in analysis.nodes(ast.With, ast.AsyncWith):
        first, last = node.body[0], node.body[-1]
        start, end = (first.lineno, first.col_offset), (last.end_lineno, last.end_col_offset)
        call = site.call
        if not start <= (call.lineno, call.col_offset) < end:
            continue
        for item in node.items:
            expr = item.context_expr
            if analysis.catalog_object(expr.func if type(expr) is ast.Call else expr) is None:
                yield expr


def could_seed(analysis: ModuleAnalysis, context: ast.expr) -> bool | None:
    """Whether a context manager the catalog does not know may be a ``seed`` handler that
    the site draws its key from: one named ``seed`` (``from mylib import seed as seeded``,
    a function of the file's own) or one that is no name chain (``contexts[0]``: unknown).
    None where that depends on whether the file defines the chain's head anywhere, which
    the whole-file check reads: a name the file never binds raises NameError before the
    sample runs (pdh21/bngmetric's ``with handlers.seed(...)`` under only ``from
    numpyro.handlers import seed, plate``), and what it was meant to be is unknown."""
    parts = _chain(context)
    if parts is None:
        return True
    path = analysis.resolve(context.func if type(context) is ast.Call else context)
    if SEED in (parts[-1], path and path.rpartition(".")[2]):
        return True
    if path is not None or parts[0] in BUILTINS:
        return False  # another library's (``torch.no_grad()``), or ``open(...)``
    return None


def _chain(context: ast.expr) -> list[str] | None:
    return dotted_parts(context.func if type(context) is ast.Call else context)


def _report(site: Site) -> Report:
    return Report(
        site.call,
        "`numpyro.sample` outside a model needs a key: pass `rng_key=random.PRNGKey(0)` "
        "or wrap it in `numpyro.handlers.seed(rng_seed=0)`",
        fix={"kind": "add_rng_key"},
    )


def _verdicts(analysis: ModuleAnalysis, site: Site) -> list[tuple[ast.expr, bool | None]]:
    return [(c, could_seed(analysis, c)) for c in unknown_contexts(analysis, site)]


def check_chunk(analysis: ModuleAnalysis) -> Iterator[Report]:
    """The sites whose ``with`` statements the chunk's imports account for."""
    for site in unkeyed_sites(analysis):
        if all(verdict is False for _, verdict in _verdicts(analysis, site)):
            yield _report(site)


def check(analysis: ModuleAnalysis) -> Iterator[Report]:
    """The sites under a context manager whose name chain starts with a name no import
    binds: reported where the file defines that name (a variable, a function of its own)."""
    for site in unkeyed_sites(analysis):
        verdicts = _verdicts(analysis, site)
        if any(verdict for _, verdict in verdicts):
            continue
        heads = {_chain(context)[0] for context, verdict in verdicts if verdict is None}
        if heads and not any(undefined(analysis, head) for head in heads):
            yield _report(site)


def _inside(node: ast.AST, outer: ast.AST) -> bool:
    start = (node.lineno, node.col_offset)
    return (outer.lineno, outer.col_offset) <= start and (node.end_lineno, node.end_col_offset) <= (
        outer.end_lineno,
        outer.end_col_offset,
    )
