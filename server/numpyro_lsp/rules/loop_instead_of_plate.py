"""NPR007 loop-instead-of-plate

## What it does
Suggests `numpyro.plate` for a Python `for` loop that draws one site per iteration under a
generated name (`f"x_{i}"`) when the iterations do not depend on each other.

## Why is this bad?
A loop of sites builds one site per element: traces, compile time and memory grow with the
data, and NUTS sees hundreds of scalar sites. A plate draws them all as one vectorized site.
(For iterations that depend on the previous one, use `numpyro.contrib.control_flow.scan`.)

## Example
```python
import numpyro
import numpyro.distributions as dist


def model(n):
    for i in range(n):
        numpyro.sample(f"x_{i}", dist.Normal(0.0, 1.0))
```

## Use instead
```python
import numpyro
import numpyro.distributions as dist


def model(n):
    with numpyro.plate("n", n):
        numpyro.sample("x", dist.Normal(0.0, 1.0))
```
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from numpyro_lsp.analysis.models import assigned_names
from numpyro_lsp.rules.base import ModuleAnalysis, Report, Severity

CODE = "NPR007"
NAME = "loop-instead-of-plate"
SEVERITY = Severity.INFORMATION


def carried_names(loop: ast.For) -> set[str]:
    """Names the loop body both reads and assigns: values carried from one iteration to the
    next make it a sequence (``scan``), not a plate."""
    assigned: set[str] = set()
    for node in ast.walk(loop):
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                assigned.update(assigned_names(target))
            if isinstance(node, ast.AugAssign):
                return assigned  # ``x += ...`` always carries
    read = {n.id for n in ast.walk(loop) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    return assigned & read


def check(analysis: ModuleAnalysis) -> Iterator[Report]:
    reported: set[int] = set()
    for model in analysis.models:
        for site in model.sites:
            if site.primitive != "sample" or not site.generated_name or not site.loops:
                continue
            loop = site.loops[-1]
            if not isinstance(loop, ast.For) or id(loop) in reported:
                continue
            loop_variables = set(assigned_names(loop.target))
            if not loop_variables & {
                n.id for n in ast.walk(site.name_node) if isinstance(n, ast.Name)
            }:
                continue
            if carried_names(loop):
                continue
            reported.add(id(loop))
            yield Report(
                loop.iter,
                "this loop draws one site per iteration: a `numpyro.plate` draws them as one "
                "vectorized site, much faster under NUTS",
            )
