"""NumPyro checks as LSP diagnostics: at once on open and save, debounced while typing, and
again for every open document when the settings change. The server's scheduler runs them
(features/scheduler.py); its diagnostics store publishes them (features/diagnostic_store.py).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote

from lsprotocol import types
from pygls.uris import to_fs_path

from numpyro_lsp.features import advise, shape_lens
from numpyro_lsp.features.conversions import to_diagnostic
from numpyro_lsp.features.fix_payloads import fix_data
from numpyro_lsp.features.language_server import NumpyroLanguageServer

if TYPE_CHECKING:
    from numpyro_lsp.analysis.document import ParsedDocument
    from numpyro_lsp.features.cancellation import CancelToken

SOURCE = "numpyro"


def diagnostics_for(
    ls: NumpyroLanguageServer, document: ParsedDocument, token: CancelToken | None = None
) -> list[types.Diagnostic] | None:
    """The document's diagnostics, or None while it cannot be analysed (keep the last ones).
    In a worker thread; ``token`` is polled between the stages."""
    from numpyro_lsp.rules.engine import run_rules

    settings = ls.settings.diagnostics
    if not settings.enabled or len(document.source) > settings.max_check_chars:
        return []
    # The linked analysis takes the locks of the files it imports from, one at a time; the
    # positions are then read under this document's lock alone (no later version moves
    # them meanwhile: analysis/document.py), and a superseded version is not checked.
    analysis = ls.linked_analysis(document)
    if analysis is None:
        return None
    with document.lock:
        if not document.is_newest():
            return None
        if token is not None:
            token.check()
        findings = run_rules(analysis, document.lines, settings.rules)
        if token is not None:
            token.check()
        found = [to_diagnostic(document, f, SOURCE, fix_data(f.fix)) for f in findings]
        # Less the hints a parameterization advice withdrew (features/advise.py).
        return advise.without_withdrawn(ls, document.uri, analysis, found)


def check(
    ls: NumpyroLanguageServer, document: ParsedDocument, token: CancelToken
) -> list[types.Diagnostic] | None:
    """What the scheduler runs in its worker thread."""
    return diagnostics_for(ls, document, token)


def checked(
    ls: NumpyroLanguageServer, document: ParsedDocument, diagnostics: list[types.Diagnostic]
) -> None:
    """Publish a finished check, unless the document changed meanwhile (its own check is
    then on the way)."""
    current = ls.open_snapshots().get(unquote(document.uri))
    if current is not None and ls.diagnostics.version(document.uri) == document.version:
        ls.diagnostics.set(document.uri, SOURCE, diagnostics, document.version)


def publish(
    ls: NumpyroLanguageServer, uri: str, expected_version: int | None = None, used: bool = True
) -> None:
    """Check the open document at its current version in a worker thread (so a long check
    never holds up completion or hover); a check of an older version is cancelled.
    ``used``: asked for by the user's edit, save or request (``ls.parsed``)."""
    if not ls.is_open(uri):
        return
    document = ls.parsed(uri, used=used)
    if expected_version is not None and document.version != expected_version:
        return  # an edit arrived meanwhile; its own timer will publish
    task = ls.checks.start(uri, document)
    if not used:
        # A check nobody asked for (after a settings change, or of a file that imports one
        # that changed) parses a released document again: once it is over, the documents go
        # back within keptAnalysisLines, freed when the server is at rest (the checks of the
        # other documents run meanwhile).
        task.add_done_callback(lambda _: ls.release_beyond_kept_lines(collect=False))


def publish_with_importers(
    ls: NumpyroLanguageServer, uri: str, expected_version: int | None = None
) -> None:
    """Check a document, then the other open documents that import its models: the site names
    they write may have changed meaning."""
    publish(ls, uri, expected_version)
    path = to_fs_path(uri)
    if path is None:
        return  # not a file: no import finds it
    # Only a document whose text names the module can import from it (a cheap test: each
    # linked analysis reads every import of its file).
    others = {
        k: d
        for k, d in ls.open_snapshots().items()
        if d.uri != uri and ls.workspace_index.may_import(d.source, Path(path))
    }
    if others:
        asyncio.ensure_future(_publish_importers(ls, uri, others))


async def _publish_importers(
    ls: NumpyroLanguageServer, uri: str, others: dict[str, ParsedDocument]
) -> None:
    def importers() -> list[str]:
        found = []
        for document in others.values():
            analysis = ls.linked_analysis(document)
            if analysis is not None and any(
                model.uri == uri for model in analysis.imported_models.values()
            ):
                found.append(document.uri)
        return found

    found = await asyncio.to_thread(importers)
    for other in found:
        publish(ls, other, used=False)
    if not found:  # the documents read to find none may have been released ones
        ls.release_beyond_kept_lines(collect=False)


def publish_all(ls: NumpyroLanguageServer) -> None:
    for document in list(ls.open_snapshots().values()):
        publish(ls, document.uri, used=False)


def forget(ls: NumpyroLanguageServer, uri: str) -> None:
    """A closed document is the Python server's business again: clear what we said."""
    ls.checks.cancel(uri)
    ls.diagnostics.forget(uri)


def register(server: NumpyroLanguageServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: NumpyroLanguageServer, params: types.DidOpenTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls.diagnostics.opened(uri, params.text_document.version)
        publish(ls, uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: NumpyroLanguageServer, params: types.DidSaveTextDocumentParams) -> None:
        ls.checks.cancel(params.text_document.uri)  # the pending timer: checked now
        publish_with_importers(ls, params.text_document.uri)
        shape_lens.saved(ls, params.text_document.uri)  # when shapes.onSave is on

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: NumpyroLanguageServer, params: types.DidChangeTextDocumentParams) -> None:
        uri, version = params.text_document.uri, params.text_document.version
        # The snapshot of this version, taken now, before any later change.
        ls.parsed(uri)
        # Every source's findings move with their lines (the smoke test's are published
        # moved at once; ours with the check below).
        ls.diagnostics.edited(uri, version, params.content_changes)
        ls.checks.later(
            uri,
            ls.settings.debounce_ms / 1000,
            lambda: publish_with_importers(ls, uri, expected_version=version),
        )
