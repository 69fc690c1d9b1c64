"""NPR008 real-latent-as-positive-parameter

## What it does
Flags a latent site whose distribution has real support (Normal, StudentT, Cauchy...) used
directly where another distribution needs a positive parameter (`scale`, `rate`,
`concentration`, `df`...). A name given another value in between (`sigma = jnp.exp(sigma)`)
no longer holds the draw and is not flagged. Nor is a Normal whose draws are negative only
with a negligible chance: a loc 4.76 scales or more above zero, both numbers (under one in
a million: a simulator's `Normal(5000, 0.01)`), or a loc positive by construction
(`jnp.exp(u)`, a draw of positive support) with a literal scale of at most 0.01, a jitter
that reaches below zero with a chance over one in a million only where the loc is under
0.05 (`Normal(jnp.exp(u), 0.001)`).

## Why is this bad?
A real prior puts mass below zero: half of it when centred at zero (the message says how
much where the loc and scale are numbers). Whether it fails depends on the seed: the run
raises "got invalid scale parameter" only when the first, un-jitted trace draws a negative
value; otherwise it runs, and prior predictive checks silently produce negative scales or
counts.

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
import math
from collections.abc import Iterator

from numpyro_lsp.analysis.models import FunctionInfo, Site
from numpyro_lsp.rules.base import ModuleAnalysis, Report, See, Severity, literal_number

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


# Below this chance of a negative draw, a Normal's mass below zero is negligible: 4.76
# standard deviations (``Normal(5000, 0.01)``, a simulator's jitter, is 500,000).
NEGLIGIBLE = 1e-6
# A literal scale at most this, around a loc that is positive by construction, is a jitter:
# the draw is negative with a chance above ``NEGLIGIBLE`` only where the loc itself is below
# 4.76 times the scale, under 0.05.
JITTER = 0.01
# Functions whose values are positive whatever they are given.
POSITIVE_FUNCTIONS = {
    f"{module}.{name}" for module in ("jax.numpy", "numpy", "math") for name in ("exp", "exp2")
} | {"jax.nn.softplus", "jax.nn.sigmoid", "jax.scipy.special.expit", "scipy.special.expit"}


def mass_below_zero(
    analysis: ModuleAnalysis, model: FunctionInfo, site: Site
) -> tuple[float | None, bool]:
    """For a Normal draw: the chance it is negative where its loc and scale are numbers
    (at most: the largest over the values they may hold), and whether that chance is
    negligible. The loc may instead be positive by construction (``jnp.exp(u)``, a draw
    of positive support) around a small literal scale, a jitter. (None, False) otherwise."""
    use = site.distribution
    if use is None or use.obj["path"] != "numpyro.distributions.Normal":
        return None, False
    loc, scale = use.arguments.get("loc"), use.arguments.get("scale")
    scales = (1.0, 1.0) if scale is None else numbers(analysis, model, scale)
    if scales is None or scales[0] <= 0:
        return None, False
    locs = (0.0, 0.0) if loc is None else numbers(analysis, model, loc)
    if locs is None:
        jitter = scales[1] <= JITTER and positive(analysis, model, loc)
        return None, jitter
    lowest = locs[0]
    mass = 0.5 * math.erfc(lowest / scales[1 if lowest >= 0 else 0] / math.sqrt(2))
    return mass, mass < NEGLIGIBLE


def numbers(
    analysis: ModuleAnalysis, model: FunctionInfo, node: ast.expr, depth: int = 0
) -> tuple[float, float] | None:
    """The least and greatest number ``node`` may be: a literal, a name of the model whose
    value above is one, or ``self.rate`` where every value its class gives ``.rate`` is a
    literal (a simulator's ``self.total_rental_rate = 5000``)."""
    value = literal_number(node)
    if value is not None:
        return value, value
    if isinstance(node, ast.Name) and depth < 4:
        above = model.value_above(node)
        return None if above is None else numbers(analysis, model, above, depth + 1)
    if isinstance(node, ast.Attribute):
        found = [literal_number(v) for v in class_values(analysis, model, node) or ()]
        if found and None not in found:
            return min(found), max(found)
    return None


def positive(analysis: ModuleAnalysis, model: FunctionInfo, node: ast.expr, depth: int = 0) -> bool:
    """Whether ``node``'s values are positive by construction: a positive function's
    (``jnp.exp(u)``), picked or rearranged (``jnp.exp(u)[i]``), or a name holding one or a
    draw of positive support."""
    node = picked_from(node)
    if isinstance(node, ast.Call):
        return analysis.resolve(node.func) in POSITIVE_FUNCTIONS
    if isinstance(node, ast.Name) and depth < 4:
        draws = {
            id(site.call): site
            for site in model.sites
            if site.latent
            and site.distribution is not None
            and (site.distribution.obj.get("support") or {}).get("name") == "positive"
        }
        if drawn_site(model, node, draws) is not None:
            return True
        above = model.value_above(node)
        return above is not None and positive(analysis, model, above, depth + 1)
    return False


def class_values(
    analysis: ModuleAnalysis, model: FunctionInfo, node: ast.Attribute
) -> list[ast.expr] | None:
    """Every value the class around a model method gives the attribute it reads of its
    first parameter (``self.rate``): assigned to ``<anything>.rate`` in the class, or
    ``rate`` in its body. None where it is given otherwise (``+=``, unpacking)."""
    args = model.node.args
    first = [*args.posonlyargs, *args.args][:1]
    if not (
        model.parent is None
        and first
        and isinstance(node.value, ast.Name)
        and node.value.id == first[0].arg
    ):
        return None
    owner = next(
        (c for c in analysis.nodes(ast.ClassDef) if model.node in c.body),
        None,
    )
    if owner is None:
        return None
    attr = node.attr
    values: list[ast.expr] = []
    for statement in owner.body:
        if isinstance(statement, (ast.Assign, ast.AnnAssign)) and statement.value is not None:
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            if any(isinstance(t, ast.Name) and t.id == attr for t in targets):
                values.append(statement.value)
    for inner in ast.walk(owner):
        if isinstance(inner, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = inner.targets if isinstance(inner, ast.Assign) else [inner.target]
            for target in targets:
                named = [
                    t for t in ast.walk(target) if isinstance(t, ast.Attribute) and t.attr == attr
                ]
                if not named:
                    continue
                if target is not named[0] or not isinstance(inner, (ast.Assign, ast.AnnAssign)):
                    return None
                if inner.value is None:
                    continue
                values.append(inner.value)
    return values


def mass_text(mass: float) -> str:
    return f"{mass:.0%}" if mass >= 0.01 else f"{mass * 100:.2g}%"


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
                mass, negligible = mass_below_zero(analysis, model, source)
                if negligible:
                    continue
                constraint = params[name]["constraint"]["display"]
                below = (
                    ""
                    if mass is None
                    else f" (its prior puts {mass_text(mass)} of its mass below zero)"
                )
                yield Report(
                    value,
                    f"`{value.id}` has real support{below} but `{use.obj['name']}`'s `{name}` "
                    f"must be {constraint}: give `{value.id}` a positive prior (HalfNormal, "
                    "LogNormal, Exponential...)",
                    related=(See(source.call, f"`{value.id}` is drawn here"),),
                )
