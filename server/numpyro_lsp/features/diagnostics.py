"""NumPyro checks as LSP diagnostics: at once on open and save, debounced while typing, and
again for every open document when the settings change."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import unquote

from lsprotocol import types

from numpyro_lsp.analysis.text import column_from_utf8, column_to_utf16
from numpyro_lsp.features.language_server import NumpyroLanguageServer

if TYPE_CHECKING:
    from numpyro_lsp.analysis.document import ParsedDocument
    from numpyro_lsp.rules.base import Finding, Span

SOURCE = "numpyro"
# By the name of the rules' ``Severity``: the rules load after initialize is answered.
SEVERITIES = {
    "ERROR": types.DiagnosticSeverity.Error,
    "WARNING": types.DiagnosticSeverity.Warning,
    "INFORMATION": types.DiagnosticSeverity.Information,
    "HINT": types.DiagnosticSeverity.Hint,
}


class Debouncer:
    """Runs a callback per key once things have been quiet for ``delay`` seconds."""

    def __init__(self) -> None:
        self._pending: dict[str, asyncio.TimerHandle] = {}

    def schedule(self, key: str, delay: float, callback: Callable[[], None]) -> None:
        self.cancel(key)

        def fire() -> None:
            self._pending.pop(key, None)
            callback()

        self._pending[key] = asyncio.get_running_loop().call_later(delay, fire)

    def cancel(self, key: str) -> None:
        handle = self._pending.pop(key, None)
        if handle is not None:
            handle.cancel()


def to_position(document: ParsedDocument, line: int, byte_column: int) -> types.Position:
    text = document.line(line - 1)
    return types.Position(line - 1, column_to_utf16(text, column_from_utf8(text, byte_column)))


def to_range(document: ParsedDocument, span: Span) -> types.Range:
    return types.Range(
        start=to_position(document, span.line, span.column),
        end=to_position(document, span.end_line, span.end_column),
    )


def to_diagnostic(document: ParsedDocument, finding: Finding) -> types.Diagnostic:
    related = [
        types.DiagnosticRelatedInformation(
            location=types.Location(uri=document.uri, range=to_range(document, r.span)),
            message=r.message,
        )
        for r in finding.related
    ]
    return types.Diagnostic(
        range=to_range(document, finding.span),
        message=finding.message,
        severity=SEVERITIES[finding.severity.name],
        code=finding.code,
        source=SOURCE,
        related_information=related or None,
        data={"fix": finding.fix} if finding.fix else None,
    )


def diagnostics_for(ls: NumpyroLanguageServer, document: ParsedDocument):
    """The document's diagnostics, or None while it does not parse (keep the last ones)."""
    # Imported on first use: initialize is answered before the rules load
    # (docs/performance.md); the server imports them at ``initialized``.
    from numpyro_lsp.rules.engine import run_rules

    options = ls.options
    if not options.diagnostics_enabled or len(document.source) > options.max_check_chars:
        return []
    analysis = ls.linked_analysis(document)
    if analysis is None:
        return None
    findings = run_rules(analysis, document.lines, options.rules)
    return [to_diagnostic(document, f) for f in findings]


_checks: dict[str, asyncio.Task] = {}


def publish(ls: NumpyroLanguageServer, uri: str, expected_version: int | None = None) -> None:
    """Check the document in a worker thread, so a long check never holds up completion or
    hover, and publish unless the document changed meanwhile."""
    # pygls keys open documents by their unquoted URI.
    text_document = ls.workspace.text_documents.get(unquote(uri))
    if text_document is None:
        return
    if expected_version is not None and text_document.version != expected_version:
        return  # an edit arrived meanwhile; its own timer will publish
    document = ls.parsed(uri)
    running = _checks.pop(uri, None)
    if running is not None:
        running.cancel()  # its result would be stale; the thread's work is simply dropped
    _checks[uri] = asyncio.ensure_future(_check_and_publish(ls, document))


async def _check_and_publish(ls: NumpyroLanguageServer, document: ParsedDocument) -> None:
    diagnostics = await asyncio.to_thread(diagnostics_for, ls, document)
    current = ls.workspace.text_documents.get(unquote(document.uri))
    if diagnostics is None or current is None or current.version != document.version:
        return
    ls.publish_diagnostics(document.uri, SOURCE, diagnostics, document.version)


def publish_with_importers(
    ls: NumpyroLanguageServer, uri: str, expected_version: int | None = None
) -> None:
    """Check a document, then the other open documents that import its models: the site names
    they write may have changed meaning."""
    publish(ls, uri, expected_version)
    for other in [d.uri for d in ls.workspace.text_documents.values()]:
        analysis = ls.linked_analysis(ls.parsed(other)) if other != uri else None
        if analysis is not None and any(
            model.uri == uri for model in analysis.imported_models.values()
        ):
            publish(ls, other)


def publish_all(ls: NumpyroLanguageServer) -> None:
    for uri in [d.uri for d in ls.workspace.text_documents.values()]:
        publish(ls, uri)


_debouncer = Debouncer()


def forget(ls: NumpyroLanguageServer, uri: str) -> None:
    """A closed document is the Python server's business again: clear what we said."""
    _debouncer.cancel(uri)
    running = _checks.pop(uri, None)
    if running is not None:
        running.cancel()
    ls.forget_diagnostics(uri)


def register(server: NumpyroLanguageServer) -> None:
    debouncer = _debouncer

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: NumpyroLanguageServer, params: types.DidOpenTextDocumentParams) -> None:
        publish(ls, params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: NumpyroLanguageServer, params: types.DidSaveTextDocumentParams) -> None:
        debouncer.cancel(params.text_document.uri)
        publish_with_importers(ls, params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: NumpyroLanguageServer, params: types.DidChangeTextDocumentParams) -> None:
        uri, version = params.text_document.uri, params.text_document.version
        debouncer.schedule(
            uri,
            ls.options.debounce_ms / 1000,
            lambda: publish_with_importers(ls, uri, expected_version=version),
        )
