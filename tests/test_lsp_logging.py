"""The server's log reaches the editor (window/logMessage) at the level the client's trace asks
for, and a failed catalog build is shown with the way to fix it."""

from __future__ import annotations

import asyncio
import os
import sys

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from conftest import EXAMPLES
from numpyro_matrix import ensure


async def started(trace: types.TraceValue, env: dict | None = None, options: dict | None = None):
    client = await ClientServerConfig(
        server_command=[sys.executable, "-m", "numpyro_lsp"], server_env=env
    ).start()
    await client.initialize_session(
        types.InitializeParams(
            capabilities=pytest_lsp.client_capabilities("visual-studio-code"),
            root_uri=EXAMPLES.as_uri(),
            trace=trace,
            initialization_options=options,
        )
    )
    # A request answered after ``initialized`` was handled (the catalog is loaded there).
    await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="numpyro.serverInfo")
    )
    return client


def logged(client: LanguageClient) -> list[str]:
    return [m.message for m in client.log_messages]


async def test_information_is_logged_at_trace_messages_and_not_when_off():
    chatty = await started(types.TraceValue.Messages)
    quiet = await started(types.TraceValue.Off)
    try:
        said = [m for m in logged(chatty) if "catalog of numpyro 0.22.0 from" in m]
        assert said and said[0].startswith("INFO numpyro_lsp.catalog.provider:")
        assert not any("catalog of numpyro" in m for m in logged(quiet))
        # $/setTrace turns it on for what follows.
        quiet.protocol.notify(types.SET_TRACE, types.SetTraceParams(types.TraceValue.Messages))
        quiet.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(settings={"numpyro": {"debounceMs": 50}})
        )
        await quiet.workspace_execute_command_async(
            types.ExecuteCommandParams(command="numpyro.serverInfo")
        )
        assert "INFO numpyro_lsp.features.configuration: settings: {'debounceMs': 50}" in (
            logged(quiet)
        )
    finally:
        await chatty.shutdown_session()
        await quiet.shutdown_session()


async def test_a_failed_catalog_build_is_shown_with_the_fix(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    project = ensure("0.18.0")
    env = {**os.environ, "NUMPYRO_LSP_CACHE_DIR": str(blocker / "cache")}
    client = await started(types.TraceValue.Off, env, {"interpreter": str(project)})
    try:
        async with asyncio.timeout(180):
            while not client.messages:
                await asyncio.sleep(0.1)
        (shown,) = client.messages
        assert shown.type == types.MessageType.Warning
        assert "the catalog of numpyro 0.18.0 could not be built" in shown.message
        assert "The server describes numpyro 0.22.0 meanwhile." in shown.message
        assert f"Make the cache folder {blocker / 'cache'} writable" in shown.message
        # The failure is in the log too, though the trace is off: it is a warning.
        assert any("catalog rebuild failed" in m for m in logged(client))
    finally:
        await client.shutdown_session()
