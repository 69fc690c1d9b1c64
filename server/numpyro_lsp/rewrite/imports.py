"""Adding imports the way the file already writes them (libcst's AddImportsVisitor merges
into an existing ``from x import ...`` and puts new ones after the last import)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor


@dataclass(frozen=True)
class Import:
    """``from module import name``, or ``import module [as alias]`` when ``name`` is None."""

    module: str
    name: str | None = None
    alias: str | None = None


def add_imports_to_module(module: cst.Module, imports: Sequence[Import]) -> cst.Module:
    if not imports:
        return module
    context = CodemodContext()
    for needed in imports:
        AddImportsVisitor.add_needed_import(context, needed.module, needed.name, needed.alias)
    return AddImportsVisitor(context).transform_module(module)


def add_imports(source: str, imports: Sequence[Import]) -> str:
    if not imports:
        return source
    return add_imports_to_module(cst.parse_module(source), imports).code
