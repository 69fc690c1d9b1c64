"""numpyro-lsp, installed in the development environment, serving projects whose environment
holds only numpyro and its jax, for each version in tests/numpyro_matrix.py: the catalog is
that version's (from the CLI and over LSP), checks and completions follow it, and the smoke
test runs there.

What each version has is asked of the environment itself, and the facts the issue names are
checked too: numpyro 0.15 has no ``Levy``; 0.18 has ``Levy`` but neither ``InverseWishart``
nor ``HurdlePoisson``; 0.22 has all three.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig

from conftest import EXAMPLES, ROOT
from numpyro_lsp.catalog.store import build_catalog, read_catalog, shipped_catalog_path
from numpyro_matrix import MATRIX, ensure

NAMES = ("Levy", "InverseWishart", "HurdlePoisson")
EXPECTED = {
    "0.15.3": {"Levy": False, "InverseWishart": False, "HurdlePoisson": False},
    "0.18.0": {"Levy": True, "InverseWishart": False, "HurdlePoisson": False},
    "0.22.0": {"Levy": True, "InverseWishart": True, "HurdlePoisson": True},
}
USES = """\
import numpyro
import numpyro.distributions as dist


def model():
    numpyro.sample("a", dist.Levy(0.0, 1.0))
    numpyro.sample("b", dist.InverseWishart(3.0, scale_matrix=None))
    numpyro.sample("c", dist.HurdlePoisson(0.5, rate=1.0))
"""

pytestmark = pytest.mark.parametrize("version", list(MATRIX))


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory) -> Path:
    """One catalog cache for the module, empty at its start: each version's catalog is built."""
    return tmp_path_factory.mktemp("catalogs")


def has_names(python: Path) -> dict[str, bool]:
    code = (
        "import json, numpyro.distributions as d; "
        f"print(json.dumps({{n: hasattr(d, n) for n in {NAMES!r}}}))"
    )
    output = subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=True)
    return json.loads(output.stdout.strip().splitlines()[-1])


def cli(*args: str, cache: Path, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "numpyro_lsp", *args],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=cwd,
        env={**os.environ, "NUMPYRO_LSP_CACHE_DIR": str(cache)},
    )


def test_the_environment_has_numpyro_and_not_numpyro_lsp(version):
    python = ensure(version)
    assert has_names(python) == EXPECTED[version]
    result = subprocess.run([str(python), "-c", "import numpyro_lsp"], capture_output=True)
    assert result.returncode != 0, "the project environment must not need numpyro-lsp"
    freeze = subprocess.run(
        [str(python), "-m", "pip", "freeze"], capture_output=True, text=True, check=True
    ).stdout.lower()
    assert f"numpyro=={version}" in freeze
    assert not {"numpyro-lsp", "pygls", "jedi", "docstring-to-markdown"} & {
        line.split("==")[0] for line in freeze.splitlines()
    }


@pytest.fixture(scope="module")
def server_wheel(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation"]
        + ["--wheel-dir", str(folder), str(ROOT)],
        check=True,
        timeout=300,
    )
    (wheel,) = folder.glob("numpyro_lsp-*.whl")
    return wheel


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_installing_the_server_beside_numpyro_changes_no_version(version, server_wheel):
    """pip would only add packages: numpyro, jax and every other installed version stay."""
    python = ensure(version)
    freeze = subprocess.run(
        [str(python), "-m", "pip", "freeze"], capture_output=True, text=True, check=True
    ).stdout
    installed = {normalized(line.partition("==")[0]) for line in freeze.split()}
    result = subprocess.run(
        [str(python), "-m", "pip", "install", "--dry-run", "--quiet", "--report", "-"]
        + ["--disable-pip-version-check", str(server_wheel)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    planned = {
        normalized(item["metadata"]["name"]): item["metadata"]["version"]
        for item in report["install"]
    }
    assert "numpyro-lsp" in planned
    # Anything already installed that pip plans to install again would change version.
    assert {name: v for name, v in planned.items() if name in installed} == {}


def test_the_catalog_is_built_for_the_version(version, tmp_path):
    python = ensure(version)
    catalog = read_catalog(build_catalog(str(python), tmp_path / "catalog.json"))
    assert catalog.numpyro_version == version
    members = catalog.modules["numpyro.distributions"]["members"]
    assert {name: name in members for name in NAMES} == EXPECTED[version]
    # The docstrings were rendered as Markdown by the server, not left as reStructuredText.
    normal = catalog.objects["numpyro.distributions.Normal"]
    assert normal["summary"] and ":param" not in normal["doc"]


def test_check_from_the_command_line_follows_the_version(version, tmp_path, cache_dir):
    python = ensure(version)
    model = tmp_path / "model.py"
    model.write_text(USES)
    result = cli(
        "check", "--python", str(python), "--select", "NPR009", str(model), cache=cache_dir
    )
    assert result.returncode in (0, 1), result.stderr
    flagged = {name for name in NAMES if f"has no `{name}`" in result.stdout}
    assert flagged == {name for name, present in EXPECTED[version].items() if not present}, (
        result.stdout + result.stderr
    )


def test_an_invalid_literal_is_said_to_raise_where_the_version_raises(version, tmp_path, cache_dir):
    # Distributions validate their arguments by default from numpyro 0.22 on (bayesmith pins
    # an older one, whose HalfNormal(-1.0) is built without a word).
    python = ensure(version)
    built = subprocess.run(
        [str(python), "-c", "import numpyro.distributions as d; d.HalfNormal(-1.0)"],
        capture_output=True,
        text=True,
    )
    raises = built.returncode != 0
    assert raises == (version == "0.22.0"), built.stderr
    model = tmp_path / "model.py"
    model.write_text("import numpyro.distributions as dist\nprior = dist.HalfNormal(-1.0)\n")
    result = cli(
        "check", "--python", str(python), "--select", "NPR011", str(model), cache=cache_dir
    )
    assert "NPR011" in result.stdout, result.stdout + result.stderr
    assert ("numpyro raises ValueError\n" in result.stdout) == raises, result.stdout


def test_smoke_test_runs_in_the_version(version, cache_dir):
    python = ensure(version)
    result = cli(
        "smoke",
        "--python",
        str(python),
        "--warmup",
        "50",
        "--samples",
        "50",
        "--json",
        str(EXAMPLES / "eight_schools.py"),
        cache=cache_dir,
    )
    report = json.loads(result.stdout)
    assert report["model"] == "eight_schools" and report["verdict"] in ("pass", "warn"), report
    assert set(report["sites"]) >= {"mu", "tau", "theta"}


async def test_lsp_completion_hover_and_checks_follow_the_version(version, tmp_path):
    python = ensure(version)
    client = await ClientServerConfig(
        server_command=[sys.executable, "-m", "numpyro_lsp", "--python", str(python)],
        # An empty cache: the catalog of a version other than the shipped one is built.
        server_env={**os.environ, "NUMPYRO_LSP_CACHE_DIR": str(tmp_path)},
    ).start()
    try:
        await client.initialize_session(
            types.InitializeParams(
                capabilities=pytest_lsp.client_capabilities("visual-studio-code"),
                root_uri=EXAMPLES.as_uri(),
            )
        )
        info = await wait_for_catalog(client, version)
        assert info["projectPython"] == str(python) and info["numpyroImported"] is False
        if info["catalogSource"] != str(shipped_catalog_path()):
            # Built in the background for this version, with progress from begin to end.
            async with asyncio.timeout(10):
                while not any(
                    isinstance(reports[-1], types.WorkDoneProgressEnd)
                    for reports in client.progress_reports.values()
                ):
                    await asyncio.sleep(0.1)
            (reports,) = client.progress_reports.values()
            assert reports[0].title == f"NumPyro: describing numpyro {version}"
            assert f"rebuilt for numpyro {version}" in reports[-1].message
        uri = (EXAMPLES / "_matrix_model.py").as_uri()
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri=uri, language_id="python", version=1, text=USES
                )
            )
        )
        line = USES.splitlines().index('    numpyro.sample("a", dist.Levy(0.0, 1.0))')
        column = USES.splitlines()[line].index("dist.") + len("dist.")
        result = await client.text_document_completion_async(
            types.CompletionParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                position=types.Position(line, column),
            )
        )
        items = result.items if isinstance(result, types.CompletionList) else result or []
        labels = {item.label for item in items}
        assert "Normal" in labels
        assert {name: name in labels for name in NAMES} == EXPECTED[version]
        hover = await client.text_document_hover_async(
            types.HoverParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                position=types.Position(line, column + 1),
            )
        )
        assert (hover is not None) == EXPECTED[version]["Levy"]
        async with asyncio.timeout(30):
            while uri not in client.diagnostics:  # published at once on open
                await asyncio.sleep(0.1)
        found = {
            name
            for d in client.diagnostics[uri]
            for name in NAMES
            if d.code == "NPR009" and f"has no `{name}`" in d.message
        }
        assert found == {name for name, present in EXPECTED[version].items() if not present}
    finally:
        await client.shutdown_session()


async def wait_for_catalog(client, version: str) -> dict:
    """The server's info once its catalog describes ``version`` (built in the background)."""
    async with asyncio.timeout(300):
        while True:
            info = await client.workspace_execute_command_async(
                types.ExecuteCommandParams(command="numpyro.serverInfo")
            )
            if info["catalogNumpyroVersion"] == version:
                return info
            await asyncio.sleep(0.5)
