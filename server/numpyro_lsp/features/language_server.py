"""The server's state: documents, the catalog, the smoke test, and what the client can do."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator, Mapping
from concurrent.futures import Future
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.language_server import lsp_method
from pygls.uris import from_fs_path, to_fs_path

from numpyro_lsp import __version__

# The state below (documents, catalog, options, smoke test) is built on first use, and the
# modules behind it imported then: initialize is answered before they load
# (docs/performance.md). ``initialized`` creates what worker threads share (``prepare``).
if TYPE_CHECKING:
    from numpyro_lsp.analysis.document import DocumentIndex, ParsedDocument
    from numpyro_lsp.analysis.models import ModuleAnalysis
    from numpyro_lsp.analysis.reexports import ReexportResolver
    from numpyro_lsp.analysis.workspace import WorkspaceIndex
    from numpyro_lsp.catalog.provider import CatalogProvider
    from numpyro_lsp.options import ServerOptions
    from numpyro_lsp.smoke.report import SmokeReport
    from numpyro_lsp.smoke.runner import SmokeRunner
    from numpyro_lsp.smoke.settings import SmokeSettings


class ReexportAwareBindings(Mapping[str, str]):
    """``document.bindings``, except that a name imported from a project module that
    re-exports NumPyro (``from priors import dist``) maps to the NumPyro path jedi found."""

    def __init__(self, ls: NumpyroLanguageServer, document: ParsedDocument) -> None:
        self.ls = ls
        self.document = document

    def __getitem__(self, name: str) -> str:
        from numpyro_lsp.analysis.reexports import infer_full_name, worth_asking

        target = self.document.bindings[name]
        if not worth_asking(target):
            return target
        ls, document = self.ls, self.document
        path = ls.workspace.get_text_document(document.uri).path
        full_name = ls.reexports.resolved(
            (document.uri, name, target),
            lambda: infer_full_name(document.source, name, path, ls.workspace.root_path, ls.python),
        )
        found = ls.catalogs.catalog.path_for_full_name(full_name) if full_name else None
        return found or target

    def __iter__(self) -> Iterator[str]:
        return iter(self.document.bindings)

    def __len__(self) -> int:
        return len(self.document.bindings)


_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class NumpyroProtocol(LanguageServerProtocol):
    """pygls's protocol with two changes: a request whose params cannot be read gets an
    error response (pygls only logs it, leaving the client waiting forever), and positions
    are always UTF-16."""

    @lsp_method(types.INITIALIZE)
    def lsp_initialize(self, params: types.InitializeParams):
        # Every column the server computes is UTF-16, the encoding LSP requires servers to
        # support: pygls would pick UTF-8 for a client that lists it first (Neovim).
        general = params.capabilities.general
        if general is not None and general.position_encodings:
            general.position_encodings = [types.PositionEncodingKind.Utf16]
        return (yield from super().lsp_initialize(params))

    def _handle_notification(self, method_name, params):
        super()._handle_notification(method_name, params)
        # pygls 2.1.1 keeps the finished future of every notification run by a generator
        # handler (didOpen, didChange, didSave, didClose) under a fresh UUID, for good: about
        # 1.8 KB per edit. Drop them; a client's requests use their own ids.
        for key, future in list(self._request_futures.items()):
            if future.done() and isinstance(key, str) and _UUID.fullmatch(key):
                del self._request_futures[key]

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
            protocol_cls=NumpyroProtocol,
        )
        self.python = python or sys.executable
        # The client's ``numpyro`` settings as sent, for features that read their own section
        # (features/configuration.py keeps both current).
        self.settings: dict[str, Any] = {}
        # The last smoke test of each document, for hover.
        self.smoke_reports: dict[str, SmokeReport] = {}
        # Diagnostics per document and per source ("numpyro smoke test", ...): a publish
        # replaces a document's whole list, so each source's list is kept to send with the
        # others'.
        self._diagnostics: dict[str, dict[str, list[types.Diagnostic]]] = {}

    @cached_property
    def documents(self) -> DocumentIndex:
        from numpyro_lsp.analysis.document import DocumentIndex

        return DocumentIndex()

    @cached_property
    def catalogs(self) -> CatalogProvider:
        from numpyro_lsp.catalog.provider import CatalogProvider

        return CatalogProvider(self.python)

    @cached_property
    def options(self) -> ServerOptions:
        """The defaults until the client's settings are applied (features/configuration.py)."""
        from numpyro_lsp.options import ServerOptions

        return ServerOptions()

    @cached_property
    def reexports(self) -> ReexportResolver:
        from numpyro_lsp.analysis.reexports import ReexportResolver

        return ReexportResolver()

    @cached_property
    def workspace_index(self) -> WorkspaceIndex:
        from numpyro_lsp.analysis.workspace import WorkspaceIndex

        return WorkspaceIndex(
            lambda: self.catalogs.catalog,
            self.workspace_roots,
            self.open_documents_by_path,
            lambda path: from_fs_path(str(path)),
        )

    @cached_property
    def smoke_settings(self) -> SmokeSettings:
        from numpyro_lsp.smoke.settings import SmokeSettings

        return SmokeSettings()

    @cached_property
    def smoke_runner(self) -> SmokeRunner:
        """Starts no process until the first smoke test."""
        from numpyro_lsp.smoke.runner import SmokeRunner

        return SmokeRunner(self.python)

    def prepare(self) -> None:
        """Create the state that worker threads share (documents, catalog, workspace index,
        re-exports, options), so that no thread is first to build one; ``initialized`` calls
        this."""
        for state in ("documents", "catalogs", "options", "reexports", "workspace_index"):
            getattr(self, state)  # reading a cached_property builds it

    def close_smoke_runner(self) -> None:
        """Stop the smoke test's worker process, if one was ever started."""
        runner = self.__dict__.get("smoke_runner")
        if runner is not None:
            runner.close()

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
        self,
        uri: str,
        source: str,
        diagnostics: list[types.Diagnostic],
        version: int | None = None,
    ) -> None:
        by_source = self._diagnostics.setdefault(uri, {})
        by_source[source] = diagnostics
        every = [d for listed in by_source.values() for d in listed]
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=every, version=version)
        )

    def posterior_summary(self, uri: str, site: str) -> str | None:
        """Markdown of a site's posterior from the document's last smoke test, if any."""
        from numpyro_lsp.smoke.hover import site_hover_markdown

        report = self.smoke_reports.get(uri)
        if report is None or site not in report.sites:
            return None
        return site_hover_markdown(report, report.sites[site])

    def forget_diagnostics(self, uri: str) -> None:
        self._diagnostics.pop(uri, None)
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=[])
        )

    def current_request_future(self) -> Future | None:
        """The future pygls cancels on ``$/cancelRequest`` for the request being handled.
        A command runs inside pygls' executeCommand handler, so cancelling the request never
        reaches the command's own task: a long command watches this future instead."""
        return self.protocol._request_futures.get(self.protocol.msg_id)
