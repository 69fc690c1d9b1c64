"""NPR007 loop-instead-of-plate

## What it does
Suggests `numpyro.plate` for a Python `for` loop that draws one site per iteration under a
name generated from its counter (`f"x_{i}"` over `range(n)` or `enumerate(...)`) from a
NumPyro distribution, when the iterations do not depend on each other. A loop over a dict's
keys or a list of features (also when counted, a site named after `names[i]`), or drawing
from a distribution held in a variable, draws sites of different kinds: no plate.

## Why is this bad?
A loop of sites builds one site per element: traces, compile time and memory grow with the
data, and NUTS sees hundreds of scalar sites. A plate draws them all as one vectorized site.
(For iterations that depend on the previous one, use `numpyro.contrib.control_flow.scan`.)

## Example
```python
import numpyro
import numpyro.distributions as dist


def model(n):
    for i in range(n):
        numpyro.sample(f"x_{i}", dist.Normal(0.0, 1.0))
```

## Use instead
```python
import numpyro
import numpyro.distributions as dist


def model(n):
    with numpyro.plate("n", n):
        numpyro.sample("x", dist.Normal(0.0, 1.0))
```

## Precision
On the real-code corpus (`tests/realcode/`: 267 files that import numpyro, from 30 PyPI
projects): 1 information (3 before loops over dict keys and lists were left out: numpyro's
`AutoNormal.sample_posterior` and prophet_numpyro, a site per key or regex). On 66 other
public projects: 17, each a counted loop of one distribution (4 on loops over features, dict
keys or graph nodes went the same way). On 46 more: 1, on a counted loop over a list's
features (exojax's `"log" + mols[i]`), which went.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from numpyro_lsp.analysis.models import Site, assigned_names, last_name, names_in
from numpyro_lsp.rules.base import ModuleAnalysis, Report, Severity

CODE = "NPR007"
NAME = "loop-instead-of-plate"
SEVERITY = Severity.INFORMATION


def carried_names(loop: ast.For) -> set[str]:
    """Names the loop body both reads and assigns: values carried from one iteration to the
    next make it a sequence (``scan``), not a plate."""
    assigned: set[str] = set()
    for node in ast.walk(loop):
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                assigned.update(assigned_names(target))
            if isinstance(node, ast.AugAssign):
                return assigned  # ``x += ...`` always carries
    read = {n.id for n in ast.walk(loop) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    return assigned & read


def counters(loop: ast.For) -> set[str]:
    """The loop's integer counters: its variables over ``range(...)`` or ``arange(...)``, or
    the index of ``enumerate(...)``. Sites named after anything else (a dict's keys, a list
    of features or graph nodes) are as many kinds of thing, of their own shapes and
    distributions, which no plate draws as one."""
    iterable = loop.iter
    if not isinstance(iterable, ast.Call):
        return set()
    name = last_name(iterable.func)
    if name in ("range", "arange"):
        return set(assigned_names(loop.target))
    if name == "enumerate" and isinstance(loop.target, ast.Tuple) and loop.target.elts:
        return set(assigned_names(loop.target.elts[0]))
    return set()


def named_by_element(name: ast.expr, counter_names: set[str]) -> bool:
    """Whether a site's name takes an element of a sequence at the counter (``"log" +
    mols[i]`` over ``range(len(mols))``): a site per feature of a list, counted, not one
    site per index (``f"x_{i}"``)."""
    return any(
        isinstance(node, ast.Subscript) and counter_names & names_in(node.slice)
        for node in ast.walk(name)
    )


def plate_fix(analysis: ModuleAnalysis, loop: ast.For, sites: list[Site]) -> dict | None:
    """What the loop-to-plate rewrite needs, when it is safe; None otherwise."""
    size = range_size(loop.iter)
    if size is None or loop.orelse or not isinstance(loop.target, ast.Name):
        return None
    index = loop.target.id
    calls = {id(s.call) for s in sites}
    names: dict[str, str] = {}
    for statement in loop.body:
        value = statement.value if isinstance(statement, (ast.Expr, ast.Assign)) else None
        if value is None or id(value) not in calls:
            return None
        site = next(s for s in sites if s.call is value)
        prefix = fstring_prefix(site.name_node, index)
        if prefix is None:
            return None
        names[ast.unparse(site.name_node)] = prefix
    uses = [n for n in ast.walk(loop) if isinstance(n, ast.Name) and n.id == index]
    allowed = {id(loop.target)}
    for node in ast.walk(loop):
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Name):
            allowed.add(id(node.slice))
        if isinstance(node, ast.JoinedStr):
            allowed |= {id(n) for n in ast.walk(node) if isinstance(n, ast.Name)}
    if any(id(n) not in allowed for n in uses):
        return None  # the index is used in arithmetic: not a plain per-element site
    plate = plate_reference(analysis.bindings)
    if plate is None:
        return None
    # A plate is a site too: its name must differ from every site's.
    model_sites = sites[0].function.sites if sites[0].function else sites
    taken = {s.name for s in model_sites if s.name} | set(names.values())
    plate_name = size.id if isinstance(size, ast.Name) else f"{next(iter(names.values()))}_plate"
    if plate_name in taken:
        plate_name = f"{plate_name}_plate"
    return {
        "kind": "loop_to_plate",
        "plate": plate,
        "plate_name": plate_name,
        "size": ast.unparse(size),
        "index": index,
        "names": names,
    }


def range_size(node: ast.expr) -> ast.expr | None:
    """``n`` of ``range(n)`` or ``range(0, n)``."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
        return None
    if node.func.id != "range" or node.keywords:
        return None
    if len(node.args) == 1:
        return node.args[0]
    first = node.args[0] if len(node.args) == 2 else None
    if isinstance(first, ast.Constant) and first.value == 0:
        return node.args[1]
    return None


def fstring_prefix(node: ast.expr, index: str) -> str | None:
    """``x`` for ``f"x_{i}"``."""
    if not isinstance(node, ast.JoinedStr) or len(node.values) != 2:
        return None
    text, field = node.values
    if not (isinstance(text, ast.Constant) and isinstance(field, ast.FormattedValue)):
        return None
    if not (isinstance(field.value, ast.Name) and field.value.id == index):
        return None
    prefix = text.value.rstrip("_-. ")
    return prefix if prefix.isidentifier() else None


def plate_reference(bindings: dict[str, str]) -> str | None:
    for name, path in sorted(bindings.items(), key=lambda item: len(item[0])):
        if path in ("numpyro.plate", "numpyro.primitives.plate"):
            return name
    numpyro = next((n for n, p in bindings.items() if p == "numpyro"), None)
    return f"{numpyro}.plate" if numpyro else None


def check_chunk(analysis: ModuleAnalysis) -> Iterator[Report]:
    reported: set[int] = set()
    for model in analysis.models:
        for site in model.sites:
            if site.primitive != "sample" or not site.generated_name or not site.loops:
                continue
            loop = site.loops[-1]
            if not isinstance(loop, ast.For) or id(loop) in reported:
                continue
            # One distribution family, drawn per element of a counted range: a plate.
            counter_names = counters(loop)
            if site.distribution is None or not counter_names & names_in(site.name_node):
                continue
            if named_by_element(site.name_node, counter_names):
                continue  # a site per feature of a list, counted: sites of their own kinds
            if carried_names(loop):
                continue
            reported.add(id(loop))
            in_loop = [s for s in model.sites if s.loops and s.loops[-1] is loop]
            yield Report(
                loop.iter,
                "this loop draws one site per iteration: a `numpyro.plate` draws them as one "
                "vectorized site, much faster under NUTS",
                fix=plate_fix(analysis, loop, in_loop),
            )
