"""Parse what this Python can of a file written for a newer one: the top-level statements
that use newer syntax (``type X = ...``, ``def f[T](...)``, nested f-string quotes) are
blanked out, line numbers kept, and the rest is checked as usual."""

from __future__ import annotations

import ast

# Each failing statement costs one more parse: past this many, give up on the file.
MAX_BLANKED = 20


def _statement_lines(lines: list[str], line: int) -> tuple[int, int]:
    """The 0-based line range of the top-level statement around 0-based ``line``: from the
    last line that starts at column 0 to the next one (decorators, continuations and
    indented bodies included)."""

    def starts_statement(text: str) -> bool:
        return bool(text) and not text[0].isspace() and not text.startswith("#")

    start = min(line, len(lines) - 1)
    while start > 0 and not starts_statement(lines[start]):
        start -= 1
    while start > 0 and lines[start - 1].startswith("@"):
        start -= 1
    end = line + 1
    while end < len(lines) and not starts_statement(lines[end]):
        end += 1
    # A closing bracket or a decorator at column 0 still belongs to this statement.
    while end < len(lines) and lines[end][:1] in (")", "]", "}"):
        end += 1
    return start, end


def parse_tolerantly(source: str) -> ast.Module | None:
    """The module with the statements that do not parse left out; None when that does not
    make it parse."""
    lines = source.split("\n")
    for _ in range(MAX_BLANKED):
        try:
            return ast.parse("\n".join(lines))
        except SyntaxError as error:
            if not error.lineno or error.lineno > len(lines):
                return None
            start, end = _statement_lines(lines, error.lineno - 1)
            if all(not text.strip() for text in lines[start:end]):
                return None
            lines[start:end] = [""] * (end - start)
    return None
