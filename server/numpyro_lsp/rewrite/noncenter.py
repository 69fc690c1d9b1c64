"""Non-centering rewrites of hierarchical sites, with libcst so the file's formatting (quotes,
indentation, comments) is kept and only the touched statements change.

Each works on the source it is given, usually one top-level statement cut out of the file
(see ``regions``): libcst's visitors are slow on whole long files. Positions are 1-based
lines and 0-based code-point columns within that source. Imports the rewrite needs are
listed in ``Names.imports`` and added by the caller (``imports.add_imports``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from numpyro_lsp.rewrite.imports import Import
from numpyro_lsp.rewrite.regions import Region, RewriteError


@dataclass(frozen=True)
class Names:
    """How the rewritten code refers to what it uses, chosen from the file's own imports."""

    reparam_handler: str  # e.g. "numpyro.handlers.reparam" or "handlers.reparam"
    reparameterizer: str  # e.g. "LocScaleReparam" or "reparam.LocScaleReparam"
    imports: tuple[Import, ...] = ()


@dataclass(frozen=True)
class SiteLocation:
    name: str
    # Where the site's ``numpyro.sample(...)`` call starts.
    line: int
    column: int

    def within(self, region: Region) -> SiteLocation:
        return SiteLocation(self.name, region.shift(self.line), self.column)


def _at(positions, node: cst.CSTNode, line: int, column: int) -> bool:
    start = positions[node].start
    return (start.line, start.column) == (line, column)


def _string(value: str, quote: str) -> str:
    return f"{quote}{value}{quote}"


def _config_entry(site: str, reparameterizer: str, quote: str) -> cst.DictElement:
    return cst.DictElement(
        key=cst.SimpleString(_string(site, quote)), value=cst.parse_expression(reparameterizer)
    )


def _append_entry(config: cst.Dict, entry: cst.DictElement) -> cst.Dict:
    elements = list(config.elements)
    if elements and elements[-1].comma is cst.MaybeSentinel.DEFAULT:
        elements[-1] = elements[-1].with_changes(
            comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        )
    return config.with_changes(elements=[*elements, entry])


def _quote_of(module: cst.Module, line: int, column: int) -> str:
    """The quote the site's name is written with, so new strings match the file."""

    class Finder(cst.CSTVisitor):
        METADATA_DEPENDENCIES = (PositionProvider,)

        def __init__(self) -> None:
            super().__init__()
            self.quote = '"'

        def visit_Call(self, node: cst.Call) -> None:
            if _at(self.metadata[PositionProvider], node, line, column) and node.args:
                first = node.args[0].value
                if isinstance(first, cst.SimpleString):
                    self.quote = first.quote[-1]

    finder = Finder()
    MetadataWrapper(module, unsafe_skip_copy=True).visit(finder)
    return finder.quote


class _WrapStatement(cst.CSTTransformer):
    """Wraps the statement holding the site's call in ``with <handler>(config={...}):``."""

    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, site: SiteLocation, with_text: str) -> None:
        self.site = site
        self.with_text = with_text
        self.done = False

    def _holds_site(self, statement: cst.SimpleStatementLine) -> bool:
        where = self.metadata[PositionProvider][statement]
        start, end = (where.start.line, where.start.column), (where.end.line, where.end.column)
        return start <= (self.site.line, self.site.column) < end

    def leave_SimpleStatementLine(self, original, updated):
        if self.done or not self._holds_site(original):
            return updated
        if len(updated.body) != 1:
            raise RewriteError("the site shares its line with other statements")
        self.done = True
        template = cst.parse_statement(f"{self.with_text}:\n    pass\n")
        return template.with_changes(
            body=cst.IndentedBlock(body=[updated.with_changes(leading_lines=[])], indent=None),
            leading_lines=updated.leading_lines,
        )


class _ExtendConfig(cst.CSTTransformer):
    """Adds an entry to the literal ``config={...}`` dict of a reparam call at a position."""

    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, config_line: int, config_column: int, entries: list[cst.DictElement]):
        self.where = (config_line, config_column)
        self.entries = entries
        self.done = False

    def leave_Dict(self, original, updated):
        if self.done or not _at(self.metadata[PositionProvider], original, *self.where):
            return updated
        self.done = True
        for entry in self.entries:
            updated = _append_entry(updated, entry)
        return updated


class _Decorate(cst.CSTTransformer):
    def __init__(self, function: str, decorator: str) -> None:
        self.function = function
        self.decorator = decorator
        self.done = False

    def leave_FunctionDef(self, original, updated):
        if self.done or updated.name.value != self.function:
            return updated
        self.done = True
        decorator = cst.Decorator(decorator=cst.parse_expression(self.decorator))
        return updated.with_changes(decorators=[*updated.decorators, decorator])


def _run(source: str, transformer: cst.CSTTransformer) -> str:
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError as error:
        raise RewriteError(f"cannot parse: {error}") from error
    rewritten = MetadataWrapper(module, unsafe_skip_copy=True).visit(transformer)
    if not getattr(transformer, "done", True):
        raise RewriteError("the code to rewrite was not found")
    return rewritten.code


def wrap_statement(source: str, site: SiteLocation, with_header: str) -> str:
    """``with <with_header>:`` around the statement that holds the site's call."""
    return _run(source, _WrapStatement(site, f"with {with_header}"))


def wrap_site(source: str, site: SiteLocation, reparameterizer: str, names: Names) -> str:
    """``with <reparam>(config={"site": <reparameterizer>}):`` around the site's statement."""
    try:
        quote = _quote_of(cst.parse_module(source), site.line, site.column)
    except cst.ParserSyntaxError as error:
        raise RewriteError(f"cannot parse: {error}") from error
    entry = f"{_string(site.name, quote)}: {reparameterizer}"
    header = f"{names.reparam_handler}(config={{{entry}}})"
    return wrap_statement(source, site, header)


def extend_config(
    source: str,
    config_line: int,
    config_column: int,
    sites: Sequence[SiteLocation],
    reparameterizers: Sequence[str],
) -> str:
    """Add ``"site": <reparameterizer>`` entries to a reparam config dict already in scope."""
    module = cst.parse_module(source)
    entries = [
        _config_entry(site.name, reparameterizer, _quote_of(module, site.line, site.column))
        for site, reparameterizer in zip(sites, reparameterizers, strict=True)
    ]
    return _run(source, _ExtendConfig(config_line, config_column, entries))


def decorate_model(
    source: str,
    function: str,
    sites: Sequence[SiteLocation],
    reparameterizers: Sequence[str],
    names: Names,
) -> str:
    """``@<reparam>(config={...})`` on the model: one config for all its sites."""
    module = cst.parse_module(source)
    entries = ", ".join(
        f"{_string(site.name, _quote_of(module, site.line, site.column))}: {reparameterizer}"
        for site, reparameterizer in zip(sites, reparameterizers, strict=True)
    )
    decorator = f"{names.reparam_handler}(config={{{entries}}})"
    return _run(source, _Decorate(function, decorator))


@dataclass(frozen=True)
class AffineForm:
    """What the explicit TransformReparam form needs to know about the distribution call."""

    call_line: int
    call_column: int
    loc: str  # parameter names in numpyro
    scale: str
    transformed: str  # e.g. "dist.TransformedDistribution"
    affine: str  # e.g. "dist.transforms.AffineTransform"

    def within(self, region: Region) -> AffineForm:
        return replace(self, call_line=region.shift(self.call_line))


class _AffineRewrite(cst.CSTTransformer):
    """``D(mu, tau)`` -> ``TransformedDistribution(D(0.0, 1.0), AffineTransform(mu, tau))``."""

    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, form: AffineForm, positional: Sequence[str]) -> None:
        self.form = form
        self.positional = list(positional)
        self.done = False

    def leave_Call(self, original, updated):
        form = self.form
        if self.done or not _at(
            self.metadata[PositionProvider], original, form.call_line, form.call_column
        ):
            return updated
        values: dict[str, cst.BaseExpression] = {}
        standard: list[cst.Arg] = []
        for index, arg in enumerate(updated.args):
            name = arg.keyword.value if arg.keyword else None
            if name is None and arg.star == "" and index < len(self.positional):
                name = self.positional[index]
            if name in (form.loc, form.scale):
                values[name] = arg.value
                replacement = cst.Float("0.0" if name == form.loc else "1.0")
                standard.append(arg.with_changes(value=replacement))
            else:
                standard.append(arg)
        if set(values) != {form.loc, form.scale}:
            raise RewriteError("the distribution's loc and scale are not both given")
        self.done = True
        base = updated.with_changes(args=standard)
        affine = cst.Call(
            func=cst.parse_expression(form.affine),
            args=[cst.Arg(values[form.loc]), cst.Arg(values[form.scale])],
        )
        return cst.Call(
            func=cst.parse_expression(form.transformed), args=[cst.Arg(base), cst.Arg(affine)]
        )


def transform_reparam_site(
    source: str,
    site: SiteLocation,
    form: AffineForm,
    positional: Sequence[str],
    names: Names,
) -> str:
    """The NumPyro guide's explicit non-centered form: a standard base distribution moved by
    an AffineTransform, under ``reparam(config={"site": TransformReparam()})``."""
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError as error:
        raise RewriteError(f"cannot parse: {error}") from error
    affine = _AffineRewrite(form, positional)
    module = MetadataWrapper(module, unsafe_skip_copy=True).visit(affine)
    if not affine.done:
        raise RewriteError("the distribution call was not found")
    return wrap_site(module.code, site, f"{names.reparameterizer}()", names)
