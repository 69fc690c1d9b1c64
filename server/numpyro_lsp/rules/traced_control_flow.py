"""NPR005 python-control-flow-on-traced-value

## What it does
Flags Python control flow on a traced value inside a model: `if`, `while`, `assert`, a
conditional expression, or `bool()`, `int()`, `float()`, `range()` of a sample site's value or
of any `jnp`/`lax` result. Code under `if not_jax_tracer(x):` and models that the file
only runs eagerly (under `handlers.seed` or `handlers.trace`, or by `svi.init` alone, as
tests do, or a driver that opens its own `seed` block and that no inference runs) are not
traced. The same in a function handed to `scan` (numpyro's or
`jax.lax`'s), `fori_loop`, `while_loop`, `cond`, `switch` or `lax.map`, on the parameters
that receive the carry, the item or the operands (not those a `functools.partial` binds),
and on the traced values of a model around it: these primitives trace their bodies even
where the model runs eagerly. A list, tuple, dict or set the function builds is no traced
value whatever it holds: `if profiles:` tests its length, and a dict's keys are hashed, so
never tracers (`for name in by_name`, `if key in out`).

## Why is this bad?
Under NUTS the model is traced by JAX: traced values have no concrete value to branch on.
The run stops with `TracerBoolConversionError` or `ConcretizationTypeError`. This includes
`jnp` results computed only from the model's arguments (`if jnp.max(units) > 100:`), since JAX
stages every `jnp` operation. The arguments themselves are concrete under MCMC's default
`jit_model_args=False`: `.shape`, `len()`, `is None` and plain Python on them are fine.

## Example
```python
import numpyro
import numpyro.distributions as dist


def model(y=None):
    theta = numpyro.sample("theta", dist.Normal(0.0, 1.0))
    if theta > 0:
        scale = 1.0
    else:
        scale = 2.0
    numpyro.sample("obs", dist.Normal(theta, scale), obs=y)
```

## Use instead
```python
import jax.numpy as jnp
import numpyro
import numpyro.distributions as dist


def model(x, y=None):
    theta = numpyro.sample("theta", dist.Normal(0.0, 1.0))
    scale = jnp.where(theta > 0, 1.0, 2.0)
    if y is not None and x.shape[0] != len(y):
        raise ValueError("x and y differ in length")
    numpyro.sample("obs", dist.Normal(theta * x, scale), obs=y)
```

## Precision
On the real-code corpus (`tests/realcode/`: 267 files that import numpyro, from 30 PyPI
projects): 5 findings, 5 true.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from numpyro_lsp.analysis.models import FunctionInfo
from numpyro_lsp.analysis.transforms import TracedBody, traced_bodies
from numpyro_lsp.rules.base import ModuleAnalysis, Report, Severity

CODE = "NPR005"
NAME = "python-control-flow-on-traced-value"
SEVERITY = Severity.ERROR
KEYWORDS = {ast.If: "if", ast.While: "while", ast.IfExp: "if", ast.Assert: "assert"}
CONVERSIONS = {
    "bool": "TracerBoolConversionError",
    "int": "ConcretizationTypeError",
    "float": "ConcretizationTypeError",
    "range": "ConcretizationTypeError",
}


def watched_nodes(analysis: ModuleAnalysis) -> dict[int, list[ast.AST]]:
    """The nodes that could fail, by id of the function definition whose own body holds
    them: the tests, comprehensions and conversion calls, read from the index by kind (a
    model has thousands of nodes, and most models have none of these)."""
    found: list[ast.AST] = [node for kind in KEYWORDS for node in analysis.nodes(kind)]
    found += [node for node in analysis.nodes(ast.comprehension) if node.ifs]
    found += [
        call
        for call in analysis.nodes(ast.Call)
        if type(call.func) is ast.Name and call.func.id in CONVERSIONS
    ]
    by_owner: dict[int, list[ast.AST]] = {}
    for node in found:
        owner = analysis.owner_nodes.get(id(node))
        if owner is not None:
            by_owner.setdefault(id(owner), []).append(node)
    return by_owner


def check_chunk(analysis: ModuleAnalysis) -> Iterator[Report]:
    watched = watched_nodes(analysis)
    models = analysis.models
    for model in models:
        nodes = watched.get(id(model.node))
        if not nodes or analysis.runs_eagerly(model):
            continue
        yield from _reports(analysis, nodes, model.concrete_nodes, model, "under NUTS")
    # Only a function that is no model can be a body handed on (most files have none with
    # a node that could fail).
    others = watched.keys() - {id(model.node) for model in models}
    if not others:
        return
    for body in traced_bodies(analysis):
        nodes = watched.get(id(body.function.node))
        if nodes:
            where = f"when `{body.transform}` traces this function"
            yield from _reports(analysis, nodes, body.function.concrete_nodes, body, where)


def _reports(
    analysis: ModuleAnalysis,
    nodes: list[ast.AST],
    concrete: set[int],
    holder: FunctionInfo | TracedBody,
    where: str,
) -> Iterator[Report]:
    """What fails at ``nodes`` of a function traced ``where``; ``holder.traced`` (its traced
    names, worked out when first asked) is asked only at a node that could fail."""
    for node in nodes:
        kind = type(node)
        if id(node) in concrete:
            continue
        keyword = KEYWORDS.get(kind)
        if keyword is not None:
            truthiness = _truthiness(node.test)
            if truthiness is not None and (
                holder.traced.arrays_only or truthiness in holder.traced.containers
            ):
                continue  # ``if profiles:``: a container's length, whatever it holds
            if analysis.is_traced(node.test, holder.traced):
                yield Report(
                    node.test,
                    f"`{keyword}` on a traced value fails {where} "
                    "(TracerBoolConversionError): use `jnp.where` or `jax.lax.cond`",
                )
        elif kind is ast.comprehension:
            for condition in node.ifs:
                if analysis.is_traced(condition, holder.traced):
                    yield Report(
                        condition,
                        f"a comprehension filter on a traced value fails {where}: "
                        "use `jnp.where` on the whole array",
                    )
        elif node.func.id not in analysis.bindings and any(  # a conversion (watched_nodes)
            analysis.is_traced(a, holder.traced) for a in node.args
        ):
            error = CONVERSIONS[node.func.id]
            advice = (
                "use a static size (an argument or `.shape`) or `jax.lax.fori_loop`"
                if node.func.id == "range"
                else "keep it an array (`jnp.where`, `.astype`)"
            )
            yield Report(
                node,
                f"`{node.func.id}()` of a traced value fails {where} ({error}): {advice}",
            )


def _truthiness(test: ast.expr) -> str | None:
    """The name a test takes the truthiness of (``if x:``, ``if not x:``), if any."""
    if type(test) is ast.UnaryOp and type(test.op) is ast.Not:
        test = test.operand
    return test.id if type(test) is ast.Name else None
