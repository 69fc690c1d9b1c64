"""Per-document analysis state, computed lazily and cached per document version.

Who owns the AST nodes. Successive versions of a document share the nodes of the statements
an edit did not touch, and a version whose edit added or removed lines moves the shared
nodes below it in place (``layout.moved``): re-parsing them would cost a whole parse per
keystroke. So:

1. Node positions are right for the newest version parsed so far, and only for it.
2. Nodes are moved, and positions read, only under the document's lock
   (``ParsedDocument.lock``): a check, a code action or a lookup holds it for as long as it
   reads positions, so no move happens under it.
3. A version older than the newest parsed one is read again from its own text the next time
   it is asked for its layout, tree or analysis (``is_newest``): a request that arrived
   before an edit still answers about the text it was asked about.

tests/test_layout.py holds these rules.
"""

from __future__ import annotations

import ast
import threading
from dataclasses import dataclass, field
from functools import cached_property

from numpyro_lsp.analysis.imports import bindings_from_broken_source
from numpyro_lsp.analysis.layout import Layout, update_layout
from numpyro_lsp.analysis.models import (
    ModuleAnalysis,
    NodeMaps,
    analyze_module,
    module_bindings,
    node_maps,
)
from numpyro_lsp.analysis.recovery import PARSE_ERRORS, BrokenRegion
from numpyro_lsp.analysis.text import column_from_utf16, line_count, split_lines
from numpyro_lsp.catalog.schema import Catalog


@dataclass(eq=False)
class LayoutMemory:
    """The layout of a document's newest version computed so far: the next version
    re-parses only what differs from it. One per open document, shared by its versions."""

    latest: Layout | None = None
    version: int | None = None
    # The node maps of the newest version's analysis (models.node_maps).
    node_maps: NodeMaps | None = None
    # Versions are computed in worker threads too, and a new layout moves nodes it shares
    # with the last one (layout.moved): one at a time, and only forward. Held as well while
    # the analysis and the rules fill the chunks' caches.
    lock: threading.RLock = field(default_factory=threading.RLock)


@dataclass
class ParsedDocument:
    uri: str
    version: int | None
    source: str
    memory: LayoutMemory = field(default_factory=LayoutMemory, repr=False, compare=False)
    # A notebook's program: the lines where its cells begin (layout.Layout.cell_starts).
    cell_starts: tuple[int, ...] = ()

    @property
    def lock(self) -> threading.RLock:
        """Held while reading node positions (see the module's docstring)."""
        return self.memory.lock

    @property
    def holds_analysis(self) -> bool:
        """Whether trees of the document are in memory: this version's, or the last one
        parsed, which the next version re-parses only where it differs."""
        return "_layout" in self.__dict__ or self.memory.latest is not None

    def is_newest(self) -> bool:
        """Whether no later version of the document has been parsed: a later one may have
        moved the nodes this one shares with it."""
        memory = self.memory
        return None in (memory.version, self.version) or self.version >= memory.version

    @cached_property
    def bindings(self) -> dict[str, str]:
        """Imported names and the paths they stand for; robust to code that does not parse."""
        return bindings_from_broken_source(self.source)

    # ``layout`` and ``tree`` are cached by hand under the document's lock, not with
    # cached_property: Python 3.11's holds a lock of its own, and two locks taken in either
    # order by two threads can deadlock.
    @property
    def layout(self) -> Layout | None:
        """The top-level statements in chunks, what does not parse recovered around (None
        only for text no parser can read, e.g. nesting deeper than Python's stack)."""
        memory = self.memory
        with memory.lock:
            newest = self.is_newest()
            if "_layout" in self.__dict__:
                if newest or self.__dict__.get("_own_nodes"):
                    return self.__dict__["_layout"]
                # A later version has been parsed: the nodes shared with it may have moved.
                for cached in ("_layout", "_tree", "_analysis"):
                    self.__dict__.pop(cached, None)
            try:
                previous = memory.latest if newest else None
                layout = update_layout(previous, self.lines, self.cell_starts)
            except PARSE_ERRORS:
                layout = None
            if newest and layout is not None:
                memory.latest, memory.version = layout, self.version
            # Parsed on its own, an older version's nodes are its own: nothing moves them.
            self.__dict__["_own_nodes"] = not newest
            self.__dict__["_layout"] = layout
            return layout

    @property
    def tree(self) -> ast.Module | None:
        """The stdlib AST of what parses (see ``layout``)."""
        with self.memory.lock:
            layout = self.layout  # first: it drops what a later version may have moved
            if "_tree" not in self.__dict__:
                self.__dict__["_tree"] = None if layout is None else layout.tree
            return self.__dict__["_tree"]

    def analysis(self, catalog: Catalog) -> ModuleAnalysis | None:
        """The models, sites and traced values of this version (of what parses)."""
        # The chunks' analyses are kept for later versions: none may be computed while a
        # newer version moves the nodes (a walk compares positions).
        with self.memory.lock:
            layout = self.layout  # first: it drops what a later version may have moved
            cached = self.__dict__.get("_analysis")
            if cached is not None and cached[0] is catalog:
                return cached[1]
            tree = self.tree
            try:
                analysis = None
                if tree is not None and layout is not None:
                    bindings = module_bindings([chunk.index for chunk in layout.chunks])
                    parts = [chunk.part(bindings, catalog) for chunk in layout.chunks]
                    newest = self.is_newest()
                    maps = node_maps(parts, self.memory.node_maps if newest else None)
                    masked = frozenset(layout.masked_lines())
                    analysis = analyze_module(tree, catalog, None, parts, maps, masked)
                    analysis.lock = self.memory.lock
                    if newest:
                        self.memory.node_maps = maps
            except RecursionError:  # an expression nested deeper than Python's stack allows
                analysis = None
            self.__dict__["_analysis"] = (catalog, analysis)
            return analysis

    @property
    def broken(self) -> list[BrokenRegion]:
        """The regions that do not parse: the CLI reports them, the editor leaves them to
        the Python server, the smoke test skips them."""
        layout = self.layout
        return [] if layout is None else layout.broken

    def masked_lines(self) -> dict[int, str]:
        """The lines that do not parse, 0-based, with what stands in for each when the rest
        is read (analysis/recovery.py): a rewrite goes around them and leaves them as typed."""
        layout = self.layout
        return {} if layout is None else layout.masked_lines()

    @cached_property
    def line_count(self) -> int:
        """How many lines the text has (``lines`` without splitting it)."""
        return line_count(self.source)

    @cached_property
    def lines(self) -> list[str]:
        """Lines without their endings, split the way LSP counts lines."""
        return split_lines(self.source)

    def with_line(self, number: int, text: str) -> ParsedDocument:
        """This version with line ``number`` replaced by ``text`` (no line break), for a
        question about text the user has not finished (a string typed without its closing
        quote). It reuses this version's chunks: with as many lines, none moves, and it is
        never taken for the document's newest version."""
        lines = list(self.lines)
        lines[number] = text
        layout = self.layout
        memory = LayoutMemory(latest=layout, version=None, lock=self.memory.lock)
        return ParsedDocument(self.uri, None, "\n".join(lines), memory, self.cell_starts)

    def line(self, number: int) -> str:
        return self.lines[number] if 0 <= number < len(self.lines) else ""

    def column(self, line: int, utf16_column: int) -> int:
        """The code-point column of an LSP position on ``line``."""
        return column_from_utf16(self.line(line), utf16_column)

    def text_before(self, line: int, column: int, max_lines: int) -> str:
        """Up to ``max_lines`` lines of text ending at (line, code-point column)."""
        first = max(0, line - max_lines)
        return "\n".join([*self.lines[first:line], self.line(line)[:column]])


class DocumentIndex:
    """Keeps one ``ParsedDocument`` per URI, replaced when the version or text changes."""

    def __init__(self) -> None:
        self._documents: dict[str, ParsedDocument] = {}

    def get(
        self, uri: str, version: int | None, source: str, cell_starts: tuple[int, ...] = ()
    ) -> ParsedDocument:
        cached = self._documents.get(uri)
        if (
            cached is not None
            and cached.version == version
            and cached.source == source
            and cached.cell_starts == cell_starts
        ):
            return cached
        memory = cached.memory if cached is not None else LayoutMemory()
        parsed = ParsedDocument(uri, version, source, memory, cell_starts)
        self._documents[uri] = parsed
        return parsed

    def forget(self, uri: str) -> None:
        self._documents.pop(uri, None)

    def release(self, document: ParsedDocument) -> ParsedDocument:
        """``document`` with nothing parsed, kept in its place: its trees and analysis are
        dropped, and the next question about it parses it again, as its opening did."""
        fresh = ParsedDocument(
            document.uri, document.version, document.source, cell_starts=document.cell_starts
        )
        self._documents[document.uri] = fresh
        return fresh
