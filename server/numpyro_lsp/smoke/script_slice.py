"""Scripts as written: the statements the arguments of the file's ``mcmc.run(...)`` depend on,
when that call is in the ``if __name__ == "__main__":`` block or in a function (``main(args)``,
``run_inference(model, args, rng_key, X, Y)``) the main block calls.

A backward slice, on the stdlib ``ast`` (nothing here runs user code): from the call, each
statement above it in its block that binds a name still needed (an assignment, an import, a
loop or ``with`` that builds the data, a method call on the name such as
``parser.add_argument(...)``) is kept, and what it reads is needed in turn. A function's
parameter is bound to the argument its caller passes (or its default), and the slice goes on
in the caller. ``parser.parse_args()`` runs as ``parse_args([])``: argparse's defaults, as
numpyro's own examples are run. What is still needed at the end must be a module-level name
the smoke test runs.

The slice never holds a plot, a print, a file write, a network load, input or inference: a
needed statement that does one refuses the run, with the line and the reason.

The kept statements go to the worker as text at their own line numbers (``ScriptSlice.parts``,
one per function, callers first), so tracebacks and warnings point at the user's lines.
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Callable
from dataclasses import dataclass, field

from numpyro_lsp.analysis.text import column_from_utf8

BUILTIN_NAMES = set(dir(builtins))
# How many function calls deep the slice follows parameters to their callers.
MAX_DEPTH = 4
LOOPS = ast.For | ast.AsyncFor | ast.While
FUNCTIONS = ast.FunctionDef | ast.AsyncFunctionDef
COMPREHENSIONS = ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp
ARGPARSE_CALLS = {"parse_args", "parse_known_args"}
PLOT_ROOTS = {"plt", "matplotlib", "pyplot", "sns", "seaborn", "az", "arviz", "plotly", "px"}
PLOT_METHODS = {"plot", "savefig", "show", "hist", "scatter", "imshow", "figure", "subplots"}
WRITE_METHODS = {
    "to_csv",
    "to_parquet",
    "to_pickle",
    "to_json",
    "to_excel",
    "to_sql",
    "to_hdf",
    "to_feather",
    "to_netcdf",
    "to_zarr",
    "savez",
    "savez_compressed",
    "savetxt",
    "save",
    "dump",
    "write",
    "write_text",
    "write_bytes",
    "writelines",
    "mkdir",
    "makedirs",
    "remove",
    "unlink",
    "rmtree",
}
NETWORK_NAMES = {
    "load_dataset",
    "urlopen",
    "urlretrieve",
    "download",
    "fetch_openml",
    "read_html",
}
NETWORK_ROOTS = {"requests", "urllib", "httpx", "wget", "socket"}


class SliceRefused(Exception):
    """The arguments cannot be built without running what the smoke test never runs."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass(frozen=True)
class ScriptSlice:
    # Source texts the worker runs in order, after the file's definitions; each has the
    # file's own line numbers (other lines empty).
    parts: tuple[str, ...]
    # The file's lines that run (1-based), for the report.
    lines: tuple[int, ...]
    # The names the slice binds at module level in the worker.
    names: frozenset[str]


@dataclass
class _Level:
    """The statements kept in one function (or the module's main block), in source order."""

    statements: list[ast.stmt] = field(default_factory=list)
    bindings: list[tuple[str, ast.expr, int]] = field(default_factory=list)
    # The names of ``bindings`` bound to the first item of their value: a ``for`` loop's.
    first_items: set[str] = field(default_factory=set)


def slice_for_call(
    tree: ast.Module,
    lines: list[str],
    call: ast.Call,
    needed: set[str],
    available: set[str],
    forbidden: Callable[[ast.Call], str | None],
) -> ScriptSlice:
    """The statements that bind ``needed`` (the names the arguments of ``call`` read that
    ``available``, the module-level names the smoke test runs, does not hold). ``forbidden``
    says why a call of the file must not run (inference), or None. Raises ``SliceRefused``."""
    slicer = _Slicer(tree, lines, available, forbidden)
    levels = slicer.slice(call, set(needed), 0)
    parts, kept_lines, names = [], set(), set()
    for level in levels:
        for text, used in slicer.render(level):
            parts.append(text)
            kept_lines |= used
        for statement in level.statements:
            names |= bound_names(statement)
        names |= {name for name, _, _ in level.bindings}
    return ScriptSlice(tuple(parts), tuple(sorted(kept_lines)), frozenset(names))


class _Slicer:
    def __init__(
        self,
        tree: ast.Module,
        lines: list[str],
        available: set[str],
        forbidden: Callable[[ast.Call], str | None],
    ) -> None:
        self.tree = tree
        self.lines = lines
        self.available = available
        self.forbidden = forbidden
        self.parents: dict[int, ast.AST] = {}
        for node in ast.walk(tree):
            for child in ast.iter_child_nodes(node):
                self.parents[id(child)] = node

    # --- the slice --------------------------------------------------------------------------

    def slice(self, node: ast.AST, needed: set[str], depth: int) -> list[_Level]:
        """The levels (callers first) that bind ``needed`` as seen from ``node``."""
        level = _Level()
        statement = self.statement_of(node)
        while True:
            owner = self.parents.get(id(statement))
            if isinstance(owner, ast.Module) or owner is None:
                # Module-level statements are the smoke test's own to run or skip.
                self.check_available(needed, node)
                return [level]
            block = self.block_of(owner, statement)
            before = block[: block.index(statement)]
            for earlier in reversed(before):
                self.take(earlier, needed, level)
            if self.at_module_level(owner) and isinstance(owner, ast.For):
                # A notebook's ``for k in range(K): ... mcmc.run(key, x=xs[k])``: the loop's
                # first pass, where the names its body binds hold what they held before it.
                self.first_pass(owner, needed, level)
            elif isinstance(owner, LOOPS) and needed & self.loop_names(owner):
                names = ", ".join(f"`{n}`" for n in sorted(needed & self.loop_names(owner)))
                raise SliceRefused(
                    f"the arguments use {names}, which changes with each pass of the loop on "
                    f"line {owner.lineno}",
                    owner.lineno,
                )
            if isinstance(owner, ast.With | ast.AsyncWith):
                held = {n for item in owner.items for n in target_names(item.optional_vars)}
                if needed & held:
                    raise SliceRefused(
                        f"the arguments use `{sorted(needed & held)[0]}`, which the `with` "
                        f"on line {owner.lineno} holds open",
                        owner.lineno,
                    )
            if isinstance(owner, FUNCTIONS):
                return self.from_caller(owner, needed, level, depth)
            statement = owner

    def take(self, statement: ast.stmt, needed: set[str], level: _Level) -> None:
        binds = bound_names(statement)
        mutated = mutated_name(statement)
        if not (binds & needed) and mutated not in needed:
            return
        self.check_allowed(statement)
        level.statements.insert(0, statement)
        # A plain assignment replaces the name; anything else (``x += 1``, ``x[i] = v``,
        # ``x.append(v)``, a loop) changes what an earlier statement made.
        if isinstance(statement, ast.Assign | ast.AnnAssign | ast.Import | ast.ImportFrom):
            needed -= {n for n in binds if n not in read_names(statement)}
        needed |= read_names(statement) - binds_everywhere(statement)

    def at_module_level(self, statement: ast.AST) -> bool:
        return isinstance(self.parents.get(id(statement)), ast.Module)

    def first_pass(self, loop: ast.For, needed: set[str], level: _Level) -> None:
        targets = target_names(loop.target)
        if not targets & needed:
            return
        if not isinstance(loop.target, ast.Name):
            raise SliceRefused(
                f"the arguments use `{sorted(targets & needed)[0]}`, which the loop on line "
                f"{loop.lineno} unpacks from each item",
                loop.lineno,
            )
        target = loop.target.id
        self.check_expression(loop.iter, loop.lineno)
        level.bindings.insert(0, (target, loop.iter, loop.lineno))
        level.first_items.add(target)
        needed.discard(target)
        needed |= read_names_of(loop.iter)

    def from_caller(
        self, function: ast.FunctionDef | ast.AsyncFunctionDef, needed: set, level: _Level, depth
    ) -> list[_Level]:
        parameters = parameter_names(function)
        wanted = needed & parameters
        globals_needed = needed - parameters
        if not wanted:
            self.check_available(globals_needed, function)
            return [level]
        if depth >= MAX_DEPTH:
            raise SliceRefused(
                f"`{function.name}`'s arguments come from calls more than {MAX_DEPTH} deep",
                function.lineno,
            )
        site = self.call_site(function)
        if site is None:
            return self.from_defaults(function, wanted, globals_needed, level)
        bound = bind_arguments(function, site)
        outer_needed = set(globals_needed)
        for name in sorted(wanted):
            value = bound.get(name)
            if value is None:
                raise SliceRefused(
                    f"`{function.name}` is called on line {site.lineno} without `{name}`",
                    site.lineno,
                )
            self.check_expression(value, site.lineno)
            level.bindings.append((name, value, site.lineno))
            outer_needed |= read_names_of(value)
        return [*self.slice(site, outer_needed, depth + 1), level]

    def from_defaults(self, function, wanted: set, globals_needed: set, level) -> list[_Level]:
        defaults = parameter_defaults(function)
        missing = sorted(wanted - set(defaults))
        if missing:
            raise SliceRefused(
                f"`{function.name}` is never called, and its parameter `{missing[0]}` has no "
                "default",
                function.lineno,
            )
        for name in sorted(wanted):
            level.bindings.append((name, defaults[name], function.lineno))
            globals_needed |= read_names_of(defaults[name])
        self.check_available(globals_needed, function)
        return [level]

    def call_site(self, function: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.Call | None:
        """The first call of ``function`` by name outside its own body."""
        found = []
        for node in ast.walk(self.tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == function.name
                and not self.inside(node, function)
            ):
                found.append(node)
        return min(found, key=lambda n: (n.lineno, n.col_offset)) if found else None

    def inside(self, node: ast.AST, outer: ast.AST) -> bool:
        parent = self.parents.get(id(node))
        while parent is not None:
            if parent is outer:
                return True
            parent = self.parents.get(id(parent))
        return False

    def statement_of(self, node: ast.AST) -> ast.stmt:
        while not isinstance(node, ast.stmt):
            node = self.parents[id(node)]
        return node

    @staticmethod
    def block_of(owner: ast.AST | None, statement: ast.stmt) -> list[ast.stmt]:
        for name in ("body", "orelse", "finalbody", "handlers"):
            block = getattr(owner, name, None)
            if isinstance(block, list) and any(s is statement for s in block):
                return block
        if isinstance(owner, ast.Try | ast.ExceptHandler):
            return owner.body
        if hasattr(owner, "cases"):  # match
            for case in owner.cases:
                if any(s is statement for s in case.body):
                    return case.body
        return [statement]

    @staticmethod
    def loop_names(loop: ast.AST) -> set[str]:
        names = target_names(getattr(loop, "target", None))
        for statement in loop.body:
            names |= bound_names(statement)
        return names

    def check_available(self, needed: set[str], where: ast.AST) -> None:
        missing = sorted(needed - self.available - BUILTIN_NAMES)
        if missing:
            raise SliceRefused(
                f"the arguments use `{missing[0]}`, which neither the module nor the code "
                "before the call sets",
                getattr(where, "lineno", None),
            )

    # --- what must not run ------------------------------------------------------------------

    def check_allowed(self, statement: ast.stmt) -> None:
        if isinstance(statement, FUNCTIONS | ast.ClassDef):
            return  # defining runs nothing
        for node in walk_code(statement):
            if isinstance(node, ast.Call):
                reason = self.refusal(node)
                if reason:
                    raise SliceRefused(
                        f"line {node.lineno} {reason}, and the arguments of `mcmc.run` need "
                        "what it makes",
                        node.lineno,
                    )
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and node.value.startswith(("http://", "https://", "ftp://"))
            ):
                raise SliceRefused(
                    f"line {node.lineno} reads from the network ({node.value[:60]}), and "
                    "the arguments of `mcmc.run` need what it makes",
                    node.lineno,
                )

    def check_expression(self, value: ast.expr, line: int) -> None:
        wrapper = ast.Expr(value)
        ast.copy_location(wrapper, value)
        self.check_allowed(wrapper)

    def refusal(self, call: ast.Call) -> str | None:
        return script_refusal(call) or self.forbidden(call)

    # --- text ---------------------------------------------------------------------------

    def render(self, level: _Level) -> list[tuple[str, set[int]]]:
        """The level as texts at the file's own line numbers (its parameters' bindings, then
        its statements), each with the lines it runs."""
        parts = []
        if level.bindings:
            out = [""] * len(self.lines)
            used: set[int] = set()
            for name, value, line in level.bindings:
                # The bindings of one call share its line: each takes the next free one.
                index = line - 1
                while index < len(out) and out[index]:
                    index += 1
                text = f"({self.segment(value)})"
                if name in level.first_items:
                    text = f"next(iter({text}))"
                for offset, part in enumerate(f"{name} = {text}".split("\n")):
                    while index + offset >= len(out):
                        out.append("")
                    out[index + offset] = part.strip() if offset == 0 else part
                used.add(line)
            parts.append(("\n".join(out) + "\n", used))
        if level.statements:
            out = [""] * len(self.lines)
            used = set()
            for statement in level.statements:
                first, last = statement.lineno, statement.end_lineno or statement.lineno
                start = column_from_utf8(self.lines[first - 1], statement.col_offset)
                text_lines = self.patched(statement).split("\n")
                out[first - 1] = text_lines[0][start:]
                for offset in range(1, last - first + 1):
                    out[first - 1 + offset] = text_lines[offset]
                used.update(range(first, last + 1))
            parts.append(("\n".join(out) + "\n", used))
        return parts

    def segment(self, node: ast.AST) -> str:
        text = self.patched(node)
        lines = text.split("\n")
        first = column_from_utf8(self.lines[node.lineno - 1], node.col_offset)
        last = column_from_utf8(self.lines[node.end_lineno - 1], node.end_col_offset)
        if len(lines) == 1:
            return lines[0][first : last + len(lines[0]) - len(self.lines[node.lineno - 1])]
        lines[0] = lines[0][first:]
        extra = len(lines[-1]) - len(self.lines[node.end_lineno - 1])
        lines[-1] = lines[-1][: last + extra]
        return "\n".join(lines)

    def patched(self, node: ast.AST) -> str:
        """The node's whole lines, with ``parse_args()`` made ``parse_args([])``."""
        first, last = node.lineno, node.end_lineno or node.lineno
        lines = list(self.lines[first - 1 : last])
        edits = []
        for inner in ast.walk(node):
            if (
                isinstance(inner, ast.Call)
                and isinstance(inner.func, ast.Attribute)
                and inner.func.attr in ARGPARSE_CALLS
                and not inner.args
                and not inner.keywords
            ):
                line = inner.end_lineno - first
                column = column_from_utf8(lines[line], inner.end_col_offset) - 1
                edits.append((line, column))
        for line, column in sorted(edits, reverse=True):
            text = lines[line]
            if column < len(text) and text[column] == ")":
                lines[line] = text[:column] + "[]" + text[column:]
        return "\n".join(line.rstrip("\r\n") for line in lines)


# --- names ----------------------------------------------------------------------------------


def dotted(node: ast.AST) -> list[str]:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return parts[::-1]
    if isinstance(node, ast.Call):
        inner = dotted(node.func)
        return [*inner, *parts[::-1]] if inner else parts[::-1]
    return parts[::-1]


def script_refusal(call: ast.Call) -> str | None:
    """Why the smoke test never runs ``call`` (a print, a plot, a file write, a network
    load, input), or None."""
    func = call.func
    chain = dotted(func)
    root = chain[0] if chain else None
    last = chain[-1] if chain else getattr(func, "attr", None)
    if chain == ["print"] or chain == ["input"] or chain == ["breakpoint"]:
        return f"calls `{chain[0]}`"
    if root in PLOT_ROOTS or last in PLOT_METHODS:
        return f"plots (`{'.'.join(chain or [last or ''])}`)"
    if chain == ["open"] and writes(call):
        return "opens a file for writing"
    if last in WRITE_METHODS:
        return f"writes (`.{last}`)"
    if root in NETWORK_ROOTS or last in NETWORK_NAMES:
        return f"reads from the network (`{'.'.join(chain or [last or ''])}`)"
    return None


def writes(call: ast.Call) -> bool:
    mode = call.args[1] if len(call.args) > 1 else None
    for keyword in call.keywords:
        if keyword.arg == "mode":
            mode = keyword.value
    if mode is None:
        return False
    if isinstance(mode, ast.Constant) and isinstance(mode.value, str):
        return any(c in mode.value for c in "wax+")
    return True  # a mode we cannot read


def walk_code(node: ast.AST):
    """The nodes that run when ``node`` runs: not the bodies of functions or lambdas it
    defines."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        for child in ast.iter_child_nodes(current):
            if isinstance(child, FUNCTIONS | ast.Lambda | ast.ClassDef):
                continue
            stack.append(child)


def target_names(target: ast.AST | None) -> set[str]:
    if target is None:
        return set()
    return {
        n.id for n in ast.walk(target) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
    }


def bound_names(statement: ast.stmt) -> set[str]:
    """The names a statement binds in its own scope (a module's, for a top-level one): not
    what the bodies of its functions and classes, its lambdas and comprehensions bind."""
    names: set[str] = set()
    stack: list[ast.AST] = [statement]
    while stack:
        node = stack.pop()
        if isinstance(node, FUNCTIONS | ast.ClassDef):
            names.add(node.name)
            continue
        if isinstance(node, ast.Lambda | ast.comprehension):
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.alias):
            names.add(node.asname or node.name.split(".", 1)[0])
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
        stack.extend(ast.iter_child_nodes(node))
    return names


def binds_everywhere(statement: ast.stmt) -> set[str]:
    """Names a compound statement binds before it reads them again (a loop's target)."""
    if isinstance(statement, ast.For | ast.AsyncFor):
        return target_names(statement.target)
    return set()


def mutated_name(statement: ast.stmt) -> str | None:
    """``x`` for ``x.method(...)``, ``x[i] = v``, ``x.a = v``, ``x += v``: a statement that
    changes what ``x`` holds without binding it."""
    if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
        func = statement.value.func
        if isinstance(func, ast.Attribute):
            chain = dotted(func.value)
            return chain[0] if chain and isinstance(func.value, ast.Name | ast.Attribute) else None
        return None
    targets: list[ast.AST] = []
    if isinstance(statement, ast.Assign):
        targets = statement.targets
    elif isinstance(statement, ast.AugAssign | ast.AnnAssign):
        targets = [statement.target]
    for target in targets:
        if isinstance(target, ast.Subscript | ast.Attribute):
            chain = dotted(target.value)
            if chain:
                return chain[0]
    return None


def read_names(statement: ast.stmt) -> set[str]:
    """The names a statement reads when it runs, with those its lambdas read (``df.pipe(
    lambda x: x / scale)`` reads ``scale``); not those a function it defines reads when
    called, nor a lambda's or comprehension's own variables, nor those a block binds before
    it reads them (``for i in r: m, c = f(i); out.append(c)`` reads no ``c``)."""
    if isinstance(statement, FUNCTIONS):
        parts = [*statement.decorator_list, *statement.args.defaults]
        parts += [d for d in statement.args.kw_defaults if d is not None]
        return set().union(*(read_names_of(p) for p in parts)) if parts else set()
    if isinstance(statement, BLOCKS):
        return reads_in_order([statement], set())
    return read_names_of(statement)


BLOCKS = ast.For | ast.AsyncFor | ast.While | ast.If | ast.With | ast.AsyncWith | ast.Try


def reads_in_order(statements: list[ast.stmt], bound: set[str]) -> set[str]:
    """The names ``statements`` read before they bind them, as they run one after another;
    ``bound`` (the names bound so far) grows with what they bind for certain."""
    reads: set[str] = set()
    for statement in statements:
        if isinstance(statement, ast.For | ast.AsyncFor):
            reads |= read_names_of(statement.iter) - bound
            reads |= reads_in_order(statement.body, bound | target_names(statement.target))
            reads |= reads_in_order(statement.orelse, set(bound))
        elif isinstance(statement, ast.While | ast.If):
            reads |= read_names_of(statement.test) - bound
            body, orelse = set(bound), set(bound)
            reads |= reads_in_order(statement.body, body) | reads_in_order(statement.orelse, orelse)
            if isinstance(statement, ast.If):
                bound |= body & orelse  # bound whichever branch ran
        elif isinstance(statement, ast.With | ast.AsyncWith):
            for item in statement.items:
                reads |= read_names_of(item.context_expr) - bound
                bound |= target_names(item.optional_vars)
            reads |= reads_in_order(statement.body, bound)
        elif isinstance(statement, ast.Try):
            for block in (statement.body, statement.orelse, statement.finalbody):
                reads |= reads_in_order(block, set(bound))
            for handler in statement.handlers:
                if handler.type is not None:
                    reads |= read_names_of(handler.type) - bound
                reads |= reads_in_order(handler.body, set(bound))
        else:
            reads |= read_names(statement) - bound
            bound |= bound_names(statement)
    return reads


def read_names_of(node: ast.AST) -> set[str]:
    loads: set[str] = set()
    # Each node with the names bound where it stands by the lambdas and comprehensions
    # around it: ``lambda x: x`` reads no ``x``, and ``f(x, lambda x: x)`` one.
    pending: list[tuple[ast.AST, frozenset[str]]] = [(node, frozenset())]
    while pending:
        current, local = pending.pop()
        if isinstance(current, ast.Name):
            if isinstance(current.ctx, ast.Load) and current.id not in local:
                loads.add(current.id)
            continue
        if isinstance(current, ast.Lambda):
            arguments = current.args
            parameters = {a.arg for a in ast.walk(arguments) if isinstance(a, ast.arg)}
            defaults = [*arguments.defaults, *(d for d in arguments.kw_defaults if d is not None)]
            pending += [(default, local) for default in defaults]
            pending.append((current.body, local | parameters))
            continue
        if isinstance(current, COMPREHENSIONS):
            local = local.union(*(target_names(g.target) for g in current.generators))
        for child in ast.iter_child_nodes(current):
            if not isinstance(child, FUNCTIONS | ast.ClassDef):
                pending.append((child, local))
    return loads


def parameter_names(function: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    args = function.args
    names = {a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]}
    names |= {a.arg for a in (args.vararg, args.kwarg) if a is not None}
    return names


def parameter_defaults(function: ast.FunctionDef | ast.AsyncFunctionDef) -> dict[str, ast.expr]:
    args = function.args
    positional = [*args.posonlyargs, *args.args]
    with_default = positional[len(positional) - len(args.defaults) :]
    defaults = dict(zip([a.arg for a in with_default], args.defaults, strict=True))
    for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        if default is not None:
            defaults[arg.arg] = default
    return defaults


def bind_arguments(
    function: ast.FunctionDef | ast.AsyncFunctionDef, call: ast.Call
) -> dict[str, ast.expr]:
    """Each parameter's expression at this call: its argument, or its default."""
    if any(isinstance(a, ast.Starred) for a in call.args) or any(
        k.arg is None for k in call.keywords
    ):
        raise SliceRefused(
            f"`{function.name}` is called with `*` or `**` arguments on line {call.lineno}",
            call.lineno,
        )
    args = function.args
    positional = [a.arg for a in [*args.posonlyargs, *args.args]]
    bound = parameter_defaults(function)
    for name, value in zip(positional, call.args, strict=False):
        bound[name] = value
    for keyword in call.keywords:
        bound[keyword.arg] = keyword.value
    return bound
