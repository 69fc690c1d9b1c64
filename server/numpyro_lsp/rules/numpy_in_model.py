"""NPR002 numpy-on-traced-value

## What it does
Flags NumPy functions (`np.exp`, `np.dot`, `np.array`...) applied to a traced value inside a
model: a sample site, a `jnp` result, or anything computed from them. Reductions that NumPy
hands to the array's own method (`np.sum(x, axis=-1)` runs `x.sum(axis=-1)`; also `np.mean`,
`np.max`, `np.std`, `np.any`, `np.argmax`, `np.cumsum`...) work on a traced array and are not
flagged, unless given a list of traced values or `out=`.
Models that the file only runs eagerly (under `handlers.seed` or `handlers.trace`, or by
`svi.init` alone, as tests do) are not traced.

## Why is this bad?
NumPy cannot take a JAX tracer. The first MCMC trace and a plain `handlers.seed` run pass,
then the model fails under `jit` or `Predictive` with `TracerArrayConversionError`.

## Example
```python
import numpy as np
import numpyro
import numpyro.distributions as dist


def model(y=None):
    theta = numpyro.sample("theta", dist.Normal(0.0, 1.0))
    numpyro.sample("obs", dist.Poisson(np.exp(theta)), obs=y)
```

## Use instead
```python
import jax.numpy as jnp
import numpy as np
import numpyro
import numpyro.distributions as dist


def model(x, y=None):
    theta = numpyro.sample("theta", dist.Normal(0.0, 1.0))
    scaled = np.log1p(x)  # NumPy on the model's data arguments is fine
    numpyro.sample("obs", dist.Poisson(jnp.exp(theta * scaled)), obs=y)
```

## Precision
On the real-code corpus (`tests/realcode/`: 267 files that import numpyro, from 30 PyPI
projects): no finding (its precision there is not measured yet).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from numpyro_lsp.analysis.models import (
    NUMPY_METHOD_REDUCTIONS,
    STATIC_JAX_FUNCTIONS,
    FunctionInfo,
)
from numpyro_lsp.rules.base import ModuleAnalysis, Report, Severity

CODE = "NPR002"
NAME = "numpy-on-traced-value"
SEVERITY = Severity.ERROR


def check_chunk(analysis: ModuleAnalysis) -> Iterator[Report]:
    for node, path in analysis.calls_from("numpy"):
        if not path.startswith("numpy.") or path.startswith("numpy.random"):
            continue
        model = analysis.in_model(node)
        if model is None:
            continue
        if path.rsplit(".", 1)[-1] in STATIC_JAX_FUNCTIONS or analysis.runs_eagerly(model):
            continue
        if id(node) in model.concrete_nodes or runs_as_method(analysis, node, path, model):
            continue
        arguments = [*node.args, *(k.value for k in node.keywords)]
        if any(analysis.is_traced(a, model.traced) for a in arguments):
            problem = (
                f"`{ast.unparse(node.func)}` on a traced value fails under jit "
                "(TracerArrayConversionError)"
            )
            if path.startswith("numpy.testing."):
                # jax.numpy has no testing module: such checks belong outside the model.
                yield Report(node, f"{problem}: check the values outside the model")
                continue
            jax_path = "jnp." + path.removeprefix("numpy.")
            yield Report(
                node,
                f"{problem}: use `{jax_path}`",
                fix={"kind": "numpy_to_jnp", "path": path},
            )


# What makes a sequence NumPy converts before reducing it: ``np.sum([a, b])`` raises.
SEQUENCES = (ast.List, ast.Tuple, ast.Set, ast.ListComp, ast.SetComp, ast.GeneratorExp)


def runs_as_method(
    analysis: ModuleAnalysis, node: ast.Call, path: str, model: FunctionInfo
) -> bool:
    """``np.sum(coefs * x, axis=-1)``: NumPy hands the traced array to its own ``sum``, with
    arguments jax's method takes, and nothing else in the call is traced."""
    known = NUMPY_METHOD_REDUCTIONS.get(path.removeprefix("numpy."))
    if known is None or not node.args:
        return False
    positional, keywords = known
    if len(node.args) > positional or any(isinstance(a, ast.Starred) for a in node.args):
        return False
    if any(k.arg not in keywords for k in node.keywords):
        return False  # ``out=``, ``**kwargs``, or a keyword not tried
    array = node.args[0]
    if not analysis.is_traced(array, model.traced) or is_sequence(analysis, array, model):
        return False
    rest = [*node.args[1:], *(k.value for k in node.keywords if k.arg != "where")]
    return not any(analysis.is_traced(a, model.traced) for a in rest)


def is_sequence(analysis: ModuleAnalysis, node: ast.expr, model: FunctionInfo) -> bool:
    """A list or tuple written there, or given to the name in the model."""
    values = analysis.values_assigned(node.id, model) if isinstance(node, ast.Name) else [node]
    return any(isinstance(v, SEQUENCES) or sequence_call(v) for v in values)


def sequence_call(node: ast.expr) -> bool:
    """``list(...)``, ``tuple(...)``."""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in ("list", "tuple")
    )
