"""NPR016 device-setup-after-jax-use

## What it does
Flags `numpyro.set_host_device_count` or `numpyro.set_platform` called after the file has
already used JAX (a `jnp`/`jax` call, or anything numpyro computes with it). Imports,
`jax.config.update`, `jax.jit`/`vmap`/`grad`/`jacfwd` wrapping a function, `jax.make_jaxpr`
and `jax.eval_shape`, pytree utilities, `jnp.set_printoptions`, `jax.__version__` and code in
functions or lambdas start no backend and do not count.
`set_host_device_count(1)` asks for what JAX has anyway and is never flagged, nor is a setup
repeated as it was first made in time (a notebook cell that runs the setup cell again).

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

## Precision
On the real-code corpus (`tests/realcode/`: 267 files that import numpyro, from 30 PyPI
projects): 1 finding, 1 true.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from numpyro_lsp.rules.base import ModuleAnalysis, Report, See, Severity

CODE = "NPR016"
NAME = "device-setup-after-jax-use"
SEVERITY = Severity.WARNING
DEVICE_SETUP = {"numpyro.set_host_device_count", "numpyro.set_platform"}
DEVICE_SETUP_NAMES = {path.rpartition(".")[2] for path in DEVICE_SETUP}
# JAX calls that start no backend: configuration, transformations that only wrap a
# function, pytree utilities, and NumPy's print options (``jnp.set_printoptions`` calls
# NumPy's; after it, ``set_host_device_count(2)`` still gives two devices with jax 0.10.2).
NO_BACKEND = {"jax.config", "jax.tree_util", "jax.tree", "jax.jit", "jax.vmap", "jax.grad"}
NO_BACKEND |= {"jax.value_and_grad", "jax.pmap", "jax.checkpoint", "jax.remat", "jax.custom_jvp"}
NO_BACKEND |= {"jax.custom_vjp", "jax.named_call", "jax.disable_jit"}
# Derivatives and abstract evaluation wrap or trace a function without a device (jax 0.10.2:
# after ``jax.jacfwd(f)`` or ``jax.make_jaxpr(f)(1.0)``, ``set_host_device_count(4)`` still
# gives four); ``jax.jvp(f, ...)`` computes, and counts.
NO_BACKEND |= {"jax.jacfwd", "jax.jacrev", "jax.jacobian", "jax.hessian", "jax.make_jaxpr"}
NO_BACKEND |= {"jax.eval_shape", "jax.ShapeDtypeStruct", "jax.custom_batching"}
NO_BACKEND |= {"jax.sharding.PartitionSpec", "jax.ensure_compile_time_eval"}
NO_BACKEND |= {"jax.numpy.set_printoptions", "jax.numpy.printoptions", "jax.numpy.get_printoptions"}
# The version, read as text (``jax.__version__.split(".")``).
NO_BACKEND |= {"jax.__version__", "jax.__version_info__", "jax.version"}


def starts_backend(path: str) -> bool:
    if path != "jax" and not path.startswith("jax."):
        return False
    return not any(path == p or path.startswith(p + ".") for p in NO_BACKEND)


def asks_for_one(call: ast.Call, obj: dict) -> bool:
    """``set_host_device_count(1)``: one CPU device is what JAX has anyway, so the call is
    right wherever it stands."""
    count = (
        call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "n"), None)
    )
    return (
        obj["path"] == "numpyro.set_host_device_count"
        and isinstance(count, ast.Constant)
        and count.value == 1
    )


def part_calls(part: ModuleAnalysis) -> tuple[ast.Call | None, list[tuple[ast.Call, dict]]]:
    """A part's first module-level call that starts JAX's backend (not in a lambda), and its
    module-level device setup calls; kept with the part (module-level names resolve through
    the file's imports alone)."""
    kept = part.part_facts.get(CODE)
    if kept is None:
        lambdas = part.nodes(ast.Lambda)

        def in_lambda(call: ast.Call) -> bool:
            place = (call.lineno, call.col_offset)
            return any(
                (n.lineno, n.col_offset) <= place <= (n.end_lineno, n.end_col_offset)
                for n in lambdas
            )

        def module_level(call: ast.Call) -> bool:
            return part.owner(call) is None and not (lambdas and in_lambda(call))

        # Most calls are in functions: the owner is looked up before the path is matched.
        first_use = next(
            (c for c, path in part.calls_from("jax") if module_level(c) and starts_backend(path)),
            None,
        )
        setups = []
        for call, path in part.calls_from("numpyro"):
            # The catalog is asked only for a name that may be a device setup (a re-export's
            # path differs from the catalog's before the last dot).
            if path.rpartition(".")[2] not in DEVICE_SETUP_NAMES:
                continue
            obj = part.catalog_object(call.func)
            if obj is None or obj["path"] not in DEVICE_SETUP or asks_for_one(call, obj):
                continue
            if module_level(call):
                setups.append((call, obj))
        kept = part.part_facts[CODE] = (first_use, setups)
    return kept


def check(analysis: ModuleAnalysis) -> Iterator[Report]:
    # Module-level code runs top to bottom; code in functions and lambdas runs only when
    # called.
    calls = [part_calls(part) for part in analysis.parts]
    first_use = next((first for first, _ in calls if first is not None), None)
    if first_use is None:
        return
    first = (first_use.lineno, first_use.col_offset)
    setups = [setup for _, part_setups in calls for setup in part_setups]
    # A setup repeated as it was made in time (a notebook cell that runs the first cell's
    # setup again) asks for what is already in force.
    in_time = {_asked(call, obj) for call, obj in setups if (call.lineno, call.col_offset) < first}
    for call, obj in setups:
        if (call.lineno, call.col_offset) > first and _asked(call, obj) not in in_time:
            yield Report(
                call,
                f"`{obj['name']}` after JAX was used has no effect: call it first, right "
                "after the imports",
                related=(See(first_use, "JAX is first used here"),),
            )


def _asked(call: ast.Call, obj: dict) -> tuple[str, ...]:
    """What a device setup asks for: the function and its arguments as written."""
    return obj["path"], *(ast.dump(argument) for argument in (*call.args, *call.keywords))
