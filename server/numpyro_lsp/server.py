"""The language server: state, and the wiring of LSP messages to the feature modules."""

from __future__ import annotations

from lsprotocol import types

from numpyro_lsp.features import completion, hover, server_info, signature_help, smoke
from numpyro_lsp.features.language_server import NumpyroLanguageServer


def create_server(python: str | None = None) -> NumpyroLanguageServer:
    server = NumpyroLanguageServer(python)

    @server.feature(types.INITIALIZE)
    def initialize(ls: NumpyroLanguageServer, params: types.InitializeParams) -> None:
        for problem in ls.configure(params.initialization_options):
            ls.window_log_message(
                types.LogMessageParams(type=types.MessageType.Warning, message=problem)
            )

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
        uri = params.text_document.uri
        ls.documents.forget(uri)
        ls.forget_diagnostics(uri)
        smoke.forget(ls, uri)

    @server.feature(types.SHUTDOWN)
    def shutdown(ls: NumpyroLanguageServer, *args) -> None:
        ls.smoke_runner.close()

    for feature in (completion, hover, signature_help, server_info, smoke):
        feature.register(server)
    return server
