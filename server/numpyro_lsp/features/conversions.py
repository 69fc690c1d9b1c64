"""LSP <-> analysis: positions, ranges, edits and diagnostics.

The analysis counts like ``ast``: 1-based lines and UTF-8 byte columns (a ``Span``); LSP
counts 0-based lines and UTF-16 columns. Every crossing between the two goes through here.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from lsprotocol import types

from numpyro_lsp.analysis.text import column_from_utf8, column_to_utf8, column_to_utf16

if TYPE_CHECKING:
    from numpyro_lsp.analysis.document import ParsedDocument
    from numpyro_lsp.rewrite.edits import TextEdit
    from numpyro_lsp.rules.base import Finding, Span
    from numpyro_lsp.smoke.report import SmokeFinding

# By the name of the rules' ``Severity``: the rules load after initialize is answered.
SEVERITIES = {
    "ERROR": types.DiagnosticSeverity.Error,
    "WARNING": types.DiagnosticSeverity.Warning,
    "INFORMATION": types.DiagnosticSeverity.Information,
    "HINT": types.DiagnosticSeverity.Hint,
}
SMOKE_SEVERITIES = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "information": types.DiagnosticSeverity.Information,
}


def to_position(document: ParsedDocument, line: int, byte_column: int) -> types.Position:
    """An ``ast`` position (1-based line, UTF-8 byte column) as an LSP one."""
    text = document.line(line - 1)
    return types.Position(line - 1, column_to_utf16(text, column_from_utf8(text, byte_column)))


def to_range(document: ParsedDocument, span: Span) -> types.Range:
    return types.Range(
        start=to_position(document, span.line, span.column),
        end=to_position(document, span.end_line, span.end_column),
    )


def node_range(document: ParsedDocument, node: ast.AST) -> types.Range:
    from numpyro_lsp.rules.base import Span

    return to_range(document, Span.of(node))


def to_span(document: ParsedDocument, range_: types.Range) -> Span:
    """An LSP range as a Span (1-based lines, UTF-8 byte columns, like ast)."""
    from numpyro_lsp.rules.base import Span

    def byte_column(position: types.Position) -> int:
        text = document.line(position.line)
        column = document.column(position.line, position.character)
        return column_to_utf8(text, column)

    return Span(
        range_.start.line + 1,
        byte_column(range_.start),
        range_.end.line + 1,
        byte_column(range_.end),
    )


def cursor(document: ParsedDocument, position: types.Position) -> tuple[int, int]:
    """An LSP position as ``ast`` counts: 1-based line, UTF-8 byte column."""
    span = to_span(document, types.Range(start=position, end=position))
    return span.line, span.column


def to_text_edit(document: ParsedDocument, edit: TextEdit) -> types.TextEdit:
    """A rewrite's edit (0-based lines, code-point columns) as an LSP one."""

    def position(line: int, column: int) -> types.Position:
        return types.Position(line, column_to_utf16(document.line(line), column))

    return types.TextEdit(
        range=types.Range(
            position(edit.line, edit.column), position(edit.end_line, edit.end_column)
        ),
        new_text=edit.text,
    )


def to_diagnostic(
    document: ParsedDocument, finding: Finding, source: str, data: object = None
) -> types.Diagnostic:
    """A rule's finding as a diagnostic; ``data`` is its fix payload, already unstructured."""
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
        source=source,
        related_information=related or None,
        data=data,
    )


def smoke_diagnostic(finding: SmokeFinding, lines: list[str], source: str) -> types.Diagnostic:
    """A smoke-test finding (1-based line, code-point columns or the whole line) as a
    diagnostic on ``lines``, the text the smoke test ran."""
    number = max(0, min(finding.line - 1, len(lines) - 1))
    text = lines[number] if lines else ""
    if finding.start is None or finding.end is None:
        start, end = len(text) - len(text.lstrip()), len(text)
    else:
        start, end = finding.start, finding.end
    return types.Diagnostic(
        range=types.Range(
            types.Position(number, column_to_utf16(text, start)),
            types.Position(number, column_to_utf16(text, end)),
        ),
        message=finding.message,
        severity=SMOKE_SEVERITIES[finding.severity],
        code=finding.code,
        source=source,
        data={"site": finding.site} if finding.site else None,
    )
