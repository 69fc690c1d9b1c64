"""What surrounds the cursor, read from the text alone so half-typed code still works.

Columns here are code points into one line (``str`` indices); converting from and to the
client's UTF-16 units is the LSP layer's job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from numpyro_lsp.analysis.text import indentation

_IDENT = r"[^\W\d]\w*"
_DOTTED_TAIL = re.compile(rf"((?:{_IDENT}\s*\.\s*)*)({_IDENT})?$")
_FROM_IMPORT = re.compile(r"^\s*from\s+([\w.]+)\s+import\s+\(?\s*(?:[\w\s,]*,\s*)?(\w*)$")
_MODULE_PATH = re.compile(r"^\s*(?:from|import)\s+((?:\w+\.)*)(\w*)$")
_KEYWORD_ARG = re.compile(r"^\s*(\w+)\s*=(?!=)")
_WORD_CHAR = re.compile(r"\w")
# What can leave a statement unfinished at a line break: an open bracket, a string (a
# triple-quoted one spans lines), a backslash before the break; comments are skipped.
_LEXEME = re.compile(
    "(?P<quote>'''|\"\"\"|'|\")"
    r"|(?P<comment>#[^\n]*)|(?P<open>[(\[{])|(?P<close>[)\]}])|(?P<continuation>\\\n)"
)


def _string_end(quote: str) -> re.Pattern[str]:
    """Where a string opened by ``quote`` ends: backslashes escape, even in raw strings; a
    one-line string that is not closed ends at the line break."""
    end = re.escape(quote) if len(quote) == 3 else rf"(?:{quote}|\n|\Z)"
    return re.compile(rf"(?:[^\\]|\\.)*?{end}", re.DOTALL)


_STRING_END = {quote: _string_end(quote) for quote in ("'''", '"""', "'", '"')}
# How far back signature help looks for the open call: enough for any sane call.
CALL_WINDOW_LINES = 60


@dataclass(frozen=True)
class AttributeCompletion:
    """``dist.No|``: members of what ``parts`` names, filtered by ``partial``."""

    parts: list[str]
    partial: str


@dataclass(frozen=True)
class ImportFromCompletion:
    """``from numpyro.infer import Au|``."""

    module: str
    partial: str


@dataclass(frozen=True)
class ModulePathCompletion:
    """``import numpyro.in|`` / ``from numpyro.in|``."""

    parts: list[str]
    partial: str


@dataclass(frozen=True)
class StatementStart:
    """The cursor is where a statement can start; ``partial`` is the word typed so far."""

    partial: str
    indent: str


CompletionContext = (
    AttributeCompletion | ImportFromCompletion | ModulePathCompletion | StatementStart | None
)


def strip_code_to_cursor(line_prefix: str) -> str | None:
    """The line's text up to the cursor, or None when the cursor is inside a string or a
    comment (where no NumPyro name is being written)."""
    quote = None
    i = 0
    while i < len(line_prefix):
        ch = line_prefix[i]
        if quote:
            if ch == "\\":
                i += 2
                continue
            if line_prefix.startswith(quote, i):
                i += len(quote)
                quote = None
                continue
        elif ch == "#":
            return None
        elif ch in "'\"":
            quote = ch * 3 if line_prefix.startswith(ch * 3, i) else ch
            i += len(quote)
            continue
        i += 1
    return None if quote else line_prefix


def completion_context(line_prefix: str) -> CompletionContext:
    code = strip_code_to_cursor(line_prefix.rstrip("\r\n"))
    if code is None:
        return None
    match = _FROM_IMPORT.match(code)
    if match:
        return ImportFromCompletion(match.group(1), match.group(2))
    match = _MODULE_PATH.match(code)
    if match:
        parts = [p for p in match.group(1).split(".") if p]
        return ModulePathCompletion(parts, match.group(2))
    match = _DOTTED_TAIL.search(code)
    if match and match.group(1):
        start = match.start()
        if start > 0 and (code[start - 1] in ".)]}'\"" or _WORD_CHAR.match(code[start - 1])):
            return None  # ``foo().bar`` or ``x.y`` after a call: not a plain dotted name
        parts = [p.strip() for p in match.group(1).split(".") if p.strip()]
        return AttributeCompletion(parts, match.group(2) or "")
    stripped = code.strip()
    if re.fullmatch(r"\w*", stripped):
        return StatementStart(stripped, indentation(code))
    return None


@dataclass(frozen=True)
class OpenCode:
    """What is left open at the end of a text: brackets, a string, a backslash."""

    brackets: str  # the open brackets, outermost first
    quote: str | None  # the quote of a string still open at the end
    backslash: bool  # a backslash before the last line break


_CLOSER = {"(": ")", "[": "]", "{": "}"}


def open_code(text: str) -> OpenCode:
    brackets: list[str] = []
    position = 0
    while match := _LEXEME.search(text, position):
        position = match.end()
        if match.lastgroup == "quote":
            quote = match.group()
            end = _STRING_END[quote].match(text, position)
            if end is None or (end.end() == len(text) and not end.group().endswith(quote)):
                return OpenCode("".join(brackets), quote, False)
            position = end.end()
        elif match.lastgroup == "open":
            brackets.append(match.group())
        elif match.lastgroup == "close" and brackets:
            brackets.pop()
    backslash = text.endswith("\\\n")
    return OpenCode("".join(brackets), None, backslash)


def continues_statement(text_before_line: str) -> bool:
    """Whether a line continues a statement begun above it, given the text before the line:
    inside brackets or a triple-quoted string, or after a backslash at the end of a line."""
    state = open_code(text_before_line)
    triple_quoted = state.quote is not None and len(state.quote) == 3
    return bool(state.brackets) or triple_quoted or state.backslash


def closing_text(text_before_cursor: str) -> str:
    """What closes the string and brackets open at the cursor, so that the statement typed
    so far parses: ``data={"ob`` takes ``": None})``."""
    state = open_code(text_before_cursor)
    key = ": None" if state.quote and state.brackets.endswith("{") else ""
    return (state.quote or "") + key + "".join(_CLOSER[b] for b in reversed(state.brackets))


@dataclass(frozen=True)
class DottedName:
    parts: list[str]
    # Code-point columns of the last part, for the hover's range.
    start: int
    end: int


def dotted_name_at(line: str, column: int) -> DottedName | None:
    """The dotted name whose last part is under the cursor: on ``Normal`` in
    ``dist.Normal(0, 1)`` that is ``dist.Normal``; on ``dist`` it is ``dist``."""
    line = line.rstrip("\r\n")
    if not line:
        return None
    column = min(column, len(line))
    end = column
    while end < len(line) and _WORD_CHAR.match(line[end]):
        end += 1
    word_start = column
    while word_start > 0 and _WORD_CHAR.match(line[word_start - 1]):
        word_start -= 1
    if word_start == end or line[word_start].isdigit():
        return None
    match = _DOTTED_TAIL.search(line[:end])
    if match is None:
        return None
    text = match.group(0)
    parts = [p.strip() for p in text.split(".")]
    if not all(parts):
        return None
    before = line[: match.start()].rstrip()
    if before.endswith((")", "]", "}")) or (before.endswith(".") and not text.startswith(".")):
        return None
    return DottedName(parts, word_start, end)


@dataclass
class OpenCall:
    """A call whose parenthesis is open at the cursor."""

    callee: list[str]
    # Index of the argument the cursor is in, counting positional and keyword arguments.
    argument_index: int
    # The keyword of the argument the cursor is in, when it is written ``name=...``.
    keyword: str | None
    keywords_used: list[str] = field(default_factory=list)
    positional_count: int = 0


def open_calls(text_before_cursor: str) -> list[OpenCall]:
    """Calls open at the end of ``text_before_cursor``, innermost first.

    A forward scan that skips strings and comments and keeps a stack of open brackets;
    unbalanced or half-typed code just leaves more brackets open.
    """
    stack: list[dict] = []
    i = 0
    text = text_before_cursor
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "#":
            newline = text.find("\n", i)
            i = n if newline < 0 else newline
            continue
        if ch in "'\"":
            quote = ch * 3 if text.startswith(ch * 3, i) else ch
            i += len(quote)
            while i < n and not text.startswith(quote, i):
                if text[i] == "\\":
                    i += 1
                elif text[i] == "\n" and len(quote) == 1:
                    break
                i += 1
            i += len(quote)
            continue
        if ch in "([{":
            callee = None
            if ch == "(":
                match = _DOTTED_TAIL.search(text[max(0, i - 200) : i])
                if match and match.group(2):
                    callee = [p.strip() for p in match.group(0).split(".")]
            stack.append({"callee": callee, "open": i, "arg_start": i + 1, "commas": 0, "kw": []})
        elif ch in ")]}":
            if stack:
                stack.pop()
        elif ch == "," and stack:
            frame = stack[-1]
            keyword = _KEYWORD_ARG.match(text[frame["arg_start"] : i])
            frame["kw"].append(keyword.group(1) if keyword else None)
            frame["commas"] += 1
            frame["arg_start"] = i + 1
        i += 1
    calls = []
    for depth in range(len(stack) - 1, -1, -1):
        frame = stack[depth]
        if frame["callee"] is None:
            continue
        end = stack[depth + 1]["open"] if depth + 1 < len(stack) else n
        current = _KEYWORD_ARG.match(text[frame["arg_start"] : end])
        calls.append(
            OpenCall(
                callee=frame["callee"],
                argument_index=frame["commas"],
                keyword=current.group(1) if current else None,
                keywords_used=[k for k in frame["kw"] if k],
                positional_count=sum(1 for k in frame["kw"] if k is None),
            )
        )
    return calls
