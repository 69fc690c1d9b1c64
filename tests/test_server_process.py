"""Facts about the server process itself: it never imports jax or numpyro, and answers
initialize before its own analysis modules load."""

from __future__ import annotations

import ast
import subprocess
import sys

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


def test_initialize_waits_for_no_implementation_module():
    # What runs before initialize is answered: the server object with its handlers. The
    # analysis, rules, catalog, snippets and smoke test load on first use, or in
    # features.warm_up() once initialize is answered (docs/performance.md).
    code = (
        "import sys\n"
        "from numpyro_lsp import cli, server\n"
        "server.create_server()\n"
        "before = {m for m in sys.modules if m.startswith('numpyro_lsp.')}\n"
        "from numpyro_lsp import features\n"
        "features.warm_up()\n"
        "print(sorted(before))\n"
        "print(all(m in sys.modules for m in features.FIRST_REQUEST_MODULES))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    before, warmed = result.stdout.splitlines()
    light = ("numpyro_lsp.cli", "numpyro_lsp.server", "numpyro_lsp.features")
    loaded = ast.literal_eval(before)
    # The settings tree is read at initialize: attrs and cattrs, which lsprotocol loads anyway.
    assert [m for m in loaded if not m.startswith(light)] == [
        "numpyro_lsp.analysis",
        "numpyro_lsp.analysis.text",
        "numpyro_lsp.settings",
    ]
    assert warmed == "True"
