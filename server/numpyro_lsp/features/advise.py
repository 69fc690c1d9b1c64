"""``numpyro.advise``: the parameterization advisor in the editor (advise/).

Arguments (typed, features/command_arguments.py): the document URI, the model's name, and
optionally settings for this run (the smoke test's: ``{"warmup": 300, "samples": 300,
"chains": 2, "seed": 0, "timeout": 120}``). A "Compare parameterizations" code lens offers
it above each model that has a centered hierarchical site. It reports ``$/progress`` per
variant (cancellable), writes the table to the log, shows the summary, and publishes the
recommendation as an information diagnostic on each site concerned, carrying the code
action that makes exactly that change (``rewrite/fixes.Reparameterize``, applied by
actions.py with the non-centering rewrites). When centering wins on measured runs, the
NPR012 hint and the smoke test's divergence warning on those sites are withdrawn until the
model's code changes. Like the smoke test it runs the model's code: it is refused while
``smokeTest.enabled`` is off.
"""

from __future__ import annotations

import ast
import asyncio
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from numpyro_lsp.features.cancellation import CancelToken, cancel_with
from numpyro_lsp.features.command_arguments import DocumentUri, FunctionName
from numpyro_lsp.features.conversions import smoke_diagnostic
from numpyro_lsp.features.fix_payloads import CONVERTER
from numpyro_lsp.features.language_server import NumpyroLanguageServer
from numpyro_lsp.features.pygls_internals import current_request_future
from numpyro_lsp.features.smoke import DIAGNOSTIC_SOURCE as SMOKE_SOURCE
from numpyro_lsp.features.smoke import ProgressReport, refuse, run_settings_argument
from numpyro_lsp.settings import SmokeSettings

if TYPE_CHECKING:
    from numpyro_lsp.advise.pipeline import AdviceProgress
    from numpyro_lsp.advise.recommend import Advice
    from numpyro_lsp.analysis.document import ParsedDocument
    from numpyro_lsp.analysis.models import ModuleAnalysis
    from numpyro_lsp.catalog.schema import Catalog
    from numpyro_lsp.smoke.loader import RunPlan
    from numpyro_lsp.smoke.runner import SmokeRunner

COMMAND = "numpyro.advise"
DIAGNOSTIC_SOURCE = "numpyro advisor"
CODE = "advice"
LENS_TITLE = "Compare parameterizations"
# The codes of the hints withdrawn where centering wins: rule NPR012 and the smoke test's.
DIVERGENCE_HINTS = ("NPR012", "smoke-divergences")


@dataclass(frozen=True)
class Withdrawn:
    """Sites of a model whose divergence hints are withdrawn, while the model's code is as
    it was when measured (``fingerprint``)."""

    model: str
    fingerprint: str
    sites: frozenset[str]


def lens(uri: str, model: str, line: int) -> types.CodeLens:
    """The "Compare parameterizations" lens above ``model`` (``line``: 0-based)."""
    return types.CodeLens(
        range=types.Range(types.Position(line, 0), types.Position(line, 0)),
        command=types.Command(title=LENS_TITLE, command=COMMAND, arguments=[uri, model]),
    )


def has_candidates(analysis: ModuleAnalysis) -> set[str]:
    """The names of the models that have a centered hierarchical site: the lens's models."""
    from numpyro_lsp.analysis.centering import centered_sites

    return {c.model.name for c in centered_sites(analysis)}


def fingerprint(analysis: ModuleAnalysis | None, model: str) -> str | None:
    """The model's code, positions left out: an edit elsewhere keeps it."""
    if analysis is None:
        return None
    for function in analysis.models:
        if function.name == model:
            return hashlib.sha256(ast.dump(function.node).encode()).hexdigest()
    return None


def without_withdrawn(
    ls: NumpyroLanguageServer,
    uri: str,
    analysis: ModuleAnalysis | None,
    diagnostics: list[types.Diagnostic],
) -> list[types.Diagnostic]:
    """``diagnostics`` less the divergence hints the advice withdrew (in any thread)."""
    memos: dict[str, Withdrawn] = ls.advice_withdrawn.get(uri, {})
    if not memos:
        return diagnostics
    current = {model: fingerprint(analysis, model) for model in memos}

    def withdrawn(diagnostic: types.Diagnostic) -> bool:
        if diagnostic.code not in DIVERGENCE_HINTS or not isinstance(diagnostic.data, dict):
            return False
        fix = diagnostic.data.get("fix") or {}
        site = fix.get("site") or diagnostic.data.get("site")
        models = [fix["model"]] if fix.get("model") else list(memos)
        return any(
            m in memos and site in memos[m].sites and current[m] == memos[m].fingerprint
            for m in models
        )

    return [d for d in diagnostics if not withdrawn(d)]


def run_advice(
    runner: SmokeRunner,
    document: ParsedDocument,
    source_and_cells: tuple[Callable[[], str], tuple[int, ...]],
    path: str,
    model: str,
    settings: SmokeSettings,
    catalog: Catalog,
    cancel: Any,
    on_progress: Any,
) -> tuple[Advice, RunPlan, str | None]:
    """In an executor thread: the advice, and the model's fingerprint as it was run."""
    from numpyro_lsp.advise.pipeline import advise

    read, cell_starts = source_and_cells  # (features/notebooks.smoke_source)
    advice, plan = advise(
        runner, read(), path, model, settings, catalog, cancel, on_progress, cell_starts
    )
    return advice, plan, fingerprint(document.analysis(catalog), advice.model)


class AdviceProgressReport(ProgressReport):
    def report_variant(self, progress: AdviceProgress) -> None:
        if self.token is None:
            return
        run = progress.run
        done = run.iteration / run.total if run.total else 0.0
        message = f"{progress.index}/{progress.count} {progress.variant}: {run.phase}"
        if run.phase in ("warmup", "sampling"):
            message += f" {run.iteration}/{run.total}"
        percentage = round(100 * (progress.index - 1 + done) / progress.count)
        self.ls.work_done_progress.report(
            self.token, types.WorkDoneProgressReport(message=message, percentage=percentage)
        )


def register(server: NumpyroLanguageServer) -> None:
    @server.command(COMMAND)
    async def advise(
        ls: NumpyroLanguageServer, uri: DocumentUri, model: FunctionName, *run_settings: Any
    ) -> dict[str, Any]:
        """``[uri, model, settings?]``: the smoke test's settings for these runs."""
        from numpyro_lsp.advise.pipeline import AdviceError
        from numpyro_lsp.features.notebooks import smoke_source
        from numpyro_lsp.smoke.runner import RunnerBusy

        settings = run_settings_argument(ls, COMMAND, run_settings)
        if not ls.settings.smoke_test.enabled:
            return refuse(
                ls,
                "The parameterization advisor runs the model's code: it is off while the NUTS "
                "smoke test is (the `smokeTest.enabled` option).",
            )
        document = ls.parsed(uri)
        token = cancel_with(current_request_future(ls.protocol), CancelToken())
        progress = await AdviceProgressReport.start(
            ls, f"Comparing parameterizations of {model}", token
        )
        loop = asyncio.get_running_loop()
        run = loop.run_in_executor(
            None,
            run_advice,
            ls.smoke_runner,  # made on the event loop, which owns the server's state
            document,
            smoke_source(ls, uri, document.source, model),  # read in the thread
            ls.workspace.get_text_document(uri).path,
            model,
            settings,
            ls.catalogs.catalog,
            token.event,
            lambda update: loop.call_soon_threadsafe(progress.report_variant, update),
        )
        try:
            advice, plan, measured = await asyncio.shield(run)
        except asyncio.CancelledError:
            token.cancel()
            await asyncio.gather(run, return_exceptions=True)
            raise
        except AdviceError as error:
            return refuse(ls, f"No parameterization advice for {model}: {error}")
        except RunnerBusy:
            return refuse(ls, "A NUTS run is already going on: wait for it or cancel it.")
        finally:
            progress.end()
        show_advice(ls, document, advice, plan, measured)
        return advice.as_json()


def advice_diagnostics(advice: Advice, plan: RunPlan, lines: list[str]) -> list[types.Diagnostic]:
    """An information diagnostic on each site the advice concerns: the sites the recommended
    variant changes (with the action that changes them), and those it keeps centered."""
    from numpyro_lsp.advise.plan import AS_WRITTEN
    from numpyro_lsp.rewrite.fixes import Reparameterize, unstructure
    from numpyro_lsp.smoke.report import SmokeFinding

    chosen = next((v for v in advice.variants if v.name == advice.recommended), None)
    if chosen is None or advice.cancelled:
        return []
    found = []
    changed = [site for site in advice.candidates if site in chosen.centered]
    data: dict[str, Any] = {"model": advice.model}
    if changed and advice.recommended != AS_WRITTEN:
        centered = chosen.centered[changed[0]]
        fix = Reparameterize(advice.model, tuple(changed), centered)
        data["fix"] = unstructure(fix, CONVERTER)
    for site in advice.candidates:
        position = plan.sites.get(site)
        if position is None:
            continue
        if site in changed:
            message = f"Parameterization advice: {advice.reason}"
            site_data = {**data, "site": site}
        elif site in advice.keep_centered:
            message = f"Parameterization advice: keep `{site}` centered. {advice.reason}"
            site_data = {"model": advice.model, "site": site}
        else:
            continue
        finding = SmokeFinding(
            "information", CODE, message, position.line, position.start, position.end, site
        )
        diagnostic = smoke_diagnostic(finding, lines, DIAGNOSTIC_SOURCE)
        diagnostic.data = site_data
        found.append(diagnostic)
    return found


def show_advice(
    ls: NumpyroLanguageServer,
    document: ParsedDocument,
    advice: Advice,
    plan: RunPlan,
    measured: str | None,
) -> None:
    """The table in the log (and in VS Code's pictures panel), the summary, the diagnostics;
    the divergence hints withdrawn on the sites measured to sample better centered."""
    from numpyro_lsp.features import diagnostics as rule_diagnostics
    from numpyro_lsp.features.smoke_pictures import advice_to_panel

    uri = document.uri
    ls.window_log_message(
        types.LogMessageParams(type=types.MessageType.Log, message=advice.details)
    )
    ls.window_show_message(
        types.ShowMessageParams(type=types.MessageType.Info, message=advice.summary)
    )
    if advice.cancelled:
        return
    advice_to_panel(ls, uri, advice.as_json())
    found = advice_diagnostics(advice, plan, document.lines)
    ls.diagnostics.set(uri, DIAGNOSTIC_SOURCE, found, document.version)
    memos = {k: v for k, v in ls.advice_withdrawn.get(uri, {}).items() if k != advice.model}
    if advice.keep_centered and measured is not None:
        memos[advice.model] = Withdrawn(advice.model, measured, frozenset(advice.keep_centered))
    ls.advice_withdrawn = {**ls.advice_withdrawn, uri: memos}
    # The smoke test's warnings already shown, and the rules' hints at the next check.
    smoke = ls.diagnostics.diagnostics(uri, SMOKE_SOURCE)
    kept = without_withdrawn(ls, uri, document.analysis(ls.catalogs.catalog), smoke)
    if len(kept) != len(smoke):
        ls.diagnostics.set(uri, SMOKE_SOURCE, kept, ls.diagnostics.version(uri))
    rule_diagnostics.publish(ls, uri)


def forget(ls: NumpyroLanguageServer, uri: str) -> None:
    if uri in ls.advice_withdrawn:
        ls.advice_withdrawn = {k: v for k, v in ls.advice_withdrawn.items() if k != uri}
