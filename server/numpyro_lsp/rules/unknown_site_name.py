"""NPR020 unknown-site-name

## What it does
Flags a string that should name a site of a model but names none, with the closest site
name: keys of `handlers.reparam(config=...)`, `condition`/`substitute`/`do` data and
`init_to_value(values=...)`, items of `block(hide=..., expose=...)`,
`Predictive(return_sites=...)` and `HMCGibbs(gibbs_sites=...)`, and keys read from
`mcmc.get_samples()`, a `Predictive`'s result or a trace. It checks only strings whose model
it can follow (`condition(model, ...)`, `mcmc = MCMC(NUTS(model))`, a `with` block inside the
model) and whose sites it can all read: a model that calls a method of another object
(`rv.sample(record=True)`, not `x.sum()` or `d.log_prob(y)`) may add sites it cannot see,
and so may a line of the model that does not parse (one still being typed).

## Why is this bad?
Handlers ignore names that match no site: a misspelled `condition` key leaves the site
unconditioned and a misspelled reparam config leaves the model centered, with no error.
Reading a missing key of the samples fails only after inference has run.

## Example
```python
import numpyro
import numpyro.distributions as dist
from numpyro import handlers


def model(y=None):
    mu = numpyro.sample("mu", dist.Normal(0.0, 1.0))
    numpyro.sample("y", dist.Normal(mu, 1.0), obs=y)


conditioned = handlers.condition(model, data={"m": 0.5})
```

## Use instead
```python
import numpyro
import numpyro.distributions as dist
from numpyro import handlers


def model(y=None):
    mu = numpyro.sample("mu", dist.Normal(0.0, 1.0))
    numpyro.sample("y", dist.Normal(mu, 1.0), obs=y)


conditioned = handlers.condition(model, data={"mu": 0.5})
```

## Precision
On the real-code corpus (`tests/realcode/`: 267 files that import numpyro, from 30 PyPI
projects): no finding (its precision there is not measured yet).
"""

from __future__ import annotations

from collections.abc import Iterator

from numpyro_lsp.analysis.sites import SiteIndex
from numpyro_lsp.rules.base import ModuleAnalysis, Report, Severity, did_you_mean

CODE = "NPR020"
NAME = "unknown-site-name"
SEVERITY = Severity.WARNING


def check(analysis: ModuleAnalysis) -> Iterator[Report]:
    index = SiteIndex(analysis)
    # Keys the user stores into a variable of draws (``post["diff"] = ...``), read back later.
    own_keys = {(r.holder, r.name) for r in index.references if r.stores and r.holder}
    for reference in index.references:
        if not reference.explicit or not reference.name or reference.stores:
            continue  # a model not followed, a name still to be typed, or a key of one's own
        if reference.holder and (reference.holder, reference.name) in own_keys:
            continue
        every = [index.sites_of(model) for model in reference.models]
        if not all(sites.complete for sites in every):
            continue
        names = set().union(*(sites.names for sites in every))
        # Reparameterizers and numpyro's transforms add sites named after the site:
        # ``theta_decentered``, ``_theta_log_det``.
        if reference.name in names or any(
            reference.name.startswith((f"{n}_", f"_{n}_")) for n in names
        ):
            continue
        models = ", ".join(f"`{model.function.name}`" for model in reference.models)
        suggestion = did_you_mean(reference.name, names)
        hint = f"did you mean `{suggestion}`?" if suggestion else "check the name"
        yield Report(
            reference.node,
            f'"{reference.name}" names no site of {models}: {hint}',
            fix={"kind": "replace_name", "name": reference.name, "replacement": suggestion}
            if suggestion
            else None,
        )
