"""NPR019 vague-prior

## What it does
Points out very vague priors: `Gamma(ε, ε)` or `InverseGamma(ε, ε)` with ε ≤ 0.01, a
`Uniform` over a range of a thousand or more, a Normal with a scale of a thousand or more.
Off by default (turn it on with `--select NPR019` or the `select` setting).

## Why is this bad?
Such priors are not "uninformative": `Gamma(0.001, 0.001)` puts most of its mass near zero
and in a very long tail, and wide uniforms on scales pull the posterior to large values in
hierarchical models. Weakly informative priors on the scale of the data sample better.

## Example
```python
import numpyro
import numpyro.distributions as dist


def model(y=None):
    precision = numpyro.sample("precision", dist.Gamma(0.001, 0.001))
    numpyro.sample("obs", dist.Normal(0.0, 1.0 / precision), obs=y)
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

from collections.abc import Iterator

from numpyro_lsp.rules.base import ModuleAnalysis, Report, Severity, literal_number

CODE = "NPR019"
NAME = "vague-prior"
SEVERITY = Severity.HINT
ENABLED_BY_DEFAULT = False
TINY = 0.01
HUGE = 1000.0


def vague(name: str, values: dict[str, float]) -> str | None:
    if name in ("Gamma", "InverseGamma"):
        shape, rate = values.get("concentration"), values.get("rate")
        if shape is not None and rate is not None and shape <= TINY and rate <= TINY:
            return f"`{name}({shape:g}, {rate:g})` is nearly improper"
    if name == "Uniform":
        low, high = values.get("low"), values.get("high")
        if low is not None and high is not None and high - low >= HUGE:
            return f"`Uniform({low:g}, {high:g})` spans {high - low:g}"
    scale = values.get("scale")
    if name in ("Normal", "HalfNormal", "Cauchy", "HalfCauchy") and scale and scale >= HUGE:
        return f"a scale of {scale:g} is far wider than most data"
    return None


def check_chunk(analysis: ModuleAnalysis) -> Iterator[Report]:
    for model in analysis.models:
        for site in model.sites:
            use = site.distribution
            if not site.latent or use is None:
                continue
            values = {
                name: number
                for name, node in use.arguments.items()
                if (number := literal_number(node)) is not None
            }
            problem = vague(use.obj["name"], values)
            if problem:
                yield Report(
                    use.call,
                    f"vague prior: {problem}; prefer a weakly informative prior on the data's "
                    "scale (e.g. HalfNormal(1) for a scale)",
                )
