"""Typing a statement into a program, as an editor sends it: findings of the statements the
user is not touching never disappear on the way, and every finding lies inside the document
of the version it was computed for. While what is typed does not parse, no finding shows
outside it that neither the finished program nor the program without it has.

Each example takes a program (the 8-schools example, the test corpus), removes one of its
top-level statements, and types it back in pieces of a few characters, with deletions,
undos and pastes in between, checking each version through the incremental analysis the
server runs (analysis/document.py, rules/engine.py).
"""

from __future__ import annotations

import ast
from collections import Counter

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import EXAMPLES, ROOT
from numpyro_lsp.analysis.document import DocumentIndex
from numpyro_lsp.analysis.layout import statement_start
from numpyro_lsp.catalog.store import read_catalog, shipped_catalog_path
from numpyro_lsp.rules.engine import RuleSettings, run_rules

CATALOG = read_catalog(shipped_catalog_path())
EVERY_RULE = RuleSettings(select=frozenset({"NPR"}))
PROGRAMS = [
    EXAMPLES / "eight_schools.py",
    *sorted((ROOT / "tests" / "corpus").glob("*/*.py")),
]


def statement_spans(source: str) -> list[tuple[int, int]]:
    """Character offsets of each top-level statement, decorators included, to its line end."""
    lines = source.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    return [(starts[statement_start(s)], starts[s.end_lineno]) for s in ast.parse(source).body]


def findings(document) -> list:
    return run_rules(document.analysis(CATALOG), document.lines, EVERY_RULE)


def span_text(document, finding) -> str:
    """A finding as the text it points at, with its code: stable while lines move."""
    span = finding.span
    lines = [line.encode() for line in document.lines]
    if span.line == span.end_line:
        text = lines[span.line - 1][span.column : span.end_column]
    else:
        text = lines[span.line - 1][span.column :]
    return f"{finding.code} {finding.message} @ {text.decode(errors='replace')}"


def outside(document, finding, typed: tuple[int, int]) -> bool:
    """Whether a finding lies outside the lines of the statement being typed."""
    first, last = typed
    return not (first <= finding.span.line - 1 <= last)


def assert_inside(document, found) -> None:
    lines = document.lines
    for finding in found:
        span = finding.span
        assert 1 <= span.line <= span.end_line <= len(lines), finding
        assert span.end_column <= len(lines[span.end_line - 1].encode()), finding


# What the user does between two pieces typed: nothing, delete the last characters typed
# and type them again (undo), or paste the rest of a line at once.
ACTIONS = st.lists(
    st.tuples(st.integers(1, 6), st.sampled_from(["type", "type", "type", "undo", "paste"])),
    min_size=1,
    max_size=400,
)


@pytest.mark.filterwarnings("ignore::SyntaxWarning")
@settings(max_examples=8000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(program=st.sampled_from(PROGRAMS), which=st.floats(0, 1), actions=ACTIONS)
# The module docstring typed up to its first line: its open quote pairs with no other, and
# what follows must stay code (06827db read it as the string's).
@example(program=EXAMPLES / "eight_schools.py", which=0.0, actions=[(1, "paste")])
# A model typed up to ``k =``: the line masked held no site, yet a reference below to the
# model's site "y" was reported as naming none (NPR020).
@example(
    program=ROOT / "tests" / "corpus" / "correct" / "logistic_regression.py",
    which=0.875,
    actions=[(1, "paste"), (1, "type"), (1, "type"), (1, "type"), (4, "type")],
)
def test_typing_a_statement_keeps_the_findings_of_the_others(program, which, actions):
    source = program.read_text()
    spans = statement_spans(source)
    start, end = spans[int(which * (len(spans) - 1))]
    statement = source[start:end]
    without = source[:start] + source[end:]
    documents = DocumentIndex()

    def untouched(document, typed_chars: int) -> Counter:
        first = document.source[:start].count("\n")
        last = document.source[: start + typed_chars].count("\n")
        return Counter(
            span_text(document, f)
            for f in findings(document)
            if outside(document, f, (first, last))
        )

    full = documents.get("file:///typed.py", 0, source)
    stable = untouched(full, len(statement))
    bare = DocumentIndex().get("file:///bare.py", 0, without)
    # What may show outside the statement while it does not parse: what either shows.
    either = stable | untouched(bare, 0)
    stable &= untouched(bare, 0)

    typed = 0
    version = 1
    for size, action in actions:
        if typed >= len(statement):
            break
        if action == "undo" and typed:
            typed = max(0, typed - size)
        elif action == "paste":
            line_end = statement.find("\n", typed)
            typed = len(statement) if line_end < 0 else line_end + 1
        else:
            typed = min(len(statement), typed + size)
        # The user types on a line of its own: the statements below stay on theirs.
        so_far = statement[:typed]
        text = source[:start] + so_far + ("" if so_far.endswith("\n") else "\n") + source[end:]
        document = documents.get("file:///typed.py", version, text)
        version += 1
        found = findings(document)
        assert_inside(document, found)
        now = untouched(document, typed)
        missing = stable - now
        assert not missing, (statement[:typed], missing)
        if document.broken:
            new = now - either
            assert not new, (statement[:typed], new)
