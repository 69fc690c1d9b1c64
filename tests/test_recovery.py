"""Where a top-level statement may begin (analysis/recovery.py's ``segment_starts``), against
the tokenizer: on files that parse, every top-level statement begins at one of those lines,
and none of them is inside a string."""

from __future__ import annotations

import ast
import io
import tokenize
from pathlib import Path

import pytest

from conftest import ROOT
from numpyro_lsp.analysis.layout import statement_start
from numpyro_lsp.analysis.recovery import segment_starts
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


def lines_inside_strings(source: str) -> set[int]:
    """0-based lines that begin inside a string token, by the tokenizer."""
    inside: set[int] = set()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.STRING:
            inside.update(range(token.start[0], token.end[0]))  # 1-based start + 1 .. end
    return inside


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_segment_starts_are_the_statements_starts_and_never_inside_a_string(path: Path):
    source = path.read_text(encoding="utf-8")
    lines = split_lines(source)
    starts = set(segment_starts(lines, 0, len(lines)))
    statements = {statement_start(s) for s in ast.parse(source).body}
    assert statements <= starts
    assert not starts & lines_inside_strings(source)


def test_some_files_have_text_at_column_0_inside_a_string():
    # Without them the test above would hold for a scan that ignores strings.
    def text_at_column_0_inside_a_string(path: Path) -> bool:
        source = path.read_text(encoding="utf-8")
        lines = split_lines(source)
        return any(lines[line][:1].isalpha() for line in lines_inside_strings(source))

    assert sum(map(text_at_column_0_inside_a_string, FILES)) >= 10
