"""textDocument/codeAction: non-centering refactors and quick fixes, as versioned edits."""

from __future__ import annotations

import logging
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from numpyro_lsp.features.advise import DIAGNOSTIC_SOURCE as ADVICE_SOURCE
from numpyro_lsp.features.conversions import to_span, to_text_edit
from numpyro_lsp.features.diagnostics import SOURCE
from numpyro_lsp.features.fix_payloads import fix_of
from numpyro_lsp.features.language_server import NumpyroLanguageServer
from numpyro_lsp.features.pygls_internals import in_thread
from numpyro_lsp.features.shape_lens import DIAGNOSTIC_SOURCE as SHAPES_SOURCE
from numpyro_lsp.features.smoke import DIAGNOSTIC_SOURCE as SMOKE_SOURCE

if TYPE_CHECKING:
    from numpyro_lsp.actions import Action
    from numpyro_lsp.analysis.document import ParsedDocument
    from numpyro_lsp.catalog.schema import Catalog

logger = logging.getLogger(__name__)

KINDS = {
    "quickfix": types.CodeActionKind.QuickFix,
    "refactor.rewrite": types.CodeActionKind.RefactorRewrite,
}


def to_code_action(
    document: ParsedDocument, action: Action, diagnostics: list[types.Diagnostic]
) -> types.CodeAction:
    edit = types.TextDocumentEdit(
        text_document=types.OptionalVersionedTextDocumentIdentifier(
            uri=document.uri, version=document.version
        ),
        edits=[to_text_edit(document, e) for e in action.edits],
    )
    return types.CodeAction(
        title=action.title,
        kind=KINDS[action.kind],
        diagnostics=[d for d in diagnostics if d.code in action.fixes] or None,
        edit=types.WorkspaceEdit(document_changes=[edit]),
        is_preferred=action.preferred or None,
    )


def code_actions_for(
    document: ParsedDocument, catalog: Catalog, params: types.CodeActionParams
) -> list[types.CodeAction] | None:
    """The actions on ``document``, a snapshot taken when the request arrived (in a worker
    thread: the edits are computed on, and versioned with, that one version)."""
    # Imported on the first request: the rewrites need libcst, which the server's start
    # (and every editor that never asks for a code action) should not pay for.
    from numpyro_lsp.actions import non_center_actions, quick_fixes

    # Positions are read under the document's lock: no later version moves them meanwhile
    # (analysis/document.py).
    with document.lock:
        analysis = document.analysis(catalog)
        if analysis is None:
            return None
        # The smoke test's divergence warnings sit on the same sites as the NPR012 hints: the
        # non-centering action fixes both.
        sources = (SOURCE, SMOKE_SOURCE, SHAPES_SOURCE, ADVICE_SOURCE)
        ours = [d for d in params.context.diagnostics if d.source in sources]
        actions: list[Action] = []
        for diagnostic in ours:
            fix = fix_of(diagnostic.data)
            if fix is None:
                continue
            try:
                span = to_span(document, diagnostic.range)
                actions += quick_fixes(document, analysis, str(diagnostic.code), span, fix)
            except Exception:  # one bad fix must not take the other actions down
                logger.exception("the quick fix of %s was skipped", diagnostic.code)
        actions += non_center_actions(document, analysis, to_span(document, params.range))
        wanted = params.context.only
        result = [
            to_code_action(document, a, ours)
            for a in actions
            if a.edits and (not wanted or any(KINDS[a.kind].startswith(k) for k in wanted))
        ]
    return result or None


def register(server: NumpyroLanguageServer) -> None:
    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(
            code_action_kinds=[types.CodeActionKind.QuickFix, types.CodeActionKind.RefactorRewrite]
        ),
    )
    def code_action(
        ls: NumpyroLanguageServer, params: types.CodeActionParams
    ) -> Generator[Any, Any, list[types.CodeAction] | None]:
        # The snapshot is taken as the request arrives, on the event loop: the edits are
        # computed on, and versioned with, the text the client asked about, never on one a
        # later change left half applied.
        document = ls.parsed(params.text_document.uri)
        # libcst on a large file takes a while: work in a thread, so the server keeps
        # answering and a $/cancelRequest is answered at once.
        return (yield from in_thread(code_actions_for, document, ls.catalogs.catalog, params))
