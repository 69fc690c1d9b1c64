"""Rewriting one top-level statement of a file: cut it out, rewrite it, splice it back.

libcst's visitors cost seconds on a long file, while a model function is a few dozen lines;
everything outside the region stays byte-identical by construction.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from numpyro_lsp.analysis.layout import statement_start
from numpyro_lsp.analysis.text import indentation, split_lines_keepends
from numpyro_lsp.rewrite.edits import Segment


class RewriteError(ValueError):
    """The rewrite does not apply to this code (the action is then not offered)."""


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
        first = statement_start(statement) + 1
        if first <= line <= statement.end_lineno:
            return Region(first, statement.end_lineno)
    return None


def rewrite_region(
    source: str,
    region: Region,
    rewrite: Callable[[str], str],
    masked: Mapping[int, str] | None = None,
) -> Segment:
    """The region rewritten. ``masked`` (0-based file line -> stand-in) names lines that do
    not parse, the user's half-typed ones: the rewrite sees their stand-ins, marked, and they
    are put back as they were where the marks come out."""
    lines = split_lines_keepends(source)
    inside = {
        line: stand_in
        for line, stand_in in (masked or {}).items()
        if region.first - 1 <= line < region.last
    }
    text = "".join(
        _marked(line, stand_in, lines[line])
        if (stand_in := inside.get(line)) is not None
        else lines[line]
        for line in range(region.first - 1, region.last)
    )
    rewritten = rewrite(text)
    if not inside:
        return Segment(region.first - 1, region.last, rewritten)
    restored = []
    for line in split_lines_keepends(rewritten):
        mark = _MARK.search(line)
        if mark is None:
            restored.append(line)
            continue
        original = lines[int(mark.group(1))]
        ending = line[len(line.rstrip("\r\n")) :]
        restored.append(original.rstrip("\r\n") + ending)
        inside.pop(int(mark.group(1)), None)
    if inside:
        raise RewriteError("the rewrite would drop a line that is being typed")
    return Segment(region.first - 1, region.last, "".join(restored))


_MARK = re.compile(r"# numpyro-lsp: typed line (\d+)$")


def _marked(line: int, stand_in: str, original: str) -> str:
    """The stand-in of a masked line, with a comment that survives the rewrite."""
    ending = original[len(original.rstrip("\r\n")) :] or "\n"
    indent = indentation(original)
    body = f"{stand_in}  " if stand_in.strip() else indent
    return f"{body}# numpyro-lsp: typed line {line}{ending}"
