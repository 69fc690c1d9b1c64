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

from numpyro_lsp.rules.base import ModuleAnalysis, Report, See, Severity

CODE = "NPR016"
NAME = "device-setup-after-jax-use"
SEVERITY = Severity.WARNING
DEVICE_SETUP = {"numpyro.set_host_device_count", "numpyro.set_platform"}


def part_calls(part: ModuleAnalysis) -> tuple[ast.Call | None, list[tuple[ast.Call, dict]]]:
    """A part's first module-level call of JAX, and its module-level device setup calls;
    kept with the part (module-level names resolve through the file's imports alone)."""
    kept = part.part_facts.get(CODE)
    if kept is None:
        module_calls = [c for c in part.nodes(ast.Call) if part.owner(c) is None]
        first_use = next(
            (
                c
                for c in module_calls
                if (path := part.resolve(c.func) or "") == "jax" or path.startswith("jax.")
            ),
            None,
        )
        setups = []
        for call in module_calls:
            obj = part.catalog_object(call.func)
            if obj is not None and obj["path"] in DEVICE_SETUP:
                setups.append((call, obj))
        kept = part.part_facts[CODE] = (first_use, setups)
    return kept


def check(analysis: ModuleAnalysis) -> Iterator[Report]:
    # Module-level code runs top to bottom; code in functions runs only when called.
    calls = [part_calls(part) for part in analysis.parts]
    first_use = next((first for first, _ in calls if first is not None), None)
    if first_use is None:
        return
    for _, setups in calls:
        for call, obj in setups:
            if (call.lineno, call.col_offset) > (first_use.lineno, first_use.col_offset):
                yield Report(
                    call,
                    f"`{obj['name']}` after JAX was used has no effect: call it first, right "
                    "after the imports",
                    related=(See(first_use, "JAX is first used here"),),
                )
