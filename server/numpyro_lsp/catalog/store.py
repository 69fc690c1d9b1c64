"""Where catalogs come from: the one shipped in the package, a per-version disk cache, or a
fresh build in a subprocess with the user's interpreter.

Nothing here imports numpyro: the installed version is read from package metadata and the
build runs ``python -m numpyro_lsp.catalog.build`` in another process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from numpyro_lsp.catalog.schema import CATALOG_FORMAT, Catalog
from numpyro_lsp.environment import helper_environment

SHIPPED_DIR = Path(__file__).parent / "data"
BUILD_TIMEOUT_S = 300


class CatalogBuildError(RuntimeError):
    pass


@dataclass
class LoadedCatalog:
    catalog: Catalog
    source: Path
    # The installed numpyro differs from this catalog's and no cached build exists yet:
    # the caller should rebuild in the background.
    needs_rebuild: bool
    installed_version: str | None


def installed_numpyro_version(python: str | None = None) -> str | None:
    """The numpyro version of ``python`` (this interpreter when None), without importing it."""
    if python is None or Path(python).resolve() == Path(sys.executable).resolve():
        # Imported here: importlib.metadata costs ~30 ms of every server start otherwise.
        from importlib import metadata

        try:
            return metadata.version("numpyro")
        except metadata.PackageNotFoundError:
            return None
    code = "from importlib import metadata; print(metadata.version('numpyro'))"
    result = subprocess.run([python, "-c", code], capture_output=True, text=True, timeout=30)
    return result.stdout.strip() or None if result.returncode == 0 else None


def cache_dir() -> Path:
    override = os.environ.get("NUMPYRO_LSP_CACHE_DIR")
    if override:
        return Path(override)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "numpyro-lsp"


def cache_path(numpyro_version: str) -> Path:
    return cache_dir() / f"catalog-numpyro-{numpyro_version}-format{CATALOG_FORMAT}.json"


def shipped_catalog_path() -> Path:
    paths = sorted(SHIPPED_DIR.glob("numpyro-*.json"))
    if not paths:
        raise CatalogBuildError(f"no catalog shipped in {SHIPPED_DIR}")
    return paths[-1]


def read_catalog(path: Path) -> Catalog:
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("format") != CATALOG_FORMAT:
        raise CatalogBuildError(f"{path} has catalog format {data.get('format')}")
    return Catalog.from_json(data)


def load_catalog(python: str | None = None) -> LoadedCatalog:
    """The best catalog available at once; says whether a background rebuild is due."""
    installed = installed_numpyro_version(python)
    shipped = shipped_catalog_path()
    shipped_catalog = read_catalog(shipped)
    if installed is None or installed == shipped_catalog.numpyro_version:
        return LoadedCatalog(shipped_catalog, shipped, False, installed)
    cached = cache_path(installed)
    if cached.exists():
        try:
            return LoadedCatalog(read_catalog(cached), cached, False, installed)
        except (OSError, ValueError, CatalogBuildError):
            pass  # a broken or outdated cache is rebuilt like a missing one
    return LoadedCatalog(shipped_catalog, shipped, True, installed)


def build_catalog(python: str | None = None, out: Path | None = None) -> Path:
    """Build the catalog of ``python``'s numpyro in a subprocess; returns the file written."""
    python = python or sys.executable
    if out is None:
        version = installed_numpyro_version(python)
        if version is None:
            raise CatalogBuildError(f"numpyro is not installed for {python}")
        out = cache_path(version)
    result = subprocess.run(
        [python, "-m", "numpyro_lsp.catalog.build", str(out)],
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT_S,
        env=helper_environment(JAX_PLATFORMS="cpu"),
    )
    if result.returncode != 0:
        raise CatalogBuildError(result.stderr.strip().splitlines()[-1:] or "catalog build failed")
    return out
