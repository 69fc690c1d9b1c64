"""``numpyro.serverInfo`` and ``numpyro.rebuildCatalog``: what the server runs on, and a way
to refresh the catalog by hand."""

from __future__ import annotations

import asyncio
import sys

from lsprotocol import types

from numpyro_lsp import __version__
from numpyro_lsp.features.language_server import NumpyroLanguageServer
from numpyro_lsp.features.project_python import catalog_changed, catalog_failure
from numpyro_lsp.features.pygls_internals import request_futures


def register(server: NumpyroLanguageServer) -> None:
    @server.command("numpyro.serverInfo")
    @server.thread()
    def server_info(ls: NumpyroLanguageServer) -> dict:
        # In a thread: it waits for the project's interpreter to say which numpyro it has.
        loaded = ls.catalogs.loaded
        return {
            "version": __version__,
            "python": sys.executable,
            # The project's interpreter: its numpyro is described, and runs the smoke test.
            "projectPython": ls.python,
            "numpyroInstalled": loaded.installed_version,
            "catalogNumpyroVersion": loaded.catalog.numpyro_version,
            "catalogSource": str(loaded.source),
            # The server must never pay for importing these: the catalog stands in for them.
            "jaxImported": "jax" in sys.modules,
            "numpyroImported": "numpyro" in sys.modules,
            "maxRssKiB": max_rss_kib(),
            # The open documents whose trees are in memory (features/retention.py).
            "analysedDocuments": sorted(
                document.uri for document in ls.open_snapshots().values() if document.holds_analysis
            ),
            # Requests pygls still tracks (this one included): it must not grow with edits.
            "pendingRequests": len(request_futures(ls.protocol)),
            "reexportLookupsRunning": ls.reexports.pending,
            "settings": ls.sent_settings,
        }

    @server.command("numpyro.rebuildCatalog")
    async def rebuild_catalog(ls: NumpyroLanguageServer) -> dict:
        from numpyro_lsp.catalog.store import CatalogBuildError

        try:
            path = await asyncio.to_thread(ls.catalogs.rebuild)
        except (CatalogBuildError, OSError, ValueError) as error:
            ls.window_show_message(
                types.ShowMessageParams(
                    type=types.MessageType.Error, message=catalog_failure(ls, error)
                )
            )
            return {"ok": False, "error": str(error)}
        catalog_changed(ls)
        return {
            "ok": True,
            "path": str(path),
            "numpyroVersion": ls.catalogs.catalog.numpyro_version,
        }


def max_rss_kib() -> int | None:
    """The process's peak resident memory, where the platform says (not on Windows)."""
    try:
        import resource  # POSIX only
    except ImportError:
        return None
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
