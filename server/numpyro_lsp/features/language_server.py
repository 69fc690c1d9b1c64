"""The server's state: documents, the catalog, and what the client can do."""

from __future__ import annotations

import sys
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from numpyro_lsp import __version__
from numpyro_lsp.analysis.document import DocumentIndex, ParsedDocument
from numpyro_lsp.catalog.provider import CatalogProvider


class NumpyroLanguageServer(LanguageServer):
    def __init__(self, python: str | None = None) -> None:
        super().__init__(
            "numpyro-lsp",
            __version__,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
        )
        self.documents = DocumentIndex()
        self.catalogs = CatalogProvider(python or sys.executable)
        # The client's ``numpyro`` settings (features/configuration.py keeps them current).
        self.settings: dict[str, Any] = {}

    def parsed(self, uri: str) -> ParsedDocument:
        """The analysis state of an open (or on-disk) document at its current version."""
        document = self.workspace.get_text_document(uri)
        return self.documents.get(uri, document.version, document.source)

    def client_supports_snippets(self) -> bool:
        try:
            item = self.client_capabilities.text_document.completion.completion_item
            return bool(item.snippet_support)
        except AttributeError:
            return False
