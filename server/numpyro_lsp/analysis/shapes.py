"""Array shapes the code shows without running it: ``jnp.zeros((n, 1))``, ``x[:, None]``,
``x.reshape(-1, 1)``, ``random.normal(key, (N, K))``, a latent drawn with ``.expand([K])``,
and arithmetic on those; a model's arguments take the shapes of what the file passes to it
(``mcmc.run(key, X, y)``, ``svi.run(key, steps, X)``).

A shape is a tuple of dimensions: an int where the file fixes it, else None. Anything the
code does not show plainly has no shape (None): the rules that read shapes say nothing then.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from functools import cached_property

from numpyro_lsp.analysis.models import FunctionInfo, ModuleAnalysis, Site

Dim = int | None
Shape = tuple[Dim, ...]

# How many names deep a value is followed (``x = ...; y = x; z = y[:, None]``).
MAX_DEPTH = 12
CONSTRUCTORS = {"zeros", "ones", "empty", "full"}
LIKE = {"zeros_like", "ones_like", "empty_like", "full_like"}
ELEMENTWISE = {"exp", "log", "log1p", "expm1", "sqrt", "square", "abs", "tanh", "sin", "cos"}
ELEMENTWISE |= {"sigmoid", "softplus", "expit", "logit", "negative", "exp2", "clip"}
# Where a draw's shape is given: ``jax.random.normal(key, shape)``, ``np.random.normal(..., size)``.
JAX_DRAW_SHAPE_POSITION = {"normal": 1, "uniform": 1, "exponential": 1, "cauchy": 1}
NUMPY_SIZED = {"normal", "uniform", "poisson", "binomial", "exponential", "gamma", "beta"}
# The arguments ``run`` takes before the model's own: MCMC.run(key, ...), SVI.run(key, steps, ...).
RUN_OFFSETS = {"numpyro.infer.MCMC": 1, "numpyro.infer.SVI": 2}


def literal_int(node: ast.AST) -> int | None:
    """``3``, ``-1``."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        value = literal_int(node.operand)
        return None if value is None else -value
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    return None


def broadcast(a: Shape | None, b: Shape | None) -> Shape | None:
    if a is None or b is None:
        return None
    dims: list[Dim] = []
    for i in range(1, max(len(a), len(b)) + 1):
        x = a[-i] if i <= len(a) else 1
        y = b[-i] if i <= len(b) else 1
        if x == 1 or x == y:
            dims.append(y)
        elif y == 1:
            dims.append(x)
        elif x is None or y is None:
            dims.append(None)
        else:
            return None  # incompatible: numpy raises, nothing to say about the shape
    return tuple(reversed(dims))


def matmul(a: Shape | None, b: Shape | None) -> Shape | None:
    if a is None or b is None or not a or not b:
        return None
    if len(b) == 1:
        return a[:-1]
    if len(a) == 1:
        return b[:-2] + b[-1:]
    batch = broadcast(a[:-2], b[:-2])
    return None if batch is None else batch + (a[-2], b[-1])


@dataclass(eq=False)
class FileValues:
    """What the shapes look up in the whole file, indexed once per analysis: a lookup per
    name or per model scanning every assignment or call grew with the square of the file."""

    analysis: ModuleAnalysis

    @cached_property
    def assignment_of(self) -> dict[int, ast.Assign]:
        """The assignment statement of each assigned value, by id(value)."""
        merged: dict[int, ast.Assign] = {}
        for part in self.parts:
            kept = part.part_facts.get("assignments")
            if kept is None:
                kept = {id(node.value): node for node in part.nodes(ast.Assign)}
                part.part_facts["assignments"] = kept
            merged.update(kept)
        return merged

    @cached_property
    def names_of(self) -> dict[int, list[str]]:
        """The module-level names that hold each value, by id(value)."""
        names: dict[int, list[str]] = {}
        for name, value in self.analysis.assignments.items():
            names.setdefault(id(value), []).append(name)
        return names

    @property
    def parts(self) -> list[ModuleAnalysis]:
        """The parts of the file in order (one for an analysis made by hand): what depends
        on a part's statements alone is kept with the part."""
        return self.analysis.parts or [self.analysis]

    @cached_property
    def argument_calls(self) -> tuple[dict[int, list], dict[str, list]]:
        """The calls that may pass a model its arguments, each with its place in source
        order: by id of the call whose result they call (``seed(model, 0)(x)``,
        ``trace(seed(model, 0)).get_trace(x)``), and ``.run(key, x)`` by the name it is
        called on. Found part by part, each part's kept with it."""
        by_call: dict[int, list[tuple[int, ast.Call]]] = {}
        by_runner: dict[str, list[tuple[int, ast.Call]]] = {}
        offset = 0  # the place of the part's first call among the file's
        for part in self.parts:
            calls, runners, count = _argument_calls(part)
            for key, found in calls.items():
                by_call.setdefault(key, []).extend((offset + p, c) for p, c in found)
            for key, found in runners.items():
                by_runner.setdefault(key, []).extend((offset + p, c) for p, c in found)
            offset += count
        return by_call, by_runner


def _argument_calls(part: ModuleAnalysis) -> tuple[dict[int, list], dict[str, list], int]:
    """``FileValues.argument_calls`` of one part, places counted from its first call, and
    how many calls it has."""
    kept = part.part_facts.get("argument calls")
    if kept is None:
        by_call: dict[int, list[tuple[int, ast.Call]]] = {}
        by_runner: dict[str, list[tuple[int, ast.Call]]] = {}
        calls = part.nodes(ast.Call)
        for place, call in enumerate(calls):
            func = call.func
            kind = type(func)
            if kind is ast.Call:
                by_call.setdefault(id(func), []).append((place, call))
            elif kind is ast.Attribute:
                if func.attr == "get_trace":
                    by_call.setdefault(id(func.value), []).append((place, call))
                elif func.attr == "run" and type(func.value) is ast.Name:
                    by_runner.setdefault(func.value.id, []).append((place, call))
        kept = part.part_facts["argument calls"] = (by_call, by_runner, len(calls))
    return kept


@dataclass(eq=False)
class FileReads:
    """What one function's shapes read of the file beyond the function's own statements:
    the module-level names looked up, with the value each held (None for none), and what
    the file passes to the function. Shapes found with them hold for another version of the
    file where the same lookups give the same nodes (nodes compare by identity, and a
    re-parsed statement has new ones)."""

    assignments: dict[str, ast.expr | None] = field(default_factory=dict)
    arguments: dict[str, list[ast.expr]] | None = None

    def still_hold(self, file: FileValues, function: FunctionInfo) -> bool:
        current = file.analysis.assignments
        if any(current.get(name) is not value for name, value in self.assignments.items()):
            return False
        if self.arguments is None:
            return True
        passed = model_arguments(file, function)
        return passed.keys() == self.arguments.keys() and all(
            len(passed[name]) == len(values)
            and all(a is b for a, b in zip(passed[name], values, strict=True))
            for name, values in self.arguments.items()
        )


@dataclass
class Shapes:
    """Shapes of expressions in one function's body (module-level code for None)."""

    analysis: ModuleAnalysis
    function: FunctionInfo | None
    # Shared by the Shapes of one file's functions (one per check of the file).
    file: FileValues | None = field(default=None, repr=False)
    # Where to note what is read of the rest of the file, for a caller that keeps what it
    # found while those reads still hold (rules/plate_shape_mismatch.py).
    reads: FileReads | None = field(default=None, repr=False)
    _arguments: dict[str, list[ast.expr]] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.file is None:
            self.file = FileValues(self.analysis)

    def of(self, node: ast.AST, depth: int = 0) -> Shape | None:
        if depth > MAX_DEPTH:
            return None
        depth += 1
        if isinstance(node, ast.Constant):
            return () if isinstance(node.value, (int, float)) else None
        if isinstance(node, ast.Name):
            return self.name(node.id, depth)
        if isinstance(node, ast.UnaryOp):
            return self.of(node.operand, depth)
        if isinstance(node, ast.BinOp):
            left, right = self.of(node.left, depth), self.of(node.right, depth)
            if isinstance(node.op, ast.MatMult):
                return matmul(left, right)
            return broadcast(left, right)
        if isinstance(node, ast.Subscript):
            return self.subscript(node, depth)
        if isinstance(node, ast.Attribute) and node.attr == "T":
            shape = self.of(node.value, depth)
            return None if shape is None else shape[::-1]
        if isinstance(node, ast.Call):
            return self.call(node, depth)
        return None

    def dim(self, node: ast.AST, depth: int = 0) -> Dim:
        """The value of an expression that sizes a dimension: ``3``, ``K`` (a constant),
        ``x.shape[0]``, ``len(x)``."""
        if depth > MAX_DEPTH:
            return None
        value = literal_int(node)
        if value is not None:
            return value
        if isinstance(node, ast.Name):
            assigned = self.assigned(node.id)
            if assigned is None:
                return None
            return assigned[0].dim(assigned[1], depth + 1)
        if (
            isinstance(node, ast.Subscript)
            and isinstance(node.value, ast.Attribute)
            and node.value.attr == "shape"
        ):
            shape, index = self.of(node.value.value, depth + 1), literal_int(node.slice)
            if shape is not None and index is not None and -len(shape) <= index < len(shape):
                return shape[index]
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "len":
            shape = self.of(node.args[0], depth + 1) if len(node.args) == 1 else None
            return shape[0] if shape else None
        return None

    def dims(self, node: ast.AST, depth: int) -> Shape | None:
        """A shape as written: ``(n, 1)``, ``[K]``, ``n`` (a known int), ``x.shape``, or a
        name assigned one of those. Anything else may be an int or a tuple: no shape."""
        if depth > MAX_DEPTH:
            return None
        if isinstance(node, (ast.Tuple, ast.List)):
            return tuple(self.dim(e, depth + 1) for e in node.elts)
        if isinstance(node, ast.Attribute) and node.attr == "shape":
            return self.of(node.value, depth + 1)
        if isinstance(node, ast.Name):
            assigned = self.assigned(node.id)
            if assigned is not None and isinstance(assigned[1], (ast.Tuple, ast.List)):
                return assigned[0].dims(assigned[1], depth + 1)
        size = self.dim(node, depth + 1)
        return None if size is None else (size,)

    def assigned(self, name: str) -> tuple[Shapes, ast.expr] | None:
        """Where a name's value comes from: the function's own assignment, else the
        module's (an argument is not an assignment); for ``N, K = 50, 3`` its element."""
        scope, value = self, None
        if self.function is not None:
            if name in self.function.assignments:
                value = self.function.assignments[name]
            elif name in self.function.params:
                return None
        if value is None:
            scope = Shapes(self.analysis, None, self.file, self.reads)
            value = self.analysis.assignments.get(name)
            if self.reads is not None:
                self.reads.assignments[name] = value
        value = own_value(self.file, name, value) if value is not None else None
        return (scope, value) if value is not None else None

    def name(self, name: str, depth: int) -> Shape | None:
        if self.function is not None:
            site = next((s for s in self.function.sites if s.target == name), None)
            if site is not None:
                return self.site(site, depth)
            if name in self.function.params and name not in self.function.assignments:
                return self.argument(name, depth)
        assigned = self.assigned(name)
        return assigned[0].of(assigned[1], depth) if assigned else None

    def argument(self, name: str, depth: int) -> Shape | None:
        """A model argument: the shape of what every call in the file passes, if they agree."""
        passed = self.arguments().get(name, [])
        module = Shapes(self.analysis, None, self.file, self.reads)
        shapes = {module.of(value, depth) for value in passed}
        return shapes.pop() if len(shapes) == 1 else None

    def arguments(self) -> dict[str, list[ast.expr]]:
        if self._arguments is None:
            self._arguments = model_arguments(self.file, self.function)
            if self.reads is not None and self.function is not None:
                self.reads.arguments = self._arguments
        return self._arguments

    def site(self, site: Site, depth: int) -> Shape | None:
        """A latent's value: its distribution's shape, when no plate adds dimensions."""
        use = site.distribution
        if site.plates or use is None or site.observed:
            return None
        for method, call in reversed(use.methods):
            if method == "expand" and call.args:
                event = self.event_shape(use, depth)
                expanded = self.dims(call.args[0], depth)
                return None if event is None or expanded is None else expanded + event
        batch: Shape | None = ()
        for name, value in use.arguments.items():
            shape = self.of(value, depth)
            event_dim = parameter_event_dim(use.obj, name)
            if shape is None or len(shape) < event_dim:
                return None
            batch = broadcast(batch, shape[: len(shape) - event_dim])
        event = self.event_shape(use, depth)
        return None if batch is None or event is None else batch + event

    def event_shape(self, use, depth: int) -> Shape | None:
        """A distribution's event shape: () for a univariate one, else the size of the last
        dimension of a vector or matrix parameter (MultivariateNormal, Dirichlet ...)."""
        support = (use.obj.get("support") or {}).get("event_dim", 0)
        if support == 0:
            return ()
        if support != 1:
            return None
        for name, value in use.arguments.items():
            shape = self.of(value, depth)
            if parameter_event_dim(use.obj, name) >= 1 and shape:
                return shape[-1:]
        return None

    def subscript(self, node: ast.Subscript, depth: int) -> Shape | None:
        """``x[:, None]``, ``x[..., None]``, ``x[0]``, ``x[:, 0]``."""
        shape = self.of(node.value, depth)
        if shape is None:
            return None
        items = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        new_axes = sum(isinstance(i, ast.Constant) and i.value is None for i in items)
        dims: list[Dim] = []
        rest = list(shape)
        for item in items:
            if isinstance(item, ast.Constant) and item.value is None:
                dims.append(1)
            elif isinstance(item, ast.Constant) and item.value is Ellipsis:
                # The ellipsis stands for every dimension the other items do not index.
                keep = len(rest) - (len(items) - new_axes - 1)
                dims += rest[:keep]
                rest = rest[keep:]
            elif not rest:
                return None
            elif isinstance(item, ast.Slice):
                whole = item.lower is None and item.upper is None and item.step is None
                size = rest.pop(0)
                dims.append(size if whole else None)
            elif literal_int(item) is not None:
                rest.pop(0)
            else:
                return None
        return (*dims, *rest)

    def call(self, node: ast.Call, depth: int) -> Shape | None:
        analysis = self.analysis
        func = node.func
        method = func.attr if isinstance(func, ast.Attribute) else None
        if method == "reshape" and node.args and not analysis.resolve(func):
            # A method: ``x.reshape(-1, 1)``, ``x.reshape((n, 1))``.
            target = node.args[0] if len(node.args) == 1 else ast.Tuple(node.args)
            return self.reshaped(self.of(func.value, depth), target, depth)
        if method == "squeeze" and not node.args:
            shape = self.of(func.value, depth)
            return None if shape is None else tuple(d for d in shape if d != 1)
        site = self.function and next((s for s in self.function.sites if s.call is node), None)
        if site:
            return self.site(site, depth)
        path = analysis.resolve(func)
        if path is None:
            return None
        module, _, name = path.rpartition(".")
        arrays = module in ("jax.numpy", "numpy")
        if arrays and name in CONSTRUCTORS and node.args:
            return self.dims(node.args[0], depth)
        if arrays and name in LIKE and node.args:
            return self.of(node.args[0], depth)
        if arrays and name == "eye" and node.args:
            size = self.dim(node.args[0], depth)
            return (size, size)
        if arrays and name == "linspace" and len(node.args) >= 2:
            count = node.args[2] if len(node.args) > 2 else keyword(node, "num")
            return (self.dim(count, depth) if count is not None else 50,)
        if arrays and name == "arange" and len(node.args) == 1:
            return (self.dim(node.args[0], depth),)
        if arrays and name == "reshape" and len(node.args) == 2:
            return self.reshaped(self.of(node.args[0], depth), node.args[1], depth)
        if arrays and name == "expand_dims" and len(node.args) == 2:
            shape, axis = self.of(node.args[0], depth), literal_int(node.args[1])
            if shape is not None and axis in (-1, len(shape)):
                return (*shape, 1)
            return None
        if (arrays or module in ("jax.nn", "jax.scipy.special")) and name in ELEMENTWISE:
            return self.of(node.args[0], depth) if node.args else None
        if module == "numpy.random" and name in NUMPY_SIZED:
            size = keyword(node, "size")
            return self.dims(size, depth) if size is not None else None
        if module == "numpy.random" and name in ("randn", "rand"):
            return tuple(self.dim(a, depth) for a in node.args)
        if module == "jax.random":
            shape = keyword(node, "shape")
            position = JAX_DRAW_SHAPE_POSITION.get(name)
            if shape is None and position is not None and len(node.args) > position:
                shape = node.args[position]
            return self.dims(shape, depth) if shape is not None else None
        return None

    def reshaped(self, shape: Shape | None, target: ast.AST, depth: int) -> Shape | None:
        dims = self.dims(target, depth)
        if dims is None:
            return None
        written = target.elts if isinstance(target, (ast.Tuple, ast.List)) else [target]
        return tuple(
            None if literal_int(w) == -1 else d for d, w in zip(dims, written, strict=True)
        )


def own_value(file: FileValues, name: str, value: ast.expr) -> ast.expr | None:
    """The part of an assigned value that a name takes: all of it for ``name = value``, an
    element for ``N, K = 50, 3``, nothing known for ``x, y = load()``."""
    node = file.assignment_of.get(id(value))
    if node is not None and node.value is value:
        for target in node.targets:
            if isinstance(target, ast.Name) and target.id == name:
                return value
            if isinstance(target, (ast.Tuple, ast.List)):
                names = [e.id if isinstance(e, ast.Name) else None for e in target.elts]
                if name in names:
                    if isinstance(value, ast.Tuple) and len(value.elts) == len(names):
                        return value.elts[names.index(name)]
                    return None
    return value


def parameter_event_dim(obj: dict, name: str) -> int:
    """How many trailing dimensions of a distribution parameter one draw takes (1 for a
    MultivariateNormal's ``loc``, 2 for its ``covariance_matrix``)."""
    for param in obj.get("params", ()):
        if param["name"] == name:
            return (param.get("constraint") or {}).get("event_dim", 0)
    return 0


def keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def model_arguments(file: FileValues, model: FunctionInfo | None) -> dict[str, list]:
    """What the file passes for each of a model's arguments: to ``mcmc.run``/``svi.run``
    (``mcmc``/``svi`` a module-level name for the inference of that model), and to a model
    wrapped in handlers (``seed(model, 0)(x)``, ``trace(seed(model, 0)).get_trace(x)``)."""
    passed: dict[str, list[ast.expr]] = {}
    if model is None:
        return passed
    analysis = file.analysis
    runners: dict[str, int] = {}
    wrapped: set[int] = set()
    kinds = analysis.catalog.objects
    for use in analysis.uses_of(model):
        if use.chain and use.chain[-1] in RUN_OFFSETS:
            for name in file.names_of.get(id(use.call), ()):
                runners[name] = RUN_OFFSETS[use.chain[-1]]
        elif use.chain and all(kinds.get(p, {}).get("kind") == "handler" for p in use.chain):
            wrapped.add(id(use.call))
    if not runners and not wrapped:
        return passed
    params = model.params
    by_call, by_runner = file.argument_calls
    calls = [(p, c, c.args) for w in wrapped for p, c in by_call.get(w, ())]
    for name, offset in runners.items():
        calls += [(p, c, c.args[offset:]) for p, c in by_runner.get(name, ())]
    for _, call, given in sorted(calls, key=lambda entry: entry[0]):
        if any(isinstance(a, ast.Starred) for a in given):
            continue
        for name, value in zip(params, given, strict=False):
            passed.setdefault(name, []).append(value)
        for k in call.keywords:
            if k.arg in params:
                passed.setdefault(k.arg, []).append(k.value)
    return passed
