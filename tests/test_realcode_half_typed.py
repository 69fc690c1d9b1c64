"""Half-typed code on NumPyro code that other people wrote (the real-code corpus of
tests/test_realcode.py): what a user leaves unfinished at a function's edge, above it, in
its middle or at its end, changes no finding outside that function. The typed text is what
a user leaves while typing: a decorator, a block header with no body yet, an open call, a
broken definition at column 0. A quote left open is not among them: it may pair with a
later string, as Python reads it too (tests/test_recovery.py)."""

from __future__ import annotations

import ast
from dataclasses import dataclass

import pytest
from realcode_corpus import distributions, fetch_corpus

from numpyro_lsp.analysis.document import ParsedDocument
from numpyro_lsp.analysis.layout import statement_start
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
