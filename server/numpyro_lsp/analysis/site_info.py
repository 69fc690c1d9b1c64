"""What to say about a site: its distribution, support, plates and role, for hover, completion
details, the outline and inlay hints."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from numpyro_lsp.analysis.models import FunctionInfo, ModuleAnalysis, Plate, Site
from numpyro_lsp.analysis.sites import SiteDefinition

# Longer expressions are cut in one-line texts.
MAX_EXPRESSION = 60


def short(node: ast.AST) -> str:
    text = ast.unparse(node)
    return text if len(text) <= MAX_EXPRESSION else text[: MAX_EXPRESSION - 1] + "…"


# The argument that gives each primitive's value.
VALUE_ARGUMENTS = {"sample": "fn", "deterministic": "value", "param": "init_value"}


def role(site: Site) -> str:
    """``latent``, ``observed``, ``deterministic`` or ``param``."""
    if site.primitive != "sample":
        return site.primitive
    return "observed" if site.observed else "latent"


def kind_text(site: Site) -> str:
    return f"{role(site)} sample site" if site.primitive == "sample" else f"{site.primitive} site"


def distribution_name(site: Site) -> str | None:
    """``Normal`` for ``dist.Normal(...).to_event(1)``."""
    return site.distribution.obj["name"] if site.distribution else None


def support(site: Site) -> str | None:
    if site.distribution is None:
        return None
    found = site.distribution.obj.get("support")
    return found["display"] if found else None


def plate_size(analysis: ModuleAnalysis, plate: Plate, function: FunctionInfo | None) -> str:
    """The plate's size as written, with its value when it is a module constant that the
    function does not shadow (``J = 8``)."""
    if plate.size is None:
        return "?"
    text = short(plate.size)
    if isinstance(plate.size, ast.Name) and not (
        function is not None
        and (plate.size.id in function.params or plate.size.id in function.assignments)
    ):
        value = analysis.assignments.get(plate.size.id)
        if isinstance(value, ast.Constant) and type(value.value) is int:
            text += f" = {value.value}"
    return text


def plates_text(definition: SiteDefinition) -> str:
    """``plate J (J = 8) · plate K (3)``."""
    site = definition.site
    analysis = definition.owner.analysis
    return " · ".join(
        f"plate {p.name or '?'} ({plate_size(analysis, p, site.function)})" for p in site.plates
    )


def site_name(site: Site) -> str:
    """``theta``, or the expression that makes the name when it is computed
    (``"skill_{}".format(s)``)."""
    return site.name if site.name is not None else short(site.name_node or site.call)


def site_name_text(site: Site) -> str:
    """The site's name as a message writes it, in backticks."""
    return f"`{site_name(site)}`"


def site_label(site: Site) -> str:
    """How a site reads in the outline: ``theta ~ Normal``, ``obs ~ Normal (observed)``."""
    name = site_name(site)
    if site.primitive != "sample":
        return f"{name} ({site.primitive})"
    fn = site.arguments.get("fn")
    law = distribution_name(site) or (short(fn) if fn is not None else "?")
    return f"{name} ~ {law}" + (" (observed)" if site.observed else "")


def site_detail(definition: SiteDefinition) -> str:
    """One line for a completion item: ``latent Normal · plate J (J)``."""
    site = definition.site
    parts = [" ".join(p for p in (role(site), distribution_name(site)) if p)]
    plates = plates_text(definition)
    return " · ".join([*parts, plates] if plates else parts)


def site_markdown(definition: SiteDefinition, posterior: str | None = None) -> str:
    site = definition.site
    model = definition.owner.function.name
    parts = [f"**{site.name}**: {kind_text(site)} of `{model}`"]
    facts = []
    value = site.arguments.get(VALUE_ARGUMENTS[site.primitive])
    if value is not None:
        facts.append(f"- `{short(value)}`")
    found = support(site)
    if found:
        facts.append(f"- **support** `{found}`")
    for plate in site.plates:
        size = plate_size(definition.owner.analysis, plate, site.function)
        facts.append(f"- **plate** `{plate.name or '?'}`, size `{size}`")
    if site.observed:
        facts.append(f"- **observed** `obs={short(site.arguments['obs'])}`")
    if facts:
        parts.append("\n".join(facts))
    if posterior:
        parts.append(posterior)
    return "\n\n".join(parts)


@dataclass(frozen=True)
class InlayHint:
    """A label shown right after ``node``."""

    node: ast.AST
    label: str
    tooltip: str


def inlay_hints(analysis: ModuleAnalysis, first_line: int, last_line: int) -> list[InlayHint]:
    """Plate sizes after each plate written with a non-literal size, and the support after
    each latent site, for the lines ``first_line`` to ``last_line`` (1-based)."""
    hints: list[InlayHint] = []
    seen_plates: set[int] = set()
    for site in analysis.sites:
        for plate in site.plates:
            if id(plate.call) in seen_plates or isinstance(plate.size, ast.Constant | None):
                continue
            seen_plates.add(id(plate.call))
            size = plate_size(analysis, plate, site.function)
            hints.append(InlayHint(plate.call, f"size: {size}", f"plate `{plate.name}`"))
        found = support(site)
        if site.latent and found:
            hints.append(InlayHint(site.call, f"∈ {found}", f"support of `{site.name}`"))
    hints = [h for h in hints if first_line <= h.node.end_lineno <= last_line]
    return sorted(hints, key=lambda h: (h.node.end_lineno, h.node.end_col_offset))
