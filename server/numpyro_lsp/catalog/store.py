"""Where catalogs come from: the one shipped in the package, a per-version disk cache, or a
fresh build in a subprocess with the project's interpreter.

Nothing here imports numpyro: the installed version is read from package metadata and the
builder (``numpyro_lsp.catalog.build``, handed over as standalone code) runs in another
process; its docstrings are rendered here (``docstrings``).
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from numpyro_lsp.catalog.schema import CATALOG_FORMAT, Catalog
from numpyro_lsp.environment import ProjectPython, helper_command, helper_environment, probe

SHIPPED_DIR = Path(__file__).parent / "data"
BUILD_TIMEOUT_S = 300


log = logging.getLogger(__name__)


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
    # Why the project's interpreter cannot be described (no numpyro, too old, not found), and
    # what to do: the shipped catalog stands in meanwhile.
    problem: str | None = None


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
    if not isinstance(data, dict) or data.get("format") != CATALOG_FORMAT:
        found = data.get("format") if isinstance(data, dict) else type(data).__name__
        raise CatalogBuildError(f"{path} has catalog format {found}")
    try:
        return Catalog.from_json(data)
    except (KeyError, TypeError, AttributeError) as error:
        # A file of the right format with parts missing (edited by hand, or written by a
        # build of this format with a bug): unreadable like a truncated one.
        raise CatalogBuildError(f"{path} is not a whole catalog ({error!r})") from error


def load_catalog(
    python: str | None = None,
    found: ProjectPython | None = None,
    shipped_catalog: Catalog | None = None,
) -> LoadedCatalog:
    """The best catalog available at once; says whether a background rebuild is due.
    ``found``: what ``probe(python)`` answered, when the caller asked already;
    ``shipped_catalog``: the shipped one, when the caller has read it already."""
    found = found or probe(python)
    installed = found.numpyro_version
    shipped = shipped_catalog_path()
    shipped_catalog = shipped_catalog or read_catalog(shipped)
    if found.problem is not None:
        return LoadedCatalog(shipped_catalog, shipped, False, installed, found.problem)
    if installed == shipped_catalog.numpyro_version:
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
    # Imported here, on the rare rebuild: with what they import, 9 ms of every server start.
    import tempfile

    from numpyro_lsp.catalog.docstrings import with_markdown

    python = python or sys.executable
    if out is None:
        found = probe(python)
        if found.problem is not None:
            raise CatalogBuildError(found.problem)
        out = cache_path(found.numpyro_version or "")
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="numpyro-lsp-catalog-") as folder:
        raw_path = Path(folder) / "raw.json"
        try:
            result = subprocess.run(
                helper_command(python, "numpyro_lsp.catalog.build", [], str(raw_path)),
                capture_output=True,
                text=True,
                timeout=BUILD_TIMEOUT_S,
                env=helper_environment(JAX_PLATFORMS="cpu"),
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            raise CatalogBuildError(f"the catalog builder did not run: {error}") from error
        if result.returncode != 0:
            log.error("the catalog builder failed (%s):\n%s", python, result.stderr.rstrip())
            last = result.stderr.strip().splitlines()[-1:]
            raise CatalogBuildError(last[0] if last else "catalog build failed")
        raw = json.loads(raw_path.read_text(encoding="utf-8"))
    catalog = {**with_markdown(raw), "format": CATALOG_FORMAT}
    tmp = out.with_suffix(out.suffix + ".tmp")
    tmp.write_text(json.dumps(catalog, indent=1, sort_keys=True), encoding="utf-8")
    tmp.replace(out)
    return out
