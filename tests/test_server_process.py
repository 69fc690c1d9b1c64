"""Facts about the server process itself: it never imports jax or numpyro."""

from __future__ import annotations

from lsprotocol import types

from conftest import EXAMPLES


async def test_server_never_imports_jax_or_numpyro(client, editor):
    uri = editor.open("noimport.py", (EXAMPLES / "eight_schools.py").read_text())
    position = editor.position(uri, "dist.Normal(mu", len("dist."))
    ident = types.TextDocumentIdentifier(uri=uri)
    await client.text_document_completion_async(types.CompletionParams(ident, position))
    await client.text_document_hover_async(types.HoverParams(ident, position))
    await client.text_document_signature_help_async(types.SignatureHelpParams(ident, position))
    info = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="numpyro.serverInfo")
    )
    assert info["jaxImported"] is False
    assert info["numpyroImported"] is False
    assert info["catalogNumpyroVersion"] == info["numpyroInstalled"] == "0.22.0"
