"""The diagnostics of each open document, per source, with the document version each list
was computed for.

A publish replaces a document's whole list, so each source's list is kept to be sent with
the others'. When the text changes, every list is moved with the lines it sits on before it
is published again: a finding before the edit stays, one after it moves, one the edit
touched is withdrawn (its code changed). A list computed for an older version (a smoke
test that ran while the user typed) is moved through the edits made since.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from lsprotocol import types

from numpyro_lsp.analysis.text import split_lines, utf16_length

# How many edits of a document are remembered, to move a list computed that many versions
# ago; an older list is dropped rather than shown at lines that may be wrong.
HISTORY = 500

Change = types.TextDocumentContentChangeEvent


@dataclass
class _Document:
    version: int | None
    by_source: dict[str, list[types.Diagnostic]] = field(default_factory=dict)
    # (version after the edit, the edit's changes), oldest first, from ``first_version`` on.
    history: list[tuple[int | None, list[Edit | None]]] = field(default_factory=list)
    first_version: int | None = None

    def __post_init__(self) -> None:
        self.first_version = self.version

    def replay(self, version: int | None) -> list[list[Edit | None]] | None:
        """The changes from ``version`` to the current one; None when they are not known."""
        if version == self.version:
            return []
        if version is None or self.first_version is None or version < self.first_version:
            return None
        return [changes for after, changes in self.history if after is None or after > version]


class DiagnosticsStore:
    def __init__(
        self,
        send: Callable[[types.PublishDiagnosticsParams], None],
        rechecked: frozenset[str] = frozenset(),
    ) -> None:
        self._send = send
        # The sources checked again after every edit: their check publishes the moved lists
        # (a publish at the edit would only send what the check is about to replace).
        self._rechecked = rechecked
        self._documents: dict[str, _Document] = {}

    def opened(self, uri: str, version: int | None) -> None:
        self._documents[uri] = _Document(version)

    def version(self, uri: str) -> int | None:
        document = self._documents.get(uri)
        return None if document is None else document.version

    def diagnostics(self, uri: str, source: str) -> list[types.Diagnostic]:
        document = self._documents.get(uri)
        return [] if document is None else list(document.by_source.get(source, []))

    def edited(self, uri: str, version: int | None, changes: Sequence[Change]) -> None:
        """Move every list through the edit; publish them under the new version at once
        when a list that no check will replace moved or lost a finding."""
        document = self._documents.setdefault(uri, _Document(version))
        document.version = version
        edits = [Edit.of(change) for change in changes]
        document.history.append((version, edits))
        if len(document.history) > HISTORY:
            document.first_version = document.history.pop(0)[0]
        changed = False
        for source, diagnostics in document.by_source.items():
            moved = moved_diagnostics(diagnostics, uri, edits)
            if moved != diagnostics:
                document.by_source[source] = moved
                changed = changed or source not in self._rechecked
        if changed:
            self._publish(uri, document)

    def set(
        self, uri: str, source: str, diagnostics: list[types.Diagnostic], version: int | None
    ) -> None:
        """Keep and publish ``source``'s list, computed for ``version`` of the document."""
        document = self._documents.setdefault(uri, _Document(version))
        replay = document.replay(version)
        if replay is None:
            return  # older than the edits remembered: where its lines are now is unknown
        for edits in replay:
            diagnostics = moved_diagnostics(diagnostics, uri, edits)
        document.by_source[source] = diagnostics
        self._publish(uri, document)

    def moved_since(
        self, uri: str, diagnostics: list[types.Diagnostic], version: int | None
    ) -> list[types.Diagnostic] | None:
        """``diagnostics`` computed for ``version``, moved through the edits made since (those
        an edit touched withdrawn), without keeping them; None when that version is too old
        or the document is not open. For results shown in other ways than diagnostics (the
        shape lens's inlay hints)."""
        document = self._documents.get(uri)
        replay = None if document is None else document.replay(version)
        if replay is None:
            return None
        for edits in replay:
            diagnostics = moved_diagnostics(diagnostics, uri, edits)
        return diagnostics

    def forget(self, uri: str) -> None:
        """A closed document is the Python server's business again: clear what we said."""
        self._documents.pop(uri, None)
        self._send(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    def _publish(self, uri: str, document: _Document) -> None:
        every = [d for listed in document.by_source.values() for d in listed]
        self._send(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=every, version=document.version)
        )


@dataclass(frozen=True)
class Edit:
    """What moving positions needs of a content change (its text can be the whole file)."""

    range: types.Range
    # The lines the new text has (1 without a line break), and the last one's UTF-16 width.
    lines: int
    last_width: int

    @classmethod
    def of(cls, change: Change) -> Edit | None:
        """None for a change of the whole text."""
        if not isinstance(change, types.TextDocumentContentChangePartial):
            return None
        inserted = split_lines(change.text)
        return cls(change.range, len(inserted), utf16_length(inserted[-1]))


def moved_diagnostics(
    diagnostics: list[types.Diagnostic], uri: str, edits: Sequence[Edit | None]
) -> list[types.Diagnostic]:
    """The diagnostics after ``edits`` (made in order, as LSP sends them), less those the
    edits touched. A change of the whole text touches them all."""
    kept = []
    for diagnostic in diagnostics:
        moved: types.Diagnostic | None = diagnostic
        for edit in edits:
            moved = None if edit is None else _moved(moved, uri, edit)
            if moved is None:
                break
        if moved is not None:
            kept.append(moved)
    return kept


def _moved(diagnostic: types.Diagnostic, uri: str, edit: Edit) -> types.Diagnostic | None:
    range_ = moved_range(diagnostic.range, edit)
    if range_ is None:
        return None
    if range_ == diagnostic.range:
        return diagnostic
    related = None
    if diagnostic.related_information:
        related = []
        for info in diagnostic.related_information:
            if info.location.uri != uri:
                related.append(info)
                continue
            where = moved_range(info.location.range, edit)
            if where is not None:
                location = types.Location(uri=uri, range=where)
                related.append(types.DiagnosticRelatedInformation(location, info.message))
    return types.Diagnostic(
        range=range_,
        message=diagnostic.message,
        severity=diagnostic.severity,
        code=diagnostic.code,
        code_description=diagnostic.code_description,
        source=diagnostic.source,
        tags=diagnostic.tags,
        related_information=related or None,
        data=diagnostic.data,
    )


def moved_range(range_: types.Range, edit: Edit) -> types.Range | None:
    """Where ``range_`` is after ``edit``: unmoved before it, moved after it, None when
    the edit replaced text inside it."""
    if _key(range_.start) >= _key(edit.range.end):
        return types.Range(_after(range_.start, edit), _after(range_.end, edit))
    if _key(range_.end) <= _key(edit.range.start):
        return range_
    return None


def _key(position: types.Position) -> tuple[int, int]:
    return position.line, position.character


def _after(position: types.Position, edit: Edit) -> types.Position:
    """A position at or after the edit's end, once the edit is made."""
    start, end = edit.range.start, edit.range.end
    if position.line != end.line:
        added = edit.lines - 1 - (end.line - start.line)
        return types.Position(position.line + added, position.character)
    line = start.line + edit.lines - 1
    base = start.character if edit.lines == 1 else 0
    return types.Position(line, base + edit.last_width + position.character - end.character)
