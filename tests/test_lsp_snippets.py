"""Snippets through the real server over stdio: offered where a statement can start, as
snippets to VS Code, as plain text to a client without snippet support."""

from __future__ import annotations

import sys

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from conftest import ROOT, Editor
from numpyro_lsp.snippets.library import library

SNIPPETS = {snippet.prefix: snippet for snippet in library()}


@pytest_lsp.fixture(
    scope="module",
    config=ClientServerConfig(server_command=[sys.executable, "-m", "numpyro_lsp", "--stdio"]),
)
async def plain_client(lsp_client: LanguageClient):
    """Emacs's eglot without yasnippet: no snippet support."""
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=pytest_lsp.client_capabilities("emacs"), root_uri=ROOT.as_uri()
        )
    )
    yield
    await lsp_client.shutdown_session()


async def complete_at_end_of(client, editor, uri, typed):
    """The completion items, by label, with the cursor just after ``typed``."""
    result = await client.text_document_completion_async(
        types.CompletionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=editor.position(uri, typed, len(typed)),
        )
    )
    items = result.items if isinstance(result, types.CompletionList) else result or []
    return {item.label: item for item in items}


async def test_prefix_at_statement_start_offers_snippets_to_vscode(client, editor):
    uri = editor.open("snippet_prefix.py", "import numpyro\n\nnp_8s\n")
    items = await complete_at_end_of(client, editor, uri, "np_8s")
    assert items.keys() == {"np_8schools", "np_8schools_locscale", "np_8schools_transform"}
    item = items["np_8schools"]
    assert item.kind == types.CompletionItemKind.Snippet
    assert item.insert_text_format == types.InsertTextFormat.Snippet
    assert item.insert_text == SNIPPETS["np_8schools"].body
    assert "${1:eight_schools}" in item.insert_text
    # VS Code says it can be told to indent the snippet's lines like the first.
    assert item.insert_text_mode == types.InsertTextMode.AdjustIndentation
    assert item.detail == "Eight schools (centered)"
    assert "```python\ndef eight_schools(J, sigma, y=None):" in item.documentation.value


async def test_every_snippet_for_np_and_inside_a_block(client, editor):
    uri = editor.open("snippet_block.py", "def fit(X, y):\n    np_\n")
    items = await complete_at_end_of(client, editor, uri, "    np_")
    assert items.keys() == SNIPPETS.keys()


@pytest.mark.parametrize(
    "text",
    [
        "x = np_8",  # in an expression
        "mcmc.run(\n    key,\n    np_8",  # in an open call, a statement begun lines above
        "total = 1 + \\\n    np_8",  # after a line continuation
        "s = 'np_8",  # in a string
        '"""A docstring\nnp_8',  # in a triple-quoted string begun above
        "# np_8",  # in a comment
        "model",  # no snippet starts so
    ],
)
async def test_no_snippets_where_no_statement_starts(client, editor, text):
    uri = editor.open(f"no_snippet_{abs(hash(text))}.py", text + "\n")
    typed = text.rsplit("\n", 1)[-1]
    assert await complete_at_end_of(client, editor, uri, typed) == {}


async def test_setting_turns_snippets_off(client, editor):
    uri = editor.open("snippet_setting.py", "np_nuts\n")

    def configure(enabled: bool) -> None:
        client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(
                settings={"numpyro": {"snippets": {"enabled": enabled}}}
            )
        )

    configure(False)
    assert await complete_at_end_of(client, editor, uri, "np_nuts") == {}
    configure(True)
    assert "np_nuts" in await complete_at_end_of(client, editor, uri, "np_nuts")


async def test_plain_text_with_defaults_for_a_client_without_snippets(plain_client):
    editor = Editor(plain_client)
    uri = editor.open("fit_model.py", "if __name__ == '__main__':\n    np_\n")
    items = await complete_at_end_of(plain_client, editor, uri, "    np_")
    assert items.keys() == SNIPPETS.keys()
    nuts = items["np_nuts"]
    assert nuts.kind == types.CompletionItemKind.Snippet
    assert nuts.insert_text_format == types.InsertTextFormat.PlainText
    # Nor Markdown: the documentation is plain text.
    assert nuts.documentation == SNIPPETS["np_nuts"].description
    # The client did not say it understands insertTextMode: none is sent.
    assert nuts.insert_text_mode is None
    # Defaults filled in; the lines after the first indented like the first.
    assert nuts.insert_text.startswith("mcmc = MCMC(\n        NUTS(model),\n")
    assert "\n    mcmc.run(random.PRNGKey(0), X, y=y, " in nuts.insert_text
    assert "$" not in nuts.insert_text
    # File variables come from the document: ${TM_FILENAME_BASE:posterior}.
    saved = items["np_save_samples"].insert_text
    assert saved.startswith('np.savez("fit_model_samples.npz", **mcmc.get_samples())')


async def test_resolved_documentation_is_plain_text_for_a_client_without_markdown(plain_client):
    """Resolving a distribution's item: eglot lists no documentation format, so no Markdown."""
    editor = Editor(plain_client)
    uri = editor.open("resolve_plain.py", "import numpyro.distributions as dist\ndist.Norm\n")
    items = await complete_at_end_of(plain_client, editor, uri, "dist.Norm")
    resolved = await plain_client.completion_item_resolve_async(items["Normal"])
    assert isinstance(resolved.documentation, str)
    assert "loc" in resolved.documentation
