"""textDocument/documentSymbol and workspace/symbol: models with their plates and sites.
Both work in a thread (the analysis may wait for a running check; the workspace is walked);
a cancelled workspace/symbol stops between files."""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from numpyro_lsp.features.cancellation import CancelToken, cancel_with
from numpyro_lsp.features.conversions import node_range
from numpyro_lsp.features.language_server import NumpyroLanguageServer
from numpyro_lsp.features.pygls_internals import current_request_future, in_thread

if TYPE_CHECKING:
    from numpyro_lsp.analysis.document import ParsedDocument
    from numpyro_lsp.analysis.outline import OutlineEntry
    from numpyro_lsp.catalog.schema import Catalog

SYMBOL_KINDS = {
    "model": types.SymbolKind.Function,
    "plate": types.SymbolKind.Array,
    "latent": types.SymbolKind.Variable,
    "observed": types.SymbolKind.Constant,
    "deterministic": types.SymbolKind.Variable,
    "param": types.SymbolKind.Property,
}


def document_symbol(document: ParsedDocument, entry: OutlineEntry) -> types.DocumentSymbol:
    return types.DocumentSymbol(
        name=entry.name,
        detail=entry.detail or None,
        kind=SYMBOL_KINDS[entry.kind],
        range=node_range(document, entry.node),
        selection_range=node_range(document, entry.selection),
        children=[document_symbol(document, child) for child in entry.children],
    )


def outline(document: ParsedDocument, catalog: Catalog) -> list[types.DocumentSymbol] | None:
    from numpyro_lsp.analysis.outline import model_outline

    analysis = document.analysis(catalog)
    if analysis is None:
        return None
    return [document_symbol(document, e) for e in model_outline(analysis, document.lines)]


def workspace_symbols(
    ls: NumpyroLanguageServer, query: str, token: CancelToken
) -> list[types.WorkspaceSymbol]:
    from numpyro_lsp.analysis.outline import workspace_symbols

    return [
        types.WorkspaceSymbol(
            name=found.entry.name,
            kind=SYMBOL_KINDS[found.entry.kind],
            container_name=found.container,
            location=types.Location(
                uri=found.document.uri,
                range=node_range(found.document, found.entry.selection),
            ),
        )
        for found in workspace_symbols(token.each(ls.workspace_index.documents()), query)
    ]


def register(server: NumpyroLanguageServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    def document_symbols(
        ls: NumpyroLanguageServer, params: types.DocumentSymbolParams
    ) -> Generator[Any, Any, list[types.DocumentSymbol] | None]:
        document = ls.parsed(params.text_document.uri)
        return (yield from in_thread(outline, document, ls.catalogs.catalog))

    @server.feature(types.WORKSPACE_SYMBOL)
    def symbols(
        ls: NumpyroLanguageServer, params: types.WorkspaceSymbolParams
    ) -> Generator[Any, Any, list[types.WorkspaceSymbol]]:
        # A cancelled request's thread stops at the next file.
        token = cancel_with(current_request_future(ls.protocol), CancelToken())
        return (yield from in_thread(workspace_symbols, ls, params.query, token))
