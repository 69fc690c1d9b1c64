"""The generative structure of a file's models as an outline: each model with its plates and
sites as children (``plate J`` → ``theta ~ Normal``, ``obs ~ Normal (observed)``), and the
search over every model and site of the workspace."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from numpyro_lsp.analysis.document import ParsedDocument
from numpyro_lsp.analysis.models import FunctionInfo, ModuleAnalysis
from numpyro_lsp.analysis.site_info import plate_size, role, site_label, support
from numpyro_lsp.analysis.text import column_to_utf8


@dataclass
class OutlineEntry:
    name: str
    detail: str
    kind: str  # "model", "plate", or a site's role (latent, observed, deterministic, param)
    # Its whole extent, and the part to show when it is chosen.
    node: ast.AST
    selection: ast.AST
    children: list[OutlineEntry] = field(default_factory=list)


def model_outline(analysis: ModuleAnalysis, lines: list[str]) -> list[OutlineEntry]:
    with_statements = {
        id(item.context_expr): statement
        for statement in analysis.nodes(ast.With, ast.AsyncWith)
        for item in statement.items
    }
    entries = []
    for function in analysis.models:
        model = OutlineEntry(
            function.name,
            model_detail(analysis, function),
            "model",
            function.node,
            function_name_node(function.node, lines),
        )
        plates: dict[int, OutlineEntry] = {}
        for site in function.sites:
            parent = model
            for plate in site.plates:
                entry = plates.get(id(plate.call))
                if entry is None:
                    entry = OutlineEntry(
                        f"plate {plate.name or '?'}",
                        f"size {plate_size(analysis, plate, function)}",
                        "plate",
                        with_statements.get(id(plate.call), plate.call),
                        plate.call,
                    )
                    plates[id(plate.call)] = entry
                    parent.children.append(entry)
                parent = entry
            selection = site.name_node or site.call
            parent.children.append(
                OutlineEntry(
                    site_label(site), support(site) or "", role(site), site.call, selection
                )
            )
        entries.append(model)
    return entries


def model_detail(analysis: ModuleAnalysis, function: FunctionInfo) -> str:
    """``model · NUTS → MCMC``: what the file hands the model to."""
    chains = []
    for use in analysis.uses_of(function):
        chain = " → ".join(path.rsplit(".", 1)[-1] for path in use.chain)
        if chain not in chains:
            chains.append(chain)
    return " · ".join(["model", *chains])


def function_name_node(node: ast.FunctionDef | ast.AsyncFunctionDef, lines: list[str]) -> ast.AST:
    """A node placed on the function's name in its ``def`` line."""
    line = lines[node.lineno - 1] if node.lineno <= len(lines) else ""
    match = re.search(rf"\bdef\s+({re.escape(node.name)})\b", line)
    if match is None:
        return node
    start = column_to_utf8(line, match.start(1))
    return ast.Name(
        id=node.name,
        lineno=node.lineno,
        col_offset=start,
        end_lineno=node.lineno,
        end_col_offset=column_to_utf8(line, match.end(1)),
    )


def matches(query: str, name: str) -> bool:
    """Whether the query's characters appear in the name in order, ignoring case."""
    rest = iter(name.lower())
    return all(ch in rest for ch in query.lower())


@dataclass(frozen=True)
class WorkspaceSymbol:
    document: ParsedDocument
    entry: OutlineEntry
    container: str | None


def workspace_symbols(
    documents: Iterable[tuple[ParsedDocument, ModuleAnalysis]], query: str
) -> Iterator[WorkspaceSymbol]:
    """The models and sites of the workspace whose outline name matches the query."""
    for document, analysis in documents:
        for model in model_outline(analysis, document.lines):
            if matches(query, model.name):
                yield WorkspaceSymbol(document, model, None)
            pending = list(model.children)
            while pending:
                entry = pending.pop(0)
                pending += entry.children
                if entry.kind != "plate" and matches(query, entry.name):
                    yield WorkspaceSymbol(document, entry, model.name)
