"""The language server: state, and the wiring of LSP messages to the feature modules."""

from __future__ import annotations

from lsprotocol import types

from numpyro_lsp.features import (
    completion,
    configuration,
    hover,
    server_info,
    signature_help,
)
from numpyro_lsp.features.language_server import NumpyroLanguageServer


def create_server(python: str | None = None) -> NumpyroLanguageServer:
    server = NumpyroLanguageServer(python)

    @server.feature(types.INITIALIZED)
    def initialized(ls: NumpyroLanguageServer, params: types.InitializedParams) -> None:
        # Loads the catalog now, not on the first keystroke, and rebuilds it in the background
        # when the installed numpyro differs from it.
        ls.catalogs.rebuild_in_background_if_due(
            lambda message: ls.window_log_message(
                types.LogMessageParams(type=types.MessageType.Info, message=message)
            )
        )

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: NumpyroLanguageServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.documents.forget(params.text_document.uri)

    for feature in (configuration, completion, hover, signature_help, server_info):
        feature.register(server)
    return server
