"""NPR011 literal-violates-constraint

## What it does
Flags a literal argument outside its parameter's constraint, read from numpyro's own
`arg_constraints`: `dist.HalfNormal(-1)`, `dist.Beta(0, 1)`, `dist.Normal(0, 0)`. A call
that passes `validate_args=False` asked for no check and gets none.

## Why is this bad?
With validation on (numpyro's default) the distribution raises `ValueError` as soon as it is
built, even inside a model, and the message names the base class ("Normal distribution got
invalid scale parameter" for `HalfNormal(-1.0)`); with validation off it samples nonsense.

## Example
```python
import numpyro.distributions as dist

prior = dist.HalfNormal(-1.0)
```

## Use instead
```python
import numpyro.distributions as dist

prior = dist.HalfNormal(1.0)
```

## Precision
On the real-code corpus (`tests/realcode/`: 267 files that import numpyro, from 30 PyPI
projects): 2 findings, 2 true.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from numpyro_lsp.analysis.models import bind_arguments
from numpyro_lsp.rules.base import ModuleAnalysis, Report, Severity, literal_number

CODE = "NPR011"
NAME = "literal-violates-constraint"
SEVERITY = Severity.ERROR


def violates(value: float, constraint: dict) -> bool:
    lower, upper = constraint.get("lower"), constraint.get("upper")
    if lower is not None and (
        value < lower or (value == lower and constraint.get("lower_inclusive") is False)
    ):
        return True
    return upper is not None and (
        value > upper or (value == upper and constraint.get("upper_inclusive") is False)
    )


def bounds_text(constraint: dict) -> str:
    parts = []
    if constraint.get("lower") is not None:
        parts.append(
            (">= " if constraint.get("lower_inclusive") else "> ") + f"{constraint['lower']:g}"
        )
    if constraint.get("upper") is not None:
        parts.append(
            ("<= " if constraint.get("upper_inclusive") else "< ") + f"{constraint['upper']:g}"
        )
    return " and ".join(parts)


def parameters_by_name(analysis: ModuleAnalysis, obj: dict) -> dict[str, dict]:
    """Once per distribution, not at each of its calls."""
    kept = analysis.catalog.derived(CODE)
    found = kept.get(obj["path"])
    if found is None:
        found = kept[obj["path"]] = {p["name"]: p for p in obj["params"]}
    return found


def check_chunk(analysis: ModuleAnalysis) -> Iterator[Report]:
    for catalog_call in analysis.catalog_calls:
        obj = catalog_call.obj
        if obj["kind"] != "distribution":
            continue
        params = parameters_by_name(analysis, obj)
        arguments = bind_arguments(obj, catalog_call.call, analysis.catalog)
        unchecked = arguments.get("validate_args")
        if isinstance(unchecked, ast.Constant) and unchecked.value is False:
            continue  # numpyro checks nothing: the code asked for an invalid one on purpose
        for name, node in arguments.items():
            constraint = (params.get(name) or {}).get("constraint")
            value = literal_number(node)
            if constraint is None or value is None or not violates(value, constraint):
                continue
            yield Report(
                node,
                f"`{obj['name']}`'s `{name}` must be {constraint['display']} "
                f"({bounds_text(constraint)}), got {value:g}: numpyro raises ValueError",
            )
