"""Pictures of a smoke run (smoke/draws.py, smoke/html_report.py) in the editor.

- ``numpyro.smokePictures [uri, model]``: the last run's pictures of that model. It answers
  the data the renderer draws (the VS Code extension opens its panel with it); for an editor
  without a panel that can open documents, it writes the HTML report into the cache folder
  and sends ``window/showDocument`` for it. A code lens **Show plots** offers it above a model
  once a run has pictures.
- After a run: an editor that declares the panel (``experimental.numpyroPicturesPanel`` in its
  capabilities: the VS Code extension) gets the summary with a **Show plots** button
  (``window/showMessageRequest``), which opens the panel (``numpyro/showSmokePictures``);
  another editor gets the report opened with ``window/showDocument`` where it supports it and
  ``smokeTest.openReport`` is on.
- After a parameterization advice (features/advise.py), the panel of that model opens with the
  advice's per-variant table at the top, above the last run's pictures when there are some
  (``advice_to_panel``).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from numpyro_lsp.features.command_arguments import DocumentUri, FunctionName
from numpyro_lsp.features.language_server import NumpyroLanguageServer

if TYPE_CHECKING:
    from numpyro_lsp.smoke.report import SmokeReport

log = logging.getLogger(__name__)

COMMAND = "numpyro.smokePictures"
SHOW_NOTIFICATION = "numpyro/showSmokePictures"
LENS_TITLE = "Show plots"
BUTTON = "Show plots"
PANEL_CAPABILITY = "numpyroPicturesPanel"


def has_panel(ls: NumpyroLanguageServer) -> bool:
    experimental = getattr(ls.client_capabilities, "experimental", None)
    return isinstance(experimental, dict) and experimental.get(PANEL_CAPABILITY) is True


def opens_documents(ls: NumpyroLanguageServer) -> bool:
    window = getattr(ls.client_capabilities, "window", None)
    show_document = getattr(window, "show_document", None)
    return bool(getattr(show_document, "support", False))


def lens(uri: str, model: str, line: int) -> types.CodeLens:
    return types.CodeLens(
        range=types.Range(types.Position(line, 0), types.Position(line, 0)),
        command=types.Command(title=LENS_TITLE, command=COMMAND, arguments=[uri, model]),
    )


def pictured_models(ls: NumpyroLanguageServer, uri: str) -> set[str]:
    report = ls.smoke_reports.get(uri)
    return {report.model} if report is not None and report.pictures else set()


def data(report: SmokeReport, uri: str) -> dict[str, Any]:
    from numpyro_lsp.smoke.html_report import panel_data

    return {**panel_data(report), "uri": uri, "model": report.model}


def show_after_run(ls: NumpyroLanguageServer, uri: str, report: SmokeReport, summary: str) -> bool:
    """Offers the pictures after a run; True when ``summary`` was shown with its button."""
    if not report.pictures:
        return False
    if has_panel(ls):
        asyncio.ensure_future(offer_panel(ls, uri, report, summary))
        return True
    if ls.settings.smoke_test.open_report and opens_documents(ls):
        open_document(ls, report)
    return False


async def offer_panel(
    ls: NumpyroLanguageServer, uri: str, report: SmokeReport, summary: str
) -> None:
    from numpyro_lsp.features.smoke import MESSAGE_TYPES

    try:
        choice = await ls.window_show_message_request_async(
            types.ShowMessageRequestParams(
                type=MESSAGE_TYPES[report.verdict],
                message=summary,
                actions=[types.MessageActionItem(title=BUTTON)],
            )
        )
    except Exception:  # noqa: BLE001 - a client that fails the request loses only the button
        log.exception("the smoke test's summary with its button")
        return
    if choice is not None and choice.title == BUTTON:
        ls.protocol.notify(SHOW_NOTIFICATION, data(report, uri))


def advice_to_panel(ls: NumpyroLanguageServer, uri: str, advice: dict[str, Any]) -> bool:
    """Sends the panel of ``advice["model"]`` the advice's table (``advice``: what
    ``numpyro.advise`` answers), with the last run's pictures of that model when it has some.
    True when the editor has the panel."""
    if not has_panel(ls):
        return False
    model = advice["model"]
    report = ls.smoke_reports.get(uri)
    if report is not None and report.model == model and report.pictures:
        panel = data(report, uri)
    else:
        panel = {
            "uri": uri,
            "model": model,
            "title": f"Parameterizations of {model}",
            "summary": advice["summary"],
            "pictures": None,
        }
    ls.protocol.notify(SHOW_NOTIFICATION, {**panel, "advice": advice})
    return True


def open_document(ls: NumpyroLanguageServer, report: SmokeReport) -> str | None:
    """Writes the HTML report into the cache folder and asks the editor to open it."""
    from numpyro_lsp.catalog.store import cache_dir
    from numpyro_lsp.smoke.html_report import AssetsMissing, write_html_report

    digest = hashlib.sha256(report.path.encode()).hexdigest()[:10]
    path = cache_dir() / "smoke-reports" / f"{report.model}-{digest}.html"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_html_report(report, path)
    except (AssetsMissing, OSError) as error:
        ls.window_log_message(
            types.LogMessageParams(type=types.MessageType.Warning, message=f"No report: {error}")
        )
        return None
    ls.window_show_document(types.ShowDocumentParams(uri=Path(path).as_uri(), external=True))
    return str(path)


def register(server: NumpyroLanguageServer) -> None:
    @server.command(COMMAND)
    def smoke_pictures(
        ls: NumpyroLanguageServer, uri: DocumentUri, model: FunctionName
    ) -> dict[str, Any]:
        """``[uri, model]``: the last run's pictures of ``model`` in that file."""
        report = ls.smoke_reports.get(uri)
        if report is None or report.model != model or not report.pictures:
            message = f"No pictures of `{model}` yet: run its NUTS smoke test first."
            ls.window_show_message(
                types.ShowMessageParams(type=types.MessageType.Info, message=message)
            )
            return {"pictures": None, "summary": message}
        answer = data(report, uri)
        if not has_panel(ls) and opens_documents(ls):
            answer["html"] = open_document(ls, report)
        return answer
