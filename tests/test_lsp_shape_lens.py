"""The shape lens through the real server over stdio, like an editor uses it: the "Shapes"
lens and command, inlay shapes, the hover table, shape diagnostics with their quick fix,
results that follow edits, and the trace on save behind ``shapes.onSave``."""

from __future__ import annotations

import asyncio
import sys

import pytest_lsp
import test_lsp_notebooks as notebooks
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from conftest import EXAMPLES, ROOT, Editor, PublishedDiagnostics, apply_action, code_actions

EIGHT_SCHOOLS = (EXAMPLES / "eight_schools.py").read_text()
MEAN_N1 = """\
import numpy as np
import numpyro
import numpyro.distributions as dist

X = np.ones((100, 3))
y = np.zeros(100)


def regression(X, y):
    w = numpyro.sample("w", dist.Normal(0, 1).expand([3]).to_event(1))
    with numpyro.plate("data", X.shape[0]):
        mu = (X @ w)[:, None]
        numpyro.sample("obs", dist.Normal(mu, 1.0), obs=y)
"""
SOURCE = "numpyro shapes"


async def shapes(client: LanguageClient, uri: str, model: str):
    return await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="numpyro.shapes", arguments=[uri, model])
    )


async def hints(client: LanguageClient, uri: str, editor: Editor) -> dict[str, types.Position]:
    lines = editor.texts[uri].split("\n")
    found = await client.text_document_inlay_hint_async(
        types.InlayHintParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(types.Position(0, 0), types.Position(len(lines), 0)),
        )
    )
    return {h.label: h.position for h in found or []}


def end_of(editor: Editor, uri: str, marker: str) -> types.Position:
    """The position at the end of the line holding ``marker``."""
    text = editor.texts[uri]
    line = text[: text.index(marker)].count("\n")
    return types.Position(line, len(text.split("\n")[line]))


async def test_lens_command_hints_and_hover(client, editor):
    uri = editor.open("shapes_eight.py", EIGHT_SCHOOLS)
    lenses = await client.text_document_code_lens_async(
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    shape_lenses = [lens.command for lens in lenses if lens.command.title == "Shapes"]
    assert [(c.command, list(c.arguments)) for c in shape_lenses] == [
        ("numpyro.shapes", [uri, "eight_schools"])
    ]
    # Nothing before a trace.
    assert await hints(client, uri, editor) == {}
    report = await shapes(client, uri, "eight_schools")
    assert report["status"] == "ok" and report["findings"] == []
    assert "theta" in report["table"]
    shown = await hints(client, uri, editor)
    assert shown["theta: (8,) | ()"] == end_of(editor, uri, 'theta = numpyro.sample("theta"')
    assert shown["obs: (8,) | ()"] == end_of(editor, uri, 'numpyro.sample("obs"')
    assert shown["mu: () | ()"] == end_of(editor, uri, 'mu = numpyro.sample("mu"')
    # Right after the plate's call, before the colon.
    assert shown["J=8, dim -1"] == editor.position(uri, 'numpyro.plate("J", J):', 21)
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=editor.position(uri, '"theta"', 2),
        )
    )
    text = hover.contents.value
    assert "**Shapes** of `theta` in `eight_schools`: batch `(8,)`, event `()`" in text
    assert "| **theta** | latent | Normal | `(8,)` | `()` | `(8,)` | `(8,)` | J=8@-1 |" in text
    assert "| tau | latent | HalfCauchy |" in text

    # A line added above: the hints move with their lines.
    editor.change(uri, (types.Range(types.Position(0, 0), types.Position(0, 0)), "# a\n"))
    moved = await hints(client, uri, editor)
    assert moved["theta: (8,) | ()"] == end_of(editor, uri, 'theta = numpyro.sample("theta"')
    # An edit inside theta's call withdraws its hint (stale), and its hover shapes.
    start = editor.position(uri, "dist.Normal(mu, tau)", len("dist.Normal("))
    editor.change(uri, (types.Range(start, types.Position(start.line, start.character + 2)), "0"))
    after = await hints(client, uri, editor)
    assert "theta: (8,) | ()" not in after and "obs: (8,) | ()" in after
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=editor.position(uri, '"theta"', 2),
        )
    )
    assert "**Shapes**" not in hover.contents.value


async def test_n1_mean_diagnostic_and_quick_fix(client, editor):
    uri = editor.open("shapes_n1.py", MEAN_N1)
    report = await shapes(client, uri, "regression")
    assert [f["code"] for f in report["findings"]] == ["shape-broadcast"]
    for _ in range(100):
        found = [d for d in client.diagnostics.get(uri, []) if d.source == SOURCE]
        if found:
            break
        await asyncio.sleep(0.05)
    [diagnostic] = found
    assert diagnostic.code == "shape-broadcast"
    assert diagnostic.severity == types.DiagnosticSeverity.Warning
    assert "(100, 100)" in diagnostic.message and "(100, 1)" in diagnostic.message
    assert diagnostic.range.start == editor.position(uri, "mu, 1.0)")
    actions = await code_actions(client, editor, uri, "mu, 1.0)", diagnostics=[diagnostic])
    [fix] = [a for a in actions if a.kind == types.CodeActionKind.QuickFix]
    assert fix.title == "Replace `mu` with `mu.squeeze(-1)`"
    fixed = apply_action(editor, uri, fix)
    assert "dist.Normal(mu.squeeze(-1), 1.0), obs=y" in fixed
    # The fixed model traces clean: the finding is gone.
    report = await shapes(client, uri, "regression")
    assert report["findings"] == []
    for _ in range(100):
        if not [d for d in client.diagnostics.get(uri, []) if d.source == SOURCE]:
            break
        await asyncio.sleep(0.05)
    assert [d for d in client.diagnostics.get(uri, []) if d.source == SOURCE] == []


async def test_trace_on_save_only_with_the_setting(client, editor):
    uri = editor.open("shapes_saved.py", EIGHT_SCHOOLS)

    def save():
        client.text_document_did_save(
            types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )

    # Off by default: a save, then a trace of another file the worker runs after it, and
    # still no hints here.
    save()
    other = editor.open("shapes_other.py", EIGHT_SCHOOLS)
    await shapes(client, other, "eight_schools")
    assert await hints(client, uri, editor) == {}
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"numpyro": {"shapes": {"onSave": True}}})
    )
    save()
    for _ in range(200):
        shown = await hints(client, uri, editor)
        if shown:
            break
        await asyncio.sleep(0.05)
    assert "theta: (8,) | ()" in shown
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"numpyro": {}})
    )


@pytest_lsp.fixture(
    scope="module",
    config=ClientServerConfig(server_command=[sys.executable, "-m", "numpyro_lsp", "--stdio"]),
)
async def nb_client(lsp_client: LanguageClient):
    await lsp_client.initialize_session(
        types.InitializeParams(capabilities=notebooks.CAPABILITIES, root_uri=ROOT.as_uri())
    )
    lsp_client.published = PublishedDiagnostics(lsp_client)
    yield
    await lsp_client.shutdown_session()


async def test_a_notebook_model_in_its_cell(nb_client):
    """The cells above the model's and its own are traced (never those below); the hints
    and the hover are the model cell's."""
    uri = notebooks.NOTEBOOK.replace("eight_schools", "shapes")
    notebook = notebooks.Notebook(nb_client, uri)
    await nb_client.published.after(f"{uri}#cell6", lambda: notebook.open(notebooks.SMOKE_CELLS))
    report = await shapes(nb_client, uri, "model")
    assert report["status"] == "ok", report
    cell = notebook.uri_of(5)
    found = await nb_client.text_document_inlay_hint_async(
        types.InlayHintParams(
            text_document=types.TextDocumentIdentifier(uri=cell),
            range=types.Range(types.Position(0, 0), types.Position(10, 0)),
        )
    )
    labels = {h.label: h.position for h in found or []}
    text = notebook.cells[5]["text"].split("\n")
    line = next(i for i, t in enumerate(text) if 'numpyro.sample("theta"' in t)
    assert labels["theta: (8,) | ()"] == types.Position(line, len(text[line]))
    hover = await nb_client.text_document_hover_async(
        types.HoverParams(
            types.TextDocumentIdentifier(uri=cell), notebook.position(5, '"theta"', 2)
        )
    )
    assert "**Shapes** of `theta` in `model`" in hover.contents.value
