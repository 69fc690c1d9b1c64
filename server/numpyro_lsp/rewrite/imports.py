"""Adding imports the way the file already writes them (libcst's AddImportsVisitor merges
into an existing ``from x import ...`` and puts new ones after the last import)."""

from __future__ import annotations

import ast
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor

from numpyro_lsp.rewrite.edits import Segment
from numpyro_lsp.rewrite.regions import Region, rewrite_region


@dataclass(frozen=True)
class Import:
    """``from module import name``, or ``import module [as alias]`` when ``name`` is None."""

    module: str
    name: str | None = None
    alias: str | None = None


def _opening_block_lines(body: list[ast.stmt]) -> int:
    """How many lines the file's opening block takes: its docstring and the imports that
    follow it."""
    end = 0
    for index, statement in enumerate(body):
        is_docstring = (
            index == 0
            and isinstance(statement, ast.Expr)
            and isinstance(statement.value, ast.Constant)
            and isinstance(statement.value.value, str)
        )
        if not (is_docstring or isinstance(statement, ast.Import | ast.ImportFrom)):
            break
        end = statement.end_lineno
    return end


@functools.lru_cache(maxsize=64)
def with_imports_added(head: str, imports: tuple[Import, ...]) -> str:
    """The opening block with the imports added. Kept: an editor asks for code actions on
    every move of the cursor, the opening block rarely changes while a model is edited, and
    each AddImportsVisitor costs about 8 ms of introspection before it visits anything."""
    context = CodemodContext()
    for needed in imports:
        AddImportsVisitor.add_needed_import(context, needed.module, needed.name, needed.alias)
    return AddImportsVisitor(context).transform_module(cst.parse_module(head)).code


def import_segment(
    source: str,
    body: list[ast.stmt],
    imports: Sequence[Import],
    masked: Mapping[int, str] | None = None,
) -> Segment | None:
    """The file's opening block with these imports added in the file's style (None when none
    is needed). ``body``: the file's statements, as the document's analysis parsed them;
    ``masked``: lines being typed there (``rewrite_region``).

    Only that block goes through libcst: its import visitor is slow on a long file and
    recurses once per top-level statement.
    """
    if not imports:
        return None
    split = _opening_block_lines(body)
    head = rewrite_region(
        source, Region(1, split), lambda text: with_imports_added(text, tuple(imports)), masked
    )
    if split == 0 and source:
        # keep a blank line between new imports and the code below
        return Segment(0, 0, head.text + "\n")
    return head
