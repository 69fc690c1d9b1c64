"""The LSP messages the benchmarks send, and waiting for a document's diagnostics."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from capabilities import CLIENT_CAPABILITIES
from lsp_client import LspClient, Notification

# A server that has not published diagnostics by then is reported as broken, not waited on.
DIAGNOSTICS_TIMEOUT_S = 60.0

Position = dict[str, int]
Range = dict[str, Position]


def initialize_params(root: Path, options: dict[str, Any] | None = None) -> dict[str, Any]:
    params: dict[str, Any] = {
        "processId": None,
        "clientInfo": {"name": "numpyro-lsp-bench", "version": "1"},
        "rootUri": root.as_uri(),
        "rootPath": str(root),
        "workspaceFolders": [{"uri": root.as_uri(), "name": root.name}],
        "capabilities": CLIENT_CAPABILITIES,
        "trace": "off",
    }
    if options is not None:
        params["initializationOptions"] = options
    return params


def did_open_params(uri: str, text: str, version: int = 1) -> dict[str, Any]:
    return {"textDocument": {"uri": uri, "languageId": "python", "version": version, "text": text}}


def did_change_params(uri: str, version: int, range_: Range, text: str) -> dict[str, Any]:
    return {
        "textDocument": {"uri": uri, "version": version},
        "contentChanges": [{"range": range_, "text": text}],
    }


def point(line: int, character: int) -> Range:
    """An empty range: where an insertion goes."""
    position = {"line": line, "character": character}
    return {"start": position, "end": dict(position)}


def completion_params(uri: str, position: Position) -> dict[str, Any]:
    return {
        "textDocument": {"uri": uri},
        "position": position,
        "context": {"triggerKind": 1},
    }


def position_params(uri: str, position: Position) -> dict[str, Any]:
    """For hover and signature help."""
    return {"textDocument": {"uri": uri}, "position": position}


def code_action_params(
    uri: str, range_: Range, diagnostics: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "textDocument": {"uri": uri},
        "range": range_,
        "context": {"diagnostics": diagnostics, "triggerKind": 1},
    }


def next_diagnostics(client: LspClient, uri: str, version: int) -> asyncio.Future[Notification]:
    """The next publishDiagnostics for ``uri`` at ``version`` (or without a version); take it
    before sending the change that should trigger it."""

    def matches(params: Any) -> bool:
        return params.get("uri") == uri and params.get("version") in (None, version)

    return client.next_notification("textDocument/publishDiagnostics", matches)


async def published(future: asyncio.Future[Notification]) -> Notification:
    return await asyncio.wait_for(future, DIAGNOSTICS_TIMEOUT_S)


def overlapping(diagnostics: list[dict[str, Any]], range_: Range) -> list[dict[str, Any]]:
    """The diagnostics on the lines of ``range_``: what an editor sends with a code action."""
    first, last = range_["start"]["line"], range_["end"]["line"]
    return [
        d
        for d in diagnostics
        if d["range"]["start"]["line"] <= last and d["range"]["end"]["line"] >= first
    ]
