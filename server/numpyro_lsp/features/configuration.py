"""Options from initializationOptions and workspace/didChangeConfiguration."""

from __future__ import annotations

from lsprotocol import types

from numpyro_lsp.features import inlay_hints
from numpyro_lsp.features.diagnostics import publish_all
from numpyro_lsp.features.language_server import NumpyroLanguageServer
from numpyro_lsp.options import server_options


def apply(ls: NumpyroLanguageServer, raw: object) -> None:
    options, problems = server_options(raw)
    ls.options = options
    for problem in problems:
        ls.window_show_message(
            types.ShowMessageParams(
                type=types.MessageType.Warning,
                message=f"numpyro-lsp settings: {problem} (using the default)",
            )
        )


def register(server: NumpyroLanguageServer) -> None:
    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    def did_change_configuration(
        ls: NumpyroLanguageServer, params: types.DidChangeConfigurationParams
    ) -> None:
        apply(ls, params.settings)
        publish_all(ls)
        inlay_hints.refresh(ls)
