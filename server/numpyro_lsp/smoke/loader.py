"""What of the user's file the smoke test executes, and how it calls the model.

Plain ``ast``: nothing here runs user code. The worker executes the file's definitions
(imports, functions, classes, module-level assignments and blocks) but not its inference:
statements that build or run an MCMC kernel, SVI or ``Predictive`` (or call a function of
the file that does), expression statements (``print``, ``mcmc.run``, plots), the
``if __name__ == "__main__":`` block, and whatever uses a name only those set.

Top-level statements that do not parse (a function being typed) are left out and named in
the report: the rest of the file runs as written.

The model's arguments come from, in order:

1. a ``# numpyro: smoke-args <call arguments>`` comment on the lines right above the
   model's ``def`` (or its decorators), evaluated in the file's namespace;
2. the file's own ``mcmc.run(rng_key, ...)`` / ``MCMC(...).run(...)`` call for the model;
3. module-level names equal to the model's parameters (parameters with a default may be
   left out).
"""

from __future__ import annotations

import ast
import builtins
import re
from dataclasses import dataclass, field
from typing import Any

from numpyro_lsp.analysis.centering import centered_sites
from numpyro_lsp.analysis.layout import full_layout, statement_start
from numpyro_lsp.analysis.models import (
    FunctionInfo,
    ModuleAnalysis,
    analyze_module,
    first_model_argument,
    outermost_uses,
)
from numpyro_lsp.analysis.recovery import BrokenRegion, without_regions
from numpyro_lsp.analysis.sites import PREDICTIVE
from numpyro_lsp.analysis.text import column_from_utf8, split_lines
from numpyro_lsp.catalog.schema import Catalog
from numpyro_lsp.smoke.protocol import RUN_FILE_FUNCTION
from numpyro_lsp.smoke.script_slice import (
    FUNCTIONS,
    ScriptSlice,
    SliceRefused,
    bound_names,
    mutated_name,
    parameter_defaults,
    parameter_names,
    read_names,
    script_refusal,
    slice_for_call,
    walk_code,
)

SMOKE_ARGS = re.compile(r"#\s*numpyro:\s*smoke-args\b(?P<arguments>.*)$")
SMOKE_ARGS_HOW = "add a `# numpyro: smoke-args ...` comment right above `def {model}`, e.g.\n"
SMOKE_ARGS_HOW += "    # numpyro: smoke-args {example}"
# Methods that run inference (or print it) on MCMC and SVI objects: an expression statement
# calling one never runs, whatever the analysis makes of its receiver.
RUN_METHODS = {"run", "warmup", "print_summary"}
# Catalog kinds whose calls are inference: the smoke test never runs them. A ``Predictive``
# is not: it only runs the model forward, and a file that simulates its data with one
# (``Predictive(model, num_samples=1)(key, X=X)["Y"]``, then fits the model to them) needs
# it run.
INFERENCE_KINDS = {"kernel", "inference"}
# Module-level calls that set jax up for the rest of the file: kept, unlike other expression
# statements, since the model runs differently without them (float64, the platform).
SETUP_CALLS = {
    "numpyro.enable_x64",
    "numpyro.set_platform",
    "numpyro.enable_validation",
    "numpyro.set_host_device_count",
}
# Jax's configuration, and the global seeds a file's simulated data come from: the data the
# smoke test makes are then the file's own; and the import path a notebook extends to import
# its project's own modules (``sys.path.insert(0, str(root / "src"))``).
OTHER_SETUP_CALLS = {"jax.config.update", "numpy.random.seed", "random.seed"}
OTHER_SETUP_CALLS |= {"sys.path.insert", "sys.path.append", "sys.path.extend"}
MCMC_PATH = "numpyro.infer.MCMC"
# Keyword arguments of ``MCMC.run`` that are not the model's.
RUN_OPTIONS = {"rng_key", "extra_fields", "init_params"}
SVI_PATH = "numpyro.infer.SVI"
DISCRETE_GIBBS_PATH = "numpyro.infer.DiscreteHMCGibbs"
# The options of the file's ``DiscreteHMCGibbs`` a smoke run takes as well, when literal.
GIBBS_OPTIONS = {"random_walk", "modified"}
# Keyword arguments of ``SVI.run`` that are not the model's (``run(rng_key, num_steps, *args,
# ..., **kwargs)``), and ``SVI``'s own parameters: its other keywords are the model's
# (``SVI(model, guide, optim, loss, **static_kwargs)``).
SVI_RUN_OPTIONS = {"rng_key", "num_steps", "progress_bar", "stable_update", "init_state"}
SVI_RUN_OPTIONS |= {"forward_mode_differentiation", "init_params"}
SVI_PARAMETERS = {"model", "guide", "optim", "loss"}
BUILTIN_NAMES = set(dir(builtins))


class LoadError(Exception):
    """The smoke test cannot run this model; the message says why and what to do."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        # 1-based line the problem is at, when it has one.
        self.line = line


@dataclass(frozen=True)
class ModelCall:
    # Call-argument text (``J, sigma, y=y``) evaluated in the file's namespace.
    arguments: str
    # Where the arguments come from, for messages: "mcmc.run on line 31".
    origin: str
    line: int | None
    # The file's ``mcmc.run(...)`` call, when the arguments are its.
    node: ast.Call | None = field(default=None, compare=False, repr=False)
    # Parameters left to their defaults when no call passes them (module-level names), with
    # each default's text: a model run on them (``states=None``, ``num_cases=0``) may fail
    # for want of data.
    defaulted: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class SitePosition:
    # 1-based line and code-point columns of the site's name literal.
    line: int
    start: int
    end: int


@dataclass(frozen=True)
class SkippedLines:
    """Top-level lines left out of the run because they do not parse (1-based, inclusive)."""

    first: int
    last: int
    reason: str
    # The module-level names those lines would define (``def helper``, ``data = ...``).
    names: tuple[str, ...] = ()


# What a line at column 0 defines: ``def name``, ``class name``, ``name = ...``.
_DEFINES = re.compile(r"(?:(?:async\s+)?def|class)\s+(\w+)|(\w+)\s*(?::[^=]*)?=(?!=)")


def skipped_lines(lines: list[str], region: BrokenRegion) -> SkippedLines:
    """The region as the report names it: its lines up to the last one with text."""
    names = []
    last = region.start
    for number in range(region.start, region.end):
        match = _DEFINES.match(lines[number])
        if match:
            names.append(match.group(1) or match.group(2))
        if lines[number].strip():
            last = number
    return SkippedLines(region.start + 1, last + 1, region.message, tuple(names))


@dataclass(frozen=True)
class RunPlan:
    path: str
    # The file as the worker runs it: lines that do not parse left empty.
    source: str
    model: str
    model_line: int
    kept_statements: tuple[int, ...]
    call: ModelCall
    sites: dict[str, SitePosition]
    # The model's centered hierarchical sites (analysis/centering.py): where NUTS
    # divergences usually come from.
    centered_sites: tuple[str, ...]
    skipped: tuple[SkippedLines, ...] = ()
    # The statements of the script (the main block, ``main(args)``) that build the
    # arguments, when ``mcmc.run`` is there.
    script: ScriptSlice | None = None
    # The options of the ``DiscreteHMCGibbs`` the file samples the model with, if it does.
    gibbs: dict[str, Any] | None = None


def model_functions(analysis: ModuleAnalysis) -> list[FunctionInfo]:
    """The file's models the smoke test can call: functions at module level, each the
    definition its name holds once the module has run. An earlier ``def`` of a name defined
    again below (a notebook's model, redefined in a later cell) is not one: a run by name
    would call the later one."""
    holds: dict[str, ast.AST] = {}
    for node in analysis.tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            holds[node.name] = node
    return [f for f in analysis.models if holds.get(f.name) is f.node]


def only_guides(analysis: ModuleAnalysis) -> set[str]:
    """The names of the functions the file hands to ``SVI`` or ``Predictive`` as a guide and
    never runs as a model: NUTS has nothing to learn from them (their shapes still tell
    something)."""
    return {
        name
        for name in guide_names(analysis)
        if not any(analysis.uses_of(f) for f in analysis.functions_by_name.get(name, ()))
    }


def guide_names(analysis: ModuleAnalysis) -> set[str]:
    """The names the file hands to ``SVI`` or ``Predictive`` as a guide."""
    found = set()
    for catalog_call in analysis.catalog_calls:
        path, call = catalog_call.obj["path"], catalog_call.call
        guide = next((k.value for k in call.keywords if k.arg == "guide"), None)
        if guide is None and path == SVI_PATH and len(call.args) > 1:
            guide = call.args[1]
        if path in (SVI_PATH, PREDICTIVE) and isinstance(guide, ast.Name):
            found.add(guide.id)
    return found


def runnable_source(
    source: str, cell_starts: tuple[int, ...] = ()
) -> tuple[str, list[BrokenRegion]]:
    """The source with its top-level statements that do not parse left out (their lines
    empty), and those statements' regions. ``cell_starts``: a notebook's, whose cells are
    parsed each on its own (analysis/layout.py)."""
    lines = split_lines(source)
    broken = full_layout(lines, cell_starts).broken
    return (without_regions(lines, broken), broken) if broken else (source, [])


def analyze_source(
    source: str, catalog: Catalog, cell_starts: tuple[int, ...] = ()
) -> ModuleAnalysis:
    """The analysis of what of the file parses: what the worker would run."""
    text, _ = runnable_source(source, cell_starts)
    return analyze_module(ast.parse(text), catalog)


def plan_run(
    source: str, path: str, model: str | None, catalog: Catalog, cell_starts: tuple[int, ...] = ()
) -> RunPlan:
    """How to smoke-test ``model`` (by default the file's only model, or the one its
    ``mcmc.run`` call runs); raises ``LoadError`` when it cannot be run. ``cell_starts``: a
    notebook's (``runnable_source``)."""
    lines = split_lines(source)
    source, broken = runnable_source(source, cell_starts)
    unfinished = broken_models(lines, broken, model)
    analysis = analyze_module(ast.parse(source), catalog)
    function = choose_model(analysis, model, unfinished)
    kept, skipped = kept_statements(analysis)
    defined = {name for i in kept for name in bound_names(analysis.tree.body[i])}
    call = model_call(analysis, source, function, defined)
    script = script_slice(analysis, source, function, call, defined)
    check_names(call, function, defined | (script.names if script else set()), skipped)
    return RunPlan(
        path=path,
        source=source,
        model=function.name,
        model_line=function.node.lineno,
        kept_statements=tuple(kept),
        call=call,
        sites=site_positions(analysis, function, split_lines(source)),
        centered_sites=tuple(c.site.name for c in centered_sites(analysis) if c.model is function),
        skipped=tuple(skipped_lines(lines, region) for region in broken),
        script=script,
        gibbs=discrete_gibbs(analysis, function),
    )


def discrete_gibbs(analysis: ModuleAnalysis, function: FunctionInfo) -> dict[str, Any] | None:
    """The literal options of the ``DiscreteHMCGibbs`` the file samples the model with, if
    it does: a smoke run samples the discrete sites with it too, where NUTS alone would
    enumerate them (and need funsor, or fail on an unbounded support)."""
    for use in outermost_uses(analysis.uses_of(function)):
        for path, call in zip(use.chain, use.calls, strict=False):
            if path == DISCRETE_GIBBS_PATH:
                return {
                    keyword.arg: keyword.value.value
                    for keyword in call.keywords
                    if keyword.arg in GIBBS_OPTIONS and isinstance(keyword.value, ast.Constant)
                }
    return None


def broken_models(
    lines: list[str], broken: list[BrokenRegion], name: str | None
) -> dict[str, BrokenRegion]:
    """The region where ``def name`` stands, when it does not parse (yet)."""
    if name is None:
        return {}
    header = re.compile(rf"\s*(?:async\s+)?def\s+{re.escape(name)}\b")
    for region in broken:
        if any(header.match(line) for line in lines[region.start : region.end]):
            return {name: region}
    return {}


def choose_model(
    analysis: ModuleAnalysis, name: str | None, unfinished: dict[str, BrokenRegion] | None = None
) -> FunctionInfo:
    models = model_functions(analysis)
    names = ", ".join(f"`{m.name}`" for m in models)
    if name is not None:
        for function in models:
            if function.name == name:
                return function
        if unfinished and name in unfinished:
            region = unfinished[name]
            # No line: the syntax error is the Python server's to show, not a finding of ours.
            raise LoadError(
                f"`{name}` does not parse yet (line {region.line + 1}: {region.message}); "
                "the smoke test runs it once it does."
            )
        found = f"its models are {names}" if models else "it has no model"
        raise LoadError(f"No model `{name}` at module level in this file: {found}.")
    if len(models) == 1:
        return models[0]
    run = [m for m in models if any(MCMC_PATH in use.chain for use in analysis.uses_of(m))]
    if len(run) == 1:
        return run[0]
    if not models:
        raise LoadError("This file has no NumPyro model at module level.")
    raise LoadError(f"This file has several models ({names}): name the one to run.")


# --- what runs ----------------------------------------------------------------------------


def kept_statements(analysis: ModuleAnalysis) -> tuple[list[int], dict[str, int]]:
    """Indices of the top-level statements the worker executes, and the names that only
    skipped statements bind (with the line of the last such binding)."""
    runs_inference = inference_functions(analysis)
    reads = module_names_read(analysis)
    kept: list[int] = []
    skipped: dict[str, int] = {}
    assigned: set[str] = set()  # the names kept assignments bind
    for index, statement in enumerate(analysis.tree.body):
        expression = isinstance(statement, ast.Expr)
        setup = expression and is_setup_call(statement.value, analysis)
        if expression and not setup and not changes_kept_data(statement, assigned):
            continue  # a print, a plot, a value shown: it changes no data
        if not setup and is_skipped(statement, analysis, runs_inference, reads, skipped):
            # ``for i in grid: losses.append(...)`` over draws: ``losses`` is not what the
            # script would have made of it.
            names = bound_names(statement) | (changed_names(statement) & assigned)
            skipped.update(dict.fromkeys(names, statement.lineno))
        else:
            kept.append(index)
            for name in bound_names(statement):
                skipped.pop(name, None)
            if isinstance(statement, ast.Assign | ast.AnnAssign):
                assigned |= bound_names(statement)
    return kept, skipped


def changed_names(statement: ast.stmt) -> set[str]:
    """The names the simple statements of ``statement`` change without binding them
    (``x.append(v)``, ``x[i] = v``: script_slice.mutated_name); not in functions it
    defines."""
    changed: set[str] = set()
    pending = [statement]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        name = mutated_name(node)
        if name is not None:
            changed.add(name)
        for block in ("body", "orelse", "finalbody", "handlers", "cases"):
            pending += getattr(node, block, None) or []
    return changed


def changes_kept_data(statement: ast.Expr, assigned: set[str]) -> bool:
    """A method call on what a kept assignment made, which may change it and does nothing
    the smoke test never runs: ``encoder.fit(df["judge"])`` before ``encoder.transform``,
    ``df.replace("red", 1, inplace=True)``, ``values.append(v)``; not ``df.plot()``, nor a
    call on a module (``os.system(...)``)."""
    if mutated_name(statement) not in assigned or runs_inference_method(statement.value):
        return False
    return not any(
        script_refusal(node) for node in walk_code(statement) if isinstance(node, ast.Call)
    )


def runs_inference_method(node: ast.expr) -> bool:
    """``x.run(...)``, ``x.warmup(...)``: what MCMC and SVI objects do, on a receiver the
    analysis did not know for one (built through a path or wrapper it cannot follow)."""
    return isinstance(node, ast.Call) and getattr(node.func, "attr", None) in RUN_METHODS


def is_skipped(
    statement: ast.stmt,
    analysis: ModuleAnalysis,
    runs_inference: set[str],
    reads: dict[str, set[str]],
    skipped: dict,
) -> bool:
    """Whether a module-level statement is left out: it runs inference, or reads what only
    skipped statements bind, itself or in the file's functions it calls (``logprob =
    vmap(logprob_fn)(...)`` with ``logprob_fn`` reading the draws)."""
    definitions = ast.Import | ast.ImportFrom | ast.FunctionDef | ast.AsyncFunctionDef
    if isinstance(statement, definitions | ast.ClassDef):
        return False
    if is_main_guard(statement):
        return True
    # What it reads when it runs: ``d.mass.pipe(lambda x: x - x.mean())`` reads no ``x``.
    read = read_names(statement)
    if not read.isdisjoint(skipped):
        return True
    if any(not reads[name].isdisjoint(skipped) for name in read & reads.keys()):
        return True
    return any(
        isinstance(node, ast.Call) and calls_inference(node, analysis, runs_inference)
        for node in ast.walk(statement)
    )


def is_setup_call(node: ast.expr, analysis: ModuleAnalysis) -> bool:
    """``numpyro.enable_x64()``, ``numpyro.set_platform("cpu")``, ``jax.config.update(...)``,
    ``np.random.seed(0)``."""
    if not isinstance(node, ast.Call):
        return False
    if isinstance(node.func, ast.Name) and node.func.id == RUN_FILE_FUNCTION:
        return True  # a notebook's ``%run helpers.py`` (run_source.with_run_files)
    obj = analysis.catalog_object(node.func)
    if obj is not None:
        return obj["path"] in SETUP_CALLS
    return analysis.resolve(node.func) in OTHER_SETUP_CALLS


def is_main_guard(statement: ast.stmt) -> bool:
    if not isinstance(statement, ast.If) or not isinstance(statement.test, ast.Compare):
        return False
    test = statement.test
    sides = [test.left, *test.comparators]
    return (
        len(sides) == 2
        and isinstance(test.ops[0], ast.Eq)
        and any(isinstance(s, ast.Name) and s.id == "__name__" for s in sides)
        and any(isinstance(s, ast.Constant) and s.value == "__main__" for s in sides)
    )


def calls_inference(call: ast.Call, analysis: ModuleAnalysis, runs_inference: set[str]) -> bool:
    if isinstance(call.func, ast.Name) and call.func.id in runs_inference:
        return True
    if evaluates_elbo(call, analysis):
        return True
    return is_inference(analysis.catalog_object(call.func))


def is_inference(obj: dict | None) -> bool:
    return obj is not None and obj["kind"] in INFERENCE_KINDS and obj["path"] != PREDICTIVE


def evaluates_elbo(call: ast.Call, analysis: ModuleAnalysis) -> bool:
    """``elbo.loss(key, {}, model, guide, data)``, a method of a module-level ELBO: it runs
    the model and its guide."""
    func = call.func
    if not isinstance(func, ast.Attribute) or not isinstance(func.value, ast.Name):
        return False
    held = analysis.instances.get(func.value.id)
    member = analysis.catalog.lookup(held) if held else None
    return member is not None and member.obj is not None and member.obj["kind"] == "elbo"


def inference_functions(analysis: ModuleAnalysis) -> set[str]:
    """Functions of the file that build or run inference, directly or through each other."""
    found = {
        call.function.name
        for call in analysis.catalog_calls
        if call.function is not None and is_inference(call.obj)
    }
    # The bare names each function calls, in its lambdas too (``lax.map(lambda i: fit(i),
    # keys)`` calls ``fit``); a name defined twice calls what either definition calls.
    called: dict[str, set[str]] = {}
    for function in analysis.functions:
        calls = [node for node in ast.walk(function.node) if isinstance(node, ast.Call)]
        if any(evaluates_elbo(call, analysis) for call in calls):
            found.add(function.name)
        names = called.setdefault(function.name, set())
        names.update(call.func.id for call in calls if isinstance(call.func, ast.Name))
    changed = True
    while changed:
        changed = False
        for name, names in called.items():
            if name not in found and names & found:
                found.add(name)
                changed = True
    return found


def module_names_read(analysis: ModuleAnalysis) -> dict[str, set[str]]:
    """For each function of the file (by name), the names it reads that it does not bind
    itself: the module's names it needs when called, with those of the file's functions it
    names (calls or hands on), through each other."""
    reads: dict[str, set[str]] = {}
    for function in analysis.functions:
        node = function.node
        loads, local = set(), set(parameter_names(node))
        for inner in ast.walk(node):
            if isinstance(inner, ast.Name):
                (loads if isinstance(inner.ctx, ast.Load) else local).add(inner.id)
            elif isinstance(inner, ast.arg):
                local.add(inner.arg)
            elif isinstance(inner, FUNCTIONS | ast.ClassDef) and inner is not node:
                local.add(inner.name)
        reads.setdefault(function.name, set()).update(loads - local)
    changed = True
    while changed:
        changed = False
        for names in reads.values():
            more = set().union(*(reads[n] for n in names & reads.keys())) - names
            if more:
                names |= more
                changed = True
    return reads


# --- the model's arguments ----------------------------------------------------------------


def model_call(
    analysis: ModuleAnalysis, source: str, function: FunctionInfo, defined: set[str]
) -> ModelCall:
    lines = split_lines(source)
    call = smoke_args_comment(lines, function) or run_call(analysis, source, function)
    if call is not None:
        return call
    return module_names_call(function, defined)


def smoke_args_comment(lines: list[str], function: FunctionInfo) -> ModelCall | None:
    index = statement_start(function.node) - 1  # the line above the def or its decorators
    while index >= 0 and lines[index].lstrip().startswith("#"):
        match = SMOKE_ARGS.search(lines[index])
        if match:
            arguments = match["arguments"].strip()
            try:
                ast.parse(f"f({arguments})", mode="eval")
            except SyntaxError as error:
                raise LoadError(
                    f"The `# numpyro: smoke-args` comment on line {index + 1} is not a list "
                    f"of call arguments ({error.msg}): write them as in a call, "
                    "e.g. `# numpyro: smoke-args 8, sigma, y=y`.",
                    index + 1,
                ) from error
            origin = f"the `# numpyro: smoke-args` comment on line {index + 1}"
            return ModelCall(arguments, origin, index + 1)
        index -= 1
    return None


def run_call_line(
    source: str, model: str, catalog: Catalog, cell_starts: tuple[int, ...] = ()
) -> int | None:
    """The line of the ``mcmc.run(...)`` or ``svi.run(...)`` (``run_call``) whose arguments
    a smoke test of ``model`` takes, when it stands below the model's definition and no
    ``smoke-args`` comment stands in for it: a notebook runs its cells down to there. None
    otherwise."""
    analysis = analyze_source(source, catalog, cell_starts)
    function = next((f for f in model_functions(analysis) if f.name == model), None)
    if function is None:
        return None
    try:
        if smoke_args_comment(split_lines(source), function) is not None:
            return None
    except LoadError:  # the run itself says what is wrong with the comment
        return None
    call = run_call(analysis, source, function)
    below = call is not None and call.line is not None and call.line > function.node.end_lineno
    return call.line if below else None


def run_call(analysis: ModuleAnalysis, source: str, function: FunctionInfo) -> ModelCall | None:
    """The arguments of the file's first ``.run(rng_key, ...)`` of an MCMC built on the
    model, the key and MCMC's own options left out; without one, of its first run of an SVI
    of the model (``svi.run(rng_key, num_steps, ...)``, with the keywords ``SVI(...)`` passes
    the model): an SVI may be fitted to a minibatch, an MCMC is given the data NUTS needs."""
    uses = analysis.uses_of(function)
    mcmc_calls = {id(use.call) for use in uses if MCMC_PATH in use.chain}
    mcmc_calls |= mcmc_built_in_helpers(analysis, function)
    svi_calls = {id(use.call): use.call for use in uses if use.chain[-1:] == [SVI_PATH]}
    if not mcmc_calls and not svi_calls:
        return None
    # The key comes first, or by keyword (``chain_run.run(rng_key=key, X=df, ...)``).
    runs = [
        node
        for node in ast.walk(analysis.tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "run"
        and (
            (node.args and not isinstance(node.args[0], ast.Starred))
            or any(k.arg == "rng_key" for k in node.keywords)
        )
    ]
    mcmc_run: tuple[ast.Call, list[str]] | None = None
    svi_run: tuple[ast.Call, list[str]] | None = None
    for run in sorted(runs, key=lambda n: (n.lineno, n.col_offset)):
        receiver = run.func.value
        if isinstance(receiver, ast.Name):
            receiver = assigned_value(analysis, receiver.id, run.lineno)
        if receiver is None:
            continue
        key_named = any(k.arg == "rng_key" for k in run.keywords)
        if id(receiver) in mcmc_calls:
            model_args = run.args if key_named else run.args[1:]
            parts = [ast.get_source_segment(source, arg) or "" for arg in model_args]
            mcmc_run = (run, parts + keyword_texts(source, run.keywords, RUN_OPTIONS))
            break
        if id(receiver) in svi_calls and svi_run is None:
            steps_named = any(k.arg == "num_steps" for k in run.keywords)
            model_args = run.args[(not key_named) + (not steps_named) :]
            parts = [ast.get_source_segment(source, arg) or "" for arg in model_args]
            parts += keyword_texts(source, run.keywords, SVI_RUN_OPTIONS)
            parts += keyword_texts(source, svi_calls[id(receiver)].keywords, SVI_PARAMETERS)
            svi_run = (run, parts)
    found = mcmc_run or svi_run
    if found is None:
        return None
    run, parts = found
    name = ast.get_source_segment(source, run.func) or "run"
    return ModelCall(", ".join(parts), f"`{name}` on line {run.lineno}", run.lineno, run)


def keyword_texts(source: str, keywords: list[ast.keyword], left_out: set[str]) -> list[str]:
    """``name=value`` (``**value``) of each keyword argument but those ``left_out``."""
    parts = []
    for keyword in keywords:
        value = ast.get_source_segment(source, keyword.value) or ""
        if keyword.arg is None:
            parts.append(f"**{value}")
        elif keyword.arg not in left_out:
            parts.append(f"{keyword.arg}={value}")
    return parts


def script_slice(
    analysis: ModuleAnalysis,
    source: str,
    function: FunctionInfo,
    call: ModelCall,
    defined: set[str],
) -> ScriptSlice | None:
    """What of the script runs to build the arguments, when they come from an ``mcmc.run``
    in the main block or in a function (smoke/script_slice.py)."""
    if call.node is None or not nested_in_script(analysis.tree, call.node):
        return None
    runs_inference = inference_functions(analysis)

    def forbidden(node: ast.Call) -> str | None:
        if calls_inference(node, analysis, runs_inference):
            return f"runs inference (`{ast.unparse(node.func)}`)"
        return None

    needed = set(free_names(call.arguments)) - BUILTIN_NAMES
    try:
        return slice_for_call(
            analysis.tree, split_lines(source), call.node, needed, defined, forbidden
        )
    except SliceRefused as refused:
        how = SMOKE_ARGS_HOW.format(model=function.name, example="...")
        raise LoadError(
            f"The arguments from {call.origin} cannot be built: {refused.message}. The smoke "
            f"test never runs plots, prints, file writes, network loads or inference; {how}",
            refused.line or call.line,
        ) from refused


def nested_in_script(tree: ast.Module, node: ast.AST) -> bool:
    """Whether ``node`` is in the main block, a function or a module-level ``for`` loop (whose
    first pass the slice takes), rather than in a module-level statement the smoke test runs
    or skips as a whole."""
    for statement in tree.body:
        if statement.lineno <= node.lineno <= (statement.end_lineno or statement.lineno):
            return is_main_guard(statement) or isinstance(
                statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.For
            )
    return False


def mcmc_built_in_helpers(analysis: ModuleAnalysis, function: FunctionInfo) -> set[int]:
    """The ids of ``MCMC(...)`` calls that a function of the file builds on the model
    through a kernel assigned to a local name, or on its parameter (``def run_inference(model,
    args, rng_key, X, Y): mcmc = MCMC(NUTS(model), ...)``) when the function's first call
    passes this model by name, as numpyro's examples do."""
    found: set[int] = set()
    for helper in analysis.functions:
        parameters = helper_parameters(helper.node)
        for node in ast.walk(helper.node):
            if not isinstance(node, ast.Call):
                continue
            obj = analysis.catalog_object(node.func)
            if obj is None or obj["path"] != MCMC_PATH or not node.args:
                continue
            kernel = node.args[0]
            if isinstance(kernel, ast.Name):
                kernel = assigned_value(analysis, kernel.id, node.lineno)
            if not isinstance(kernel, ast.Call):
                continue
            kernel_obj = analysis.catalog_object(kernel.func)
            model = first_model_argument(kernel)
            if (
                kernel_obj is not None
                and kernel_obj["kind"] == "kernel"
                and isinstance(model, ast.Name)
                and (
                    model.id == function.name
                    if model.id not in parameters
                    else passed_by_first_call(analysis, helper.node, model.id) == function.name
                )
            ):
                found.add(id(node))
    return found


def helper_parameters(node: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    args = node.args
    return [a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]]


def passed_by_first_call(
    analysis: ModuleAnalysis, helper: ast.FunctionDef | ast.AsyncFunctionDef, parameter: str
) -> str | None:
    """The name the first call of ``helper`` (outside its body; the call the script slice
    follows) passes for ``parameter``."""
    inside = {id(n) for n in ast.walk(helper)}
    calls = sorted(
        (
            n
            for n in ast.walk(analysis.tree)
            if isinstance(n, ast.Call)
            and isinstance(n.func, ast.Name)
            and n.func.id == helper.name
            and id(n) not in inside
        ),
        key=lambda n: (n.lineno, n.col_offset),
    )
    if not calls:
        return None
    call = calls[0]
    positional = helper_parameters(helper)[: len(helper.args.posonlyargs) + len(helper.args.args)]
    value = None
    if parameter in positional and positional.index(parameter) < len(call.args):
        value = call.args[positional.index(parameter)]
    for keyword in call.keywords:
        if keyword.arg == parameter:
            value = keyword.value
    return value.id if isinstance(value, ast.Name) else None


def assigned_value(analysis: ModuleAnalysis, name: str, line: int) -> ast.expr | None:
    """What ``name`` was last assigned, in the innermost function around ``line`` or at
    module level (there, before ``line``)."""
    around = [
        f
        for f in analysis.functions
        if f.node.lineno <= line <= (f.node.end_lineno or f.node.lineno) and name in f.assignments
    ]
    if around:
        innermost = max(around, key=lambda f: f.node.lineno)
        return innermost.assignments[name]
    inside = any(f.node.lineno <= line <= (f.node.end_lineno or 0) for f in analysis.functions)
    return analysis.value_at(name, 0 if inside else line)


def module_names_call(function: FunctionInfo, defined: set[str]) -> ModelCall:
    """Module-level names equal to the model's parameters; a parameter with neither a
    name nor a default is missing."""
    args = function.node.args
    positional = [*args.posonlyargs, *args.args]
    defaults = parameter_defaults(function.node)
    parts: list[str] = []
    missing: list[str] = []
    defaulted: list[tuple[str, str]] = []
    for parameter in [*positional, *args.kwonlyargs]:
        name = parameter.arg
        if name in defined:
            positional_only = parameter in args.posonlyargs
            parts.append(name if positional_only else f"{name}={name}")
        elif name not in defaults:
            missing.append(name)
        else:
            defaulted.append((name, ast.unparse(defaults[name])))
    if missing:
        listed = ", ".join(f"`{m}`" for m in missing)
        example = ", ".join(f"{m}=..." for m in missing)
        raise LoadError(
            f"`{function.name}` needs {listed}: no `mcmc.run(...)` or `svi.run(...)` call of "
            "this file passes the model's arguments and no module-level names match; "
            + SMOKE_ARGS_HOW.format(model=function.name, example=example),
            function.node.lineno,
        )
    return ModelCall(", ".join(parts), "module-level names", None, defaulted=tuple(defaulted))


def check_names(
    call: ModelCall, function: FunctionInfo, defined: set[str], skipped: dict[str, int]
) -> None:
    """Every name the arguments use must exist once the kept statements have run."""
    for name in free_names(call.arguments):
        if name in defined or name in BUILTIN_NAMES:
            continue
        if name in skipped:
            why = (
                f"which this file only sets in code the smoke test does not run (line "
                f"{skipped[name]}: inference, expression statements and the "
                '`if __name__ == "__main__":` block are skipped)'
            )
        else:
            why = "which is not a module-level name of this file"
        how = SMOKE_ARGS_HOW.format(model=function.name, example=f"{name}=...")
        raise LoadError(
            f"The arguments from {call.origin} use `{name}`, {why}; {how}",
            call.line or function.node.lineno,
        )


def free_names(arguments: str) -> list[str]:
    """The names call-argument text reads, but those it binds itself (a comprehension's
    target, a lambda's parameters)."""
    call = ast.parse(f"f({arguments})", mode="eval").body
    assert isinstance(call, ast.Call)
    nodes = [node for part in [*call.args, *call.keywords] for node in ast.walk(part)]
    bound = {n.id for n in nodes if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    bound |= {n.arg for n in nodes if isinstance(n, ast.arg)}
    return [
        n.id
        for n in nodes
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.id not in bound
    ]


# --- where things are ---------------------------------------------------------------------


def site_positions(
    analysis: ModuleAnalysis, function: FunctionInfo, lines: list[str]
) -> dict[str, SitePosition]:
    """Where each named site's name is written: the model's own sites first, then those of
    the file's other functions (helpers the model calls)."""
    positions: dict[str, SitePosition] = {}
    for site in [*function.sites, *analysis.sites]:
        node = site.name_node
        if site.name is None or site.name in positions or node is None:
            continue
        line = lines[node.lineno - 1]
        start = column_from_utf8(line, node.col_offset)
        end = (
            column_from_utf8(line, node.end_col_offset) if node.end_lineno == node.lineno else start
        )
        positions[site.name] = SitePosition(node.lineno, start, end)
    return positions
