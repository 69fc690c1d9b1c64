"""Functions that JAX traces whoever runs them: the bodies handed to ``scan`` (numpyro's or
``jax.lax``'s), ``fori_loop``, ``while_loop``, ``cond``, ``switch`` and ``map``. These
primitives stage their bodies even where the model around them runs eagerly (under
``handlers.seed``), so the parameters that receive the loop's carry, item or operands hold
tracers. A body given as a name of the file's functions, or as ``functools.partial`` of one
(the arguments the partial binds stay concrete); lambdas are not followed."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import cached_property

from numpyro_lsp.analysis.flow import TracedNames
from numpyro_lsp.analysis.models import FunctionInfo, ModuleAnalysis, last_name, traced_names


@dataclass(frozen=True)
class _Transform:
    name: str
    # Where the bodies are among the call's positional arguments, and their keywords.
    positions: tuple[int, ...]
    keywords: tuple[str, ...]
    # How many leading parameters of a body receive tracers (None: all it is passed, the
    # operands after the fixed arguments).
    traced: int | None
    fixed: int = 0  # the call's arguments before its operands (for ``traced`` None)


_SCAN = _Transform("scan", (0,), ("f",), 2)
TRANSFORMS = {
    "numpyro.contrib.control_flow.scan": _SCAN,
    "numpyro.contrib.control_flow.scan.scan": _SCAN,
    "jax.lax.scan": _SCAN,
    "jax.lax.fori_loop": _Transform("fori_loop", (2,), ("body_fun",), 2),
    "jax.lax.while_loop": _Transform("while_loop", (0, 1), ("cond_fun", "body_fun"), 1),
    "jax.lax.map": _Transform("map", (0,), ("f",), 1),
    "jax.lax.cond": _Transform("cond", (1, 2), ("true_fun", "false_fun"), None, fixed=3),
    "jax.lax.switch": _Transform("switch", (1,), ("branches",), None, fixed=2),
}
_NAMES = frozenset(path.rsplit(".", 1)[-1] for path in TRANSFORMS)
_PARTIAL = "functools.partial"


@dataclass
class TracedBody:
    """A function handed to ``transform``, and the names traced from its start (``given``)."""

    analysis: ModuleAnalysis
    function: FunctionInfo
    transform: str
    given: frozenset[str]

    @cached_property
    def traced(self) -> TracedNames:
        """The names its body holds tracers in."""
        return traced_names(self.analysis, self.function, self.given, arrays_only=True)


def traced_bodies(analysis: ModuleAnalysis) -> list[TracedBody]:
    """The file's functions handed to a tracing primitive, each with the names traced from
    its start: the parameters that receive tracers, and the traced names of a model around
    it that its body reads. A function handed to several is read for the first."""
    found: dict[int, TracedBody] = {}
    for call in analysis.nodes(ast.Call):
        if last_name(call.func) not in _NAMES:
            continue  # (most calls: the path is resolved only for a transform's name)
        transform = TRANSFORMS.get(analysis.resolve(call.func) or "")
        if transform is None:
            continue
        for body in _bodies(call, transform):
            handed = _handed_function(analysis, body, call)
            if handed is None or id(handed[0].node) in found:
                continue
            function, bound, bound_names = handed
            given = _traced_parameters(function, transform, call, bound, bound_names)
            outer = function.parent
            if (
                outer is not None
                and id(outer) in analysis.model_ids
                and not analysis.runs_eagerly(outer)
            ):  # the model's own traced values, which the body reads as they are
                given |= outer.traced - set(function.params)
            found[id(function.node)] = TracedBody(
                analysis, function, transform.name, frozenset(given)
            )
    return list(found.values())


def _bodies(call: ast.Call, transform: _Transform) -> list[ast.expr]:
    given = [call.args[i] for i in transform.positions if i < len(call.args)]
    given += [k.value for k in call.keywords if k.arg in transform.keywords]
    if transform.name == "switch":  # a list of branches
        return [e for b in given if type(b) in (ast.List, ast.Tuple) for e in b.elts]
    return given


def _handed_function(
    analysis: ModuleAnalysis, body: ast.expr, call: ast.Call
) -> tuple[FunctionInfo, int, frozenset[str]] | None:
    """The function a body argument names, with how many leading positional parameters and
    which keyword parameters a ``partial`` around it binds."""
    bound, bound_names = 0, frozenset()
    if type(body) is ast.Call and analysis.resolve(body.func) == _PARTIAL and body.args:
        if any(type(a) is ast.Starred for a in body.args) or any(
            k.arg is None for k in body.keywords
        ):
            return None
        bound, bound_names = len(body.args) - 1, frozenset(k.arg for k in body.keywords)
        body = body.args[0]
    if type(body) is not ast.Name:
        return None
    function = analysis.function_at(body.id, call)
    return None if function is None else (function, bound, bound_names)


def _traced_parameters(
    function: FunctionInfo, transform: _Transform, call: ast.Call, bound: int, names: frozenset
) -> set[str]:
    arguments = function.node.args
    positional = [*arguments.posonlyargs, *arguments.args][bound:]
    positional = [a for a in positional if a.arg not in names]
    if transform.traced is not None:
        passed = transform.traced
    elif any(type(a) is ast.Starred for a in call.args):
        passed = len(positional)
    else:
        passed = max(0, len(call.args) - transform.fixed)
    given = positional[:passed]
    if arguments.vararg is not None and passed > len(positional):
        given.append(arguments.vararg)
    return {a.arg for a in given if not _container(a.annotation)}


def _container(annotation: ast.expr | None) -> bool:
    """Whether a parameter's annotation names a container (``dict[str, Array]``): its
    leaves are tracers, not it."""
    if annotation is None:
        return False
    head = annotation.value if type(annotation) is ast.Subscript else annotation
    return last_name(head) in _CONTAINERS


_CONTAINERS = frozenset(
    {"dict", "Dict", "Mapping", "MutableMapping", "list", "List", "tuple", "Tuple", "Sequence"}
)
