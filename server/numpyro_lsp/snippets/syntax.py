"""VS Code's snippet syntax (which LSP snippets share): parsed into nodes, and expanded to the
plain text an editor shows before the user edits anything.

Supported: tabstops (``$1``, ``${1}``, ``$0``), placeholders (``${1:default}``, nested),
choices (``${1|a,b|}``), variables (``$TM_FILENAME``, ``${TM_FILENAME_BASE:default}``) and
backslash escapes. Transforms (``${1/regex/format/}``) are refused: nothing here uses them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

_INDEX = re.compile(r"\d+")
_VARIABLE_NAME = re.compile(r"[_a-zA-Z][_a-zA-Z0-9]*")
# Characters a backslash escapes in text, and inside a choice's options.
_TEXT_ESCAPES = "$}\\"
_CHOICE_ESCAPES = "$}\\,|"


class SnippetSyntaxError(ValueError):
    """A snippet body that VS Code would not read as intended."""


@dataclass(frozen=True)
class Text:
    value: str


@dataclass(frozen=True)
class Tabstop:
    """``$1`` or ``${1}``: a cursor stop, or a mirror of the placeholder with that index."""

    index: int


@dataclass(frozen=True)
class Placeholder:
    """``${1:default}``; the default may hold further placeholders."""

    index: int
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Choice:
    """``${1|first,second|}``: the first option is the default."""

    index: int
    options: tuple[str, ...]


@dataclass(frozen=True)
class Variable:
    """``$NAME``, ``${NAME}`` or ``${NAME:default}``."""

    name: str
    default: tuple[Node, ...] | None


Node = Text | Tabstop | Placeholder | Choice | Variable


class _Parser:
    def __init__(self, body: str) -> None:
        self.body = body
        self.pos = 0

    def error(self, message: str) -> SnippetSyntaxError:
        return SnippetSyntaxError(f"{message} at offset {self.pos} of {self.body!r}")

    def peek(self, text: str) -> bool:
        return self.body.startswith(text, self.pos)

    def take(self, pattern: re.Pattern[str]) -> str | None:
        match = pattern.match(self.body, self.pos)
        if match is None:
            return None
        self.pos = match.end()
        return match.group()

    def escaped(self, escapes: str) -> str | None:
        """The character a backslash at the cursor escapes, when it escapes one of ``escapes``."""
        following = self.body[self.pos + 1 : self.pos + 2]
        if self.body[self.pos] == "\\" and following and following in escapes:
            return following
        return None

    def expect(self, text: str) -> None:
        if not self.peek(text):
            raise self.error(f"expected {text!r}")
        self.pos += len(text)

    def nodes(self, inside_braces: bool) -> tuple[Node, ...]:
        """Nodes up to the end of the body, or up to the ``}`` closing the enclosing brace."""
        nodes: list[Node] = []
        text: list[str] = []
        while self.pos < len(self.body):
            char = self.body[self.pos]
            escaped = self.escaped(_TEXT_ESCAPES)
            if escaped is not None:
                text.append(escaped)
                self.pos += 2
                continue
            if char == "}" and inside_braces:
                break
            node = self.dollar() if char == "$" else None
            if node is None:
                text.append(char)
                self.pos += 1
                continue
            if text:
                nodes.append(Text("".join(text)))
                text = []
            nodes.append(node)
        if text:
            nodes.append(Text("".join(text)))
        return tuple(nodes)

    def dollar(self) -> Node | None:
        """The construct starting at ``$``, or None for a ``$`` that is plain text."""
        start = self.pos
        self.pos += 1
        if self.peek("{"):
            self.pos += 1
            return self.braced()
        index = self.take(_INDEX)
        if index is not None:
            return Tabstop(int(index))
        name = self.take(_VARIABLE_NAME)
        if name is not None:
            return Variable(name, None)
        self.pos = start
        return None

    def braced(self) -> Node:
        index = self.take(_INDEX)
        if index is not None:
            return self.braced_tabstop(int(index))
        name = self.take(_VARIABLE_NAME)
        if name is None:
            raise self.error("expected a tabstop number or a variable name after '${'")
        default = None
        if self.peek(":"):
            self.pos += 1
            default = self.nodes(inside_braces=True)
        elif self.peek("/"):
            raise self.error("transforms are not supported")
        self.expect("}")
        return Variable(name, default)

    def braced_tabstop(self, index: int) -> Node:
        if self.peek("}"):
            self.pos += 1
            return Tabstop(index)
        if self.peek(":"):
            self.pos += 1
            children = self.nodes(inside_braces=True)
            self.expect("}")
            return Placeholder(index, children)
        if self.peek("|"):
            self.pos += 1
            return Choice(index, self.choice_options())
        if self.peek("/"):
            raise self.error("transforms are not supported")
        raise self.error("expected '}', ':' or '|' after a tabstop number")

    def choice_options(self) -> tuple[str, ...]:
        options: list[str] = []
        option: list[str] = []
        while self.pos < len(self.body):
            char = self.body[self.pos]
            escaped = self.escaped(_CHOICE_ESCAPES)
            if escaped is not None:
                option.append(escaped)
                self.pos += 2
            elif char == ",":
                options.append("".join(option))
                option = []
                self.pos += 1
            elif self.peek("|}"):
                self.pos += 2
                return (*options, "".join(option))
            else:
                option.append(char)
                self.pos += 1
        raise self.error("unterminated choice")


def parse(body: str) -> tuple[Node, ...]:
    return _Parser(body).nodes(inside_braces=False)


def expand(body: str, variables: Mapping[str, str] | None = None) -> str:
    """The text the snippet inserts when every stop keeps its default.

    A tabstop that repeats a placeholder's index mirrors its default; a choice gives its first
    option; ``$0`` and lone tabstops give nothing. A variable gives its value from
    ``variables``, else its default, else nothing when it is known (present, but empty) and
    its own name when it is not, as VS Code does.
    """
    nodes = parse(body)
    known = variables or {}
    values: dict[int, str] = {}

    def render(nodes: tuple[Node, ...]) -> str:
        return "".join(render_node(node) for node in nodes)

    def render_node(node: Node) -> str:
        if isinstance(node, Text):
            return node.value
        if isinstance(node, Tabstop | Placeholder | Choice):
            return values.get(node.index, "")
        value = known.get(node.name)
        if value:
            return value
        if node.default is not None:
            return render(node.default)
        return "" if node.name in known else node.name

    def collect_defaults(nodes: tuple[Node, ...]) -> None:
        # The first placeholder with an index sets it; inner ones first, so an outer default
        # can contain them.
        for node in nodes:
            if isinstance(node, Placeholder):
                collect_defaults(node.children)
                values.setdefault(node.index, render(node.children))
            elif isinstance(node, Choice):
                values.setdefault(node.index, node.options[0])
            elif isinstance(node, Variable) and node.default is not None:
                collect_defaults(node.default)

    collect_defaults(nodes)
    return render(nodes)
