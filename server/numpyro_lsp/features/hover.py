"""textDocument/hover on NumPyro names, and on site names after a smoke test."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from lsprotocol import types

from numpyro_lsp.analysis.text import column_to_utf16
from numpyro_lsp.features.language_server import NumpyroLanguageServer
from numpyro_lsp.features.pygls_internals import in_thread
from numpyro_lsp.features.site_hover import site_hover


def register(server: NumpyroLanguageServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(
        ls: NumpyroLanguageServer, params: types.HoverParams
    ) -> Generator[Any, Any, types.Hover | None]:
        from numpyro_lsp.analysis.hover import hover_at

        document = ls.parsed(params.text_document.uri)
        number = params.position.line
        line = document.line(number)
        column = document.column(number, params.position.character)
        result = hover_at(line, column, ls.bindings(document), ls.catalogs.catalog)
        if result is None:
            # In a thread: the site analysis waits for a check that holds the document.
            asked = ls.asked(params.text_document.uri)
            return (yield from in_thread(site_hover, ls, asked, params))
        return types.Hover(
            contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=result.markdown),
            range=types.Range(
                start=types.Position(number, column_to_utf16(line, result.start)),
                end=types.Position(number, column_to_utf16(line, result.end)),
            ),
        )
