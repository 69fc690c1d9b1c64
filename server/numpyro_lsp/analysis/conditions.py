"""What the ``if`` tests around a place say must hold there, so that two places whose
conditions contradict each other are known never to run together:
``if not cfg.marginalize:`` and ``if cfg.marginalize and cfg.scales:``, or
``if self.trend == "linear":`` and ``if self.trend == "logistic":``, or ``if y is None:``
and its ``else``.

A fact is ``(subject, value, holds)``: the source of an expression, ``True`` for its truth
or a constant it is compared with by ``==``, and whether that holds. Only plain subjects
count (names, attributes, subscripts by constants), whose value the code between two tests
is unlikely to change.
"""

from __future__ import annotations

import ast

Fact = tuple[str, object, bool]


def _subject(node: ast.expr) -> str | None:
    """The source of a plain subject (``cfg.marginalize``, ``x["a"]``), read off the chain
    itself; None for any other expression."""
    parts: list[str] = []
    plain = node
    while True:
        kind = type(plain)
        if kind is ast.Attribute:
            parts.append("." + plain.attr)
        elif kind is ast.Subscript:
            if type(plain.slice) is not ast.Constant:
                return None
            parts.append(f"[{plain.slice.value!r}]")
        elif kind is ast.Name:
            return plain.id + "".join(reversed(parts))
        else:
            return None
        plain = plain.value


# Tests nested deeper than this (``a and (b and (c ...``) say nothing more.
MAX_DEPTH = 20


def facts(test: ast.expr, holds: bool = True, depth: int = 0) -> frozenset[Fact]:
    """The facts that ``test`` being ``holds`` implies."""
    while isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        test, holds = test.operand, not holds
    if isinstance(test, ast.BoolOp):
        # ``a and b`` true, or ``a or b`` false: each part is known.
        if isinstance(test.op, ast.And) == holds and depth < MAX_DEPTH:
            return frozenset().union(*(facts(v, holds, depth + 1) for v in test.values))
        return frozenset()
    if (
        isinstance(test, ast.Compare)
        and len(test.ops) == 1
        and isinstance(test.ops[0], (ast.Eq, ast.NotEq, ast.Is, ast.IsNot))
        and isinstance(test.comparators[0], ast.Constant)
        and (isinstance(test.ops[0], (ast.Eq, ast.NotEq)) or test.comparators[0].value is None)
    ):
        # ``y is None`` is ``y == None``: the one constant ``is`` compares by value.
        subject = _subject(test.left)
        equal = isinstance(test.ops[0], (ast.Eq, ast.Is)) == holds
        return frozenset({(subject, test.comparators[0].value, equal)}) if subject else frozenset()
    subject = _subject(test)
    return frozenset({(subject, True, holds)}) if subject else frozenset()


def contradict(a: frozenset[Fact], b: frozenset[Fact]) -> bool:
    """Whether no run can satisfy both sets of facts."""
    for subject, value, holds in a:
        for other_subject, other_value, other_holds in b:
            if subject != other_subject:
                continue
            if value == other_value and holds != other_holds:
                return True
            # Equal to two different constants at once.
            compared = value is not True and other_value is not True
            if holds and other_holds and compared and value != other_value:
                return True
    return False
