"""NPR004 pyro-or-torch-in-numpyro

## What it does
Flags Pyro and PyTorch habits inside a NumPyro model: `pyro.` calls, `torch.` calls on the
model's traced values, and `.cuda()`. A torch call on the model's data (a PyTorch network
run on the inputs, `torch.tensor(x)`) runs with concrete values and is left alone. Outside
models a file may use Pyro and PyTorch themselves (a comparison, a migration), so their
calls there, Pyro's param store included, are theirs.

## Why is this bad?
NumPyro models run on JAX: a torch function given a traced JAX value raises, `pyro.sample`
is not seen by NumPyro's handlers (and raises without a key), and JAX arrays have no
`.cuda()` (JAX places arrays itself).

## Example
```python
import numpyro
import numpyro.distributions as dist
import torch


def model(y=None):
    mu = numpyro.sample("mu", dist.Normal(0.0, 1.0))
    numpyro.sample("obs", dist.Normal(torch.exp(mu), 1.0), obs=y)
```

## Use instead
```python
import jax.numpy as jnp
import numpyro
import numpyro.distributions as dist


def model(y=None):
    mu = numpyro.sample("mu", dist.Normal(0.0, 1.0))
    numpyro.sample("obs", dist.Normal(jnp.exp(mu), 1.0), obs=y)
```

## Precision
On the real-code corpus (`tests/realcode/`: 267 files that import numpyro, from 30 PyPI
projects): no finding (its precision there is not measured yet).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from numpyro_lsp.rules.base import ModuleAnalysis, Report, Severity

CODE = "NPR004"
NAME = "pyro-or-torch-in-numpyro"
SEVERITY = Severity.ERROR


def check_chunk(analysis: ModuleAnalysis) -> Iterator[Report]:
    for node, path in analysis.calls_from("torch", "pyro"):
        model = analysis.in_model(node)
        if model is None:
            continue
        if path.split(".", 1)[0] == "torch":
            # On the model's data a torch call runs with concrete values (makkunda's pi-VAE
            # model maps its inputs through a torch network): only a traced value raises.
            arguments = [*node.args, *(k.value for k in node.keywords)]
            if not any(analysis.is_traced(a, model.traced) for a in arguments):
                continue
        yield Report(
            node,
            f"`{ast.unparse(node.func)}` is PyTorch/Pyro: inside a NumPyro model use "
            "`jax.numpy` and `numpyro` instead",
        )
    for node in analysis.nodes(ast.Call):
        func = node.func
        if type(func) is not ast.Attribute or func.attr != "cuda" or node.args:
            continue
        package = (analysis.resolve(func) or "").split(".", 1)[0]
        if package not in ("torch", "pyro") and analysis.in_model(node) is not None:
            yield Report(node, "`.cuda()` does not exist in JAX: drop it (JAX places arrays)")
