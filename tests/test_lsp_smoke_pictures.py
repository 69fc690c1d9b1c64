"""The smoke run's pictures in the editor, through the real server (features/smoke_pictures.py):
an editor that opens documents gets the HTML report with window/showDocument; the VS Code
extension, which declares a pictures panel, gets the summary with a 'Show plots' button that
sends the panel its data; a 'Show plots' lens and numpyro.smokePictures after a run."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import url2pathname

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from conftest import EXAMPLES, ROOT, Editor

EIGHT_SCHOOLS = (EXAMPLES / "eight_schools.py").read_text()
TINY = {"warmup": 60, "samples": 60, "chains": 2}


async def run(client: LanguageClient, uri: str) -> dict:
    return await client.workspace_execute_command_async(
        types.ExecuteCommandParams(
            command="numpyro.smokeTest", arguments=[uri, "eight_schools", TINY]
        )
    )


async def lens_titles(client: LanguageClient, uri: str) -> list[str]:
    lenses = await client.text_document_code_lens_async(
        types.CodeLensParams(types.TextDocumentIdentifier(uri))
    )
    return [lens.command.title for lens in lenses or []]


async def test_an_editor_that_opens_documents_gets_the_html_report(client, editor, tmp_path):
    uri = editor.open("pictures.py", EIGHT_SCHOOLS)
    assert "Show plots" not in await lens_titles(client, uri)
    before = len(client.shown_documents)
    report = await run(client, uri)
    assert report["verdict"] in ("pass", "warn", "fail") and report["divergences"] >= 0
    assert "pictures" not in report  # the draws travel to the pictures only
    for _ in range(100):
        if len(client.shown_documents) > before:
            break
        await asyncio.sleep(0.05)
    shown = client.shown_documents[-1]
    assert shown.external is True and shown.uri.endswith(".html")
    page = Path(url2pathname(urlparse(shown.uri).path))
    assert "numpyro-report-data" in page.read_text(encoding="utf-8")
    assert "Show plots" in await lens_titles(client, uri)
    answer = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(
            command="numpyro.smokePictures", arguments=[uri, "eight_schools"]
        )
    )
    assert answer["model"] == "eight_schools" and answer["pictures"]["chains"] == 2
    assert [e["name"] for e in answer["pictures"]["elements"]][:2] == ["mu", "tau"]
    assert answer["html"] == str(page)


async def test_pictures_of_a_model_not_run_yet_are_explained(client, editor):
    uri = editor.open("none_yet.py", EIGHT_SCHOOLS)
    answer = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(
            command="numpyro.smokePictures", arguments=[uri, "eight_schools"]
        )
    )
    assert answer["pictures"] is None and "run its NUTS smoke test first" in answer["summary"]


@pytest_lsp.fixture(
    scope="module",
    config=ClientServerConfig(server_command=[sys.executable, "-m", "numpyro_lsp", "--stdio"]),
)
async def panel_client(lsp_client: LanguageClient):
    capabilities = pytest_lsp.client_capabilities("visual-studio-code")
    capabilities.experimental = {"numpyroPicturesPanel": True}
    lsp_client.requests_shown = []
    lsp_client.panels = []

    @lsp_client.feature(types.WINDOW_SHOW_MESSAGE_REQUEST)
    def show_message_request(params: types.ShowMessageRequestParams):
        lsp_client.requests_shown.append(params)
        return params.actions[0]  # the user presses "Show plots"

    @lsp_client.feature("numpyro/showSmokePictures")
    def show_pictures(params):
        lsp_client.panels.append(params)

    await lsp_client.initialize_session(
        types.InitializeParams(capabilities=capabilities, root_uri=ROOT.as_uri())
    )
    yield
    await lsp_client.shutdown_session()


async def test_the_panel_opens_from_the_summarys_button(panel_client):
    editor = Editor(panel_client)
    uri = editor.open("panel.py", EIGHT_SCHOOLS)
    await run(panel_client, uri)
    for _ in range(100):
        if panel_client.panels:
            break
        await asyncio.sleep(0.05)
    request = panel_client.requests_shown[-1]
    assert request.message.startswith("NUTS smoke test of eight_schools")
    assert [a.title for a in request.actions] == ["Show plots"]
    panel = panel_client.panels[-1]
    assert panel.uri == uri and panel.model == "eight_schools"
    assert panel.pictures.pair is not None
    # The panel replaces the document and the plain message.
    assert panel_client.shown_documents == []
    assert not [m for m in panel_client.messages if m.message.startswith("NUTS smoke test of")]


async def test_the_advice_table_opens_in_the_panel_with_or_without_pictures(panel_client):
    editor = Editor(panel_client)
    uri = editor.open("advice_panel.py", EIGHT_SCHOOLS)

    async def advise() -> tuple[dict, object]:
        before = len(panel_client.panels)
        answer = await panel_client.workspace_execute_command_async(
            types.ExecuteCommandParams(
                command="numpyro.advise", arguments=[uri, "eight_schools", TINY]
            )
        )
        for _ in range(100):
            if len(panel_client.panels) > before:
                break
            await asyncio.sleep(0.05)
        return answer, panel_client.panels[-1]

    # No run yet: the panel opens with the table alone.
    answer, panel = await advise()
    assert panel.uri == uri and panel.model == "eight_schools" and panel.pictures is None
    assert panel.title == "Parameterizations of eight_schools"
    assert panel.advice.recommended == answer["recommended"] is not None
    assert panel.advice.reason == answer["reason"]
    rows = [(v.name, v.divergences, v.ess_per_second) for v in panel.advice.variants]
    assert rows == [(v["name"], v["divergences"], v["ess_per_second"]) for v in answer["variants"]]
    assert rows[0][0] == "as written" and len(rows) >= 2

    # After a run: the table above that run's pictures.
    await run(panel_client, uri)
    _, panel = await advise()
    assert panel.uri == uri and panel.pictures.pair is not None
    assert panel.title.startswith("NUTS smoke test of eight_schools")
    assert [v.name for v in panel.advice.variants] == [r[0] for r in rows]
