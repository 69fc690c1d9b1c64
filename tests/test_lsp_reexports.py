"""Names that reach NumPyro through a project module that re-exports it, resolved by jedi in
the background: the first request answers at once (nothing yet), later ones know the name."""

from __future__ import annotations

import asyncio

from lsprotocol import types


async def eventually(request, timeout: float = 30.0):
    """Repeat a request until it has an answer: jedi works in the background meanwhile."""
    async with asyncio.timeout(timeout):
        while True:
            result = await request()
            if result:
                return result
            await asyncio.sleep(0.05)


async def test_hover_and_completion_through_a_reexporting_module(client, editor, tmp_path):
    (tmp_path / "priors.py").write_text(
        "import numpyro.distributions as D\nfrom numpyro.infer import NUTS as Sampler\n"
    )
    model = tmp_path / "model.py"
    text = "from priors import D, Sampler\n\nx = D.Normal(0, 1)\nk = Sampler\ny = D.\n"
    model.write_text(text)
    uri = model.as_uri()
    editor.versions[uri] = 1
    editor.texts[uri] = text
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="python", version=1, text=text
            )
        )
    )
    ident = types.TextDocumentIdentifier(uri=uri)

    async def hover_normal():
        position = editor.position(uri, "D.Normal", 3)
        return await client.text_document_hover_async(types.HoverParams(ident, position))

    hover = await eventually(hover_normal)
    assert "numpyro.distributions.Normal" in hover.contents.value

    async def hover_sampler():
        position = editor.position(uri, "k = Sampler", 6)
        return await client.text_document_hover_async(types.HoverParams(ident, position))

    hover = await eventually(hover_sampler)
    assert "numpyro.infer.NUTS" in hover.contents.value

    async def complete():
        position = editor.position(uri, "y = D.", len("y = D."))
        result = await client.text_document_completion_async(
            types.CompletionParams(ident, position)
        )
        return result.items if result else None

    labels = {item.label for item in await eventually(complete)}
    assert {"Normal", "HalfCauchy"} <= labels


async def test_a_lookup_that_found_nothing_is_asked_again_once_the_module_appears(
    client, editor, tmp_path
):
    model = tmp_path / "model.py"
    text = "from lateprior import D\n\nx = D.Normal(0, 1)\n"
    model.write_text(text)
    uri = model.as_uri()
    editor.versions[uri] = 1
    editor.texts[uri] = text
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="python", version=1, text=text
            )
        )
    )
    ident = types.TextDocumentIdentifier(uri=uri)
    position = editor.position(uri, "D.Normal", 3)

    async def hover_normal():
        return await client.text_document_hover_async(types.HoverParams(ident, position))

    async def lookups_running() -> int:
        info = await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="numpyro.serverInfo")
        )
        return info["reexportLookupsRunning"]

    assert await hover_normal() is None  # no lateprior module: jedi finds nothing
    await eventually(lambda: _is_zero(lookups_running()))
    assert await hover_normal() is None
    assert await lookups_running() == 0  # nothing changed: not asked again
    (tmp_path / "lateprior.py").write_text("import numpyro.distributions as D\n")
    hover = await eventually(hover_normal)
    assert "numpyro.distributions.Normal" in hover.contents.value


async def _is_zero(count) -> bool:
    return await count == 0
