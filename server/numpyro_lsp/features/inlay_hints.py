"""textDocument/inlayHint (off unless ``numpyro.inlayHints.enabled``): plate sizes, and the
support of each latent site."""

from __future__ import annotations

from lsprotocol import types

from numpyro_lsp.features.diagnostics import to_position
from numpyro_lsp.features.language_server import NumpyroLanguageServer


def refresh(ls: NumpyroLanguageServer) -> None:
    """Ask the client for the hints again (after the setting changed), if it can."""
    try:
        supported = ls.client_capabilities.workspace.inlay_hint.refresh_support
    except AttributeError:
        supported = False
    if supported:
        ls.workspace_inlay_hint_refresh(None)


def register(server: NumpyroLanguageServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_INLAY_HINT, types.InlayHintOptions(resolve_provider=False))
    def inlay_hint(
        ls: NumpyroLanguageServer, params: types.InlayHintParams
    ) -> list[types.InlayHint] | None:
        if not ls.options.inlay_hints_enabled:
            return None
        # Imported on first use: initialize is answered before the analysis loads
        # (docs/performance.md).
        from numpyro_lsp.analysis.site_info import inlay_hints

        document = ls.parsed(params.text_document.uri)
        analysis = document.analysis(ls.catalogs.catalog)
        if analysis is None:
            return None
        first, last = params.range.start.line + 1, params.range.end.line + 1
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
