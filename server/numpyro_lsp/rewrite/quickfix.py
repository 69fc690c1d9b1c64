"""Text-level fixes inside one region of the source (a name, a keyword, a call's arguments).

Regions are 1-based lines and 0-based code-point columns, end exclusive.
"""

from __future__ import annotations

from dataclasses import dataclass

from numpyro_lsp.analysis.text import split_lines_keepends


class FixError(ValueError):
    """The fix does not apply to this text (the action is then not offered)."""


@dataclass(frozen=True)
class TextRegion:
    line: int
    column: int
    end_line: int
    end_column: int

    def offsets(self, source: str) -> tuple[int, int]:
        lines = split_lines_keepends(source)
        starts = [0]
        for text in lines:
            starts.append(starts[-1] + len(text))
        if self.end_line > len(lines):
            raise FixError("the region is outside the document")
        return starts[self.line - 1] + self.column, starts[self.end_line - 1] + self.end_column


def replace_in_region(source: str, region: TextRegion, old: str, new: str, *, first: bool) -> str:
    """Replace ``old`` in the region with ``new``: its first occurrence (a keyword at the start
    of ``name=value``) or its last (the attribute at the end of ``dist.Normall``)."""
    start, end = region.offsets(source)
    text = source[start:end]
    index = text.find(old) if first else text.rfind(old)
    if index < 0:
        raise FixError(f"`{old}` is not in the region")
    return source[: start + index] + new + source[start + index + len(old) :]


def add_keyword(source: str, call: TextRegion, keyword: str) -> str:
    """Add ``keyword`` (``rng_key=...``) as the call's last argument."""
    start, end = call.offsets(source)
    text = source[start:end]
    if not text.endswith(")"):
        raise FixError("the region is not a call")
    inside = text[:-1].rstrip()
    if inside.endswith("("):
        addition = keyword
    elif inside.endswith(","):
        addition = " " + keyword
    else:
        addition = ", " + keyword
    cut = start + len(inside)
    return source[:cut] + addition + source[cut:]
