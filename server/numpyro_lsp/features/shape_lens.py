"""The shape lens in the editor: ``numpyro.shapes [uri, model]`` (a "Shapes" code lens above
each model), and every model of a file on save when ``numpyro.shapes.onSave`` is on.

A trace runs in the smoke test's worker (``shapes/``), in an executor thread: typing is never
delayed. Its results are shown three ways: inlay hints after each ``numpyro.sample(...)``
(``theta: (8,) | ()``, batch | event) and each ``numpyro.plate(...)`` (``J=8, dim -1``), the
model's table in the site hover, and the shape findings as diagnostics of their own source
(with their quick fixes). All three follow edits through the diagnostics store: the
findings and the hints' anchors (each site's call) move with their lines, and one whose call
an edit touched is withdrawn.

Like the smoke test it runs the model's code: it is refused while ``smokeTest.enabled`` is
off (always, in an untrusted VS Code workspace).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from numpyro_lsp.analysis.text import column_to_utf16
from numpyro_lsp.features import inlay_hints
from numpyro_lsp.features.cancellation import CancelToken, cancel_with
from numpyro_lsp.features.command_arguments import DocumentUri, FunctionName
from numpyro_lsp.features.conversions import smoke_diagnostic
from numpyro_lsp.features.fix_payloads import fix_data
from numpyro_lsp.features.language_server import NumpyroLanguageServer
from numpyro_lsp.features.pygls_internals import current_request_future

if TYPE_CHECKING:
    from numpyro_lsp.analysis.document import ParsedDocument
    from numpyro_lsp.shapes.report import ShapeReport

log = logging.getLogger(__name__)

COMMAND = "numpyro.shapes"
DIAGNOSTIC_SOURCE = "numpyro shapes"
LENS_TITLE = "Shapes"
# Save-triggered traces in flight, kept so that they are not collected mid-run.
_RUNNING: set[asyncio.Task] = set()


@dataclass
class ShapeState:
    """A document's last traces: each model's report, and the inlay hints' anchors as
    diagnostics (range: the site's or plate's call; message: the label), at ``version``."""

    version: int | None
    reports: dict[str, ShapeReport] = field(default_factory=dict)
    anchors: list[types.Diagnostic] = field(default_factory=list)


def states(ls: NumpyroLanguageServer) -> dict[str, ShapeState]:
    """The shape lens's state per URI, on the server."""
    return ls.shape_states


def lens(uri: str, model: str, line: int) -> types.CodeLens:
    """The "Shapes" lens above ``model`` (``line``: 0-based, its def or first decorator)."""
    return types.CodeLens(
        range=types.Range(types.Position(line, 0), types.Position(line, 0)),
        command=types.Command(title=LENS_TITLE, command=COMMAND, arguments=[uri, model]),
    )


def anchors(report: ShapeReport, lines: list[str]) -> list[types.Diagnostic]:
    found = []
    for hint in report.hints:
        start_text = lines[hint.start_line - 1] if hint.start_line <= len(lines) else ""
        end_text = lines[hint.line - 1] if hint.line <= len(lines) else ""
        found.append(
            types.Diagnostic(
                range=types.Range(
                    types.Position(
                        hint.start_line - 1, column_to_utf16(start_text, hint.start_column)
                    ),
                    types.Position(hint.line - 1, column_to_utf16(end_text, hint.column)),
                ),
                message=hint.label,
                data={"model": report.model, "site": hint.site},
            )
        )
    return found


def diagnostics(report: ShapeReport, lines: list[str]) -> list[types.Diagnostic]:
    found = []
    for finding in report.findings:
        diagnostic = smoke_diagnostic(finding, lines, DIAGNOSTIC_SOURCE)
        diagnostic.data = {
            **(fix_data(finding.fix) or {}),
            "model": report.model,
            **({"site": finding.site} if finding.site else {}),
        }
        found.append(diagnostic)
    return found


def show(ls: NumpyroLanguageServer, document: ParsedDocument, reports: list[ShapeReport]) -> None:
    """Keep and show the traces of ``document`` (the version traced: what was shown of
    other models is kept, moved to the current version)."""
    uri = document.uri
    if uri not in ls.open_snapshots():
        return  # closed while it was traced: the Python server's business again
    current = ls.diagnostics.version(uri)
    traced = {r.model for r in reports}
    lines = document.lines
    new_anchors = [a for r in reports for a in anchors(r, lines)]
    new_diagnostics = [d for r in reports for d in diagnostics(r, lines)]
    moved_anchors = ls.diagnostics.moved_since(uri, new_anchors, document.version) or []
    moved_diagnostics = ls.diagnostics.moved_since(uri, new_diagnostics, document.version) or []
    state = current_state(ls, uri)
    kept = state.reports if state is not None else {}
    state = ShapeState(
        current,
        {**{m: r for m, r in kept.items() if m not in traced}, **{r.model: r for r in reports}},
        [
            *(a for a in (state.anchors if state else []) if a.data["model"] not in traced),
            *moved_anchors,
        ],
    )
    states(ls)[uri] = state
    others = [
        d
        for d in ls.diagnostics.diagnostics(uri, DIAGNOSTIC_SOURCE)
        if not isinstance(d.data, dict) or d.data.get("model") not in traced
    ]
    ls.diagnostics.set(uri, DIAGNOSTIC_SOURCE, others + moved_diagnostics, current)
    for report in reports:
        ls.window_log_message(
            types.LogMessageParams(type=types.MessageType.Log, message=report.details())
        )
    inlay_hints.refresh(ls)


def current_state(ls: NumpyroLanguageServer, uri: str) -> ShapeState | None:
    """The document's state with its anchors moved to the current version (None when there
    is none, or it is older than the edits remembered)."""
    state = states(ls).get(uri)
    if state is None:
        return None
    current = ls.diagnostics.version(uri)
    if state.version != current:
        moved = ls.diagnostics.moved_since(uri, state.anchors, state.version)
        if moved is None:
            states(ls).pop(uri, None)
            return None
        state.anchors, state.version = moved, current
    return state


def hints_in(ls: NumpyroLanguageServer, uri: str, range_: types.Range) -> list[types.InlayHint]:
    """The shape hints in ``range_``, where the document is now."""
    state = current_state(ls, uri)
    if state is None:
        return []
    return [
        types.InlayHint(
            position=anchor.range.end,
            label=anchor.message,
            kind=types.InlayHintKind.Type,
            padding_left=True,
        )
        for anchor in state.anchors
        if range_.start.line <= anchor.range.end.line <= range_.end.line
    ]


def hover_markdown(ls: NumpyroLanguageServer, uri: str, site: str) -> str | None:
    """The site's shapes and its model's whole table, while the site's call is unedited."""
    from numpyro_lsp.shapes.report import markdown_table, shape_text

    state = current_state(ls, uri)
    if state is None:
        return None
    models = {a.data["model"] for a in state.anchors if a.data.get("site") == site}
    for model in models:
        report = state.reports.get(model)
        row = report.site(site) if report is not None else None
        if row is None:
            continue
        what = f"**Shapes** of `{site}` in `{model}`: "
        if row.type == "sample":
            what += f"batch `{shape_text(row.batch)}`, event `{shape_text(row.event)}`, "
        what += f"value `{shape_text(row.value)}`"
        return what + "\n\n" + markdown_table(report.sites, highlight=site)
    return None


async def trace(
    ls: NumpyroLanguageServer, document: ParsedDocument, models: list[str], token: CancelToken
) -> list[ShapeReport] | None:
    """Trace ``models`` of ``document`` in an executor thread; None while the worker is busy
    (a smoke test, another trace)."""
    from numpyro_lsp.features.notebooks import smoke_source
    from numpyro_lsp.shapes.run import trace_shapes
    from numpyro_lsp.smoke.runner import RunnerBusy

    path = ls.workspace.get_text_document(document.uri).path
    catalog = ls.catalogs.catalog
    runner = ls.smoke_runner
    # The smoke test's timeout (a first trace starts the worker and imports jax).
    timeout_s = ls.settings.smoke_test.timeout_s
    # What the smoke test runs (read in the thread): of a notebook, the cells down to the run.
    sources = {model: smoke_source(ls, document.uri, document.source, model) for model in models}

    def run_all() -> list[ShapeReport]:
        reports = []
        for model in models:
            if token.event.is_set():
                break
            read, cell_starts = sources[model]
            reports.append(
                trace_shapes(
                    runner, read(), path, model, catalog, token.event, timeout_s, cell_starts
                )
            )
        return reports

    try:
        return await asyncio.get_running_loop().run_in_executor(None, run_all)
    except RunnerBusy:
        return None


def saved(ls: NumpyroLanguageServer, uri: str) -> None:
    """On save: trace every model of the file, when ``shapes.onSave`` is on."""
    if not (ls.settings.shapes.on_save and ls.settings.smoke_test.enabled):
        return
    document = ls.parsed(uri)
    task = asyncio.get_running_loop().create_task(_trace_saved(ls, document))
    _RUNNING.add(task)
    task.add_done_callback(_RUNNING.discard)


async def _trace_saved(ls: NumpyroLanguageServer, document: ParsedDocument) -> None:
    from numpyro_lsp.shapes.run import model_names

    try:
        models = await asyncio.to_thread(
            model_names, document.source, ls.catalogs.catalog, document.cell_starts
        )
        if not models:
            return
        reports = await trace(ls, document, models, CancelToken())
        if reports is None:
            return
        # Quiet on save: a model whose arguments the file does not give, or a file whose
        # module-level code fails here (data read from elsewhere), is not a shape finding.
        shown = [r for r in reports if r.status != "not-run" and r.phase != "loading"]
        show(ls, document, shown)
    except Exception:  # bad input never takes the server down
        log.exception("the shape trace on save failed")


def forget(ls: NumpyroLanguageServer, uri: str) -> None:
    states(ls).pop(uri, None)


def register(server: NumpyroLanguageServer) -> None:
    @server.command(COMMAND)
    async def shapes(
        ls: NumpyroLanguageServer, uri: DocumentUri, model: FunctionName
    ) -> dict[str, Any]:
        """``[uri, model]``: trace the model's shapes and show them."""
        if not ls.settings.smoke_test.enabled:
            return _refuse(
                ls,
                "The shape lens runs the model's code: it is off while the smoke test is "
                "(the `smokeTest.enabled` option, or an untrusted workspace).",
            )
        document = ls.parsed(uri)
        token = cancel_with(current_request_future(ls.protocol), CancelToken())
        reports = await trace(ls, document, [model], token)
        if reports is None:
            return _refuse(ls, "The NumPyro worker is busy (a smoke test): try again after it.")
        if not reports:
            return {"status": "cancelled", "summary": "cancelled"}
        [report] = reports
        show(ls, document, [report])
        kind = types.MessageType.Info if report.status == "ok" else types.MessageType.Warning
        ls.window_show_message(types.ShowMessageParams(type=kind, message=report.summary))
        return report.as_json()


def _refuse(ls: NumpyroLanguageServer, message: str) -> dict[str, Any]:
    ls.window_show_message(types.ShowMessageParams(type=types.MessageType.Warning, message=message))
    return {"status": None, "summary": message}
