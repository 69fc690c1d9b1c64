"""NPR013 discrete-latent-under-hmc

## What it does
Flags a latent site with a discrete distribution (Bernoulli, Categorical, Poisson...) in a
model given to NUTS or HMC without a kernel that handles discrete sites. Sites that
`handlers.condition`, `substitute` or `do` give a value, sites whose `infer` is computed
(it may hold `"enumerate"`), kernels handed on to a callable it does not know, a NUTS kernel
that a discrete kernel takes afterwards (`kernel = NUTS(model)`, then
`DiscreteHMCGibbs(kernel)`), and a site drawn only where an observed one of the same name is
not (`if y is None:` ... `else:` ... `obs=y`: HMC is given the data) are left alone. In a file
that imports funsor (`numpyro.contrib.funsor`), whose enumeration then works, only a site that
cannot be enumerated (an unbounded support) is flagged.

## Why is this bad?
HMC needs gradients, so numpyro 0.22 tries to enumerate the discrete site: it warns
(`FutureWarning`) that `infer={"enumerate": "parallel"}` will be required, fails with
`ImportError` when `funsor` is not installed, and fails with `RuntimeError` for an unbounded
support such as Poisson's. Where funsor is installed, marking the site as the warning asks
keeps the enumeration. Alternatives: `DiscreteHMCGibbs(NUTS(model))` (works without funsor),
`MixedHMC`, or marginalising the discrete variable by hand (a `Mixture`, or `logsumexp` in a
`factor`).

## Example
```python
import numpyro
import numpyro.distributions as dist
from numpyro.infer import MCMC, NUTS


def model(y=None):
    z = numpyro.sample("z", dist.Bernoulli(0.5))
    numpyro.sample("obs", dist.Normal(2.0 * z, 1.0), obs=y)


mcmc = MCMC(NUTS(model), num_warmup=100, num_samples=100)
```

## Use instead
```python
import numpyro
import numpyro.distributions as dist
from numpyro.infer import MCMC, NUTS, DiscreteHMCGibbs


def model(y=None):
    z = numpyro.sample("z", dist.Bernoulli(0.5))
    numpyro.sample("obs", dist.Normal(2.0 * z, 1.0), obs=y)


mcmc = MCMC(DiscreteHMCGibbs(NUTS(model)), num_warmup=100, num_samples=100)
```

## Precision
On the real-code corpus (`tests/realcode/`: 267 files that import numpyro, from 30 PyPI
projects): no finding (its precision there is not measured yet).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from numpyro_lsp.analysis.models import dotted_parts, exclusive_branches, outermost_uses
from numpyro_lsp.analysis.site_info import site_name_text
from numpyro_lsp.rules.base import ModuleAnalysis, Report, See, Severity

CODE = "NPR013"
NAME = "discrete-latent-under-hmc"
SEVERITY = Severity.WARNING
GRADIENT_KERNELS = {"numpyro.infer.NUTS", "numpyro.infer.HMC"}
DISCRETE_KERNELS = {
    "numpyro.infer.DiscreteHMCGibbs",
    "numpyro.infer.MixedHMC",
    "numpyro.infer.HMCGibbs",
}


# Handlers that give a site a value, so that HMC never samples it.
CONDITIONING = {"numpyro.handlers.condition", "numpyro.handlers.substitute", "numpyro.handlers.do"}


def enumerated(infer: ast.expr | None) -> bool:
    """``infer={"enumerate": "parallel"}`` on the site, or an ``infer`` that may hold it:
    one computed (``{"enumerate": "parallel"} if enum else {}``, a variable)."""
    if infer is None or (isinstance(infer, ast.Constant) and infer.value is None):
        return False
    return not isinstance(infer, ast.Dict) or any(
        isinstance(k, ast.Constant) and k.value == "enumerate" for k in infer.keys
    )


def check_chunk(analysis: ModuleAnalysis) -> Iterator[Report]:
    # Importing funsor means it is installed: numpyro enumerates what it can.
    has_funsor = any(
        path == "funsor" or path.startswith(("funsor.", "numpyro.contrib.funsor"))
        for path in analysis.bindings.values()
    )
    for model in analysis.models:
        hmc_uses = [
            use
            for use in outermost_uses(analysis.uses_of(model))
            if GRADIENT_KERNELS & set(use.chain)
            and not DISCRETE_KERNELS & set(use.chain)
            and not use.wrapped
        ]
        if not hmc_uses:
            continue
        if any(
            (dotted_parts(d.func if isinstance(d, ast.Call) else d) or [""])[-1]
            == "config_enumerate"
            for d in model.node.decorator_list
        ):
            continue  # every discrete site is enumerated, as the user intends
        kernel = hmc_uses[0]
        conditioned = [u.handled_sites(analysis.catalog, CONDITIONING) for u in hmc_uses]
        for site in model.sites:
            use = site.distribution
            if not site.latent or use is None or not use.obj.get("is_discrete"):
                continue
            if any(h.path in CONDITIONING for h in site.handlers):
                continue  # given a value by a handler around it
            if any(names is None or site.name in names for names in conditioned):
                continue
            if any(
                other.observed
                and other.name == site.name
                and exclusive_branches(other.branches, site.branches)
                for other in model.sites
            ):
                continue  # drawn only when the data is missing (``if y is None:``), unlike HMC
            bounded = use.obj.get("has_enumerate_support")
            if bounded and (has_funsor or enumerated(site.arguments.get("infer"))):
                continue  # enumeration as the user intends (needs funsor installed)
            # With funsor installed the model runs, but numpyro warns (FutureWarning) that the
            # site will have to be marked: the mark is the first fix there.
            reason = (
                "its support is unbounded, so it cannot be enumerated (RuntimeError); use"
                if not bounded
                else "numpyro enumerates it only with funsor installed (ImportError without "
                "it) and warns it must be marked; with funsor, pass "
                '`infer={"enumerate": "parallel"}`, or use'
            )
            yield Report(
                site.name_node or site.call,
                f"discrete latent {site_name_text(site)} under NUTS/HMC: {reason} "
                "`DiscreteHMCGibbs(NUTS(model))`, `MixedHMC`, or marginalise it",
                related=(See(kernel.call, "the model is sampled with HMC here"),),
            )
