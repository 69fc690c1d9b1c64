"""Which variants the advisor runs: the model as written, each candidate site non-centered
(``LocScaleReparam(centered=0)``) and partially centered (``centered=0.5``), and all of
them non-centered. ``centered=None`` (learned) is not offered: under NUTS it would only add a
``param`` held at its initial value.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from numpyro_lsp.analysis.centering import centered_sites
from numpyro_lsp.catalog.schema import Catalog
from numpyro_lsp.smoke.loader import RunPlan, analyze_source, model_functions

AS_WRITTEN = "as written"
ALL = "non-center all"
PARTIAL = 0.5


@dataclass(frozen=True)
class Candidate:
    site: str
    # The shape parameters of its family, kept as they are by the reparameterization
    # (StudentT's ``df``).
    shape_params: tuple[str, ...] = ()


@dataclass(frozen=True)
class Variant:
    name: str
    # The candidate sites this variant changes, with their ``centered``; the others stay
    # as written (1).
    centered: dict[str, float] = field(default_factory=dict)

    def centering(self, candidates: list[Candidate]) -> list[float]:
        return [float(self.centered.get(c.site, 1.0)) for c in candidates]


def candidates(plan: RunPlan, source: str, catalog: Catalog) -> list[Candidate]:
    """The model's centered hierarchical sites (analysis/centering.py): the same sites the
    non-centering code actions and rule NPR012 name."""
    analysis = analyze_source(source, catalog)
    models = {m.name: m for m in model_functions(analysis)}
    model = models.get(plan.model)
    found = []
    for centered in centered_sites(analysis):
        if centered.model is not model or centered.site.name is None:
            continue
        use = centered.site.distribution
        shape_params = tuple(use.obj["loc_scale"]["shape_params"]) if use is not None else ()
        if all(c.site != centered.site.name for c in found):
            found.append(Candidate(centered.site.name, shape_params))
    return found


def variants(found: list[Candidate]) -> list[Variant]:
    """As written first (the baseline every other variant is compared with)."""
    if not found:
        return []
    listed = [Variant(AS_WRITTEN)]
    for candidate in found:
        listed.append(Variant(f"non-center {candidate.site}", {candidate.site: 0.0}))
        listed.append(Variant(f"partially center {candidate.site}", {candidate.site: PARTIAL}))
    if len(found) > 1:  # with one candidate, the same model as non-centering it
        listed.append(Variant(ALL, {c.site: 0.0 for c in found}))
    return listed
