"""NPR008 real-latent-as-positive-parameter

## What it does
Flags a latent site whose distribution has real support (Normal, StudentT, Cauchy...) used
directly where another distribution needs a positive parameter (`scale`, `rate`,
`concentration`, `df`...). A name given another value in between (`sigma = jnp.exp(sigma)`)
no longer holds the draw and is not flagged.

## Why is this bad?
Half of the prior mass is negative. Whether it fails depends on the seed: the run raises
"got invalid scale parameter" only when the first, un-jitted trace draws a negative value;
otherwise it runs, and prior predictive checks silently produce negative scales or counts.

## Example
```python
import numpyro
import numpyro.distributions as dist


def model(y=None):
    sigma = numpyro.sample("sigma", dist.Normal(0.0, 1.0))
    numpyro.sample("obs", dist.Normal(0.0, sigma), obs=y)
```

## Use instead
```python
import numpyro
import numpyro.distributions as dist


def model(y=None):
    sigma = numpyro.sample("sigma", dist.HalfNormal(1.0))
    numpyro.sample("obs", dist.Normal(0.0, sigma), obs=y)
```

## Precision
On the real-code corpus (`tests/realcode/`: 267 files that import numpyro, from 30 PyPI
projects): no finding (its precision there is not measured yet).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from numpyro_lsp.analysis.models import FunctionInfo, Site
from numpyro_lsp.rules.base import ModuleAnalysis, Report, See, Severity

CODE = "NPR008"
NAME = "real-latent-as-positive-parameter"
SEVERITY = Severity.WARNING


def needs_positive(param: dict) -> bool:
    constraint = param.get("constraint") or {}
    return constraint.get("lower") == 0.0 and constraint.get("upper") is None


# Methods that rearrange an array's values without changing them.
REARRANGING = {"reshape", "squeeze", "ravel", "flatten", "transpose", "repeat", "take"}


def drawn_site(model: FunctionInfo, name: ast.Name, draws: dict[int, Site]) -> Site | None:
    """The site whose draws ``name`` holds where it is read: the value last assigned to it
    above is a site's call, or picks or rearranges the name's own values (``s = s[title]``);
    not after ``var = jnp.exp(var)``, which holds positive values."""
    place = (name.lineno, name.col_offset)
    history = model.assignment_history.get(name.id, ())
    for _ in range(len(history)):
        above = [v for v in history if (v.end_lineno, v.end_col_offset) <= place]
        if not above:
            return None
        value = above[-1]
        own = picked_from(value)
        if not (isinstance(own, ast.Name) and own.id == name.id):
            return draws.get(id(value))
        place = (value.lineno, value.col_offset)
    return None


def picked_from(value: ast.expr) -> ast.expr:
    """What ``value`` picks or rearranges the values of (``s`` of ``s[i].reshape(-1)``);
    ``value`` itself when it does neither."""
    while True:
        if isinstance(value, ast.Subscript):
            value = value.value
        elif (
            isinstance(value, ast.Call)
            and isinstance(value.func, ast.Attribute)
            and value.func.attr in REARRANGING
        ):
            value = value.func.value
        else:
            return value


def check_chunk(analysis: ModuleAnalysis) -> Iterator[Report]:
    for model in analysis.models:
        real_latents = {
            id(site.call): site
            for site in model.sites
            if site.latent
            and site.target
            and site.distribution is not None
            and (site.distribution.obj.get("support") or {}).get("name") == "real"
        }
        if not real_latents:
            continue
        for site in model.sites:
            use = site.distribution
            if use is None:
                continue
            params = {p["name"]: p for p in use.obj["params"]}
            for name, value in use.arguments.items():
                if not isinstance(value, ast.Name):
                    continue
                if name not in params or not needs_positive(params[name]):
                    continue
                source = drawn_site(model, value, real_latents)
                if source is None:
                    continue
                constraint = params[name]["constraint"]["display"]
                yield Report(
                    value,
                    f"`{value.id}` has real support but `{use.obj['name']}`'s `{name}` must be "
                    f"{constraint}: give `{value.id}` a positive prior (HalfNormal, "
                    "LogNormal, Exponential...)",
                    related=(See(source.call, f"`{value.id}` is drawn here"),),
                )
