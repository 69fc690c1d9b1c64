"""The project's interpreter, at start: the ``interpreter`` initialization option, a message
when that interpreter cannot be described (no numpyro, one older than 0.15, not found), and
the catalog rebuilt in the background for its numpyro, with ``$/progress``."""

from __future__ import annotations

import asyncio
import threading
import uuid
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from numpyro_lsp.features import inlay_hints
from numpyro_lsp.features.capabilities import supports_progress
from numpyro_lsp.features.diagnostics import publish_all
from numpyro_lsp.features.language_server import NumpyroLanguageServer
from numpyro_lsp.settings import read

if TYPE_CHECKING:
    from numpyro_lsp.catalog.store import LoadedCatalog


def interpreter_option(sent: dict[str, Any]) -> str | None:
    """The ``interpreter`` setting, when one is set."""
    value = read({"interpreter": sent.get("interpreter")})[0].interpreter.strip()
    return value or None


def describe(ls: NumpyroLanguageServer) -> None:
    """At ``initialized``: load the catalog for the project's numpyro once its interpreter
    answers, the shipped one answering meanwhile (``CatalogProvider.when_loaded``); then say
    what is wrong when it cannot, and rebuild it in the background when none is cached for
    that version yet. Open documents are checked again whenever the catalog changes."""
    loop = asyncio.get_running_loop()

    def on_loaded(loaded: LoadedCatalog) -> None:
        if loaded.catalog is not answering:
            catalog_changed(ls)
        announce(ls, loaded)

    # Called from the thread that waited for the interpreter, or at once: on_loaded runs on
    # the event loop after this handler, so no document has been checked before ``answering``
    # is read (the shipped catalog, or the project's when it answered already).
    ls.catalogs.when_loaded(lambda loaded: loop.call_soon_threadsafe(on_loaded, loaded))
    answering = ls.catalogs.catalog


def announce(ls: NumpyroLanguageServer, loaded: LoadedCatalog) -> None:
    """Say what is wrong with the project's interpreter, or start the catalog's rebuild."""
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
    loop = asyncio.get_running_loop()

    def on_done(message: str, error: Exception | None) -> None:
        progress.end(message)
        if error is not None:
            ls.window_show_message(
                types.ShowMessageParams(
                    type=types.MessageType.Warning, message=catalog_failure(ls, error)
                )
            )
        else:
            loop.call_soon_threadsafe(catalog_changed, ls)

    ls.catalogs.rebuild_in_background_if_due(on_done)


def catalog_changed(ls: NumpyroLanguageServer) -> None:
    """On the event loop: the open documents' findings and hints were made with another
    catalog."""
    publish_all(ls)
    inlay_hints.refresh(ls)


def catalog_failure(ls: NumpyroLanguageServer, error: Exception) -> str:
    """What went wrong with the catalog's build, and what to do about it."""
    from numpyro_lsp.catalog.store import CatalogBuildError, cache_dir

    loaded = ls.catalogs.loaded
    said = (
        f"NumPyro: the catalog of numpyro {loaded.installed_version} could not be built ({error})."
    )
    meanwhile = f" The server describes numpyro {loaded.catalog.numpyro_version} meanwhile."
    if isinstance(error, CatalogBuildError):
        fix = (
            f' Check that `{ls.python} -c "import numpyro"` works, then run NumPyro: Rebuild '
            "Catalog (`numpyro.rebuildCatalog`); the builder's output is in the server's log."
        )
    else:
        fix = (
            f" Make the cache folder {cache_dir()} writable, or set NUMPYRO_LSP_CACHE_DIR to "
            "one that is, then restart the server."
        )
    return said + meanwhile + fix


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
