"""A notebook as one program: its code cells in order, one after the other, with IPython's own
syntax (``%magic``, ``%%cellmagic``, ``!shell``, ``x = !cmd``, ``?help``, ``obj?``, and a
line magic without its ``%``, ``cd ..``, where that line is not Python) masked into
comments of the same length, so that every line and column of a cell is the same in the
program; and the map between a cell's lines and the program's. A cell whose first line is
indented is dedented as IPython runs it: its lines start that many columns further left in
the program (``CodeCell.shifts``).

The editor (features/notebooks.py) and ``numpyro-lsp check`` (check.py) both read a
notebook through here: the analysis sees a plain Python document.
"""

from __future__ import annotations

import ast
import bisect
import functools
import json
import re
import symtable
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from numpyro_lsp.analysis.text import split_lines

# Cell magics whose body is Python, run as it is (the magic line alone is masked); the body
# of any other cell magic (``%%bash``, ``%%html``, ``%%writefile``...) is not Python.
PYTHON_CELL_MAGICS = frozenset(
    {"time", "timeit", "capture", "prun", "debug", "px", "pypy", "python", "python3"}
)

# A line IPython reads as its own: a magic, a shell escape, a help request, or an
# assignment from a magic or a shell escape (``files = !ls``, ``t = %timeit -o f()``).
_IPYTHON_LINE = re.compile(
    r"""^\s*(?:
        [%!?]                                  # %magic, !shell, ?help
      | [\w.]+\s*\?{1,2}\s*$                   # obj? obj??
      | [\w.,\s()\[\]*]+=\s*[%!]               # x = !ls, t = %timeit -o f()
    )""",
    re.VERBOSE,
)
# IPython's line magics, which it runs without their ``%`` (automagic, on by default):
# ``cd ..``, ``run helpers.py``, ``pip install numpyro``. Such a line is IPython's only where it
# is not Python (``time = 3`` and ``ls - la`` are), and never an assignment (IPython's
# AssignmentChecker: ``config = gan.Config(`` opening a call over several lines is Python).
_AUTOMAGIC = re.compile(
    r"""^\s*(?:alias|autoreload|aimport|bookmark|cat|cd|clear|conda|config|cp|debug|dhist
    |dirs|env|gui|hist|history|less|load|load_ext|ls|lsmagic|magic|man|matplotlib|mkdir|mv
    |pdb|pip|popd|precision|prun|pushd|pwd|pylab|reload_ext|reset|rm|rmdir|run|save|set_env
    |store|sx|system|tb|time|timeit|unalias|unload_ext|who|whos|xdel|xmode)
    (?:\s+(?![\s=,])|$)""",
    re.VERBOSE,
)
_CELL_MAGIC = re.compile(r"^\s*%%(\w+)")
# Line magics that run the rest of their line as Python (``%time sampler.run(key, x)``),
# when no option follows them.
_PYTHON_LINE_MAGIC = re.compile(r"^(\s*)(%(?:time|timeit|prun)\s+)(?=[^\s-])")


def _comment_out(line: str) -> str:
    """The line as a comment of the same length (its first non-blank character a ``#``)."""
    stripped = line.lstrip()
    if not stripped:
        return line
    at = len(line) - len(stripped)
    return line[:at] + "#" + line[at + 1 :]


def _parses(source: str) -> bool:
    try:
        ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


@functools.lru_cache(maxsize=4096)
def mask_ipython(source: str) -> str:
    """A cell's text with its IPython syntax as comments: as many lines, each as long. A
    cell that parses as Python is left as it is (a ``%`` line in a docstring stays)."""
    lines = split_lines(source)
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is not None:
        magic = _CELL_MAGIC.match(lines[first])
        if magic is not None:
            if magic.group(1) not in PYTHON_CELL_MAGICS:
                return _join_like(source, [_comment_out(line) for line in lines])
            lines[first] = _comment_out(lines[first])
            return mask_ipython(_join_like(source, lines))
    candidates = [
        i
        for i, line in enumerate(lines)
        if _IPYTHON_LINE.match(line) or (_AUTOMAGIC.match(line) and not _parses(line.strip()))
    ]
    # IPython joins a magic's or a shell escape's lines ended by a backslash into its one
    # command (``!gcloud ... \`` / ``  --zone us-east1-d``).
    for index in list(candidates):
        while lines[index].rstrip().endswith("\\") and index + 1 < len(lines):
            index += 1
            if index not in candidates:
                candidates.append(index)
    if not candidates or _parses(source):
        return source
    commented = list(lines)
    for index in candidates:
        commented[index] = _comment_out(lines[index])
    masked = _join_like(source, commented)
    run_as_python = list(commented)
    for index in candidates:
        run_as_python[index] = _python_line_magic(lines[index]) or commented[index]
    if run_as_python != commented:
        with_statements = _join_like(source, run_as_python)
        if _parses(with_statements):
            return with_statements
    if _parses(masked):
        return masked
    # A magic alone in a block (``if "SVG" in os.environ:`` / ``%config ...``) leaves the
    # block empty once commented out: there it stands as a statement, ``...``.
    for index in candidates:
        lines[index] = _as_statement(lines[index])
    as_statements = _join_like(source, lines)
    return as_statements if _parses(as_statements) else masked


def ipython_dedent(source: str) -> tuple[str, tuple[int, ...]] | None:
    """A cell whose first line is indented as IPython runs it: that indentation taken off
    every line that starts with it (IPython's ``leading_indent``), with the columns each line
    lost; None for a cell that parses as it is or does not parse once dedented."""
    lines = split_lines(source)
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        return None
    prefix = lines[first][: len(lines[first]) - len(lines[first].lstrip(" \t"))]
    if not prefix or _parses(source):
        return None
    shifts = tuple(len(prefix) if line.startswith(prefix) else 0 for line in lines)
    dedented = _join_like(source, [line[shift:] for line, shift in zip(lines, shifts, strict=True)])
    return (dedented, shifts) if _parses(mask_ipython(dedented)) else None


def _python_line_magic(line: str) -> str | None:
    """``%time stmt`` as ``...;  stmt``, of the same length: IPython runs the statement, so
    the program has it (``...;`` stands where the magic's name was)."""
    match = _PYTHON_LINE_MAGIC.match(line)
    if match is None:
        return None
    return match.group(1) + "...;".ljust(len(match.group(2))) + line[match.end() :]


def _as_statement(line: str) -> str:
    """The line as ``...`` and a comment, of the same length (a comment if it is too short)."""
    stripped = line.lstrip()
    if len(stripped) < 3:
        return _comment_out(line)
    at = len(line) - len(stripped)
    return line[:at] + "..." + ("#" + stripped[4:] if len(stripped) > 3 else "")


def _join_like(source: str, lines: list[str]) -> str:
    """``lines`` joined with the line ending ``source`` uses, so that lengths stay."""
    ending = "\r\n" if "\r\n" in source else "\r" if "\r" in source and "\n" not in source else "\n"
    return ending.join(lines)


@dataclass(frozen=True)
class CodeCell:
    """A code cell's place in the program: ``key`` names it (the cell's URI in the editor,
    its 1-based number among all the notebook's cells in a file), ``start`` is the
    program's 0-based line where its first line is, ``line_count`` its lines."""

    key: str
    start: int
    line_count: int
    # The columns IPython takes off each of its lines, for a cell whose first line is
    # indented (``ipython_dedent``); empty for every other cell.
    shifts: tuple[int, ...] = ()

    def shift(self, line: int) -> int:
        """The columns the cell's 0-based ``line`` lost in the program."""
        return self.shifts[line] if 0 <= line < len(self.shifts) else 0

    @property
    def end(self) -> int:
        """The program's line after the cell's last."""
        return self.start + self.line_count


@dataclass(frozen=True)
class NotebookProgram:
    """The code cells of a notebook as one program (``source``) and where each cell is."""

    source: str
    cells: tuple[CodeCell, ...]
    # The ``%run [-i] helpers.py`` lines (masked in ``source``): the program's 0-based line
    # and the file each runs, as written.
    run_files: tuple[tuple[int, str], ...] = ()

    @functools.cached_property
    def _starts(self) -> list[int]:
        return [cell.start for cell in self.cells]

    @functools.cached_property
    def _by_key(self) -> dict[str, int]:
        return {cell.key: index for index, cell in enumerate(self.cells)}

    @functools.cached_property
    def cell_starts(self) -> tuple[int, ...]:
        """The program's lines where a cell after the first begins: IPython parses each cell
        on its own, so no statement, string or bracket runs across one (layout.Layout)."""
        return tuple(dict.fromkeys(cell.start for cell in self.cells[1:]))

    def index_of(self, key: str) -> int | None:
        return self._by_key.get(key)

    def cell_at(self, line: int) -> tuple[int, int]:
        """(the cell's index, the line in the cell) of the program's 0-based ``line``; a
        line past the end is in the last cell."""
        if not self.cells:
            return 0, line
        index = max(0, bisect.bisect_right(self._starts, line) - 1)
        return index, line - self.cells[index].start

    def program_line(self, index: int, line: int) -> int:
        """The program's 0-based line of a cell's 0-based ``line``."""
        return self.cells[index].start + line


# A program's line as messages write it: ``path:12``, ``line 12``, ``lines 3-5``.
_LINE_WORDS = re.compile(r"\b(?:line|lines) (\d+(?:-\d+)?(?:, \d+(?:-\d+)?)*)\b")
# A frame of a Python traceback: ``  File "/path/x.py", line 12, in f``.
_FRAME = re.compile(r'\s*File "(?P<file>[^"]*)", line \d+')


def named_in_cells(
    program: NotebookProgram, text: str, number: Callable[[int], int], path: str | None = None
) -> str:
    """A message about the program, its lines named as the notebook's: ``cell 3, line 2``,
    ``path:cell 3:2`` (a rule or a report names the program's lines). ``number``: the
    number a cell is shown with, from its index."""
    if not program.cells:
        return text

    def where(line: int) -> tuple[int, int]:
        index, in_cell = program.cell_at(line - 1)
        return number(index), in_cell + 1

    def span(lines: str) -> str:
        first_line, _, last_line = lines.partition("-")
        cell, first = where(int(first_line))
        if not last_line:
            return f"cell {cell}, line {first}"
        last_cell, last = where(int(last_line))
        if last_cell != cell:
            return f"cell {cell}, line {first} to cell {last_cell}, line {last}"
        return f"cell {cell}, lines {first}-{last}"

    def words(match: re.Match[str]) -> str:
        # ``lines 3, 17, 31-32``: each in its cell.
        return "; ".join(span(lines) for lines in match[1].split(", "))

    if path:
        located = re.compile(re.escape(path) + r":(\d+)")
        text = located.sub(lambda m: "{}:cell {}:{}".format(path, *where(int(m[1]))), text)
    # A traceback's frame in another file (jax's, numpyro's) keeps its line.
    return "".join(
        line
        if (frame := _FRAME.match(line)) and frame["file"] != path
        else _LINE_WORDS.sub(words, line)
        for line in text.splitlines(keepends=True)
    )


# ``%run helpers.py`` or ``%run -i 'helpers.py'`` (or ``run helpers.py``, automagic) at a
# cell's top level: IPython runs the file and the notebook uses what it defines.
_RUN_MAGIC = re.compile(
    r"""^%?run\s+(?:-i\s+)?
    (?:'(?P<quoted>[^']+)'|"(?P<double>[^"]+)"|(?P<bare>\S+\.py))\s*$""",
    re.VERBOSE,
)


@functools.lru_cache(maxsize=4096)
def _masked_cell(text: str) -> tuple[str, int, tuple[tuple[int, str], ...], tuple[int, ...]]:
    """The cell as IPython reads it (dedented, ``ipython_dedent``) and masked
    (``mask_ipython``), its line count, its ``%run`` lines (0-based in the cell) with the
    file each runs, and the columns each line lost: read once per text, not on every
    program."""
    dedented = ipython_dedent(text)
    read, shifts = dedented if dedented is not None else (text, ())
    masked = mask_ipython(read)
    masked_lines = split_lines(masked)
    runs = []
    if masked != read:  # a cell without IPython syntax runs no file
        for number, (line, kept) in enumerate(zip(split_lines(read), masked_lines, strict=True)):
            run = _RUN_MAGIC.match(line)
            if run is not None and kept != line:  # masked: IPython's, not a string's line
                runs.append((number, run["quoted"] or run["double"] or run["bare"]))
    return masked, len(masked_lines), tuple(runs), shifts


def notebook_program(cells: Sequence[tuple[str, str]]) -> NotebookProgram:
    """The program of ``cells`` (key, text), code cells only, in order."""
    texts, placed, runs, start = [], [], [], 0
    for key, text in cells:
        masked, count, cell_runs, shifts = _masked_cell(text)
        placed.append(CodeCell(key, start, count, shifts))
        texts.append(masked)
        runs += [(start + number, file) for number, file in cell_runs]
        start += count
    return NotebookProgram("\n".join(texts), tuple(placed), tuple(runs))


# What a notebook shows rather than computes: the smoke test of a model leaves out the cells'
# statements that use these (plots, summaries, rendering), and what uses what they set.
DISPLAY_MODULES = ("matplotlib", "seaborn", "arviz", "plotly", "bokeh", "altair", "IPython")


def _display_import(statement: ast.stmt) -> set[str]:
    """The names an import of a display module binds."""
    if (
        isinstance(statement, ast.ImportFrom)
        and statement.module
        and statement.level == 0
        and statement.module.split(".")[0] in DISPLAY_MODULES
    ):
        return {a.asname or a.name for a in statement.names}
    if isinstance(statement, ast.Import):
        return {
            (a.asname or a.name).split(".")[0]
            for a in statement.names
            if a.name.split(".")[0] in DISPLAY_MODULES
        }
    return set()


def _module_names(statement: ast.stmt) -> tuple[set[str], set[str]]:
    """The module-level names a statement reads and those it binds; a function's or a class's
    own names are not (the stdlib's ``symtable`` tells the scopes apart: a method's local
    ``x`` is not the module's ``x`` that a plot set)."""
    table = symtable.symtable(ast.unparse(statement), "<cell>", "exec")
    reads, binds = set(), set()
    for symbol in table.get_symbols():
        if symbol.is_referenced():
            reads.add(symbol.get_name())
        if symbol.is_assigned() or symbol.is_imported():
            binds.add(symbol.get_name())
    pending = list(table.get_children())
    while pending:
        scope = pending.pop()
        pending += scope.get_children()
        free = (s for s in scope.get_symbols() if s.is_global() and s.is_referenced())
        reads.update(symbol.get_name() for symbol in free)
    # A loop's (or a ``with``'s) target is bound before its body reads it: ``for i in
    # range(n): career = career.at[i].set(...)`` does not read the ``i`` a plot's loop set.
    if isinstance(statement, (ast.For, ast.AsyncFor)):
        reads -= _names(statement.target, ast.Store) - _names(statement.iter, ast.Load)
    elif isinstance(statement, (ast.With, ast.AsyncWith)):
        for item in statement.items:
            if item.optional_vars is not None:
                reads -= _names(item.optional_vars, ast.Store) - _names(item.context_expr, ast.Load)
    return reads, binds


def _names(node: ast.AST, context: type) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, context)}


def smoke_program(program: NotebookProgram, model: str, run_line: int | None = None) -> str:
    """What a smoke test of ``model`` runs of a notebook: the cells down to the one that
    defines it (its last top-level definition), or down to the one of ``run_line`` (1-based:
    the ``mcmc.run(...)`` below it whose arguments the run takes), never the cells below;
    and of those, no plot or other display (a statement that uses a display module, or a
    name only such a statement set), each left out as blank lines so that lines keep their
    numbers. The smoke loader then leaves out the prints and the inference, as in a file."""
    from numpyro_lsp.analysis.layout import full_layout, statement_start

    lines = split_lines(program.source)
    layout = full_layout(lines, program.cell_starts)
    defined = [
        s
        for s in layout.statements
        if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and s.name == model
    ]
    if not defined or not program.cells:
        return program.source
    last = max(defined[-1].lineno, run_line or 0)
    end = program.cells[program.cell_at(last - 1)[0]].end
    shown: set[str] = set()
    for statement in layout.statements:
        first = statement_start(statement)
        if first >= end:
            break
        imported = _display_import(statement)
        if statement in defined:
            continue
        reads, binds = _module_names(statement)
        if imported or reads & shown:
            shown |= imported | binds
            for number in range(first, statement.end_lineno):
                lines[number] = ""
        else:
            shown -= binds  # set again by what is kept
    return "\n".join(lines[:end])


class NotebookFileError(ValueError):
    """A file that is not a notebook this reads (nbformat 4 JSON)."""


def read_notebook_file(path: Path) -> NotebookProgram:
    """The program of an ``.ipynb`` file: its Python code cells, each keyed by its 1-based
    number among all the notebook's cells (markdown included), as Jupyter lists them."""
    try:
        notebook = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise NotebookFileError(f"not a notebook: {error}") from error
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise NotebookFileError("not a notebook: no 'cells' list (nbformat 4 is read)")
    language = (
        notebook.get("metadata", {}).get("kernelspec", {}).get("language")
        or notebook.get("metadata", {}).get("language_info", {}).get("name")
        or "python"
    )
    if str(language).lower() != "python":
        return notebook_program([])
    code = []
    for number, cell in enumerate(notebook["cells"], start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        text = "".join(source) if isinstance(source, list) else str(source)
        code.append((str(number), text))
    return notebook_program(code)
