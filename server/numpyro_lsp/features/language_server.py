"""The server's state: documents, the catalog, and what the client can do."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol

from numpyro_lsp import __version__
from numpyro_lsp.analysis.document import DocumentIndex, ParsedDocument
from numpyro_lsp.analysis.reexports import ReexportResolver, infer_full_name, worth_asking
from numpyro_lsp.catalog.provider import CatalogProvider
from numpyro_lsp.options import ServerOptions


class ReexportAwareBindings(Mapping[str, str]):
    """``document.bindings``, except that a name imported from a project module that
    re-exports NumPyro (``from priors import dist``) maps to the NumPyro path jedi found."""

    def __init__(self, ls: NumpyroLanguageServer, document: ParsedDocument) -> None:
        self.ls = ls
        self.document = document

    def __getitem__(self, name: str) -> str:
        target = self.document.bindings[name]
        if not worth_asking(target):
            return target
        ls, document = self.ls, self.document
        path = ls.workspace.get_text_document(document.uri).path
        full_name = ls.reexports.resolved(
            (document.uri, name, target),
            lambda: infer_full_name(document.source, name, path, ls.workspace.root_path),
        )
        found = ls.catalogs.catalog.path_for_full_name(full_name) if full_name else None
        return found or target

    def __iter__(self) -> Iterator[str]:
        return iter(self.document.bindings)

    def __len__(self) -> int:
        return len(self.document.bindings)


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
        self.reexports = ReexportResolver()
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

    def bindings(self, document: ParsedDocument) -> Mapping[str, str]:
        """The document's imports, following a module that re-exports a NumPyro name once
        jedi has answered (see analysis/reexports.py)."""
        return ReexportAwareBindings(self, document)

    def client_supports_snippets(self) -> bool:
        try:
            item = self.client_capabilities.text_document.completion.completion_item
            return bool(item.snippet_support)
        except AttributeError:
            return False

    def client_takes_markdown_documentation(self) -> bool:
        try:
            item = self.client_capabilities.text_document.completion.completion_item
            return types.MarkupKind.Markdown in (item.documentation_format or ())
        except AttributeError:
            return False

    def client_insert_text_modes(self) -> set[types.InsertTextMode]:
        """The insertTextMode values the client says it understands (none said: none)."""
        try:
            item = self.client_capabilities.text_document.completion.completion_item
            return set(item.insert_text_mode_support.value_set)
        except AttributeError:
            return set()
