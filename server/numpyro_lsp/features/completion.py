"""textDocument/completion and completionItem/resolve for NumPyro names."""

from __future__ import annotations

import re
from collections.abc import Generator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls import uris

from numpyro_lsp.features.capabilities import (
    insert_text_modes,
    supports_snippets,
    takes_markdown_documentation,
)
from numpyro_lsp.features.language_server import NumpyroLanguageServer
from numpyro_lsp.features.pygls_internals import in_thread
from numpyro_lsp.features.site_completion import site_name_completion

if TYPE_CHECKING:
    from numpyro_lsp.analysis.completion import Candidate
    from numpyro_lsp.analysis.context import StatementStart
    from numpyro_lsp.analysis.document import ParsedDocument
    from numpyro_lsp.snippets.library import Snippet

# The rest of a name and an opening parenthesis right after the cursor: the call is written.
CALL_FOLLOWS = re.compile(r"\w*\s*\(")

ITEM_KINDS = {
    "module": types.CompletionItemKind.Module,
    "distribution": types.CompletionItemKind.Class,
    "constraint": types.CompletionItemKind.Constant,
    "transform": types.CompletionItemKind.Class,
    "autoguide": types.CompletionItemKind.Class,
    "kernel": types.CompletionItemKind.Class,
    "elbo": types.CompletionItemKind.Class,
    "reparam": types.CompletionItemKind.Class,
    "handler": types.CompletionItemKind.Class,
    "primitive": types.CompletionItemKind.Function,
    "inference": types.CompletionItemKind.Class,
    "init_strategy": types.CompletionItemKind.Function,
    "optimizer": types.CompletionItemKind.Class,
    "function": types.CompletionItemKind.Function,
    "class": types.CompletionItemKind.Class,
    "value": types.CompletionItemKind.Variable,
}


def to_item(candidate: Candidate, snippets: bool, followed_by_paren: bool) -> types.CompletionItem:
    item = types.CompletionItem(
        label=candidate.label,
        kind=ITEM_KINDS.get(candidate.kind, types.CompletionItemKind.Text),
        detail=candidate.detail,
        label_details=types.CompletionItemLabelDetails(description=candidate.kind),
        data={"target": candidate.target},
    )
    if snippets and candidate.snippet and not followed_by_paren:
        item.insert_text = candidate.snippet
        item.insert_text_format = types.InsertTextFormat.Snippet
    return item


def snippet_items(
    ls: NumpyroLanguageServer, document: ParsedDocument, line: int, context: StatementStart
) -> list[types.CompletionItem]:
    """The snippets whose prefix starts with the word typed, where a statement starts: as
    snippets to clients that take them, else as plain text with the defaults filled in."""
    from numpyro_lsp.analysis.context import continues_statement
    from numpyro_lsp.snippets.library import file_variables, insert_text, snippets_for

    snippets = snippets_for(context.partial) if ls.settings.snippets.enabled else []
    if not snippets or continues_statement(document.text_before(line, 0, line)):
        return []
    as_snippet = supports_snippets(ls.client_capabilities)
    path = uris.to_fs_path(document.uri)
    variables = file_variables(Path(path)) if path else {}
    return [
        to_snippet_item(
            ls,
            snippet,
            insert_text(snippet, as_snippet=as_snippet, indent=context.indent, variables=variables),
            as_snippet,
        )
        for snippet in snippets
    ]


def to_snippet_item(
    ls: NumpyroLanguageServer, snippet: Snippet, text: str, as_snippet: bool
) -> types.CompletionItem:
    from numpyro_lsp.snippets.docs import snippet_markdown

    # A snippet engine indents a snippet's lines; plain text arrives indented already.
    mode = types.InsertTextMode.AdjustIndentation if as_snippet else types.InsertTextMode.AsIs
    documentation: str | types.MarkupContent = snippet.description
    if takes_markdown_documentation(ls.client_capabilities):
        documentation = types.MarkupContent(types.MarkupKind.Markdown, snippet_markdown(snippet))
    return types.CompletionItem(
        label=snippet.prefix,
        kind=types.CompletionItemKind.Snippet,
        detail=snippet.name,
        label_details=types.CompletionItemLabelDetails(description="snippet"),
        documentation=documentation,
        insert_text=text,
        insert_text_format=(
            types.InsertTextFormat.Snippet if as_snippet else types.InsertTextFormat.PlainText
        ),
        insert_text_mode=mode if mode in insert_text_modes(ls.client_capabilities) else None,
    )


def register(server: NumpyroLanguageServer) -> None:
    @server.feature(
        types.TEXT_DOCUMENT_COMPLETION,
        types.CompletionOptions(trigger_characters=[".", '"', "'"], resolve_provider=True),
    )
    def completion(
        ls: NumpyroLanguageServer, params: types.CompletionParams
    ) -> Generator[Any, Any, types.CompletionList | None]:
        from numpyro_lsp.analysis.completion import complete
        from numpyro_lsp.analysis.context import StatementStart, completion_context

        document = ls.parsed(params.text_document.uri)
        line = document.line(params.position.line)
        column = document.column(params.position.line, params.position.character)
        context = completion_context(line[:column])
        if isinstance(context, StatementStart):
            items = snippet_items(ls, document, params.position.line, context)
            return types.CompletionList(is_incomplete=False, items=items) if items else None
        if context is None:  # in a string or a comment
            # In a thread: the site analysis waits for a check that holds the document.
            asked = ls.asked(params.text_document.uri)
            return (yield from in_thread(site_name_completion, ls, asked, params))
        candidates = complete(context, ls.bindings(document), ls.catalogs.catalog)
        if not candidates:
            return None
        followed_by_paren = CALL_FOLLOWS.match(line, column) is not None
        snippets = supports_snippets(ls.client_capabilities)
        return types.CompletionList(
            is_incomplete=False,
            items=[to_item(c, snippets, followed_by_paren) for c in candidates],
        )

    @server.feature(types.COMPLETION_ITEM_RESOLVE)
    def resolve(ls: NumpyroLanguageServer, item: types.CompletionItem) -> types.CompletionItem:
        from numpyro_lsp.catalog import render

        target = (item.data or {}).get("target") if isinstance(item.data, dict) else None
        member = ls.catalogs.catalog.lookup(target) if target else None
        if member is not None:
            text = render.member_markdown(member, with_signature=False)
            # A client that lists no Markdown gets the text as it is (still readable).
            item.documentation = (
                types.MarkupContent(kind=types.MarkupKind.Markdown, value=text)
                if takes_markdown_documentation(ls.client_capabilities)
                else text
            )
        return item
