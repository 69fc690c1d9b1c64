"""NPR003 numpy-random-in-model

## What it does
Flags `np.random` (and Python's `random`) used inside a model. A `numpyro.param` site's
initial value is read once, when SVI starts, and ignored after: a draw there is not flagged.
Nor is a function whose every `numpyro.sample` takes its own `rng_key`: a simulator run as
plain Python, which draws anew on each call.

## Why is this bad?
NumPy's random numbers are drawn once, when JAX traces the model, and then frozen into the
compiled function: every "random" draw is the same across samples, with no error.

## Example
```python
import numpy as np
import numpyro
import numpyro.distributions as dist


def model(n, y=None):
    noise = np.random.normal(size=n)
    mu = numpyro.sample("mu", dist.Normal(0.0, 1.0))
    numpyro.sample("obs", dist.Normal(mu + noise, 1.0), obs=y)
```

## Use instead
```python
import numpyro
import numpyro.distributions as dist


def model(n, y=None):
    noise = numpyro.sample("noise", dist.Normal(0.0, 1.0).expand([n]))
    mu = numpyro.sample("mu", dist.Normal(0.0, 1.0))
    numpyro.sample("obs", dist.Normal(mu + noise, 1.0), obs=y)
```

## Precision
On the real-code corpus (`tests/realcode/`: 267 files that import numpyro, from 30 PyPI
projects): no finding (its precision there is not measured yet).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from numpyro_lsp.rules.base import ModuleAnalysis, Report, Severity

CODE = "NPR003"
NAME = "numpy-random-in-model"
SEVERITY = Severity.WARNING


def _initial_values(analysis: ModuleAnalysis) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Where the initial values of ``numpyro.param`` sites are: read once, when SVI starts,
    and ignored after, so a NumPy draw there freezes nothing (d3p's guides)."""
    found = []
    for site in analysis.sites:
        value = site.arguments.get("init_value") if site.primitive == "param" else None
        if value is not None:
            found.append(
                ((value.lineno, value.col_offset), (value.end_lineno, value.end_col_offset))
            )
    return found


def check_chunk(analysis: ModuleAnalysis) -> Iterator[Report]:
    initial: list | None = None
    for node, path in analysis.calls_from("numpy", "random"):
        if not path.startswith(("numpy.random.", "random.")):
            continue
        model = analysis.in_model(node)
        if model is not None and not model.draws_with_own_keys:
            if initial is None:
                initial = _initial_values(analysis)
            place = (node.lineno, node.col_offset)
            if any(start <= place < end for start, end in initial):
                continue
            yield Report(
                node,
                f"`{ast.unparse(node.func)}` is drawn once at trace time and frozen: "
                "draw with `numpyro.sample` (or `jax.random` with a key)",
            )
