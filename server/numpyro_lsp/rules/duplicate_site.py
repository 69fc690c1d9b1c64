"""NPR006 duplicate-site-name

## What it does
Flags two sample or deterministic sites of one model with the same name, including a site
with a constant name inside a Python loop (every iteration reuses the name). Sites in
branches that cannot both run (`if`/`else`, `if c: ... return`, `if x == "a"` and
`if x == "b"`) may share a name, and so may repeated `numpyro.param` calls, which numpyro
memoizes, and draws given their own `rng_key` (plain code, outside any handler).

## Why is this bad?
Site names identify random variables in traces, samples and handlers. numpyro stops with
`AssertionError: all sites must have unique names but got `x` duplicated`.

## Example
```python
import numpyro
import numpyro.distributions as dist


def model(data):
    for i in range(3):
        numpyro.sample("x", dist.Normal(0.0, 1.0), obs=data[i])
```

## Use instead
```python
import numpyro
import numpyro.distributions as dist


def model(data=None):
    with numpyro.plate("n", 3):
        numpyro.sample("x", dist.Normal(0.0, 1.0), obs=data)
    if data is None:
        numpyro.sample("y", dist.Normal(0.0, 1.0))
    else:
        numpyro.sample("y", dist.Normal(0.0, 1.0), obs=data[0])
```

## Precision
On the real-code corpus (`tests/realcode/`: 267 files that import numpyro, from 30 PyPI
projects): 2 findings, 2 true.
"""

from __future__ import annotations

from collections.abc import Iterator

from numpyro_lsp.analysis.conditions import contradict
from numpyro_lsp.analysis.models import Site, exclusive_branches
from numpyro_lsp.rules.base import ModuleAnalysis, Report, See, Severity

CODE = "NPR006"
NAME = "duplicate-site-name"
SEVERITY = Severity.ERROR


def check_chunk(analysis: ModuleAnalysis) -> Iterator[Report]:
    for model in analysis.models:
        first: dict[str, list[Site]] = {}
        for site in model.sites:
            if site.name is None:
                continue
            if "rng_key" in site.arguments:
                continue  # a draw with its own key, in plain code: no handler records it
            if site.primitive == "param":
                # numpyro's trace keeps the first of repeated params (it memoizes them);
                # only a sample or deterministic site may not reuse a recorded name.
                first.setdefault(site.name, []).append(site)
                continue
            name_node = site.name_node
            earlier = [
                s
                for s in first.get(site.name, [])
                if not exclusive_branches(s.branches, site.branches)
                and not contradict(s.conditions, site.conditions)
            ]
            if earlier:
                yield Report(
                    name_node,
                    f"site name `{site.name}` is already used in `{model.name}`: "
                    "give each site its own name",
                    related=(See(earlier[0].name_node, "first defined here"),),
                )
            elif site.loops and not any(
                loop in site.loops for s in first.get(site.name, []) for loop in s.loops
            ):
                yield Report(
                    name_node,
                    f"site `{site.name}` is inside a loop, so every iteration reuses its name: "
                    "use `numpyro.plate` or a name built from the loop index",
                )
            first.setdefault(site.name, []).append(site)
