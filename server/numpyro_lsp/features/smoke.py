"""``numpyro.smokeTest``: a quick NUTS run of one model, in the worker process.

Arguments: the document URI, the model's name, and optionally settings for this run
(``{"warmup": 50, "samples": 50, "chains": 1, "seed": 0, "timeout": 30}``). It reports
``$/progress`` (starting, loading, compiling, warmup, sampling, with a percentage over the
iterations), is cancelled by the progress's cancel button or ``$/cancelRequest``, shows a
summary message, writes the full report to the log, publishes its findings as diagnostics
and returns the report as JSON. A code lens offers it above each model function.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams

from numpyro_lsp.analysis.text import column_to_utf16
from numpyro_lsp.features.language_server import NumpyroLanguageServer

# The smoke test's modules are imported on first use (a code lens, a run, a hover after
# one): initialize is answered before they load (docs/performance.md).
if TYPE_CHECKING:
    from numpyro_lsp.smoke.report import Finding, SmokeReport
    from numpyro_lsp.smoke.runner import Progress

COMMAND = "numpyro.smokeTest"
DIAGNOSTIC_SOURCE = "numpyro smoke test"
RESULT_NOTIFICATION = "numpyro/smokeTestResult"
LENS_TITLE = "Run NUTS smoke test"
SEVERITIES = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "information": types.DiagnosticSeverity.Information,
}
MESSAGE_TYPES = {
    "pass": types.MessageType.Info,
    "warn": types.MessageType.Warning,
    "fail": types.MessageType.Error,
    "cancelled": types.MessageType.Info,
}


def register(server: NumpyroLanguageServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_CODE_LENS)
    def code_lens(
        ls: NumpyroLanguageServer, params: types.CodeLensParams
    ) -> list[types.CodeLens] | None:
        if not ls.smoke_settings.enabled:
            return None
        from numpyro_lsp.smoke.loader import LoadError, analyze_source, model_functions

        uri = params.text_document.uri
        document = ls.parsed(uri)
        try:
            analysis = analyze_source(document.source, ls.catalogs.catalog)
        except LoadError:
            return None  # while the file does not parse
        lenses = []
        for model in model_functions(analysis):
            node = model.node
            line = min([node.lineno, *(d.lineno for d in node.decorator_list)]) - 1
            lenses.append(
                types.CodeLens(
                    range=types.Range(types.Position(line, 0), types.Position(line, 0)),
                    command=types.Command(
                        title=LENS_TITLE, command=COMMAND, arguments=[uri, model.name]
                    ),
                )
            )
        return lenses

    @server.command(COMMAND)
    async def smoke_test(ls: NumpyroLanguageServer, *arguments: Any) -> dict[str, Any]:
        from numpyro_lsp.smoke.engine import run_smoke_test
        from numpyro_lsp.smoke.runner import RunnerBusy

        uri, model, options = command_arguments(arguments)
        settings, problems = ls.smoke_settings.updated(options)
        if problems:
            raise JsonRpcInvalidParams("; ".join(problems))
        if not ls.smoke_settings.enabled:
            return refuse(ls, "The NUTS smoke test is turned off (the `smokeTest.enabled` option).")
        document = ls.workspace.get_text_document(uri)
        cancel = threading.Event()
        watch_cancellation(ls.current_request_future(), cancel)
        progress = await ProgressReport.start(ls, f"NUTS smoke test of {model}", cancel)
        loop = asyncio.get_running_loop()
        run = loop.run_in_executor(
            None,
            run_smoke_test,
            ls.smoke_runner,
            document.source,
            document.path,
            model,
            settings,
            ls.catalogs.catalog,
            cancel,
            lambda update: loop.call_soon_threadsafe(progress.report, update),
        )
        try:
            # Shielded: a cancelled task still waits for the run's own, quick, ending.
            report = await asyncio.shield(run)
        except asyncio.CancelledError:
            cancel.set()
            await run
            raise
        except RunnerBusy:
            return refuse(ls, "A NUTS smoke test is already running: wait for it or cancel it.")
        finally:
            progress.end()
        publish(ls, uri, report)
        return report.as_json()


def command_arguments(arguments: tuple[Any, ...]) -> tuple[str, str, dict | None]:
    if not 2 <= len(arguments) <= 3:
        raise JsonRpcInvalidParams(f"{COMMAND} takes [uri, model, settings?]")
    uri, model, *rest = arguments
    options = rest[0] if rest else None
    if not isinstance(uri, str) or not isinstance(model, str):
        raise JsonRpcInvalidParams(f"{COMMAND}: the uri and the model name must be strings")
    return uri, model, options


def refuse(ls: NumpyroLanguageServer, message: str) -> dict[str, Any]:
    ls.window_show_message(types.ShowMessageParams(type=types.MessageType.Warning, message=message))
    return {"verdict": None, "summary": message}


def watch_cancellation(request: Future | None, cancel: threading.Event) -> None:
    if request is not None:
        request.add_done_callback(lambda future: cancel.set() if future.cancelled() else None)


class ProgressReport:
    """The run's ``$/progress``, when the client shows progress."""

    def __init__(self, ls: NumpyroLanguageServer, token: str | None) -> None:
        self.ls = ls
        self.token = token

    @classmethod
    async def start(
        cls, ls: NumpyroLanguageServer, title: str, cancel: threading.Event
    ) -> ProgressReport:
        if not ls.client_supports_progress():
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
        watch_cancellation(ls.work_done_progress.tokens[token], cancel)
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


def publish(ls: NumpyroLanguageServer, uri: str, report: SmokeReport) -> None:
    ls.smoke_reports[uri] = report
    lines = ls.parsed(uri).lines
    diagnostics = [to_diagnostic(finding, lines) for finding in report.findings]
    ls.publish_diagnostics(uri, DIAGNOSTIC_SOURCE, diagnostics)
    ls.window_log_message(
        types.LogMessageParams(type=types.MessageType.Log, message=report.details)
    )
    ls.window_show_message(
        types.ShowMessageParams(type=MESSAGE_TYPES[report.verdict], message=report.summary)
    )
    # For the editor's status bar (the VS Code extension shows the device and the verdict).
    ls.protocol.notify(RESULT_NOTIFICATION, {"device": report.device, "verdict": report.verdict})


def to_diagnostic(finding: Finding, lines: list[str]) -> types.Diagnostic:
    number = min(finding.line - 1, len(lines) - 1)
    text = lines[number]
    if finding.start is None or finding.end is None:
        start, end = len(text) - len(text.lstrip()), len(text)
    else:
        start, end = finding.start, finding.end
    return types.Diagnostic(
        range=types.Range(
            types.Position(number, column_to_utf16(text, start)),
            types.Position(number, column_to_utf16(text, end)),
        ),
        message=finding.message,
        severity=SEVERITIES[finding.severity],
        code=finding.code,
        source=DIAGNOSTIC_SOURCE,
        data={"site": finding.site} if finding.site else None,
    )


def site_hover(ls: NumpyroLanguageServer, uri: str, number: int, column: int) -> types.Hover | None:
    """The posterior summary of the site whose name is under the cursor, from the last
    smoke test of the document."""
    from numpyro_lsp.smoke.hover import quoted_name_at, site_hover_markdown

    report = ls.smoke_reports.get(uri)
    if report is None or not report.sites:
        return None
    line = ls.parsed(uri).line(number)
    found = quoted_name_at(line, column, set(report.sites))
    if found is None:
        return None
    name, start, end = found
    return types.Hover(
        contents=types.MarkupContent(
            kind=types.MarkupKind.Markdown,
            value=site_hover_markdown(report, report.sites[name]),
        ),
        range=types.Range(
            types.Position(number, column_to_utf16(line, start)),
            types.Position(number, column_to_utf16(line, end)),
        ),
    )


def forget(ls: NumpyroLanguageServer, uri: str) -> None:
    ls.smoke_reports.pop(uri, None)
