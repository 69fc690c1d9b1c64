"""NPR012 centered-hierarchical-site

## What it does
Points out a latent site of a loc-scale family (Normal, StudentT, Cauchy, Laplace...: the
families `LocScaleReparam` supports, read from numpyro) whose `scale` depends on another
latent site, and that no `reparam` handler covers yet (around the site, or around the model
where it is used: `reparam(model, config=...)`, `reparam(self.model, config=...)` for a
model that is a method; a config not written out may cover any). A site that `condition`
observes (`with handlers.condition(data={"obs": y}):` around it, or `condition(model,
data={"obs": y})` where the model is used) is data, not a latent; one drawn only where the
data is None (`if y is None:` beside `obs=y`) is a prediction, which inference never
samples, and so is every site of a model the file only hands to `Predictive` (and to
`log_density`, which evaluates it at given values). The smoke test names the same sites when
NUTS diverges (one definition: `analysis/centering.py`).

## Why is this bad?
A centered hierarchy makes a funnel between the group scale and the group effects that NUTS
cannot explore well: the NumPyro guide's centered 8-schools model gives dozens of divergent
transitions. The non-centered form, `LocScaleReparam(centered=0)`, samples the same model
without them. The code action "Non-center `theta` with LocScaleReparam" rewrites it.

Not always, though: when a site's data are strong (many observations per group), the
centered form samples better and non-centering makes it worse. The code lens "Compare
parameterizations" (`numpyro-lsp advise`) runs both on your model and recommends one; where
centering wins, this hint is withdrawn until the model changes.

## Example
```python
import numpyro
import numpyro.distributions as dist


def eight_schools(J, sigma, y=None):
    mu = numpyro.sample("mu", dist.Normal(0, 5))
    tau = numpyro.sample("tau", dist.HalfCauchy(5))
    with numpyro.plate("J", J):
        theta = numpyro.sample("theta", dist.Normal(mu, tau))
        numpyro.sample("obs", dist.Normal(theta, sigma), obs=y)
```

## Use instead
```python
import numpyro
import numpyro.distributions as dist
from numpyro.infer.reparam import LocScaleReparam


def eight_schools(J, sigma, y=None):
    mu = numpyro.sample("mu", dist.Normal(0, 5))
    tau = numpyro.sample("tau", dist.HalfCauchy(5))
    with numpyro.plate("J", J):
        with numpyro.handlers.reparam(config={"theta": LocScaleReparam(centered=0)}):
            theta = numpyro.sample("theta", dist.Normal(mu, tau))
        numpyro.sample("obs", dist.Normal(theta, sigma), obs=y)
```

## Precision
On the real-code corpus (`tests/realcode/`: 267 files that import numpyro, from 30 PyPI
projects): 22 hints, below warning, so not reviewed one by one (3 in blayers' tests went:
data-generating processes only handed to `Predictive`). On 23 other public projects,
read one by one: 32 hints, 15 sensible (11 centered hierarchies in dynestyx's tests run under
NUTS); 8 false, on weights drawn before their scale's name was given a latent precision,
went once a scale is read as it is where the site is drawn, and 2 that named that precision
now name the right parents; 7 on a prediction-only site (`y_pred`, drawn when `y is None`
beside `obs=y`, which NUTS given `y` never samples) went too. On 46 more, 45 hints read: 42
sensible; 2 on a model only handed to `Predictive` (the 8-schools tutorial's `new_school`)
went, and 1 that named hyperpriors drawn below the site names those drawn above it.
"""

from __future__ import annotations

from collections.abc import Iterator

from numpyro_lsp.analysis.centering import centered_sites
from numpyro_lsp.rules.base import ModuleAnalysis, Report, See, Severity

CODE = "NPR012"
NAME = "centered-hierarchical-site"
SEVERITY = Severity.HINT


def check_chunk(analysis: ModuleAnalysis) -> Iterator[Report]:
    for centered in centered_sites(analysis):
        site, parents = centered.site, centered.parents
        sites_by_name = {s.name: s for s in centered.model.sites if s.name}
        related = tuple(
            See(sites_by_name[p].call, f"`{site.name}` depends on `{p}`")
            for p in parents
            if p in sites_by_name
        )
        yield Report(
            site.name_node,
            f"`{site.name}` is a centered hierarchical site (its {site.distribution.obj['name']} "
            f"depends on {', '.join(f'`{p}`' for p in parents)}): non-center it with "
            "`LocScaleReparam(centered=0)` if NUTS reports divergences",
            related=related,
            fix={"kind": "non_center", "site": site.name, "model": centered.model.name},
        )
