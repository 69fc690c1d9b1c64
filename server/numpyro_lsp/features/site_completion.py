"""Site names completed inside the strings where NumPyro expects one
(``samples["|"]``, ``condition(model, data={"|": ...})``...)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types

from numpyro_lsp.features.conversions import cursor, node_range
from numpyro_lsp.features.language_server import NumpyroLanguageServer
from numpyro_lsp.features.site_lookup import asked_document, site_index

if TYPE_CHECKING:
    from numpyro_lsp.analysis.document import ParsedDocument
    from numpyro_lsp.analysis.sites import SiteDefinition, SiteIndex


def site_item(
    definition: SiteDefinition, order: int, edit_range: types.Range
) -> types.CompletionItem:
    from numpyro_lsp.analysis.site_info import site_detail, site_markdown

    name = definition.site.name
    return types.CompletionItem(
        label=name,
        kind=types.CompletionItemKind.Field,
        detail=site_detail(definition),
        label_details=types.CompletionItemLabelDetails(description=definition.owner.function.name),
        documentation=types.MarkupContent(
            kind=types.MarkupKind.Markdown, value=site_markdown(definition)
        ),
        sort_text=f"{order:04d}",
        text_edit=types.TextEdit(range=edit_range, new_text=name),
    )


def closed_at_cursor(
    ls: NumpyroLanguageServer, document: ParsedDocument, position: types.Position
) -> tuple[ParsedDocument, SiteIndex] | None:
    """The document as if the statement being typed ended at the cursor with its string and
    brackets closed, with its site index; None where the cursor is in code that parses."""
    from numpyro_lsp.analysis.context import closing_text

    number = position.line
    region = next((r for r in document.broken if r.start <= number < r.end), None)
    if region is None:
        return None
    column = document.column(number, position.character)
    typed = "\n".join([*document.lines[region.start : number], document.line(number)[:column]])
    repaired = document.with_line(number, document.line(number)[:column] + closing_text(typed))
    index = site_index(ls, repaired)
    return None if index is None else (repaired, index)


def site_name_completion(
    ls: NumpyroLanguageServer, asked: ParsedDocument | None, params: types.CompletionParams
) -> types.CompletionList | None:
    """The sites of the model the string's call names; None outside such a string. On the
    document as the request arrived (``ls.asked``), in a worker thread (the analysis may
    wait for a running check)."""
    from numpyro_lsp.analysis.site_navigation import contains, reference_at, string_content

    document = asked_document(ls, params.text_document.uri, asked)
    index = site_index(ls, document) if document is not None else None
    if index is None:
        return None
    line, column = cursor(document, params.position)
    reference = reference_at(index, line, column)
    if reference is None:  # a string typed without its closing quote (no auto-closing)
        found = closed_at_cursor(ls, document, params.position)
        if found is None:
            return None
        document, index = found
        reference = reference_at(index, line, column)
    content = string_content(reference.node, document.lines) if reference else None
    if content is None or not contains(content, line, column):
        return None
    definitions: dict[str, SiteDefinition] = {}
    for model in reference.models:
        for definition in index.sites_of(model).sites:
            if definition.site.name is not None:
                definitions.setdefault(definition.site.name, definition)
    edit_range = node_range(document, content)
    return types.CompletionList(
        is_incomplete=False,
        items=[site_item(d, i, edit_range) for i, d in enumerate(definitions.values())],
    )
