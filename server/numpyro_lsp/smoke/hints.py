"""What to do about the errors NumPyro models commonly raise, as numpyro 0.22 and jax 0.10
actually raise them (see docs/numpyro-facts.md): a hint follows the error's own message."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Hint:
    exception_type: str | None  # the exception's class name, or None for any
    message: str  # a regular expression searched in the exception's message
    text: str
    # A string the traceback must contain, for errors whose message says nothing.
    traceback: str = ""

    def matches(self, exception: dict[str, Any]) -> bool:
        return (
            self.exception_type in (None, exception["type"])
            and re.search(self.message, exception["message"]) is not None
            and self.traceback in exception.get("traceback", "")
        )


SMOKE_ARGS = "Give the model's arguments with a `# numpyro: smoke-args ...` comment above it."

# First match wins: specific patterns before general ones.
HINTS = [
    Hint(
        "TracerBoolConversionError",
        "",
        "A Python `if`, `while`, `and`/`or` or `bool()` looks at a value JAX traces (a "
        "sample, or any `jnp` result). Branch with `jnp.where` or `jax.lax.cond` instead; "
        "Python on the model's arguments themselves (`.shape`, `len()`, `is None`) is fine.",
    ),
    Hint(
        "ConcretizationTypeError",
        "",
        "Python needs a concrete number (`int()`, `range()`, an index, a shape) from a value "
        "JAX traces. Take sizes and loop counts from the model's arguments, or use `jnp` / "
        "`jax.lax` operations on the traced value.",
    ),
    Hint(
        "TracerArrayConversionError",
        "",
        "NumPy (`np.*`) was applied to a value JAX traces: use `jax.numpy` (`jnp`) inside "
        "the model. Plain NumPy works on data outside it.",
    ),
    Hint(
        None,
        "Cannot find valid initial parameters",
        "The log density is -inf or NaN at every initial point numpyro tried. Check that "
        "observed data lie in each likelihood's support (no negative values for an "
        "Exponential, no non-integers for a Poisson), that parameters keep their "
        "constraints, or pass `init_strategy=init_to_median` to NUTS.",
    ),
    Hint(
        "AssertionError",
        "all sites must have unique names",
        "Two sample sites share a name, often `numpyro.sample` inside a Python loop: give "
        'each its own name (`f"x_{i}"`) or replace the loop with a `numpyro.plate`.',
    ),
    Hint(
        "AssertionError",
        "^$",
        "`numpyro.sample` ran outside a model (no inference or `handlers.seed` around it) "
        "without a key: pass `rng_key=jax.random.PRNGKey(0)`, or wrap the code in "
        "`with numpyro.handlers.seed(rng_seed=0):`.",
        traceback="is_prng_key",
    ),
    Hint(
        "ValueError",
        "got invalid scale parameter",
        "A scale must be positive. When it comes from a sample with real support (a Normal "
        "or StudentT prior), give that site a positive prior (`HalfNormal`, `HalfCauchy`, "
        "`LogNormal`, `Exponential`) or transform it (`jnp.exp`). A literal scale must be "
        "positive too (`HalfNormal(-1.0)` is rejected as a Normal scale).",
    ),
    Hint(
        "ValueError",
        r"got invalid \w+ parameter",
        "A distribution parameter is outside its constraint (hover the distribution to see "
        "each parameter's constraint): check literal values and the priors of sampled ones.",
    ),
    Hint(
        None,
        r"Incompatible shapes for broadcasting|shape mismatch|Shape mismatch",
        "The shapes of a distribution's parameters, its `obs` and the plates around it do "
        "not line up: check each plate's size against the data's length and where vectors "
        "need a trailing axis. `numpyro.util.format_shapes(trace)` lists every site's shape.",
    ),
    Hint(
        "ModuleNotFoundError",
        "the smoke test left its import out: .* here does not have it",
        "The file was written for another version of this package, which had this module or "
        "name, and the model uses it: update the import to this version's API, or choose the "
        "interpreter with the version the file needs (`numpyro.interpreter`).",
    ),
    Hint(
        "ModuleNotFoundError",
        "the smoke test left its import out",
        "The project's interpreter does not have this package, and the model uses it: "
        "install it there, or choose the interpreter that has it (`numpyro.interpreter`).",
    ),
    Hint(
        None,
        "MissingModule",
        "The model was handed what the smoke test left out because a package it needs is not "
        "installed in the project's interpreter (its statements were left out with the "
        "import): install the package there, or choose the interpreter that has it "
        "(`numpyro.interpreter`).",
    ),
    Hint(
        "ImportError",
        "funsor",
        "NUTS enumerates discrete latent sites, and that needs `funsor` (`pip install "
        "funsor`). Or sample them with `DiscreteHMCGibbs`, or sum them out by hand.",
    ),
    Hint(
        "RuntimeError",
        "does not have enumerate support",
        "NUTS cannot sample a discrete latent with unbounded support (Poisson, Geometric...). "
        "Use `DiscreteHMCGibbs`, a continuous relaxation, or marginalize it by hand.",
    ),
    Hint(
        "TypeError",
        r"missing \d+ required (positional|keyword-only) argument",
        f"The model was called without all of its arguments. {SMOKE_ARGS}",
    ),
    Hint("NameError", "", f"The model's arguments use an unknown name. {SMOKE_ARGS}"),
    Hint(
        "AssertionError",
        "",
        "An `assert` of the file's module-level code failed: the smoke test runs that code as "
        "written. If it checks the environment (numpyro's notebooks assert "
        "`numpyro.__version__`), the project's interpreter is not the one the file expects.",
        traceback="<module>",
    ),
]


def hint_for(exception: dict[str, Any]) -> str | None:
    """The hint for an exception the worker described, if it is a known one."""
    return next((hint.text for hint in HINTS if hint.matches(exception)), None)
