"""The server's state: open documents as snapshots, the catalog, the settings, the smoke
test, the diagnostics store and the check scheduler.

The event loop owns the state: worker threads only ever receive immutable snapshots taken
on it (a ``ParsedDocument`` is one version's text), never the live workspace, which pygls
changes while they run.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator, Mapping
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

from numpyro_lsp import __version__
from numpyro_lsp.features.command_arguments import command_converter
from numpyro_lsp.features.notebooks import NOTEBOOK_SYNC, Notebooks
from numpyro_lsp.features.pygls_internals import NumpyroProtocol
from numpyro_lsp.features.retention import OpenDocument, RecentUse, to_release
from numpyro_lsp.settings import Settings

# ``initialized`` creates what worker threads share (``prepare``).
if TYPE_CHECKING:
    from numpyro_lsp.analysis.document import DocumentIndex, ParsedDocument
    from numpyro_lsp.analysis.models import ModuleAnalysis
    from numpyro_lsp.analysis.reexports import ReexportResolver
    from numpyro_lsp.analysis.workspace import WorkspaceIndex
    from numpyro_lsp.catalog.provider import CatalogProvider
    from numpyro_lsp.features.diagnostic_store import DiagnosticsStore
    from numpyro_lsp.features.scheduler import CheckScheduler
    from numpyro_lsp.smoke.report import SmokeReport
    from numpyro_lsp.smoke.runner import SmokeRunner


logger = logging.getLogger(__name__)


class ReexportAwareBindings(Mapping[str, str]):
    """``document.bindings``, except that a name imported from a project module that
    re-exports NumPyro (``from priors import dist``) maps to the NumPyro path jedi found."""

    def __init__(self, ls: NumpyroLanguageServer, document: ParsedDocument) -> None:
        self.ls = ls
        self.document = document

    def __getitem__(self, name: str) -> str:
        from numpyro_lsp.analysis.reexports import infer_full_name, package_folders, worth_asking

        target = self.document.bindings[name]
        if not worth_asking(target):
            return target
        ls, document, python = self.ls, self.document, self.ls.python
        path = to_fs_path(document.uri)
        root = ls.workspace.root_path

        def watched() -> list[Path]:
            """Where a module that would answer may appear: next to the file, at the
            workspace's root, among the interpreter's packages."""
            near = [Path(p) for p in (path and str(Path(path).parent), root) if p]
            return near + package_folders(python)

        full_name = ls.reexports.resolved(
            (python, document.uri, name, target),
            lambda: infer_full_name(document.source, name, path, root, python),
            watched,
        )
        found = ls.catalogs.catalog.path_for_full_name(full_name) if full_name else None
        return found or target

    def __iter__(self) -> Iterator[str]:
        return iter(self.document.bindings)

    def __len__(self) -> int:
        return len(self.document.bindings)


class NumpyroLanguageServer(LanguageServer):
    def __init__(self, python: str | None = None) -> None:
        super().__init__(
            "numpyro-lsp",
            __version__,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            protocol_cls=NumpyroProtocol,
            converter_factory=command_converter,
            notebook_document_sync=NOTEBOOK_SYNC,
        )
        # A request about a notebook's cell is asked of the notebook's program, and its
        # answer mapped back to the cells (features/notebooks.py).
        self.protocol.request_mapper = self._notebook_request
        self.python = python or sys.executable
        # The client's ``numpyro`` settings, typed (settings.py), and as sent (for
        # ``numpyro.serverInfo``); features/configuration.py keeps both current.
        self.settings = Settings()
        self.sent_settings: dict[str, Any] = {}
        # The last smoke test of each document, for hover.
        self.smoke_reports: dict[str, SmokeReport] = {}
        # The last shape traces of each document (features/shape_lens.py).
        self.shape_states: dict[str, Any] = {}
        # The divergence hints the parameterization advice withdrew, per document and model
        # (features/advise.py); replaced, never changed, on the event loop.
        self.advice_withdrawn: dict[str, dict[str, Any]] = {}
        # The open documents as of the last message handled, by URI and by path. Replaced,
        # never changed, on the event loop: a thread that holds one holds a consistent view.
        self._snapshots: dict[str, ParsedDocument] = {}
        self._snapshots_by_path: dict[Path, ParsedDocument] = {}
        # The text each snapshot was taken of, as pygls holds it.
        self._snapshot_sources: dict[str, str] = {}
        # Which documents were used last keep their analysis (features/retention.py).
        self._recent = RecentUse()

    @cached_property
    def documents(self) -> DocumentIndex:
        from numpyro_lsp.analysis.document import DocumentIndex

        return DocumentIndex()

    @cached_property
    def notebooks(self) -> Notebooks:
        """The open notebooks, each a program of its Python cells."""
        return Notebooks()

    def _notebook_request(self, method: str, params: Any) -> tuple[Any, Any] | None:
        if not self.notebooks.views:
            return None
        return self.notebooks.requested(method, params)

    def publish_diagnostics(self, params: types.PublishDiagnosticsParams) -> None:
        """Publish; a notebook's diagnostics go to its cells."""
        for each in self.notebooks.cell_diagnostics(params):
            self.text_document_publish_diagnostics(each)

    @cached_property
    def catalogs(self) -> CatalogProvider:
        from numpyro_lsp.catalog.provider import CatalogProvider

        return CatalogProvider(self.python)

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
            lambda: self._snapshots_by_path,
            lambda path: from_fs_path(str(path)),
        )

    @cached_property
    def diagnostics(self) -> DiagnosticsStore:
        from numpyro_lsp.features.diagnostic_store import DiagnosticsStore
        from numpyro_lsp.features.diagnostics import SOURCE

        return DiagnosticsStore(self.publish_diagnostics, frozenset({SOURCE}))

    @cached_property
    def checks(self) -> CheckScheduler:
        """The scheduler of the documents' NumPyro checks."""
        from numpyro_lsp.features.diagnostics import check, checked
        from numpyro_lsp.features.scheduler import CheckScheduler

        return CheckScheduler(
            lambda document, token: check(self, document, token),
            lambda document, found: checked(self, document, found),
        )

    @cached_property
    def smoke_runner(self) -> SmokeRunner:
        """Starts no process until the first smoke test."""
        from numpyro_lsp.smoke.runner import SmokeRunner

        return SmokeRunner(self.python)

    def prepare(self) -> None:
        """Create the state that worker threads share (documents, catalog, workspace index,
        re-exports), so that no thread is first to build one; ``initialized`` calls
        this."""
        for state in ("documents", "catalogs", "reexports", "workspace_index"):
            getattr(self, state)  # reading a cached_property builds it

    def close_smoke_runner(self) -> None:
        """Stop the smoke test's worker process, if one was ever started."""
        runner = self.__dict__.get("smoke_runner")
        if runner is not None:
            runner.close()

    def parsed(self, uri: str, used: bool = True) -> ParsedDocument:
        """The document at its current version, as a snapshot (an unopened document that
        cannot be read, missing or not UTF-8, reads as empty). On the event loop only: it
        reads the workspace pygls changes; a thread is handed the snapshot. ``used``: the
        user's edit or request, which makes it the document used last (not a check of every
        open document after a settings change)."""
        key = unquote(uri)  # pygls's key
        notebook = self.notebooks.view(uri)
        cell_starts: tuple[int, ...] = ()
        if notebook is not None:  # the program of its cells
            source, version = notebook.program.source, notebook.version
            cell_starts = notebook.program.cell_starts
        else:
            document = self.workspace.get_text_document(uri)
            try:
                source = document.source
            except (OSError, UnicodeDecodeError, ValueError):
                source = ""
            version = document.version
        kept = self._snapshot_sources.get(key)
        # pygls replaces the text's string on every change, and a document opened again
        # may keep its version: the same string object and version are the same text.
        snapshot = self._snapshots.get(key)
        if kept is source and snapshot is not None and snapshot.version == version:
            if used:
                self._recent.used(key)
            return snapshot
        parsed = self.documents.get(uri, version, source, cell_starts)
        if self.is_open(uri):
            if used:
                self._recent.used(key)
            self._snapshot_sources[key] = source
            self._keep_snapshot(key, parsed)
            self.release_beyond_kept_lines()
        return parsed

    def release_beyond_kept_lines(self, collect: bool = True) -> None:
        """Drop the analyses of the documents used longest ago past ``keptAnalysisLines``
        (features/retention.py); their snapshots become the same text, not yet parsed.
        ``collect``: free them with a full collection now, rather than when the server is at
        rest (features/collector.py)."""
        snapshots = self._snapshots
        recent_first = [
            OpenDocument(key, snapshots[key].line_count, snapshots[key].holds_analysis)
            for key in self._recent.recent_first(snapshots)
        ]
        released = to_release(recent_first, self.settings.kept_analysis_lines)
        if not released:
            return
        from numpyro_lsp.features.collector import free_released

        snapshots = dict(snapshots)
        for key in released:
            snapshots[key] = self.documents.release(snapshots[key])
        self._snapshots = snapshots
        self._index_snapshots()
        logger.info(
            "released the analysis of %s to keep within keptAnalysisLines (%d)",
            ", ".join(released),
            self.settings.kept_analysis_lines,
        )
        if collect:
            free_released()

    def asked(self, uri: str) -> ParsedDocument | None:
        """What a request about ``uri`` works on, taken as it arrives (event loop): the open
        document's snapshot; None for a file that is not open (read later, in the thread,
        through ``document_for``)."""
        if not self.is_open(uri):
            return None
        return self.parsed(uri)

    def is_open(self, uri: str) -> bool:
        """An open text document, or an open notebook (the program of its cells)."""
        key = unquote(uri)
        return key in self.workspace.text_documents or key in self.notebooks.views

    def forget_document(self, uri: str) -> None:
        """A document was closed: its snapshot goes."""
        self.documents.forget(uri)
        key = unquote(uri)
        self._recent.forget(key)
        self._snapshot_sources.pop(key, None)
        if self._snapshots.pop(key, None) is not None:
            self._snapshots = dict(self._snapshots)
            self._index_snapshots()

    def _keep_snapshot(self, key: str, document: ParsedDocument) -> None:
        self._snapshots = {**self._snapshots, key: document}
        self._index_snapshots()

    def _index_snapshots(self) -> None:
        by_path = {}
        for document in self._snapshots.values():
            path = to_fs_path(document.uri)
            if path:
                by_path[Path(path)] = document
        self._snapshots_by_path = by_path

    def open_snapshots(self) -> dict[str, ParsedDocument]:
        """The open documents as of now, by URI (a dict that is never changed)."""
        return self._snapshots

    def bindings(self, document: ParsedDocument) -> Mapping[str, str]:
        """The document's imports, following a module that re-exports a NumPyro name once
        jedi has answered (see analysis/reexports.py)."""
        return ReexportAwareBindings(self, document)

    def document_for(self, uri: str) -> ParsedDocument | None:
        """An open document as of the last snapshot, else the file on disk. Any thread."""
        opened = self._snapshots.get(unquote(uri))
        if opened is not None:
            return opened
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

    def posterior_summary(self, uri: str, site: str) -> str | None:
        """Markdown of a site's posterior from the document's last smoke test, if any."""
        from numpyro_lsp.smoke.hover import site_hover_markdown

        report = self.smoke_reports.get(uri)
        if report is None or site not in report.sites:
            return None
        return site_hover_markdown(report, report.sites[site])
