"""Holds the catalog the server answers from, and swaps in a fresh build when one is due."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from numpyro_lsp.catalog.schema import Catalog
from numpyro_lsp.catalog.store import (
    CatalogBuildError,
    LoadedCatalog,
    build_catalog,
    load_catalog,
    read_catalog,
)
from numpyro_lsp.environment import PendingProbe, start_probe

log = logging.getLogger(__name__)


class CatalogProvider:
    def __init__(self, python: str | None = None) -> None:
        self.python = python
        self._loaded: LoadedCatalog | None = None
        self._lock = threading.Lock()
        self._rebuild: threading.Thread | None = None
        self._probe: PendingProbe | None = None

    def start_loading(self) -> None:
        """Ask the project's interpreter for its numpyro now; ``loaded`` reads the answer.
        Starting that interpreter takes 80 ms or more, which the server spends meanwhile
        on its own start (features: ``initialized``)."""
        with self._lock:
            if self._loaded is None and self._probe is None:
                self._probe = start_probe(self.python)

    @property
    def loaded(self) -> LoadedCatalog:
        with self._lock:
            if self._loaded is None:
                found = self._probe.result() if self._probe is not None else None
                self._loaded = load_catalog(self.python, found)
                self._probe = None
                log.info(
                    "catalog of numpyro %s from %s",
                    self._loaded.catalog.numpyro_version,
                    self._loaded.source,
                )
            return self._loaded

    @property
    def catalog(self) -> Catalog:
        return self.loaded.catalog

    def rebuild(self) -> Path:
        """Build the catalog of the installed numpyro now (blocking) and start using it."""
        path = build_catalog(self.python)
        catalog = read_catalog(path)
        with self._lock:
            installed = self._loaded.installed_version if self._loaded else None
            self._loaded = LoadedCatalog(catalog, path, False, installed)
        return path

    def rebuild_in_background_if_due(
        self, on_done: Callable[[str, Exception | None], None]
    ) -> bool:
        """When the installed numpyro differs from the catalog in use, rebuild in a thread;
        ``on_done`` gets a one-line message either way, and the error when it failed."""
        if not self.loaded.needs_rebuild or self._rebuild is not None:
            return False

        def run() -> None:
            try:
                path = self.rebuild()
                version = self.catalog.numpyro_version
                log.info("catalog rebuilt for numpyro %s: %s", version, path)
                on_done(f"NumPyro catalog rebuilt for numpyro {version}: {path}", None)
            except (CatalogBuildError, OSError, ValueError) as error:
                log.warning("catalog rebuild failed: %s", error)
                on_done(f"NumPyro catalog rebuild failed, using the shipped one: {error}", error)
            except Exception as error:  # noqa: BLE001 - a failed build must not kill the server
                log.exception("catalog rebuild")
                on_done(f"NumPyro catalog rebuild failed: {error}", error)

        self._rebuild = threading.Thread(target=run, name="catalog-rebuild", daemon=True)
        self._rebuild.start()
        return True
