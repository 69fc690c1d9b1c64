"""Half-typed code over LSP: an unfinished line anywhere leaves every feature answering for the
rest of the file (findings, code actions, site-name completion), in VS Code's and in
Neovim's client capabilities."""

from __future__ import annotations

import sys

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from conftest import ALIASED, ROOT, UNFINISHED_FUNCTION, Editor, apply_action, code_actions

CONDITIONED = "from numpyro.handlers import condition\n\nconditioned = condition(eight_schools, "


def findings(params: types.PublishDiagnosticsParams) -> list[tuple[str, int, int, int]]:
    return sorted(
        (str(d.code), d.range.start.line, d.range.start.character, d.range.end.character)
        for d in params.diagnostics
    )


async def test_an_unfinished_line_keeps_the_other_findings(client, editor):
    name = "half_typed_findings.py"
    uri = editor.uri_for(name)
    opened = await client.published.after(uri, lambda: editor.open(name, ALIASED))
    before = findings(opened)
    assert {code for code, *_ in before} == {"NPR011", "NPR012"}
    # An unfinished line appended in a new function, then a syntax error mid-file: the
    # findings of the statements around stay where they were, under each new version.
    appended = await client.published.after(
        uri, lambda: editor.replace_all(uri, ALIASED + UNFINISHED_FUNCTION)
    )
    assert appended.version == editor.versions[uri] and findings(appended) == before
    header = ALIASED.index("def eight_schools")
    broken = ALIASED[:header] + "def probe(:\n\n\n" + ALIASED[header:]
    middle = await client.published.after(uri, lambda: editor.replace_all(uri, broken))
    assert middle.version == editor.versions[uri]
    assert findings(middle) == [(code, line + 3, start, end) for code, line, start, end in before]
    # Nothing of ours says "does not parse": that is the Python server's to report.
    assert all(d.source == "numpyro" for d in middle.diagnostics)
    # A decorator being typed above the model: the model is read as it was without it.
    decorating = ALIASED[:header] + "@handlers.\n" + ALIASED[header:]
    typed = await client.published.after(uri, lambda: editor.replace_all(uri, decorating))
    assert typed.version == editor.versions[uri]
    assert findings(typed) == [(code, line + 1, start, end) for code, line, start, end in before]
    # A block header typed in the model, its body not yet: the model keeps its findings.
    tau = '    tau = numpyro.sample("tau", D.HalfCauchy(5))\n'
    assert ALIASED.index(tau) < min(ALIASED.index("width ="), ALIASED.index("theta ="))
    header = ALIASED.replace(tau, tau + '    with numpyro.plate("n", 3):\n')
    typed = await client.published.after(uri, lambda: editor.replace_all(uri, header))
    assert findings(typed) == [(code, line + 1, start, end) for code, line, start, end in before]


async def test_code_actions_with_an_unfinished_line_elsewhere_and_in_the_same_function(
    client, editor
):
    elsewhere = editor.open("half_typed_actions.py", ALIASED + UNFINISHED_FUNCTION)
    titles = [a.title for a in await code_actions(client, editor, elsewhere, '"theta"', 1)]
    assert any("LocScaleReparam" in title for title in titles), titles
    # A half-typed line in the model itself: the other lines of the model keep their actions.
    same = ALIASED.replace(
        '    tau = numpyro.sample("tau"', '    q = D.\n    tau = numpyro.sample("tau"'
    )
    inside = editor.open("half_typed_actions_inside.py", same)
    actions = await code_actions(client, editor, inside, '"theta"', 1)
    (site_action,) = [a for a in actions if a.title.startswith("Non-center `theta` with Loc")]
    rewritten = apply_action(editor, inside, site_action)
    # The rewrite went around the line being typed, which stays as it was.
    assert "    q = D.\n    tau = numpyro.sample(" in rewritten
    assert "LocScaleReparam(centered=0)" in rewritten
    # A decorator being typed above the model: its sites keep their actions.
    header = ALIASED.index("def eight_schools")
    above = editor.open(
        "half_typed_actions_above.py", ALIASED[:header] + "@handlers.\n" + ALIASED[header:]
    )
    actions = await code_actions(client, editor, above, '"theta"', 1)
    (site_action,) = [a for a in actions if a.title.startswith("Non-center `theta` with Loc")]
    rewritten = apply_action(editor, above, site_action)
    assert "@handlers.\ndef eight_schools" in rewritten
    assert "LocScaleReparam(centered=0)" in rewritten


async def test_site_names_complete_in_a_string_left_open(client, editor):
    uri = editor.open("half_typed_sites.py", ALIASED + CONDITIONED + 'data={"')
    labels = await site_labels(client, editor, uri)
    assert {"mu", "tau", "theta", "obs"} <= labels


async def site_labels(client: LanguageClient, editor: Editor, uri: str) -> set[str]:
    text = editor.texts[uri]
    end = editor.position(uri, text, len(text))
    result = await client.text_document_completion_async(
        types.CompletionParams(text_document=types.TextDocumentIdentifier(uri=uri), position=end)
    )
    items = result.items if isinstance(result, types.CompletionList) else result or []
    return {item.label for item in items}


@pytest_lsp.fixture(
    scope="module",
    config=ClientServerConfig(server_command=[sys.executable, "-m", "numpyro_lsp", "--stdio"]),
)
async def neovim(lsp_client: LanguageClient):
    await lsp_client.initialize_session(
        types.InitializeParams(
            # 0.7: the version that showed no diagnostics at all on a half-typed file.
            capabilities=pytest_lsp.client_capabilities("neovim@v0.7.0"),
            root_uri=ROOT.as_uri(),
        )
    )
    yield
    await lsp_client.shutdown_session()


async def test_neovim_completes_site_names_before_the_quote_is_closed(neovim):
    """Neovim does not close quotes as they are typed: the string stays open while the user
    types the site name, on the last line and on a line with more code after it."""
    editor = Editor(neovim)
    uri = editor.uri_for("half_typed_neovim.py")
    published = neovim.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    editor.open("half_typed_neovim.py", ALIASED + CONDITIONED + 'data={"th')
    await published
    # The findings of the rest of the file, with the last line unfinished.
    assert {d.code for d in neovim.diagnostics[uri]} == {"NPR011", "NPR012"}
    assert {"mu", "tau", "theta", "obs"} <= await site_labels(neovim, editor, uri)
    below = ALIASED + CONDITIONED + 'data={"th\nprint(conditioned)\n'
    editor.replace_all(uri, below)
    position = editor.position(uri, 'data={"th', len('data={"th'))
    result = await neovim.text_document_completion_async(
        types.CompletionParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=position
        )
    )
    items = result.items if isinstance(result, types.CompletionList) else result or []
    assert {"mu", "tau", "theta", "obs"} <= {item.label for item in items}


async def test_every_feature_answers_for_the_rest_of_a_half_typed_file(client, editor):
    uri = editor.open("half_typed_features.py", ALIASED + CONDITIONED + 'data={"mu": 0.0})\n')
    text = ALIASED + CONDITIONED + 'data={"mu": 0.0})\n' + UNFINISHED_FUNCTION
    editor.replace_all(uri, text)
    document = types.TextDocumentIdentifier(uri=uri)

    def at(marker: str, offset: int = 1) -> types.Position:
        return editor.position(uri, marker, offset)

    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=document, position=at("HalfCauchy"))
    )
    assert hover is not None and "Cauchy" in hover.contents.value
    signature = await client.text_document_signature_help_async(
        types.SignatureHelpParams(text_document=document, position=at("D.Normal(mu", 9))
    )
    assert signature is not None and signature.signatures
    symbols = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=document)
    )
    assert "eight_schools" in {symbol.name for symbol in symbols}
    definition = await client.text_document_definition_async(
        types.DefinitionParams(text_document=document, position=at('"mu": 0.0'))
    )
    assert definition, "the site string names the model's site"
    references = await client.text_document_references_async(
        types.ReferenceParams(
            text_document=document,
            position=at('"mu", D.Normal'),
            context=types.ReferenceContext(include_declaration=True),
        )
    )
    assert len(references) >= 2  # the site and the condition's key
    lenses = await client.text_document_code_lens_async(
        types.CodeLensParams(text_document=document)
    )
    assert lenses, "the smoke test's code lens above the model"
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"numpyro": {"inlayHints": {"enabled": True}}})
    )
    end = types.Position(line=len(text.split("\n")) - 1, character=0)
    hints = await client.text_document_inlay_hint_async(
        types.InlayHintParams(
            text_document=document, range=types.Range(start=types.Position(0, 0), end=end)
        )
    )
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"numpyro": {"inlayHints": {"enabled": False}}})
    )
    assert hints, "the plate's size and the sites' supports"


async def test_imports_are_added_around_a_half_typed_opening_block(client, editor):
    """`dist.` typed before the module docstring leaves lines 1-5 unreadable: the action that
    adds imports there still works and leaves those lines as they are."""
    text = "dist." + ALIASED
    uri = editor.open("half_typed_opening.py", text)
    actions = await code_actions(client, editor, uri, '"theta"', 1)
    (site_action,) = [a for a in actions if a.title.startswith("Non-center `theta` with Loc")]
    rewritten = apply_action(editor, uri, site_action)
    assert rewritten.startswith('dist."""Eight schools')
    assert "from numpyro.infer.reparam import LocScaleReparam" in rewritten
    assert "LocScaleReparam(centered=0)" in rewritten
