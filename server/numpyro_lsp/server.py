"""The language server: state, and the wiring of LSP messages to the feature modules."""

from __future__ import annotations

import gc

from lsprotocol import types

from numpyro_lsp.features import (
    advise,
    client_log,
    code_actions,
    completion,
    configuration,
    diagnostics,
    hover,
    inlay_hints,
    notebooks,
    project_python,
    server_info,
    shape_lens,
    signature_help,
    site_navigation,
    smoke,
    smoke_pictures,
    symbols,
    warm_up,
)
from numpyro_lsp.features.language_server import NumpyroLanguageServer


def create_server(python: str | None = None) -> NumpyroLanguageServer:
    server = NumpyroLanguageServer(python)

    @server.feature(types.INITIALIZE)
    def initialize(ls: NumpyroLanguageServer, params: types.InitializeParams) -> None:
        # Read here for the interpreter only; ``initialized``, which comes before any other
        # message, reads them all and says what is wrong with them.
        client_log.forward_logs(ls, params.trace)
        ls.sent_settings = configuration.numpyro_section(params.initialization_options)
        # ``--python`` on the command line comes first, then this option, then the server's
        # own interpreter.
        interpreter = project_python.interpreter_option(ls.sent_settings)
        if python is None and interpreter is not None:
            ls.python = interpreter

    @server.feature(types.INITIALIZED)
    def initialized(ls: NumpyroLanguageServer, params: types.InitializedParams) -> None:
        # The project's interpreter is asked for its numpyro first: it starts in a process
        # of its own while this one reads its settings and imports what requests need.
        ls.catalogs.start_loading()
        configuration.use_settings(ls)
        # What worker threads share is created here, before any thread runs.
        ls.prepare()
        warm_up()
        # Loads the catalog now, not on the first keystroke, and rebuilds it in the background
        # when the project's numpyro differs from it.
        project_python.describe(ls)
        # The catalog and the modules are loaded for good: freeze them out of the garbage
        # collector's view, so that its full collections (one check in three, on a large
        # file) stop walking them (see docs/performance.md). Raising the thresholds as well
        # made checks faster still but memory at rest grew by a fifth in the soak.
        gc.freeze()

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: NumpyroLanguageServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls.forget_document(uri)
        diagnostics.forget(ls, uri)
        smoke.forget(ls, uri)
        shape_lens.forget(ls, uri)
        advise.forget(ls, uri)

    @server.feature(types.SHUTDOWN)
    def shutdown(ls: NumpyroLanguageServer, *args) -> None:
        ls.close_smoke_runner()

    for feature in (
        client_log,
        completion,
        hover,
        signature_help,
        diagnostics,
        code_actions,
        configuration,
        server_info,
        symbols,
        site_navigation,
        inlay_hints,
        smoke,
        smoke_pictures,
        notebooks,
        shape_lens,
        advise,
    ):
        feature.register(server)
    return server
