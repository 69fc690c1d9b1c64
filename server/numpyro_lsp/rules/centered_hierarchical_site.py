"""NPR012 centered-hierarchical-site

## What it does
Points out a latent site of a loc-scale family (Normal, StudentT, Cauchy, Laplace...: the
families `LocScaleReparam` supports, read from numpyro) whose `loc` or `scale` depends on
another latent site, and that no `reparam` handler covers yet.

## Why is this bad?
A centered hierarchy makes a funnel between the group scale and the group effects that NUTS
cannot explore well: the NumPyro guide's centered 8-schools model gives dozens of divergent
transitions. The non-centered form, `LocScaleReparam(centered=0)`, samples the same model
without them. The code action "Non-center `theta` with LocScaleReparam" rewrites it.

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
projects): 30 hints, below warning, so not reviewed one by one.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from numpyro_lsp.analysis.models import FunctionInfo, ModelUse, Site
from numpyro_lsp.rules.base import ModuleAnalysis, Report, See, Severity, names_in

CODE = "NPR012"
NAME = "centered-hierarchical-site"
SEVERITY = Severity.HINT


def latent_dependencies(model: FunctionInfo) -> dict[str, set[str]]:
    """For each variable, the latent sites its value derives from (through assignments)."""
    latent_targets = {s.target: s.name for s in model.sites if s.latent and s.target and s.name}
    depends: dict[str, set[str]] = {t: {n} for t, n in latent_targets.items()}
    for _ in range(2):
        for name, value in model.assignments.items():
            if name in latent_targets:
                continue
            found = set().union(*(depends.get(n, set()) for n in names_in(value)))
            if found:
                depends[name] = found
    return depends


def configured_sites(handler_calls: list[ast.Call]) -> set[str] | None:
    """Site names a set of ``reparam`` handlers covers; None when one covers every site
    (a config that is not a literal dict, such as a function)."""
    covered: set[str] = set()
    for call in handler_calls:
        config = next((k.value for k in call.keywords if k.arg == "config"), None)
        if config is None and len(call.args) >= 2:
            config = call.args[1]
        if config is None and len(call.args) == 1 and isinstance(call.args[0], ast.Dict):
            config = call.args[0]
        if not isinstance(config, ast.Dict):
            return None
        covered |= {k.value for k in config.keys if isinstance(k, ast.Constant)}
    return covered


def reparam_calls(site: Site, uses: list[ModelUse], analysis: ModuleAnalysis) -> list[ast.Call]:
    calls = [h.call for h in site.handlers if h.path == "numpyro.handlers.reparam"]
    for use in uses:
        for node in ast.walk(use.call):
            if isinstance(node, ast.Call):
                obj = analysis.catalog_object(node.func)
                if obj is not None and obj["path"] == "numpyro.handlers.reparam":
                    calls.append(node)
    return calls


def hierarchical_parents(site: Site, depends: dict[str, set[str]]) -> list[str]:
    use = site.distribution
    parents: set[str] = set()
    for param in ("loc", "scale"):
        value = use.arguments.get(param)
        if value is not None:
            for name in names_in(value):
                parents |= depends.get(name, set())
    parents.discard(site.name)
    return sorted(parents)


def candidates(analysis: ModuleAnalysis) -> Iterator[tuple[FunctionInfo, Site, list[str]]]:
    """Centered hierarchical sites: shared with the LocScaleReparam code actions."""
    for model in analysis.models:
        depends = latent_dependencies(model)
        uses = analysis.uses_of(model)
        for site in model.sites:
            use = site.distribution
            if not site.latent or site.name is None or use is None or "loc_scale" not in use.obj:
                continue
            parents = hierarchical_parents(site, depends)
            if not parents:
                continue
            covered = configured_sites(reparam_calls(site, uses, analysis))
            if covered is None or site.name in covered:
                continue
            yield model, site, parents


def check_chunk(analysis: ModuleAnalysis) -> Iterator[Report]:
    sites_by_name = {}
    for model, site, parents in candidates(analysis):
        sites_by_name = {s.name: s for s in model.sites if s.name}
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
            fix={"kind": "non_center", "site": site.name, "model": model.name},
        )
