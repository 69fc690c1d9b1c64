"""Where the server's catalog comes from when the installed numpyro differs from the shipped one."""

from __future__ import annotations

import json
import sys
import threading

import pytest

from numpyro_lsp.catalog import store
from numpyro_lsp.catalog.provider import CatalogProvider
from numpyro_lsp.environment import ProjectPython


@pytest.fixture
def other_numpyro(tmp_path, monkeypatch):
    """Pretend the interpreter has numpyro 9.9.9, with an empty cache."""
    monkeypatch.setenv("NUMPYRO_LSP_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(store, "probe", lambda python=None: ProjectPython(sys.executable, "9.9.9"))
    return tmp_path


def test_same_version_uses_the_shipped_catalog():
    loaded = store.load_catalog()
    assert loaded.source == store.shipped_catalog_path()
    assert loaded.needs_rebuild is False


def test_other_version_answers_at_once_and_asks_for_a_rebuild(other_numpyro):
    loaded = store.load_catalog()
    assert loaded.source == store.shipped_catalog_path()
    assert loaded.needs_rebuild is True


def test_cached_build_for_the_installed_version_is_used(other_numpyro):
    data = json.loads(store.shipped_catalog_path().read_text())
    data["numpyro_version"] = "9.9.9"
    store.cache_path("9.9.9").write_text(json.dumps(data))
    loaded = store.load_catalog()
    assert loaded.source == store.cache_path("9.9.9")
    assert (loaded.catalog.numpyro_version, loaded.needs_rebuild) == ("9.9.9", False)


@pytest.mark.parametrize(
    "cached",
    ["{not json", json.dumps({"format": store.CATALOG_FORMAT}), json.dumps([1])],
    ids=["not-json", "parts-missing", "not-an-object"],
)
def test_corrupt_cache_falls_back_to_the_shipped_catalog(other_numpyro, cached):
    store.cache_path("9.9.9").write_text(cached)
    loaded = store.load_catalog()
    assert loaded.source == store.shipped_catalog_path() and loaded.needs_rebuild


def test_background_rebuild_writes_the_cache_and_swaps_it_in(other_numpyro):
    provider = CatalogProvider()
    done = threading.Event()
    messages = []

    def on_done(message, error):
        messages.append(message)
        done.set()

    assert provider.rebuild_in_background_if_due(on_done) is True
    assert provider.catalog.numpyro_version == "0.22.0"  # answers from the shipped one meanwhile
    assert done.wait(300), "catalog rebuild did not finish"
    assert "rebuilt" in messages[0], messages
    assert store.cache_path("9.9.9").exists()
    assert provider.loaded.source == store.cache_path("9.9.9")
    assert provider.rebuild_in_background_if_due(on_done) is False  # once is enough
