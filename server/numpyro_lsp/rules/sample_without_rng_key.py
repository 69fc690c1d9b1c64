"""NPR001 sample-without-rng-key

## What it does
Flags `numpyro.sample` called outside any model, handler or `seed` context without an
`rng_key`.

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

from collections.abc import Iterator

from numpyro_lsp.rules.base import ModuleAnalysis, Report, Severity

CODE = "NPR001"
NAME = "sample-without-rng-key"
SEVERITY = Severity.ERROR


def check_chunk(analysis: ModuleAnalysis) -> Iterator[Report]:
    for site in analysis.sites:
        if site.primitive != "sample" or site.function is not None:
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
