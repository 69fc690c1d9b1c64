"""What every rule is made of: a code, a name, a default severity, a check over a module's
analysis, and a documentation (the rule module's docstring) with fixed sections and a bad
and a good example."""

from __future__ import annotations

import ast
import difflib
import enum
import math
import operator
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from numpyro_lsp.analysis.models import ModuleAnalysis

DOC_SECTIONS = ("What it does", "Why is this bad?", "Example", "Use instead")


class Severity(enum.IntEnum):
    # Ordered so that ``>= Severity.WARNING`` reads as "warning or worse".
    HINT = 1
    INFORMATION = 2
    WARNING = 3
    ERROR = 4

    @classmethod
    def parse(cls, text: str) -> Severity:
        return cls[text.strip().upper()]


@dataclass(frozen=True)
class Span:
    """A source range as ``ast`` gives it: 1-based lines, 0-based UTF-8 byte columns."""

    line: int
    column: int
    end_line: int
    end_column: int

    @classmethod
    def of(cls, node: ast.AST) -> Span:
        return cls(node.lineno, node.col_offset, node.end_lineno, node.end_col_offset)


@dataclass(frozen=True)
class Related:
    span: Span
    message: str


@dataclass(frozen=True)
class See:
    """A place a report points to: ``See(first_site.call, "first defined here")``."""

    node: ast.AST
    message: str


@dataclass(frozen=True)
class Report:
    """What a rule's check yields: where, and a one-line message that says what to do.
    Places are nodes until the report becomes a ``Finding``: the engine keeps reports of
    chunks that an edit moved down the file, and their nodes move with them."""

    node: ast.AST
    message: str
    related: tuple[See, ...] = ()
    # Whatever a code action needs to fix it, computed with the finding.
    fix: dict | None = None
    # Nodes whose line numbers the message names, as ``{0}``, ``{1}``...: read when the
    # finding is made, for a kept report's nodes move with its chunk and text would not.
    numbered: tuple[ast.AST, ...] = ()

    @property
    def text(self) -> str:
        """The message, with the numbered nodes' lines as they are now."""
        if not self.numbered:
            return self.message
        return self.message.format(*(node.lineno for node in self.numbered))


@dataclass(frozen=True)
class Finding:
    code: str
    message: str
    span: Span
    severity: Severity
    related: tuple[Related, ...] = ()
    fix: dict | None = None


Check = Callable[[ModuleAnalysis], Iterable[Report]]


@dataclass(frozen=True)
class Rule:
    """A rule module's ``check`` reads the whole file. Its ``check_chunk`` reads one chunk of
    it (whole top-level statements: analysis/layout.py) and, from the rest of the file,
    only the imports, which functions are models, what each is handed to (``uses_of``)
    and what the module-level names it reads hold (``instances``, looked up by a name
    written in the chunk): the engine keeps its reports per
    chunk while those stay the same (``ModuleAnalysis.chunk_context``), so an edit
    re-checks the statements it touched, not the file. A rule may have both."""

    code: str
    name: str
    severity: Severity
    check: Check | None
    doc: str
    enabled_by_default: bool = True
    check_chunk: Check | None = None

    def run(self, analysis: ModuleAnalysis) -> Iterator[Finding]:
        """Every finding in the file: both checks over the whole of it."""
        for check in (self.check_chunk, self.check):
            if check is not None:
                yield from map(self.finding, check(analysis))

    def finding(self, report: Report) -> Finding:
        return Finding(
            self.code,
            report.text,
            Span.of(report.node),
            self.severity,
            tuple(Related(Span.of(see.node), see.message) for see in report.related),
            report.fix,
        )

    def section(self, title: str) -> str:
        """A section of the rule's doc (``## Example`` ...), without its heading."""
        match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", self.doc, re.M | re.S)
        return match.group(1).strip() if match else ""

    def example(self, title: str) -> str:
        """The Python code block of a doc section: the rule's bad or good example."""
        match = re.search(r"```python\n(.*?)```", self.section(title), re.S)
        return match.group(1) if match else ""


def did_you_mean(name: str, candidates: Iterable[str], cutoff: float = 0.75) -> str | None:
    """The closest candidate, compared case-insensitively (``NUTs`` -> ``NUTS``)."""
    by_lower: dict[str, str] = {}
    for candidate in candidates:
        by_lower.setdefault(candidate.lower(), candidate)
    match = difflib.get_close_matches(name.lower(), list(by_lower), n=1, cutoff=cutoff)
    return by_lower[match[0]] if match else None


# Arithmetic folded in literals such as ``100**2`` or ``1 / 1000``.
_FOLDED = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Pow: operator.pow,
}
# Larger exponents are not "simple arithmetic"; folding them could take long or overflow.
_MAX_EXPONENT = 64


def literal_number(node: ast.AST) -> float | None:
    """The value of a numeric literal, or of simple arithmetic on literals: ``-1``, ``+2.5``,
    ``100**2``, ``1 / 1000``."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = literal_number(node.operand)
        if value is None:
            return None
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return float(node.value)
    if isinstance(node, ast.BinOp) and type(node.op) in _FOLDED:
        left, right = literal_number(node.left), literal_number(node.right)
        if left is None or right is None:
            return None
        if isinstance(node.op, ast.Pow) and abs(right) > _MAX_EXPONENT:
            return None
        try:
            value = _FOLDED[type(node.op)](left, right)
        except (ArithmeticError, ValueError):
            return None
        return value if isinstance(value, float) and math.isfinite(value) else None
    return None
