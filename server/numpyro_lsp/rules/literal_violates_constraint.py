"""NPR011 literal-violates-constraint

## What it does
Flags a literal argument outside its parameter's constraint, read from numpyro's own
`arg_constraints`: `dist.HalfNormal(-1)`, `dist.Beta(0, 1)`, `dist.Normal(0, 0)`, or a name
the function gives such a literal once, above the call and nowhere else (`scale = 0`). A
call that passes `validate_args=False` asked for no check and gets none.

## Why is this bad?
With validation on (numpyro's default since 0.22) the distribution raises `ValueError` as
soon as it is built, even inside a model, and the message names the base class ("Normal
distribution got invalid scale parameter" for `HalfNormal(-1.0)`); with validation off (the
default of earlier releases, whose catalog gives the message its wording) it samples
nonsense.

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

from numpyro_lsp.analysis.models import FunctionInfo, bind_arguments
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


# What a literal number is written as (``literal_number``): a name given anything else is
# not followed further (most are draws and calls).
_LITERAL_KINDS = (ast.Constant, ast.UnaryOp, ast.BinOp)


def assigned_literal(function: FunctionInfo, name: ast.Name, constraint: dict) -> float | None:
    """The literal number ``name`` certainly holds where ``function`` reads it, when it is
    outside ``constraint``: the function gives it that value once, in a statement of its own
    body (not in a branch or loop) above the read, and nowhere else (no parameter, ``+=``,
    loop target, lambda's parameter, ``global``): ``scale = 0`` one line above."""
    history = function.assignment_history.get(name.id)
    if history is None or len(history) != 1 or type(history[0]) not in _LITERAL_KINDS:
        return None
    (value,) = history
    number = literal_number(value)
    if number is None or not violates(number, constraint):
        return None
    if function.value_above(name) is not value:
        return None
    if name.id in function.params:
        return None
    if not any(type(s) is ast.Assign and s.value is value for s in function.node.body):
        return None
    stores = [
        node
        for node in ast.walk(function.node)
        if (type(node) is ast.Name and node.id == name.id and type(node.ctx) is not ast.Load)
        or (type(node) is ast.arg and node.arg == name.id)
        or (isinstance(node, (ast.Global, ast.Nonlocal)) and name.id in node.names)
    ]
    return number if len(stores) == 1 else None


# The first numpyro that validates a distribution's arguments unless told not to.
VALIDATING_RELEASE = (0, 22)


def check_chunk(analysis: ModuleAnalysis) -> Iterator[Report]:
    # Before 0.22 only ``numpyro.enable_validation()`` makes the distribution raise.
    outcome = (
        "numpyro raises ValueError"
        if analysis.catalog.release >= VALIDATING_RELEASE
        else "its density is undefined there (numpyro raises ValueError from 0.22, or with "
        "`numpyro.enable_validation()`)"
    )
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
            if constraint is None:
                continue
            value = literal_number(node)
            if value is None and type(node) is ast.Name and catalog_call.function is not None:
                value = assigned_literal(catalog_call.function, node, constraint)
            if value is None or not violates(value, constraint):
                continue
            yield Report(
                node,
                f"`{obj['name']}`'s `{name}` must be {constraint['display']} "
                f"({bounds_text(constraint)}), got {value:g}: {outcome}",
            )
