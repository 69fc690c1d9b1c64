"""NPR002 numpy-on-traced-value

## What it does
Flags NumPy functions (`np.exp`, `np.dot`, `np.array`...) applied to a traced value inside a
model: a sample site, a `jnp` result, or anything computed from them. Functions that NumPy
hands to the array's own method are not flagged where that method takes their arguments:
reductions (`np.sum(x, axis=-1)` runs `x.sum(axis=-1)`; also `np.mean`, `np.max`, `np.std`,
`np.any`, `np.argmax`, `np.cumsum`...), and `np.round`, `np.transpose`, `np.reshape`,
`np.squeeze`, `np.swapaxes`, `np.repeat`, `np.searchsorted`, `np.flip`, `np.moveaxis`,
`np.real`... They are flagged given a list of traced values, `out=`, or arguments jax's
method refuses (`np.take` and `np.choose` without `mode="clip"` or `"wrap"`, `np.argsort`
without `stable=`). `np.clip`, `np.sort`, `np.ravel`, `np.diagonal` and `np.trace` convert
the tracer, and are flagged. So are `np.put`, `np.copyto` and the like on a traced array,
which write into it in place.
Models that the file only runs eagerly (under `handlers.seed` or `handlers.trace`, or by
`svi.init` alone, as tests do) are not traced.

## Why is this bad?
NumPy cannot take a JAX tracer. The first MCMC trace and a plain `handlers.seed` run pass,
then the model fails under `jit` or `Predictive`: with `TracerArrayConversionError` where
NumPy converts the tracer, `NotImplementedError` where `out=` is given to a method of a
JAX array, another error where the method refuses other arguments.

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
from dataclasses import dataclass

from numpyro_lsp.analysis.models import (
    NUMPY_ARRAY_METHODS,
    NUMPY_IN_PLACE,
    STATIC_JAX_FUNCTIONS,
    ArrayMethodForm,
    FunctionInfo,
    is_none,
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
        if id(node) in model.concrete_nodes:
            continue
        arguments = [*node.args, *(k.value for k in node.keywords)]
        if not any(analysis.is_traced(a, model.traced) for a in arguments):
            continue
        form = array_method_form(analysis, node, path, model)
        if form is not None and form.runs:
            continue
        function, name = ast.unparse(node.func), path.removeprefix("numpy.")
        if name in NUMPY_IN_PLACE and node.args and analysis.is_traced(node.args[0], model.traced):
            yield Report(
                node,
                f"`{function}` writes in place, which a traced JAX array refuses: "
                "use `.at[...].set(...)`",
            )
            continue
        if form is not None and form.gives_out:
            # NumPy hands the tracer to its own method, and jax's methods refuse ``out``;
            # so does jnp's function: no fix to offer.
            yield Report(
                node,
                f"`{function}` with `out=` on a traced array fails under jit "
                "(NotImplementedError: JAX arrays take no `out`): use the result instead",
            )
            continue
        if form is not None:
            # The array's own method, with arguments it refuses: each raises its own error.
            problem = f"`{function}` on a traced array fails under jit with these arguments"
        else:
            problem = f"`{function}` on a traced value fails under jit (TracerArrayConversionError)"
        if path.startswith("numpy.testing."):
            # jax.numpy has no testing module: such checks belong outside the model.
            yield Report(node, f"{problem}: check the values outside the model")
            continue
        jax_path = "jnp." + name
        yield Report(
            node,
            f"{problem}: use `{jax_path}`",
            fix={"kind": "numpy_to_jnp", "path": path},
        )


# What makes a sequence NumPy converts before reducing it: ``np.sum([a, b])`` raises.
SEQUENCES = (ast.List, ast.Tuple, ast.Set, ast.ListComp, ast.SetComp, ast.GeneratorExp)


@dataclass(frozen=True)
class CallForm:
    """A call of a function of ``NUMPY_ARRAY_METHODS`` on a traced array: its arguments by
    NumPy's parameter names, and which of them are traced or written as lists."""

    known: ArrayMethodForm
    named: dict[str, ast.expr]
    # Positional arguments past the parameters the table allows.
    extra: list[ast.expr]
    traced: set[str]
    listed: set[str]

    @property
    def gives_out(self) -> bool:
        """``out=`` given a value other than None, by keyword or in its place."""
        out = self.named.get("out")
        return "out" in self.known.parameters and out is not None and not is_none(out)

    @property
    def runs(self) -> bool:
        """Whether the call is in a form that runs under jit."""
        known, named = self.known, self.named
        if self.extra or self.gives_out or self.listed or self.traced - known.traced:
            return False
        if not named.keys() <= {*known.parameters, *known.keywords}:
            return False  # ``**kwargs``, or a keyword not tried
        if not known.required <= named.keys():
            return False  # NumPy's default fails
        return all(
            isinstance(named[name], ast.Constant) and named[name].value in values
            for name, values in known.constants.items()
            if name in named
        )


def array_method_form(
    analysis: ModuleAnalysis, node: ast.Call, path: str, model: FunctionInfo
) -> CallForm | None:
    """``np.sum(coefs * x, axis=-1)``: a function of ``NUMPY_ARRAY_METHODS`` given a traced
    array (not a list NumPy converts), with its arguments; None for any other call."""
    known = NUMPY_ARRAY_METHODS.get(path.removeprefix("numpy."))
    if known is None or any(isinstance(a, ast.Starred) for a in node.args):
        return None
    named = {k.arg or "**": k.value for k in node.keywords}
    if node.args:
        array, *rest = node.args
    elif known.array in named:
        array, rest = named.pop(known.array), []
    else:
        return None
    if not analysis.is_traced(array, model.traced) or is_sequence(analysis, array, model):
        return None
    named |= dict(zip(known.parameters, rest, strict=False))
    traced = {name for name, value in named.items() if analysis.is_traced(value, model.traced)}
    listed = {n for n in known.arrays if n in named and is_sequence(analysis, named[n], model)}
    return CallForm(known, named, rest[len(known.parameters) :], traced, listed)


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
