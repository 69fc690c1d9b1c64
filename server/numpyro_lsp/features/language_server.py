"""The server's state: documents, the catalog, the smoke test, and what the client can do."""

from __future__ import annotations

import sys
from concurrent.futures import Future
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from numpyro_lsp import __version__
from numpyro_lsp.analysis.document import DocumentIndex, ParsedDocument
from numpyro_lsp.catalog.provider import CatalogProvider
from numpyro_lsp.smoke.report import SmokeReport
from numpyro_lsp.smoke.runner import SmokeRunner
from numpyro_lsp.smoke.settings import SmokeSettings


class NumpyroLanguageServer(LanguageServer):
    def __init__(self, python: str | None = None) -> None:
        super().__init__(
            "numpyro-lsp",
            __version__,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
        )
        self.documents = DocumentIndex()
        self.catalogs = CatalogProvider(python or sys.executable)
        self.smoke_settings = SmokeSettings()
        # Starts no process until the first smoke test.
        self.smoke_runner = SmokeRunner(python or sys.executable)
        # The last smoke test of each document, for hover.
        self.smoke_reports: dict[str, SmokeReport] = {}
        # Diagnostics per document and per source ("numpyro smoke test", ...): a publish
        # replaces a document's whole list, so each source's list is kept to send with the
        # others'.
        self._diagnostics: dict[str, dict[str, list[types.Diagnostic]]] = {}

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

    def client_supports_progress(self) -> bool:
        try:
            return bool(self.client_capabilities.window.work_done_progress)
        except AttributeError:
            return False

    def configure(self, options: Any) -> list[str]:
        """Apply the client's initialization options; returns what was wrong with them.
        ``{"smokeTest": {"enabled": false, "timeout": 60, ...}}``."""
        if not isinstance(options, dict):
            return [] if options is None else [f"expected an options object, got {options!r}"]
        self.smoke_settings, problems = self.smoke_settings.updated(options.get("smokeTest"))
        return problems

    def publish_diagnostics(
        self, uri: str, source: str, diagnostics: list[types.Diagnostic]
    ) -> None:
        by_source = self._diagnostics.setdefault(uri, {})
        by_source[source] = diagnostics
        every = [d for listed in by_source.values() for d in listed]
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=every)
        )

    def forget_diagnostics(self, uri: str) -> None:
        if self._diagnostics.pop(uri, None):
            self.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=uri, diagnostics=[])
            )

    def current_request_future(self) -> Future | None:
        """The future pygls cancels on ``$/cancelRequest`` for the request being handled.
        A command runs inside pygls' executeCommand handler, so cancelling the request never
        reaches the command's own task: a long command watches this future instead."""
        return self.protocol._request_futures.get(self.protocol.msg_id)
