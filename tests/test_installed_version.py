"""The server's own numpyro version, read without importing importlib.metadata where an
installer left a ``numpyro-<version>.dist-info`` folder beside the package, and the same as
importlib.metadata's answer everywhere (numpyro_version.installed_numpyro_version)."""

from __future__ import annotations

import sys
from importlib import metadata

import pytest

from numpyro_lsp.numpyro_version import installed_numpyro_version


def fake_package(folder, version: str | None) -> None:
    """A ``numpyro`` package in ``folder``, with the dist-info an installer writes beside it
    when ``version`` is given."""
    (folder / "numpyro").mkdir(parents=True)
    (folder / "numpyro" / "__init__.py").write_text("")
    if version is not None:
        dist_info = folder / f"numpyro-{version}.dist-info"
        dist_info.mkdir()
        (dist_info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: numpyro\nVersion: {version}\n"
        )


@pytest.fixture
def no_numpyro_imported(monkeypatch):
    for name in [n for n in sys.modules if n == "numpyro" or n.startswith("numpyro.")]:
        monkeypatch.delitem(sys.modules, name)


def test_the_installed_numpyro_is_read_as_importlib_metadata_reads_it():
    assert installed_numpyro_version() == metadata.version("numpyro")


def test_the_version_comes_from_the_dist_info_beside_the_package(
    tmp_path, monkeypatch, no_numpyro_imported
):
    fake_package(tmp_path, "9.8.7")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert metadata.version("numpyro") == "9.8.7"

    def not_asked(name: str) -> str:
        raise AssertionError("importlib.metadata was asked")

    monkeypatch.setattr(metadata, "version", not_asked)
    assert installed_numpyro_version() == "9.8.7"


def test_a_package_without_its_dist_info_beside_it_asks_importlib_metadata(
    tmp_path, monkeypatch, no_numpyro_imported
):
    # A source checkout on the path (an editable install), its metadata installed elsewhere.
    fake_package(tmp_path / "checkout", None)
    (tmp_path / "site" / "numpyro-7.0.0.dist-info").mkdir(parents=True)
    (tmp_path / "site" / "numpyro-7.0.0.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: numpyro\nVersion: 7.0.0\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    monkeypatch.syspath_prepend(str(tmp_path / "checkout"))
    assert installed_numpyro_version() == metadata.version("numpyro") == "7.0.0"
