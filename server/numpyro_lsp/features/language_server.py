"""The server's state: documents, the catalog, and what the client can do."""

from __future__ import annotations

import sys
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol

from numpyro_lsp import __version__
from numpyro_lsp.analysis.document import DocumentIndex, ParsedDocument
from numpyro_lsp.catalog.provider import CatalogProvider
from numpyro_lsp.options import ServerOptions


class AnsweringProtocol(LanguageServerProtocol):
    """Answers a request whose params cannot be read with an error response; pygls only logs
    it, which leaves the client waiting forever."""

    def structure_message(self, data):
        try:
            return super().structure_message(data)
        except JsonRpcException as error:
            if isinstance(data, dict) and "id" in data and "method" in data:
                self._send_response(data["id"], error=error.to_response_error())
            raise


class NumpyroLanguageServer(LanguageServer):
    def __init__(self, python: str | None = None) -> None:
        super().__init__(
            "numpyro-lsp",
            __version__,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            protocol_cls=AnsweringProtocol,
        )
        self.documents = DocumentIndex()
        self.catalogs = CatalogProvider(python or sys.executable)
        self.options = ServerOptions()
        # The client's ``numpyro`` settings as sent, for features that read their own section
        # (features/configuration.py keeps both current).
        self.settings: dict[str, Any] = {}

    def parsed(self, uri: str) -> ParsedDocument:
        """The analysis state of an open (or on-disk) document at its current version; an
        unopened document that cannot be read (missing, not UTF-8) reads as empty."""
        document = self.workspace.get_text_document(uri)
        try:
            source = document.source
        except (OSError, UnicodeDecodeError, ValueError):
            source = ""
        return self.documents.get(uri, document.version, source)

    def client_supports_snippets(self) -> bool:
        try:
            item = self.client_capabilities.text_document.completion.completion_item
            return bool(item.snippet_support)
        except AttributeError:
            return False
