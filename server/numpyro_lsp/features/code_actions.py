"""textDocument/codeAction: non-centering refactors and quick fixes, as versioned edits."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from lsprotocol import types

from numpyro_lsp.analysis.text import column_to_utf16
from numpyro_lsp.features.diagnostics import SOURCE
from numpyro_lsp.features.language_server import NumpyroLanguageServer
from numpyro_lsp.features.smoke import DIAGNOSTIC_SOURCE as SMOKE_SOURCE

if TYPE_CHECKING:
    from numpyro_lsp.actions import Action
    from numpyro_lsp.analysis.document import ParsedDocument
    from numpyro_lsp.rewrite.edits import TextEdit
    from numpyro_lsp.rules.base import Span

KINDS = {
    "quickfix": types.CodeActionKind.QuickFix,
    "refactor.rewrite": types.CodeActionKind.RefactorRewrite,
}


def to_span(document: ParsedDocument, range_: types.Range) -> Span:
    """An LSP range as a Span (1-based lines, UTF-8 byte columns, like ast)."""
    # Imported on first use: initialize is answered before the rules load
    # (docs/performance.md).
    from numpyro_lsp.rules.base import Span

    def byte_column(position: types.Position) -> int:
        text = document.line(position.line)
        column = document.column(position.line, position.character)
        return len(text[:column].encode("utf-8"))

    return Span(
        range_.start.line + 1,
        byte_column(range_.start),
        range_.end.line + 1,
        byte_column(range_.end),
    )


def to_text_edit(document: ParsedDocument, edit: TextEdit) -> types.TextEdit:
    def position(line: int, column: int) -> types.Position:
        return types.Position(line, column_to_utf16(document.line(line), column))

    return types.TextEdit(
        range=types.Range(
            position(edit.line, edit.column), position(edit.end_line, edit.end_column)
        ),
        new_text=edit.text,
    )


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
    ls: NumpyroLanguageServer, params: types.CodeActionParams
) -> list[types.CodeAction] | None:
    # Imported on the first request: the rewrites need libcst, which the server's start
    # (and every editor that never asks for a code action) should not pay for.
    from numpyro_lsp.actions import non_center_actions, quick_fixes

    document = ls.parsed(params.text_document.uri)
    analysis = document.analysis(ls.catalogs.catalog)
    if analysis is None:
        return None
    # The smoke test's divergence warnings sit on the same sites as the NPR012 hints: the
    # non-centering action fixes both.
    ours = [d for d in params.context.diagnostics if d.source in (SOURCE, SMOKE_SOURCE)]
    actions: list[Action] = []
    for diagnostic in ours:
        fix = (diagnostic.data or {}).get("fix") if isinstance(diagnostic.data, dict) else None
        if fix and fix.get("kind") != "non_center":
            span = to_span(document, diagnostic.range)
            actions += quick_fixes(document, analysis, str(diagnostic.code), span, fix)
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
    async def code_action(
        ls: NumpyroLanguageServer, params: types.CodeActionParams
    ) -> list[types.CodeAction] | None:
        # libcst on a large file takes a while: work in a thread, so the server keeps
        # answering and a $/cancelRequest is answered at once.
        return await asyncio.to_thread(code_actions_for, ls, params)
