"""What a file's NumPyro models are, read from the stdlib AST: which functions are models,
their sample sites with distributions, plates, loops and handlers around them, which values
JAX traces, and what each model is handed to (NUTS, SVI, Predictive, handlers).

Plain data for the rules, code actions and navigation; nothing here runs user code.
"""

from __future__ import annotations

import ast
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from functools import cached_property
from operator import attrgetter

from numpyro_lsp.analysis.conditions import Fact, facts
from numpyro_lsp.analysis.flow import TracedNames, untraced_reads
from numpyro_lsp.analysis.imports import bindings_from_imports
from numpyro_lsp.catalog.schema import Catalog

# Primitives whose result is a traced value inside a model.
TRACED_PRIMITIVES = {"sample", "param", "deterministic", "prng_key", "subsample"}
SITE_PRIMITIVES = {"sample", "param", "deterministic"}
# Methods that wrap a distribution and keep it one: ``dist.Normal(0, 1).expand([3]).to_event(1)``.
DISTRIBUTION_METHODS = {"expand", "expand_by", "to_event", "mask"}
# JAX functions that return static Python values, not arrays.
STATIC_JAX_FUNCTIONS = {"shape", "ndim", "size", "result_type", "dtype", "issubdtype", "iinfo"}
STATIC_JAX_FUNCTIONS |= {"finfo", "isscalar"}
# ... and those that read only an array's shape or dtype: `np.diag_indices_from(x)` works on
# a tracer under jit (numpy 2, jax 0.10.2).
STATIC_JAX_FUNCTIONS |= {"diag_indices_from", "tril_indices_from", "triu_indices_from"}
STATIC_JAX_FUNCTIONS |= {"iscomplexobj", "isrealobj"}


@dataclass(frozen=True)
class ArrayMethodForm:
    """The arguments with which a NumPy function runs on a traced array, its first argument:
    NumPy hands it to the array's own method (``np.sum(x, axis=-1)`` runs
    ``x.sum(axis=-1)``), or reads only its attributes and indexes it (``np.flip``,
    ``np.moveaxis``, ``np.real``). NumPy binds the arguments to its own signature first, so
    a parameter may be written by position or by keyword alike."""

    # NumPy's parameters after the array, in its order, up to the last one allowed; ``out``
    # among them only as None (JAX's methods refuse any other).
    parameters: tuple[str, ...] = ()
    # NumPy's keyword-only parameters allowed.
    keywords: frozenset[str] = frozenset()
    # The array's own parameter name, for ``np.sum(a=x)``; None where it is positional-only.
    array: str | None = "a"
    # Parameters that must be written as one of these constants (NumPy's default fails
    # where the name is also ``required``).
    constants: dict[str, frozenset] = field(default_factory=dict)
    required: frozenset[str] = frozenset()
    # Parameters JAX's method takes only as arrays: a list or tuple written there raises.
    arrays: frozenset[str] = frozenset()
    # Parameters that may be traced too (JAX needs the others concrete).
    traced: frozenset[str] = frozenset()


def _form(
    parameters: tuple[str, ...] = (),
    keywords: tuple[str, ...] = (),
    *,
    array: str | None = "a",
    constants: dict[str, frozenset] | None = None,
    required: tuple[str, ...] = (),
    arrays: tuple[str, ...] = (),
    traced: tuple[str, ...] = (),
) -> ArrayMethodForm:
    return ArrayMethodForm(
        parameters,
        frozenset(keywords),
        array,
        constants or {},
        frozenset(required),
        frozenset(arrays),
        frozenset(traced),
    )


# NumPy functions that run on a traced array, and with which arguments: on a tracer
# `np.sum(x, axis=-1)` runs `x.sum(axis=-1)`, which works under jit, vmap and grad, where
# `np.exp(x)` raises (numpy 2.4.6, jax 0.10.2: each function below tried with its
# parameters by position and by keyword, and the forms left out raise). A list or tuple of
# tracers is converted by NumPy first, and raises. Left out as they raise on a tracer:
# `np.clip` (it passes `out=None`, which jax's `clip` does not take), `np.sort`, `np.ravel`,
# `np.diagonal`, `np.trace`, `np.ptp`, `np.nonzero`, `np.compress`, `np.partition`,
# `np.argpartition`, `np.roll`, `np.expand_dims`, `np.diff` and `np.flipud`.
_SUM = ("axis", "dtype", "out", "keepdims", "initial", "where")
_MAX = ("axis", "out", "keepdims", "initial", "where")
_STD = ("axis", "dtype", "out", "ddof", "keepdims")
_WHERE = ("where",)
NUMPY_ARRAY_METHODS: dict[str, ArrayMethodForm] = {
    "sum": _form(_SUM, traced=_WHERE),
    "prod": _form(_SUM, traced=_WHERE),
    "mean": _form(("axis", "dtype", "out", "keepdims"), _WHERE, traced=_WHERE),
    "std": _form(_STD, _WHERE, traced=_WHERE),
    "var": _form(_STD, _WHERE, traced=_WHERE),
    "max": _form(_MAX, traced=_WHERE),
    "min": _form(_MAX, traced=_WHERE),
    "amax": _form(_MAX, traced=_WHERE),
    "amin": _form(_MAX, traced=_WHERE),
    "any": _form(("axis", "out", "keepdims"), _WHERE, traced=_WHERE),
    "all": _form(("axis", "out", "keepdims"), _WHERE, traced=_WHERE),
    "argmax": _form(("axis", "out"), ("keepdims",)),
    "argmin": _form(("axis", "out"), ("keepdims",)),
    "cumsum": _form(("axis", "dtype", "out")),
    "cumprod": _form(("axis", "dtype", "out")),
    "round": _form(("decimals", "out")),
    "around": _form(("decimals", "out")),
    "transpose": _form(("axes",)),
    "permute_dims": _form(("axes",)),
    # order="A" raises NotImplementedError; copy=True or False makes NumPy convert the tracer.
    "reshape": _form(
        ("shape", "order"),
        ("copy",),
        array=None,
        constants={"order": frozenset("CF"), "copy": frozenset({None})},
    ),
    "squeeze": _form(("axis",)),
    "swapaxes": _form(("axis1", "axis2")),
    "repeat": _form(("repeats", "axis"), arrays=("repeats",)),
    # NumPy's default mode="raise" is refused by jax's `take`.
    "take": _form(
        ("indices", "axis", "out", "mode"),
        constants={"mode": frozenset({"clip", "wrap", "fill"})},
        required=("mode",),
        arrays=("indices",),
        traced=("indices",),
    ),
    "choose": _form(
        ("choices", "out", "mode"),
        constants={"mode": frozenset({"clip", "wrap"})},
        required=("mode",),
        traced=("choices",),
    ),
    # NumPy passes stable=None, which jax's `argsort` refuses (numpy 1.26 passed none, and
    # `np.argsort(x)` ran); a kind= or order= other than None makes NumPy convert the tracer.
    "argsort": _form(
        ("axis", "kind", "order"),
        ("stable",),
        constants={
            "kind": frozenset({None}),
            "order": frozenset({None}),
            "stable": frozenset({True, False}),
        },
        required=("stable",),
    ),
    # jax 0.4.28 refused a sorter; 0.5.3 and 0.10.2 take one.
    "searchsorted": _form(("v", "side", "sorter"), arrays=("v", "sorter"), traced=("v", "sorter")),
    "flip": _form(("axis",), array="m"),
    "moveaxis": _form(("source", "destination")),
    "rollaxis": _form(("axis", "start")),
    "real": _form(array="val"),
    "imag": _form(array="val"),
    "isreal": _form(array="x"),
    "unstack": _form((), ("axis",), array=None),
}
# NumPy functions that write into their first argument: a JAX array is immutable, and a
# tracer there raises TypeError (`np.fill_diagonal`: NotImplementedError), eagerly too.
NUMPY_IN_PLACE = {"put", "copyto", "place", "putmask", "fill_diagonal", "put_along_axis"}
# Array attributes known when tracing (shapes are static under jit).
STATIC_ATTRIBUTES = {"shape", "ndim", "size", "dtype", "aval", "weak_type"}
# ... and a distribution's shapes and support, also static (``d.shape()`` is a method).
STATIC_ATTRIBUTES |= {"batch_shape", "event_shape", "event_dim", "support"}
# Functions that tell a concrete value from a tracer: their result is a plain bool, and
# what runs where they say "concrete" is not traced (``if not_jax_tracer(y): ...``).
CONCRETE_CHECKS = {"not_jax_tracer"}
# Builtins whose result is a plain Python value even for traced arguments.
STATIC_BUILTINS = {"len", "isinstance", "issubclass", "type", "callable", "hasattr", "id", "print"}
STATIC_BUILTINS |= {"repr", "str", "getattr", "bool", "int", "float", "range"}
# A set cannot hold arrays (they are unhashable): ``set(params)`` is a set of dict keys.
STATIC_BUILTINS |= {"set", "frozenset"}
# Handlers under which plain code runs a model eagerly: calling a model there does not
# make the caller a model.
EAGER_HANDLERS = {"numpyro.handlers.seed", "numpyro.handlers.trace"}
# SVI's methods that run its model eagerly or not at all: ``init`` runs it once under
# ``seed``, ``trace``, ``replay`` and ``substitute`` with concrete values, ``get_params`` not
# at all (numpyro 0.22: a model that calls ``np.testing.assert_allclose`` on a param passes
# ``svi.init`` and raises TracerArrayConversionError in ``svi.update`` and ``svi.run``).
EAGER_SVI_METHODS = {"init", "get_params"}
SVI_PATH = "numpyro.infer.SVI"
# Catalog kinds that take a model as their first argument.
MODEL_CONSUMER_KINDS = {"kernel", "inference", "autoguide", "handler"}
# A function's ``def`` line, as a sort key (a C getter: a long script sorts thousands).
_DEFINITION_LINE = attrgetter("node.lineno")
# A node's place in the source, as a sort key.
_POSITION = attrgetter("lineno", "col_offset")


def last_name(node: ast.AST) -> str | None:
    """The name a name or an attribute ends with (``plt.hist`` -> ``hist``, ``f`` -> ``f``);
    None for anything else."""
    if type(node) is ast.Name:
        return node.id
    return node.attr if type(node) is ast.Attribute else None


def dotted_parts(node: ast.AST) -> list[str] | None:
    """``dist.Normal`` -> ["dist", "Normal"]; None for anything but a name chain."""
    parts: list[str] = []
    while type(node) is ast.Attribute:
        parts.append(node.attr)
        node = node.value
    if type(node) is ast.Name:
        parts.append(node.id)
        return parts[::-1]
    return None


# What a module-level statement binds a name to: an import's path, the name chain of a plain
# alias whose head another chunk binds, or None for anything else (``NodeIndex``).
ModuleBinding = str | tuple[str, ...] | None


@dataclass(frozen=True)
class Plate:
    name: str | None
    size: ast.expr | None
    call: ast.Call


@dataclass(frozen=True)
class HandlerContext:
    """A handler around code: ``with handlers.reparam(config=...)`` or a decorator."""

    path: str
    call: ast.Call


@dataclass
class DistributionUse:
    """A distribution built in code, with its arguments bound to numpyro's parameter names."""

    obj: dict
    call: ast.Call
    arguments: dict[str, ast.expr]
    # Wrapping method calls, innermost first: [("expand", call), ("to_event", call)].
    methods: list[tuple[str, ast.Call]] = field(default_factory=list)
    # The whole expression, wrappers included.
    expression: ast.expr | None = None

    def has_method(self, name: str) -> bool:
        return any(m == name for m, _ in self.methods)


@dataclass
class Site:
    primitive: str
    call: ast.Call
    arguments: dict[str, ast.expr]
    name: str | None
    distribution: DistributionUse | None
    observed: bool
    plates: tuple[Plate, ...]
    loops: tuple[ast.stmt, ...]
    branches: tuple[tuple[int, str], ...]
    handlers: tuple[HandlerContext, ...]
    target: str | None
    function: FunctionInfo | None
    # What the ``if`` tests around the site say holds there (analysis/conditions.py).
    conditions: frozenset[Fact] = frozenset()

    @property
    def name_node(self) -> ast.expr | None:
        return self.arguments.get("name")

    @property
    def latent(self) -> bool:
        return self.primitive == "sample" and not self.observed

    @property
    def generated_name(self) -> bool:
        node = self.name_node
        return node is not None and not isinstance(node, ast.Constant)


@dataclass
class CatalogCall:
    """A call of anything the catalog knows, anywhere in the file."""

    call: ast.Call
    obj: dict
    function: FunctionInfo | None
    handlers: tuple[HandlerContext, ...]


@dataclass(eq=False)
class FunctionInfo:
    """A function definition and what its own statements show. Nothing here depends on the
    rest of the file but its imports, so a chunk's functions serve every version of the
    document that keeps the chunk; whether it is a model is the module analysis's word
    (``ModuleAnalysis.is_model``)."""

    node: ast.FunctionDef | ast.AsyncFunctionDef
    parent: FunctionInfo | None
    # The analysis of the statements that define it: its imports resolve names.
    scope: ModuleAnalysis = field(repr=False)
    sites: list[Site] = field(default_factory=list)
    primitive_calls: int = 0
    called_names: set[str] = field(default_factory=set)
    decorators: list[HandlerContext] = field(default_factory=list)
    # Local ``name = <expr>`` assignments, last one wins (to follow ``d = dist.Normal(...)``).
    assignments: dict[str, ast.expr] = field(default_factory=dict)
    # Every value each name is given, in source order (``ModuleAnalysis.values_assigned``).
    assignment_history: dict[str, list[ast.expr]] = field(default_factory=dict)
    # The nodes of its body, not those of nested functions, classes or lambdas.
    nodes: list[ast.AST] = field(default_factory=list)

    @cached_property
    def dotted_references(self) -> list[tuple[ast.Name | ast.Attribute, str]]:
        """The names and attribute chains its body reads (``helper``, ``models.hier``), each
        with its dotted text: what may name another function or an imported model."""
        found = []
        for node in self.nodes:
            if type(node) is ast.Name:
                found.append((node, node.id))
            elif type(node) is ast.Attribute:
                parts = dotted_parts(node)
                if parts:
                    found.append((node, ".".join(parts)))
        return found

    @cached_property
    def attribute_calls(self) -> list[tuple[ast.Call, str]]:
        """Its calls of attribute chains (``jnp.exp(x)``, ``helpers.prior()``): each call
        with its callee's dotted text."""
        found = []
        for node in self.nodes:
            if type(node) is ast.Call and type(node.func) is ast.Attribute:
                parts = dotted_parts(node.func)
                if parts:
                    found.append((node, ".".join(parts)))
        return found

    @cached_property
    def concrete_nodes(self) -> set[int]:
        """The ids of the nodes that run only on concrete values: those under
        ``if not_jax_tracer(x):``, numpyro's own guard for eager-only checks."""
        found: set[int] = set()
        scope, definition = self.scope, self.node
        for node in scope.nodes(ast.If):  # (the part's: fewer than the function's nodes)
            if scope.owner_nodes.get(id(node)) is definition and _is_concrete_check(node.test):
                found.update(id(n) for s in node.body for n in ast.walk(s))
        return found

    @cached_property
    def traced(self) -> set[str]:
        """The names that hold values JAX traces when the function runs as a model."""
        return traced_names(self.scope, self)

    def value_above(self, name: ast.Name) -> ast.expr | None:
        """The value last given ``name`` by this function's own statements above where it
        is read (None where none is)."""
        place = (name.lineno, name.col_offset)
        history = self.assignment_history.get(name.id, ())
        above = [v for v in history if (v.end_lineno, v.end_col_offset) <= place]
        return above[-1] if above else None

    @property
    def draws_with_own_keys(self) -> bool:
        """Whether every ``sample`` of its own takes its own ``rng_key``: a simulator run as
        plain Python, each call drawing anew, not a model a handler traces."""
        samples = [site for site in self.sites if site.primitive == "sample"]
        return bool(samples) and all("rng_key" in site.arguments for site in samples)

    @cached_property
    def name(self) -> str:
        # Asked thousands of times a check (by every map of the file's functions), of
        # functions a kept chunk keeps from one version to the next.
        return self.node.name

    @cached_property
    def params(self) -> tuple[str, ...]:
        args = self.node.args
        every = [*args.posonlyargs, *args.args, *args.kwonlyargs]
        every += [a for a in (args.vararg, args.kwarg) if a]
        return tuple(a.arg for a in every)


@dataclass
class ModelUse:
    """A model handed to a chain of catalog callables: ``MCMC(NUTS(model))`` gives
    ``["numpyro.infer.NUTS", "numpyro.infer.MCMC"]`` (innermost first)."""

    model: str
    chain: list[str]
    call: ast.Call  # the outermost call of the chain
    # The definition of ``model`` in force where it is handed over (``function_at``).
    function: FunctionInfo | None = None
    # The outermost call is itself handed to a callable the catalog does not know
    # (``kernel(HMC(model))`` with ``kernel`` a parameter): what finally runs it is unknown.
    wrapped: bool = False
    # The calls of the chain, in the same order (``handlers.condition(model, data={...})``).
    calls: list[ast.Call] = field(default_factory=list)
    # ``svi = SVI(model, ...)`` in a function that calls nothing of ``svi`` but its
    # ``EAGER_SVI_METHODS`` (a test of ``svi.init``): the model runs eagerly there.
    initialized_only: bool = False

    def handled_sites(self, catalog: Catalog, handlers: set[str]) -> set[str] | None:
        """The site names that these handlers of the chain take over (``condition``'s
        data, ``lift``'s prior): None when a handler's dict is not written out (any site
        may be), empty when the chain has none of them."""
        names: set[str] = set()
        for path, call in zip(self.chain, self.calls, strict=False):
            if path not in handlers:
                continue
            arguments = bind_arguments(catalog.objects[path], call)
            given = next((arguments[k] for k in ("data", "prior") if k in arguments), None)
            if not isinstance(given, ast.Dict):
                return None
            names |= {k.value for k in given.keys if isinstance(k, ast.Constant)}
        return names


def outermost_uses(uses: list[ModelUse]) -> list[ModelUse]:
    """The uses that no other one continues: ``kernel = NUTS(model)`` then
    ``MCMC(DiscreteHMCGibbs(kernel))`` are the use ``[NUTS]`` and the use ``[NUTS,
    DiscreteHMCGibbs, MCMC]``, and only the second says what runs the model."""
    inner = {id(call) for use in uses for call in use.calls[:-1]}
    return [use for use in uses if id(use.call) not in inner]


@dataclass(eq=False)
class ModelDefinition:
    """A model function and the analysis of the file that defines it; ``uri`` is None for the
    analysed file itself, the other file's URI for a model imported from the workspace."""

    analysis: ModuleAnalysis
    function: FunctionInfo
    uri: str | None = None


@dataclass
class Lookups:
    models: list[FunctionInfo]
    functions: dict[str, FunctionInfo] = field(default_factory=dict)
    uses: dict[str, list[ModelUse]] = field(default_factory=dict)
    # By id(FunctionInfo): its catalog calls, and the functions defined in its body.
    calls: dict[int, list[CatalogCall]] = field(default_factory=dict)
    nested: dict[int, list[FunctionInfo]] = field(default_factory=dict)
    # By id(call): the function a handler call decorates.
    decorated: dict[int, FunctionInfo] = field(default_factory=dict)


@dataclass
class ModuleAnalysis:
    tree: ast.Module
    bindings: dict[str, str]
    catalog: Catalog
    functions: list[FunctionInfo] = field(default_factory=list)
    sites: list[Site] = field(default_factory=list)
    catalog_calls: list[CatalogCall] = field(default_factory=list)
    model_uses: list[ModelUse] = field(default_factory=list)
    # Calls of a name under ``with handlers.seed(...)``/``trace``, with those handlers:
    # plain code running a model eagerly (``ModelUse`` with the handlers as its chain).
    eager_calls: list[tuple[ast.Call, list[str]]] = field(default_factory=list)
    # Every definition of each function name in the file, in source order (scripts and
    # notebooks define ``model`` again and again).
    functions_by_name: dict[str, list[FunctionInfo]] = field(default_factory=dict)
    # Module-level ``name = <expr>`` assignments.
    assignments: dict[str, ast.expr] = field(default_factory=dict)
    # Every value each name is given at module level, in source order, kept with the part
    # that assigns it (read with ``values_assigned``).
    assignment_history: dict[str, list[ast.expr]] = field(default_factory=dict)
    # Module-level names last assigned a call of a catalog callable, with its path
    # (``predictive`` -> ``numpyro.infer.Predictive``): the one fact about module-level
    # assignments a chunk check may read (see ``chunk_context``).
    instances: dict[str, str] = field(default_factory=dict)
    # The indexes of the file's statements, one per chunk (analysis/layout.py); one walk
    # serves every rule. Merged below: by type on first use, owners and calls at once.
    indexes: list[NodeIndex] = field(default_factory=list)
    by_type: dict[type, list[ast.AST]] = field(default_factory=dict)
    # The function definition that owns each node, by id(node).
    owner_nodes: dict[int, ast.AST] = field(default_factory=dict)
    # The calls inside each statement's own expressions (not its nested statements).
    calls_by_statement: dict[int, list[ast.Call]] = field(default_factory=dict)
    # The statements among those whose expressions hold a conditional expression, a lambda
    # or a comprehension (their calls may run once, never or many times), by id(statement).
    # A rule that reads calls or names in those needs a walk; for the rest the index says.
    forking_statements: set[int] = field(default_factory=set)
    infos: dict[int, FunctionInfo] = field(default_factory=dict)  # by id(definition)
    model_ids: set[int] = field(default_factory=set)  # id(FunctionInfo) of the models
    # The walks of its chunks (``walk_statements``), in order; one part for a whole tree.
    parts: list[ModuleAnalysis] = field(default_factory=list, repr=False)
    # What the rules' chunk checks reported on this part, and the module context they saw
    # (``chunk_context``): rules/engine.py keeps it while the context stays the same.
    chunk_reports: tuple[tuple, dict] | None = field(default=None, repr=False, compare=False)
    # What whole-file steps read of this part's statements alone, by rule code (or by what
    # reads them): kept with the part, so an edit reads again only the parts it re-parsed.
    part_facts: dict[str, object] = field(default_factory=dict, repr=False, compare=False)
    # Held while rules fill the parts' caches: the document's lock when its parts are kept
    # for later versions (analysis/document.py).
    lock: AbstractContextManager = field(default_factory=nullcontext, repr=False, compare=False)
    # Models of other workspace files imported here, by the expression that names them
    # (``eight_schools``, ``model.eight_schools``); filled in by the workspace index.
    imported_models: dict[str, ModelDefinition] = field(default_factory=dict)
    lookups: Lookups | None = field(default=None, repr=False, compare=False)
    # function_around()'s functions by first line, and their first lines (built once).
    _function_starts: tuple[list[int], list[FunctionInfo]] | None = field(
        default=None, repr=False, compare=False
    )
    # function_at()'s definitions of a name per scope, lines ascending (built per name).
    _scoped_definitions: dict[str, dict[int, tuple[list[int], list[FunctionInfo]]]] = field(
        default_factory=dict, repr=False, compare=False
    )
    # value_at()'s module-level values of a name, with the lines they end on (built per name).
    _module_values: dict[str, tuple[list[int], list[ast.expr]]] = field(
        default_factory=dict, repr=False, compare=False
    )
    # resolve()'s answers by id(node), with the node (an id alone may be reused).
    _resolved: dict[int, tuple[ast.AST, str | None]] = field(
        default_factory=dict, repr=False, compare=False
    )
    # For each name the file defines a function by, a token that stays the same object
    # from one version of the file to the next while no definition of that name is added
    # or dropped (``NodeMaps.definitions``); a name defined nowhere has none.
    definitions: dict[str, object] = field(default_factory=dict, repr=False, compare=False)
    # The 0-based lines that do not parse and were masked so that the rest could be read
    # (analysis/recovery.py): what they held is unknown.
    masked_lines: frozenset[int] = field(default=frozenset(), repr=False, compare=False)

    def masks_part_of(self, node: ast.AST) -> bool:
        """Whether a line of a node (a model being typed) was masked: it may hold more than
        its statements show, so nothing is said of what it lacks."""
        return any(node.lineno <= line + 1 <= node.end_lineno for line in self.masked_lines)

    @property
    def models(self) -> list[FunctionInfo]:
        if self.lookups is not None:
            return self.lookups.models
        return [f for f in self.functions if id(f) in self.model_ids]

    def is_model(self, function: FunctionInfo) -> bool:
        return id(function) in self.model_ids

    def finish(self) -> None:
        """Index what the rules look up again and again (for every model, every call), once
        the analysis is complete."""
        lookups = Lookups([f for f in self.functions if id(f) in self.model_ids])
        for info in self.functions:
            lookups.functions.setdefault(info.name, info)
            if info.parent is not None:
                lookups.nested.setdefault(id(info.parent), []).append(info)
            for decorator in info.decorators:
                lookups.decorated.setdefault(id(decorator.call), info)
        for use in self.model_uses:
            lookups.uses.setdefault(use.model, []).append(use)
        for call in self.catalog_calls:
            if call.function is not None:
                lookups.calls.setdefault(id(call.function), []).append(call)
        self.lookups = lookups

    def chunk_context(self, part: ModuleAnalysis) -> tuple:
        """All a chunk check may read of the file beyond the part's own statements (and its
        imports, which the part is computed for): for each of the part's functions, whether
        it is a model and what it is handed to (the calls themselves: AST nodes compare by
        identity, and a re-parsed chunk has new ones); and what the module-level names the
        part reads hold (``instances``, looked up by a name in the part: an assignment
        elsewhere of a name the part never reads leaves its reports as they were)."""
        models = tuple(
            (
                id(f) in self.model_ids,
                tuple((tuple(u.chain), u.call, tuple(u.calls), u.wrapped) for u in self.uses_of(f)),
            )
            for f in part.functions
        )
        names = part.part_facts.get("names read")
        if names is None:
            names = part.part_facts["names read"] = frozenset(
                {node.id for node in part.nodes(ast.Name)}
            )
        read = self.instances.keys() & names
        return models, {name: self.instances[name] for name in read}

    def chunk_view(self, part: ModuleAnalysis) -> ModuleAnalysis:
        """The part's statements seen with the file's models and model uses: what a chunk
        check runs on."""
        assert self.lookups is not None, "the analysis is not finished"
        view = ModuleAnalysis(
            part.tree,
            self.bindings,
            self.catalog,
            functions=part.functions,
            sites=part.sites,
            catalog_calls=part.catalog_calls,
            model_uses=self.model_uses,
            functions_by_name=self.functions_by_name,
            assignments=part.assignments,
            indexes=part.indexes,
            owner_nodes=part.owner_nodes,
            calls_by_statement=part.calls_by_statement,
            forking_statements=part.forking_statements,
            infos=part.infos,
            model_ids=self.model_ids,
            instances=self.instances,
        )
        local = Lookups(
            [f for f in part.functions if id(f) in self.model_ids],
            uses=self.lookups.uses,
            calls=self.lookups.calls,
            nested=self.lookups.nested,
            decorated=self.lookups.decorated,
        )
        for info in part.functions:
            local.functions.setdefault(info.name, info)
        view.lookups = local
        # The file's answers, joined from its parts' walks: a chunk check that resolves a node
        # of another part gets what that part's walk found, not an answer made with this
        # part's owners and local bindings.
        view._resolved = self._resolved
        # The same statements, resolved the same way: the part keeps them for later versions.
        view.part_facts["calls by package"] = part._calls_by_package()
        return view

    def calls_in(self, function: FunctionInfo) -> list[CatalogCall]:
        """The catalog calls of a function's own body, in source order."""
        assert self.lookups is not None, "the analysis is not finished"
        return self.lookups.calls.get(id(function), [])

    def nested_in(self, function: FunctionInfo) -> list[FunctionInfo]:
        """The functions defined in a function's own body."""
        assert self.lookups is not None, "the analysis is not finished"
        return self.lookups.nested.get(id(function), [])

    def decorated_by(self, call: ast.Call) -> FunctionInfo | None:
        assert self.lookups is not None, "the analysis is not finished"
        return self.lookups.decorated.get(id(call))

    def calls_from(self, *packages: str) -> list[tuple[ast.Call, str]]:
        """The calls whose callee resolves into one of these top-level packages (``numpy``,
        ``torch``), with the callee's path: the file's calls are resolved once, for all the
        rules that look for one library's (a chunk check's view reads its part's)."""
        by_package = self._calls_by_package()
        if len(packages) == 1:
            return by_package.get(packages[0], [])
        return [found for package in packages for found in by_package.get(package, ())]

    def _calls_by_package(self) -> dict[str, list[tuple[ast.Call, str]]]:
        by_package = self.part_facts.get("calls by package")
        if by_package is None:
            by_package = self.part_facts["calls by package"] = {}
            for call in self.nodes(ast.Call):
                path = self.resolve(call.func)
                if path is not None:
                    by_package.setdefault(path.partition(".")[0], []).append((call, path))
        return by_package

    def nodes(self, *types: type) -> list[ast.AST]:
        """Every node of these types in the file, in source order."""
        if len(types) == 1:
            return self._of_type(types[0])
        found = [n for t in types for n in self._of_type(t)]
        return sorted(found, key=_POSITION)

    def _of_type(self, kind: type) -> list[ast.AST]:
        found = self.by_type.get(kind)
        if found is None:
            found = self.by_type[kind] = [
                node for index in self.indexes for node in index.by_type.get(kind, ())
            ]
        return found

    def values_assigned(self, name: str, function: FunctionInfo | None) -> list[ast.expr]:
        """Every value ``name`` is given directly in ``function`` (None: at module level), in
        source order; the parts' own lists, joined only for the name asked about."""
        if function is not None:
            return function.assignment_history.get(name, [])
        parts = self.parts or [self]
        return [value for part in parts for value in part.assignment_history.get(name, ())]

    def value_at(self, name: str, line: int) -> ast.expr | None:
        """The module-level value ``name`` holds when line ``line`` of the module's own code
        runs: the last one assigned before it (a notebook assigns ``kernel = NUTS(model)``
        again for each of its models); the file's last when none is (``line`` 0: code in a
        function, which runs once the module has)."""
        known = self._module_values.get(name)
        if known is None:
            # One bisection per lookup: a long script assigns a name thousands of times.
            values = self.values_assigned(name, None)
            known = self._module_values[name] = ([v.end_lineno for v in values], values)
        ends, values = known
        before = bisect_left(ends, line)  # the values that end above ``line``
        return values[before - 1] if before else self.assignments.get(name)

    def owner(self, node: ast.AST) -> FunctionInfo | None:
        """The innermost function whose body holds ``node`` (None at module level)."""
        definition = self.owner_nodes.get(id(node))
        return None if definition is None else self.infos[id(definition)]

    def in_model(self, node: ast.AST) -> FunctionInfo | None:
        owner = self.owner(node)
        return owner if owner is not None and id(owner) in self.model_ids else None

    def function(self, name: str) -> FunctionInfo | None:
        if self.lookups is not None:
            return self.lookups.functions.get(name)
        return next((info for info in self.functions if info.name == name), None)

    def function_at(self, name: str, node: ast.AST) -> FunctionInfo | None:
        """The definition of ``name`` in force at ``node``: the innermost scope around it
        that defines the name, and there the last definition above it (else the first)."""
        candidates = self.functions_by_name.get(name)
        if not candidates:
            return None
        line = getattr(node, "lineno", 0)
        by_scope = self._scoped_definitions.get(name)
        if by_scope is None:
            # One bisection per use: a long script defines a name thousands of times.
            by_scope = {}
            for info in sorted(candidates, key=_DEFINITION_LINE):
                lines, infos = by_scope.setdefault(id(info.parent), ([], []))
                lines.append(info.node.lineno)
                infos.append(info)
            self._scoped_definitions[name] = by_scope
        local = self.local_bindings.get(name, {})
        scope = self.owner(node)
        if scope is None and len(candidates) > 1:
            # In a lambda (the index gives its body no owner): the function around it.
            scope = self.function_around(line)
        module_code = scope is None
        while True:
            here = by_scope.get(id(scope))
            if here:
                lines, infos = here
                above = bisect_right(lines, line)
                if not above:
                    return infos[0]
                if module_code and self._rebound(name, infos[above - 1], line):
                    return None  # ``model = make_model(...)`` below the definition
                return infos[above - 1]
            if scope is None:
                return candidates[0]
            if id(scope.node) in local:
                return None  # a local variable of that name: ``kernel = NUTS(model)``
            scope = scope.parent

    def _rebound(self, name: str, definition: FunctionInfo, line: int) -> bool:
        """Whether module code at ``line`` reads ``name`` as a value assigned after the
        definition above it, other than the function wrapped (``model =
        config_enumerate(model)`` keeps it)."""
        if name not in self.assignments:
            return False  # never assigned at module level (most names: a dict lookup)
        assigned = self.value_at(name, line)
        if assigned.end_lineno >= line or assigned.lineno <= definition.node.end_lineno:
            return False  # the file's last value, assigned below, or one above the definition
        wraps = type(assigned) is ast.Call and any(
            type(argument) is ast.Name and argument.id == name for argument in assigned.args
        )
        return not wraps

    def function_around(self, line: int) -> FunctionInfo | None:
        """The innermost function whose lines hold ``line``: the nearest one starting above
        it that holds it; the search stops at a module-level function that does not, since
        none before it can."""
        if self._function_starts is None:
            ordered = sorted(self.functions, key=_DEFINITION_LINE)
            self._function_starts = ([f.node.lineno for f in ordered], ordered)
        lines, ordered = self._function_starts
        for index in range(bisect_right(lines, line) - 1, -1, -1):
            info = ordered[index]
            if line <= info.node.end_lineno:
                return info
            if info.parent is None:
                return None
        return None

    def runs_eagerly(self, model: FunctionInfo) -> bool:
        """Whether the file only ever runs the model eagerly, under ``seed``/``trace``
        handlers (as tests do) or by ``svi.init``, never under inference or a kernel: its
        values are concrete. A model handed to nothing here (a library's) may be traced,
        unless it opens a ``seed`` or ``trace`` block itself: a driver that draws keys with
        ``numpyro.prng_key()``, not a model an inference would run."""
        objects = self.catalog.objects
        uses = self.uses_of(model)
        if not uses:
            return any(
                (obj := self.catalog_object(item.context_expr.func)) is not None
                and obj["path"] in EAGER_HANDLERS
                for node in model.nodes
                if type(node) is ast.With
                for item in node.items
                if type(item.context_expr) is ast.Call
            )
        return all(
            use.initialized_only
            or EAGER_HANDLERS & set(use.chain)
            and all(objects.get(path, {}).get("kind") == "handler" for path in use.chain)
            for use in uses
        )

    def uses_of(self, model: FunctionInfo | str) -> list[ModelUse]:
        """What a model is handed to; given a definition, only the uses that name that one
        (not those of another function with the same name)."""
        name = model if isinstance(model, str) else model.name
        if self.lookups is not None:
            uses = self.lookups.uses.get(name, [])
        else:
            uses = [use for use in self.model_uses if use.model == name]
        if isinstance(model, str):
            return uses
        return [use for use in uses if use.function is None or use.function is model]

    def resolve(self, node: ast.AST) -> str | None:
        """The fully qualified path a name chain stands for (``jnp.exp`` -> ``jax.numpy.exp``)."""
        known = self._resolved.get(id(node))
        if known is not None and known[0] is node:
            return known[1]
        if type(node) is ast.Name:  # the commonest callee: no chain to take apart
            path = self.binding(node, node.id)
        else:
            parts = dotted_parts(node)
            head = self.binding(node, parts[0]) if parts else None
            path = None if head is None else ".".join([head, *parts[1:]])
        self._resolved[id(node)] = (node, path)
        return path

    def binding(self, node: ast.AST, name: str) -> str | None:
        """The path ``name`` stands for where ``node`` is: the functions around it first
        (their parameters, assignments and imports), then the module's imports."""
        local = self.local_bindings.get(name)
        definition = self.owner_nodes.get(id(node)) if local else None
        while definition is not None:
            if id(definition) in local:
                return local[id(definition)]
            parent = self.infos[id(definition)].parent
            definition = parent.node if parent is not None else None
        shifted = self._shifted
        if shifted and name in shifted:
            # Bound again further down: what the statement above the read bound it to (a
            # notebook's cells run in order), else the first.
            lines, paths = shifted[name]
            above = bisect_right(lines, getattr(node, "lineno", 0))
            return paths[above - 1] if above else paths[0]
        return self.bindings.get(name)

    @cached_property
    def _shifted(self) -> dict[str, tuple[list, list]]:
        return getattr(self.bindings, "shifted", {})

    @cached_property
    def local_bindings(self) -> dict[str, dict[int, str | None]]:
        """For each name that functions bind themselves, by id(definition): the path of a
        local import (``import pyro.distributions as dist`` in one function leaves the
        module's ``dist`` alone), or None for a parameter, an assignment, a nested def.
        Merged from the chunks' indexes, which keep theirs from one version to the next; a
        document's analysis is given the merge its parts' maps keep (``node_maps``)."""
        if len(self.indexes) == 1:
            return self.indexes[0].local_bindings
        return _joined_local_bindings(self.indexes)

    def catalog_object(self, node: ast.AST) -> dict | None:
        path = self.resolve(node)
        if path is None:
            return None
        member = self.catalog.lookup(path)
        return member.obj if member is not None else None

    def primitive_name(self, call: ast.Call) -> str | None:
        obj = self.catalog_object(call.func)
        if obj is not None and obj["kind"] == "primitive":
            return obj["name"]
        return None

    def is_traced(self, node: ast.AST, traced: set[str]) -> bool:
        return is_traced(self, node, traced)


def names_in(node: ast.AST) -> set[str]:
    """The names a piece of code mentions. (``ast.walk`` would visit the tokens and scalar
    fields that hold no name: this runs for every latent's parameters on every check.)"""
    names: set[str] = set()
    stack = [node]
    AST, Name = ast.AST, ast.Name
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind is Name:
            names.add(node.id)
            continue
        for name in _CHILD_FIELDS.get(kind) or _child_fields(kind):
            value = getattr(node, name, None)
            if type(value) is list:
                stack += [item for item in value if isinstance(item, AST)]
            elif isinstance(value, AST):
                stack.append(value)
    return names


def positional_parameters(obj: dict, catalog: Catalog | None = None) -> list[str]:
    """The names of a catalog object's parameters that a positional argument may fill;
    worked out once per object where ``catalog``, the object's, keeps them (a file calls a
    few distributions hundreds of times)."""
    kept = catalog.derived("positional parameters") if catalog is not None else None
    found = kept.get(obj["path"]) if kept is not None else None
    if found is None:
        found = [p["name"] for p in obj["params"] if p["kind"].startswith("positional")]
        if kept is not None:
            kept[obj["path"]] = found
    return found


def bind_arguments(
    obj: dict, call: ast.Call, catalog: Catalog | None = None
) -> dict[str, ast.expr]:
    """Map a call's arguments to the catalog parameter names they fill (``catalog``: the
    object's, where its positional parameters are kept)."""
    positional = positional_parameters(obj, catalog)
    bound: dict[str, ast.expr] = {}
    for name, arg in zip(positional, call.args, strict=False):
        if isinstance(arg, ast.Starred):
            break
        bound[name] = arg
    for keyword in call.keywords:
        if keyword.arg is not None:
            bound[keyword.arg] = keyword.value
    return bound


def exclusive_branches(a: tuple[tuple[int, str], ...], b: tuple[tuple[int, str], ...]) -> bool:
    """Whether two places sit in different branches of one ``if``/``try``/``match``, so at most
    one of them runs."""
    branches_a = dict(a)
    return any(node in branches_a and branches_a[node] != label for node, label in b)


def _is_concrete_check(test: ast.expr) -> bool:
    while isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
        test = test.values[0]
    callee = dotted_parts(test.func) if isinstance(test, ast.Call) else None
    return callee is not None and callee[-1] in CONCRETE_CHECKS


def ends_block(body: list[ast.stmt]) -> bool:
    """Whether what follows a block in its own block never runs after it: the block ends in
    ``return``, ``raise``, ``continue`` or ``break``, in a ``with`` whose block does (any
    context manager: dynestyx returns inside its own), or in an ``if`` whose branches both
    do."""
    if not body:
        return False
    last = body[-1]
    if isinstance(last, (ast.Return, ast.Raise, ast.Continue, ast.Break)):
        return True
    if isinstance(last, (ast.With, ast.AsyncWith)):
        return ends_block(last.body)
    return isinstance(last, ast.If) and ends_block(last.body) and ends_block(last.orelse)


def is_none(node: ast.AST | None) -> bool:
    """A literal ``None`` (an absent argument is no literal)."""
    return isinstance(node, ast.Constant) and node.value is None


# --- traced values ----------------------------------------------------------------------


def is_traced(analysis: ModuleAnalysis, node: ast.AST, traced: set[str]) -> bool:
    """Whether JAX stages ``node``'s value when the model is traced: results of sample/param,
    every jax/jnp/lax result, and whatever is computed from those. The model's arguments are
    concrete (MCMC's default ``jit_model_args=False``), and shapes are static."""
    if isinstance(node, ast.Name):
        return node.id in traced and id(node) not in getattr(traced, "untraced", ())
    if isinstance(node, ast.Constant):
        return False
    if isinstance(node, ast.Attribute):
        if node.attr in STATIC_ATTRIBUTES:
            return False
        return is_traced(analysis, node.value, traced)
    if isinstance(node, ast.Call):
        return _call_is_traced(analysis, node, traced)
    if isinstance(node, ast.Compare):
        if all(isinstance(op, (ast.Is, ast.IsNot)) for op in node.ops):
            return False
        if all(isinstance(op, (ast.In, ast.NotIn)) for op in node.ops) and (
            getattr(traced, "arrays_only", False)
            or all(_keyed(c, traced) for c in node.comparators)
        ):
            return False  # a key in a dict or a pytree's: hashed, never a tracer
        if _is_key_test(node):
            return False
    if isinstance(node, ast.BoolOp):
        return _bool_op_is_traced(analysis, node, traced)
    if isinstance(node, (ast.Lambda, ast.FunctionDef)):
        return False
    if isinstance(node, ast.Subscript):
        return is_traced(analysis, node.value, traced) or is_traced(analysis, node.slice, traced)
    return any(is_traced(analysis, child, traced) for child in ast.iter_child_nodes(node))


def _call_is_traced(analysis: ModuleAnalysis, call: ast.Call, traced: set[str]) -> bool:
    path = analysis.resolve(call.func)
    if path is not None:
        if path == "jax" or path.startswith("jax."):
            return path.rsplit(".", 1)[-1] not in STATIC_JAX_FUNCTIONS
        if path.startswith("numpy.") and path.rsplit(".", 1)[-1] in STATIC_JAX_FUNCTIONS:
            return False
        member = analysis.catalog.lookup(path)
        if member is not None and member.obj is not None and member.obj["kind"] == "primitive":
            return member.obj["name"] in TRACED_PRIMITIVES and not _branching(call)
    if type(call.func) is ast.Name:
        if call.func.id in STATIC_BUILTINS:
            return False
        if call.func.id in _KEY_READERS and _of_keys(analysis, call, traced):
            return False  # ``list(d)``: a dict's keys
    callee = dotted_parts(call.func)
    if callee is not None and callee[-1] in CONCRETE_CHECKS:
        return False
    if isinstance(call.func, ast.Attribute) and call.func.attr in STATIC_ATTRIBUTES | {"keys"}:
        return False  # shapes, and a dict's keys
    if isinstance(call.func, ast.Attribute) and is_traced(analysis, call.func.value, traced):
        return True  # a method of a traced array: ``theta.sum()``
    if getattr(traced, "arrays_only", False):
        return False  # not JAX's: what it makes of a tracer is not known to be an array
    arguments = [*call.args, *(k.value for k in call.keywords)]
    return any(is_traced(analysis, a, traced) for a in arguments)


def _keyed(node: ast.expr, traced: set[str]) -> bool:
    """Whether ``node`` names a dict or set the function builds (``TracedNames.keyed``)."""
    return type(node) is ast.Name and node.id in getattr(traced, "keyed", ())


def _of_keys(analysis: ModuleAnalysis, call: ast.Call, traced: set[str]) -> bool:
    """For a call of one of ``_KEY_READERS`` (``list(d)``, ``sorted(d)``...): whether it reads
    the keys of a dict (items of a set) the function builds."""
    return (
        call.func.id not in analysis.bindings
        and len(call.args) == 1
        and _keyed(call.args[0], traced)
    )


_KEY_READERS = frozenset({"list", "tuple", "set", "frozenset", "sorted", "iter", "reversed"})


def _branching(call: ast.Call) -> bool:
    """``infer={"branching": True}``: a site that stochastic-support inference (``DCC``,
    ``SDVI``) fixes for each branch, so the model branches on a concrete value."""
    for keyword in call.keywords:
        if keyword.arg == "infer" and isinstance(keyword.value, ast.Dict):
            return any(
                isinstance(k, ast.Constant) and k.value == "branching" for k in keyword.value.keys
            )
    return False


def _is_key_test(node: ast.Compare) -> bool:
    """``"params" in nn_vars``: a string in a container is a key or item test, never an
    array operation (an array cannot hold strings)."""
    return (
        all(isinstance(op, (ast.In, ast.NotIn)) for op in node.ops)
        and isinstance(node.left, ast.Constant)
        and isinstance(node.left.value, str)
    )


def _concrete_after(test: ast.expr) -> set[str]:
    """Names a true ``test`` shows to be concrete: ``isinstance(x, (int, float))`` for
    Python or NumPy types, ``not_jax_tracer(x)``."""
    if not isinstance(test, ast.Call) or not test.args or not isinstance(test.args[0], ast.Name):
        return set()
    callee = dotted_parts(test.func)
    if callee is None:
        return set()
    if callee[-1] in CONCRETE_CHECKS:
        return {test.args[0].id}
    if callee == ["isinstance"] and len(test.args) == 2:
        types = names_in(test.args[1])
        if not types & {"jax", "jnp", "Array", "Tracer", "ArrayLike"}:
            return {test.args[0].id}
    return set()


def _bool_op_is_traced(analysis: ModuleAnalysis, node: ast.BoolOp, traced: set[str]) -> bool:
    """Each operand of ``a and b`` runs only where the ones before it hold: after
    ``isinstance(c, (int, float))`` the name ``c`` is concrete."""
    names = traced
    for value in node.values:
        if is_traced(analysis, value, names):
            return True
        concrete = _concrete_after(value) if isinstance(node.op, ast.And) else set()
        if concrete & names:
            names = (
                names.with_names(names - concrete, names.untraced)
                if isinstance(names, TracedNames)
                else names - concrete
            )
    return False


def _iterated_values(
    analysis: ModuleAnalysis, iterable: ast.expr, target: ast.AST, traced: set[str]
) -> list[ast.AST]:
    """The parts of a loop target that receive traced values: nothing for a dict's keys,
    the value of ``for k, v in d.items()``; for ``for a, b in zip(xs, ys)`` the names whose
    own sequence is traced, and for ``for i, x in enumerate(xs)`` never the index."""
    if not is_traced(analysis, iterable, traced) or _keyed(iterable, traced):
        return []  # (a dict's keys, a set's items: hashed, never tracers)
    if isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Attribute):
        if iterable.func.attr == "keys":
            return []
        if iterable.func.attr == "items" and isinstance(target, ast.Tuple) and target.elts:
            return [target.elts[-1]]
    parts = _unpacked(analysis, iterable, target)
    if parts is None:
        return [target]
    return [p for each, part in parts for p in _iterated_values(analysis, each, part, traced)]


def _unpacked(
    analysis: ModuleAnalysis, iterable: ast.expr, target: ast.AST
) -> list[tuple[ast.expr, ast.AST]] | None:
    """For a tuple target over the builtin ``zip`` or ``enumerate``, each sequence with the
    part of the target that takes its items (``enumerate``'s index counts from its
    ``start``); None for any other loop."""
    if (
        not isinstance(iterable, ast.Call)
        or not isinstance(iterable.func, ast.Name)
        or iterable.func.id in analysis.bindings
        or not isinstance(target, (ast.Tuple, ast.List))
        or any(isinstance(e, ast.Starred) for e in [*iterable.args, *target.elts])
    ):
        return None
    name, args, keywords = iterable.func.id, iterable.args, iterable.keywords
    if name == "zip" and len(args) == len(target.elts):
        if all(k.arg == "strict" for k in keywords):
            return list(zip(args, target.elts, strict=True))
    elif name == "enumerate" and len(target.elts) == 2 and len(args) in (1, 2):
        index, item = target.elts
        starts = [*args[1:], *(k.value for k in keywords)]
        if all(k.arg == "start" for k in keywords) and len(starts) <= 1:
            return [(start, index) for start in starts] + [(args[0], item)]
    return None


def assigned_names(target: ast.AST) -> Iterator[str]:
    if isinstance(target, ast.Name):
        yield target.id
    elif isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            yield from assigned_names(element)
    elif isinstance(target, ast.Starred):
        yield from assigned_names(target.value)


# The nodes through which a traced value reaches a name.
FLOW_NODES = frozenset(
    {
        ast.Assign,
        ast.AnnAssign,
        ast.AugAssign,
        ast.For,
        ast.comprehension,
        ast.withitem,
        ast.NamedExpr,
    }
)


def traced_names(
    analysis: ModuleAnalysis,
    info: FunctionInfo,
    given: frozenset[str] = frozenset(),
    arrays_only: bool = False,
) -> TracedNames:
    """The names of ``info``'s body that hold traced values, given the names traced from its
    start (``given``: parameters JAX passes tracers, and traced names of the function around
    it that its body reads); the other parameters are concrete. ``arrays_only``: see
    ``TracedNames``."""
    # By exact type: a set lookup per node (ast makes no subclasses).
    flows = [n for n in info.nodes if type(n) in FLOW_NODES]
    containers, keyed = _container_names(analysis, info, flows)
    traced = TracedNames(given, frozenset(), arrays_only, containers, keyed)
    # Twice, so values that flow backwards through a loop are seen too. The names only
    # grow, and a value traced with some names is traced with more: the second round looks
    # again only at the flows that gave nothing and have more names to see since.
    waiting: dict[int, int] = {}  # id(flow) -> how many names it gave nothing with
    for node in flows:
        if not _flow(analysis, node, traced):
            waiting[id(node)] = len(traced)
    for node in flows:
        seen = waiting.get(id(node))
        if seen is not None and seen < len(traced):
            _flow(analysis, node, traced)
    concrete = [name for name in info.params if name not in given]
    untraced = untraced_reads(
        info.nodes, concrete, traced, lambda value, names: is_traced(analysis, value, names)
    )
    return traced.with_names(traced, untraced)


# What builds a container of each kind when called: builtins the file does not bind again,
# and ``collections``' own.
_CONTAINER_BUILDERS = {
    **dict.fromkeys(("dict", "set", "frozenset"), "keyed"),
    **dict.fromkeys(("list", "tuple"), "sequence"),
    **dict.fromkeys(
        ("collections.defaultdict", "collections.OrderedDict", "collections.Counter"), "keyed"
    ),
}


def _container_kind(analysis: ModuleAnalysis, value: ast.expr) -> str | None:
    """``"keyed"`` for a dict or set the expression builds, ``"sequence"`` for a list or
    tuple; None for anything else."""
    kind = type(value)
    if kind in (ast.Dict, ast.DictComp, ast.Set, ast.SetComp):
        return "keyed"
    if kind in (ast.List, ast.ListComp, ast.Tuple):
        return "sequence"
    if kind is ast.Call:
        callee = value.func
        builtin = type(callee) is ast.Name and callee.id not in analysis.bindings
        return _CONTAINER_BUILDERS.get(callee.id if builtin else analysis.resolve(callee) or "")
    return None


def _container_names(
    analysis: ModuleAnalysis, info: FunctionInfo, flows: list[ast.AST]
) -> tuple[frozenset[str], frozenset[str]]:
    """The names ``info`` binds only to containers it builds, by plain assignments (no
    parameter, loop target, unpacking or ``+=``), and those of them that are dicts or sets."""
    kinds: dict[str, str | None] = {}
    for node in flows:
        kind = type(node)
        if (kind is ast.Assign or kind is ast.AnnAssign) and node.value is not None:
            targets = node.targets if kind is ast.Assign else [node.target]
            built = _container_kind(analysis, node.value)
            for target in targets:
                if type(target) is ast.Name:
                    before = kinds.get(target.id, built)
                    kinds[target.id] = built if before == built else None
                else:
                    kinds.update(dict.fromkeys(assigned_names(target)))
        else:
            target = node.optional_vars if kind is ast.withitem else node.target
            if target is not None:
                kinds.update((n.id, None) for n in ast.walk(target) if type(n) is ast.Name)
    for name in info.params:
        kinds[name] = None
    containers = frozenset(name for name, kind in kinds.items() if kind is not None)
    return containers, frozenset(name for name in containers if kinds[name] == "keyed")


def _flow(analysis: ModuleAnalysis, node: ast.AST, traced: set[str]) -> bool:
    """Add the names a flow node gives a traced value to ``traced``; False when its value,
    or a part of a loop target's, is not traced (yet: more traced names may make it so)."""
    if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
        if node.value is None:
            return True
        if not is_traced(analysis, node.value, traced):
            return False
        for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
            traced.update(assigned_names(target))
    elif isinstance(node, (ast.For, ast.comprehension)):
        parts = _iterated_values(analysis, node.iter, node.target, traced)
        for part in parts:
            traced.update(assigned_names(part))
        return parts == [node.target]  # a part left untraced may be traced with more names
    elif isinstance(node, ast.withitem) and node.optional_vars is not None:
        call = node.context_expr
        if isinstance(call, ast.Call) and analysis.primitive_name(call) == "plate":
            traced.update(assigned_names(node.optional_vars))
    elif isinstance(node, ast.NamedExpr):
        if not is_traced(analysis, node.value, traced):
            return False
        traced.add(node.target.id)
    return True


@dataclass
class NodeIndex:
    """What one pre-order walk over statements (source order) finds: nodes by type, the
    function definition that owns each node, the calls of each statement's own expressions,
    and each function definition with its parent and its body's nodes. Plain data about the
    AST alone, so a chunk of a document keeps its index while other chunks are edited."""

    by_type: dict[type, list[ast.AST]] = field(default_factory=dict)
    owners: dict[int, ast.FunctionDef | ast.AsyncFunctionDef] = field(default_factory=dict)
    calls_by_statement: dict[int, list[ast.Call]] = field(default_factory=dict)
    forking_statements: set[int] = field(default_factory=set)
    # (definition, enclosing definition or None, the nodes of its body): not those of
    # nested functions, classes or lambdas.
    functions: list[tuple[ast.AST, ast.AST | None, list[ast.AST]]] = field(default_factory=list)
    # The names a function's body assigns (``Store`` context), for ``local_bindings``.
    stored_names: list[ast.Name] = field(default_factory=list)

    @cached_property
    def module_bindings(self) -> dict[str, ModuleBinding]:
        """What these statements bind at module level, a later statement over an earlier
        one: the path an import binds; the name chain a plain alias stands for, where its
        head is another chunk's (``D = numpyro.distributions``: resolved by
        ``module_bindings``); or None where an assignment, a function or a class binds the
        name to something else (``dist = tfp.distributions`` after ``import
        numpyro.distributions as dist``)."""
        imports = self._module_level_imports
        rebound: set[str] = set()
        imported = bindings_from_imports(imports, rebound)
        self.imports_bind_again = bool(rebound)
        # Each assignment, function and class: the names it binds, and the name chain of a
        # plain alias (``D = dist.constraints``), which ``module_bindings`` may resolve.
        rebinding = []
        heads = set()
        for node in self._module_level_definitions():
            chain = None
            if type(node) is ast.Assign:
                value = node.value
                if type(value) is ast.Name or type(value) is ast.Attribute:
                    chain = dotted_parts(value)
                    if chain is not None:
                        heads.add(chain[0])
            rebinding.append((node, _names_rebound_by(node), chain))
        self.module_aliases = bool(heads)
        bindings: dict[str, ModuleBinding] = imported
        if imported.keys() & heads.union(*(names for _, names, _ in rebinding)):
            # An import and an assignment of one name: in source order (seldom, and slower).
            bindings = {}
            rebound = {id(node): (names, chain) for node, names, chain in rebinding}
            for node in sorted([*imports, *(node for node, _, _ in rebinding)], key=_POSITION):
                if type(node) is ast.Import or type(node) is ast.ImportFrom:
                    found = bindings_from_imports([node])
                    # An import after an assignment of the name (``dist = binom(n, p)``,
                    # then ``import numpyro.distributions as dist``): read by position.
                    if any(bindings.get(name, path) != path for name, path in found.items()):
                        self.imports_bind_again = True
                    bindings.update(found)
                else:
                    names, chain = rebound[id(node)]
                    bindings.update(dict.fromkeys(names, _bound(bindings, chain)))
        else:
            for _, names, chain in rebinding:
                bound = None if chain is None else _bound(bindings, chain)
                for name in names:
                    bindings[name] = bound
        return bindings

    # Whether ``module_bindings`` may hold an alias to resolve against other chunks.
    module_aliases: bool = field(default=False, init=False, repr=False)
    # Whether a module-level import binds a name that an import or assignment above bound
    # to something else (``ModuleBindings.shifted``).
    imports_bind_again: bool = field(default=False, init=False, repr=False)

    @cached_property
    def _module_level_imports(self) -> list[ast.Import | ast.ImportFrom]:
        return sorted(
            (
                n
                for t in (ast.Import, ast.ImportFrom)
                for n in self.by_type.get(t, ())
                if id(n) not in self.owners
            ),
            key=_POSITION,
        )

    @cached_property
    def module_binds(self) -> list[tuple[tuple[int, int], str, str | None]]:
        """Each name a module-level statement binds, in source order: where, the name, and
        the path an import binds it to (None for an assignment, a function or a class; a
        plain alias ``D = numpyro.distributions`` is left out, resolved elsewhere)."""
        found: list[tuple[tuple[int, int], str, str | None]] = [
            (_POSITION(node), name, path)
            for node in self._module_level_imports
            for name, path in bindings_from_imports([node]).items()
        ]
        for node in self._module_level_definitions():
            value = getattr(node, "value", None)
            if type(value) is ast.Name or type(value) is ast.Attribute:
                continue  # an alias
            found += [(_POSITION(node), name, None) for name in _names_rebound_by(node)]
        return sorted(found, key=lambda bound: bound[0])

    def _module_level_definitions(self) -> list[ast.stmt]:
        """The assignments, functions and classes of the module level, in source order: in
        no function (whose nodes have an owner) and in no class body."""
        owners, by_type = self.owners, self.by_type
        found = [
            node
            for kind in (ast.Assign, ast.AnnAssign, ast.FunctionDef, ast.AsyncFunctionDef)
            for node in by_type.get(kind, ())
            if id(node) not in owners
        ]
        classes = [node for node in by_type.get(ast.ClassDef, ()) if id(node) not in owners]
        if classes:
            bodies = [(c.lineno, c.end_lineno) for c in classes]
            found = [n for n in found if not any(a < n.lineno <= b for a, b in bodies)]
            found += [c for c in classes if not any(a < c.lineno <= b for a, b in bodies)]
        return sorted(found, key=_POSITION)

    @cached_property
    def local_bindings(self) -> dict[str, dict[int, str | None]]:
        """``ModuleAnalysis.local_bindings`` for these statements."""
        found: dict[str, dict[int, str | None]] = {}
        owners, by_type = self.owners, self.by_type
        for node in self.stored_names:
            found.setdefault(node.id, {})[id(owners[id(node)])] = None
        for kind in (ast.arg, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef):
            for node in by_type.get(kind, ()):
                owner = owners.get(id(node))
                if owner is not None:
                    name = node.arg if kind is ast.arg else node.name
                    found.setdefault(name, {})[id(owner)] = None
        for kind in (ast.Import, ast.ImportFrom):
            for node in by_type.get(kind, ()):
                owner = owners.get(id(node))
                if owner is not None:
                    for name, path in bindings_from_imports([node]).items():
                        found.setdefault(name, {})[id(owner)] = path
        for kind in (ast.Global, ast.Nonlocal):
            for node in by_type.get(kind, ()):
                owner = owners.get(id(node))
                for name in node.names if owner is not None else ():
                    found.get(name, {}).pop(id(owner), None)
        return found


# Fields that hold only tokens (``Load``, ``Add``, ``Eq``...): shared objects with no
# position, which no rule looks up; the index skips them.
_TOKEN_FIELDS = {"ctx", "op", "ops"}
# Fields of the commonest kinds that hold no node (names, strings, numbers): the index
# skips them too, and a ``Name`` or a ``Constant`` has no field left to look at.
_SCALAR_FIELDS: dict[type, set[str]] = {
    ast.Name: {"id"},
    ast.Constant: {"value", "kind"},
    ast.Attribute: {"attr"},
    ast.keyword: {"arg"},
    ast.alias: {"name", "asname"},
    ast.arg: {"arg", "type_comment"},
    ast.ImportFrom: {"module", "level"},
    ast.Assign: {"type_comment"},
    ast.FunctionDef: {"name", "type_comment"},
    ast.AsyncFunctionDef: {"name", "type_comment"},
    ast.ClassDef: {"name"},
}
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}


def _child_fields(kind: type) -> tuple[str, ...]:
    fields = _CHILD_FIELDS.get(kind)
    if fields is None:
        skipped = _TOKEN_FIELDS | _SCALAR_FIELDS.get(kind, set())
        fields = _CHILD_FIELDS[kind] = tuple(f for f in kind._fields if f not in skipped)
    return fields


# What the index does at a node of each kind besides listing it: note a call, or a
# conditional expression or comprehension, of the statement; or enter a statement, a
# function or a lambda (whose body is not its function's: its parameters shadow names).
_PLAIN, _CALL, _FORK, _STATEMENT, _FUNCTION, _LAMBDA = range(6)
_KINDS: dict[type, tuple[int, tuple[str, ...]]] = {}


def _kind(kind: type) -> tuple[int, tuple[str, ...]]:
    """The kind's role, and its child fields last first (they are pushed on a stack)."""
    if kind is ast.FunctionDef or kind is ast.AsyncFunctionDef:
        role = _FUNCTION
    elif issubclass(kind, ast.stmt):
        role = _STATEMENT
    elif kind is ast.Lambda:
        role = _LAMBDA
    else:
        forks = (ast.IfExp, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
        role = _CALL if kind is ast.Call else _FORK if kind in forks else _PLAIN
    found = _KINDS[kind] = (role, _child_fields(kind)[::-1])
    return found


def index_statements(statements: list[ast.stmt]) -> NodeIndex:
    index = NodeIndex()
    by_type, owners, calls = index.by_type, index.owners, index.calls_by_statement
    forking, functions, stored = index.forking_statements, index.functions, index.stored_names
    # One pre-order walk with a stack of nodes; where a statement, function or lambda
    # begins, the context to return to after its subtree is pushed below its children.
    owner: ast.AST | None = None
    statement: ast.AST | None = None
    body: list[ast.AST] | None = None  # the owner's body nodes
    stack: list = statements[::-1]
    AST, Name, Store, kinds = ast.AST, ast.Name, ast.Store, _KINDS
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind is tuple:
            owner, statement, body = node
            continue
        role, fields = kinds.get(kind) or _kind(kind)
        nodes = by_type.get(kind)
        if nodes is None:
            nodes = by_type[kind] = []
        nodes.append(node)
        if owner is not None:
            owners[id(node)] = owner
            body.append(node)
            if kind is Name and type(node.ctx) is Store:
                stored.append(node)
        if role is not _PLAIN:
            if role is _CALL:
                calls.setdefault(id(statement), []).append(node)
            elif role is _FORK:
                forking.add(id(statement))
            else:
                stack.append((owner, statement, body))
                if role is _STATEMENT:
                    statement = node
                elif role is _FUNCTION:
                    functions.append((node, owner, []))
                    owner, statement, body = node, node, functions[-1][2]
                else:  # a lambda
                    forking.add(id(statement))
                    owner = body = None
        for name in fields:
            value = getattr(node, name, None)
            if type(value) is list:
                for item in reversed(value):
                    if isinstance(item, AST):
                        stack.append(item)
            elif isinstance(value, AST):
                stack.append(value)
    return index


# --- the walk ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    function: FunctionInfo | None = None
    plates: tuple[Plate, ...] = ()
    loops: tuple[ast.stmt, ...] = ()
    branches: tuple[tuple[int, str], ...] = ()
    handlers: tuple[HandlerContext, ...] = ()
    conditions: frozenset[Fact] = frozenset()

    def with_(self, **changes) -> _Context:
        return _Context(**{**self.__dict__, **changes})


# The statements that hold others (Python 3.11's): every other kind holds only expressions.
COMPOUND_STATEMENTS = frozenset(
    {
        ast.FunctionDef,
        ast.AsyncFunctionDef,
        ast.ClassDef,
        ast.With,
        ast.AsyncWith,
        ast.For,
        ast.AsyncFor,
        ast.While,
        ast.If,
        ast.Try,
        ast.TryStar,
        ast.Match,
    }
)


class _Walker:
    def __init__(self, analysis: ModuleAnalysis) -> None:
        self.analysis = analysis
        self.functions = analysis.infos

    def run(self) -> None:
        self.block(self.analysis.tree.body, _Context())

    def block(self, statements: list[ast.stmt], context: _Context) -> None:
        for statement in statements:
            self.statement(statement, context)
            if type(statement) is ast.If and ends_block(statement.body):
                # What follows ``if c: ... return`` runs only where ``c`` is false.
                context = context.with_(
                    branches=(*context.branches, (id(statement), "orelse")),
                    conditions=context.conditions | facts(statement.test, False),
                )

    def statement(self, node: ast.stmt, context: _Context) -> None:
        if type(node) not in COMPOUND_STATEMENTS:
            self.simple_statement(node, context)
            return
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            info = self.functions[id(node)]
            self.calls_of(node, context)
            for decorator in node.decorator_list:
                handler = self.handler_of(decorator)
                if handler:
                    info.decorators.append(handler)
            inner = _Context(function=info, handlers=tuple(info.decorators))
            self.block(node.body, inner)
            return
        if isinstance(node, ast.ClassDef):
            self.block(node.body, _Context(handlers=context.handlers))
            return
        if isinstance(node, (ast.With, ast.AsyncWith)):
            inner = context
            header = self.analysis.calls_by_statement.get(id(node), [])
            for item in node.items:
                start = (item.context_expr.lineno, item.context_expr.col_offset)
                end = (item.context_expr.end_lineno, item.context_expr.end_col_offset)
                for call in header:
                    if start <= (call.lineno, call.col_offset) < end:
                        self.call(call, inner, None)
                inner = self.enter(item, inner)
            self.block(node.body, inner)
            return
        if isinstance(node, (ast.For, ast.AsyncFor, ast.While)):
            self.calls_of(node, context)
            self.block(node.body, context.with_(loops=(*context.loops, node)))
            self.block(node.orelse, context)
            return
        if isinstance(node, ast.If):
            self.calls_of(node, context)
            body = context.with_(
                branches=(*context.branches, (id(node), "body")),
                conditions=context.conditions | facts(node.test, True),
            )
            self.block(node.body, body)
            orelse = context.with_(
                branches=(*context.branches, (id(node), "orelse")),
                conditions=context.conditions | facts(node.test, False),
            )
            self.block(node.orelse, orelse)
            return
        if isinstance(node, (ast.Try, ast.TryStar)):
            parts = [("body", node.body), ("else", node.orelse), ("finally", node.finalbody)]
            parts += [(f"except{i}", h.body) for i, h in enumerate(node.handlers)]
            for label, body in parts:
                self.block(body, context.with_(branches=(*context.branches, (id(node), label))))
            return
        if isinstance(node, ast.Match):
            self.calls_of(node, context)
            for i, case in enumerate(node.cases):
                branch = context.with_(branches=(*context.branches, (id(node), f"case{i}")))
                self.block(case.body, branch)

    def simple_statement(self, node: ast.stmt, context: _Context) -> None:
        """A statement that holds no other: its calls, and what an assignment stores."""
        kind = type(node)
        if (kind is ast.Assign or kind is ast.AnnAssign) and node.value is not None:
            targets = node.targets if kind is ast.Assign else [node.target]
            names = [n for t in targets for n in assigned_names(t)]
            function = context.function
            scope = function or self.analysis
            store, history = scope.assignments, scope.assignment_history
            for name in names:
                store[name] = node.value
                history.setdefault(name, []).append(node.value)
            target = names[0] if len(names) == 1 else None
            self.calls_of(node, context, target, node.value)
            return
        self.calls_of(node, context)

    def handler_of(self, node: ast.AST) -> HandlerContext | None:
        call = node if isinstance(node, ast.Call) else None
        obj = self.analysis.catalog_object(call.func if call else node)
        if obj is not None and obj["kind"] == "handler":
            return HandlerContext(obj["path"], call or ast.Call(func=node, args=[], keywords=[]))
        return None

    def enter(self, item: ast.withitem, context: _Context) -> _Context:
        call = item.context_expr
        if not isinstance(call, ast.Call):
            return context
        primitive = self.analysis.primitive_name(call)
        if primitive == "plate":
            arguments = bind_arguments(self.analysis.catalog.lookup("numpyro.plate").obj, call)
            name = arguments.get("name")
            plate = Plate(
                name.value if isinstance(name, ast.Constant) else None,
                arguments.get("size"),
                call,
            )
            return context.with_(plates=(*context.plates, plate))
        handler = self.handler_of(call)
        if handler is not None:
            return context.with_(handlers=(*context.handlers, handler))
        return context

    def calls_of(
        self,
        statement: ast.stmt,
        context: _Context,
        target: str | None = None,
        value: ast.expr | None = None,
    ) -> None:
        """The calls in a statement's own expressions; ``target`` names the call that is the
        whole assigned ``value``."""
        for call in self.analysis.calls_by_statement.get(id(statement), []):
            self.call(call, context, target if call is value else None)

    def call(self, call: ast.Call, context: _Context, target: str | None) -> None:
        analysis = self.analysis
        function = context.function
        if type(call.func) is ast.Name:
            handlers = context.handlers
            if handlers and any(h.path in EAGER_HANDLERS for h in handlers):
                analysis.eager_calls.append((call, [h.path for h in handlers]))
            elif function is not None and analysis.owner_nodes.get(id(call)) is not None:
                function.called_names.add(call.func.id)  # (not in a lambda)
        obj = analysis.catalog_object(call.func)
        if obj is None:
            return
        analysis.catalog_calls.append(CatalogCall(call, obj, function, context.handlers))
        if obj["kind"] == "primitive" and function is not None:
            function.primitive_calls += 1
        if obj["kind"] == "primitive" and obj["name"] in SITE_PRIMITIVES:
            site = self.site(call, obj, context, target)
            analysis.sites.append(site)
            if function is not None:
                function.sites.append(site)

    def site(self, call: ast.Call, obj: dict, context: _Context, target: str | None) -> Site:
        arguments = bind_arguments(obj, call, self.analysis.catalog)
        name = arguments.get("name")
        distribution = None
        if obj["name"] == "sample" and "fn" in arguments:
            distribution = distribution_use(self.analysis, arguments["fn"], context.function)
        observed = obj["name"] == "sample" and not is_none(arguments.get("obs"))
        observed = observed and "obs" in arguments
        return Site(
            primitive=obj["name"],
            call=call,
            arguments=arguments,
            name=name.value if isinstance(name, ast.Constant) else None,
            distribution=distribution,
            observed=observed,
            plates=context.plates,
            loops=context.loops,
            branches=context.branches,
            handlers=context.handlers,
            target=target,
            function=context.function,
            conditions=context.conditions,
        )


def distribution_use(
    analysis: ModuleAnalysis, node: ast.expr, function: FunctionInfo | None
) -> DistributionUse | None:
    """The distribution an expression builds, looking through ``.expand``/``.to_event`` and
    one local variable (``d = dist.Normal(0, 1)``)."""
    expression = node
    methods: list[tuple[str, ast.Call]] = []
    seen = 0
    while seen < 10:
        seen += 1
        if isinstance(node, ast.Name) and function is not None and node.id in function.assignments:
            node = function.assignments[node.id]
            continue
        if not isinstance(node, ast.Call):
            return None
        if isinstance(node.func, ast.Attribute) and node.func.attr in DISTRIBUTION_METHODS:
            methods.append((node.func.attr, node))
            node = node.func.value
            continue
        obj = analysis.catalog_object(node.func)
        if obj is None or obj["kind"] != "distribution":
            return None
        arguments = bind_arguments(obj, node, analysis.catalog)
        return DistributionUse(obj, node, arguments, methods[::-1], expression)
    return None


def is_test_function(info: FunctionInfo) -> bool:
    """A function pytest collects (module level or a method, named ``test*``): pytest runs
    it eagerly, so it is never model code, whatever it calls."""
    return info.parent is None and info.name.startswith("test")


def _mark_models(analysis: ModuleAnalysis) -> None:
    by_name = {f.name: f for f in analysis.functions}
    models = analysis.model_ids
    for use in analysis.model_uses:
        if use.function is not None:
            models.add(id(use.function))
    for info in analysis.functions:
        if (info.primitive_calls or info.decorators) and not is_test_function(info):
            models.add(id(info))
    # A function that calls a model of the same file is one too (a helper-built model).
    changed = True
    while changed:
        changed = False
        for info in analysis.functions:
            if (
                id(info) not in models
                and not is_test_function(info)
                and any(
                    by_name.get(n) is not None and id(by_name[n]) in models
                    for n in info.called_names
                )
            ):
                models.add(id(info))
                changed = True


@dataclass
class _PartModelUses:
    """The model uses found from one part's calls of model consumers, with what finding them
    read of the rest of the file: kept with the part, and taken again by the next version of
    the file while those reads give the same nodes and definitions (``still_hold``)."""

    # The part's consumer calls that an earlier part's chain had already taken.
    taken_before: frozenset[int]
    uses: list[ModelUse] = field(default_factory=list)
    # The consumer calls its chains took (the part's own, and any an assignment led to).
    taken: set[int] = field(default_factory=set)
    # Module-level names looked up, at the line asked about (``value_at``), with the value
    # each held there (None for none).
    assignments: list[tuple[str, int, ast.expr | None]] = field(default_factory=list)
    # ``function_at`` asked of a name at a node, with its answer.
    definitions: list[tuple[str, ast.AST, FunctionInfo | None]] = field(default_factory=list)
    # The file's definition tokens of those names when the answers were last found to hold.
    tokens: dict[str, object | None] = field(default_factory=dict)

    def still_hold(self, analysis: ModuleAnalysis, taken_before: frozenset[int]) -> bool:
        if taken_before != self.taken_before or any(
            analysis.value_at(name, line) is not value for name, line, value in self.assignments
        ):
            return False
        # The nodes asked about are the part's own or those assignments' (the same nodes
        # then), so ``function_at`` can answer otherwise only where a definition of the
        # name was added or dropped: the nodes of kept chunks keep their order.
        tokens = {name: analysis.definitions.get(name) for name in self.tokens}
        if tokens == self.tokens:  # tokens are plain objects: equal when the same
            return True
        if all(analysis.function_at(n, node) is found for n, node, found in self.definitions):
            self.tokens = tokens
            return True
        return False


def _model_uses(analysis: ModuleAnalysis) -> None:
    taken: set[int] = set()
    for part in analysis.parts or [analysis]:
        calls = consumer_calls(part)
        if not calls:
            continue
        taken_before = frozenset(id(c.call) for c in calls if id(c.call) in taken)
        kept = part.part_facts.get("model uses")
        if not (isinstance(kept, _PartModelUses) and kept.still_hold(analysis, taken_before)):
            kept = part.part_facts["model uses"] = _part_model_uses(
                analysis, part, calls, taken, taken_before
            )
        taken |= kept.taken
        analysis.model_uses += kept.uses
    for info in analysis.functions:
        for decorator in info.decorators:
            use = ModelUse(info.name, [decorator.path], decorator.call, info)
            analysis.model_uses.append(use)
    for call, handlers in analysis.eager_calls:
        name = call.func.id
        if name in analysis.functions_by_name:
            function = analysis.function_at(name, call.func)
            analysis.model_uses.append(ModelUse(name, handlers, call, function))


def _part_model_uses(
    analysis: ModuleAnalysis,
    part: ModuleAnalysis,
    calls: list[CatalogCall],
    taken_earlier: set[int],
    taken_before: frozenset[int],
) -> _PartModelUses:
    """The models handed to one part's consumer calls, following names to the functions
    and assignments of the whole file; ``taken_earlier``: the calls earlier parts' chains
    took (``taken_before``: those of them that are this part's)."""
    found = _PartModelUses(taken_before)
    taken = found.taken

    def function_at(name: str, node: ast.AST) -> FunctionInfo | None:
        definition = analysis.function_at(name, node)
        found.definitions.append((name, node, definition))
        found.tokens[name] = analysis.definitions.get(name)
        return definition

    def model_of(node: ast.AST, depth: int = 0) -> list[tuple[ast.Name, list[str], list]]:
        """The models ``node`` hands on, each with its chain of consumers and their calls
        (innermost first): ``model_a if full else model_b`` hands on either."""
        if depth > 8:
            return []
        if isinstance(node, ast.Name):
            if function_at(node.id, node) is not None:
                return [(node, [], [])]
            line = 0 if analysis.owner(node) else node.lineno
            assigned = analysis.value_at(node.id, line)
            found.assignments.append((node.id, line, assigned))
            return model_of(assigned, depth + 1) if assigned is not None else []
        if isinstance(node, ast.IfExp):
            return model_of(node.body, depth + 1) + model_of(node.orelse, depth + 1)
        if isinstance(node, ast.Call):
            obj = analysis.catalog_object(node.func)
            if obj is None or obj["kind"] not in MODEL_CONSUMER_KINDS:
                return []
            taken.add(id(node))
            first = first_model_argument(node)
            if first is None:
                return []
            return [
                (model, [*chain, obj["path"]], [*calls, node])
                for model, chain, calls in model_of(first, depth + 1)
            ]
        return []

    handed_to_unknown = _handed_to_unknown(part)
    for catalog_call in calls:
        call = catalog_call.call
        if id(call) in taken or id(call) in taken_earlier:
            continue
        for model, chain, chain_calls in model_of(call):
            function = function_at(model.id, model)
            wrapped = id(call) in handed_to_unknown
            use = ModelUse(model.id, chain, call, function, wrapped, chain_calls)
            use.initialized_only = chain == [SVI_PATH] and _only_initialized(call, catalog_call)
            found.uses.append(use)
    # ``model_of`` calls itself through its closure, a cycle that holds the analysis: left
    # alone, each version's analysis would wait for a full collection to be freed.
    model_of = None
    return found


def consumer_calls(part: ModuleAnalysis) -> list[CatalogCall]:
    """A part's calls of model consumers (``MCMC``, ``NUTS``, ``Predictive``, handlers ...)
    in order, kept with the part."""
    kept = part.part_facts.get("consumer calls")
    if kept is None:
        kept = part.part_facts["consumer calls"] = [
            c for c in part.catalog_calls if c.obj["kind"] in MODEL_CONSUMER_KINDS
        ]
    return kept


def _handed_to_unknown(part: ModuleAnalysis) -> set[int]:
    """The ids of a part's calls of model consumers that are handed to a callable the catalog
    does not know (a call and its arguments are in one statement, so in one part); kept with
    the part."""
    kept = part.part_facts.get("handed to unknown")
    if kept is None:
        # Only the callee of a call handed a model's consumer is resolved.
        consumers = {id(c.call) for c in consumer_calls(part)}
        kept = part.part_facts["handed to unknown"] = set()
        value_of = attrgetter("value")
        for outer in part.nodes(ast.Call) if consumers else ():
            keywords = outer.keywords
            if consumers.isdisjoint(map(id, outer.args)) and (
                not keywords or consumers.isdisjoint(map(id, map(value_of, keywords)))
            ):
                continue  # (most calls: no set made for them)
            handed = consumers.intersection(map(id, outer.args))
            handed.update(consumers.intersection(map(id, map(value_of, keywords))))
            if part.catalog_object(outer.func) is None:
                kept |= handed
    return kept


def _only_initialized(call: ast.Call, catalog_call: CatalogCall) -> bool:
    """``svi = SVI(model, ...)`` in a function whose every read of ``svi`` (nested functions
    and lambdas included) calls one of ``EAGER_SVI_METHODS``. A call and its function are in
    one part, so this is kept with the part's model uses."""
    function = catalog_call.function
    if function is None:
        return False  # module level: other statements may run it
    names = [n for n, values in function.assignment_history.items() if call in values]
    if len(names) != 1:
        return False
    name, calls = names[0], set()
    reads = []
    for node in ast.walk(function.node):
        kind = type(node)
        if kind is ast.Name and node.id == name and type(node.ctx) is ast.Load:
            reads.append(id(node))
        elif kind is ast.Call and type(node.func) is ast.Attribute:
            value = node.func.value
            if type(value) is ast.Name and value.id == name and node.func.attr in EAGER_SVI_METHODS:
                calls.add(id(value))
        elif kind in (ast.Global, ast.Nonlocal) and name in node.names:
            return False
    return calls.issuperset(reads)


def first_model_argument(call: ast.Call) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg in ("model", "fn", "sampler", "inner_kernel"):
            return keyword.value
    if call.args and not isinstance(call.args[0], ast.Starred):
        return call.args[0]
    return None


def walk_statements(
    statements: list[ast.stmt], index: NodeIndex, bindings: dict[str, str], catalog: Catalog
) -> ModuleAnalysis:
    """What some top-level statements show without the rest of the file, given its imports:
    their functions with sites, plates and handlers, catalog calls, module-level
    assignments. A part of a module analysis, kept per chunk of a document (layout.py)."""
    # The index's own dicts, not copies: nothing writes to them after the index is made.
    part = ModuleAnalysis(
        ast.Module(body=statements, type_ignores=[]),
        bindings,
        catalog,
        indexes=[index],
        owner_nodes=index.owners,
        calls_by_statement=index.calls_by_statement,
        forking_statements=index.forking_statements,
    )
    for definition, parent, nodes in index.functions:
        outer = part.infos[id(parent)] if parent is not None else None
        info = FunctionInfo(definition, outer, part, nodes=nodes)
        part.infos[id(definition)] = info
        part.functions.append(info)
    _Walker(part).run()
    # Calls are collected in walk order, which is not source order: sort for stable output.
    part.catalog_calls.sort(key=lambda c: (c.call.lineno, c.call.col_offset))
    return part


class ModuleBindings(dict):
    """The paths module-level names stand for, the file's last binding of each; and for a
    name bound again further down (``shifted``: a notebook's later cell with ``import
    pyro.distributions as dist``, or an import after ``dist = binom(n, p)``), the lines of
    its bindings and what each bound (a path, or None), from which
    ``ModuleAnalysis.binding`` reads the one in force where it is read."""

    def __init__(self, paths: dict[str, str], shifted: dict[str, tuple[list, list]]) -> None:
        super().__init__(paths)
        self.shifted = shifted

    def __eq__(self, other: object) -> bool:
        return super().__eq__(other) and self.shifted == getattr(other, "shifted", {})

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = None  # type: ignore[assignment]


def module_bindings(indexes: list[NodeIndex]) -> ModuleBindings:
    """The paths that module-level imports, and plain aliases of what they bind, give names
    nothing binds again after them; a function's own imports bind in it alone
    (``ModuleAnalysis.local_bindings``)."""
    bindings: dict[str, str | None] = {}
    # Whether a name may be imported from two places (seldom): only then are the imports
    # read one by one for ``ModuleBindings.shifted``.
    again = False
    for index in indexes:  # in source order: a later statement wins
        found = index.module_bindings
        again = again or index.imports_bind_again
        if not again:
            again = any(
                bindings[name] != found[name] and type(found[name]) is str
                for name in found.keys() & bindings.keys()
            )
        if not index.module_aliases:
            bindings.update(found)
            continue
        for name, bound in found.items():
            if type(bound) is tuple:  # an alias of a name an earlier chunk binds
                head = bindings.get(bound[0])
                bound = None if head is None else ".".join([head, *bound[1:]])
            bindings[name] = bound
    paths = {name: path for name, path in bindings.items() if path is not None}
    return ModuleBindings(paths, _shifted_bindings(indexes, paths) if again else {})


def _shifted_bindings(indexes: list[NodeIndex], paths: dict[str, str]) -> dict:
    """``ModuleBindings.shifted``: the names the module's statements bind to two things or
    more (two imports' paths, an assignment and an import), where the last is the name's
    import in the end."""
    binds = [found for index in indexes for found in index.module_binds]
    first: dict[str, str | None] = {}
    twice = set()
    for _, name, path in binds:
        if name in paths and first.setdefault(name, path) != path:
            twice.add(name)
    shifted: dict[str, tuple[list, list]] = {}
    for (line, _), name, path in binds:
        if name in twice:
            lines, bound = shifted.setdefault(name, ([], []))
            lines.append(line)
            bound.append(path)
    return {name: found for name, found in shifted.items() if found[1][-1] == paths[name]}


def _bound(bindings: dict[str, ModuleBinding], chain: list[str] | None) -> ModuleBinding:
    """What a module-level assignment, function or class binds its names to, given what the
    statements before it bound: a plain alias (its name ``chain``) extends its head's path,
    or keeps its chain where the head is an earlier chunk's to resolve; anything else, None."""
    if chain is None:
        return None
    if chain[0] not in bindings:
        return tuple(chain)
    head = bindings[chain[0]]
    if type(head) is str:
        return ".".join([head, *chain[1:]])
    return None if head is None else (*head, *chain[1:])


def _names_rebound_by(statement: ast.stmt) -> list[str]:
    """The names a module-level assignment, function or class binds."""
    if type(statement) is ast.Assign:
        targets = statement.targets
        if len(targets) == 1 and type(targets[0]) is ast.Name:  # the commonest
            return [targets[0].id]
        return [name for target in targets for name in assigned_names(target)]
    if type(statement) is ast.AnnAssign:
        return list(assigned_names(statement.target)) if statement.value is not None else []
    return [statement.name]


@dataclass(frozen=True, eq=False)
class NodeMaps:
    """The maps by node id that a module analysis joins from its parts (the parts' own are
    never written once walked): kept by a document for its next version, which joins only
    the parts an edit added or dropped."""

    parts: tuple[ModuleAnalysis, ...]
    owner_nodes: dict[int, ast.AST]
    calls_by_statement: dict[int, list[ast.Call]]
    infos: dict[int, FunctionInfo]
    definitions: dict[str, object]
    local_bindings: dict[str, dict[int, str | None]]


# Which of NodeMaps's fields each part has under the same name.
_NODE_MAPS = ("owner_nodes", "calls_by_statement", "infos")


def node_maps(parts: list[ModuleAnalysis], previous: NodeMaps | None = None) -> NodeMaps:
    """The parts' maps joined; from ``previous`` (another version's, copied, not changed)
    when most of its parts are still there. Keys are node ids, unique among the nodes alive
    together: a dropped part's keys are taken out before an added part's go in, since a
    node made since may have the id of one dropped."""
    if previous is not None:
        now = {id(part) for part in parts}
        before = {id(part) for part in previous.parts}
        dropped = [part for part in previous.parts if id(part) not in now]
        added = [part for part in parts if id(part) not in before]
        if len(dropped) + len(added) <= len(parts) // 4:
            maps = [dict(getattr(previous, name)) for name in _NODE_MAPS]
            for merged, name in zip(maps, _NODE_MAPS, strict=True):
                for part in dropped:
                    for key in getattr(part, name):
                        merged.pop(key, None)
                for part in added:
                    merged.update(getattr(part, name))
            definitions = dict(previous.definitions)
            for part in (*dropped, *added):
                for info in part.functions:
                    definitions[info.name] = object()
            local = _rejoined_local_bindings(previous.local_bindings, dropped, added)
            return NodeMaps(tuple(parts), *maps, definitions, local)
    maps = [{} for _ in _NODE_MAPS]
    for part in parts:
        for merged, name in zip(maps, _NODE_MAPS, strict=True):
            merged.update(getattr(part, name))
    definitions = {info.name: object() for part in parts for info in part.functions}
    local = _joined_local_bindings([index for part in parts for index in part.indexes])
    return NodeMaps(tuple(parts), *maps, definitions, local)


def _joined_local_bindings(indexes: list[NodeIndex]) -> dict[str, dict[int, str | None]]:
    joined: dict[str, dict[int, str | None]] = {}
    for index in indexes:
        for name, owners in index.local_bindings.items():
            joined.setdefault(name, {}).update(owners)
    return joined


def _rejoined_local_bindings(
    previous: dict[str, dict[int, str | None]],
    dropped: list[ModuleAnalysis],
    added: list[ModuleAnalysis],
) -> dict[str, dict[int, str | None]]:
    """``previous`` less the dropped parts' local bindings, with the added parts'; the
    owner maps of the names they bind are copied, the others shared (none is ever written
    once joined)."""
    joined = dict(previous)
    copied: set[str] = set()
    for parts, keep in ((dropped, False), (added, True)):
        for index in (index for part in parts for index in part.indexes):
            for name, owners in index.local_bindings.items():
                if name not in copied:
                    copied.add(name)
                    joined[name] = dict(joined.get(name, {}))
                if keep:
                    joined[name].update(owners)
                else:
                    for key in owners:
                        joined[name].pop(key, None)
    for name in copied:
        if not joined[name]:
            del joined[name]
    return joined


def analyze_module(
    tree: ast.Module,
    catalog: Catalog,
    bindings: dict[str, str] | None = None,
    parts: list[ModuleAnalysis] | None = None,
    maps: NodeMaps | None = None,
    masked_lines: frozenset[int] = frozenset(),
) -> ModuleAnalysis:
    """``parts``: ``walk_statements`` of the module's statements in order, when the caller
    keeps them (a document's chunks); otherwise the whole tree is one part. ``maps``: the
    parts' ``node_maps``, when the caller keeps them for the next version. ``masked_lines``:
    the lines masked so that the tree could be read."""
    if parts is None:
        index = index_statements(tree.body)
        if bindings is None:
            bindings = module_bindings([index])
        parts = [walk_statements(tree.body, index, bindings, catalog)]
    maps = maps or node_maps(parts)
    analysis = ModuleAnalysis(
        tree,
        parts[0].bindings if parts else {},
        catalog,
        parts=parts,
        owner_nodes=maps.owner_nodes,
        calls_by_statement=maps.calls_by_statement,
        infos=maps.infos,
        definitions=maps.definitions,
        masked_lines=masked_lines,
    )
    analysis.local_bindings = maps.local_bindings
    for part in parts:
        analysis.indexes += part.indexes
        analysis.forking_statements |= part.forking_statements
        analysis.functions += part.functions
        analysis.sites += part.sites
        analysis.catalog_calls += part.catalog_calls
        analysis.eager_calls += part.eager_calls
        analysis.assignments.update(part.assignments)
        analysis._resolved.update(part._resolved)
    for info in analysis.functions:
        analysis.functions_by_name.setdefault(info.name, []).append(info)
    for name, value in analysis.assignments.items():
        obj = analysis.catalog_object(value.func) if isinstance(value, ast.Call) else None
        if obj is not None:
            analysis.instances[name] = obj["path"]
    _model_uses(analysis)
    _mark_models(analysis)
    analysis.finish()
    return analysis
