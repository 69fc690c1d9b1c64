"""A document's top-level statements in chunks, re-parsed only where an edit touched them.

Typing changes one statement of a file; parsing the whole file again on every keystroke
costs time in proportion to the file, and its hundreds of thousands of new objects wake the
garbage collector's full collections (docs/performance.md). A ``Layout`` tiles the
document's lines with chunks of whole top-level statements (with their decorators, and
the blank and comment lines after them); the next version keeps the chunks before the edit
and after it (moved down or up when the edit added or removed lines) and parses only the
text in between. The chunks keep their share of the analysis (``Chunk.index``,
``Chunk.part``), the rules' reports on it (rules/engine.py) and what whole-file checks read
of it alone (``ModuleAnalysis.part_facts``).

Why splicing is exact: kept chunks are complete statements that start at column 0. When
the re-parsed text parses on its own, it ends outside any bracket or string, so the text
after it tokenizes as it did.

Text that does not parse hides nothing else: the re-parsed text is then read by
``recovery.recover``, statement by statement, and the chunks keep the regions it could not
read (``Chunk.broken``). The whole document is parsed instead only when a kept chunk holds
an open bracket or string (or a closing one) that the edit may have mended.

A notebook's program (analysis/notebook.py) is read as IPython reads it, a cell at a time:
text that parses only by running from one cell into the next (a string left open, paired
with quotes two cells below) is read cell by cell instead (``Layout.cell_starts``).
"""

from __future__ import annotations

import ast
from bisect import bisect_right
from dataclasses import dataclass, field

from numpyro_lsp.analysis.models import ModuleAnalysis, NodeIndex, index_statements, walk_statements
from numpyro_lsp.analysis.recovery import (
    PARSE_ERRORS,
    BrokenRegion,
    parse_lines,
    recover,
    segment_starts,
)
from numpyro_lsp.catalog.schema import Catalog

# A chunk grows to at least this many lines before the next statement starts another:
# each chunk costs a walk and a run of every chunk check, which for a lone import or
# assignment would cost more than re-parsing a few neighbours with it.
CHUNK_LINES = 25
# A file opened is parsed this many lines at a time (``parse_in_pieces``).
PIECE_LINES = 1000
# The chunks of a file read whole (opened) are larger: each chunk costs the same again in
# walks and chunk checks whatever its size, and nobody has typed there yet. An edit re-tiles
# what it touched in chunks of ``CHUNK_LINES``, so only the first keystroke in each of these
# re-reads all of one.
OPENED_CHUNK_LINES = 100


@dataclass(eq=False)
class Chunk:
    """Lines ``start`` to ``end`` (0-based, end excluded) and the statements that start
    there, with the document's line numbers."""

    start: int
    end: int
    statements: list[ast.stmt]
    # The chunk's lines that do not parse (its statements are what could be read around them).
    broken: tuple[BrokenRegion, ...] = ()
    _index: NodeIndex | None = field(default=None, repr=False)
    _part: ModuleAnalysis | None = field(default=None, repr=False)

    @property
    def index(self) -> NodeIndex:
        if self._index is None:
            self._index = index_statements(self.statements)
        return self._index

    def part(self, bindings: dict[str, str], catalog: Catalog) -> ModuleAnalysis:
        """The chunk's share of the module analysis; computed again only when the file's
        imports (or the catalog) changed."""
        part = self._part
        if part is None or part.catalog is not catalog or part.bindings != bindings:
            part = self._part = walk_statements(self.statements, self.index, bindings, catalog)
        return part


@dataclass(eq=False)
class Layout:
    lines: list[str]  # the document's lines without their endings
    chunks: list[Chunk] = field(default_factory=list)
    # The lines where a notebook's cells begin (``recovery.recover``): no statement of the
    # layout runs across one.
    cell_starts: tuple[int, ...] = ()

    @property
    def statements(self) -> list[ast.stmt]:
        return [statement for chunk in self.chunks for statement in chunk.statements]

    @property
    def tree(self) -> ast.Module:
        return ast.Module(body=self.statements, type_ignores=[])

    @property
    def broken(self) -> list[BrokenRegion]:
        """The regions that do not parse, in the order of the document."""
        return [region for chunk in self.chunks for region in chunk.broken]

    def masked_lines(self) -> dict[int, str]:
        """The lines that do not parse, 0-based, with what stands in for each when the rest
        is read (analysis/recovery.py)."""
        return {line: stand_in for region in self.broken for line, stand_in in region.masked}


def statement_start(statement: ast.stmt) -> int:
    """The 0-based line where a statement begins, its decorators included: the one home of
    that position (the code lens, the rewrites and the smoke loader ask it too)."""
    decorators = getattr(statement, "decorator_list", None) or ()
    return min([statement.lineno, *(d.lineno for d in decorators)]) - 1


def tile(
    statements: list[ast.stmt],
    start: int,
    end: int,
    min_lines: int = CHUNK_LINES,
    broken: list[BrokenRegion] | None = None,
) -> list[Chunk]:
    """Chunks covering lines ``start`` to ``end``, the first stretched back to ``start``: a
    statement starts a new one when it begins on a line of its own (not ``b = 2`` in
    ``a = 1; b = 2``) and the current one has ``min_lines`` lines, and not inside a broken
    region."""
    chunks: list[Chunk] = []
    last_line = -1  # the 0-based line where the previous statement ends
    # A broken region stays whole in one chunk, the one its first line is in: an edit there
    # re-reads all of it.
    inside_region = {line for r in broken or () for line in range(r.start + 1, r.end)}
    for statement in statements:
        first = statement_start(statement)
        glued = first <= last_line or first in inside_region
        if chunks and (glued or first - chunks[-1].start < min_lines):
            chunks[-1].statements.append(statement)
        else:
            if chunks:
                chunks[-1].end = first
            chunks.append(Chunk(first if chunks else start, end, [statement]))
        last_line = statement.end_lineno - 1
    chunks = chunks or [Chunk(start, end, [])]
    for region in broken or ():
        holder = next((c for c in reversed(chunks) if c.start <= region.start), chunks[0])
        holder.broken += (region,)
    return chunks


def recovered(
    lines: list[str],
    start: int,
    end: int,
    cell_starts: tuple[int, ...] = (),
    min_lines: int = CHUNK_LINES,
) -> list[Chunk]:
    """Chunks of lines ``start`` to ``end``, which do not parse as a whole: what can be read
    statement by statement, and the regions that cannot."""
    statements, broken = recover(lines, start, end, cell_starts)
    return tile(statements, start, end, min_lines, broken)


def crosses_cells(statements: list[ast.stmt], cell_starts: tuple[int, ...]) -> bool:
    """Whether a statement runs across a cell's start: text that parsed as a whole only because
    a cell's open string or bracket went on into the next cell."""
    if not cell_starts:
        return False
    return any(
        (at := bisect_right(cell_starts, statement_start(statement))) < len(cell_starts)
        and cell_starts[at] < statement.end_lineno
        for statement in statements
    )


def parsed_within(
    lines: list[str], start: int, end: int, cell_starts: tuple[int, ...], pieces: bool = False
) -> list[ast.stmt]:
    """The statements of lines ``start`` to ``end`` when they parse as a whole without
    running across a cell's start; raises a parse error otherwise."""
    statements = parse_in_pieces(lines, start, end) if pieces else parse_lines(lines, start, end)
    if crosses_cells(statements, cell_starts):
        raise SyntaxError("a statement runs on into the next cell")
    return statements


def parse_in_pieces(lines: list[str], start: int, end: int) -> list[ast.stmt]:
    """``parse_lines`` of lines ``start`` to ``end``, a piece of about ``PIECE_LINES`` lines
    at a time, each cut where a top-level statement may begin: the same statements, since a
    piece that parses ends outside any bracket or string and the next starts at column 0
    (as an edit's splice, above); the whole at once when a piece does not parse. Parsing a
    large file at once holds the parser's own copy of all of it besides the tree: about as
    much memory again, at the moment a file is opened."""
    cuts = [start]
    while (line := _cut_after(lines, cuts[-1] + PIECE_LINES, end)) is not None:
        if end - line < PIECE_LINES // 2:
            break
        cuts.append(line)
    if len(cuts) == 1:
        return parse_lines(lines, start, end)
    statements: list[ast.stmt] = []
    try:
        for first, after in zip(cuts, [*cuts[1:], end], strict=True):
            statements += parse_lines(lines, first, after)
    except PARSE_ERRORS:
        return parse_lines(lines, start, end)
    return statements


def _cut_after(lines: list[str], target: int, end: int) -> int | None:
    """The first line from ``target`` on where a top-level statement may begin (None for
    none before ``end``): ``segment_starts`` read from the last line at column 0 above it,
    not from the top of the file. A cut it misplaces (inside a decorator's arguments that
    span it) makes a piece that does not parse, and the file is parsed whole."""
    if target >= end:
        return None
    begin = target - 1  # (segment_starts counts its first line a start: it must come before)
    while begin > 0 and not (lines[begin][:1].strip() and lines[begin][:1] != "#"):
        begin -= 1
    window = 64  # lines: a statement starts within a few of almost any line
    while True:
        stop = min(end, target + window)
        found = next((line for line in segment_starts(lines, begin, stop) if line >= target), None)
        if found is not None or stop == end:
            return found
        window *= 2


def read_lines(
    lines: list[str], start: int, end: int, cell_starts: tuple[int, ...] = ()
) -> list[Chunk]:
    """Chunks of lines ``start`` to ``end``, with what does not parse recovered around."""
    try:
        statements = parsed_within(lines, start, end, cell_starts, pieces=True)
        return tile(statements, start, end, OPENED_CHUNK_LINES)
    except PARSE_ERRORS:
        return recovered(lines, start, end, cell_starts, OPENED_CHUNK_LINES)


def full_layout(lines: list[str], cell_starts: tuple[int, ...] = ()) -> Layout:
    return Layout(lines, read_lines(lines, 0, len(lines), cell_starts), cell_starts)


def common_prefix(a: list[str], b: list[str], limit: int) -> int:
    count = 0
    while count < limit and a[count] == b[count]:
        count += 1
    return count


def common_suffix(a: list[str], b: list[str], limit: int) -> int:
    count = 0
    while count < limit and a[-1 - count] == b[-1 - count]:
        count += 1
    return count


def moved(chunk: Chunk, lines: int) -> Chunk:
    """The chunk ``lines`` lines further down (up, if negative), with what it keeps. Its
    nodes move in place, for the chunk's analysis and reports refer to them: the previous
    version's tree moves with them (it is out of date by then; document.py lets only the
    newest version move nodes)."""
    for kind, nodes in chunk.index.by_type.items():
        if "lineno" in kind._attributes:
            for node in nodes:
                node.lineno += lines
                node.end_lineno += lines
    return Chunk(
        chunk.start + lines,
        chunk.end + lines,
        chunk.statements,
        tuple(region.moved(lines) for region in chunk.broken),
        chunk._index,
        chunk._part,
    )


def update_layout(
    previous: Layout | None, lines: list[str], cell_starts: tuple[int, ...] = ()
) -> Layout:
    """The layout of ``lines``, reusing ``previous`` (another version of the document)
    where the text is the same."""
    if previous is None or not previous.chunks:
        return full_layout(lines, cell_starts)
    old = previous.lines
    shortest = min(len(old), len(lines))
    prefix = common_prefix(old, lines, shortest)
    suffix = common_suffix(old, lines, shortest - prefix)
    changed_end = len(old) - suffix  # the old lines the edit replaced: prefix..changed_end
    shift = len(lines) - len(old)
    if not _same_cells_around(previous.cell_starts, cell_starts, prefix, changed_end, shift):
        # A notebook's cell split or joined where the text stayed: a kept statement may now
        # run across a cell's start.
        return full_layout(lines, cell_starts)
    if prefix == len(old) == len(lines):
        return Layout(lines, previous.chunks, cell_starts)
    # The chunks the edit touched, and the ones next to it: text typed at a chunk's edge
    # may belong to it (a decorator above a def, a line appended to a function).
    before = [c for c in previous.chunks if c.end < prefix]
    after = [c for c in previous.chunks if c.start > changed_end]
    start = before[-1].end if before else 0
    end = after[0].start + shift if after else len(lines)
    try:
        middle = tile(parsed_within(lines, start, end, cell_starts), start, end)
    except PARSE_ERRORS:
        if any(region.unbalanced for chunk in (*before, *after) for region in chunk.broken):
            return full_layout(lines, cell_starts)  # the edit may close what a kept chunk left open
        middle = recovered(lines, start, end, cell_starts)
    if shift:
        after = [moved(chunk, shift) for chunk in after]
    return Layout(lines, [*before, *middle, *after], cell_starts)


def _same_cells_around(
    old: tuple[int, ...], new: tuple[int, ...], prefix: int, changed_end: int, shift: int
) -> bool:
    """Whether the cell_starts above the edit (lines before ``prefix``) and below it (old lines
    after ``changed_end``, ``shift`` lines further down now) are where they were."""
    if not old and not new:
        return True
    return [line for line in old if line < prefix] == [line for line in new if line < prefix] and [
        line + shift for line in old if line > changed_end
    ] == [line for line in new if line > changed_end + shift]
