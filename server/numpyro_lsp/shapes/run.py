"""One shape trace, start to end: plan it the way the smoke test plans a run (its arguments
included: ``smoke/loader.py``), trace it in the smoke test's worker, judge it
(``report.py``). The language server and the command line both call ``trace_shapes``."""

from __future__ import annotations

import threading

from numpyro_lsp.catalog.schema import Catalog
from numpyro_lsp.shapes.report import ShapeReport, SourceSites, build_report
from numpyro_lsp.shapes.request import ShapesRequest
from numpyro_lsp.smoke.loader import LoadError, analyze_source, choose_model, plan_run
from numpyro_lsp.smoke.pipeline import program_fields
from numpyro_lsp.smoke.report import SmokeFinding
from numpyro_lsp.smoke.runner import SmokeRunner

# A trace takes milliseconds once the worker is up; its first start imports jax.
TIMEOUT_S = 30.0


def trace_shapes(
    runner: SmokeRunner,
    source: str,
    path: str,
    model: str | None,
    catalog: Catalog,
    cancel: threading.Event,
    timeout_s: float = TIMEOUT_S,
    cell_starts: tuple[int, ...] = (),
) -> ShapeReport:
    """The shapes of ``model`` of the file ``path`` whose text is ``source`` (the editor's,
    saved or not; ``cell_starts``: a notebook's). Raises ``RunnerBusy`` while a smoke test
    or another trace runs."""
    try:
        plan = plan_run(source, path, model, catalog, cell_starts)
    except LoadError as error:
        findings = []
        if error.line:
            findings.append(SmokeFinding("error", "shape-not-run", error.message, error.line))
        return ShapeReport(model or "the model", path, "not-run", error.message, findings=findings)
    analysis = analyze_source(plan.source, catalog)
    function = choose_model(analysis, plan.model)
    sites = SourceSites.read(analysis, function, plan.source)
    request = ShapesRequest(**program_fields(plan))
    outcome = runner.run(request, timeout_s, cancel)
    return build_report(plan, outcome, sites)


def model_names(source: str, catalog: Catalog, cell_starts: tuple[int, ...] = ()) -> list[str]:
    """The file's models at module level, which a trace can call (``cell_starts``: a
    notebook's)."""
    from numpyro_lsp.smoke.loader import model_functions

    try:
        analysis = analyze_source(source, catalog, cell_starts)
    except (SyntaxError, ValueError):
        return []
    return [f.name for f in model_functions(analysis)]
