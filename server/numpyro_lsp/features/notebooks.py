"""Notebook documents (LSP 3.17 ``notebookDocument/*``): a notebook's Python cells are
analysed as one program, the notebook's own document (analysis/notebook.py), under the
notebook's URI; every feature works on that program, and positions cross over here, at the
LSP boundary:

- a request about a cell (``textDocument/*`` with the cell's URI) is asked of the program:
  its URI becomes the notebook's and its positions the program's lines;
- its answer comes back in the cells: a location or an edit in the program goes to the cell
  that holds it, a range of the asked document to the asked cell (what lies in other cells,
  such as their outline or their inlay hints, is left out);
- the program's diagnostics are published per cell.

A cell's lines are the program's, one for one and each as long (IPython lines are masked in
place), so only line numbers change: columns, in UTF-16 units, are the same, but in a cell
whose first line is indented, which IPython dedents: its lines that start with that
indentation are as much shorter in the program.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property, partial
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import attrs
from lsprotocol import types
from pygls.uris import to_fs_path

from numpyro_lsp.analysis.text import split_lines, utf16_length

# analysis/notebook.py loads with the first notebook (docs/performance.md: first use).
if TYPE_CHECKING:
    from pygls.workspace import Workspace

    from numpyro_lsp.analysis.notebook import CodeCell, NotebookProgram
    from numpyro_lsp.features.language_server import NumpyroLanguageServer

logger = logging.getLogger(__name__)

# Jupyter notebooks, their Python cells (VS Code's notebook type; JupyterLab's LSP client
# sends a notebook as one virtual text document of its own, which needs nothing here).
NOTEBOOK_SYNC = types.NotebookDocumentSyncOptions(
    notebook_selector=[
        types.NotebookDocumentFilterWithCells(
            cells=[types.NotebookCellLanguage(language="python")], notebook="jupyter-notebook"
        )
    ],
    save=True,
)
PYTHON_CELLS = {"python"}


@dataclass(frozen=True)
class NotebookView:
    """One version of an open notebook: its program and its cells' URIs and versions (the
    same order as ``program.cells``). Never changed: a request holds the one it arrived
    with, and its answer is mapped with it."""

    uri: str
    version: int
    program: NotebookProgram
    cell_versions: tuple[int | None, ...]
    # Each code cell's 1-based number among all the notebook's cells, markdown included
    # (how ``numpyro-lsp check`` names a cell).
    numbers: tuple[int, ...] = ()

    @cached_property
    def lines(self) -> list[str]:
        return split_lines(self.program.source)

    def cell_uri(self, index: int) -> str:
        return self.program.cells[index].key

    def line_width(self, line: int) -> int:
        return utf16_length(self.lines[line]) if 0 <= line < len(self.lines) else 0

    def to_cell(self, position: types.Position, index: int) -> types.Position | None:
        """A program position in the cell ``index``; None outside it."""
        cell = self.program.cells[index]
        if not cell.start <= position.line < cell.end:
            return None
        line = position.line - cell.start
        return types.Position(line, position.character + cell.shift(line))

    def range_to_cell(self, range_: types.Range, index: int) -> types.Range | None:
        """A program range in the cell ``index`` (its end clamped to the cell's last line);
        None when it starts outside the cell."""
        start = self.to_cell(range_.start, index)
        if start is None:
            return None
        end = self.to_cell(range_.end, index)
        if end is None:
            last = self.program.cells[index].end - 1
            end = types.Position(last - self.program.cells[index].start, self.line_width(last))
        return types.Range(start, end)

    def cell_of(self, range_: types.Range) -> int:
        return self.program.cell_at(range_.start.line)[0]


def view_of(workspace: Workspace, notebook: types.NotebookDocument) -> NotebookView:
    from numpyro_lsp.analysis.notebook import notebook_program

    cells, versions, numbers = [], [], []
    for number, cell in enumerate(notebook.cells, start=1):
        if cell.kind != types.NotebookCellKind.Code:
            continue
        document = workspace.text_documents.get(unquote(cell.document))
        if document is None or (document.language_id or "python") not in PYTHON_CELLS:
            continue
        cells.append((cell.document, document.source))
        versions.append(document.version)
        numbers.append(number)
    program = notebook_program(cells)
    return NotebookView(notebook.uri, notebook.version, program, tuple(versions), tuple(numbers))


def cell_terms(view: NotebookView, path: str | None, text: str) -> str:
    """A message about the program, its lines named as the editor numbers the cells."""
    from numpyro_lsp.analysis.notebook import named_in_cells

    numbers = view.numbers
    return named_in_cells(
        view.program,
        text,
        lambda index: numbers[index] if index < len(numbers) else index + 1,
        path,
    )


def in_cell_terms(ls: NumpyroLanguageServer, uri: str, text: str) -> str:
    """``cell_terms`` for a message about ``uri`` when it is a notebook; else the text."""
    view = ls.notebooks.view(uri)
    return text if view is None else cell_terms(view, to_fs_path(view.uri), text)


def program_change(a: list[str], b: list[str]) -> types.TextDocumentContentChangePartial | None:
    """One change that turns the program of lines ``a`` into that of ``b`` (the lines
    between their common first and last lines), for the diagnostics store to move findings
    with; None when they are equal."""
    limit = min(len(a), len(b))
    prefix = 0
    while prefix < limit and a[prefix] == b[prefix]:
        prefix += 1
    if prefix == len(a) == len(b):
        return None
    suffix = 0
    while suffix < limit - prefix and a[-1 - suffix] == b[-1 - suffix]:
        suffix += 1
    if suffix:
        start, end = types.Position(prefix, 0), types.Position(len(a) - suffix, 0)
        text = "".join(line + "\n" for line in b[prefix : len(b) - suffix])
    else:
        last = types.Position(len(a) - 1, utf16_length(a[-1]))
        if prefix:
            start = types.Position(prefix - 1, utf16_length(a[prefix - 1]))
            text = "".join("\n" + line for line in b[prefix:])
        else:
            start, text = types.Position(0, 0), "\n".join(b)
        end = last
    return types.TextDocumentContentChangePartial(range=types.Range(start, end), text=text)


_DROP = object()  # an answer's part that lies outside the asked cell


def _fields_mapped(value: Any, walk: Callable[[Any], Any]) -> Any:
    """An lsprotocol object with ``walk`` applied to each field that may hold a position
    (``value`` itself when it is no attrs object or nothing changed); ``_DROP`` when ``walk``
    drops one of them: the object sits outside the asked cell."""
    if not attrs.has(type(value)):
        return value
    changes = {}
    for field in attrs.fields(type(value)):
        old = getattr(value, field.name)
        if old is None or isinstance(old, (str, int, float, bool, dict)):
            continue
        new = walk(old)
        if new is _DROP:
            return _DROP
        if new is not old:
            changes[field.alias] = new
    return attrs.evolve(value, **changes) if changes else value


class ResultMapper:
    """Maps an answer given on programs back to cells. ``asked`` is the view and cell index
    of the cell the request was about (None for a request about no document)."""

    def __init__(
        self, views: dict[str, NotebookView], asked: tuple[NotebookView, int] | None
    ) -> None:
        self.views = views
        self.asked = asked

    def __call__(self, result: Any) -> Any:
        mapped = self._walk(result)
        return None if mapped is _DROP else mapped

    def _view(self, uri: str) -> NotebookView | None:
        return self.views.get(unquote(uri))

    def _walk(self, value: Any) -> Any:
        if isinstance(value, list):
            return [m for m in map(self._walk, value) if m is not _DROP]
        if isinstance(value, types.Location):
            return self._location(value)
        if isinstance(value, types.LocationLink):
            return self._link(value)
        if isinstance(value, types.WorkspaceEdit):
            return self._workspace_edit(value)
        if isinstance(value, types.Range):
            return self._asked_range(value)
        if isinstance(value, types.Position):
            return self._asked_position(value)
        if isinstance(value, types.CompletionItem):
            # Many items, and only their edits hold positions.
            if value.text_edit is None and value.additional_text_edits is None:
                return value
            edits = [self._walk(value.text_edit), self._walk(value.additional_text_edits)]
            if _DROP in edits:
                return _DROP
            return attrs.evolve(value, text_edit=edits[0], additional_text_edits=edits[1])
        return _fields_mapped(value, self._walk)

    def _asked_range(self, range_: types.Range) -> Any:
        if self.asked is None:
            return range_
        view, index = self.asked
        mapped = view.range_to_cell(range_, index)
        return _DROP if mapped is None else mapped

    def _asked_position(self, position: types.Position) -> Any:
        if self.asked is None:
            return position
        view, index = self.asked
        mapped = view.to_cell(position, index)
        return _DROP if mapped is None else mapped

    def _in_cell(self, uri: str, range_: types.Range) -> tuple[str, types.Range] | None:
        view = self._view(uri)
        if view is None or not view.program.cells:
            return None
        index = view.cell_of(range_)
        return view.cell_uri(index), view.range_to_cell(range_, index) or range_

    def _location(self, location: types.Location) -> types.Location:
        placed = self._in_cell(location.uri, location.range)
        return location if placed is None else types.Location(*placed)

    def _link(self, link: types.LocationLink) -> types.LocationLink:
        placed = self._in_cell(link.target_uri, link.target_range)
        origin = link.origin_selection_range
        if origin is not None:
            origin = self._asked_range(origin)
            origin = None if origin is _DROP else origin
        if placed is None:
            return attrs.evolve(link, origin_selection_range=origin)
        view = self._view(link.target_uri)
        index = view.cell_of(link.target_range)
        selection = view.range_to_cell(link.target_selection_range, index) or placed[1]
        return types.LocationLink(
            target_uri=placed[0],
            target_range=placed[1],
            target_selection_range=selection,
            origin_selection_range=origin,
        )

    def _workspace_edit(self, edit: types.WorkspaceEdit) -> Any:
        changes = None
        if edit.changes is not None:
            changes = {}
            for uri, edits in edit.changes.items():
                view = self._view(uri)
                if view is None:
                    changes[uri] = edits
                    continue
                split = split_edits(view, edits)
                if split is None:
                    return _DROP
                for index, cell_edits in split.items():
                    changes[view.cell_uri(index)] = cell_edits
        document_changes = None
        if edit.document_changes is not None:
            document_changes = []
            for change in edit.document_changes:
                view = (
                    self._view(change.text_document.uri)
                    if isinstance(change, types.TextDocumentEdit)
                    else None
                )
                if view is None:
                    document_changes.append(change)
                    continue
                split = split_edits(view, list(change.edits))
                if split is None:
                    return _DROP
                document_changes += [
                    types.TextDocumentEdit(
                        text_document=types.OptionalVersionedTextDocumentIdentifier(
                            uri=view.cell_uri(index), version=view.cell_versions[index]
                        ),
                        edits=cell_edits,
                    )
                    for index, cell_edits in split.items()
                ]
        return attrs.evolve(edit, changes=changes, document_changes=document_changes)


def split_edits(view: NotebookView, edits: list[Any]) -> dict[int, list[Any]] | None:
    """A program's text edits, by the cell each is in (None when one spans cells). A line
    inserted at the start of a cell (an import added after the last import of the cell
    above) goes to the end of the cell above; an edit that ends where the next cell starts
    ends at its own cell's end."""
    cells = view.program.cells
    by_cell: dict[int, list[Any]] = {}
    for edit in edits:
        range_, text = edit.range, edit.new_text
        index = view.program.cell_at(range_.start.line)[0]
        at_cell_start = range_.end.character == 0 and range_.end.line == cells[index].start
        if range_.start == range_.end and index > 0 and at_cell_start and text.endswith("\n"):
            index -= 1
            last = cells[index].end - 1
            end = types.Position(last, view.line_width(last))
            range_, text = types.Range(end, end), "\n" + text[:-1]
        elif range_.end.line == cells[index].end and range_.end.character == 0:
            if not text.endswith("\n") and range_.start != range_.end:
                return None
            last = cells[index].end - 1
            range_ = types.Range(range_.start, types.Position(last, view.line_width(last)))
            text = text[:-1] if text.endswith("\n") else text
        if view.program.cell_at(range_.end.line)[0] != index:
            return None
        mapped = view.range_to_cell(range_, index)
        by_cell.setdefault(index, []).append(attrs.evolve(edit, range=mapped, new_text=text))
    return by_cell


def _shifted(value: Any, cell: CodeCell) -> Any:
    """``value`` (a request's params about ``cell``) with every position where it is in the
    program: ``cell.start`` lines further down, and left by what its line lost to a dedent
    (a position in the indentation taken off is at the line's start)."""
    if isinstance(value, types.Position):
        character = max(0, value.character - cell.shift(value.line))
        return types.Position(value.line + cell.start, character)
    if isinstance(value, list):
        return [_shifted(item, cell) for item in value]
    return _fields_mapped(value, lambda field: _shifted(field, cell))


class Notebooks:
    """The open notebooks' views, by URI (pygls's key). Replaced, never changed, on the event
    loop."""

    def __init__(self) -> None:
        self.views: dict[str, NotebookView] = {}
        self._cells: dict[str, str] = {}  # a cell's URI -> its notebook's
        # What each cell was last sent, to send only what changed.
        self._published: dict[str, list[types.Diagnostic]] = {}

    def view(self, uri: str) -> NotebookView | None:
        return self.views.get(unquote(uri))

    def update(self, workspace: Workspace, uri: str) -> NotebookView | None:
        notebook = workspace.get_notebook_document(notebook_uri=uri)
        if notebook is None:
            return None
        view = view_of(workspace, notebook)
        self.views = {**self.views, unquote(uri): view}
        self._index_cells()
        return view

    def close(self, uri: str) -> None:
        if self.views.pop(unquote(uri), None) is not None:
            self.views = dict(self.views)
            self._index_cells()

    def _index_cells(self) -> None:
        self._cells = {
            unquote(cell.key): key
            for key, view in self.views.items()
            for cell in view.program.cells
        }

    def requested(self, method: str, params: Any) -> tuple[Any, Callable[[Any], Any]] | None:
        """A request about a cell, asked of its notebook's program, and what maps the answer
        back; None for a request about no cell."""
        if method == types.WORKSPACE_EXECUTE_COMMAND:
            arguments = [
                self._cells.get(unquote(a), a) if isinstance(a, str) else a
                for a in params.arguments or []
            ]
            return attrs.evolve(params, arguments=arguments), ResultMapper(self.views, None)
        text_document = getattr(params, "text_document", None)
        uri = getattr(text_document, "uri", None)
        if not isinstance(uri, str):
            return None
        notebook = self._cells.get(unquote(uri))
        if notebook is None:
            return None
        view = self.views[notebook]
        index = next(
            i for i, cell in enumerate(view.program.cells) if unquote(cell.key) == unquote(uri)
        )
        params = _shifted(params, view.program.cells[index])
        params = attrs.evolve(params, text_document=attrs.evolve(text_document, uri=view.uri))
        return params, ResultMapper(self.views, (view, index))

    def cell_diagnostics(
        self, params: types.PublishDiagnosticsParams
    ) -> Iterator[types.PublishDiagnosticsParams]:
        """A publish for a notebook as the publishes of its cells whose list changed (a cell
        that had findings and is gone is cleared); any other publish as it is."""
        view = self.view(params.uri)
        if view is None:
            yield params
            return
        mapper = ResultMapper(self.views, None)
        path = to_fs_path(view.uri)
        by_cell: dict[str, list[types.Diagnostic]] = {}
        for diagnostic in params.diagnostics:
            if not view.program.cells:
                break
            index = view.cell_of(diagnostic.range)
            related = mapper._walk(diagnostic.related_information)
            diagnostic = attrs.evolve(
                diagnostic,
                range=view.range_to_cell(diagnostic.range, index),
                related_information=related,
                message=cell_terms(view, path, diagnostic.message),
            )
            by_cell.setdefault(view.cell_uri(index), []).append(diagnostic)
        gone = [
            uri
            for uri in self._published
            if self._cells.get(unquote(uri)) == unquote(view.uri) or uri not in self._cells
        ]
        cells = {view.cell_uri(i): view.cell_versions[i] for i in range(len(view.program.cells))}
        for uri in dict.fromkeys([*cells, *gone]):
            diagnostics = by_cell.get(uri, [])
            if self._published.get(uri, []) == diagnostics:
                continue
            if diagnostics:
                self._published[uri] = diagnostics
            else:
                self._published.pop(uri, None)
            yield types.PublishDiagnosticsParams(
                uri=uri, diagnostics=diagnostics, version=cells.get(uri)
            )


def smoke_source(
    ls: NumpyroLanguageServer, uri: str, source: str, model: str
) -> tuple[Callable[[], str], tuple[int, ...]]:
    """What a smoke test of ``model`` runs, to read in a worker thread (for a notebook it
    analyzes the program): the document; of a notebook, the cells down to the model's or
    to the one that runs it, without their plots (run_source.notebook_run_program). And
    where the notebook's cells begin in it (lines keep their numbers), parsed each alone."""
    from numpyro_lsp.run_source import notebook_run_program

    view = ls.notebooks.view(uri)
    if view is None or view.program.source != source:
        return (lambda: source), ()
    program = view.program
    return partial(notebook_run_program, program, model, ls.catalogs.catalog), program.cell_starts


def register(server: NumpyroLanguageServer) -> None:
    from numpyro_lsp.features import diagnostics, shape_lens, smoke

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_OPEN)
    def did_open(ls: NumpyroLanguageServer, params: types.DidOpenNotebookDocumentParams) -> None:
        uri = params.notebook_document.uri
        ls.notebooks.update(ls.workspace, uri)
        ls.diagnostics.opened(uri, params.notebook_document.version)
        diagnostics.publish(ls, uri)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_CHANGE)
    def did_change(
        ls: NumpyroLanguageServer, params: types.DidChangeNotebookDocumentParams
    ) -> None:
        uri, version = params.notebook_document.uri, params.notebook_document.version
        before = ls.notebooks.view(uri)
        after = ls.notebooks.update(ls.workspace, uri)
        if before is None or after is None:
            return
        ls.parsed(uri)  # the snapshot of this version, taken now
        change = program_change(before.lines, after.lines)
        ls.diagnostics.edited(uri, version, [change] if change is not None else [])
        ls.checks.later(
            uri,
            ls.settings.debounce_ms / 1000,
            lambda: diagnostics.publish_with_importers(ls, uri, expected_version=version),
        )

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_SAVE)
    def did_save(ls: NumpyroLanguageServer, params: types.DidSaveNotebookDocumentParams) -> None:
        uri = params.notebook_document.uri
        ls.checks.cancel(uri)
        diagnostics.publish_with_importers(ls, uri)
        shape_lens.saved(ls, uri)  # when shapes.onSave is on

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_CLOSE)
    def did_close(ls: NumpyroLanguageServer, params: types.DidCloseNotebookDocumentParams) -> None:
        uri = params.notebook_document.uri
        ls.forget_document(uri)
        diagnostics.forget(ls, uri)  # clears the cells (the view still maps them)
        smoke.forget(ls, uri)
        shape_lens.forget(ls, uri)
        ls.notebooks.close(uri)
