"""Settings reach the server: initializationOptions, then workspace/didChangeConfiguration."""

from __future__ import annotations

import sys

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from conftest import ROOT

SETTINGS = {"diagnostics": {"severity": {"NPR001": "error"}}, "smokeTest": {"enabled": False}}


SERVER = ClientServerConfig(server_command=[sys.executable, "-m", "numpyro_lsp", "--stdio"])


async def initialize_with(client: LanguageClient, options: dict) -> None:
    await client.initialize_session(
        types.InitializeParams(
            capabilities=pytest_lsp.client_capabilities("visual-studio-code"),
            root_uri=ROOT.as_uri(),
            initialization_options=options,
        )
    )


@pytest_lsp.fixture(config=SERVER)
async def configured(lsp_client: LanguageClient):
    await initialize_with(lsp_client, SETTINGS)
    yield
    await lsp_client.shutdown_session()


async def server_settings(client: LanguageClient) -> dict:
    info = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="numpyro.serverInfo")
    )
    return info["settings"]


async def test_initialization_options_are_the_settings(configured):
    assert await server_settings(configured) == SETTINGS


async def test_did_change_configuration_replaces_them(configured):
    changed = {"smokeTest": {"enabled": True, "chains": 1}}
    configured.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"numpyro": changed})
    )
    assert await server_settings(configured) == changed
    # Without the section name (as some editors send it), and null (a pull-model client).
    configured.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings=SETTINGS)
    )
    configured.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    assert await server_settings(configured) == SETTINGS


@pytest_lsp.fixture(config=SERVER)
async def misconfigured(lsp_client: LanguageClient):
    await initialize_with(lsp_client, {"debounceMs": -1, "diagnostics": {"select": ["NPR999"]}})
    yield
    await lsp_client.shutdown_session()


async def test_wrong_initialization_options_are_reported(misconfigured):
    # Read at ``initialized``; a request after it is answered once they have been.
    await server_settings(misconfigured)
    assert [m.message for m in misconfigured.messages] == [
        "numpyro-lsp settings: numpyro.debounceMs: expected a whole number from 0 to 5000, "
        "got -1 (using the default 300)",
        "numpyro-lsp settings: numpyro.diagnostics.select: unknown rule code NPR999, "
        "got ['NPR999'] (using the default)",
    ]
