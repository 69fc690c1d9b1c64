"""One piece of advice, start to end: plan the run as the smoke test does (same arguments,
seed, chains and draws), run every variant in the smoke test's warm worker, one after the
other, and recommend. The language server and the command line both call ``advise``."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from numpyro_lsp.advise.plan import AS_WRITTEN, Variant, candidates, variants
from numpyro_lsp.advise.recommend import Advice, VariantResult, kept_centered, recommend
from numpyro_lsp.catalog.schema import Catalog
from numpyro_lsp.settings import SmokeSettings
from numpyro_lsp.smoke.hints import hint_for
from numpyro_lsp.smoke.loader import LoadError, RunPlan, plan_run
from numpyro_lsp.smoke.pipeline import run_request
from numpyro_lsp.smoke.protocol import RunRequest
from numpyro_lsp.smoke.runner import Progress, RunnerBusy, RunOutcome, SmokeRunner

# How often a variant waits for the worker that a smoke test took between two variants.
WAIT_S = 0.1


@dataclass(frozen=True)
class AdviceProgress:
    """Where the advice is: its ``index``-th variant of ``count`` (from 1), and that run's
    progress."""

    index: int
    count: int
    variant: str
    run: Progress


class AdviceError(Exception):
    """The advice cannot start (no such model, arguments not found); the message says why."""


def advise(
    runner: SmokeRunner,
    source: str,
    path: str,
    model: str | None,
    settings: SmokeSettings,
    catalog: Catalog,
    cancel: threading.Event,
    on_progress: Callable[[AdviceProgress], None] = lambda progress: None,
    cell_starts: tuple[int, ...] = (),
) -> tuple[Advice, RunPlan]:
    """Advise on ``model`` of the file ``path`` whose text is ``source``. Raises
    ``AdviceError`` when it cannot run, ``RunnerBusy`` while a smoke test holds the runner
    at the start (one started between two variants is waited for). ``cell_starts``: a
    notebook's."""
    try:
        plan = plan_run(source, path, model, catalog, cell_starts)
    except LoadError as error:
        raise AdviceError(error.message) from error
    found = candidates(plan, plan.source, catalog)
    advice = Advice(
        plan.model,
        path,
        [c.site for c in found],
        settings={
            "warmup": settings.warmup,
            "samples": settings.samples,
            "chains": settings.chains,
            "seed": settings.seed,
        },
    )
    listed = variants(found)
    if not listed:
        advice.recommended = AS_WRITTEN
        advice.reason = (
            "Keep it as written: it has no centered hierarchical site (a loc-scale site whose "
            "scale is sampled) to compare."
        )
        return advice, plan
    reparam = {c.site: list(c.shape_params) for c in found}
    started = time.perf_counter()
    for index, variant in enumerate(listed, start=1):
        request = run_request(plan, settings, reparam=reparam, centered=variant.centering(found))

        def report(run: Progress, index: int = index, name: str = variant.name) -> None:
            on_progress(AdviceProgress(index, len(listed), name, run))

        if index == 1:  # RunnerBusy: another run holds the worker, say so at once
            outcome = runner.run(request, settings.timeout_s, cancel, report)
        else:
            outcome = run_in_turn(runner, request, settings.timeout_s, cancel, report)
        if outcome.status == "cancelled":
            advice.cancelled = True
            break
        result = variant_result(variant, outcome)
        advice.variants.append(result)
        if outcome.status == "result":
            advice.device = outcome.payload.get("device")
        elif variant.name == AS_WRITTEN or outcome.status != "error":
            break  # the model itself does not run, or the worker stopped: no point going on
    advice.total_seconds = time.perf_counter() - started
    if not advice.cancelled:
        recommendation = recommend(advice.variants)
        advice.recommended = recommendation.recommended
        advice.reason = recommendation.reason
        advice.keep_centered = kept_centered(advice.variants, recommendation)
    return advice, plan


def run_in_turn(
    runner: SmokeRunner,
    request: RunRequest,
    timeout_s: float,
    cancel: threading.Event,
    on_progress: Callable[[Progress], None],
) -> RunOutcome:
    """Run ``request`` once a smoke test started between two variants has finished."""
    while True:
        try:
            return runner.run(request, timeout_s, cancel, on_progress)
        except RunnerBusy:
            if cancel.wait(WAIT_S):
                return RunOutcome("cancelled", "loading")


def variant_result(variant: Variant, outcome: RunOutcome) -> VariantResult:
    if outcome.status == "result":
        return VariantResult.from_payload(variant, outcome.payload)
    if outcome.status == "error":
        exception = outcome.payload["exception"]
        stated = f"{exception['type']}: {exception['message']}".strip().rstrip(":")
        hint = hint_for(exception)
        error = stated.splitlines()[0] + (f" ({hint})" if hint else "")
    else:
        error = outcome.message
    return VariantResult(variant.name, dict(variant.centered), error=error)
