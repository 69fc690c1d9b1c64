"""From an old and a new source to the text edits between them."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from numpyro_lsp.analysis.text import split_lines_keepends


@dataclass(frozen=True)
class TextEdit:
    """Replace from (line, column) to (end_line, end_column) with ``text``; 0-based lines
    and code-point columns."""

    line: int
    column: int
    end_line: int
    end_column: int
    text: str


def minimal_edits(old: str, new: str) -> list[TextEdit]:
    """Whole-line edits for each block of lines that differs (line endings kept as written)."""
    old_lines = split_lines_keepends(old)
    new_lines = split_lines_keepends(new)
    edits = []
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        edits.append(TextEdit(i1, 0, i2, 0, "".join(new_lines[j1:j2])))
    if edits and old_lines and not old_lines[-1].endswith(("\n", "\r")):
        # An edit that reaches the last line, which has no line break: end it at its end.
        last = len(old_lines) - 1
        edits = [
            TextEdit(e.line, e.column, last, len(old_lines[last]), e.text)
            if e.end_line > last
            else e
            for e in edits
        ]
    return edits


@dataclass(frozen=True)
class Segment:
    """Lines ``start`` to ``end`` (0-based, end exclusive) of the old text become ``text``."""

    start: int
    end: int
    text: str


def segment_edits(old: str, segments: list[Segment]) -> list[TextEdit]:
    """Text edits for a few rewritten segments of a long text: each segment is compared on
    its own, so the cost follows the segments' size, not the file's."""
    lines = split_lines_keepends(old)
    edits: list[TextEdit] = []
    for segment in sorted(segments, key=lambda s: s.start):
        before = "".join(lines[segment.start : segment.end])
        for edit in minimal_edits(before, segment.text):
            edits.append(
                TextEdit(
                    edit.line + segment.start,
                    edit.column,
                    edit.end_line + segment.start,
                    edit.end_column,
                    edit.text,
                )
            )
    return edits


def apply_edits(source: str, edits: list[TextEdit]) -> str:
    """Apply non-overlapping edits (used by tests and the CLI to check what an edit does)."""
    lines = split_lines_keepends(source) or [""]
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))

    def offset(line: int, column: int) -> int:
        return offsets[min(line, len(lines))] + column

    for edit in sorted(edits, key=lambda e: (e.line, e.column), reverse=True):
        start, end = offset(edit.line, edit.column), offset(edit.end_line, edit.end_column)
        source = source[:start] + edit.text + source[end:]
    return source
