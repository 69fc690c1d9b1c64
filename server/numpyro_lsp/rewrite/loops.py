"""A Python loop of sample sites rewritten as one vectorized ``numpyro.plate`` (libcst).

The rule that offers it has checked it is safe: ``for i in range(n)``, a body of sample
sites named ``f"prefix{i}"``, the loop index used only to pick elements (``data[i]``), and
nothing carried from one iteration to the next.
"""

from __future__ import annotations

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from numpyro_lsp.rewrite.regions import RewriteError


class _PerElement(cst.CSTTransformer):
    """Inside the loop body: ``f"x_{i}"`` -> ``"x"`` and ``data[i]`` -> ``data``."""

    def __init__(self, index: str, names: dict[str, str]) -> None:
        self.index = index
        self.names = names

    def leave_FormattedString(self, original, updated):
        text = cst.Module([]).code_for_node(original)
        if text not in self.names:
            return updated
        quote = original.end
        return cst.SimpleString(f"{quote}{self.names[text]}{quote}")

    def leave_Subscript(self, original, updated):
        if len(updated.slice) != 1:
            return updated
        element = updated.slice[0].slice
        if (
            isinstance(element, cst.Index)
            and isinstance(element.value, cst.Name)
            and element.value.value == self.index
        ):
            return updated.value
        return updated


class _LoopToPlate(cst.CSTTransformer):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, line: int, column: int, header: str, index: str, names: dict[str, str]):
        self.where = (line, column)
        self.header = header
        self.index = index
        self.names = names
        self.done = False

    def leave_For(self, original, updated):
        start = self.metadata[PositionProvider][original].start
        if self.done or (start.line, start.column) != self.where:
            return updated
        self.done = True
        body = updated.body.visit(_PerElement(self.index, self.names))
        template = cst.parse_statement(f"with {self.header}:\n    pass\n")
        return template.with_changes(body=body, leading_lines=updated.leading_lines)


def loop_to_plate(
    source: str, line: int, column: int, header: str, index: str, names: dict[str, str]
) -> str:
    """Replace the ``for`` loop at (line, column) by ``with <header>:`` over its body.

    ``names`` maps each site's f-string, as written, to the site's new constant name.
    """
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError as error:
        raise RewriteError(f"cannot parse: {error}") from error
    transformer = _LoopToPlate(line, column, header, index, names)
    rewritten = MetadataWrapper(module, unsafe_skip_copy=True).visit(transformer)
    if not transformer.done:
        raise RewriteError("the loop was not found")
    return rewritten.code
