"""One smoke test, start to end: plan it, run it in the worker, report it. The language
server and the command line both call ``run_smoke_test``."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from numpyro_lsp.catalog.schema import Catalog
from numpyro_lsp.settings import SmokeSettings
from numpyro_lsp.smoke.loader import LoadError, RunPlan, plan_run
from numpyro_lsp.smoke.protocol import RunRequest
from numpyro_lsp.smoke.report import SmokeReport, build_report, load_error_report
from numpyro_lsp.smoke.runner import Progress, SmokeRunner


def run_smoke_test(
    runner: SmokeRunner,
    source: str,
    path: str,
    model: str | None,
    settings: SmokeSettings,
    catalog: Catalog,
    cancel: threading.Event,
    on_progress: Callable[[Progress], None] = lambda progress: None,
    cell_starts: tuple[int, ...] = (),
) -> SmokeReport:
    """Smoke-test ``model`` of the file ``path`` whose text is ``source`` (the editor's,
    saved or not; ``cell_starts``: a notebook's). Raises ``RunnerBusy`` while another run
    holds the runner."""
    try:
        plan = plan_run(source, path, model, catalog, cell_starts)
    except LoadError as error:
        return load_error_report(error, model, path)
    outcome = runner.run(run_request(plan, settings), settings.timeout_s, cancel, on_progress)
    return build_report(plan, outcome, settings)


def run_request(plan: RunPlan, settings: SmokeSettings, **variant: Any) -> RunRequest:
    """The worker's request for a NUTS run of ``plan`` (``variant``: the advisor's ``reparam``
    and ``centered``)."""
    return RunRequest(
        **program_fields(plan),
        warmup=settings.warmup,
        samples=settings.samples,
        chains=settings.chains,
        seed=settings.seed,
        gibbs=plan.gibbs,
        **variant,
    )


def program_fields(plan: RunPlan) -> dict[str, Any]:
    """What every worker request takes of a plan: the program to load and the model's call
    (``RunRequest``'s and ``ShapesRequest``'s shared fields)."""
    return {
        "id": 0,
        "path": plan.path,
        "source": plan.source,
        "kept_statements": list(plan.kept_statements),
        "model": plan.model,
        "arguments": plan.call.arguments,
        "script": list(plan.script.parts) if plan.script else [],
    }
