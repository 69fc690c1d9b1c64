"""Where NumPyro expects a site's name as a string, and which model's sites it can name.

Site names are written as strings in ``handlers.reparam(config={"theta": ...})``,
``condition(model, data={"mu": ...})``, ``substitute``/``do`` data, ``block(hide=[...],
expose=[...])``, ``Predictive(model, return_sites=[...])``, ``init_to_value(values=...)``,
``HMCGibbs(..., gibbs_sites=[...])``, and as keys of what ``mcmc.get_samples()``, a
``Predictive`` and ``trace(...).get_trace()`` return (directly or through a variable).

The model is followed from the code: a handler's or Predictive's model argument, ``mcmc``
built as ``MCMC(NUTS(eight_schools))``, ``infer_discrete(model)``, the model a ``with`` block or
a decorator belongs to, the kernel an init strategy is given to. Where it cannot be followed,
the file's models (and those it imports) stand in, and the reference is not ``explicit``.
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property

from numpyro_lsp.analysis.models import (
    MODEL_CONSUMER_KINDS,
    CatalogCall,
    FunctionInfo,
    ModelDefinition,
    ModuleAnalysis,
    Site,
    bind_arguments,
    consumer_calls,
    dotted_parts,
    first_model_argument,
)

# How an argument holds site names: as the keys of a dict, or as the items of a list.
KEYS = "keys"
ITEMS = "items"
SITE_NAME_ARGUMENTS: dict[str, dict[str, str]] = {
    "numpyro.handlers.reparam": {"config": KEYS},
    "numpyro.handlers.condition": {"data": KEYS},
    "numpyro.handlers.substitute": {"data": KEYS},
    "numpyro.handlers.do": {"data": KEYS},
    "numpyro.handlers.block": {"hide": ITEMS, "expose": ITEMS},
    "numpyro.infer.Predictive": {"return_sites": ITEMS, "posterior_samples": KEYS},
    "numpyro.infer.HMCGibbs": {"gibbs_sites": ITEMS},
    "numpyro.infer.init_to_value": {"values": KEYS},
}
PREDICTIVE = "numpyro.infer.Predictive"
# Methods whose result is a dict keyed by site names.
SITE_DICT_METHODS = {"get_samples", "get_trace"}
# Callables that take a model and return one, beyond the catalog's handlers and kernels.
MODEL_WRAPPERS = {
    "numpyro.contrib.funsor.infer_discrete",
    "numpyro.contrib.funsor.config_enumerate",
    "functools.partial",
}
# Primitives that name something a handler can see, besides the sites.
NAMED_PRIMITIVES = {"factor", "plate", "subsample", "module"}
# Libraries whose functions never add sites to a model.
SITE_FREE_LIBRARIES = {"jax", "numpy", "math", "functools"}
# How many assignments and wrappers are followed from a name to its model.
MAX_DEPTH = 8


@dataclass(frozen=True, eq=False)
class SiteReference:
    """A string literal that names a site of one of ``models``."""

    node: ast.Constant
    models: tuple[ModelDefinition, ...]
    # Whether the models were followed from the code (not the file's models standing in).
    explicit: bool
    # A key stored into a dict of draws (``post["diff"] = ...``): it may name a site, or add
    # a key of the user's own.
    stores: bool = False
    # The variable the dict of draws is read from or stored into (``post``), if one.
    holder: str | None = None

    @property
    def name(self) -> str:
        return self.node.value


@dataclass(frozen=True, eq=False)
class SiteDefinition:
    """A site, and the function (and file) whose body holds its statement."""

    site: Site
    owner: ModelDefinition


@dataclass
class ModelSites:
    """What a model names: its sites (its own and its helpers'), with every named primitive."""

    # The model and the functions whose sites are its own, in the order they were found.
    functions: list[ModelDefinition] = field(default_factory=list)
    # Names of sites, factors and plates: what handlers may name.
    names: set[str] = field(default_factory=set)
    # False when a name is computed or the model runs code that is not read here.
    complete: bool = True

    @cached_property
    def sites(self) -> list[SiteDefinition]:
        """Each site with the function that holds it: made when asked (NPR020, on every
        check, reads only the names)."""
        return [
            SiteDefinition(site, owner) for owner in self.functions for site in owner.function.sites
        ]


def is_site_string(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


class SiteIndex:
    """The site references of one file, and the sites of the models they name."""

    def __init__(self, analysis: ModuleAnalysis) -> None:
        self.analysis = analysis
        self._model_sites: dict[int, ModelSites] = {}
        # The values of names given a value again below a use, by (id of the scope, name).
        self._values_assigned: dict[tuple[int, str], list[ast.expr]] = {}
        self.references: list[SiteReference] = sorted(
            self._find_references(), key=lambda r: (r.node.lineno, r.node.col_offset)
        )

    # --- the sites of a model --------------------------------------------------------------

    def sites_of(self, model: ModelDefinition) -> ModelSites:
        """The sites a model makes: in its body, in functions nested in it, and in functions it
        calls or hands on (``scan(transition, ...)``), of this file or imported ones."""
        cached = self._model_sites.get(id(model.function))
        if cached is not None:
            return cached
        result = ModelSites()
        seen: set[int] = set()
        pending = [model]
        while pending:
            current = pending.pop(0)
            if id(current.function) in seen:
                continue
            seen.add(id(current.function))
            self._add_own_names(current, result)
            helpers, complete = _helpers(current)
            pending += helpers
            result.complete = result.complete and complete
        self._model_sites[id(model.function)] = result
        return result

    @staticmethod
    def _add_own_names(model: ModelDefinition, result: ModelSites) -> None:
        result.functions.append(model)
        names, complete = _own_names(model)
        result.names |= names
        cut = model.analysis.masks_part_of(model.function.node)
        result.complete = result.complete and complete and not cut

    def definitions(self, reference: SiteReference) -> list[SiteDefinition]:
        """The sites a reference names (one per model it may mean)."""
        found: dict[int, SiteDefinition] = {}
        for model in reference.models:
            for definition in self.sites_of(model).sites:
                if definition.site.name == reference.name:
                    found.setdefault(id(definition.site), definition)
        return list(found.values())

    def file_models(self) -> tuple[ModelDefinition, ...]:
        """The models of this file and those it imports: what a reference may mean when its
        model cannot be followed."""
        local = [ModelDefinition(self.analysis, f) for f in self.analysis.models]
        return (*local, *self.analysis.imported_models.values())

    # --- references ------------------------------------------------------------------------

    def _find_references(self) -> Iterator[SiteReference]:
        analysis = self.analysis
        candidates = [_candidates(part) for part in analysis.parts or [analysis]]
        init_consumers = {k: v for found in candidates for k, v in found.init_consumers.items()}
        for catalog_call in (call for found in candidates for call in found.calls):
            shapes = SITE_NAME_ARGUMENTS[catalog_call.obj["path"]]
            arguments = bind_arguments(catalog_call.obj, catalog_call.call, analysis.catalog)
            owner = catalog_call.function
            strings = [
                string
                for parameter, shape in shapes.items()
                if parameter in arguments
                for string in self._strings(arguments[parameter], shape, owner)
            ]
            if strings:
                models = self._models_for_call(catalog_call, init_consumers)
                explicit = bool(models)
                models = models or self.file_models()
                for string in strings:
                    yield SiteReference(string, models, explicit)
        for subscript in (node for found in candidates for node in found.subscripts):
            models = self._site_dict_models(subscript.value, analysis.owner(subscript))
            if models is None:
                continue
            yield SiteReference(
                subscript.slice,
                models or self.file_models(),
                bool(models),
                stores=isinstance(subscript.ctx, ast.Store),
                holder=subscript.value.id if isinstance(subscript.value, ast.Name) else None,
            )

    def _strings(self, value: ast.expr, shape: str, owner: FunctionInfo | None) -> list[ast.expr]:
        if isinstance(value, ast.Name):
            value = self._assigned(value, owner) or value
        if shape == KEYS and isinstance(value, ast.Dict):
            elements = [k for k in value.keys if k is not None]
        elif isinstance(value, ast.Set) or (
            shape == ITEMS and isinstance(value, (ast.List, ast.Tuple))
        ):
            # A set is a dict whose keys are still being typed: ``config={"th"}``.
            elements = value.elts
        else:
            elements = []
        return [e for e in elements if is_site_string(e)]

    def _models_for_call(
        self, catalog_call: CatalogCall, init_consumers: dict[int, ast.Call]
    ) -> tuple[ModelDefinition, ...]:
        call, owner = catalog_call.call, catalog_call.function
        if id(call) in init_consumers:
            return self._models_of(init_consumers[id(call)], owner)
        if catalog_call.obj["kind"] != "init_strategy":
            model_argument = first_model_argument(call)
            if model_argument is not None:
                return self._models_of(model_argument, owner)
        decorated = self.analysis.decorated_by(call)
        if decorated is not None:
            return (ModelDefinition(self.analysis, decorated),)
        if owner is not None and self.analysis.is_model(owner):
            return (ModelDefinition(self.analysis, owner),)
        return ()

    def _models_of(
        self, node: ast.AST, owner: FunctionInfo | None, depth: int = 0
    ) -> tuple[ModelDefinition, ...]:
        """The model an expression stands for: a function, an imported model, or what a
        kernel, guide, handler or Predictive wraps (through variables)."""
        analysis = self.analysis
        if depth > MAX_DEPTH:
            return ()
        if isinstance(node, (ast.Name, ast.Attribute)):
            parts = dotted_parts(node)
            imported = analysis.imported_models.get(".".join(parts)) if parts else None
            if imported is not None:
                return (imported,)
        if isinstance(node, ast.Name):
            function = analysis.function_at(node.id, node)
            if function is not None:
                return (ModelDefinition(analysis, function),)
            value = self._assigned(node, owner)
            return self._models_of(value, owner, depth + 1) if value is not None else ()
        if isinstance(node, ast.Call):
            obj = analysis.catalog_object(node.func)
            wraps = obj is not None and obj["kind"] in MODEL_CONSUMER_KINDS
            if wraps or analysis.resolve(node.func) in MODEL_WRAPPERS:
                model_argument = first_model_argument(node)
                if model_argument is not None:
                    return self._models_of(model_argument, owner, depth + 1)
        return ()

    def _site_dict_models(
        self, node: ast.AST, owner: FunctionInfo | None, depth: int = 0
    ) -> tuple[ModelDefinition, ...] | None:
        """For a dict keyed by site names (the result of ``.get_samples()``, ``.get_trace()``
        or a call of a Predictive, or a variable holding one), the models it comes from (empty
        when they cannot be followed); None for any other expression."""
        if depth > MAX_DEPTH:
            return None
        if isinstance(node, ast.Name):
            value = self._assigned(node, owner)
            return None if value is None else self._site_dict_models(value, owner, depth + 1)
        if not isinstance(node, ast.Call):
            return None
        if isinstance(node.func, ast.Attribute) and node.func.attr in SITE_DICT_METHODS:
            return self._models_of(node.func.value, owner)
        predictive = self._predictive(node.func, owner)
        return None if predictive is None else self._models_of(predictive, owner)

    def _predictive(self, node: ast.AST, owner: FunctionInfo | None) -> ast.Call | None:
        """The ``Predictive(...)`` construction an expression is, or a variable holds."""
        for _ in range(MAX_DEPTH):
            if isinstance(node, ast.Name):
                node = self._assigned(node, owner)
                continue
            if isinstance(node, ast.Call):
                obj = self.analysis.catalog_object(node.func)
                return node if obj is not None and obj["path"] == PREDICTIVE else None
            return None
        return None

    def _assigned(self, use: ast.Name, owner: FunctionInfo | None) -> ast.expr | None:
        """The value ``use`` reads: the one assigned to its name in the function (or those
        around it), else at module level."""
        name, scope = use.id, owner
        while scope is not None and name not in scope.assignments:
            scope = scope.parent
        last = (scope.assignments if scope is not None else self.analysis.assignments).get(name)
        if last is None or (scope is owner and last.lineno < use.lineno):
            return last  # the last assignment, above the use in its own scope
        # A name given a value again below the use (``post = m1.get_samples()`` ... ``post =
        # m2.get_samples()``, as notebooks do): the use reads the last value above it.
        key = (id(scope), name)
        values = self._values_assigned.get(key)
        if values is None:
            values = self._values_assigned[key] = self.analysis.values_assigned(name, scope)
        if len(values) == 1:
            return last
        if scope is not owner:
            return None  # a function reading an outer name: which value depends on the call
        above = [value for value in values if value.lineno < use.lineno]
        return above[-1] if above else None


@dataclass(frozen=True)
class _Candidates:
    """What in one part of the file may hold site names, kept with the part: the catalog
    calls that take site names, the subscripts by a string, and the ``init_to_value(...)``
    calls given to a kernel or guide (by id, with that call: one statement holds both)."""

    calls: list[CatalogCall]
    subscripts: list[ast.Subscript]
    init_consumers: dict[int, ast.Call]


def _own_names(model: ModelDefinition) -> tuple[frozenset[str], bool]:
    """The names a model's own statements give sites and named primitives, and whether each
    is a literal. Kept with the part that defines it: they are its statements' alone."""
    function = model.function
    kept = function.scope.part_facts.setdefault("own site names", {})
    found = kept.get(id(function))
    if found is None:
        names = {site.name for site in function.sites if site.name is not None}
        complete = all(site.name is not None for site in function.sites)
        for call in model.analysis.calls_in(function):
            if call.obj["name"] in NAMED_PRIMITIVES:
                bound = bind_arguments(call.obj, call.call, model.analysis.catalog)
                name = bound.get("name")
                if is_site_string(name):
                    names.add(name.value)
        found = kept[id(function)] = (frozenset(names), complete)
    return found


def _candidates(part: ModuleAnalysis) -> _Candidates:
    kept = part.part_facts.get("site name candidates")
    if not isinstance(kept, _Candidates):
        kept = part.part_facts["site name candidates"] = _Candidates(
            calls=[c for c in part.catalog_calls if c.obj["path"] in SITE_NAME_ARGUMENTS],
            subscripts=[
                node
                for node in part.nodes(ast.Subscript)
                if type(node.slice) is ast.Constant and type(node.slice.value) is str
            ],
            init_consumers={
                id(keyword.value): call
                for call in (consumer.call for consumer in consumer_calls(part))
                for keyword in call.keywords
                if isinstance(keyword.value, ast.Call)
            },
        )
    return kept


def _helpers(model: ModelDefinition) -> tuple[list[ModelDefinition], bool]:
    """The functions whose sites belong to a model: nested in it, or named in its body
    (called, or handed to ``scan``); and whether every call it makes is accounted for."""
    analysis, function = model.analysis, model.function
    helpers = [ModelDefinition(analysis, f, model.uri) for f in analysis.nested_in(function)]
    imported_models, defined = analysis.imported_models, analysis.functions_by_name
    for node, dotted in function.dotted_references:
        imported = imported_models.get(dotted)
        if imported is not None:
            helpers.append(imported)
        elif type(node) is ast.Name and dotted in defined:
            local = analysis.function_at(node.id, node)
            if local is not None and local is not function:
                helpers.append(ModelDefinition(analysis, local, model.uri))
    complete = all(_accounted_for(analysis, name) for name in function.called_names)
    for call, dotted in function.attribute_calls:
        if not complete:
            break
        if _known(analysis, dotted):
            continue
        path = analysis.resolve(call.func)
        complete = _adds_no_sites(path) if path is not None else _plain_method(analysis, call)
    return helpers, complete


# Methods of arrays, distributions, containers and strings: called on a value the file
# holds (``mu.sum()``, ``d.log_prob(y)``, ``names.append(n)``), they add no site. A method of
# another object may (PyRenew's ``rv.sample(record=True)``, a class-based model's
# ``self.prior()``).
_PLAIN_METHODS = frozenset(
    {
        *("all", "any", "argmax", "argmin", "argsort", "astype", "clip", "conj", "copy"),
        *("cumprod", "cumsum", "diagonal", "dot", "flatten", "item", "max", "mean", "min"),
        *("nonzero", "prod", "ravel", "repeat", "reshape", "round", "searchsorted", "sort"),
        *("squeeze", "std", "sum", "swapaxes", "take", "transpose", "var", "view", "tolist"),
        *("to_numpy", "unique", "set", "get", "add", "multiply", "divide", "power"),
        *("cdf", "icdf", "entropy", "enumerate_support", "expand", "expand_by", "log_prob"),
        *("mask", "to_event", "variance", "mode", "infer_shapes", "shape"),
        *("keys", "values", "items", "append", "extend", "pop", "update", "setdefault"),
        *("insert", "remove", "index", "count", "format", "join", "split", "strip"),
        *("replace", "lower", "upper", "startswith", "endswith"),
    }
)


# What a call's first argument cannot be when it is a PRNG key.
_NO_KEY = frozenset(
    {ast.Dict, ast.DictComp, ast.List, ast.ListComp, ast.Set, ast.SetComp, ast.Constant}
)


def _plain_method(analysis: ModuleAnalysis, call: ast.Call) -> bool:
    """Whether a call of a method of a value the file holds adds no site: a method of an
    array, a distribution or a container, or a distribution's draw with a key
    (``d.sample(key, (3,))``), which, unlike a ``sample`` with no key, is not a site; never
    one of the names of the file's own functions that make sites, nor a ``sample`` given a
    dict first (scribe's likelihood objects, whose ``sample(params, counts=...)`` observes
    the counts)."""
    method = call.func.attr  # type: ignore[attr-defined]  # an attribute call
    if any(info.sites for info in analysis.functions_by_name.get(method, ())):
        return False
    if method in ("sample", "rsample", "sample_with_intermediates"):
        if call.args:  # a key first, which no dict or list built there can be
            return type(call.args[0]) not in _NO_KEY
        return any(k.arg in ("key", "rng_key") for k in call.keywords)
    return method in _PLAIN_METHODS


def _known(analysis: ModuleAnalysis, name: str) -> bool:
    """A function of the file, or a model imported from the workspace."""
    return analysis.function(name) is not None or name in analysis.imported_models


def _accounted_for(analysis: ModuleAnalysis, name: str) -> bool:
    """Whether the sites a called name adds are known: a function read here, a builtin, or a
    library function."""
    if _known(analysis, name) or hasattr(builtins, name):
        return True
    path = analysis.bindings.get(name)
    # Not imported: a parameter or a local callable, which may add sites.
    return path is not None and _adds_no_sites(path)


SITE_READING_CONTRIB = ("numpyro.contrib.control_flow",)
# Packages whose functions add no site a model would not show. A prefix is a whole package
# name: ``numpyro_forecast`` and ``numpyro_ext`` are other packages, whose functions may.
_SITE_FREE = frozenset({"numpyro", *SITE_FREE_LIBRARIES})
_SITE_FREE_PREFIXES = tuple(f"{package}." for package in _SITE_FREE)


def _adds_no_sites(path: str) -> bool:
    """Whether a library function adds no site a model would not show (numpyro's own
    primitives are read as sites; ``numpyro.contrib`` builds models of its own, such as
    ``hsgp_squared_exponential``'s ``beta``, except for ``scan``, read as a primitive)."""
    if path.startswith("numpyro.contrib.") and not path.startswith(SITE_READING_CONTRIB):
        return False
    return path in _SITE_FREE or path.startswith(_SITE_FREE_PREFIXES)
