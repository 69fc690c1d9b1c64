"""NPR016 device-setup-after-jax-use

## What it does
Flags `numpyro.set_host_device_count` or `numpyro.set_platform` called after the file has
already used JAX (a `jnp`/`jax` call, or anything numpyro computes with it).

## Why is this bad?
JAX fixes its devices the first time it is used. A later call only warns, and chains do not
run in parallel: `num_chains=4` silently runs one chain after another.

## Example
```python
import jax.numpy as jnp
import numpyro

data = jnp.arange(10.0)
numpyro.set_host_device_count(4)
```

## Use instead
```python
import jax.numpy as jnp
import numpyro

numpyro.set_host_device_count(4)
data = jnp.arange(10.0)
```
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from numpyro_lsp.rules.base import ModuleAnalysis, Related, Report, Severity, Span

CODE = "NPR016"
NAME = "device-setup-after-jax-use"
SEVERITY = Severity.WARNING
DEVICE_SETUP = {"numpyro.set_host_device_count", "numpyro.set_platform"}


def uses_jax(analysis: ModuleAnalysis, statement: ast.stmt) -> ast.Call | None:
    for node in ast.walk(statement):
        if isinstance(node, ast.Call):
            path = analysis.resolve(node.func) or ""
            if path == "jax" or path.startswith("jax."):
                return node
    return None


def check(analysis: ModuleAnalysis) -> Iterator[Report]:
    first_use: ast.Call | None = None
    for statement in analysis.tree.body:
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue  # defining functions runs nothing
        for node in ast.walk(statement):
            if not isinstance(node, ast.Call):
                continue
            obj = analysis.catalog_object(node.func)
            if obj is not None and obj["path"] in DEVICE_SETUP and first_use is not None:
                yield Report(
                    node,
                    f"`{obj['name']}` after JAX was used has no effect: call it first, right "
                    "after the imports",
                    related=(Related(Span.of(first_use), "JAX is first used here"),),
                )
        if first_use is None:
            first_use = uses_jax(analysis, statement)
