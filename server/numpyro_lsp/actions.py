"""Code actions as plain data: which rewrites apply where, and the text edits they make.

The non-centering refactors come from the centered-site analysis (the same one behind the
NPR012 hint); quick fixes come from the ``fix`` a rule computed with its finding.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass

from numpyro_lsp.analysis.centering import REPARAM, centered_sites, literal_reparam_config
from numpyro_lsp.analysis.document import ParsedDocument
from numpyro_lsp.analysis.models import FunctionInfo, ModuleAnalysis, Site
from numpyro_lsp.analysis.text import column_from_utf8, split_lines_keepends
from numpyro_lsp.catalog.schema import Catalog
from numpyro_lsp.rewrite.edits import Segment, TextEdit, segment_edits
from numpyro_lsp.rewrite.fixes import (
    AddImport,
    AddRngKey,
    FixPayload,
    LoopToPlate,
    NumpyToJnp,
    Reparameterize,
    ReplaceKeyword,
    ReplaceName,
)
from numpyro_lsp.rewrite.imports import Import, import_segment
from numpyro_lsp.rewrite.loops import loop_to_plate
from numpyro_lsp.rewrite.noncenter import (
    AffineForm,
    Names,
    SiteLocation,
    decorate_model,
    extend_config,
    transform_reparam_site,
    wrap_site,
    wrap_statement,
)
from numpyro_lsp.rewrite.quickfix import FixError, TextRegion, add_keyword, replace_in_region
from numpyro_lsp.rewrite.regions import Region, RewriteError, rewrite_region, top_level_region
from numpyro_lsp.rules.base import Span

QUICKFIX = "quickfix"
REWRITE = "refactor.rewrite"


@dataclass(frozen=True)
class Action:
    title: str
    kind: str
    edits: list[TextEdit]
    # Codes of the diagnostics this action fixes (the client shows it on them).
    fixes: tuple[str, ...] = ()
    preferred: bool = False


def _point(document: ParsedDocument, line: int, byte_column: int) -> tuple[int, int]:
    """An ast position as libcst's: 1-based line, code-point column."""
    return line, column_from_utf8(document.line(line - 1), byte_column)


def _text_region(document: ParsedDocument, span: Span) -> TextRegion:
    return TextRegion(
        *_point(document, span.line, span.column), *_point(document, span.end_line, span.end_column)
    )


def _location(document: ParsedDocument, site: Site) -> SiteLocation:
    return SiteLocation(site.name, *_point(document, site.call.lineno, site.call.col_offset))


def _bound_to(bindings: dict[str, str], path: str) -> str | None:
    names = sorted((n for n, p in bindings.items() if p == path), key=len)
    return names[0] if names else None


def reference(bindings: dict[str, str], module: str, name: str) -> tuple[str, tuple[Import, ...]]:
    """How to write ``module.name`` with the file's imports; adds a from-import if needed."""
    direct = _bound_to(bindings, f"{module}.{name}")
    if direct:
        return direct, ()
    via_module = _bound_to(bindings, module)
    if via_module:
        return f"{via_module}.{name}", ()
    return name, (Import(module, name),)


def reparam_names(analysis: ModuleAnalysis, reparameterizer: str) -> Names:
    bindings = analysis.bindings
    handler = _bound_to(bindings, "numpyro.handlers.reparam")
    imports: tuple[Import, ...] = ()
    if handler is None:
        handlers = _bound_to(bindings, "numpyro.handlers")
        if handlers:
            handler = f"{handlers}.reparam"
        else:
            numpyro = _bound_to(bindings, "numpyro") or "numpyro"
            handler = f"{numpyro}.handlers.reparam"
            imports = () if numpyro in bindings else (Import("numpyro"),)
    name, more = reference(bindings, "numpyro.infer.reparam", reparameterizer)
    return Names(handler, name, imports + more)


def _quote(document: ParsedDocument, site: Site) -> str:
    node = site.name_node
    text = document.line(node.lineno - 1)
    char = text[column_from_utf8(text, node.col_offset) :][:1]
    return char if char in "\"'" else '"'


def loc_scale_reparameterizer(site: Site, name: str, quote: str, centered: float = 0) -> str:
    shape_params = site.distribution.obj["loc_scale"]["shape_params"]
    if not shape_params:
        return f"{name}(centered={centered:g})"
    listed = ", ".join(f"{quote}{p}{quote}" for p in shape_params)
    return f"{name}(centered={centered:g}, shape_params=({listed},))"


def _config_in_scope(site: Site, model: FunctionInfo, catalog: Catalog) -> ast.Dict | None:
    """The innermost literal reparam config around the site, or on the model's decorator."""
    for handler in [*reversed(site.handlers), *model.decorators]:
        if handler.path == REPARAM:
            config = literal_reparam_config(handler.call, catalog)
            if config is not None:
                return config
    return None


def _with_imports(
    document: ParsedDocument, segments: list[Segment], imports: tuple[Import, ...]
) -> list[TextEdit]:
    body = document.tree.body if document.tree is not None else []
    head = import_segment(document.source, body, imports, document.masked_lines())
    return segment_edits(document.source, [*segments, *([head] if head else [])])


def _rewrite_at(
    document: ParsedDocument,
    analysis: ModuleAnalysis,
    line: int,
    rewrite: Callable[[str, Region], str],
    imports: tuple[Import, ...],
) -> list[TextEdit]:
    """Run ``rewrite`` on the top-level statement holding ``line`` only, and add imports."""
    region = top_level_region(analysis.tree, line)
    if region is None:
        raise RewriteError("no statement holds that line")
    # Lines of the statement the user is still typing go through the rewrite unchanged.
    masked = document.masked_lines()
    segment = rewrite_region(document.source, region, lambda text: rewrite(text, region), masked)
    return _with_imports(document, [segment], imports)


def _line_fix(
    document: ParsedDocument, new_source: str, region: TextRegion, imports: tuple[Import, ...]
) -> list[TextEdit]:
    """Edits of a fix that changed text on the region's lines only (adding no line)."""
    lines = split_lines_keepends(new_source)
    segment = Segment(
        region.line - 1, region.end_line, "".join(lines[region.line - 1 : region.end_line])
    )
    return _with_imports(document, [segment], imports)


def non_center_actions(
    document: ParsedDocument, analysis: ModuleAnalysis, span: Span
) -> list[Action]:
    """Refactors for the centered hierarchical sites whose statement touches ``span``."""
    actions: list[Action] = []
    by_model: dict[str, list[Site]] = {}
    touched: dict[str, FunctionInfo] = {}
    for centered in centered_sites(analysis):
        model, site = centered.model, centered.site
        by_model.setdefault(model.name, []).append(site)
        if not site.call.lineno <= span.line <= site.call.end_lineno and not (
            span.line <= site.call.lineno <= span.end_line
        ):
            continue
        actions += _site_actions(document, analysis, model, site)
        touched[model.name] = model
    # One "all sites" action per model, however many of its sites the selection covers.
    for model in touched.values():
        title = f"Non-center all hierarchical sites of `{model.name}` with LocScaleReparam"
        try:
            edits = _non_center_model(document, analysis, model, by_model[model.name])
        except RewriteError:
            continue
        actions.append(Action(title, REWRITE, edits))
    return actions


def _loc_scale_site_edits(
    document: ParsedDocument,
    analysis: ModuleAnalysis,
    model: FunctionInfo,
    site: Site,
    centered: float = 0,
) -> list[TextEdit]:
    """``site`` under ``LocScaleReparam(centered=...)``: an entry in the reparam config in
    scope, or a ``with reparam(...)`` around its statement."""
    names = reparam_names(analysis, "LocScaleReparam")
    quote = _quote(document, site)
    reparameterizer = loc_scale_reparameterizer(site, names.reparameterizer, quote, centered)
    location = _location(document, site)
    config = _config_in_scope(site, model, analysis.catalog)
    if config is not None:
        config_line, config_column = _point(document, config.lineno, config.col_offset)

        def rewrite(text: str, region: Region) -> str:
            return extend_config(
                text,
                region.shift(config_line),
                config_column,
                [location.within(region)],
                [reparameterizer],
            )
    else:

        def rewrite(text: str, region: Region) -> str:
            return wrap_site(text, location.within(region), reparameterizer, names)

    return _rewrite_at(document, analysis, location.line, rewrite, names.imports)


def _site_actions(
    document: ParsedDocument, analysis: ModuleAnalysis, model: FunctionInfo, site: Site
) -> list[Action]:
    actions = []
    location = _location(document, site)
    try:
        edits = _loc_scale_site_edits(document, analysis, model, site)
        actions.append(
            Action(
                f"Non-center `{site.name}` with LocScaleReparam",
                QUICKFIX,
                edits,
                fixes=("NPR012", "smoke-divergences"),
                preferred=True,
            )
        )
    except RewriteError:
        pass
    use = site.distribution
    if not use.methods:  # the affine form of a wrapped (.expand/.to_event) site is not offered
        transform_names = reparam_names(analysis, "TransformReparam")
        transformed, imports = _distribution_reference(
            analysis, use.call, "TransformedDistribution"
        )
        affine, more = reference(
            analysis.bindings, "numpyro.distributions.transforms", "AffineTransform"
        )
        if more and "." in transformed:  # ``dist.`` reaches the transforms too
            affine, more = transformed.rsplit(".", 1)[0] + ".transforms.AffineTransform", ()
        form = AffineForm(
            *_point(document, use.call.lineno, use.call.col_offset),
            loc="loc",
            scale="scale",
            transformed=transformed,
            affine=affine,
        )
        positional = [p["name"] for p in use.obj["params"] if p["kind"].startswith("positional")]
        names_with_imports = Names(
            transform_names.reparam_handler,
            transform_names.reparameterizer,
            transform_names.imports + imports + more,
        )
        try:
            edits = _rewrite_at(
                document,
                analysis,
                location.line,
                lambda text, region: transform_reparam_site(
                    text,
                    location.within(region),
                    form.within(region),
                    positional,
                    names_with_imports,
                ),
                names_with_imports.imports,
            )
            actions.append(
                Action(
                    f"Non-center `{site.name}` with TransformReparam (explicit affine form)",
                    REWRITE,
                    edits,
                )
            )
        except RewriteError:
            pass
    return actions


def _distribution_reference(
    analysis: ModuleAnalysis, call: ast.Call, name: str
) -> tuple[str, tuple[Import, ...]]:
    """``dist.TransformedDistribution`` when the site wrote ``dist.Normal``."""
    if isinstance(call.func, ast.Attribute):
        return f"{ast.unparse(call.func.value)}.{name}", ()
    return reference(analysis.bindings, "numpyro.distributions", name)


def _non_center_model(
    document: ParsedDocument,
    analysis: ModuleAnalysis,
    model: FunctionInfo,
    sites: list[Site],
    centered: float = 0,
) -> list[TextEdit]:
    names = reparam_names(analysis, "LocScaleReparam")
    locations = [_location(document, s) for s in sites]
    reparameterizers = [
        loc_scale_reparameterizer(s, names.reparameterizer, _quote(document, s), centered)
        for s in sites
    ]
    decorator_config = next(
        (
            config
            for d in model.decorators
            if d.path == REPARAM
            and (config := literal_reparam_config(d.call, analysis.catalog)) is not None
        ),
        None,
    )
    if decorator_config is not None:
        line, column = _point(document, decorator_config.lineno, decorator_config.col_offset)

        def rewrite(text: str, region: Region) -> str:
            moved = [location.within(region) for location in locations]
            return extend_config(text, region.shift(line), column, moved, reparameterizers)
    else:

        def rewrite(text: str, region: Region) -> str:
            moved = [location.within(region) for location in locations]
            return decorate_model(text, model.name, moved, reparameterizers, names)

    return _rewrite_at(document, analysis, model.node.lineno, rewrite, names.imports)


def advised_actions(
    document: ParsedDocument, analysis: ModuleAnalysis, code: str, fix: Reparameterize
) -> list[Action]:
    """The parameterization advisor's recommendation as one action: its one site, or all
    its sites on the model (the same rewrites as the non-centering refactors), under
    ``LocScaleReparam(centered=fix.centered)``. None when the sites are no longer centered
    hierarchical sites of the model (the advice is stale)."""
    found = {
        c.site.name: c
        for c in centered_sites(analysis)
        if c.model.name == fix.model and c.site.name in fix.sites
    }
    if not fix.sites or set(fix.sites) != set(found):
        return []
    model = found[fix.sites[0]].model
    sites = [found[name].site for name in fix.sites]
    how = f"LocScaleReparam(centered={fix.centered:g})"
    if len(sites) == 1:
        edits = _loc_scale_site_edits(document, analysis, model, sites[0], fix.centered)
        what = f"`{sites[0].name}`"
    else:
        edits = _non_center_model(document, analysis, model, sites, fix.centered)
        what = ", ".join(f"`{site.name}`" for site in sites)
    verb = "Non-center" if fix.centered == 0 else "Partially center"
    return [Action(f"Apply the advice: {verb} {what} with {how}", QUICKFIX, edits, (code,), True)]


# --- quick fixes from a finding's ``fix`` -----------------------------------------------


def quick_fixes(
    document: ParsedDocument, analysis: ModuleAnalysis, code: str, span: Span, fix: FixPayload
) -> list[Action]:
    """The quick fixes of a finding's payload; none when it no longer applies (stale)."""
    try:
        if isinstance(fix, (ReplaceName, ReplaceKeyword)):
            region = _text_region(document, span)
            new = replace_in_region(
                document.source,
                region,
                fix.name,
                fix.replacement,
                first=isinstance(fix, ReplaceKeyword),
            )
            title = f"Replace `{fix.name}` with `{fix.replacement}`"
            edits = _line_fix(document, new, region, ())
            return [Action(title, QUICKFIX, edits, (code,), preferred=True)]
        if isinstance(fix, AddImport):
            title = f"Import `{fix.name}` from `{fix.module}`"
            edits = _with_imports(document, [], (Import(fix.module, fix.name),))
            return [Action(title, QUICKFIX, edits, (code,), preferred=True)] if edits else []
        if isinstance(fix, NumpyToJnp):
            return [_numpy_to_jnp(document, analysis, code, span, fix.path)]
        if isinstance(fix, AddRngKey):
            return _rng_key_fixes(document, analysis, code, span)
        if isinstance(fix, LoopToPlate):
            return [_loop_to_plate(document, analysis, code, span, fix)]
        if isinstance(fix, Reparameterize):
            return advised_actions(document, analysis, code, fix)
    except (RewriteError, FixError):
        return []
    return []  # NonCenter: offered from the site's range (non_center_actions)


def _numpy_to_jnp(
    document: ParsedDocument, analysis: ModuleAnalysis, code: str, span: Span, path: str
) -> Action:
    jnp = _bound_to(analysis.bindings, "jax.numpy")
    imports: tuple[Import, ...] = ()
    if jnp is None:
        # The conventional alias, unless the file already uses that name for something else.
        jnp = "jnp" if "jnp" not in analysis.bindings else "jax.numpy"
        imports = (Import("jax.numpy", None, "jnp" if jnp == "jnp" else None),)
    function = path.removeprefix("numpy.")
    region = _text_region(document, span)
    start, end = region.offsets(document.source)
    old_func = document.source[start:end].split("(", 1)[0].strip()
    new = replace_in_region(document.source, region, old_func, f"{jnp}.{function}", first=True)
    edits = _line_fix(document, new, region, imports)
    title = f"Use `{jnp}.{function}` instead of `{old_func}`"
    return Action(title, QUICKFIX, edits, (code,), preferred=True)


def _loop_to_plate(
    document: ParsedDocument, analysis: ModuleAnalysis, code: str, span: Span, fix: LoopToPlate
) -> Action:
    """The loop whose ``range(...)`` the finding points at, as a plate."""
    loop = next(
        (
            node
            for node in analysis.nodes(ast.For)
            if (node.iter.lineno, node.iter.col_offset) == (span.line, span.column)
        ),
        None,
    )
    if loop is None:
        raise RewriteError("the loop was not found")
    line, column = _point(document, loop.lineno, loop.col_offset)
    quote = next(
        (q for q in ("'", '"') if any(name.startswith(f"f{q}") for name in fix.names)), '"'
    )
    header = f"{fix.plate}({quote}{fix.plate_name}{quote}, {fix.size})"
    edits = _rewrite_at(
        document,
        analysis,
        line,
        lambda text, region: loop_to_plate(
            text, region.shift(line), column, header, fix.index, fix.names
        ),
        (),
    )
    title = f"Replace the loop with `{fix.plate}({quote}{fix.plate_name}{quote}, ...)`"
    return Action(title, QUICKFIX, edits, (code,), preferred=True)


def _rng_key_fixes(
    document: ParsedDocument, analysis: ModuleAnalysis, code: str, span: Span
) -> list[Action]:
    bindings = analysis.bindings
    random = _bound_to(bindings, "jax.random")
    imports: tuple[Import, ...] = ()
    if random is None:
        if bindings.get("random") is None:
            random, imports = "random", (Import("jax", "random"),)
        else:  # ``random`` is Python's: spell jax's out
            random, imports = "jax.random", (Import("jax"),)
    call = _text_region(document, span)
    with_key = add_keyword(document.source, call, f"rng_key={random}.PRNGKey(0)")
    actions = [
        Action(
            "Pass `rng_key=random.PRNGKey(0)`",
            QUICKFIX,
            _line_fix(document, with_key, call, imports),
            (code,),
            preferred=True,
        )
    ]
    numpyro = _bound_to(bindings, "numpyro")
    seed = _bound_to(bindings, "numpyro.handlers.seed")
    seed_imports: tuple[Import, ...] = ()
    if seed is None:
        seed = f"{numpyro or 'numpyro'}.handlers.seed"
        seed_imports = () if numpyro else (Import("numpyro"),)
    location = SiteLocation("", *_point(document, span.line, span.column))
    edits = _rewrite_at(
        document,
        analysis,
        location.line,
        lambda text, region: wrap_statement(text, location.within(region), f"{seed}(rng_seed=0)"),
        seed_imports,
    )
    actions.append(Action("Wrap in `numpyro.handlers.seed(rng_seed=0)`", QUICKFIX, edits, (code,)))
    return actions
