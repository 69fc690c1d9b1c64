"""NPR021 svi-result-unpacked

## What it does
Flags the result of `svi.run(...)` unpacked into other than three names, as in
`params, losses = svi.run(...)`.

## Why is this bad?
Since numpyro 0.7 `SVI.run` returns an `SVIResult` with three fields (`params`, `state`,
`losses`): unpacking it into two names raises `ValueError: too many values to unpack`
after the whole optimisation has run. Old tutorials still show the two-name form.

## Example
```python
from jax import random
from numpyro.infer import SVI, Trace_ELBO
from numpyro.infer.autoguide import AutoNormal
from numpyro.optim import Adam


def fit(model, data):
    svi = SVI(model, AutoNormal(model), Adam(0.01), Trace_ELBO())
    params, losses = svi.run(random.PRNGKey(0), 1000, data)
    return params, losses
```

## Use instead
```python
from jax import random
from numpyro.infer import SVI, Trace_ELBO
from numpyro.infer.autoguide import AutoNormal
from numpyro.optim import Adam


def fit(model, data):
    svi = SVI(model, AutoNormal(model), Adam(0.01), Trace_ELBO())
    result = svi.run(random.PRNGKey(0), 1000, data)
    return result.params, result.losses
```

## Precision
On the real-code corpus (`tests/realcode/`: 267 files that import numpyro, from 30 PyPI
projects): no finding. In numpyro's own examples folder: 1 finding, true
(`examples/thompson_sampling.py` unpacks `svi.run` into two names).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from numpyro_lsp.rules.base import ModuleAnalysis, Report, Severity

CODE = "NPR021"
NAME = "svi-result-unpacked"
SEVERITY = Severity.ERROR
SVI = "numpyro.infer.SVI"
RESULT_FIELDS = 3


def builds_svi(analysis: ModuleAnalysis, node: ast.expr, assignments: dict[str, ast.expr]) -> bool:
    """``SVI(...)`` itself, or a name assigned one in the same function or at module level."""
    if isinstance(node, ast.Name):
        local = assignments.get(node.id)
        if local is not None:
            return builds_svi(analysis, local, {})
        return analysis.instances.get(node.id) == SVI
    maker = analysis.catalog_object(node.func) if isinstance(node, ast.Call) else None
    return maker is not None and maker["path"] == SVI


def check_chunk(analysis: ModuleAnalysis) -> Iterator[Report]:
    for node in analysis.nodes(ast.Assign):
        call = node.value
        if not (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Attribute)
            and call.func.attr == "run"
        ):
            continue
        for target in node.targets:
            if not isinstance(target, (ast.Tuple, ast.List)) or len(target.elts) == RESULT_FIELDS:
                continue
            if any(isinstance(e, ast.Starred) for e in target.elts):
                continue
            owner = analysis.owner(node)
            if builds_svi(analysis, call.func.value, owner.assignments if owner else {}):
                yield Report(
                    target,
                    f"`svi.run` returns three fields (params, state, losses), not "
                    f"{len(target.elts)}: write `result = svi.run(...)` and read "
                    "`result.params`, `result.losses`",
                )
