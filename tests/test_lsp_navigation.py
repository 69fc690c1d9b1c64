"""Model-aware navigation through the real server, on a two-file workspace: the model in
model.py (CRLF, never opened unless a test says so), inference in run.py (open in the editor).
Positions are checked in UTF-16 on lines with an emoji before the site string.

Last, a server driven with Neovim's capabilities: rename answers with a plain ``changes`` map
(Neovim takes no ``documentChanges``), and enabling inlay hints asks Neovim to refresh them.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from conftest import Editor, PublishedDiagnostics, apply_text_edits

MODEL = (
    '"""Eight schools 🎓"""\n'
    "import numpyro\n"
    "import numpyro.distributions as dist\n"
    "\n"
    "J = 8\n"
    "\n"
    "\n"
    "def eight_schools(sigma, y=None):\n"
    '    mu = numpyro.sample("mu", dist.Normal(0, 5))\n'
    '    tau = numpyro.sample("tau", dist.HalfCauchy(5))\n'
    '    with numpyro.plate("J", J):\n'
    '        theta = numpyro.sample("theta", dist.Normal(mu, tau))  # 🎓\n'
    '        numpyro.sample("obs", dist.Normal(theta, sigma), obs=y)\n'
).replace("\n", "\r\n")
RUN = """\
from numpyro import handlers
from numpyro.infer import MCMC, NUTS, Predictive

from model import eight_schools

mcmc = MCMC(NUTS(eight_schools), num_warmup=10, num_samples=10)
samples = mcmc.get_samples()
print("🎓", samples["theta"])
conditioned = handlers.condition(eight_schools, data={"mu": 0.0})
predictive = Predictive(eight_schools, samples, return_sites=[""])
"""
PLOTS = """\
from numpyro import handlers

from model import eight_schools

hidden = handlers.block(eight_schools, hide=["theta"])
"""


class WorkspaceEditor(Editor):
    """An editor whose documents are files of a workspace folder."""

    def __init__(self, client: LanguageClient, root: Path) -> None:
        super().__init__(client)
        self.root = root

    def uri_for(self, name: str) -> str:
        return (self.root / name).as_uri()

    def on_disk(self, name: str) -> str:
        """A file the editor has not opened, known here for its positions."""
        uri = self.uri_for(name)
        self.texts[uri] = (self.root / name).read_bytes().decode("utf-8")
        return uri


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("nav workspace")
    for name, text in (("model.py", MODEL), ("run.py", RUN), ("plots.py", PLOTS)):
        (folder / name).write_text(text, encoding="utf-8", newline="")
    return folder


@pytest_lsp.fixture(
    scope="module",
    config=ClientServerConfig(server_command=[sys.executable, "-m", "numpyro_lsp", "--stdio"]),
)
async def nav_client(lsp_client: LanguageClient, root: Path):
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=pytest_lsp.client_capabilities("visual-studio-code"),
            root_uri=root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="navigation")],
        )
    )
    lsp_client.published = PublishedDiagnostics(lsp_client)
    yield
    await lsp_client.shutdown_session()


@pytest.fixture(scope="module")
async def editor(nav_client, root) -> WorkspaceEditor:
    editor = WorkspaceEditor(nav_client, root)
    await nav_client.published.after(editor.uri_for("run.py"), lambda: editor.open("run.py", RUN))
    editor.on_disk("model.py")
    editor.on_disk("plots.py")
    return editor


def document(uri: str) -> types.TextDocumentIdentifier:
    return types.TextDocumentIdentifier(uri=uri)


def span(editor: WorkspaceEditor, uri: str, marker: str, start: int, end: int) -> types.Range:
    """The range from ``start`` to ``end`` characters into ``marker``."""
    return types.Range(
        start=editor.position(uri, marker, start), end=editor.position(uri, marker, end)
    )


async def test_document_symbols_outline_the_model(nav_client, editor):
    uri = editor.uri_for("model.py")
    (model,) = await nav_client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=document(uri))
    )

    def tree(symbol):
        return (symbol.name, symbol.kind, [tree(c) for c in symbol.children or []])

    variable, observed, plate = (
        types.SymbolKind.Variable,
        types.SymbolKind.Constant,
        types.SymbolKind.Array,
    )
    assert tree(model) == (
        "eight_schools",
        types.SymbolKind.Function,
        [
            ("mu ~ Normal", variable, []),
            ("tau ~ HalfCauchy", variable, []),
            (
                "plate J",
                plate,
                [("theta ~ Normal", variable, []), ("obs ~ Normal (observed)", observed, [])],
            ),
        ],
    )
    assert model.selection_range == span(editor, uri, "eight_schools(", 0, len("eight_schools"))
    theta = model.children[2].children[0]
    assert theta.selection_range == span(editor, uri, '"theta"', 0, len('"theta"'))


async def test_workspace_symbols_find_sites_in_files_not_open(nav_client, editor):
    found = await nav_client.workspace_symbol_async(types.WorkspaceSymbolParams(query="theta"))
    assert [(s.name, s.container_name, s.location.uri) for s in found] == [
        ("theta ~ Normal", "eight_schools", editor.uri_for("model.py"))
    ]


async def test_completion_of_site_names_in_another_files_model(nav_client, editor):
    uri = editor.uri_for("run.py")
    position = editor.position(uri, 'return_sites=["', len('return_sites=["'))
    result = await nav_client.text_document_completion_async(
        types.CompletionParams(
            text_document=document(uri),
            position=position,
            context=types.CompletionContext(
                trigger_kind=types.CompletionTriggerKind.TriggerCharacter, trigger_character='"'
            ),
        )
    )
    items = {item.label: item for item in result.items}
    assert list(items) == ["mu", "tau", "theta", "obs"]
    assert items["theta"].detail == "latent Normal · plate J (J = 8)"
    assert items["obs"].detail == "observed Normal · plate J (J = 8)"
    assert items["mu"].text_edit.range == types.Range(start=position, end=position)
    # Outside a site-name string, nothing of ours.
    outside = editor.position(uri, "print(", 0)
    result = await nav_client.text_document_completion_async(
        types.CompletionParams(text_document=document(uri), position=outside)
    )
    assert result is None or all(item.label != "theta" for item in result.items)


async def test_definition_jumps_from_run_to_model(nav_client, editor):
    uri = editor.uri_for("run.py")
    locations = await nav_client.text_document_definition_async(
        types.DefinitionParams(
            text_document=document(uri), position=editor.position(uri, '"theta"]', 3)
        )
    )
    model = editor.uri_for("model.py")
    assert list(locations) == [
        types.Location(uri=model, range=span(editor, model, '"theta"', 0, len('"theta"')))
    ]


async def test_references_of_a_site_across_files(nav_client, editor):
    model = editor.uri_for("model.py")
    locations = await nav_client.text_document_references_async(
        types.ReferenceParams(
            text_document=document(model),
            position=editor.position(model, '"theta"', 1),
            context=types.ReferenceContext(include_declaration=True),
        )
    )
    run, plots = editor.uri_for("run.py"), editor.uri_for("plots.py")
    assert list(locations) == [
        types.Location(uri=model, range=span(editor, model, '"theta"', 0, 7)),
        types.Location(uri=plots, range=span(editor, plots, '"theta"', 0, 7)),
        types.Location(uri=run, range=span(editor, run, '"theta"', 0, 7)),
    ]


async def test_hover_on_a_string_and_on_a_bound_variable(nav_client, editor):
    run, model = editor.uri_for("run.py"), editor.uri_for("model.py")
    for uri, marker, offset in ((run, '"theta"]', 2), (model, "Normal(theta", 8)):
        hover = await nav_client.text_document_hover_async(
            types.HoverParams(
                text_document=document(uri), position=editor.position(uri, marker, offset)
            )
        )
        text = hover.contents.value
        assert text.startswith("**theta**: latent sample site of `eight_schools`"), text
        for fact in ("`dist.Normal(mu, tau)`", "**support** `real`", "size `J = 8`"):
            assert fact in text
    assert hover.range == span(editor, model, "theta, sigma", 0, len("theta"))


async def test_unknown_site_names_are_flagged_across_files(nav_client, editor):
    uri = editor.uri_for("run.py")
    typo = RUN.replace('data={"mu"', 'data={"muu"')
    params = await nav_client.published.after(uri, lambda: editor.replace_all(uri, typo))
    (diagnostic,) = params.diagnostics
    assert diagnostic.code == "NPR020"
    assert diagnostic.message == '"muu" names no site of `eight_schools`: did you mean `mu`?'
    assert diagnostic.range == span(editor, uri, '"muu"', 0, 5)
    params = await nav_client.published.after(uri, lambda: editor.replace_all(uri, RUN))
    assert list(params.diagnostics) == []


async def test_prepare_rename_accepts_only_sites(nav_client, editor):
    uri = editor.uri_for("run.py")

    async def prepare(marker, offset):
        return await nav_client.text_document_prepare_rename_async(
            types.PrepareRenameParams(
                text_document=document(uri), position=editor.position(uri, marker, offset)
            )
        )

    result = await prepare('"theta"]', 4)
    assert result.range == span(editor, uri, '"theta"', 1, 6)
    assert result.placeholder == "theta"
    for marker, offset in (("mcmc =", 1), ('"🎓"', 1), ("num_warmup", 2)):
        assert await prepare(marker, offset) is None, marker


async def test_rename_edits_every_file_versioned_where_open(nav_client, editor):
    model = editor.uri_for("model.py")
    editor.open("model.py", MODEL)
    run, plots = editor.uri_for("run.py"), editor.uri_for("plots.py")
    edit = await nav_client.text_document_rename_async(
        types.RenameParams(
            text_document=document(run),
            position=editor.position(run, '"theta"]', 2),
            new_name="theta_school",
        )
    )
    changes = {c.text_document.uri: c for c in edit.document_changes}
    assert {uri: c.text_document.version for uri, c in changes.items()} == {
        model: editor.versions[model],
        run: editor.versions[run],
        plots: None,
    }
    renamed = {uri: apply_text_edits(editor.texts[uri], c.edits) for uri, c in changes.items()}
    assert renamed[model] == MODEL.replace('"theta"', '"theta_school"')
    assert renamed[run] == editor.texts[run].replace('"theta"', '"theta_school"')
    assert renamed[plots] == PLOTS.replace('"theta"', '"theta_school"')


async def test_rename_refuses_a_taken_name_and_non_sites(nav_client, editor):
    uri = editor.uri_for("run.py")
    for marker, offset, new_name, message in (
        ('"theta"]', 2, "tau", "`tau` already names a site of `eight_schools`"),
        ("mcmc =", 1, "chain", "Only a NumPyro site name can be renamed here"),
    ):
        with pytest.raises(Exception, match=message):
            await nav_client.text_document_rename_async(
                types.RenameParams(
                    text_document=document(uri),
                    position=editor.position(uri, marker, offset),
                    new_name=new_name,
                )
            )


async def test_inlay_hints_are_off_until_enabled(nav_client, editor):
    model = editor.uri_for("model.py")
    params = types.InlayHintParams(
        text_document=document(model),
        range=types.Range(start=types.Position(0, 0), end=types.Position(20, 0)),
    )
    assert await nav_client.text_document_inlay_hint_async(params) is None
    nav_client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"numpyro": {"inlayHints": {"enabled": True}}})
    )
    hints = await nav_client.text_document_inlay_hint_async(params)
    assert [(h.position, h.label) for h in hints] == [
        (editor.position(model, "dist.Normal(0, 5))", 18), "∈ real"),
        (editor.position(model, "dist.HalfCauchy(5))", 19), "∈ positive"),
        (editor.position(model, 'plate("J", J)', 13), "size: J = 8"),
        (editor.position(model, "dist.Normal(mu, tau))", 21), "∈ real"),
    ]


async def test_editing_the_model_rechecks_the_files_that_import_it(nav_client, editor):
    model, run = editor.uri_for("model.py"), editor.uri_for("run.py")
    if model not in editor.versions:
        editor.open("model.py", MODEL)
    renamed = MODEL.replace('"mu"', '"mu0"')
    params = await nav_client.published.after(run, lambda: editor.replace_all(model, renamed))
    assert [d.message for d in params.diagnostics] == [
        '"mu" names no site of `eight_schools`: did you mean `mu0`?'
    ]
    params = await nav_client.published.after(run, lambda: editor.replace_all(model, MODEL))
    assert list(params.diagnostics) == []


# --- Neovim ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def neovim_root(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("nav neovim")
    for name, text in (("model.py", MODEL), ("plots.py", PLOTS)):
        (folder / name).write_text(text, encoding="utf-8", newline="")
    return folder


@pytest_lsp.fixture(
    scope="module",
    config=ClientServerConfig(server_command=[sys.executable, "-m", "numpyro_lsp", "--stdio"]),
)
async def neovim(lsp_client: LanguageClient, neovim_root: Path):
    lsp_client.refreshes = asyncio.Event()

    @lsp_client.feature(types.WORKSPACE_INLAY_HINT_REFRESH)
    def inlay_hint_refresh(params: None) -> None:
        lsp_client.refreshes.set()

    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=pytest_lsp.client_capabilities("neovim"),
            root_uri=neovim_root.as_uri(),
        )
    )
    yield
    await lsp_client.shutdown_session()


async def test_neovim_rename_answers_with_changes(neovim, neovim_root):
    editor = WorkspaceEditor(neovim, neovim_root)
    editor.on_disk("plots.py")
    model = editor.open("model.py", MODEL)
    edit = await neovim.text_document_rename_async(
        types.RenameParams(
            text_document=types.TextDocumentIdentifier(uri=model),
            position=editor.position(model, '"theta"', 1),
            new_name="theta_school",
        )
    )
    assert edit.document_changes is None
    assert set(edit.changes) == {model, editor.uri_for("plots.py")}
    renamed = apply_text_edits(MODEL, edit.changes[model])
    assert renamed == MODEL.replace('"theta"', '"theta_school"')


async def test_neovim_is_asked_to_refresh_inlay_hints(neovim):
    neovim.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"numpyro": {"inlayHints": {"enabled": True}}})
    )
    async with asyncio.timeout(10):
        await neovim.refreshes.wait()
