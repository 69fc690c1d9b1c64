"""NPR002 numpy-on-traced-value

## What it does
Flags NumPy functions (`np.exp`, `np.dot`, `np.array`...) applied to a traced value inside a
model: a sample site, a `jnp` result, or anything computed from them.

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

from numpyro_lsp.analysis.models import STATIC_JAX_FUNCTIONS
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
        if id(node) in model.concrete_nodes:
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
