"""The shape trace, worker side: every site's shapes, computed under ``jax.eval_shape``.

Runs in the smoke-test worker (the project's interpreter), which registers the ``shapes``
command with it; like the worker it stands alone: of numpyro_lsp it imports only the
request it answers (``shapes.request``). The model runs once under ``seed`` and
``substitute(init_to_sample)`` (``ImproperUniform`` has no sampler), inside
``jax.eval_shape``, as numpyro's own ``get_model_relations`` does: no array is computed and
no sampler compiled. Arguments the file gives as data are closed over (Python code that
reads their values works); arguments given as ``jax.ShapeDtypeStruct`` are traced
abstractly, and a failure that needs their values says so. A model with sites marked
``infer={"enumerate": "parallel"}`` is traced again under numpyro's ``enum`` (funsor), so
that the enumerated shapes are the ones inference sees.
"""

from __future__ import annotations

import inspect
import re
import sys
import time
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
from numpyro import handlers
from numpyro.infer.initialization import init_to_sample
from numpyro.primitives import Messenger

from numpyro_lsp.shapes.request import ShapesRequest

# "... depends on the value of the argument data[1]": jax names the traced argument.
_ARGUMENT = re.compile(r"depends on the value of the argument data\[(\d+)\]")
# Worker messages (the smoke protocol's names, repeated: this module stands alone).
RESULT = "result"
ERROR = "error"
CANCELLED = "cancelled"


class SiteLines(Messenger):
    """Records the innermost line of the user's file on the stack when each site is made."""

    def __init__(self, fn: Callable, path: str) -> None:
        super().__init__(fn)
        self.path = path
        self.lines: dict[str, int] = {}

    def process_message(self, msg: dict[str, Any]) -> None:
        name = msg.get("name")
        if name is None or name in self.lines:
            return
        frame = sys._getframe(1)
        while frame is not None and frame.f_code.co_filename != self.path:
            frame = frame.f_back
        if frame is not None:
            self.lines[name] = frame.f_lineno


def answer(worker: Any, request: ShapesRequest, load_model: Callable, describe: Callable) -> None:
    """Trace ``request``'s model and send the worker's ``result`` or ``error`` for it.

    ``worker`` is the smoke worker (its ``send``, ``defaults``, ``workspace_modules``,
    ``cancelled_id``), ``load_model`` and ``describe`` its file loader and exception
    description: the two share one process and one way of running the user's file."""
    worker.current_id = request.id
    worker.phase = "loading"
    if worker.cancelled_id == request.id:
        worker.send(CANCELLED, id=request.id)
        return
    started = time.perf_counter()
    model: Callable | None = None
    args: tuple = ()
    kwargs: dict = {}
    try:
        worker.defaults.restore()
        for name in worker.workspace_modules:  # helpers edited since are imported afresh
            sys.modules.pop(name, None)
        model, args, kwargs = load_model(request)
        loaded = time.perf_counter()
        worker.phase = "tracing"
        result = trace_model(model, args, kwargs, request.path)
    except BaseException as error:  # noqa: BLE001 - every failure of user code is reported
        worker.send(
            ERROR,
            id=request.id,
            phase=worker.phase,
            warnings=[],
            exception=describe(error, request.path),
            needs_data=needs_data(error, abstract_names(model, args, kwargs)),
            failing_site=failing_site(error),
        )
        return
    finally:
        worker.current_id = None
        worker.defaults.restore()
    result["timings"] = {"load_s": loaded - started, "trace_s": time.perf_counter() - loaded}
    worker.send(RESULT, id=request.id, **result)


def failing_site(error: BaseException) -> dict[str, Any] | None:
    """The sample site numpyro's handlers were processing when ``error`` was raised (a plate
    that refused its shape): its name, observed or not, value and batch shapes."""
    tb = error.__traceback__
    found = None
    while tb is not None:
        frame = tb.tb_frame
        if frame.f_code.co_name == "apply_stack" and isinstance(frame.f_locals.get("msg"), dict):
            found = frame.f_locals["msg"]
        tb = tb.tb_next
    if found is None or found.get("type") != "sample":
        return None
    fn = found.get("fn")
    return {
        "name": found.get("name"),
        "observed": bool(found.get("is_observed")),
        "value": _shape(found.get("value")),
        "batch": list(getattr(fn, "batch_shape", ())),
    }


def is_abstract(value: Any) -> bool:
    return isinstance(value, jax.ShapeDtypeStruct)


def abstract_names(model: Callable | None, args: tuple, kwargs: dict) -> list[str]:
    """The names of the abstract arguments, in the order they are traced: the model's
    parameter a positional one binds, or ``argument N``."""
    try:
        parameters = list(inspect.signature(model).parameters.values()) if model else []
    except (TypeError, ValueError):
        parameters = []
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    names = [
        f"`{positional[i].name}`" if i < len(positional) else f"argument {i + 1}"
        for i, value in enumerate(args)
        if is_abstract(value)
    ]
    return names + [f"`{name}`" for name, value in kwargs.items() if is_abstract(value)]


def needs_data(error: BaseException, names: list[str]) -> str | None:
    """The abstract argument whose values the failed trace needed, when jax names one."""
    match = _ARGUMENT.search(str(error))
    if match is None or not names:
        return None
    index = int(match[1])
    return names[index] if index < len(names) else None


def trace_model(model: Callable, args: tuple, kwargs: dict, path: str) -> dict[str, Any]:
    """The model's sites and plates as plain data."""
    sites, plates, lines = _trace(model, args, kwargs, path, enumerate_from=None)
    enumerated = [s for s in sites if s.get("enumerate") == "parallel"]
    note = None
    if enumerated:
        try:
            import funsor  # noqa: F401 - numpyro's enum needs it
        except ImportError:
            note = "funsor is not installed: enumerated sites show their sampled shapes"
        else:
            nesting = max((-p["dim"] for p in plates if p["dim"] is not None), default=0)
            sites, plates, lines = _trace(model, args, kwargs, path, enumerate_from=-nesting - 1)
    for row in [*sites, *plates]:
        row["line"] = lines.get(row["name"])
    return {"sites": sites, "plates": plates, "note": note}


def _trace(
    model: Callable, args: tuple, kwargs: dict, path: str, enumerate_from: int | None
) -> tuple[list[dict], list[dict], dict[str, int]]:
    positions = [i for i, value in enumerate(args) if is_abstract(value)]
    keywords = [name for name, value in kwargs.items() if is_abstract(value)]
    abstract = [args[i] for i in positions] + [kwargs[name] for name in keywords]
    located = SiteLines(model, path)
    box: dict[str, Any] = {}

    def traced(*data):
        call_args = list(args)
        call_kwargs = dict(kwargs)
        for i, value in zip(positions, data, strict=False):
            call_args[i] = value
        for name, value in zip(keywords, data[len(positions) :], strict=True):
            call_kwargs[name] = value
        fn = handlers.substitute(handlers.seed(located, 0), substitute_fn=init_to_sample)
        if enumerate_from is not None:
            from numpyro.contrib.funsor import enum

            fn = enum(fn, first_available_dim=enumerate_from)
        trace = handlers.trace(fn).get_trace(*call_args, **call_kwargs)
        box["rows"] = describe_trace(trace)
        return 0

    # ``data`` is the name jax gives in "depends on the value of the argument data[i]".
    jax.eval_shape(lambda *data: traced(*data), *abstract)
    sites, plates = box["rows"]
    return sites, plates, located.lines


def describe_trace(trace: dict[str, dict]) -> tuple[list[dict], list[dict]]:
    sites: list[dict] = []
    plates: dict[str, dict] = {}
    for name, site in trace.items():
        kind = site["type"]
        if kind == "plate":
            size = site["args"][0] if site.get("args") else None
            plates.setdefault(name, {"name": name, "size": _int(size), "dim": None})
            continue
        if kind not in ("sample", "deterministic", "param"):
            continue
        row: dict[str, Any] = {
            "name": name,
            "type": kind,
            "value": _shape(site.get("value")),
            "plates": [],
        }
        if kind == "sample":
            row.update(describe_sample(site))
            for frame in site["cond_indep_stack"]:
                row["plates"].append({"name": frame.name, "size": frame.size, "dim": frame.dim})
                plate = plates.setdefault(
                    frame.name, {"name": frame.name, "size": frame.size, "dim": frame.dim}
                )
                plate["dim"] = frame.dim
        sites.append(row)
    return sites, list(plates.values())


def describe_sample(site: dict[str, Any]) -> dict[str, Any]:
    fn = site["fn"]
    infer = site.get("infer") or {}
    names = infer.get("dim_to_name") or {}
    time_dims = [dim for dim, name in names.items() if str(name).startswith("_time_")]
    if not time_dims and site.get("_control_flow_done") and fn.batch_shape:
        # A ``scan`` site: its leftmost batch dimension is time (numpyro's own reading).
        time_dims = [-len(fn.batch_shape)]
    try:
        log_prob = _shape(fn.log_prob(site["value"]))
    except Exception as error:  # noqa: BLE001 - shown in the table instead of a shape
        log_prob = f"{type(error).__name__}: {error}"[:300]
    return {
        "distribution": distribution_name(fn),
        "batch": list(fn.batch_shape),
        "event": list(fn.event_shape),
        "log_prob": log_prob,
        "observed": bool(site.get("is_observed")),
        "parameters": parameter_shapes(fn),
        "enumerate": infer.get("enumerate"),
        "time_dim": time_dims[0] if time_dims else None,
    }


def distribution_name(fn: Any) -> str:
    """``Normal``, ``Normal.to_event(1)``; the plates' own ``expand`` is left out."""
    suffix = ""
    while True:
        name = type(fn).__name__
        if name == "Independent":
            suffix = f".to_event({fn.reinterpreted_batch_ndims})" + suffix
            fn = fn.base_dist
        elif name == "ExpandedDistribution":
            fn = fn.base_dist
        elif name == "MaskedDistribution":
            suffix = ".mask(...)" + suffix
            fn = fn.base_dist
        else:
            return name + suffix


def parameter_shapes(fn: Any) -> dict[str, list[int]]:
    """The shape of each parameter of the innermost distribution, as the user wrote it."""
    while type(fn).__name__ in ("Independent", "ExpandedDistribution", "MaskedDistribution"):
        fn = fn.base_dist
    shapes = {}
    for name in getattr(fn, "arg_constraints", {}):
        value = getattr(fn, name, None) if name in fn.__dict__ else None
        if value is not None and hasattr(value, "shape"):
            shapes[name] = list(jnp.shape(value))
    return shapes


def _shape(value: Any) -> list[int] | None:
    if value is None:
        return None
    try:
        return list(jnp.shape(value))
    except Exception:  # noqa: BLE001 - a value that is not an array (a pytree, an object)
        return None


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except Exception:  # noqa: BLE001 - a traced size
        return None
