"""Parsing text that does not parse: what does not parse must not hide what does.

While the user types, one top-level statement of the file is usually unfinished. ``recover``
cuts the text into top-level segments at the lines that start a statement at column 0,
parses each on its own, and for a segment that does not parse keeps what it can: the
segment parsed again with its offending lines masked (a line becomes ``pass`` at its own
indentation, then an empty line), so that a function with one half-typed line keeps its
other statements. Every line keeps its number, so positions stay those of the document.

The segments that could not be read whole are returned as ``BrokenRegion``s: the editor
leaves syntax errors to the Python server, the CLI reports them (E999), and the smoke test
skips them (smoke/loader.py).
"""

from __future__ import annotations

import ast
import functools
import re
import tokenize
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, replace

from numpyro_lsp.analysis.text import indentation

# What ``ast.parse`` raises for text it cannot read: syntax, a NUL byte, nesting too deep.
PARSE_ERRORS = (SyntaxError, ValueError, RecursionError, MemoryError)
# A segment that does not parse is tried again with the next ones appended, this many at
# most: a string or bracket may span lines that start at column 0.
MAX_MERGED_SEGMENTS = 8
# How far below a bracket left open its closing one is looked for.
MAX_BRACKET_LINES = 2000
# Lines masked in one segment before it is given up as a whole.
MAX_MASKED_LINES = 12
# A line starting with one of these at column 0 is certainly code: an open string or bracket
# above it is unfinished, not continued here.
_CODE_START = re.compile(
    r"(?:async\s+def|def|class|import|from|if|for|while|with|try|@)\b|@|if\s+__name__"
)
# A line at column 0 that no prose begins with: a definition, an import, a decorator.
_DEFINITELY_CODE = re.compile(
    r"(?:async\s+def\s+\w+\s*\(|def\s+\w+\s*\(|class\s+\w+\s*[(:]|import\s+[\w.]+\s*$"
    r"|import\s+[\w.]+\s+as\s|from\s+[\w.]+\s+import\s|@[\w.]+)"
)
_CONTINUATION = re.compile(r"(?:else|elif|except|finally)\b")
# What a decorator decorates, or another decorator.
_DECORATED = re.compile(r"(?:async\s+def|def|class)\b|@")
# Python's error for a block header with no body, which it reports on the line below.
_NO_BODY = re.compile(r"expected an indented block after .* on line (\d+)")
# Python's errors for a line indented unlike its block, which the block's first line sets.
_MISINDENTED = ("unexpected indent", "unindent does not match any outer indentation level")
# How far from a segment to look for how the file indents a block (header and body pairs).
_INDENT_SAMPLE_LINES = 200
_INDENT_SAMPLES = 8
# A line that is a triple-quoted string's first (a docstring, or one being typed).
_TRIPLE_QUOTE_STATEMENT = re.compile(r"\s*[rRuU]?(?:\"\"\"|''')")
# Where a string (whatever its prefix) or a comment begins.
_QUOTE_OR_COMMENT = re.compile(r"\"\"\"|'''|[\"'#]")
# Errors that text outside their segment can mend (an opening bracket or string whose end is
# elsewhere, a closing one whose opening is): ``layout`` then tries the whole file first.
_UNBALANCED = ("never closed", "unterminated", "unmatched", "does not match opening", "EOF")


@dataclass(frozen=True)
class BrokenRegion:
    """Lines ``start`` to ``end`` (0-based, end excluded) that do not parse as a whole."""

    start: int
    end: int
    message: str
    line: int  # 0-based line of the first syntax error
    column: int  # 0-based code-point column of the first syntax error
    unbalanced: bool  # an open bracket or string, or a closing one without its opening
    # The lines masked so that the rest of the region parses, with what stood in for each
    # (``pass`` at the line's indentation, or nothing); all of them when nothing parsed.
    masked: tuple[tuple[int, str], ...] = ()

    def moved(self, lines: int) -> BrokenRegion:
        return replace(
            self,
            start=self.start + lines,
            end=self.end + lines,
            line=self.line + lines,
            masked=tuple((line + lines, text) for line, text in self.masked),
        )


def parse_lines(lines: list[str], start: int, end: int) -> list[ast.stmt]:
    """The statements of lines ``start`` to ``end``, with the document's line numbers;
    raises what ``ast.parse`` raises. Blank lines in front cost the tokenizer next to
    nothing and keep every line number and error position right."""
    text = "\n" * start + "\n".join(lines[start:end])
    return ast.parse(text).body


def segment_starts(lines: list[str], start: int, end: int) -> list[int]:
    """The lines from ``start`` to ``end`` where a top-level statement may begin: the first
    one, and each line with code at column 0 that continues nothing (a decorator's function,
    ``else:``, a closing bracket and a line after a backslash belong to what came before).
    Lines of a string are not told apart: a quote the user is typing would pair with the next
    docstring's and hide the code between (``_first_fit`` joins a docstring's lines)."""
    starts = [start]
    previous = ""  # the last line with code at column 0 or deeper
    # A decorator at column 0 waits for its def or class, below its arguments' lines
    # (``@pytest.mark.parametrize(`` ... ``)``).
    decorating = lines[start].startswith("@") if start < end else False
    for number in range(start + 1, end):
        line = lines[number]
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        begins = (
            line[0] not in " \t\f)]}"
            and not _CONTINUATION.match(line)
            and not previous.startswith("@")
            and not previous.endswith("\\")
            and not (decorating and _DECORATED.match(line))
        )
        if begins:
            starts.append(number)
        if line[0] not in " \t\f)]}":
            decorating = line[0] == "@" or (
                decorating and not begins and not _DECORATED.match(line)
            )
        previous = line.rstrip()
    return starts


def _quote_open_after(line: str, quote: str | None) -> str | None:
    """The triple quote whose string is still open at the end of ``line``, given the one
    open at its start. Line by line, for the tokenizer stops at the first error of text that
    does not parse; a one-quote string continued after a backslash is not followed."""
    if quote is None:
        if '"""' not in line and "'''" not in line:
            return None
    elif quote not in line:
        return quote
    position = 0
    while True:
        if quote is not None:
            closed = _string_end(line, quote, position)
            if closed is None:
                return quote if len(quote) == 3 else None
            position, quote = closed, None
        found = _QUOTE_OR_COMMENT.search(line, position)
        if found is None or found.group() == "#":
            return None
        quote, position = found.group(), found.end()


def _string_end(line: str, quote: str, position: int) -> int | None:
    """The index after the ``quote`` that closes a string whose text goes on from
    ``position``; None when the string goes on past the line. A quote after an odd number
    of backslashes is text, in a raw string too."""
    while True:
        found = line.find(quote, position)
        if found < 0:
            return None
        text_before = found
        while text_before > position and line[text_before - 1] == "\\":
            text_before -= 1
        if (found - text_before) % 2 == 0:
            return found + len(quote)
        position = found + 1


def _error_position(error: Exception) -> tuple[int, int] | None:
    """The 0-based line and column of a parse error, when it says."""
    lineno = getattr(error, "lineno", None)
    if not lineno:
        return None
    return lineno - 1, max(0, (getattr(error, "offset", None) or 1) - 1)


def _line_at_fault(error: Exception, lines: list[str]) -> int | None:
    """The 0-based line to mask for a parse error: where it is, except for a block header
    with no body yet (``with numpyro.plate("n", N):`` just typed), which Python reports on
    the line below, and for a block whose first line is indented unlike the file indents a
    block (``  x = 1`` typed above a function's only statement), which Python reports on the
    second: masking that one would only move the error down the function."""
    position = _error_position(error)
    if position is None:
        return None
    message = getattr(error, "msg", None) or ""
    header = _NO_BODY.match(message)
    if header:
        return int(header[1]) - 1
    if message in _MISINDENTED:
        first = _misindented_first_line(lines, position[0])
        if first is not None:
            return first
    return position[0]


def _code_lines(lines: list[str], start: int, stop: int, step: int) -> Iterator[int]:
    """The lines from ``start`` towards ``stop`` that hold code (not blank, not comments)."""
    for number in range(start, stop, step):
        stripped = lines[number].strip()
        if stripped and not stripped.startswith("#"):
            yield number


def _opens_block(line: str) -> bool:
    """Whether a line ends with the colon of a block header (``def f():``, ``if x:  # c``)."""
    return line.split("#", 1)[0].rstrip().endswith(":")


def _misindented_first_line(lines: list[str], second: int) -> int | None:
    """For an indentation error on line ``second``: the line above it, when that is the
    first of a block and indented unlike the file's other blocks would have it while
    ``second`` is indented as they would."""
    above = next(_code_lines(lines, second - 1, -1, -1), None)
    header = None if above is None else next(_code_lines(lines, above - 1, -1, -1), None)
    if header is None or not _opens_block(lines[header]):
        return None
    step = _block_step(lines, header)
    expected = None if step is None else indentation(lines[header]) + step
    if expected is None or indentation(lines[above]) == expected:
        return None
    return above if indentation(lines[second]) == expected else None


def _block_step(lines: list[str], skipped: int) -> str | None:
    """What the file's blocks add to their header's indentation (``"    "``, ``"\t"``), the
    commonest among the headers near ``skipped`` (not counting that one)."""
    steps: dict[str, int] = {}
    low = max(0, skipped - _INDENT_SAMPLE_LINES)
    high = min(len(lines), skipped + _INDENT_SAMPLE_LINES)
    for header in (*range(skipped - 1, low - 1, -1), *range(skipped + 1, high)):
        if not _opens_block(lines[header]):
            continue
        body = next(_code_lines(lines, header + 1, high, 1), None)
        head = indentation(lines[header])
        indented = "" if body is None else indentation(lines[body])
        if len(indented) > len(head) and indented.startswith(head):
            step = indented[len(head) :]
            steps[step] = steps.get(step, 0) + 1
            if sum(steps.values()) >= _INDENT_SAMPLES:
                break
    return max(steps, key=steps.__getitem__) if steps else None


def _masked_parse(
    lines: list[str], start: int, end: int, error: Exception
) -> tuple[list[ast.stmt], tuple[tuple[int, str], ...]]:
    """The segment's statements with the lines that stop it from parsing masked, and those
    lines with what stands in for each; no statement when its first line is at fault
    (nothing of the statement can be read then), every line masked. A decorator at fault is
    masked whole, and what it decorates read without it."""
    text = list(lines[start:end])
    masked: dict[int, str] = {}
    nothing = tuple((line, "") for line in range(start, end))
    # A decorator being typed (``@``, ``@jax.``, an open bracket), or decorators above no
    # def or class: masked, what they decorate is read as it was before the user typed them.
    decorators = _decorators(text)
    below = decorators[-1][1] if decorators else 0  # the first line after them
    position = _error_position(error)
    while decorators and position is not None and start <= position[0] < end:
        at = position[0] - start
        if at < below:
            faulty = [group for group in decorators if group[0] <= at < group[1]]
        elif at == below and not _DECORATED.match(text[below]):
            faulty = decorators
        else:
            faulty = []
        if not faulty:  # not theirs, or on a line already masked
            break
        for group in faulty:
            for offset in range(*group):
                if text[offset].strip():
                    text[offset] = masked[offset] = ""
        decorators = [group for group in decorators if group not in faulty]
        try:
            statements = ast.parse("\n" * start + "\n".join(text)).body
        except PARSE_ERRORS as next_error:
            error, position = next_error, _error_position(next_error)
            continue
        return statements, tuple((start + offset, "") for offset in masked)
    # The statement's first line: nothing of the statement can be read when it is at fault.
    first = start + (decorators[0][0] if decorators else below)
    typed = _quote_being_typed(lines, first + 1, end)
    if typed is not None:
        # Python reports where the pairing's damage shows (prose read as code, far below,
        # or a tokenizer error anywhere): the quote itself is masked first.
        offset = typed - start
        trial = [*text[:offset], indentation(text[offset]) + "pass", *text[offset + 1 :]]
        try:
            statements = ast.parse("\n" * start + "\n".join(trial)).body
        except PARSE_ERRORS:
            pass
        else:
            masked[offset] = trial[offset]
            return statements, tuple((start + o, stand_in) for o, stand_in in masked.items())
    for _ in range(MAX_MASKED_LINES):
        # The text as masked so far, for an indentation error: the file's other blocks say
        # how a block is indented.
        misindented = getattr(error, "msg", None) in _MISINDENTED
        current = [*lines[:start], *text, *lines[end:]] if misindented else lines
        line_at_fault = _line_at_fault(error, current)
        if line_at_fault is None or not first < line_at_fault < end:
            return [], nothing
        offset = line_at_fault - start
        line = text[offset]
        if offset in masked or not line.strip() or misindented:
            text[offset] = ""  # ``pass`` does not fit there (an unexpected indent)
        else:
            text[offset] = indentation(line) + "pass"
        masked[offset] = text[offset]
        try:
            statements = ast.parse("\n" * start + "\n".join(text)).body
        except PARSE_ERRORS as next_error:
            error = next_error
            continue
        return statements, tuple((start + offset, stand_in) for offset, stand_in in masked.items())
    return [], nothing


def _quote_being_typed(
    lines: list[str], start: int, end: int, code_only: bool = False
) -> int | None:
    """The first line from ``start`` to ``end`` whose string statement opens a triple-quoted
    string that goes on over a line indented less than itself: a quote the user is typing,
    paired with the next docstring's, so that the code between reads as its text (a real
    docstring's lines are indented as its quotes). ``code_only``: over a line at column 0
    that is certainly code (``def f(``, ``from x import y``), where a docstring's text at
    column 0 may read like code (``from the forum...``). None when there is none."""
    quote = None
    opener: int | None = None
    for number in range(start, end):
        line = lines[number]
        swallowed = quote is not None and opener is not None and line.strip()
        if (
            swallowed
            and len(indentation(line)) < len(indentation(lines[opener]))
            and (not code_only or _DEFINITELY_CODE.match(line))
        ):
            return opener
        opened = _quote_open_after(line, quote)
        if quote is None and opened is not None:
            statement = _TRIPLE_QUOTE_STATEMENT.match(line) and not _continued(lines, number)
            opener = number if statement else None
        quote = opened
    return None


def _continued(lines: list[str], number: int) -> bool:
    """Whether line ``number`` goes on an expression from the code line above it (an open
    bracket, a comma, an operator or a backslash there): a string argument, not a
    statement."""
    above = next(_code_lines(lines, number - 1, -1, -1), None)
    return above is not None and lines[above].split("#", 1)[0].rstrip()[-1:] in _CONTINUING


_CONTINUING = frozenset("([{,=+-*/%\\|&<>")


def _decorators(text: list[str]) -> list[tuple[int, int]]:
    """The decorators a segment begins with, as ranges of its lines: each from an ``@`` at
    column 0 to the next line at column 0 (its arguments are indented, or close with a
    bracket); none when the segment begins with no decorator."""
    groups: list[tuple[int, int]] = []
    for offset, line in enumerate(text):
        if line.startswith("@"):
            groups.append((offset, offset + 1))
        elif groups and line[:1] in ("", " ", "\t", "\f", ")", "]", "}", "#"):
            groups[-1] = (groups[-1][0], offset + 1)
        else:
            break
    return groups


def _broken_region(
    start: int, end: int, error: Exception, masked: tuple[tuple[int, str], ...]
) -> BrokenRegion:
    line, column = _error_position(error) or (start, 0)
    message = getattr(error, "msg", None) or str(error) or type(error).__name__
    return BrokenRegion(
        start=start,
        end=end,
        message=message,
        line=min(max(line, start), end - 1) if end > start else start,
        column=column,
        unbalanced=any(word in message for word in _UNBALANCED),
        masked=masked,
    )


def _first_fit(
    lines: list[str], bounds: list[int], index: int, limit: int
) -> tuple[int | None, list[ast.stmt], Exception | None]:
    """Segment ``index`` parsed alone, else with the segments after it appended while they
    may continue it, else up to where a triple-quoted string or a bracket it leaves open
    closes, never past bound ``limit`` (a cell's start): the index of the first segment after
    what parsed, its statements, and the segment's own error when nothing parsed."""
    error: Exception | None = None
    starts = [index + 1]
    merged = MAX_MERGED_SEGMENTS
    closing = _open_string_closing(lines, bounds, index, bounds[limit])
    if closing is not None and (
        lines[closing].lstrip().startswith("#")
        or _quote_being_typed(lines, bounds[index], closing, code_only=True) is not None
    ):
        # A quote being typed pairs with the first triple quote below it: one in a comment
        # (a commented-out line, a pasted traceback) ends no string, and one of a string at
        # column 0 further down (a section's banner) would make the functions between its
        # text; the code between stays code.
        merged = 0
    elif closing is not None:
        # A docstring with lines at column 0: more of them than segments are merged, or one
        # that reads as code (``from the forum...``).
        starts.append(bisect_right(bounds, closing))
    for first in starts:
        last = min(first + merged, limit)
        for following in range(first, last + 1):
            try:
                return following, parse_lines(lines, bounds[index], bounds[following]), None
            except PARSE_ERRORS as failure:
                error = error or failure
                if following == index + 1 and "never closed" in str(failure):
                    # A list with its items at column 0 (each starts a segment): more of
                    # them than segments are merged.
                    bracket = _bracket_closing(lines, bounds[index], bounds[limit])
                    after = None if bracket is None else bisect_right(bounds, bracket)
                    if after is not None and after not in starts:
                        starts.append(after)
            if following < len(bounds) - 1 and _CODE_START.match(lines[bounds[following]]):
                break  # certainly code below: the segment itself is unfinished
    return None, [], error


def _bracket_closing(lines: list[str], start: int, end: int) -> int | None:
    """The line before ``end`` where the first logical line from line ``start`` ends, its
    brackets all closed (Python's tokenizer reads the strings and comments between); None
    when it does not end within ``MAX_BRACKET_LINES``, or before a line that is certainly
    code (a bracket being typed, which a later one would seem to close)."""
    stop = min(end, start + MAX_BRACKET_LINES)
    stop = next((n for n in range(start + 1, stop) if _CODE_START.match(lines[n])), stop)
    text = (line + "\n" for line in lines[start:stop])
    try:
        for token in tokenize.generate_tokens(functools.partial(next, text, "")):
            if token.type == tokenize.NEWLINE:
                return start + token.start[0] - 1
    except (tokenize.TokenError, SyntaxError):
        return None
    return None


def _open_string_closing(lines: list[str], bounds: list[int], index: int, end: int) -> int | None:
    """The line before ``end`` that closes a triple-quoted string segment ``index`` leaves
    open; None when it leaves none open, or none that closes (the user is typing it)."""
    quote = None
    for number in range(bounds[index], bounds[index + 1]):
        quote = _quote_open_after(lines[number], quote)
    if quote is None:
        return None
    for number in range(bounds[index + 1], end):
        quote = _quote_open_after(lines[number], quote)
        if quote is None:
            return number
    return None


def recover(
    lines: list[str], start: int, end: int, cell_starts: tuple[int, ...] = ()
) -> tuple[list[ast.stmt], list[BrokenRegion]]:
    """The statements of lines ``start`` to ``end`` that can be read, and the regions that
    cannot be read whole. Statements keep the document's line numbers. No statement, string
    or bracket runs across one of the ``cell_starts`` (the lines where a notebook's cells
    begin: IPython parses each cell on its own)."""
    inside = [line for line in cell_starts if start < line < end]
    bounds = sorted({*segment_starts(lines, start, end), *inside, end})
    limits = [bounds.index(line) for line in inside] + [len(bounds) - 1]
    statements: list[ast.stmt] = []
    broken: list[BrokenRegion] = []
    index = 0
    while index < len(bounds) - 1:
        limit = next(limit for limit in limits if limit > index)
        following, parsed, error = _first_fit(lines, bounds, index, limit)
        if following is not None:
            statements += parsed
            index = following
            continue
        assert error is not None
        first, after = bounds[index], bounds[index + 1]
        recovered, masked = _masked_parse(lines, first, after, error)
        statements += recovered
        broken.append(_broken_region(first, after, error, masked))
        index += 1
    return statements, broken


def without_regions(lines: list[str], regions: list[BrokenRegion]) -> str:
    """The text with the regions' lines left empty: what parses, at its own line numbers."""
    kept = list(lines)
    for region in regions:
        kept[region.start : region.end] = [""] * (region.end - region.start)
    return "\n".join(kept)
