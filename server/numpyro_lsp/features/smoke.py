"""``numpyro.smokeTest``: a quick NUTS run of one model, in the worker process.

Arguments (typed, features/command_arguments.py): the document URI, the model's name, and
optionally settings for this run
(``{"warmup": 50, "samples": 50, "chains": 1, "seed": 0, "timeout": 30}``). It reports
``$/progress`` (starting, loading, compiling, warmup, sampling, with a percentage over the
iterations), is cancelled by the progress's cancel button or ``$/cancelRequest``, shows a
summary message, writes the full report to the log, publishes its findings as diagnostics
and returns the report as JSON. A code lens offers it above each model function.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams

from numpyro_lsp.features import shape_lens, smoke_pictures
from numpyro_lsp.features.cancellation import CancelToken, cancel_with
from numpyro_lsp.features.capabilities import supports_progress
from numpyro_lsp.features.command_arguments import DocumentUri, FunctionName
from numpyro_lsp.features.conversions import smoke_diagnostic
from numpyro_lsp.features.language_server import NumpyroLanguageServer
from numpyro_lsp.features.notebooks import in_cell_terms
from numpyro_lsp.features.pygls_internals import current_request_future, in_thread
from numpyro_lsp.settings import SmokeSettings, read

if TYPE_CHECKING:
    from numpyro_lsp.analysis.document import ParsedDocument
    from numpyro_lsp.catalog.schema import Catalog
    from numpyro_lsp.smoke.report import SmokeReport
    from numpyro_lsp.smoke.runner import Progress

COMMAND = "numpyro.smokeTest"
DIAGNOSTIC_SOURCE = "numpyro smoke test"
RESULT_NOTIFICATION = "numpyro/smokeTestResult"
LENS_TITLE = "Run NUTS smoke test"
MESSAGE_TYPES = {
    "pass": types.MessageType.Info,
    "warn": types.MessageType.Warning,
    "fail": types.MessageType.Error,
    "cancelled": types.MessageType.Info,
}


def code_lenses(
    document: ParsedDocument, catalog: Catalog, uri: str, pictured: frozenset[str] = frozenset()
) -> list[types.CodeLens] | None:
    """A lens above each model, from the document's incremental analysis (in a thread)."""
    from numpyro_lsp.analysis.layout import statement_start
    from numpyro_lsp.features import advise  # it builds on this module
    from numpyro_lsp.smoke.loader import model_functions, only_guides

    analysis = document.analysis(catalog)
    if analysis is None:
        return None
    lenses = []
    advised = advise.has_candidates(analysis)
    guides = only_guides(analysis)  # a guide gets its shapes, not a NUTS run
    for model in model_functions(analysis):
        line = statement_start(model.node)
        if model.name not in guides:
            lenses.append(
                types.CodeLens(
                    range=types.Range(types.Position(line, 0), types.Position(line, 0)),
                    command=types.Command(
                        title=LENS_TITLE, command=COMMAND, arguments=[uri, model.name]
                    ),
                )
            )
        lenses.append(shape_lens.lens(uri, model.name, line))
        if model.name in pictured:  # a run of it has pictures (features/smoke_pictures.py)
            lenses.append(smoke_pictures.lens(uri, model.name, line))
        if model.name in advised:
            lenses.append(advise.lens(uri, model.name, line))
    return lenses


def register(server: NumpyroLanguageServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_CODE_LENS)
    def code_lens(
        ls: NumpyroLanguageServer, params: types.CodeLensParams
    ) -> Generator[Any, Any, list[types.CodeLens] | None]:
        if not ls.settings.smoke_test.enabled:
            return None
        uri = params.text_document.uri
        document = ls.parsed(uri)
        # In a thread: the analysis waits for a check that holds the document.
        pictured = frozenset(smoke_pictures.pictured_models(ls, uri))
        return (yield from in_thread(code_lenses, document, ls.catalogs.catalog, uri, pictured))

    @server.command(COMMAND)
    async def smoke_test(
        ls: NumpyroLanguageServer, uri: DocumentUri, model: FunctionName, *run_settings: Any
    ) -> dict[str, Any]:
        """``[uri, model, settings?]``: the settings of this run only, read by settings.py."""
        from numpyro_lsp.features.notebooks import smoke_source
        from numpyro_lsp.smoke.pipeline import run_smoke_test
        from numpyro_lsp.smoke.runner import RunnerBusy

        settings = run_settings_argument(ls, COMMAND, run_settings)
        if not ls.settings.smoke_test.enabled:
            return refuse(ls, "The NUTS smoke test is turned off (the `smokeTest.enabled` option).")
        # The version run: its findings are moved through the edits made while it runs.
        document = ls.parsed(uri)
        token = cancel_with(current_request_future(ls.protocol), CancelToken())
        progress = await ProgressReport.start(ls, f"NUTS smoke test of {model}", token)
        loop = asyncio.get_running_loop()
        # Taken here, on the event loop, which owns the server's state.
        runner = ls.smoke_runner
        read_source, cell_starts = smoke_source(ls, uri, document.source, model)
        path, catalog = ls.workspace.get_text_document(uri).path, ls.catalogs.catalog

        def smoke_run() -> SmokeReport:
            return run_smoke_test(
                runner,
                read_source(),
                path,
                model,
                settings,
                catalog,
                token.event,
                lambda update: loop.call_soon_threadsafe(progress.report, update),
                cell_starts,
            )

        run = loop.run_in_executor(None, smoke_run)
        try:
            # Shielded: a cancelled task still waits for the run's own, quick, ending.
            report = await asyncio.shield(run)
        except asyncio.CancelledError:
            token.cancel()
            await run
            raise
        except RunnerBusy:
            return refuse(ls, "A NUTS smoke test is already running: wait for it or cancel it.")
        finally:
            progress.end()
        show_report(ls, document, report)
        return report.as_json()


def run_settings_argument(
    ls: NumpyroLanguageServer, command: str, run_settings: tuple[Any, ...]
) -> SmokeSettings:
    """The optional last argument of the commands that run NUTS (``[uri, model, settings?]``):
    the smoke test's settings for this run, over the server's. Raises on a wrong value."""
    if len(run_settings) > 1:
        raise JsonRpcInvalidParams(f"{command} takes [uri, model, settings?]")
    settings, problems = read(
        run_settings[0] if run_settings else None,
        SmokeSettings,
        base=ls.settings.smoke_test,
        prefix="smoke test setting ",
        say_fallback=False,
    )
    if problems:
        raise JsonRpcInvalidParams("; ".join(problems))
    return settings


def refuse(ls: NumpyroLanguageServer, message: str) -> dict[str, Any]:
    ls.window_show_message(types.ShowMessageParams(type=types.MessageType.Warning, message=message))
    return {"verdict": None, "summary": message}


class ProgressReport:
    """The run's ``$/progress``, when the client shows progress."""

    def __init__(self, ls: NumpyroLanguageServer, token: str | None) -> None:
        self.ls = ls
        self.token = token

    @classmethod
    async def start(
        cls, ls: NumpyroLanguageServer, title: str, cancel: CancelToken
    ) -> ProgressReport:
        if not supports_progress(ls.client_capabilities):
            return cls(ls, None)
        token = f"numpyro-smoke-{uuid.uuid4()}"
        await ls.work_done_progress.create_async(token)
        ls.work_done_progress.begin(
            token,
            types.WorkDoneProgressBegin(
                title=title, cancellable=True, message="starting", percentage=0
            ),
        )
        # The client's cancel button cancels this future.
        cancel_with(ls.work_done_progress.tokens[token], cancel)
        return cls(ls, token)

    def report(self, progress: Progress) -> None:
        if self.token is None:
            return
        percentage = round(100 * progress.iteration / progress.total) if progress.total else 0
        message = progress.phase
        if progress.phase in ("warmup", "sampling"):
            message += f" {progress.iteration}/{progress.total}"
        self.ls.work_done_progress.report(
            self.token, types.WorkDoneProgressReport(message=message, percentage=percentage)
        )

    def end(self) -> None:
        if self.token is not None:
            self.ls.work_done_progress.end(self.token, types.WorkDoneProgressEnd())
            self.ls.work_done_progress.tokens.pop(self.token, None)
            self.token = None


def show_report(ls: NumpyroLanguageServer, document: ParsedDocument, report: SmokeReport) -> None:
    """Publish the findings of a run of ``document`` (the version run: the store moves them
    through the edits made since)."""
    uri = document.uri
    ls.smoke_reports[uri] = report
    diagnostics = [smoke_diagnostic(f, document.lines, DIAGNOSTIC_SOURCE) for f in report.findings]
    if ls.advice_withdrawn.get(uri):  # less the hints a parameterization advice withdrew
        from numpyro_lsp.features import advise

        analysis = document.analysis(ls.catalogs.catalog)
        diagnostics = advise.without_withdrawn(ls, uri, analysis, diagnostics)
    ls.diagnostics.set(uri, DIAGNOSTIC_SOURCE, diagnostics, document.version)
    # A notebook's program lines named as its cells' (features/notebooks.py).
    details, summary = (in_cell_terms(ls, uri, t) for t in (report.details, report.summary))
    ls.window_log_message(types.LogMessageParams(type=types.MessageType.Log, message=details))
    # The summary, with a button for the pictures where the editor has a panel for them.
    if not smoke_pictures.show_after_run(ls, uri, report, summary):
        ls.window_show_message(
            types.ShowMessageParams(type=MESSAGE_TYPES[report.verdict], message=summary)
        )
    # For the editor's status bar (the VS Code extension shows the device and the verdict),
    # and its pictures panel (redrawn when the model it shows runs again).
    ls.protocol.notify(
        RESULT_NOTIFICATION,
        {
            "device": report.device,
            "verdict": report.verdict,
            "uri": uri,
            "model": report.model,
            "pictures": report.pictures is not None,
        },
    )


def forget(ls: NumpyroLanguageServer, uri: str) -> None:
    ls.smoke_reports.pop(uri, None)
