"""Reading around what does not parse (analysis/recovery.py) on our tests, the test corpus
and the examples: an unfinished function at the end leaves every other top-level statement
as Python reads it, docstrings with lines at column 0 included; a quote or bracket typed at
the end of a function leaves the other statements as they were, and so does a decorator
typed above a function or a statement, which is read as it was; a block header typed with
no body yet leaves the function's other statements.

Not held, and not tested: a string with lines at column 0 in the function being typed in,
or below it when the typed text is a quote and nothing between is certainly code (the typed
quote pairs with that string's, as Python reads it too). Our tests hold such strings;
users' models rarely do."""

from __future__ import annotations

import ast
import io
import tokenize
from pathlib import Path

import pytest

from conftest import ROOT
from numpyro_lsp.analysis.layout import statement_start
from numpyro_lsp.analysis.recovery import MAX_MERGED_SEGMENTS, recover
from numpyro_lsp.analysis.text import split_lines

# Our tests hold programs in triple-quoted strings, code at column 0 included; the corpus
# holds other people's docstrings, raw strings and f-strings.
FILES = sorted(
    [
        *(ROOT / "tests").glob("test_*.py"),
        *(ROOT / "tests" / "corpus").rglob("*.py"),
        *(ROOT / "examples").rglob("*.py"),
    ]
)
IDS = [str(p.relative_to(ROOT)) for p in FILES]
UNFINISHED = "\n\ndef probe(:\n    a = dist.\n"
# What a user leaves open while typing the last line of a function.
TYPED = ['"""Draw', "'''abc", 's = "abc', "x = foo(", "z = [1, 2", 'q = f"{a', "if x"]
# What a user leaves while typing a decorator at column 0, above a function or a statement.
DECORATING = ["@", "@jax.", "@handlers.reparam(", "@numpyro.handlers.reparam(config={"]


def dumps(statements: list[ast.stmt]) -> list[str]:
    return [ast.dump(s, include_attributes=True) for s in statements]


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_an_unfinished_function_at_the_end_leaves_the_rest_as_python_reads_it(path: Path):
    source = path.read_text(encoding="utf-8")
    lines = split_lines(source + UNFINISHED)
    statements, broken = recover(lines, 0, len(lines))
    assert dumps(statements) == dumps(ast.parse(source).body)
    assert [(region.start, region.end) for region in broken] == [(len(lines) - 3, len(lines))]


def middle_function(source: str) -> ast.FunctionDef | None:
    functions = [s for s in ast.parse(source).body if type(s) is ast.FunctionDef]
    return functions[len(functions) // 2] if len(functions) >= 3 else None


def has_text_at_column_0_in_a_string(source: str) -> bool:
    lines = source.splitlines()
    return any(
        token.type == tokenize.STRING and any(line[:1].strip() for line in lines[start:end])
        for token in tokenize.generate_tokens(io.StringIO(source).readline)
        for start, end in [(token.start[0], token.end[0])]
    )


TYPED_IN = [
    p
    for p in FILES
    if middle_function(p.read_text()) and not has_text_at_column_0_in_a_string(p.read_text())
]


@pytest.mark.parametrize("typed", TYPED)
@pytest.mark.parametrize("path", TYPED_IN, ids=lambda p: str(p.relative_to(ROOT)))
def test_what_is_typed_at_the_end_of_a_function_leaves_the_others_as_they_were(
    path: Path, typed: str
):
    source = path.read_text(encoding="utf-8")
    function = middle_function(source)
    assert function is not None
    lines = split_lines(source)
    indent = " " * function.body[-1].col_offset
    edited = [*lines[: function.end_lineno], indent + typed, *lines[function.end_lineno :]]
    statements, _ = recover(edited, 0, len(edited))
    first = statement_start(function)

    def others(found: list[ast.stmt], shift: int) -> list[tuple[int, str]]:
        return [
            (s.lineno - (shift if s.lineno > function.end_lineno else 0), ast.dump(s))
            for s in found
            if not first < s.lineno <= function.end_lineno + shift and statement_start(s) != first
        ]

    assert others(statements, 1) == others(ast.parse(source).body, 0)


@pytest.mark.parametrize("above", ["the middle function", "the statement after it"])
@pytest.mark.parametrize("typed", DECORATING)
@pytest.mark.parametrize("path", TYPED_IN, ids=lambda p: str(p.relative_to(ROOT)))
def test_a_decorator_being_typed_leaves_what_it_decorates_and_the_rest_as_they_were(
    path: Path, typed: str, above: str
):
    """The statement under it is read as it was before the user began the decorator, its
    own decorators included; the typed line alone is broken."""
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    function = middle_function(source)
    assert function is not None
    starts = [s.lineno for s in tree.body]
    after = starts.index(function.lineno) + (above != "the middle function")
    if after == len(tree.body):
        pytest.skip("the middle function is the file's last statement")
    at = statement_start(tree.body[after])  # 0-based: the typed line goes there
    lines = split_lines(source)
    edited = [*lines[:at], typed, *lines[at:]]
    statements, broken = recover(edited, 0, len(edited))

    def positioned(found: list[ast.stmt], typed_at: int | None) -> list[tuple[int, str]]:
        below = typed_at is not None
        return [(s.lineno - (below and s.lineno > typed_at), ast.dump(s)) for s in found]

    assert positioned(statements, at) == positioned(tree.body, None)
    assert [region.line for region in broken] == [at]


# Block headers just typed, their body not yet: Python reports each on the line below.
HEADERS = ['with numpyro.plate("n", 3):', "try:", "for i in range(3):", "else:"]


@pytest.mark.parametrize("where", ["at its end", "in its middle"])
@pytest.mark.parametrize("typed", HEADERS)
@pytest.mark.parametrize("path", TYPED_IN, ids=lambda p: str(p.relative_to(ROOT)))
def test_a_block_header_typed_in_a_function_leaves_its_other_statements(
    path: Path, typed: str, where: str
):
    """The header alone is masked: the function keeps every statement it had."""
    source = path.read_text(encoding="utf-8")
    function = middle_function(source)
    assert function is not None
    body = function.body
    after = body[-1].end_lineno if where == "at its end" else body[len(body) // 2].lineno - 1
    indent = " " * body[0].col_offset
    lines = split_lines(source)
    edited = [*lines[:after], indent + typed, *lines[after:]]
    statements, _ = recover(edited, 0, len(edited))
    (read,) = [s for s in statements if s.lineno == function.lineno]
    assert [ast.dump(s) for s in read.body if s.lineno != after + 1] == [
        ast.dump(s) for s in function.body
    ]


# A function's first line typed with an indentation of its own: Python takes the block's
# indentation from it and reports the next line, the function's own.
MISINDENTED = {"two spaces less": -2, "two spaces more": 2, "a tab": None}


@pytest.mark.parametrize("indentation", MISINDENTED)
@pytest.mark.parametrize("path", TYPED_IN, ids=lambda p: str(p.relative_to(ROOT)))
def test_a_first_line_typed_with_another_indentation_leaves_the_functions_statements(
    path: Path, indentation: str
):
    source = path.read_text(encoding="utf-8")
    function = middle_function(source)
    assert function is not None
    first = function.body[0]
    shift = MISINDENTED[indentation]
    indent = "\t" if shift is None else " " * (first.col_offset + shift)
    lines = split_lines(source)
    at = first.lineno - 1  # 0-based: the typed line goes above the body's first line
    edited = [*lines[:at], indent + "x = 1", *lines[at:]]
    statements, broken = recover(edited, 0, len(edited))
    (read,) = [s for s in statements if s.lineno == function.lineno]
    assert [ast.dump(s) for s in read.body] == [ast.dump(s) for s in function.body]
    assert [region.masked for region in broken] == [((at, ""),)]


def test_a_line_typed_above_a_functions_only_statement_with_another_indentation_leaves_it():
    # numpyro's examples/neutra.py: ``dual_moon_model`` is one sample statement, and
    # ``mcmc.get_samples()["x"]`` below reads its site.
    source = split_lines(
        "def helper(x):\n"
        "    return x\n"
        "\n"
        "\n"
        "def model():\n"
        '    numpyro.sample("x", dist.Normal(0, 1))\n'
    )
    for typed in ("  y = 1", "\ty = 1", "      y = 1"):
        edited = [*source[:5], typed, *source[5:]]
        statements, broken = recover(edited, 0, len(edited))
        assert [ast.unparse(s) for s in statements[1].body] == [
            "numpyro.sample('x', dist.Normal(0, 1))"
        ], typed
        assert [region.masked for region in broken] == [((5, ""),)], typed
        # Nothing outside the function can mend it: an edit elsewhere re-reads only itself.
        assert [region.unbalanced for region in broken] == [False], typed


def test_files_with_docstrings_at_column_0_and_files_typed_in_are_among_those_read():
    # Without them the tests above would hold for the scan that ignored strings.
    sources = [p.read_text() for p in FILES]
    assert sum(map(has_text_at_column_0_in_a_string, sources)) >= 10
    assert len(TYPED_IN) >= 10


def read_with_a_quote_typed_on_line_3(text: str) -> tuple[list[ast.stmt], list]:
    """``recover`` of ``text`` with ``\"\"\"Draw`` typed in its first function's body."""
    source = split_lines(text)
    typed = [*source[:2], '    """Draw', *source[2:]]
    return recover(typed, 0, len(typed))


def test_a_quote_typed_above_a_triple_quote_in_a_comment_leaves_the_code_between():
    # A traceback pasted in comments (a notebook's): its quote is no string's end.
    statements, broken = read_with_a_quote_typed_on_line_3(
        "def model(y):\n"
        "    mu = 1\n"
        "\n"
        "mcmc = MCMC(NUTS(model))\n"
        "mcmc.run(key)\n"
        "# File numpyro/infer/mcmc.py, line 51, in run\n"
        '#      51     """\n'
        "summary = mcmc.get_samples()\n"
    )
    assert [ast.unparse(s) for s in statements[1:]] == [
        "mcmc = MCMC(NUTS(model))",
        "mcmc.run(key)",
        "summary = mcmc.get_samples()",
    ]
    assert [(region.start, region.line) for region in broken] == [(0, 2)]


def test_a_list_with_more_items_at_column_0_than_segments_merged_is_read_whole():
    # DifferentiableUniverseInitiative/jax-cosmo-paper's VectorizedNumPyro notebook: with a
    # syntax error above, a list whose items stand at column 0 (each line starts a segment)
    # was cut into an unclosed bracket and an unmatched one.
    items = [f'"item{i}",' for i in range(3 * MAX_MERGED_SEGMENTS)]
    source = split_lines("\n".join(["print(s[])", "", "names = [", *items, "]", "print(names)"]))
    statements, broken = recover(source, 0, len(source))
    assert [ast.unparse(s)[:9] for s in statements] == ["names = [", "print(nam"]
    assert [(region.start, region.line, region.message) for region in broken] == [
        (0, 0, "invalid syntax. Perhaps you forgot a comma?")
    ]


@pytest.mark.parametrize("path", TYPED_IN, ids=lambda p: str(p.relative_to(ROOT)))
def test_a_quote_typed_in_the_middle_of_a_function_leaves_its_other_statements(path: Path):
    """Python reports where the wrong pairing shows, not where the quote was typed: prose of
    a docstring below read as code, or a tokenizer error anywhere after it."""
    source = path.read_text(encoding="utf-8")
    function = middle_function(source)
    assert function is not None
    middle = function.body[len(function.body) // 2]
    at, indent = statement_start(middle), " " * middle.col_offset
    lines = split_lines(source)
    edited = [*lines[:at], indent + '"""Draw', *lines[at:]]
    statements, broken = recover(edited, 0, len(edited))
    passed = "\n".join([*lines[:at], indent + "pass", *lines[at:]])
    assert dumps(statements) == dumps(ast.parse(passed).body)
    assert [region.masked for region in broken] == [((at, indent + "pass"),)]


def test_a_quote_typed_above_a_banner_string_at_column_0_leaves_the_code_between():
    # dsheldon/mechbayes's models/util.py: module-level strings at column 0 as section
    # banners. A quote typed in a function above paired with the banner's, and the functions
    # between became its text.
    statements, broken = read_with_a_quote_typed_on_line_3(
        "def first(n):\n"
        "    a = n * 2\n"
        "    return a\n"
        "\n"
        "def second(k):\n"
        "    return dist.GammaPoisson(1.0 / k, 1.0)\n"
        '"""\n'
        "Observation models\n"
        '"""\n'
        "def third():\n"
        "    return 3\n"
    )
    assert [type(s).__name__ for s in statements] == ["FunctionDef"] * 2 + ["Expr", "FunctionDef"]
    assert [ast.unparse(s).splitlines()[0] for s in statements[1:]] == [
        "def second(k):",
        "'\\nObservation models\\n'",
        "def third():",
    ]
    assert [(region.start, region.masked) for region in broken] == [(0, ((2, "    pass"),))]


def test_a_string_argument_with_code_at_column_0_is_still_read_whole():
    # Our tests hand programs to functions as strings with code at column 0.
    source = split_lines(
        'def test_it():\n    run(\n        """\ndef model():\n    pass\n""",\n    )\nx = (\n'
    )
    statements, broken = recover(source, 0, len(source))
    assert [ast.unparse(s).splitlines()[0] for s in statements] == ["def test_it():"]
    assert [region.start for region in broken] == [7]
