"""URIs and paths in Windows form (drive letters, backslashes, percent-encoding) through each
place that converts them: pygls's URI functions as the server uses them on Windows, the
server over LSP with the URIs VS Code sends on Windows, and the bootstrap that hands the
catalog builder and the smoke worker to the project's interpreter."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from urllib.parse import unquote

import pytest
from lsprotocol import types
from pygls import uris

from numpyro_lsp import environment

# What VS Code sends on Windows for C:\Users\Zoë\My Models\model.py: the drive letter in
# lower case, its colon and everything outside ASCII percent-encoded.
VSCODE_URI = "file:///c%3A/Users/Zo%C3%AB/My%20Models/model.py"
WINDOWS_PATH = r"C:\Users\Zoë\My Models\model.py"


@pytest.fixture
def on_windows(monkeypatch):
    monkeypatch.setattr(uris, "IS_WIN", True)


def test_a_vscode_uri_becomes_the_windows_path(on_windows):
    assert uris.to_fs_path(VSCODE_URI) == r"c:\Users\Zoë\My Models\model.py"


def test_a_windows_path_becomes_a_uri_that_names_the_same_document(on_windows):
    uri = uris.from_fs_path(WINDOWS_PATH)
    assert uri == "file:///c:/Users/Zo%C3%AB/My%20Models/model.py"
    # The server finds open documents by the unquoted URI (pygls's key): a URI made from a
    # path on disk (workspace files, references) names the document the editor opened.
    assert unquote(uri) == unquote(VSCODE_URI)
    assert uris.to_fs_path(uri) == uris.to_fs_path(VSCODE_URI)


def test_a_unc_path_keeps_its_server(on_windows):
    uri = uris.from_fs_path(r"\\server\share\models\model.py")
    assert uri == "file://server/share/models/model.py"
    assert uris.to_fs_path(uri) == r"\\server\share\models\model.py"


def test_the_helper_bootstrap_keeps_windows_like_file_names(tmp_path, monkeypatch):
    """The files handed to the project's interpreter are named in a Python literal inside
    ``python -c``: backslashes, quotes, spaces and non-ASCII letters must survive it."""
    root = tmp_path / 'C:\\Users\\Zoë\'s "models"'
    for module in ("__init__.py", "smoke/__init__.py", "smoke/protocol.py"):
        target = root / "numpyro_lsp" / module
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(environment.PACKAGE_ROOT / "numpyro_lsp" / module, target)
    monkeypatch.setattr(environment, "PACKAGE_ROOT", root)
    command = environment.helper_command(sys.executable, "numpyro_lsp.smoke.protocol", [])
    files_line = command[2].splitlines()[1]
    files = ast.literal_eval(files_line.split(" = ", 1)[1].rsplit(",", 1)[0])
    assert files["numpyro_lsp.smoke.protocol"] == str(root / "numpyro_lsp/smoke/protocol.py")
    # And the bootstrap runs the module from there, not from the installed package.
    command[2] += "print(sys.modules['numpyro_lsp.smoke'].__file__)\n"
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(root / "numpyro_lsp/smoke/__init__.py")


async def test_the_server_answers_for_a_windows_uri(client):
    """A document VS Code opened on Windows: checks, completion and hover come back under the
    URI as sent, whatever the platform the server runs on."""
    text = "import numpyro\nimport numpyro.distributions as dist\n\nx = dist.HalfNormal(-1.0)\n"
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=VSCODE_URI, language_id="python", version=1, text=text
            )
        )
    )
    published = await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    while published.uri != VSCODE_URI:
        published = await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    assert [d.code for d in published.diagnostics] == ["NPR011"]
    document = types.TextDocumentIdentifier(uri=VSCODE_URI)
    completion = await client.text_document_completion_async(
        types.CompletionParams(text_document=document, position=types.Position(3, 9))
    )
    items = completion.items if isinstance(completion, types.CompletionList) else completion
    assert "HalfNormal" in {item.label for item in items}
    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=document, position=types.Position(3, 12))
    )
    assert hover is not None and "HalfNormal" in hover.contents.value
    client.text_document_did_close(types.DidCloseTextDocumentParams(text_document=document))
