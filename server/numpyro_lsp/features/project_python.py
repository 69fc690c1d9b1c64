"""The project's interpreter, at start: the ``interpreter`` initialization option, a message
when that interpreter cannot be described (no numpyro, one older than 0.15, not found), and
the catalog rebuilt in the background for its numpyro, with ``$/progress``."""

from __future__ import annotations

import threading
import uuid
from typing import Any

from lsprotocol import types

from numpyro_lsp.features.capabilities import supports_progress
from numpyro_lsp.features.language_server import NumpyroLanguageServer
from numpyro_lsp.settings import read


def interpreter_option(sent: dict[str, Any]) -> str | None:
    """The ``interpreter`` setting, when one is set."""
    value = read({"interpreter": sent.get("interpreter")})[0].interpreter.strip()
    return value or None


def describe(ls: NumpyroLanguageServer) -> None:
    """Load the catalog for the project's numpyro: say what is wrong when it cannot, rebuild
    it in the background when none is cached for that version yet."""
    loaded = ls.catalogs.loaded
    if loaded.problem is not None:
        ls.window_show_message(
            types.ShowMessageParams(
                type=types.MessageType.Warning,
                message=f"NumPyro: {loaded.problem} Until then the server describes numpyro "
                f"{loaded.catalog.numpyro_version}, and the smoke test cannot run.",
            )
        )
        return
    if not loaded.needs_rebuild:
        return
    progress = RebuildProgress(ls, loaded.installed_version or "")

    def on_done(message: str) -> None:
        ls.window_log_message(types.LogMessageParams(type=types.MessageType.Info, message=message))
        progress.end(message)

    ls.catalogs.rebuild_in_background_if_due(on_done)


class RebuildProgress:
    """``$/progress`` for the catalog's rebuild, when the client shows progress. The build may
    end before the client has accepted the token: the end then waits for the begin."""

    def __init__(self, ls: NumpyroLanguageServer, version: str) -> None:
        self.ls = ls
        self.title = f"NumPyro: describing numpyro {version}"
        self.token = f"numpyro-catalog-{uuid.uuid4()}"
        self._lock = threading.Lock()
        self._begun = False
        self._ended: str | None = None
        if supports_progress(ls.client_capabilities):
            ls.work_done_progress.create(self.token, lambda *args: self._begin())

    def _begin(self) -> None:
        with self._lock:
            self._begun = True
            self.ls.work_done_progress.begin(
                self.token, types.WorkDoneProgressBegin(title=self.title, message="building")
            )
            if self._ended is not None:
                self._send_end()

    def end(self, message: str) -> None:
        with self._lock:
            self._ended = message
            if self._begun:
                self._send_end()

    def _send_end(self) -> None:
        self.ls.work_done_progress.end(self.token, types.WorkDoneProgressEnd(message=self._ended))
        self.ls.work_done_progress.tokens.pop(self.token, None)
