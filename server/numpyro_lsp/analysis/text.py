"""Lines and columns, the one home of their conversions: LSP lines end at ``\\n``, ``\\r\\n``
or ``\\r`` only and its columns are UTF-16 code units; ``ast`` columns are UTF-8 bytes;
Python indexes code points."""

from __future__ import annotations

import re

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_LINE_WITH_END = re.compile(r"[^\r\n]*(?:\r\n|\r|\n|$)")


def split_lines(source: str) -> list[str]:
    """The document's lines without their line endings (a final empty line included)."""
    if "\r" not in source:
        return source.split("\n")  # the same lines, five times faster than the pattern
    return _LINE_BREAK.split(source)


def line_count(source: str) -> int:
    """How many lines ``split_lines`` gives, without splitting: each ``\r\n`` is one break."""
    if "\r" not in source:
        return source.count("\n") + 1
    return source.count("\n") + source.count("\r") - source.count("\r\n") + 1


def indentation(line: str) -> str:
    """The whitespace a line begins with."""
    return line[: len(line) - len(line.lstrip())]


def split_lines_keepends(source: str) -> list[str]:
    """The document's lines with their line endings, split the way LSP counts lines."""
    return [m.group(0) for m in _LINE_WITH_END.finditer(source) if m.group(0)]


def utf16_length(text: str) -> int:
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def column_from_utf16(line: str, utf16_column: int) -> int:
    """Code-point column for a UTF-16 column; past the end clamps to the line's end."""
    units = 0
    for index, ch in enumerate(line):
        if units >= utf16_column:
            return index
        units += 2 if ord(ch) > 0xFFFF else 1
    return len(line)


def column_to_utf16(line: str, column: int) -> int:
    return utf16_length(line[:column])


def column_from_utf8(line: str, byte_column: int | None) -> int:
    """Code-point column for a UTF-8 byte column, the unit of ``ast`` col_offset."""
    return len(line.encode("utf-8")[: byte_column or 0].decode("utf-8", errors="ignore"))


def column_to_utf8(line: str, column: int) -> int:
    """UTF-8 byte column (as ``ast`` counts) for a code-point column."""
    return len(line[:column].encode("utf-8"))
