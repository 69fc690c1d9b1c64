"""Notebook documents through the real server (pytest-lsp, LSP 3.17 notebook sync): a
notebook's Python cells are one program, in order, and every feature answers in the cell
it is about; cells are added, removed, moved and edited, and the answers follow them.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from conftest import PublishedDiagnostics, apply_text_edits, utf16_len

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = (ROOT / "tests" / "_virtual" / "eight_schools.ipynb").as_uri()

IMPORTS = """\
%matplotlib inline
!pip install -q numpyro
import numpyro
import numpyro.distributions as dist
from numpyro import handlers"""
MODEL = """\
def model(J, sigma, y=None):
    mu = numpyro.sample("mu", dist.Normal(0, 5))
    tau = numpyro.sample("tau", dist.HalfCauchy(5))
    with numpyro.plate("J", J):
        theta = numpyro.sample("theta", dist.Normal(mu, tau))
        numpyro.sample("obs", dist.Normal(theta, sigma), obs=y)"""
DATA = """\
J = 8
sigma = [15.0, 10.0, 16.0, 11.0, 9.0, 11.0, 10.0, 18.0]
files = !ls
numpyro.sample?"""
USE = """\
conditioned = handlers.condition(model, data={"theta": 0.0, "thetta": 1.0})
display(conditioned)"""


class Notebook:
    """A notebook open in the editor: its cells (kind, URI, text, version), kept as the
    client sends them."""

    def __init__(self, client: LanguageClient, uri: str) -> None:
        self.client = client
        self.uri = uri
        self.version = 1
        self.cells: list[dict] = []
        self.count = 0

    def _cell(self, kind: str, text: str) -> dict:
        self.count += 1
        return {"kind": kind, "uri": f"{self.uri}#cell{self.count}", "text": text, "version": 1}

    def open(self, cells: list[tuple[str, str]]) -> None:
        self.cells = [self._cell(kind, text) for kind, text in cells]
        self.client.notebook_document_did_open(
            types.DidOpenNotebookDocumentParams(
                notebook_document=types.NotebookDocument(
                    uri=self.uri,
                    notebook_type="jupyter-notebook",
                    version=self.version,
                    cells=[self._nb_cell(c) for c in self.cells],
                ),
                cell_text_documents=[self._item(c) for c in self.cells],
            )
        )

    @staticmethod
    def _nb_cell(cell: dict) -> types.NotebookCell:
        code = cell["kind"] == "code"
        kind = types.NotebookCellKind.Code if code else types.NotebookCellKind.Markup
        return types.NotebookCell(kind=kind, document=cell["uri"])

    @staticmethod
    def _item(cell: dict) -> types.TextDocumentItem:
        language = "python" if cell["kind"] == "code" else "markdown"
        return types.TextDocumentItem(
            uri=cell["uri"], language_id=language, version=cell["version"], text=cell["text"]
        )

    def uri_of(self, index: int) -> str:
        return self.cells[index]["uri"]

    def position(self, index: int, marker: str, offset: int = 0) -> types.Position:
        text = self.cells[index]["text"]
        at = text.index(marker) + offset
        before = text[:at]
        return types.Position(before.count("\n"), utf16_len(before[before.rfind("\n") + 1 :]))

    def edit(self, index: int, range_: types.Range, text: str) -> None:
        cell = self.cells[index]
        cell["text"] = apply_text_edits(cell["text"], [types.TextEdit(range_, text)])
        cell["version"] += 1
        self.version += 1
        self.client.notebook_document_did_change(
            types.DidChangeNotebookDocumentParams(
                notebook_document=types.VersionedNotebookDocumentIdentifier(
                    uri=self.uri, version=self.version
                ),
                change=types.NotebookDocumentChangeEvent(
                    cells=types.NotebookDocumentCellChanges(
                        text_content=[
                            types.NotebookDocumentCellContentChanges(
                                document=types.VersionedTextDocumentIdentifier(
                                    uri=cell["uri"], version=cell["version"]
                                ),
                                changes=[
                                    types.TextDocumentContentChangePartial(range=range_, text=text)
                                ],
                            )
                        ]
                    )
                ),
            )
        )

    def append_line(self, index: int, line: str) -> None:
        text = self.cells[index]["text"]
        lines = text.split("\n")
        end = types.Position(len(lines) - 1, utf16_len(lines[-1]))
        self.edit(index, types.Range(end, end), "\n" + line)

    def structure(self, start: int, delete: int, new: list[dict]) -> None:
        """Replace ``delete`` cells from ``start`` with ``new`` (a move is a delete and an
        insert of the same cell, as VS Code sends it)."""
        removed = self.cells[start : start + delete]
        self.cells[start : start + delete] = new
        kept = {c["uri"] for c in self.cells}
        opened = [c for c in new if c["uri"] not in {r["uri"] for r in removed}]
        closed = [c for c in removed if c["uri"] not in kept]
        self.version += 1
        self.client.notebook_document_did_change(
            types.DidChangeNotebookDocumentParams(
                notebook_document=types.VersionedNotebookDocumentIdentifier(
                    uri=self.uri, version=self.version
                ),
                change=types.NotebookDocumentChangeEvent(
                    cells=types.NotebookDocumentCellChanges(
                        structure=types.NotebookDocumentCellChangeStructure(
                            array=types.NotebookCellArrayChange(
                                start=start,
                                delete_count=delete,
                                cells=[self._nb_cell(c) for c in new],
                            ),
                            did_open=[self._item(c) for c in opened] or None,
                            did_close=[types.TextDocumentIdentifier(uri=c["uri"]) for c in closed]
                            or None,
                        )
                    )
                ),
            )
        )

    def new_cell(self, kind: str, text: str) -> dict:
        return self._cell(kind, text)


CAPABILITIES = pytest_lsp.client_capabilities("visual-studio-code")
CAPABILITIES.notebook_document = types.NotebookDocumentClientCapabilities(
    synchronization=types.NotebookDocumentSyncClientCapabilities()
)


@pytest_lsp.fixture(
    scope="module",
    config=ClientServerConfig(server_command=[sys.executable, "-m", "numpyro_lsp", "--stdio"]),
)
async def nb_client(lsp_client: LanguageClient):
    result = await lsp_client.initialize_session(
        types.InitializeParams(capabilities=CAPABILITIES, root_uri=ROOT.as_uri())
    )
    lsp_client.sync = result.capabilities.notebook_document_sync
    lsp_client.published = PublishedDiagnostics(lsp_client)
    yield
    await lsp_client.shutdown_session()


@pytest.fixture(scope="module")
async def notebook(nb_client) -> Notebook:
    notebook = Notebook(nb_client, NOTEBOOK)
    uris = []
    await nb_client.published.after(
        f"{NOTEBOOK}#cell3",
        lambda: (
            notebook.open(
                [
                    ("markdown", "# Eight schools"),
                    ("code", IMPORTS),
                    ("code", MODEL),
                    ("markdown", "The data:"),
                    ("code", DATA),
                    ("code", USE),
                ]
            ),
            uris.append(1),
        ),
    )
    return notebook


def ident(uri: str) -> types.TextDocumentIdentifier:
    return types.TextDocumentIdentifier(uri=uri)


async def completion_items(
    client, notebook: Notebook, index: int, position: types.Position
) -> list[types.CompletionItem]:
    """What the server completes at ``position`` in the notebook's cell ``index``."""
    result = await client.text_document_completion_async(
        types.CompletionParams(text_document=ident(notebook.uri_of(index)), position=position)
    )
    return result.items if isinstance(result, types.CompletionList) else result


async def diagnostics_settled(client, notebook: Notebook) -> dict[int, list[types.Diagnostic]]:
    """Each code cell's diagnostics once the server has been quiet a moment."""
    await asyncio.sleep(0.8)
    return {
        i: list(client.diagnostics.get(c["uri"], []))
        for i, c in enumerate(notebook.cells)
        if c["kind"] == "code"
    }


async def test_notebook_sync_advertised(nb_client):
    sync = nb_client.sync
    assert sync is not None
    (selector,) = sync.notebook_selector
    assert selector.notebook == "jupyter-notebook"
    assert [c.language for c in selector.cells] == ["python"]


async def test_diagnostics_land_in_their_cells(nb_client, notebook):
    found = await diagnostics_settled(nb_client, notebook)
    # IPython lines (%magic, !shell, x = !cmd, obj?) and display() give nothing.
    assert found[1] == [] and found[4] == []
    (centered,) = found[2]
    assert centered.code == "NPR012"
    assert centered.range.start == notebook.position(2, '"theta"')
    # The third code cell's site name is checked against the model of the first.
    (unknown,) = found[5]
    assert unknown.code == "NPR018" or "thetta" in unknown.message
    assert unknown.range.start == notebook.position(5, '"thetta"')


async def test_completion_hover_signature_in_a_cell(nb_client, notebook):
    notebook.append_line(5, "d = dist.")
    position = notebook.position(5, "d = dist.", 9)
    items = await completion_items(nb_client, notebook, 5, position)
    assert "Normal" in [i.label for i in items]

    hover = await nb_client.text_document_hover_async(
        types.HoverParams(
            text_document=ident(notebook.uri_of(2)),
            position=notebook.position(2, "HalfCauchy", 2),
        )
    )
    assert "HalfCauchy" in hover.contents.value
    if hover.range is not None:
        assert hover.range.start.line == notebook.position(2, "HalfCauchy").line

    notebook.append_line(5, "n = dist.Normal(0, ")
    signature = await nb_client.text_document_signature_help_async(
        types.SignatureHelpParams(
            text_document=ident(notebook.uri_of(5)),
            position=notebook.position(5, "dist.Normal(0, ", 15),
        )
    )
    assert signature is not None and signature.active_parameter == 1
    assert "scale" in signature.signatures[0].label


async def test_site_names_of_an_earlier_cells_model_complete(nb_client, notebook):
    # As an editor that closes brackets and quotes leaves it.
    notebook.append_line(4, 'fixed = handlers.substitute(model, data={""})')
    position = notebook.position(4, 'substitute(model, data={"', len('substitute(model, data={"'))
    items = await completion_items(nb_client, notebook, 4, position)
    assert {"mu", "tau", "theta", "obs"} <= {i.label for i in items}
    for item in items:
        edit = item.text_edit
        if edit is not None:
            edit_range = edit.range if isinstance(edit, types.TextEdit) else edit.replace
            assert edit_range.start.line == position.line


async def test_snippets_complete_in_a_cell(nb_client, notebook):
    notebook.append_line(4, "np_")
    position = notebook.position(4, "np_", 3)
    items = await completion_items(nb_client, notebook, 4, position)
    snippets = [i for i in items if i.label.startswith("np_")]
    assert snippets
    for item in snippets:
        edit = item.text_edit
        if edit is not None:
            edit_range = edit.range if isinstance(edit, types.TextEdit) else edit.replace
            assert edit_range.start.line == position.line


async def test_site_navigation_across_cells(nb_client, notebook):
    use = notebook.position(5, '"theta"', 2)
    definition = await nb_client.text_document_definition_async(
        types.DefinitionParams(text_document=ident(notebook.uri_of(5)), position=use)
    )
    locations = definition if isinstance(definition, list) else [definition]
    targets = [
        (loc.uri, loc.range.start)
        if isinstance(loc, types.Location)
        else (loc.target_uri, loc.target_selection_range.start)
        for loc in locations
    ]
    assert (notebook.uri_of(2), notebook.position(2, '"theta"', 1)) in targets or (
        notebook.uri_of(2),
        notebook.position(2, '"theta"'),
    ) in targets

    references = await nb_client.text_document_references_async(
        types.ReferenceParams(
            text_document=ident(notebook.uri_of(2)),
            position=notebook.position(2, '"theta"', 2),
            context=types.ReferenceContext(include_declaration=True),
        )
    )
    cells = {r.uri for r in references}
    assert cells == {notebook.uri_of(2), notebook.uri_of(5)}

    edit = await nb_client.text_document_rename_async(
        types.RenameParams(
            text_document=ident(notebook.uri_of(5)), position=use, new_name="theta_school"
        )
    )
    changes = {c.text_document.uri: c for c in edit.document_changes}
    assert set(changes) == {notebook.uri_of(2), notebook.uri_of(5)}
    for index in (2, 5):
        change = changes[notebook.uri_of(index)]
        assert change.text_document.version == notebook.cells[index]["version"]
        renamed = apply_text_edits(notebook.cells[index]["text"], change.edits)
        assert '"theta_school"' in renamed and '"theta"' not in renamed


async def test_outline_inlay_hints_and_lenses_per_cell(nb_client, notebook):
    symbols = await nb_client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=ident(notebook.uri_of(2)))
    )
    assert [s.name for s in symbols][:1] == ["model"]
    assert symbols[0].range.start == types.Position(0, 0)
    assert not await nb_client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=ident(notebook.uri_of(1)))
    )

    lenses = await nb_client.text_document_code_lens_async(
        types.CodeLensParams(text_document=ident(notebook.uri_of(2)))
    )
    assert [
        (lens.range.start.line, lens.command.command, list(lens.command.arguments))
        for lens in lenses
    ] == [
        (0, "numpyro.smokeTest", [NOTEBOOK, "model"]),
        (0, "numpyro.shapes", [NOTEBOOK, "model"]),
        (0, "numpyro.advise", [NOTEBOOK, "model"]),
    ]
    assert not await nb_client.text_document_code_lens_async(
        types.CodeLensParams(text_document=ident(notebook.uri_of(4)))
    )

    nb_client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"numpyro": {"inlayHints": {"enabled": True}}})
    )
    await asyncio.sleep(0.3)
    hints = await nb_client.text_document_inlay_hint_async(
        types.InlayHintParams(
            text_document=ident(notebook.uri_of(2)),
            range=types.Range(types.Position(0, 0), types.Position(6, 0)),
        )
    )
    assert (notebook.position(2, "dist.HalfCauchy(5))", 19), "∈ positive") in [
        (h.position, h.label) for h in hints
    ]


async def test_code_action_edits_the_models_cell_and_the_import_cell(nb_client, notebook):
    found = await diagnostics_settled(nb_client, notebook)
    (centered,) = [d for d in found[2] if d.code == "NPR012"]
    actions = await nb_client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=ident(notebook.uri_of(2)),
            range=centered.range,
            context=types.CodeActionContext(diagnostics=[centered]),
        )
    )
    reparam = [a for a in actions if "LocScaleReparam" in a.title]
    assert reparam, [a.title for a in actions]
    changes = {c.text_document.uri: c for c in reparam[0].edit.document_changes}
    assert set(changes) <= {notebook.uri_of(1), notebook.uri_of(2)}
    model = apply_text_edits(notebook.cells[2]["text"], changes[notebook.uri_of(2)].edits)
    assert "LocScaleReparam" in model
    imports = apply_text_edits(notebook.cells[1]["text"], changes[notebook.uri_of(1)].edits)
    assert imports.startswith(IMPORTS)  # added after the last import, in the first cell
    assert "import LocScaleReparam" in imports.split("\n")[-1]


async def test_a_redefined_model_shadows_the_old_one_from_its_cell_on(nb_client, notebook):
    redefined = notebook.new_cell(
        "code",
        'def model():\n    numpyro.sample("alpha", dist.Normal(0, 1))',
    )
    later = notebook.new_cell("code", 'again = handlers.condition(model, data={"alpha": 0.0})')
    notebook.structure(len(notebook.cells), 0, [redefined, later])
    found = await diagnostics_settled(nb_client, notebook)
    # "alpha" is a site of the new model; "thetta" above is still checked against the old.
    assert found[len(notebook.cells) - 1] == []
    assert any("thetta" in d.message for d in found[5])
    # A run of `model` runs the new one: the lenses move to it, none stays on the old one.
    for index, expected in ((2, []), (len(notebook.cells) - 2, ["numpyro.smokeTest"])):
        lenses = await nb_client.text_document_code_lens_async(
            types.CodeLensParams(text_document=ident(notebook.uri_of(index)))
        )
        runs = [lens.command.command for lens in lenses or [] if "smoke" in lens.command.command]
        assert runs == expected


async def test_cells_removed_and_moved(nb_client, notebook):
    # Moving the data cell above the model's: the model's finding stays in its cell.
    data = notebook.cells[4]
    notebook.structure(4, 1, [])
    await asyncio.sleep(0.1)
    notebook.structure(2, 0, [data])
    found = await diagnostics_settled(nb_client, notebook)
    model_index = next(i for i, c in enumerate(notebook.cells) if c["text"] == MODEL)
    assert model_index == 3
    assert [d.code for d in found[model_index]] == ["NPR012"]
    assert found[model_index][0].range.start == notebook.position(model_index, '"theta"')
    # Removing the model's cell: its findings are cleared, the use's site is unknown now.
    removed = notebook.cells[model_index]["uri"]
    notebook.structure(model_index, 1, [])
    await diagnostics_settled(nb_client, notebook)
    assert not nb_client.diagnostics.get(removed)


SMOKE_CELLS = [
    ("code", "%matplotlib inline\nimport numpy as np\nimport numpyro\n" + IMPORTS.split("\n")[3]),
    ("code", "J = 8\ny = np.array([28.0, 8.0, -3.0, 7.0, -1.0, 1.0, 18.0, 12.0])"),
    ("code", "sigma = np.array([15.0, 10.0, 16.0, 11.0, 9.0, 11.0, 10.0, 18.0])\nprint(sigma)"),
    # A plot above the model: left out (each assignment would break the run).
    (
        "code",
        "import matplotlib.pyplot as plt\nfig = plt.no_such_plot()\naxes = fig.axes\nplt.show()",
    ),
    ("markdown", "The model:"),
    ("code", MODEL),
    # Below the model: never run by its smoke test (each line would break the run).
    ("code", 'J = "eight"\nboom = 1 / 0\nmcmc.run(None, J, sigma, y=y)'),
]


async def test_smoke_test_runs_the_cells_above_and_reports_in_the_models_cell(nb_client):
    uri = NOTEBOOK.replace("eight_schools", "smoke")
    notebook = Notebook(nb_client, uri)
    await nb_client.published.after(f"{uri}#cell6", lambda: notebook.open(SMOKE_CELLS))
    lenses = await nb_client.text_document_code_lens_async(
        types.CodeLensParams(text_document=ident(notebook.uri_of(5)))
    )
    (lens,) = [lens for lens in lenses if lens.command.command == "numpyro.smokeTest"]
    report = await nb_client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=lens.command.command, arguments=lens.command.arguments)
    )
    assert report["verdict"] == "warn", report
    assert report["divergences"] > 0
    smoke = [d for d in nb_client.diagnostics.get(notebook.uri_of(5), []) if d.source != "numpyro"]
    (divergence,) = [d for d in smoke if d.code == "smoke-divergences"]
    assert divergence.range.start == notebook.position(5, '"theta"')
    # The posterior hover is the model cell's.
    hover = await nb_client.text_document_hover_async(
        types.HoverParams(ident(notebook.uri_of(5)), notebook.position(5, '"tau"', 2))
    )
    assert "**tau**: posterior from the NUTS smoke test" in hover.contents.value


async def test_smoke_test_takes_the_data_of_the_run_in_a_cell_below_the_model(nb_client):
    # A notebook's usual order: the model, a cell that prepares its data (a method call on
    # it among them), the cell that runs it, and a cell below which never runs.
    uri = NOTEBOOK.replace("eight_schools", "run_below")
    cells = [
        SMOKE_CELLS[0],
        ("code", "from jax import random\nfrom numpyro.infer import MCMC, NUTS"),
        ("code", MODEL),
        ("code", "J = 8\ny = [28.0, 8.0, -3.0, 7.0, -1.0, 1.0, 18.0]\ny.append(12.0)"),
        ("code", SMOKE_CELLS[2][1]),
        (
            "code",
            "mcmc = MCMC(NUTS(model), num_warmup=10, num_samples=10)\n"
            "mcmc.run(random.PRNGKey(0), J, sigma, y=np.array(y))",
        ),
        ("code", "boom = 1 / 0"),
    ]
    notebook = Notebook(nb_client, uri)
    await nb_client.published.after(f"{uri}#cell3", lambda: notebook.open(cells))
    report = await nb_client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="numpyro.smokeTest", arguments=[uri, "model"])
    )
    assert report["verdict"] == "warn" and report["divergences"] > 0, report
    assert len(report["sites"]["theta"]["mean"]) == 8  # all of ``y``, the appended value too
    details = [m.message for m in nb_client.log_messages if "arguments:" in m.message][-1]
    assert "arguments: (J, sigma, y=np.array(y)) from `mcmc.run` on cell 6, line 2" in details


async def test_saving_a_notebook_traces_its_models_shapes_when_asked(nb_client):
    """``shapes.onSave``: notebookDocument/didSave traces the models like a file's save; the
    shapes show in the model's cell."""
    uri = NOTEBOOK.replace("eight_schools", "saved_shapes")
    notebook = Notebook(nb_client, uri)
    await nb_client.published.after(f"{uri}#cell6", lambda: notebook.open(SMOKE_CELLS))
    nb_client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"numpyro": {"shapes": {"onSave": True}}})
    )
    await asyncio.sleep(0.3)
    nb_client.notebook_document_did_save(
        types.DidSaveNotebookDocumentParams(
            notebook_document=types.NotebookDocumentIdentifier(uri=uri)
        )
    )
    cell = notebook.uri_of(5)
    text = notebook.cells[5]["text"].split("\n")
    line = next(i for i, t in enumerate(text) if 'numpyro.sample("theta"' in t)
    labels: dict = {}
    for _ in range(240):
        found = await nb_client.text_document_inlay_hint_async(
            types.InlayHintParams(
                text_document=ident(cell),
                range=types.Range(types.Position(0, 0), types.Position(10, 0)),
            )
        )
        labels = {h.label: h.position for h in found or []}
        if "theta: (8,) | ()" in labels:
            break
        await asyncio.sleep(0.25)
    assert labels.get("theta: (8,) | ()") == types.Position(line, len(text[line]))


async def test_bad_notebook_messages_leave_the_server_serving(nb_client):
    uri = NOTEBOOK.replace("eight_schools", "closed")
    notebook = Notebook(nb_client, uri)
    await nb_client.published.after(f"{uri}#cell6", lambda: notebook.open(SMOKE_CELLS))
    cell = notebook.uri_of(5)
    nb_client.notebook_document_did_close(
        types.DidCloseNotebookDocumentParams(
            notebook_document=types.NotebookDocumentIdentifier(uri=uri),
            cell_text_documents=[
                types.TextDocumentIdentifier(uri=c["uri"]) for c in notebook.cells
            ],
        )
    )
    # A change of a notebook that is not open, and a request about a cell of a closed one.
    notebook.append_line(5, "x = 1")
    hover = await nb_client.text_document_hover_async(
        types.HoverParams(ident(cell), types.Position(0, 0))
    )
    assert hover is None
    # The closed notebook's cells are cleared, and the server still answers.
    assert not nb_client.diagnostics.get(cell)
    other = Notebook(nb_client, uri.replace("closed", "after"))
    await nb_client.published.after(f"{other.uri}#cell6", lambda: other.open(SMOKE_CELLS))
    assert any(d.code == "NPR012" for d in nb_client.diagnostics[other.uri_of(5)])


async def test_a_smoke_test_that_fails_in_a_cell_above_names_that_cell(nb_client):
    uri = NOTEBOOK.replace("eight_schools", "fails_above")
    cells = list(SMOKE_CELLS)
    cells[1] = ("code", "J = 8\nscale = 1 / 0\ny = np.zeros(8)")
    notebook = Notebook(nb_client, uri)
    await nb_client.published.after(f"{uri}#cell6", lambda: notebook.open(cells))
    report = await nb_client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="numpyro.smokeTest", arguments=[uri, "model"])
    )
    assert report["verdict"] == "fail", report
    # The program's line 6 is the second cell's line 2; the message says so.
    assert "fails_above.ipynb:cell 2:2" in nb_client.messages[-1].message
    assert "ipynb:6" not in nb_client.messages[-1].message


async def test_a_cell_ipython_dedents_answers_at_its_own_columns(nb_client):
    # A cell whose first line is indented runs dedented in IPython; the program holds it so,
    # and positions cross back by the columns taken off.
    uri = NOTEBOOK.replace("eight_schools", "indented")
    notebook = Notebook(nb_client, uri)
    cells = [
        ("code", "  import numpyro\n  import numpyro.distributions as dist"),
        ("code", "  prior = dist.HalfNormal(-1.0)\n  other = dist.Normal(0.0, 1.0)"),
    ]
    await nb_client.published.after(f"{uri}#cell2", lambda: notebook.open(cells))
    found = await diagnostics_settled(nb_client, notebook)
    (negative,) = found[1]
    assert negative.code == "NPR011"
    assert negative.range.start == notebook.position(1, "-1.0")
    hover = await nb_client.text_document_hover_async(
        types.HoverParams(ident(notebook.uri_of(1)), notebook.position(1, "Normal(0.0", 2))
    )
    assert "Normal" in hover.contents.value
    if hover.range is not None:
        assert hover.range.start == notebook.position(1, "Normal(0.0")
    notebook.append_line(1, "  d = dist.")
    position = notebook.position(1, "d = dist.", 9)
    items = await completion_items(nb_client, notebook, 1, position)
    assert "HalfCauchy" in [i.label for i in items]


# A cell below the model that opens a string over several lines (Stan code beside the model).
STAN_CODE = 'stan_code = """\ndata { int J; }\n"""'


async def test_a_string_left_open_in_one_cell_hides_nothing_of_the_next(nb_client):
    # IPython parses each cell on its own: a docstring being typed in one cell ends with it,
    # and does not pair with the quotes that open a string two cells below (the model's
    # cell would be read as that string's text).
    uri = NOTEBOOK.replace("eight_schools", "open_string")
    notebook = Notebook(nb_client, uri)
    helper = "def helper(x):\n    return x"
    cells = [("code", IMPORTS), ("code", helper), ("code", MODEL), ("code", STAN_CODE)]
    await nb_client.published.after(f"{uri}#cell3", lambda: notebook.open(cells))
    before = await diagnostics_settled(nb_client, notebook)
    assert [d.code for d in before[2]] == ["NPR012"]
    notebook.edit(1, types.Range(types.Position(1, 0), types.Position(1, 0)), '    """Draw\n')
    after = await diagnostics_settled(nb_client, notebook)
    assert [(d.code, d.range) for d in after[2]] == [(d.code, d.range) for d in before[2]]
    (centered,) = after[2]
    actions = await nb_client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=ident(notebook.uri_of(2)),
            range=centered.range,
            context=types.CodeActionContext(diagnostics=[centered]),
        )
    )
    assert any("LocScaleReparam" in action.title for action in actions or [])
    lenses = await nb_client.text_document_code_lens_async(
        types.CodeLensParams(text_document=ident(notebook.uri_of(2)))
    )
    assert any(lens.command and "smoke" in lens.command.command for lens in lenses or [])
