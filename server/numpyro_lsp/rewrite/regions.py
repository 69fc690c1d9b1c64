"""Rewriting one top-level statement of a file: cut it out, rewrite it, splice it back.

libcst's visitors cost seconds on a long file, while a model function is a few dozen lines;
everything outside the region stays byte-identical by construction.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass

from numpyro_lsp.analysis.text import split_lines_keepends
from numpyro_lsp.rewrite.edits import Segment


@dataclass(frozen=True)
class Region:
    """Lines ``first`` to ``last`` (1-based, inclusive) of a file."""

    first: int
    last: int

    def shift(self, line: int) -> int:
        """A file line number as a line number within the region."""
        return line - self.first + 1


def top_level_region(tree: ast.Module, line: int) -> Region | None:
    """The top-level statement that holds ``line``, decorators included."""
    for statement in tree.body:
        decorators = getattr(statement, "decorator_list", [])
        first = min([statement.lineno, *(d.lineno for d in decorators)])
        if first <= line <= statement.end_lineno:
            return Region(first, statement.end_lineno)
    return None


def rewrite_region(source: str, region: Region, rewrite: Callable[[str], str]) -> Segment:
    lines = split_lines_keepends(source)
    text = "".join(lines[region.first - 1 : region.last])
    return Segment(region.first - 1, region.last, rewrite(text))
