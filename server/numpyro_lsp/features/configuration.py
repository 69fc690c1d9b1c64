"""The client's ``numpyro`` settings: initializationOptions, then workspace/didChangeConfiguration.

The VS Code extension sends the ``numpyro`` section bare at initialize and wrapped as
``{"numpyro": {...}}`` on a change, as vscode-languageclient does; other editors send either.
Features read ``ls.settings`` and apply their own defaults.
"""

from __future__ import annotations

from typing import Any

from lsprotocol import types

from numpyro_lsp.features.language_server import NumpyroLanguageServer


def numpyro_section(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        return {}
    section = value.get("numpyro")
    return dict(section) if isinstance(section, dict) else dict(value)


def register(server: NumpyroLanguageServer) -> None:
    @server.feature(types.INITIALIZE)
    def initialize(ls: NumpyroLanguageServer, params: types.InitializeParams) -> None:
        ls.settings = numpyro_section(params.initialization_options)

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    def did_change_configuration(
        ls: NumpyroLanguageServer, params: types.DidChangeConfigurationParams
    ) -> None:
        # ``settings: null`` is a client that wants to be asked: keep what we have.
        if params.settings is not None:
            ls.settings = numpyro_section(params.settings)
