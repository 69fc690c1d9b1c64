"""textDocument/inlayHint (off unless ``numpyro.inlayHints.enabled``): plate sizes, and the
support of each latent site."""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from numpyro_lsp.features.capabilities import supports_inlay_hint_refresh
from numpyro_lsp.features.conversions import to_position
from numpyro_lsp.features.language_server import NumpyroLanguageServer
from numpyro_lsp.features.pygls_internals import in_thread

if TYPE_CHECKING:
    from numpyro_lsp.analysis.document import ParsedDocument
    from numpyro_lsp.catalog.schema import Catalog


def refresh(ls: NumpyroLanguageServer) -> None:
    """Ask the client for the hints again (after the setting changed), if it can."""
    if supports_inlay_hint_refresh(ls.client_capabilities):
        ls.workspace_inlay_hint_refresh(None)


def hints_for(
    document: ParsedDocument, catalog: Catalog, range_: types.Range
) -> list[types.InlayHint] | None:
    """In a worker thread (the analysis may wait for a running check)."""
    from numpyro_lsp.analysis.site_info import inlay_hints

    analysis = document.analysis(catalog)
    if analysis is None:
        return None
    first, last = range_.start.line + 1, range_.end.line + 1
    return [
        types.InlayHint(
            position=to_position(document, hint.node.end_lineno, hint.node.end_col_offset),
            label=hint.label,
            kind=types.InlayHintKind.Type,
            tooltip=hint.tooltip,
            padding_left=True,
        )
        for hint in inlay_hints(analysis, first, last)
    ]


def register(server: NumpyroLanguageServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_INLAY_HINT, types.InlayHintOptions(resolve_provider=False))
    def inlay_hint(
        ls: NumpyroLanguageServer, params: types.InlayHintParams
    ) -> Generator[Any, Any, list[types.InlayHint] | None]:
        from numpyro_lsp.features.shape_lens import hints_in

        # The shape lens's, after a trace, whatever the setting: the user asked for them.
        shapes = hints_in(ls, params.text_document.uri, params.range)
        if not ls.settings.inlay_hints.enabled:
            return shapes or None
        document = ls.parsed(params.text_document.uri)
        hints = yield from in_thread(hints_for, document, ls.catalogs.catalog, params.range)
        return [*(hints or []), *shapes] or hints
