"""The smoke-test worker: ``numpyro_lsp.smoke.worker``, run in the project's interpreter.

The only module of the package that imports jax and numpyro besides the catalog builder. It
is handed to that interpreter as standalone code with ``protocol``, its only other import from
numpyro_lsp (``environment.helper_command``). It runs in its own long-lived process so that
the server never pays for jax, a crash in user code cannot take the server down, and jax's
import and each model's compiled sampler are reused from one run to the next. It reads
``protocol`` messages on stdin and answers on stdout; everything else the process prints (the
user's ``print``, jax's logging) goes to stderr.
"""

from __future__ import annotations
import __future__

import ast
import faulthandler
import hashlib
import importlib.metadata
import importlib.util
import linecache
import os
import queue
import re
import signal
import site
import sys
import sysconfig
import threading
import time
import traceback
import types
import warnings
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO, Any

import jax
import numpy as np
from jax import random
from numpyro.diagnostics import summary
from numpyro.handlers import seed, trace
from numpyro.infer.util import initialize_model

from numpyro_lsp.shapes import trace as shape_trace
from numpyro_lsp.shapes.request import SHAPES, ShapesRequest
from numpyro_lsp.smoke import compile_cache, draws, protocol, variants
from numpyro_lsp.smoke.chunked_sampler import Chunk, ChunkedSampler
from numpyro_lsp.smoke.protocol import RunRequest

# The user's file runs as this module, never as ``__main__``.
MODULE_NAME = "__numpyro_smoke__"
# Compiled samplers kept for repeat runs (each holds the model's data as constants).
CACHED_SAMPLERS = 4
# Progress messages per run, at most: enough for a smooth bar, few enough to cost nothing.
PROGRESS_STEPS = 100
# Iterations per compiled call of the sampler, at most: a cancel is looked for between two
# calls, and must stop the run within the server's grace period even when iterations are
# cheap and progress steps long.
CANCEL_CHECK_EVERY = 10
# Per-site elements sent back in full; larger sites are summarized by their worst values.
MAX_ELEMENTS = 100


class RunCancelled(Exception):
    pass


@dataclass
class CompiledModel:
    sampler: ChunkedSampler
    load_s: float
    compile_s: float
    warnings: list[dict[str, Any]]
    # The workspace modules the model's file imported, by file, with a digest of their text:
    # the sampler is stale once one of them changes.
    dependencies: dict[str, str]
    # The imports of packages this interpreter does not have, left out (``left_out_imports``).
    left_out_imports: list[dict[str, Any]]
    # The jax settings the file's module-level code chose (``numpyro.enable_x64()``,
    # ``numpyro.set_platform(...)``), in force again whenever the sampler runs.
    x64: bool
    device: Any


@dataclass(frozen=True)
class JaxSettings:
    """The jax settings a model file may change at module level: ``numpyro.enable_x64()``,
    and ``numpyro.set_platform(...)``, which sets ``jax_platforms`` (``jax_platform_name``
    before numpyro 0.19)."""

    x64: bool
    platforms: str | None
    platform_name: str | None

    @classmethod
    def current(cls) -> JaxSettings:
        return cls(
            bool(jax_setting("jax_enable_x64")),
            jax_setting("jax_platforms") or None,
            jax_setting("jax_platform_name") or None,
        )

    def restore(self) -> None:
        jax.config.update("jax_enable_x64", self.x64)
        jax.config.update("jax_platforms", self.platforms)
        jax.config.update("jax_platform_name", self.platform_name or "")

    def platform_chosen_since(self, before: JaxSettings) -> str | None:
        """The platform a file chose, when it changed the worker's: the backends are up by
        then, so jax itself no longer follows the setting, and the worker places the run on
        that platform's device instead."""
        if self.platform_name != before.platform_name and self.platform_name:
            return self.platform_name
        if self.platforms != before.platforms and self.platforms:
            return self.platforms.split(",")[0].strip()
        return None


def jax_setting(name: str) -> Any:
    # Flags that have a context manager are attributes; the others are read.
    try:
        return getattr(jax.config, name)
    except AttributeError:
        return jax.config.read(name)


@dataclass
class RunClock:
    """When the compiled run started, and when its loop reached the last warmup iteration."""

    started: float = 0.0
    warmup_done: float | None = None


@dataclass
class WarningLog:
    """Warnings raised while the user's code runs, each at the innermost line of the user's
    file on the stack when it was raised (numpyro points its warnings at its caller, which
    is this worker)."""

    path: str
    records: list[dict[str, Any]] = field(default_factory=list)

    @contextmanager
    def capturing(self) -> Iterator[None]:
        with warnings.catch_warnings():
            warnings.simplefilter("always")
            warnings.showwarning = self._record
            yield

    def _record(self, message, category, filename, lineno, file=None, line=None) -> None:
        if compile_cache.is_cache_warning(str(message)):
            return  # jax's cache could not be read or written: it compiled, the run goes on
        record = {
            "category": category.__name__,
            "message": str(message),
            "line": innermost_line(sys._getframe(1), self.path),
        }
        if record not in self.records:
            self.records.append(record)


def innermost_line(frame: types.FrameType | None, path: str) -> int | None:
    while frame is not None:
        if frame.f_code.co_filename == path:
            return frame.f_lineno
        frame = frame.f_back
    return None


class Worker:
    def __init__(self, out: IO[str]) -> None:
        self._out = out
        self._send_lock = threading.Lock()
        self._compiled: OrderedDict[str, CompiledModel] = OrderedDict()
        self.current_id: int | None = None
        # The id of the last run the server cancelled: set by the request reader thread,
        # possibly before that run starts.
        self.cancelled_id: int | None = None
        # Where the current run is: "loading", "compiling" or "sampling".
        self.phase = "loading"
        # What the current run's load left out (``run_statements``), told with an error too:
        # the error may come from it.
        self.left_out: list[dict[str, Any]] = []
        self._clock = RunClock()
        self._warmup = 0
        self.device = jax.devices()[0]
        # Where compiled programs persist between workers, or why they do not.
        self.compile_cache = compile_cache.enable(os.environ.get(protocol.COMPILE_CACHE_VARIABLE))
        self.defaults = JaxSettings.current()
        # Every workspace module a model file has imported so far: dropped before the next
        # load, so that a helper edited since is imported afresh.
        self.workspace_modules: set[str] = set()

    def send(self, kind: str, **fields: Any) -> None:
        with self._send_lock:
            self._out.write(protocol.encode({"type": kind, **fields}))
            self._out.flush()

    def run(self, request: RunRequest) -> None:
        self.current_id = request.id
        self.phase = "loading"
        if self.cancelled_id == request.id:
            self.send(protocol.CANCELLED, id=request.id)
            return
        log = WarningLog(request.path)
        self.left_out = []
        try:
            key = hashlib.sha256(request.compiled_key().encode()).hexdigest()
            compiled = self._compiled.get(key)
            if compiled is not None and is_stale(compiled):
                del self._compiled[key]  # a workspace module it imports was edited
                compiled = None
            reused = compiled is not None
            if compiled is None:
                with log.capturing():
                    compiled = self._compile(request, log)
                self._remember(key, compiled)
            else:
                self._compiled.move_to_end(key)
                self.left_out = compiled.left_out_imports
            self.phase = "sampling"
            jax.config.update("jax_enable_x64", compiled.x64)
            result = self._sample(request, compiled)
        except BaseException as error:  # noqa: BLE001 - every failure of user code is reported
            if self.cancelled_id == request.id:
                self.send(protocol.CANCELLED, id=request.id)
            else:
                self.send(
                    protocol.ERROR,
                    id=request.id,
                    phase=self.phase,
                    warnings=log.records,
                    exception=describe_exception(error, request.path),
                    left_out_imports=self.left_out,
                )
            return
        finally:
            self.current_id = None
            # The next file starts from the worker's own settings, not this file's.
            self.defaults.restore()
        self.send(protocol.RESULT, id=request.id, reused=reused, **result)

    def _remember(self, key: str, compiled: CompiledModel) -> None:
        self._compiled[key] = compiled
        while len(self._compiled) > CACHED_SAMPLERS:
            self._compiled.popitem(last=False)

    def _enter(self, request: RunRequest, phase: str) -> None:
        self.phase = phase
        self.send(protocol.PHASE, id=request.id, phase=phase)

    def _compile(self, request: RunRequest, log: WarningLog) -> CompiledModel:
        self._enter(request, "loading")
        started = time.perf_counter()
        self.defaults.restore()
        forget_modules(self.workspace_modules)
        before = set(sys.modules)
        left_out = self.left_out
        model, args, kwargs = load_model(request, left_out)
        imported = workspace_modules(set(sys.modules) - before)
        self.workspace_modules |= set(imported)
        platform = JaxSettings.current().platform_chosen_since(self.defaults)
        device = jax.devices(platform)[0] if platform else self.device
        loaded = time.perf_counter()
        self._enter(request, "compiling")
        # numpyro's own first, un-jitted trace of the model, as a plain ``mcmc.run`` does it:
        # its errors (invalid parameters, no valid initial point) only show up there. Under
        # DiscreteHMCGibbs a plain trace: numpyro's would enumerate the discrete sites.
        if request.gibbs is None:
            key = random.PRNGKey(request.seed)
            initialize_model(key, model, model_args=args, model_kwargs=kwargs)
        else:
            trace(seed(model, rng_seed=request.seed)).get_trace(*args, **kwargs)

        def variant(centered, *args, **kwargs):
            # The advisor's variants: one sampler for every ``centered`` (smoke/variants.py).
            return variants.reparameterized(model, request.reparam, centered)(*args, **kwargs)

        # Compiled once, ahead of time (or read from the persistent cache), so a repeat run
        # only executes it.
        sampler = ChunkedSampler(
            variant,
            args,
            kwargs,
            dynamic=variants.centering(request.reparam, request.centered),
            warmup=request.warmup,
            samples=request.samples,
            chains=request.chains,
            size=min(CANCEL_CHECK_EVERY, progress_step(request)),
            device=device,
            gibbs=request.gibbs,
        )
        return CompiledModel(
            sampler,
            loaded - started,
            time.perf_counter() - loaded,
            list(log.records),
            file_digests(dict.fromkeys(imported.values(), "")),
            left_out,
            bool(jax_setting("jax_enable_x64")),
            device,
        )

    def _after_chunk(self, chunk: Chunk) -> None:
        if self.cancelled_id == self.current_id:
            raise RunCancelled()
        if chunk.stop == self._warmup:
            self._clock.warmup_done = time.perf_counter()
        self.send(protocol.PROGRESS, id=self.current_id, iteration=chunk.stop)

    def _sample(self, request: RunRequest, compiled: CompiledModel) -> dict[str, Any]:
        self._warmup = request.warmup
        self._clock = RunClock(started=time.perf_counter())
        centered = variants.centering(request.reparam, request.centered)
        run = compiled.sampler.run(request.seed, centered, self._after_chunk)
        samples = run.samples
        finished = time.perf_counter()
        warmup_done = self._clock.warmup_done or self._clock.started
        # The advisor's measure (smoke/variants.py).
        advised = (
            {"ess_bulk": variants.bulk_ess(samples, request.reparam)} if request.reparam else {}
        )
        return {
            "device": describe_device(compiled.device),
            "timings": {
                "load_s": compiled.load_s,
                "compile_s": compiled.compile_s,
                "warmup_s": warmup_done - self._clock.started,
                "sampling_s": finished - warmup_done,
            },
            "chains": request.chains,
            "draws": request.chains * request.samples,
            "divergences": np.asarray(run.diverging).sum(axis=1).tolist(),
            "accept_prob": float(np.mean(run.accept_prob)),
            "step_size": np.asarray(run.step_size, dtype=float).tolist(),
            "sites": site_summaries(run.samples),
            "compile_cache": self.compile_cache,
            # The pictures' draws (smoke/draws.py); the advisor's runs need none.
            "pictures": None
            if request.reparam
            else draws.pictures(run.samples, run.diverging, run.energy),
            "warnings": compiled.warnings,
            "left_out_imports": compiled.left_out_imports,
            **advised,
        }


def describe_device(device: jax.Device) -> str:
    """``gpu (NVIDIA H100 80GB HBM3)``; ``cpu`` alone, whose kind is its platform again."""
    if device.device_kind.lower() == device.platform.lower():
        return device.platform
    return f"{device.platform} ({device.device_kind})"


def progress_step(request: RunRequest) -> int:
    """Iterations between two progress messages."""
    return max(1, (request.warmup + request.samples) // PROGRESS_STEPS)


class MissingModule:
    """Stands for what a statement left out would have bound (``left_out_import``,
    ``run_statements``): using it raises ``ModuleNotFoundError``, at the line that uses it,
    marked as ours (``MISSING``)."""

    def __init__(self, package: str, installed: str | None = None) -> None:
        self._package = package
        # For a module or name missing from the version of its package installed here
        # (``absent_from_version``): that package and version, "numpyro 0.22.0".
        self._installed = installed

    @property
    def package(self) -> str:
        return self._package

    @property
    def installed(self) -> str | None:
        return self._installed

    def __repr__(self) -> str:
        # What a library's own message shows of it (``but was <MissingModule: ...>``).
        if self._installed:
            return f"<MissingModule: {self._package} is not in {self._installed}>"
        return f"<MissingModule: {self._package} is not installed>"

    def _fail(self, *args: Any, **kwargs: Any) -> Any:
        who = f"{self._installed} here" if self._installed else "this interpreter"
        error = ModuleNotFoundError(
            f"No module named '{self._package}' (the smoke test left its import out: {who} "
            "does not have it)",
            name=self._package,
        )
        setattr(error, MISSING, True)
        setattr(error, INSTALLED, self._installed)
        raise error

    # Whatever the code does with it (``len(frame)``, ``if frame:``, ``frame + 1``) fails so.
    __getattr__ = __call__ = __getitem__ = __setitem__ = __iter__ = __len__ = _fail
    __bool__ = __contains__ = __enter__ = __array__ = __float__ = __int__ = __index__ = _fail
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = _fail
    __rtruediv__ = __matmul__ = __rmatmul__ = __pow__ = __neg__ = _fail


# The attribute that marks the errors a ``MissingModule`` raises.
MISSING = "numpyro_lsp_missing_package"
# ... and the version of the package installed here, when only what it asked is missing.
INSTALLED = "numpyro_lsp_installed_version"


def package_of(module: str) -> str:
    return module.partition(".")[0]


def has_package(module: str) -> bool:
    """Whether this interpreter finds the package of ``module`` (``seaborn`` of
    ``seaborn.objects``), without importing it."""
    try:
        return importlib.util.find_spec(package_of(module)) is not None
    except (ImportError, ValueError):
        return True  # the import itself raises, and says why


def left_out_import(
    statement: ast.stmt, error: ModuleNotFoundError, namespace: dict[str, Any]
) -> list[dict[str, Any]]:
    """When a module-level import failed for a package this interpreter lacks (the one it
    imports, or one that module imports in turn: ``from helper import f`` with ``helper``
    importing matplotlib, ``numpyro.contrib.funsor`` without funsor), what it would have
    bound becomes a ``MissingModule`` in ``namespace``, and the entries for the report
    (line, package) are returned; ``from plots import *`` binds names no one can list, so its
    entry says ``star`` (``run_statements``). Decided as the import runs, not before: a
    notebook may put its own source folder on ``sys.path`` first; a module of a package
    imports its siblings relatively (``from ..glm import GLM``, glm importing patsy). Empty
    for any other failure."""
    if not absent_package(error) or not isinstance(statement, ast.Import | ast.ImportFrom):
        return []
    if isinstance(statement, ast.ImportFrom):
        package = package_of(error.name)
        for alias in statement.names:
            if alias.name != "*":
                namespace[alias.asname or alias.name] = MissingModule(package)
        star = any(alias.name == "*" for alias in statement.names)
        return [{"line": statement.lineno, "package": package, **({"star": True} if star else {})}]
    # ``import a, b``: each module on its own, as the statement would have bound it.
    entries = []
    for alias in statement.names:
        bound = alias.asname or package_of(alias.name)
        try:
            module = importlib.import_module(alias.name)
        except ImportError as failed:
            missing = absent_cause(failed)
            if missing is None:
                raise
            namespace[bound] = MissingModule(package_of(missing.name))
            entries.append({"line": statement.lineno, "package": package_of(missing.name)})
            continue
        namespace[bound] = module if alias.asname else sys.modules[package_of(alias.name)]
    return entries


def left_out_version_import(
    statement: ast.stmt, error: ImportError, namespace: dict[str, Any]
) -> list[dict[str, Any]]:
    """When a module-level import failed because the version of the package installed here
    lacks the module or name it imports (``from numpyro.contrib.indexing import Vindex``,
    ``from jax.lib import xla_bridge``: a file written for another version), what it would
    have bound becomes a ``MissingModule`` that says so, as for a missing package: a model
    that does not use it still runs. Empty for any other failure: one raised by the
    imported module's own code, a relative import, a package not installed at all."""
    absent = absent_from_version(statement, error)
    if absent is None:
        return []
    missing, installed = absent
    for name in bound_by_import(statement):  # type: ignore[arg-type]
        namespace[name] = MissingModule(missing, installed)
    return [{"line": statement.lineno, "package": missing, **version_entry(installed)}]


def absent_from_version(statement: ast.stmt, error: ImportError) -> tuple[str, str] | None:
    """What the import asked of an installed package that its version lacks, and that
    package with its version (``("jax.lib.xla_bridge", "jax 0.10.2")``); None otherwise."""
    if isinstance(statement, ast.ImportFrom):
        if statement.level or statement.module is None:
            return None
        asked = [statement.module]
    elif isinstance(statement, ast.Import):
        asked = [alias.name for alias in statement.names]
    else:
        return None
    module = error.name
    if module is None or not any(a == module or a.startswith(module + ".") for a in asked):
        return None  # raised by the code of a module it imports, not by the import itself
    if type(error) is ImportError:  # ``cannot import name 'xla_bridge' from 'jax.lib'``
        name = re.match(r"cannot import name '(\w+)'", str(error))
        circular = "partially initialized" in str(error)
        if name is None or circular or not isinstance(statement, ast.ImportFrom):
            return None
        missing = f"{module}.{name.group(1)}"
    elif isinstance(error, ModuleNotFoundError) and has_package(module):
        missing = module
    else:
        return None
    package = package_of(module)
    try:
        version = importlib.metadata.version(package)
    except (importlib.metadata.PackageNotFoundError, ValueError):
        return None  # not a distribution: the file's own package, whose modules it names
    return missing, f"{package} {version}"


def absent_cause(error: BaseException) -> ModuleNotFoundError | None:
    """The ``ModuleNotFoundError`` of a package this interpreter lacks behind ``error``: the
    error itself, or what an optional part of a library raised it from
    (``numpyro.contrib.funsor`` without funsor, ``nested_sampling`` without jaxns)."""
    seen: BaseException | None = error
    for _ in range(5):
        if seen is None:
            return None
        if isinstance(seen, ModuleNotFoundError) and absent_package(seen):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def absent_package(error: ModuleNotFoundError) -> bool:
    """Whether the module an import did not find is a package this interpreter lacks (not a
    module missing from a package it has: that is the import's own error)."""
    return error.name is not None and not has_package(error.name)


def future_flags(tree: ast.Module) -> int:
    """The compiler flags of the file's ``from __future__`` imports: each statement is
    compiled on its own, as the file would be, and not with this module's own."""
    flags = 0
    for statement in tree.body:
        if isinstance(statement, ast.ImportFrom) and statement.module == "__future__":
            for alias in statement.names:
                flags |= getattr(getattr(__future__, alias.name, None), "compiler_flag", 0)
    return flags


def stored_names(statement: ast.stmt) -> set[str]:
    """The module-level names a statement binds (not those of the scopes it opens)."""
    names: set[str] = set()
    pending: list[ast.AST] = [statement]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            names.update(bound_by_import(node))
            continue
        if isinstance(node, ast.Lambda | ast.comprehension):
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        pending.extend(ast.iter_child_nodes(node))
    return names


def bound_by_import(statement: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(statement, ast.Import):
        return [alias.asname or package_of(alias.name) for alias in statement.names]
    return [alias.asname or alias.name for alias in statement.names]


def run_statements(
    tree: ast.Module,
    path: str,
    namespace: dict[str, Any],
    left_out: list[dict[str, Any]],
    flags: int,
) -> None:
    """Execute the module's statements one by one, compiled with ``flags``. One that fails on
    what an import left out (a plot, a table of the data: ``missing_package``) is left out
    as well, and what it binds stands for the missing package in turn."""
    for statement in tree.body:
        module = ast.Module(body=[statement], type_ignores=[])
        code = compile(module, path, "exec", flags=flags, dont_inherit=True)
        try:
            exec(code, namespace)
        except Exception as error:
            if platform_setup(statement):
                # ``numpyro.set_platform("gpu")``: a platform this jax does not know or this
                # machine lacks; the run goes on the default device, and the report says so.
                message = f"{type(error).__name__}: {first_line_of(error)}"
                left_out.append({"line": statement.lineno, "setup": message})
                continue
            entries = left_out_statement(statement, error, namespace, left_out)
            if entries is None:
                raise
            left_out += entries


def platform_setup(statement: ast.stmt) -> bool:
    """``numpyro.set_platform(...)`` or ``jax.config.update("jax_platform_name", ...)``
    standing alone."""
    if not isinstance(statement, ast.Expr) or not isinstance(statement.value, ast.Call):
        return False
    call = statement.value
    name = ast.unparse(call.func)
    if name.endswith("set_platform"):
        return True
    first = call.args[0] if call.args else None
    return (
        name.endswith("config.update")
        and isinstance(first, ast.Constant)
        and first.value in ("jax_platform_name", "jax_platforms")
    )


def first_line_of(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else ""


def left_out_statement(
    statement: ast.stmt,
    error: Exception,
    namespace: dict[str, Any],
    left_out: list[dict[str, Any]],
) -> list[dict[str, Any]] | None:
    """The report's entries for a statement that failed for want of a package, left out with
    what it binds standing for that package; None when the failure is the code's own."""
    if not isinstance(error, ImportError | NameError):
        # Handed what an import left out, a library raised its own error (numpyro's
        # ``TransformedDistribution(base, transform)`` a ValueError).
        read = {n.id for n in ast.walk(statement) if isinstance(n, ast.Name)}
        stand_in = next(
            (namespace[n] for n in read if isinstance(namespace.get(n), MissingModule)), None
        )
        if stand_in is None:
            return None
        package, installed = stand_in.package, stand_in.installed
    else:
        missing = absent_cause(error)
        entries = left_out_import(statement, missing, namespace) if missing else []
        if entries:
            return entries
        if isinstance(error, ImportError):
            entries = left_out_version_import(statement, error, namespace)
            if entries:
                return entries
        if not isinstance(error, ModuleNotFoundError | NameError):
            return None  # ``cannot import name``: the import's own error
        package = missing_package(error, left_out)
        if package is None:
            return None
        installed = getattr(error, INSTALLED, None)
    for name in stored_names(statement):
        namespace[name] = MissingModule(package, installed)
    return [{"line": statement.lineno, "package": package, **version_entry(installed)}]


def version_entry(installed: str | None) -> dict[str, str]:
    """The report entry's part that says the package is installed, in a version without
    what was left out."""
    return {"installed": installed} if installed else {}


def missing_package(error: Exception, left_out: list[dict[str, Any]]) -> str | None:
    """The package whose absence ``error`` comes from: a ``MissingModule``'s; or, for a
    name that is not defined, the last package left out of a ``from ... import *`` (the
    name may be one of its own: ``ggplot`` after ``from plotnine import *``). None for
    the errors of the code itself."""
    if isinstance(error, ModuleNotFoundError):
        return error.name if getattr(error, MISSING, False) else None
    stars = [entry["package"] for entry in left_out if entry.get("star")]
    return stars[-1] if stars else None


@contextmanager
def working_folder(path: str) -> Iterator[None]:
    """A notebook's statements run in the notebook's folder, where Jupyter (and VS Code's
    notebooks) run them: its relative paths (``pd.read_csv("../data/cars.csv")``) are from
    there. A script's run where the server or the CLI runs (the workspace's root), as
    ``python path/to/file.py`` would from there."""
    folder = os.path.dirname(os.path.abspath(path))
    # A notebook not saved yet has no folder: it runs where a script would.
    if not path.endswith(".ipynb") or not os.path.isdir(folder):
        yield
        return
    before = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


def load_model(
    request: RunRequest, left_out: list[dict[str, Any]] | None = None
) -> tuple[Callable, tuple, dict]:
    """Execute the kept statements of the user's file as a fresh module and evaluate the
    model's arguments in it. What needs a package this interpreter lacks is left out (its
    names raise when used) and added to ``left_out``."""
    left_out = [] if left_out is None else left_out
    tree = ast.parse(request.source, request.path)
    tree.body = [tree.body[i] for i in request.kept_statements]
    module = types.ModuleType(MODULE_NAME)
    module.__file__ = request.path
    # Tracebacks and warnings quote the editor's text, saved or not.
    lines = request.source.splitlines(keepends=True)
    linecache.cache[request.path] = (len(request.source), None, lines, request.path)
    sys.modules[MODULE_NAME] = module
    folder = os.path.dirname(os.path.abspath(request.path))
    # Like ``python file.py``: the file's folder comes first on the import path; and what the
    # file adds to it (``sys.path.insert(0, "src")``) is not left for the next file's run.
    import_path = list(sys.path)
    sys.path.insert(0, folder)
    # A module of a package (``covid/models/SEIR.py`` with ``from .util import observe``)
    # runs as ``python -m covid.models.SEIR`` would run it: its relative imports resolve.
    package, root = enclosing_package(folder)
    if package:
        module.__package__ = package
        sys.path.insert(1, root)
    try:
        with working_folder(request.path):
            flags = future_flags(tree)
            module.__dict__[protocol.RUN_FILE_FUNCTION] = lambda file: run_definitions(
                file, module.__dict__, flags
            )
            run_statements(tree, request.path, module.__dict__, left_out, flags)
            # The statements of the script that build the arguments (smoke/script_slice.py).
            for part in request.script:
                code = compile(part, request.path, "exec", flags=flags, dont_inherit=True)
                exec(code, module.__dict__)
            arguments = compile(
                f"__collect__({request.arguments})", protocol.ARGUMENTS_FILENAME, "eval"
            )
            args, kwargs = eval(arguments, module.__dict__, {"__collect__": collect_arguments})
    finally:
        sys.path[:] = import_path
    return module.__dict__[request.model], args, kwargs


def run_definitions(file: str, namespace: dict[str, Any], flags: int) -> None:
    """A notebook's ``%run helpers.py``: the file's imports, functions and classes into the
    notebook's namespace, as IPython's run would define them; not its other statements
    (prints, plots, inference: the smoke test runs none of the notebook's own either). An
    import of a package this interpreter lacks stands for it (``MissingModule``)."""
    path = os.path.abspath(file)
    with open(path, encoding="utf-8") as handle:
        source = handle.read()
    tree = ast.parse(source, path)
    kinds = ast.Import | ast.ImportFrom | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
    tree.body = [statement for statement in tree.body if isinstance(statement, kinds)]
    linecache.cache[path] = (len(source), None, source.splitlines(keepends=True), path)
    run_statements(tree, path, namespace, [], flags)


def enclosing_package(folder: str) -> tuple[str, str]:
    """The dotted name of the package whose folder ``folder`` is (each folder up to it has
    an ``__init__.py``), and the folder that holds its top package; ``("", folder)`` for a
    folder that is no package."""
    parts: list[str] = []
    while os.path.isfile(os.path.join(folder, "__init__.py")):
        parent = os.path.dirname(folder)
        name = os.path.basename(folder)
        if parent == folder or not name.isidentifier():
            break
        parts.insert(0, name)
        folder = parent
    return ".".join(parts), folder


def installed_folders() -> tuple[str, ...]:
    """Where installed packages and the standard library live: modules from there are not
    the workspace's."""
    paths = sysconfig.get_paths()
    folders = {paths[name] for name in ("stdlib", "platstdlib", "purelib", "platlib")}
    folders.update(site.getsitepackages() if hasattr(site, "getsitepackages") else [])
    folders.add(site.getusersitepackages())
    return tuple(os.path.join(os.path.abspath(f), "") for f in folders if f)


def workspace_modules(names: set[str]) -> dict[str, str]:
    """Of the modules ``names``, those loaded from a file outside the installed folders (the
    user's own helpers), with their files."""
    installed = installed_folders()
    found = {}
    for name in names:
        file = getattr(sys.modules.get(name), "__file__", None)
        if file and not os.path.abspath(file).startswith(installed):
            found[name] = os.path.abspath(file)
    return found


def forget_modules(names: set[str]) -> None:
    for name in names:
        sys.modules.pop(name, None)


def file_digests(files: dict[str, str]) -> dict[str, str]:
    """Each file's current digest ("" for one that cannot be read)."""
    digests = {}
    for file in files:
        try:
            with open(file, "rb") as handle:
                digests[file] = hashlib.sha256(handle.read()).hexdigest()
        except OSError:
            digests[file] = ""
    return digests


def is_stale(compiled: CompiledModel) -> bool:
    return file_digests(compiled.dependencies) != compiled.dependencies


def collect_arguments(*args: Any, **kwargs: Any) -> tuple[tuple, dict]:
    return args, kwargs


def site_summaries(samples: dict[str, np.ndarray]) -> dict[str, dict[str, Any]]:
    # A site that never moves (a discrete one under DiscreteHMCGibbs) divides by a zero
    # variance: its r_hat and n_eff are NaN in the report, not a warning in its output.
    with np.errstate(divide="ignore", invalid="ignore"):
        stats = summary(samples, group_by_chain=True)
    sites = {}
    for name, values in samples.items():
        site = stats[name]
        r_hat = np.ravel(site["r_hat"])
        chains, count = np.shape(values)[:2]
        n_eff = variants.bounded_ess(np.ravel(site["n_eff"]), chains * count)
        sites[name] = {
            "shape": list(np.shape(values)[2:]),
            "mean": np.ravel(site["mean"])[:MAX_ELEMENTS].tolist(),
            "sd": np.ravel(site["std"])[:MAX_ELEMENTS].tolist(),
            "n_eff": n_eff[:MAX_ELEMENTS].tolist(),
            "r_hat": r_hat[:MAX_ELEMENTS].tolist(),
            "max_r_hat": float(np.nanmax(r_hat)) if np.isfinite(r_hat).any() else None,
            "min_n_eff": float(np.nanmin(n_eff)) if np.isfinite(n_eff).any() else None,
            "finite": bool(np.isfinite(values).all()),
        }
    return sites


def describe_exception(error: BaseException, path: str) -> dict[str, Any]:
    """The exception as plain data: its type, message and the frames in the user's file
    (its own or its cause's), innermost last."""
    frames: list[dict[str, Any]] = []
    cause: BaseException | None = error
    while cause is not None and not frames:
        frames = [
            {"file": f.filename, "line": f.lineno, "function": f.name}
            for f in traceback.extract_tb(cause.__traceback__)
            if f.filename in (path, protocol.ARGUMENTS_FILENAME)
        ]
        cause = cause.__cause__ or cause.__context__
    text = "".join(traceback.format_exception(error))
    return {
        "type": type(error).__name__,
        "message": str(error)[:4000],
        "frames": frames,
        "traceback": text[-8000:],
    }


def claim_protocol_streams() -> tuple[IO[str], IO[str]]:
    """Private copies of stdin and stdout for the protocol; the process's own stdout then
    points at stderr and its stdin at /dev/null, so user code can neither corrupt the
    messages nor block on input."""
    requests = os.fdopen(os.dup(0), "r", encoding="utf-8")
    replies = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    return requests, replies


def read_requests(requests: IO[str], runs: queue.Queue, worker: Worker) -> None:
    for line in requests:
        message = protocol.decode(line)
        if message["type"] == protocol.CANCEL:
            worker.cancelled_id = message["id"]
        elif message["type"] == SHAPES:
            runs.put(ShapesRequest.from_json(message))
        else:
            runs.put(RunRequest.from_json(message))
    # The server is gone: nothing is left to report to, even mid-run.
    os._exit(0)


def main() -> None:
    requests, replies = claim_protocol_streams()
    # The server decides when runs stop (a cancel, or a kill): not a Ctrl-C in its terminal.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A crash prints the Python stack (the user's line included) before the process dies,
    # and SIGUSR1 prints it on demand: the server reads it from stderr to say where a hung
    # or crashed run was.
    faulthandler.enable()
    if hasattr(signal, "SIGUSR1"):
        faulthandler.register(signal.SIGUSR1, all_threads=True)
    worker = Worker(replies)
    runs: queue.Queue[RunRequest | ShapesRequest] = queue.Queue()
    reader = threading.Thread(
        target=read_requests, args=(requests, runs, worker), name="requests", daemon=True
    )
    reader.start()
    worker.send(protocol.READY, device=describe_device(worker.device))
    while True:
        request = runs.get()
        if isinstance(request, ShapesRequest):
            shape_trace.answer(worker, request, load_model, describe_exception)
        else:
            worker.run(request)


if __name__ == "__main__":
    main()
