"""Half-typed code on NumPyro code that other people wrote (the real-code corpus of
tests/test_realcode.py): what a user leaves unfinished at a function's edge, above it, in
its middle or at its end, changes no finding outside that function. The typed text is what
a user leaves while typing: a decorator, a block header with no body yet, an open call, a
broken definition at column 0. A quote typed in a method pairs with the next docstring, as
Python reads it too: the class is still read whole, the quote's line masked."""

from __future__ import annotations

import ast
from dataclasses import dataclass

import pytest
from realcode_corpus import distributions, fetch_corpus

from numpyro_lsp.analysis.document import ParsedDocument
from numpyro_lsp.analysis.layout import statement_start
from numpyro_lsp.analysis.recovery import recover
from numpyro_lsp.analysis.text import split_lines
from numpyro_lsp.catalog.store import read_catalog, shipped_catalog_path
from numpyro_lsp.rules.engine import RuleSettings, run_rules

# Other people's strings hold escapes Python warns of (``"\\s"``): theirs to fix.
pytestmark = pytest.mark.filterwarnings("ignore:invalid escape sequence:DeprecationWarning")

CATALOG = read_catalog(shipped_catalog_path())
EVERY_RULE = RuleSettings(select=frozenset({"NPR"}))

Place = tuple[int, int, str]  # line (1-based), column, code


def findings(source: str) -> set[Place]:
    document = ParsedDocument("file:///real.py", 1, source)
    analysis = document.analysis(CATALOG)
    assert analysis is not None
    found = run_rules(analysis, document.lines, EVERY_RULE)
    return {(f.span.line, f.span.column, f.code) for f in found}


def middle_function(tree: ast.Module) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    functions = [s for s in tree.body if isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef)]
    return functions[len(functions) // 2] if functions else None


# Each gives where the typed line goes (0-based: it becomes that line), and what it is.
def above(function) -> tuple[int, str]:
    return statement_start(function), "@handlers."


def header_in_the_middle(function) -> tuple[int, str]:
    statement = function.body[len(function.body) // 2]
    return statement.lineno - 1, " " * statement.col_offset + 'with numpyro.plate("n", 3):'


def open_call_at_the_end(function) -> tuple[int, str]:
    last = function.body[-1]
    return last.end_lineno, " " * function.body[0].col_offset + "x = foo("


def broken_def_after(function) -> tuple[int, str]:
    return function.end_lineno, "def probe(:"


TYPINGS = [above, header_in_the_middle, open_call_at_the_end, broken_def_after]


def outside(found: set[Place], typed_line: int | None, first: int, last: int) -> set[Place]:
    """The findings off lines ``first`` to ``last`` of the unedited text, at the lines they
    had there (those below a typed line move back up by one)."""
    moved = {
        (line - (typed_line is not None and line > typed_line), column, code)
        for line, column, code in found
        if line != typed_line
    }
    return {place for place in moved if not first <= place[0] <= last}


@dataclass(frozen=True)
class RealFile:
    name: str
    source: str
    function: ast.FunctionDef | ast.AsyncFunctionDef  # the one typed in
    findings: set[Place]  # the unedited file's

    @property
    def around(self) -> set[Place]:
        """The unedited findings outside the function typed in."""
        first = statement_start(self.function) + 1
        return outside(self.findings, None, first, self.function.end_lineno)


@pytest.fixture(scope="module")
def real_files() -> list[RealFile]:
    corpus = fetch_corpus()
    found = []
    for dist in distributions():
        for name in dist.files:
            source = (corpus / dist.folder / name).read_text(encoding="utf-8")
            function = middle_function(ast.parse(source))
            if function is not None:
                found.append(RealFile(f"{dist.folder}/{name}", source, function, findings(source)))
    return found


@pytest.mark.parametrize("typing", TYPINGS, ids=lambda t: t.__name__)
def test_what_is_typed_at_a_functions_edge_changes_no_finding_outside_it(real_files, typing):
    assert len(real_files) >= 100
    changed = {}
    for real in real_files:
        function = real.function
        at, typed = typing(function)
        lines = real.source.splitlines()
        edited = "\n".join([*lines[:at], typed, *lines[at:]])
        first, last = statement_start(function) + 1, function.end_lineno
        after = outside(findings(edited), at + 1, first, last)
        if real.around != after:
            changed[real.name] = (sorted(real.around - after), sorted(after - real.around))
    assert changed == {}


def test_the_files_typed_in_have_findings_to_lose(real_files):
    # The corpus is mostly correct code: a few of its files have findings around the typed
    # function (15 of 169 today), which a lost statement would take away; a lost statement
    # anywhere may add others (a name it bound reads as unknown).
    assert sum(bool(real.around) for real in real_files) >= 10


def test_a_quote_typed_in_a_method_leaves_the_class_read_with_that_line_masked():
    """Each class whose last method has a docstring, with ``\"\"\"Draw`` typed in the middle
    of its first method: the typed quote pairs with a docstring below, and Python reports
    where that shows (prose read as code, a tokenizer error further down), not the quote.
    The class is read as if the line were ``pass``: every other method and statement."""
    corpus = fetch_corpus()
    read = []
    for dist in distributions():
        for name in dist.files:
            source = (corpus / dist.folder / name).read_text(encoding="utf-8")
            lines = split_lines(source)
            for top in ast.parse(source).body:
                methods = (
                    [m for m in top.body if type(m) is ast.FunctionDef]
                    if (type(top) is ast.ClassDef)
                    else []
                )
                if len(methods) < 2 or len(methods[0].body) < 3:
                    continue
                if not ast.get_docstring(methods[-1]):
                    continue
                middle = methods[0].body[len(methods[0].body) // 2]
                at, indent = statement_start(middle), " " * middle.col_offset
                edited = [*lines[:at], indent + '"""Draw', *lines[at:]]
                statements, _ = recover(edited, 0, len(edited))
                passed = ast.parse("\n".join([*lines[:at], indent + "pass", *lines[at:]]))
                same = [ast.dump(s, include_attributes=True) for s in statements] == [
                    ast.dump(s, include_attributes=True) for s in passed.body
                ]
                read.append((f"{dist.folder}/{name}:{top.name}", same))
    assert len(read) >= 50
    assert [name for name, same in read if not same] == []
