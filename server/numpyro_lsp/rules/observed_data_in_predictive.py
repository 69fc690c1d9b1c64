"""NPR017 observed-data-in-predictive

## What it does
Flags a `Predictive` built with posterior samples or with a fitted guide, then called with
the observed data: `Predictive(model, samples)(key, x, y=y)`, or
`Predictive(model, guide=guide, params=params)(key, x, y=y)`. An argument the model also
reads for something else (its shape, another site's parameters) is data it needs, and is
left alone. So is a call that also passes an argument that switches on sites the model
samples only when asked (a forecast horizon: `if future > 0:`): it forecasts from the
observed history, and reads the new sites.

## Why is this bad?
An observed site returns its `obs` value: with the data passed in, the "predictions" are the
observed data, with no error, and their intervals have zero width. Pass `None` (or leave
the argument out) for the observations.

## Example
```python
import numpyro
import numpyro.distributions as dist
from jax import random
from numpyro.infer import Predictive


def model(x, y=None):
    w = numpyro.sample("w", dist.Normal(0.0, 1.0))
    numpyro.sample("y", dist.Normal(w * x, 1.0), obs=y)


def predict(samples, x, y):
    predictive = Predictive(model, samples)
    return predictive(random.PRNGKey(1), x, y=y)
```

## Use instead
```python
import numpyro
import numpyro.distributions as dist
from jax import random
from numpyro.infer import Predictive


def model(x, y=None):
    w = numpyro.sample("w", dist.Normal(0.0, 1.0))
    numpyro.sample("y", dist.Normal(w * x, 1.0), obs=y)


def predict(samples, x):
    predictive = Predictive(model, samples)
    return predictive(random.PRNGKey(1), x)
```

## Precision
On the real-code corpus (`tests/realcode/`: 267 files that import numpyro, from 30 PyPI
projects): no finding (its precision there is not measured yet).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from numpyro_lsp.analysis.models import FunctionInfo, bind_arguments, names_in
from numpyro_lsp.rules.base import ModuleAnalysis, Report, See, Severity

CODE = "NPR017"
NAME = "observed-data-in-predictive"
SEVERITY = Severity.WARNING


def observed_parameters(model: FunctionInfo) -> set[str]:
    """The model's arguments that feed an ``obs=``."""
    params = set(model.params)
    return {
        name
        for site in model.sites
        if site.observed
        for name in names_in(site.arguments["obs"])
        if name in params
    }


def read_beyond_observing(model: FunctionInfo, name: str) -> bool:
    """Whether the model reads the argument besides observing it (its shape, another site's
    parameters): data the model needs, whatever it predicts (``X`` of a classifier that
    predicts ``y``), which ``None`` would break. A test against None is no such read."""
    observing = {
        id(node)
        for site in model.sites
        if site.observed
        for node in ast.walk(site.arguments["obs"])
    }
    observing |= {
        id(node.left)
        for node in model.nodes
        if type(node) is ast.Compare
        and all(isinstance(c, ast.Constant) and c.value is None for c in node.comparators)
    }
    return any(
        type(node) is ast.Name
        and node.id == name
        and type(node.ctx) is ast.Load
        and id(node) not in observing
        for node in model.nodes
    )


def asks_for_more_sites(model: FunctionInfo, asked: set[str]) -> bool:
    """Whether one of the ``asked`` arguments is tested by an ``if`` that holds a sample
    site nobody observes: ``if future > 0: numpyro.sample("y_future", ...)``. The call then
    asks for a forecast, which the observed history conditions (numpyro-sts's Mauna Loa
    notebook passes ``y=train, future=len(test)`` and reads ``y_future``)."""
    tests = {id(node): node.test for node in model.nodes if type(node) is ast.If}
    return any(
        names_in(tests[statement]) & asked
        for site in model.sites
        if site.primitive == "sample" and not site.observed
        for statement, _ in site.branches
        if statement in tests
    )


def part_predictives(part: ModuleAnalysis) -> tuple[list, dict[str, list[ast.Call]], list]:
    """What one part of the file shows, kept with it: ``name = Predictive(...)`` assignments
    in order, the calls of each bare name, and ``Predictive(...)(...)`` called at once."""
    kept = part.part_facts.get(CODE)
    if kept is None:
        constructions: list[tuple[str, ast.Call]] = []
        for node in part.nodes(ast.Assign):
            if isinstance(node.value, ast.Call):
                obj = part.catalog_object(node.value.func)
                if obj is not None and obj["path"] == "numpyro.infer.Predictive":
                    for target in node.targets:
                        if isinstance(target, ast.Name):
                            constructions.append((target.id, node.value))
        by_name: dict[str, list[ast.Call]] = {}
        direct: list[tuple[ast.Call, ast.Call]] = []
        for node in part.nodes(ast.Call):
            if isinstance(node.func, ast.Name):
                by_name.setdefault(node.func.id, []).append(node)
            elif isinstance(node.func, ast.Call):
                obj = part.catalog_object(node.func.func)
                if obj is not None and obj["path"] == "numpyro.infer.Predictive":
                    direct.append((node.func, node))
        kept = part.part_facts[CODE] = (constructions, by_name, direct)
    return kept


def predictive_calls(analysis: ModuleAnalysis) -> Iterator[tuple[ast.Call, ast.Call]]:
    """(Predictive(...) construction, call of it) pairs: direct, or through a variable, with
    the construction the variable holds where it is called (a notebook builds
    ``posterior_predictive`` again for each of its models)."""
    facts = [part_predictives(part) for part in analysis.parts]
    constructions = {id(call): call for found, _, _ in facts for _, call in found}
    names = {name for found, _, _ in facts for name, _ in found}
    for _, by_name, direct in facts:
        for name in names:
            for call in by_name.get(name, ()):
                held = value_held(analysis, call.func)
                if held is not None and id(held) in constructions:
                    yield constructions[id(held)], call
        yield from direct


def value_held(analysis: ModuleAnalysis, name: ast.Name) -> ast.expr | None:
    """The value a name holds where it is read: in the innermost function around it that
    assigns it, the last value assigned above (else that function's last: a loop carries
    it round); at module level, the last assigned above the line (``value_at``)."""
    scope = analysis.owner(name)
    while scope is not None:
        history = scope.assignment_history.get(name.id)
        if history:
            above = scope.value_above(name)
            return history[-1] if above is None else above
        scope = scope.parent
    return analysis.value_at(name.id, 0 if analysis.owner(name) else name.lineno)


def check(analysis: ModuleAnalysis) -> Iterator[Report]:
    predictive_obj = analysis.catalog.objects["numpyro.infer.Predictive"]
    for construction, call in predictive_calls(analysis):
        arguments = bind_arguments(predictive_obj, construction)
        posterior = "posterior_samples" in arguments or "guide" in arguments
        if not posterior or not isinstance(arguments.get("model"), ast.Name):
            continue
        model = analysis.function_at(arguments["model"].id, arguments["model"])
        if model is None:
            continue
        observed = observed_parameters(model)
        # The predictive is called like the model, after the key.
        passed = dict(zip(model.params, call.args[1:], strict=False))
        passed.update({k.arg: k.value for k in call.keywords if k.arg})
        if asks_for_more_sites(model, passed.keys() - observed):
            continue
        for name in sorted(observed & passed.keys()):
            value = passed[name]
            if isinstance(value, ast.Constant) and value.value is None:
                continue
            if read_beyond_observing(model, name):
                continue
            yield Report(
                value,
                f"`{name}` is observed in `{model.name}`: passed to a posterior Predictive, the "
                f"predictions equal the data; pass `{name}=None`",
                related=(See(construction, "posterior Predictive built here"),),
            )
