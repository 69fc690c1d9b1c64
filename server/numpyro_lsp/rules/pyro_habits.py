"""NPR004 pyro-or-torch-in-numpyro

## What it does
Flags Pyro and PyTorch habits inside a NumPyro model: `torch.` or `pyro.` calls, and
`.cuda()`. Outside models a file may use Pyro and PyTorch themselves (a comparison, a
migration), so their calls there, Pyro's param store included, are theirs.

## Why is this bad?
NumPyro models run on JAX: torch tensors cannot flow through them, and JAX arrays have no
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
    for node in analysis.nodes(ast.Call):
        if not analysis.in_model(node):
            continue
        path = analysis.resolve(node.func) or ""
        if path.split(".", 1)[0] in ("torch", "pyro"):
            yield Report(
                node,
                f"`{ast.unparse(node.func)}` is PyTorch/Pyro: inside a NumPyro model use "
                "`jax.numpy` and `numpyro` instead",
            )
        elif isinstance(node.func, ast.Attribute) and node.func.attr == "cuda" and not node.args:
            yield Report(node, "`.cuda()` does not exist in JAX: drop it (JAX places arrays)")
