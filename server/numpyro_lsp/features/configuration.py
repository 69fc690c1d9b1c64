"""The client's settings, from initializationOptions and workspace/didChangeConfiguration,
read into the typed tree of settings.py."""

from __future__ import annotations

import logging
from typing import Any

from lsprotocol import types

from numpyro_lsp.features import inlay_hints
from numpyro_lsp.features.diagnostics import publish_all
from numpyro_lsp.features.language_server import NumpyroLanguageServer
from numpyro_lsp.settings import read

log = logging.getLogger(__name__)


def numpyro_section(value: Any) -> dict[str, Any]:
    """The ``numpyro`` settings, sent bare (initializationOptions) or wrapped as
    ``{"numpyro": {...}}`` (vscode-languageclient on a change)."""
    if not isinstance(value, dict):
        return {}
    section = value.get("numpyro")
    return dict(section) if isinstance(section, dict) else dict(value)


def apply(ls: NumpyroLanguageServer, raw: object) -> None:
    ls.sent_settings = numpyro_section(raw)
    use_settings(ls)


def use_settings(ls: NumpyroLanguageServer) -> None:
    """Read the settings from ``ls.sent_settings``, warning about what is wrong with them."""
    log.info("settings: %s", ls.sent_settings)
    ls.settings, problems = read(ls.sent_settings)
    for problem in problems:
        ls.window_show_message(
            types.ShowMessageParams(
                type=types.MessageType.Warning, message=f"numpyro-lsp settings: {problem}"
            )
        )


def register(server: NumpyroLanguageServer) -> None:
    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    def did_change_configuration(
        ls: NumpyroLanguageServer, params: types.DidChangeConfigurationParams
    ) -> None:
        # ``settings: null`` is a client that wants to be asked: keep what we have.
        if params.settings is not None:
            apply(ls, params.settings)
            publish_all(ls)
            inlay_hints.refresh(ls)
