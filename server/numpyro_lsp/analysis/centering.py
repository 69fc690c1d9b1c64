"""Centered hierarchical sites, the one definition: rule NPR012, the non-centering code
actions and the smoke test's divergence findings all ask ``centered_sites``. Also the reader
of a ``reparam`` handler's config, which decides what a handler already covers."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

from numpyro_lsp.analysis.models import (
    FunctionInfo,
    ModelUse,
    ModuleAnalysis,
    Site,
    bind_arguments,
    last_name,
    names_in,
)
from numpyro_lsp.catalog.schema import Catalog

REPARAM = "numpyro.handlers.reparam"
CONDITION = "numpyro.handlers.condition"
PREDICTIVE = "numpyro.infer.Predictive"
# Catalog kinds that run a model for inference (MCMC kernels, MCMC, SVI).
INFERENCE_KINDS = {"kernel", "inference"}


@dataclass(frozen=True)
class CenteredSite:
    """A latent site of a loc-scale family whose ``scale`` derives from other latent sites,
    and that no ``reparam`` config covers: the funnel NUTS diverges in. A ``loc`` alone that
    derives from them makes no funnel. ``parents``: the latent sites its ``loc`` and
    ``scale`` derive from."""

    model: FunctionInfo
    site: Site
    parents: tuple[str, ...]


def reparam_config(call: ast.Call, catalog: Catalog) -> ast.expr | None:
    """The config of a ``reparam`` call, bound the way numpyro's own signature binds it
    (``reparam(fn=None, config=None)``), as analysis/sites.py binds it to find site names."""
    member = catalog.lookup(REPARAM)
    return bind_arguments(member.obj, call).get("config") if member is not None else None


def literal_reparam_config(call: ast.Call, catalog: Catalog) -> ast.Dict | None:
    """The config of a ``reparam`` call when it is written out as a dict."""
    config = reparam_config(call, catalog)
    return config if isinstance(config, ast.Dict) else None


def configured_sites(handler_calls: list[ast.Call], catalog: Catalog) -> set[str] | None:
    """Site names a set of ``reparam`` calls covers; None when one may cover any site (a
    config that is not a literal dict, such as a function)."""
    covered: set[str] = set()
    for call in handler_calls:
        config = literal_reparam_config(call, catalog)
        if config is None:
            return None
        covered |= {k.value for k in config.keys if isinstance(k, ast.Constant)}
    return covered


def _model_reparam_calls(
    model: FunctionInfo, uses: list[ModelUse], analysis: ModuleAnalysis
) -> list[ast.Call]:
    """The ``reparam`` calls around the model where it is used (``reparam(model, config)``
    handed to MCMC), or around the method of an object that the model is
    (``reparam(self.model, config=...)``): the same for each of its sites."""
    calls = []
    for use in uses:
        for node in ast.walk(use.call):
            if isinstance(node, ast.Call):
                obj = analysis.catalog_object(node.func)
                if obj is not None and obj["path"] == REPARAM:
                    calls.append(node)
    return calls + _method_reparams(model, analysis)


def _method_reparams(model: FunctionInfo, analysis: ModuleAnalysis) -> list[ast.Call]:
    """The ``reparam`` calls handed ``self.<the model's name>``, for a model that is a
    method (its first parameter ``self``)."""
    if model.params[:1] != ("self",):
        return []
    found = []
    for call in analysis.nodes(ast.Call):
        if last_name(call.func) != "reparam":
            continue
        handed = call.args[0] if call.args else None
        if (
            type(handed) is ast.Attribute
            and handed.attr == model.name
            and type(handed.value) is ast.Name
            and handed.value.id == "self"
        ):
            obj = analysis.catalog_object(call.func)
            if obj is not None and obj["path"] == REPARAM:
                found.append(call)
    return found


def conditioned(site: Site, uses: list[ModelUse], catalog: Catalog) -> bool:
    """A site that ``condition`` observes, or may: around it (``with
    handlers.condition(data={"obs": y}):``) or around the model where inference runs it
    (``NUTS(condition(model, data={"obs": y}))``, also through a name: a tutorial's way to
    fit a model written for prior sampling); a data dict that is not written out may name
    it."""
    member = catalog.lookup(CONDITION)
    if member is not None:
        for handler in site.handlers:
            if handler.path != CONDITION:
                continue
            data = bind_arguments(member.obj, handler.call).get("data")
            if not isinstance(data, ast.Dict):
                return data is not None
            if site.name in {k.value for k in data.keys if isinstance(k, ast.Constant)}:
                return True
    for use in uses:
        inference = any(
            catalog.objects.get(path, {}).get("kind") in INFERENCE_KINDS for path in use.chain
        )
        if not inference:
            continue  # conditioned for a trace or a plot: NUTS may still see it latent
        names = use.handled_sites(catalog, {CONDITION})
        if names is None or site.name in names:
            return True
    return False


def predicts_only(site: Site, model: FunctionInfo) -> bool:
    """A site drawn only where the data another site observes is None (``if y is None:
    sample("y_pred", ...)`` beside ``else: sample("y", ..., obs=y)``): inference, given the
    data, never samples it; prediction draws it forward, with no geometry to fix."""
    observed = {
        s.arguments["obs"].id
        for s in model.sites
        if s.observed and type(s.arguments.get("obs")) is ast.Name
    }
    return any(
        value is None and holds and subject in observed for subject, value, holds in site.conditions
    )


def predicted_only(model: FunctionInfo, uses: list[ModelUse], analysis: ModuleAnalysis) -> bool:
    """A model only ever handed to ``Predictive`` (hublun's ``new_school``, drawn forward
    from another model's posterior), and otherwise named only where its density is evaluated
    at given values (the BMCP book scores its simulated draws with ``log_density``): no
    inference samples it, so it has no geometry to fix."""
    if not uses or any(use.chain != [PREDICTIVE] or use.wrapped for use in uses):
        return False
    reads = sum(1 for node in analysis.nodes(ast.Name) if node.id == model.name)
    if reads == len(uses):
        return True
    evaluated = sum(
        1
        for call in analysis.nodes(ast.Call)
        if call.args
        and type(call.args[0]) is ast.Name
        and call.args[0].id == model.name
        and analysis.resolve(call.func) in EVALUATORS
    )
    return reads == len(uses) + evaluated


# What evaluates a model's density at values it is given, sampling nothing.
EVALUATORS = frozenset(
    f"numpyro.infer.{module}{name}"
    for module in ("", "util.")
    for name in ("log_density", "log_likelihood", "potential_energy")
)


def latent_dependencies(model: FunctionInfo) -> dict[str, set[str]]:
    """For each variable, the latent sites its value derives from (through assignments)."""
    latent_targets = _latent_targets(model)
    depends: dict[str, set[str]] = {t: {n} for t, n in latent_targets.items()}
    if not depends:
        return depends  # no latent site: nothing derives from one
    # Each value's names once, for both rounds.
    reads = [
        (name, names_in(value))
        for name, value in model.assignments.items()
        if name not in latent_targets
    ]
    for _ in range(2):
        for name, names in reads:
            found = set().union(*(depends.get(n, set()) for n in names))
            if found:
                depends[name] = found
    return depends


def parents_of(
    site: Site, parameter: str, depends: dict[str, set[str]], model: FunctionInfo
) -> set[str]:
    """The other latent sites a parameter of the site's distribution derives from."""
    use = site.distribution
    value = use.arguments.get(parameter) if use is not None else None
    if value is None:
        return set()
    parents = set().union(*(_in_force(model, name, site, depends) for name in names_in(value)))
    return parents - {site.name}


def _in_force(model: FunctionInfo, name: str, site: Site, depends: dict[str, set[str]]) -> set[str]:
    """The latent sites a name derives from where the site is drawn: from the values given
    it above the site (kaijennissen's BNN draws its weights with ``scale = 1`` and gives
    ``scale`` a latent precision for the likelihood below), or, where none is, from the last
    (a loop carries it round)."""
    history = model.assignment_history.get(name, ())
    line = site.call.lineno
    above = [value for value in history if value.end_lineno < line]
    if len(history) < 2 or not above:
        return depends.get(name, set())
    if name in _latent_targets(model):
        # The last draw given the name above (bayes-window draws ``b`` per condition, then
        # per group): the site its value is.
        drawn = [s.name for s in model.sites if s.latent and s.target == name and s.call in above]
        return {drawn[-1]} if drawn else depends.get(name, set())
    return set().union(*(depends.get(n, set()) for value in above for n in names_in(value)))


def _latent_targets(model: FunctionInfo) -> dict[str, str]:
    """The names a model's latent sites are assigned to, and the sites'."""
    return {s.target: s.name for s in model.sites if s.latent and s.target and s.name}


def centered_sites(analysis: ModuleAnalysis) -> Iterator[CenteredSite]:
    """The file's centered hierarchical sites, model by model."""
    for model in analysis.models:
        uses = analysis.uses_of(model)
        if predicted_only(model, uses, analysis):
            continue
        depends = latent_dependencies(model)
        around_model: list[ast.Call] | None = None  # asked only for a centered site
        for site in model.sites:
            use = site.distribution
            if not site.latent or site.name is None or use is None or "loc_scale" not in use.obj:
                continue
            scale_parents = parents_of(site, "scale", depends, model)
            if not scale_parents:
                continue
            if around_model is None:
                around_model = _model_reparam_calls(model, uses, analysis)
            # Its own ``with`` blocks and decorators, and those around the model.
            around_site = [h.call for h in site.handlers if h.path == REPARAM]
            covered = configured_sites(around_site + around_model, analysis.catalog)
            if covered is None or site.name in covered:
                continue
            if conditioned(site, uses, analysis.catalog) or predicts_only(site, model):
                continue
            parents = scale_parents | parents_of(site, "loc", depends, model)
            yield CenteredSite(model, site, tuple(sorted(parents)))
