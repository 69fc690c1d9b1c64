"""NPR018 plate-shape-mismatch

## What it does
Flags shape mistakes the code shows without running it: a vector-valued distribution (its
parameters built with `jnp.zeros(k)`/`jnp.ones(k)`, or `.expand([k])`) without
`.to_event(1)` inside a plate whose size the file shows to differ from `k` (literals,
constants, shapes it follows: `y.size` against `len(y)` is no difference), and observations
reshaped to a trailing singleton dimension (`y[:, None]`, `y.reshape(-1, 1)`) against a
one-dimensional plate, by a distribution numpyro's catalog shows to draw scalars (a
distribution class the file defines, or one from elsewhere, may have an event of shape
`(1,)`: nothing is said). A parameter whose constraint has an event dimension (Dirichlet's
`concentration`, MultivariateNormal's `loc`, Multinomial's `probs`, read from numpyro's
`arg_constraints`) is the event, not a batch. Shapes are followed through the file
(analysis/shapes.py): an `(n, 1)` column-vector mean, or an `(n, k)` observation or a
vector-valued latent mean, inside a plate of size `n`, where the file shows those shapes
(array constructors, draws with a shape, `[:, None]`, `.reshape`, `.expand`, and what the
file passes to the model).

## Why is this bad?
The extra dimension broadcasts against the plate instead of matching it: numpyro only warns
"Missing a plate statement", or builds an `(n, n)` likelihood, and the posterior is wrong.

## Example
```python
import numpyro
import numpyro.distributions as dist


def model(x, y):
    mu = numpyro.sample("mu", dist.Normal(0.0, 1.0))
    with numpyro.plate("data", x.shape[0]):
        numpyro.sample("obs", dist.Normal(mu * x, 1.0), obs=y[:, None])
```

## Use instead
```python
import numpyro
import numpyro.distributions as dist


def model(x, y):
    mu = numpyro.sample("mu", dist.Normal(0.0, 1.0))
    with numpyro.plate("data", x.shape[0]):
        numpyro.sample("obs", dist.Normal(mu * x, 1.0), obs=y)
```

## Precision
On the real-code corpus (`tests/realcode/`: 267 files that import numpyro, from 30 PyPI
projects): no finding (its precision there is not measured yet).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from numpyro_lsp.analysis.models import DistributionUse, FunctionInfo, Plate, Site
from numpyro_lsp.analysis.shapes import FileReads, FileValues, Shape, Shapes, literal_int
from numpyro_lsp.rules.base import ModuleAnalysis, Report, See, Severity

CODE = "NPR018"
NAME = "plate-shape-mismatch"
SEVERITY = Severity.WARNING
VECTOR_BUILDERS = {"jax.numpy.zeros", "jax.numpy.ones", "jax.numpy.full", "jax.numpy.empty"}


def trailing_singleton(node: ast.expr) -> bool:
    """``y[:, None]``, ``y[..., None]``, ``y.reshape(-1, 1)``, ``jnp.expand_dims(y, -1)``."""
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Tuple):
        last = node.slice.elts[-1]
        return isinstance(last, ast.Constant) and last.value is None
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        if node.func.attr == "reshape" and len(node.args) == 2:
            last = node.args[-1]
            return isinstance(last, ast.Constant) and last.value == 1
        if node.func.attr == "expand_dims" and len(node.args) == 2:
            axis = node.args[-1]
            return isinstance(axis, ast.UnaryOp) and ast.unparse(axis) == "-1"
    return False


def vector_size(analysis: ModuleAnalysis, use: DistributionUse) -> ast.expr | None:
    """The ``k`` of a batch built as ``jnp.zeros(k)`` or ``.expand([k])``; a parameter whose
    constraint has an event dimension (numpyro's ``arg_constraints``, in the catalog) holds
    the event, not the batch."""
    for method, call in use.methods:
        if method == "expand" and call.args and isinstance(call.args[0], (ast.List, ast.Tuple)):
            sizes = call.args[0].elts
            if len(sizes) == 1:
                return sizes[0]
    event_dims = {
        p["name"]: (p.get("constraint") or {}).get("event_dim", 0) for p in use.obj["params"]
    }
    for name, value in use.arguments.items():
        if event_dims.get(name, 0) > 0:
            continue  # a vector that is the event (Dirichlet's concentration, MVN's loc)
        if (
            isinstance(value, ast.Call)
            and analysis.resolve(value.func) in VECTOR_BUILDERS
            and value.args
            and not isinstance(value.args[0], (ast.Tuple, ast.List))
        ):
            return value.args[0]
    return None


def scalar_event(use: DistributionUse | None) -> bool:
    """Whether one draw of the distribution is known to be a scalar: a catalog distribution
    whose support has no event dimension, not made an event by ``.to_event``. Nothing is
    known of a distribution the catalog lacks (a class the file defines, one imported from
    elsewhere, a distribution passed in): its event may take the trailing dimension."""
    return (
        use is not None
        and not use.has_method("to_event")
        and (use.obj.get("support") or {}).get("event_dim", 0) == 0
    )


def check_site(site: Site) -> Iterator[Report]:
    """An inline ``y[:, None]`` observed against one plate, by a distribution whose draws
    are scalars: a batch built as ``jnp.zeros(k)`` or ``.expand([k])`` is the whole-file
    check's (``vector_report``), which knows the values of names."""
    if not site.plates or plate_dim(site.plates[-1]) != -1:
        return  # a plate on another dimension leaves the last one to the data
    if not scalar_event(site.distribution):
        return  # an event of shape (1,) takes the trailing singleton: (n, 1) is right
    plate = site.plates[-1]
    obs = site.arguments.get("obs")
    if len(site.plates) == 1 and obs is not None and trailing_singleton(obs):
        yield Report(
            obs,
            f"`{ast.unparse(obs)}` adds a trailing dimension of size 1 against the plate "
            f"`{plate.name or '?'}`: it broadcasts to (n, n); pass the 1-d array",
            related=(See(plate.call, "the plate"),),
        )


def check_chunk(analysis: ModuleAnalysis) -> Iterator[Report]:
    for model in analysis.models:
        for site in model.sites:
            if site.primitive == "sample":
                yield from check_site(site)


def plate_dim(plate: Plate) -> int | None:
    dim = next((k.value for k in plate.call.keywords if k.arg == "dim"), None)
    return -1 if dim is None else literal_int(dim)


def plate_batch(plate: Plate) -> ast.expr | None:
    """The size of the plate's dimension at its sites: the subsample's, where it has one."""
    if len(plate.call.args) > 2:
        return plate.call.args[2]
    subsample = next((k.value for k in plate.call.keywords if k.arg == "subsample_size"), None)
    return plate.size if subsample is None else subsample


def size_text(node: ast.expr, value: int) -> str:
    return str(value) if literal_int(node) is not None else f"`{ast.unparse(node)}` = {value}"


def vector_report(site: Site, size: ast.expr, shapes: Shapes) -> Report | None:
    """A batch built as ``jnp.zeros(k)`` or ``.expand([k])`` in a plate of another size:
    only where the file shows both sizes (literals, constants, known shapes) and they
    differ. ``n = y.size`` against ``len(y)`` may be one size: nothing is said."""
    plate = site.plates[-1]
    batch = plate_batch(plate)
    k = shapes.dim(size)
    if k is None or k == 1 or batch is None:
        return None
    n = shapes.dim(batch)
    if n is None or n == k:
        return None
    return Report(
        site.distribution.expression,
        f"this distribution has a batch of size {size_text(size, k)} inside the plate "
        f"`{plate.name or '?'}` of size {size_text(batch, n)}: add `.to_event(1)` if it is "
        "one vector-valued variable",
        related=(See(plate.call, "the plate"),),
    )


def shape_text(shape: Shape) -> str:
    dims = ["?" if d is None else str(d) for d in shape]
    return f"({dims[0]},)" if len(dims) == 1 else f"({', '.join(dims)})"


def shape_report(site: Site, shapes: Shapes) -> Report | None:
    """A column or a vector that the plate's dimension broadcasts against."""
    plate = site.plates[0]
    use = site.distribution
    obs = site.arguments.get("obs")
    values = [*use.arguments.values()]
    if obs is not None and not trailing_singleton(obs):
        values.append(obs)  # an inline ``y[:, None]`` is the chunk check's
    for node in values:
        shape = shapes.of(node)
        if not shape:
            continue
        last = shape[-1]
        if last is None or (last == 1 and len(shape) < 2):
            continue
        # The plate's size is read only for a shape that may clash with it: following a
        # model argument to what the file passes costs more than the shapes above.
        size = shapes.dim(plate.size) if plate.size is not None else None
        where = f"inside the plate `{plate.name or '?'}`"
        if len(shape) >= 2 and last == 1 and size != 1:
            return Report(
                node,
                f"`{ast.unparse(node)}` has shape {shape_text(shape)} {where}: it broadcasts "
                "against the plate to (n, n); make it one-dimensional (`x[:, 0]`, "
                "`.squeeze(-1)`)",
                related=(See(plate.call, "the plate"),),
            )
        # ``plate("data", n, 100)`` or ``subsample_size=100``: the batch is the subsample.
        subsampled = plate_batch(plate) is not plate.size
        if last not in (None, 1) and size is not None and last != size and not subsampled:
            return Report(
                node,
                f"`{ast.unparse(node)}` has shape {shape_text(shape)} {where} of size {size}: "
                "for one vector-valued variable per plate entry, add `.to_event(1)`",
                related=(See(plate.call, "the plate"),),
            )
    return None


def check(analysis: ModuleAnalysis) -> Iterator[Report]:
    """Shapes followed through the file: a model's arguments take those of what the file
    passes, so this reads the whole file. What a model's shapes read of the file beyond its
    own statements is noted (``FileReads``), and its reports are kept with its part while
    those reads give the same nodes: an edit elsewhere re-reads only the models it touched."""
    file = FileValues(analysis)
    for part in analysis.parts or [analysis]:
        kept = part.part_facts.setdefault(CODE, {})
        for model in part.functions:
            if not analysis.is_model(model):
                continue
            found = kept.get(id(model))
            if found is None or not found[0].still_hold(file, model):
                reads = FileReads()
                found = kept[id(model)] = (reads, model_reports(analysis, model, file, reads))
            yield from found[1]


def model_reports(
    analysis: ModuleAnalysis, model: FunctionInfo, file: FileValues, reads: FileReads
) -> list[Report]:
    shapes = Shapes(analysis, model, file, reads)
    reports = []
    for site in model.sites:
        use = site.distribution
        if site.primitive != "sample" or not site.plates or use is None:
            continue
        if use.has_method("to_event"):
            continue
        size = vector_size(analysis, use)
        if size is not None:  # ``jnp.zeros(k)``, ``.expand([k])``
            if plate_dim(site.plates[-1]) == -1:
                report = vector_report(site, size, shapes)
                if report is not None:
                    reports.append(report)
            continue
        if len(site.plates) != 1 or plate_dim(site.plates[0]) != -1:
            continue
        if not scalar_event(use):
            continue  # a multivariate distribution: its vector is the event
        report = shape_report(site, shapes)
        if report is not None:
            reports.append(report)
    return reports
