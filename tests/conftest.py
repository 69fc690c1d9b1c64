"""Shared fixtures: a numpyro-lsp server driven over stdio by pytest-lsp, like an editor."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"

# Half-typed code's file (tests/test_lsp_half_typed.py, tests/test_neovim_e2e.py): the
# 8-schools model with ``numpyro.distributions`` aliased, and a constraint violation
# beside the centered site: two findings of two rules to keep.
ALIASED = (
    (EXAMPLES / "eight_schools.py")
    .read_text()
    .replace("import numpyro.distributions as dist", "import numpyro.distributions as D")
    .replace("dist.", "D.")
    .replace(
        '    tau = numpyro.sample("tau", D.HalfCauchy(5))\n',
        '    tau = numpyro.sample("tau", D.HalfCauchy(5))\n    width = D.HalfNormal(-1.0)\n',
    )
)
UNFINISHED_FUNCTION = "\n\ndef probe():\n    a = D.\n"


@pytest_lsp.fixture(
    scope="module",
    config=ClientServerConfig(server_command=[sys.executable, "-m", "numpyro_lsp", "--stdio"]),
)
async def client(lsp_client: LanguageClient):
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=pytest_lsp.client_capabilities("visual-studio-code"),
            root_uri=ROOT.as_uri(),
        )
    )
    lsp_client.published = PublishedDiagnostics(lsp_client)
    yield
    await lsp_client.shutdown_session()


class PublishedDiagnostics:
    """Every publishDiagnostics the server sent, in order, so a test can wait for the next one
    for a document without missing any (pytest-lsp keeps only the last per URI, unversioned)."""

    def __init__(self, client: LanguageClient) -> None:
        self.log: list[types.PublishDiagnosticsParams] = []
        self._arrived = asyncio.Event()
        handle = client.protocol._handle_notification

        def record(method_name, params):
            if method_name == types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS:
                self.log.append(params)
                self._arrived.set()
            return handle(method_name, params)

        client.protocol._handle_notification = record

    async def after(self, uri: str, action, timeout: float = 10) -> types.PublishDiagnosticsParams:
        """Run ``action``, then return the first diagnostics published for ``uri`` after it."""
        start = len(self.log)
        action()
        async with asyncio.timeout(timeout):
            while True:
                self._arrived.clear()
                for params in self.log[start:]:
                    if params.uri == uri:
                        return params
                start = len(self.log)
                await self._arrived.wait()


class Editor:
    """Opens and edits documents on a pytest-lsp client, and finds positions in them."""

    def __init__(self, client: LanguageClient) -> None:
        self.client = client
        self.versions: dict[str, int] = {}
        self.texts: dict[str, str] = {}

    @staticmethod
    def uri_for(name: str) -> str:
        """A URI for a document that exists only in the editor (never saved)."""
        return (ROOT / "tests" / "_virtual" / name).as_uri()

    def open(self, name: str, text: str) -> str:
        uri = self.uri_for(name)
        self.versions[uri] = 1
        self.texts[uri] = text
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri=uri, language_id="python", version=1, text=text
                )
            )
        )
        return uri

    def replace_all(self, uri: str, text: str) -> None:
        """An unsaved edit: the whole text replaced through an incremental change."""
        old = self.texts[uri]
        lines = old.split("\n")
        self.versions[uri] += 1
        self.texts[uri] = text
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(
                    uri=uri, version=self.versions[uri]
                ),
                content_changes=[
                    types.TextDocumentContentChangePartial(
                        range=types.Range(
                            start=types.Position(0, 0),
                            end=types.Position(len(lines) - 1, utf16_len(lines[-1])),
                        ),
                        text=text,
                    )
                ],
            )
        )

    def change(self, uri: str, *changes: tuple[types.Range, str]) -> int:
        """One didChange with incremental changes, each applied to the text the previous
        one left (as LSP orders them); returns the new version."""
        for range_, text in changes:
            self.texts[uri] = apply_text_edits(self.texts[uri], [types.TextEdit(range_, text)])
        self.versions[uri] += 1
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(
                    uri=uri, version=self.versions[uri]
                ),
                content_changes=[
                    types.TextDocumentContentChangePartial(range=range_, text=text)
                    for range_, text in changes
                ],
            )
        )
        return self.versions[uri]

    def position(self, uri: str, marker: str, offset: int = 0) -> types.Position:
        """The LSP position (UTF-16 columns) of ``marker``'s first occurrence plus ``offset``."""
        text = self.texts[uri]
        index = text.index(marker) + offset
        before = text[:index]
        line = before.count("\n")
        line_start = before.rfind("\n") + 1
        return types.Position(line, utf16_len(before[line_start:].rstrip("\r")))


def apply_text_edits(text: str, edits) -> str:
    """Apply LSP TextEdits (UTF-16 positions) to a text, as an editor does."""

    def offset(position: types.Position) -> int:
        lines = text.split("\n")
        before = sum(len(line) + 1 for line in lines[: position.line])
        line = lines[position.line] if position.line < len(lines) else ""
        units = 0
        for index, char in enumerate(line):
            if units >= position.character:
                return before + index
            units += utf16_len(char)
        return before + len(line)

    for edit in sorted(
        edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True
    ):
        text = text[: offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end) :]
    return text


async def code_actions(client, editor, uri, marker, offset=0, diagnostics=()):
    """The code actions offered with the cursor on ``marker`` (plus ``offset``)."""
    position = editor.position(uri, marker, offset)
    return (
        await client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                range=types.Range(start=position, end=position),
                context=types.CodeActionContext(diagnostics=list(diagnostics)),
            )
        )
        or []
    )


def apply_action(editor, uri, action) -> str:
    """Apply a code action's versioned edit to the editor's document; returns the new text."""
    (change,) = action.edit.document_changes
    assert change.text_document.uri == uri
    assert change.text_document.version == editor.versions[uri]
    new_text = apply_text_edits(editor.texts[uri], change.edits)
    editor.replace_all(uri, new_text)
    return new_text


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@pytest.fixture(scope="module")
def editor(client: LanguageClient) -> Editor:
    return Editor(client)
