"""From the cursor to the sites it means, and from sites to every string in the workspace
that names them: what go to definition, references, rename and hover share.

Positions are ``ast``'s: 1-based lines, UTF-8 byte columns.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from dataclasses import dataclass

from numpyro_lsp.analysis.document import ParsedDocument
from numpyro_lsp.analysis.models import ModelDefinition, ModuleAnalysis
from numpyro_lsp.analysis.sites import SiteDefinition, SiteIndex, SiteReference, is_site_string

# A string literal as written: prefix, quote, content, the same quote.
_STRING_LITERAL = re.compile(r"([rRuU]?)('''|\"\"\"|'|\")(.*)\2", re.S)
# Characters a site name cannot hold when written between quotes without escapes.
_UNWRITABLE = re.compile(r"['\"\\\x00-\x1f]")


@dataclass(frozen=True)
class SiteTarget:
    """What the cursor is on: a site's own name, a string naming a site, or (for hover) a
    variable a site's value is bound to; with the sites it means."""

    node: ast.expr
    definitions: list[SiteDefinition]


@dataclass(frozen=True)
class Occurrence:
    """A string naming a site, in the document ``uri``."""

    uri: str
    node: ast.Constant


def contains(node: ast.AST, line: int, column: int) -> bool:
    start = (node.lineno, node.col_offset)
    return start <= (line, column) <= (node.end_lineno, node.end_col_offset)


def reference_at(index: SiteIndex, line: int, column: int) -> SiteReference | None:
    for reference in index.references:
        if contains(reference.node, line, column):
            return reference
    return None


def site_target(
    index: SiteIndex, line: int, column: int, variables: bool = False
) -> SiteTarget | None:
    reference = reference_at(index, line, column)
    if reference is not None:
        return SiteTarget(reference.node, index.definitions(reference))
    analysis = index.analysis
    for site in analysis.sites:
        node = site.name_node
        if site.function is not None and is_site_string(node) and contains(node, line, column):
            return SiteTarget(
                node, [SiteDefinition(site, ModelDefinition(analysis, site.function))]
            )
    return variable_target(analysis, line, column) if variables else None


def variable_target(analysis: ModuleAnalysis, line: int, column: int) -> SiteTarget | None:
    """A variable a site's value is assigned to (``theta = numpyro.sample(...)``), anywhere
    in that function: the last such site before the cursor, else the first."""
    for name in analysis.nodes(ast.Name):
        if not contains(name, line, column):
            continue
        owner = analysis.owner(name)
        bound = [s for s in owner.sites if s.target == name.id] if owner else []
        if not bound:
            return None
        before = [s for s in bound if (s.call.lineno, s.call.col_offset) < (line, column)]
        site = (before or bound)[-1]
        return SiteTarget(name, [SiteDefinition(site, ModelDefinition(analysis, owner))])
    return None


def occurrences(
    definitions: list[SiteDefinition],
    home_uri: str,
    documents: Iterable[tuple[ParsedDocument, ModuleAnalysis]],
    include_definitions: bool = True,
) -> list[Occurrence]:
    """Every string in ``documents`` that names one of these sites, and the sites' own names;
    ``home_uri`` is the document the definitions were found from."""
    wanted = {id(d.site) for d in definitions}
    found: dict[tuple[str, int, int], Occurrence] = {}

    def add(uri: str, node: ast.Constant) -> None:
        found.setdefault((uri, node.lineno, node.col_offset), Occurrence(uri, node))

    if include_definitions:
        for definition in definitions:
            if is_site_string(definition.site.name_node):
                add(definition.owner.uri or home_uri, definition.site.name_node)
    for document, analysis in documents:
        index = SiteIndex(analysis)
        for reference in index.references:
            if any(id(d.site) in wanted for d in index.definitions(reference)):
                add(document.uri, reference.node)
    return sorted(found.values(), key=lambda o: (o.uri, o.node.lineno, o.node.col_offset))


def string_content(node: ast.Constant, lines: list[str]) -> ast.Constant | None:
    """A node placed on the text between a one-line string literal's quotes, for replacing
    what it says; None for literals with escapes, implicit concatenation or several lines."""
    if node.lineno != node.end_lineno or not 0 < node.lineno <= len(lines):
        return None
    raw = lines[node.lineno - 1].encode("utf-8")[node.col_offset : node.end_col_offset]
    match = _STRING_LITERAL.fullmatch(raw.decode("utf-8", errors="replace"))
    if match is None or match.group(3) != node.value:
        return None
    quote = len(match.group(2))
    return ast.Constant(
        value=node.value,
        lineno=node.lineno,
        col_offset=node.col_offset + len(match.group(1)) + quote,
        end_lineno=node.end_lineno,
        end_col_offset=node.end_col_offset - quote,
    )


def rename_problem(
    new_name: str, definitions: list[SiteDefinition], index: SiteIndex
) -> str | None:
    """Why a site cannot take ``new_name``, or None when it can."""
    if not new_name or _UNWRITABLE.search(new_name):
        return "a site name must be non-empty, without quotes, backslashes or line breaks"
    for definition in definitions:
        taken = index.sites_of(definition.owner).names - {definition.site.name}
        if new_name in taken:
            return f"`{new_name}` already names a site of `{definition.owner.function.name}`"
    return None
