"""NPR014 param-under-mcmc

## What it does
Flags `numpyro.param` in a model that the file only samples with MCMC (never fits with SVI).
A param that `handlers.lift` gives a prior (around the model or around the site) is sampled,
and is not flagged.

## Why is this bad?
MCMC does not learn parameters: a `param` site is silently held at its initial value and is
missing from the samples. To infer it, give it a prior with `numpyro.sample`.

## Example
```python
import numpyro
import numpyro.distributions as dist
from numpyro.infer import MCMC, NUTS


def model(y=None):
    sigma = numpyro.param("sigma", 1.0)
    numpyro.sample("obs", dist.Normal(0.0, sigma), obs=y)


mcmc = MCMC(NUTS(model), num_warmup=100, num_samples=100)
```

## Use instead
```python
import numpyro
import numpyro.distributions as dist
from numpyro.infer import MCMC, NUTS


def model(y=None):
    sigma = numpyro.sample("sigma", dist.HalfNormal(1.0))
    numpyro.sample("obs", dist.Normal(0.0, sigma), obs=y)


mcmc = MCMC(NUTS(model), num_warmup=100, num_samples=100)
```

## Precision
On the real-code corpus (`tests/realcode/`: 267 files that import numpyro, from 30 PyPI
projects): no finding (its precision there is not measured yet).
"""

from __future__ import annotations

from collections.abc import Iterator

from numpyro_lsp.analysis.site_info import site_name_text
from numpyro_lsp.rules.base import ModuleAnalysis, Report, See, Severity

LIFT = "numpyro.handlers.lift"
CODE = "NPR014"
NAME = "param-under-mcmc"
SEVERITY = Severity.WARNING
SVI_KINDS = {"autoguide", "elbo"}


def check_chunk(analysis: ModuleAnalysis) -> Iterator[Report]:
    for model in analysis.models:
        uses = analysis.uses_of(model)
        kinds = {analysis.catalog.objects[p]["kind"] for use in uses for p in use.chain}
        paths = {p for use in uses for p in use.chain}
        if "kernel" not in kinds or SVI_KINDS & kinds or "numpyro.infer.SVI" in paths:
            continue
        kernel_uses = [
            u for u in uses if "kernel" in {analysis.catalog.objects[p]["kind"] for p in u.chain}
        ]
        kernel_use = kernel_uses[0]
        lifted = [u.handled_sites(analysis.catalog, {LIFT}) for u in kernel_uses]
        for site in model.sites:
            if any(h.path == LIFT for h in site.handlers):
                continue  # ``with handlers.lift(prior=...)``: sampled from its prior
            if any(names is None or site.name in names for names in lifted):
                continue
            if site.primitive == "param":
                yield Report(
                    site.call,
                    f"MCMC holds `numpyro.param` {site_name_text(site)} fixed at its initial value "
                    "and leaves it out of the samples: give it a prior with `numpyro.sample`",
                    related=(See(kernel_use.call, "sampled with MCMC here"),),
                )
