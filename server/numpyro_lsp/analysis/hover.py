"""Hover text for NumPyro names as written in code."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from numpyro_lsp.analysis.context import dotted_name_at
from numpyro_lsp.analysis.resolve import catalog_member
from numpyro_lsp.catalog import render
from numpyro_lsp.catalog.schema import Catalog


@dataclass(frozen=True)
class HoverResult:
    markdown: str
    # Code-point columns of the hovered name on its line.
    start: int
    end: int


def hover_at(line: str, column: int, bindings: Mapping[str, str], catalog: Catalog):
    name = dotted_name_at(line, column)
    if name is None:
        return None
    member = catalog_member(name.parts, bindings, catalog)
    if member is None:
        return None
    return HoverResult(render.member_markdown(member), name.start, name.end)
