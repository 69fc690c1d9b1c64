"""NPR010 wrong-arguments

## What it does
Flags keyword arguments that a NumPyro callable does not take, and more positional
arguments than it accepts, with the parameter that was probably meant:
`dist.Normal(mean=0, sd=1)` → "Normal has no parameter `mean`; did you mean `loc`?". Where
numpyro reordered the parameters (`TruncatedNormal(low, loc, scale)` before 0.9), it says so.
A platform `numpyro.set_platform` does not take (`"gpu"`: `"cuda"` since numpyro 0.20) is
flagged too, and so is a parameter with no default left out (`numpyro.plate("N")`).

## Why is this bad?
It is a `TypeError` when the line runs, which inside a model is only when inference first
traces it; and parameter names differ between libraries (`mu`/`sd` in PyMC, `rate` vs
`scale`), so the mistake is common.

## Example
```python
import numpyro.distributions as dist

prior = dist.Normal(mean=0.0, sd=1.0)
```

## Use instead
```python
import numpyro.distributions as dist

prior = dist.Normal(loc=0.0, scale=1.0)
```

## Precision
On the real-code corpus (`tests/realcode/`: 267 files that import numpyro, from 30 PyPI
projects): 2 findings, 2 true (`set_platform("gpu")`, run where a GPU is found). On 66 other
public projects (2,000 files): 83 findings, 83 true (`MCMC(kernel, 500, 500)`,
`TruncatedNormal(low, loc, scale)`, `handlers.scale(scale_factor=)` from older numpyro, and 6
`set_platform("gpu")`). A parameter left out: 3 more on 74 more projects, each a
`numpyro.plate` with no size or no name (pangolin's notebook shows the TypeError).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

from numpyro_lsp.analysis.models import bind_arguments, positional_parameters
from numpyro_lsp.catalog.schema import Catalog
from numpyro_lsp.rules.base import ModuleAnalysis, Report, Severity, did_you_mean

CODE = "NPR010"
NAME = "wrong-arguments"
SEVERITY = Severity.ERROR
# Parameter names other libraries use for the same thing (PyMC, Stan, SciPy, TFP).
SYNONYMS = {
    "loc": {"mean", "mu", "location", "center"},
    "scale": {"sd", "sigma", "std", "stddev", "scale_param"},
    "rate": {"lam", "lambda_", "beta_rate"},
    "probs": {"p", "prob", "probability"},
    "total_count": {"n", "trials", "num_trials"},
    "concentration": {"shape", "alpha", "k"},
    "concentration1": {"alpha", "a"},
    "concentration0": {"beta", "b"},
    "df": {"nu", "dof"},
    "low": {"lower", "lo", "min"},
    "high": {"upper", "hi", "max"},
    "logits": {"logit_p", "log_odds"},
    "covariance_matrix": {"cov", "covariance"},
}


# Distributions whose positional parameters numpyro reordered: code written for the old order
# passes one argument too many, and the first ones mean something else now.
REORDERED = {
    "numpyro.distributions.TruncatedNormal": ("0.9", "low, loc, scale"),
    "numpyro.distributions.TruncatedCauchy": ("0.9", "low, loc, scale"),
}


# The platforms ``numpyro.set_platform`` takes since numpyro 0.20, which asserts it (before,
# JAX's ``jax_platform_name`` took "gpu" too).
PLATFORMS = ("cpu", "cuda", "rocm", "tpu", "METAL")
PLATFORMS_CHECKED_SINCE = (0, 20)


def suggestion_for(keyword: str, parameters: list[str]) -> str | None:
    for parameter in parameters:
        if keyword in SYNONYMS.get(parameter, ()):
            return parameter
    return did_you_mean(keyword, parameters, cutoff=0.6)


@dataclass(frozen=True)
class _Parameters:
    """What the rule reads of a catalog object's parameters."""

    any_keyword: bool  # no signature, or ``**kwargs``
    any_positional: bool  # no signature, or ``*args``
    names: list[str]
    keywords: frozenset[str]
    positional: list[str]
    required: list[str]  # the parameters with no default
    # How many positional arguments give every one of them (-1: a keyword-only one is
    # required): most calls pass that many, and need no closer look.
    required_prefix: int


def parameters_of(catalog: Catalog, obj: dict) -> _Parameters:
    """Worked out once per catalog object, not at each of its calls (a file calls a few
    distributions and primitives hundreds of times)."""
    kept = catalog.derived(CODE)
    found = kept.get(obj["path"])
    if found is not None:
        return found
    params, signed = obj["params"], bool(obj["signature"])
    positional = positional_parameters(obj, catalog)
    required = (
        [p["name"] for p in params if "default" not in p and not p["kind"].startswith("var")]
        if signed
        else []
    )
    found = kept[obj["path"]] = _Parameters(
        any_keyword=not signed or any(p["kind"] == "var_keyword" for p in params),
        any_positional=not signed or any(p["kind"] == "var_positional" for p in params),
        names=[p["name"] for p in params if not p["kind"].startswith("var")],
        keywords=frozenset(
            p["name"] for p in params if p["kind"] in ("positional_or_keyword", "keyword_only")
        ),
        positional=positional,
        required=required,
        required_prefix=max((positional.index(n) + 1 for n in required), default=0)
        if all(n in positional for n in required)
        else -1,
    )
    return found


def missing_argument(call: ast.Call, obj: dict, parameters: _Parameters) -> Report | None:
    """A parameter with no default that the call leaves out (``numpyro.plate("N")``): a
    ``TypeError`` when the line runs."""
    if any(type(a) is ast.Starred for a in call.args) or any(k.arg is None for k in call.keywords):
        return None  # ``*args`` or ``**kwargs`` may hold it
    if len(call.args) > len(parameters.positional) and not parameters.any_positional:
        return None  # ``MCMC(kernel, 500, 500)``: the positional arguments' report says it
    if not parameters.any_keyword and any(k.arg not in parameters.keywords for k in call.keywords):
        return None  # ``warmup_steps=``: the unknown keyword's report names the one meant
    given = {*parameters.positional[: len(call.args)], *(k.arg for k in call.keywords)}
    missing = [name for name in parameters.required if name not in given]
    if not missing:
        return None
    return Report(
        call.func,
        f"`{obj['name']}` is missing its argument `{missing[0]}` (TypeError): `{obj['signature']}`",
    )


def unknown_platform(analysis: ModuleAnalysis, call: ast.Call, obj: dict) -> Report | None:
    """``numpyro.set_platform("gpu")``: an ``AssertionError`` since numpyro 0.20."""
    if analysis.catalog.release < PLATFORMS_CHECKED_SINCE:
        return None
    platform = bind_arguments(obj, call, analysis.catalog).get("platform")
    if not isinstance(platform, ast.Constant) or not isinstance(platform.value, str):
        return None
    unknown = [p.strip() for p in platform.value.split(",") if p.strip() not in PLATFORMS]
    if not unknown:
        return None
    hint = "`cuda` (or `rocm`)" if unknown[0] == "gpu" else None
    suggestion = did_you_mean(unknown[0], PLATFORMS)
    hint = hint or (f"`{suggestion}`" if suggestion else ", ".join(f"`{p}`" for p in PLATFORMS))
    return Report(
        platform,
        f"numpyro {analysis.catalog.numpyro_version}'s `set_platform` has no platform "
        f"`{unknown[0]}` (AssertionError): use {hint}",
    )


def check_chunk(analysis: ModuleAnalysis) -> Iterator[Report]:
    for catalog_call in analysis.catalog_calls:
        call, obj = catalog_call.call, catalog_call.obj
        if obj["path"] == "numpyro.set_platform":
            report = unknown_platform(analysis, call, obj)
            if report is not None:
                yield report
        parameters = parameters_of(analysis.catalog, obj)
        names = parameters.names
        if not parameters.any_keyword:
            for keyword in call.keywords:
                if keyword.arg is None or keyword.arg in parameters.keywords:
                    continue
                suggestion = suggestion_for(keyword.arg, [n for n in names if n != "validate_args"])
                hint = (
                    f"did you mean `{suggestion}`?"
                    if suggestion
                    else f"it takes {', '.join(names)}"
                )
                yield Report(
                    keyword,
                    f"`{obj['name']}` has no parameter `{keyword.arg}`: {hint}",
                    fix={"kind": "replace_keyword", "name": keyword.arg, "replacement": suggestion}
                    if suggestion
                    else None,
                )
        # Most calls pass what is required by position (``numpyro.sample("x", d)``): no
        # closer look.
        if not 0 <= parameters.required_prefix <= len(call.args):
            report = missing_argument(call, obj, parameters)
            if report is not None:
                yield report
        positional = parameters.positional
        if parameters.any_positional or len(call.args) <= len(positional):
            continue
        if any(isinstance(a, ast.Starred) for a in call.args):
            continue
        reordered = REORDERED.get(obj["path"])
        advice = (
            f"before numpyro {reordered[0]} they were ({reordered[1]}): write "
            f"`{obj['name']}({', '.join(positional)}, low=...)`"
            if reordered
            else "pass the rest by keyword"
        )
        yield Report(
            call.args[len(positional)],
            f"`{obj['name']}` takes at most {len(positional)} positional arguments "
            f"({', '.join(positional)}), got {len(call.args)}: {advice}",
        )
