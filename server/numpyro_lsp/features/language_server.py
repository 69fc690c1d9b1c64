"""The server's state: documents, the catalog, and what the client can do."""

from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import unquote

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

from numpyro_lsp import __version__
from numpyro_lsp.analysis.document import DocumentIndex, ParsedDocument
from numpyro_lsp.analysis.models import ModuleAnalysis
from numpyro_lsp.analysis.workspace import WorkspaceIndex
from numpyro_lsp.catalog.provider import CatalogProvider
from numpyro_lsp.options import ServerOptions


class NumpyroLanguageServer(LanguageServer):
    def __init__(self, python: str | None = None) -> None:
        super().__init__(
            "numpyro-lsp",
            __version__,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
        )
        self.documents = DocumentIndex()
        self.catalogs = CatalogProvider(python or sys.executable)
        self.options = ServerOptions()
        self.workspace_index = WorkspaceIndex(
            lambda: self.catalogs.catalog,
            self.workspace_roots,
            self.open_documents_by_path,
            lambda path: from_fs_path(str(path)),
        )

    def parsed(self, uri: str) -> ParsedDocument:
        """The analysis state of an open (or on-disk) document at its current version."""
        document = self.workspace.get_text_document(uri)
        return self.documents.get(uri, document.version, document.source)

    def document_for(self, uri: str) -> ParsedDocument | None:
        """An open document as the editor has it, else the file on disk."""
        if unquote(uri) in self.workspace.text_documents:  # pygls's key
            return self.parsed(uri)
        path = to_fs_path(uri)
        return self.workspace_index.document(Path(path)) if path else None

    def linked_analysis(self, document: ParsedDocument) -> ModuleAnalysis | None:
        """The document's analysis, knowing the models it imports from other files."""
        path = to_fs_path(document.uri)
        return self.workspace_index.linked_analysis(document, Path(path) if path else None)

    def workspace_roots(self) -> list[Path]:
        """The workspace folders on disk (the root URI when the client sent no folders)."""
        uris = [folder.uri for folder in self.workspace.folders.values()]
        paths = [to_fs_path(uri) for uri in uris or [self.workspace.root_uri] if uri]
        return [Path(path) for path in paths if path]

    def open_documents_by_path(self) -> dict[Path, ParsedDocument]:
        found = {}
        for document in list(self.workspace.text_documents.values()):
            path = to_fs_path(document.uri)
            if path:
                found[Path(path)] = self.parsed(document.uri)
        return found

    def client_supports_snippets(self) -> bool:
        try:
            item = self.client_capabilities.text_document.completion.completion_item
            return bool(item.snippet_support)
        except AttributeError:
            return False
