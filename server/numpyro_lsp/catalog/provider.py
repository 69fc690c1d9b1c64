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
    shipped_catalog_path,
)
from numpyro_lsp.environment import PendingProbe, start_probe

log = logging.getLogger(__name__)


class CatalogProvider:
    def __init__(self, python: str | None = None) -> None:
        self.python = python
        self._loaded: LoadedCatalog | None = None
        self._lock = threading.Lock()
        # One reader of the interpreter's answer at a time; ``catalog`` never waits on it.
        self._answer_lock = threading.Lock()
        self._rebuild: threading.Thread | None = None
        self._probe: PendingProbe | None = None
        # The shipped catalog, answering while the project's interpreter has not (``when_loaded``).
        self._standing_in: LoadedCatalog | None = None

    def start_loading(self) -> None:
        """Ask the project's interpreter for its numpyro now; ``loaded`` reads the answer.
        Starting that interpreter takes 80 ms or more, which the server spends meanwhile
        on its own start (features: ``initialized``)."""
        with self._lock:
            if self._loaded is None and self._probe is None:
                self._probe = start_probe(self.python)

    def when_loaded(self, on_loaded: Callable[[LoadedCatalog], None]) -> None:
        """Call ``on_loaded`` with ``loaded`` once the project's interpreter has answered: at
        once when it has already (or needs no process), else from a thread that waits for it.
        Until then ``catalog`` is the shipped one, so that nobody waits for an interpreter that
        takes seconds to start (a conda or container wrapper) or hangs until the timeout."""
        with self._lock:
            probe = self._probe
            answered = self._loaded is not None or probe is None or probe.answered
            if not answered:
                shipped = shipped_catalog_path()
                self._standing_in = LoadedCatalog(read_catalog(shipped), shipped, False, None)
        if answered:
            on_loaded(self.loaded)
            return
        threading.Thread(
            target=lambda: on_loaded(self.loaded), name="project-numpyro", daemon=True
        ).start()

    @property
    def loaded(self) -> LoadedCatalog:
        """The catalog for the project's numpyro, waiting for its interpreter's answer."""
        with self._answer_lock:
            with self._lock:
                if self._loaded is not None:
                    return self._loaded
                probe, standing_in = self._probe, self._standing_in
            found = probe.result() if probe is not None else None
            loaded = load_catalog(self.python, found, standing_in and standing_in.catalog)
            with self._lock:
                # A rebuild by hand (``rebuild``) may have finished while this waited.
                loaded = self._loaded = self._loaded or loaded
                self._probe = self._standing_in = None
            log.info("catalog of numpyro %s from %s", loaded.catalog.numpyro_version, loaded.source)
            return loaded

    @property
    def catalog(self) -> Catalog:
        with self._lock:
            current = self._loaded or self._standing_in
        return (current or self.loaded).catalog

    def rebuild(self) -> Path:
        """Build the catalog of the installed numpyro now (blocking) and start using it."""
        path = build_catalog(self.python)
        catalog = read_catalog(path)
        with self._lock:
            # Built from the installed numpyro: its version, if the interpreter's answer is
            # not in yet.
            installed = self._loaded.installed_version if self._loaded else catalog.numpyro_version
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
