"""Choosing the project's interpreter: the ``interpreter`` initialization option, jedi looking
at that interpreter's packages, and what is said when it has no numpyro or one too old."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig

from conftest import EXAMPLES
from numpyro_matrix import ensure

MODEL = "from mypriors import P\n\nx = P.Normal(0, 1)\ny = P.\n"


def purelib(python: Path) -> Path:
    code = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    output = subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=True)
    return Path(output.stdout.strip())


def bare_venv(folder: Path, also: Path | None = None) -> Path:
    """A virtualenv with nothing installed; ``also``'s packages reachable through a ``.pth``
    file when given."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True)
    python = folder / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    if also is not None:
        (purelib(python) / "matrix.pth").write_text(f"{purelib(also)}\n")
    return python


async def start_server(interpreter: Path, cache: Path, root: Path):
    client = await ClientServerConfig(
        server_command=[sys.executable, "-m", "numpyro_lsp"],
        server_env={**os.environ, "NUMPYRO_LSP_CACHE_DIR": str(cache)},
    ).start()
    await client.initialize_session(
        types.InitializeParams(
            capabilities=pytest_lsp.client_capabilities("visual-studio-code"),
            root_uri=root.as_uri(),
            initialization_options={"interpreter": str(interpreter)},
        )
    )
    return client


async def eventually(request, timeout: float = 120.0):
    async with asyncio.timeout(timeout):
        while True:
            result = await request()
            if result:
                return result
            await asyncio.sleep(0.1)


async def test_the_interpreter_option_and_a_reexport_from_its_packages(tmp_path):
    """``mypriors`` is installed only in the project's environment (numpyro 0.18): jedi finds
    it there, and completion after its ``P.`` lists 0.18's distributions."""
    project = bare_venv(tmp_path / "venv", also=ensure("0.18.0"))
    (purelib(project) / "mypriors.py").write_text("import numpyro.distributions as P\n")
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    model = workspace / "model.py"
    model.write_text(MODEL)
    client = await start_server(project, tmp_path / "cache", workspace)
    try:

        async def described():
            info = await client.workspace_execute_command_async(
                types.ExecuteCommandParams(command="numpyro.serverInfo")
            )
            return info if info["catalogNumpyroVersion"] == "0.18.0" else None

        info = await eventually(described)
        assert info["projectPython"] == str(project)
        uri = model.as_uri()
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri=uri, language_id="python", version=1, text=MODEL
                )
            )
        )

        async def complete():
            result = await client.text_document_completion_async(
                types.CompletionParams(
                    text_document=types.TextDocumentIdentifier(uri=uri),
                    position=types.Position(3, len("y = P.")),
                )
            )
            items = result.items if isinstance(result, types.CompletionList) else result
            return {item.label for item in items or []}

        labels = await eventually(complete, timeout=30)
        assert "Levy" in labels and "InverseWishart" not in labels
    finally:
        await client.shutdown_session()


async def test_an_interpreter_without_numpyro_is_reported(tmp_path):
    project = bare_venv(tmp_path / "venv")
    client = await start_server(project, tmp_path / "cache", EXAMPLES)
    try:
        message = await client.wait_for_notification(types.WINDOW_SHOW_MESSAGE)
        assert message.type == types.MessageType.Warning
        assert f"numpyro is not installed for {project}" in message.message
        assert f"{project} -m pip install numpyro" in message.message
        assert "numpyro.interpreter" in message.message
    finally:
        await client.shutdown_session()


@pytest.fixture
def numpyro_0_14(tmp_path, monkeypatch) -> str:
    """An interpreter whose numpyro is 0.14.0: a package of that name first on the path, with
    the metadata an installer leaves beside it."""
    package = tmp_path / "old" / "numpyro"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text('__version__ = "0.14.0"\n')
    info = tmp_path / "old" / "numpyro-0.14.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: numpyro\nVersion: 0.14.0\n")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path / "old"))
    # Another path to this interpreter: asked in a subprocess, which sees PYTHONPATH.
    return str(Path(sysconfig.get_paths()["scripts"]) / "python3")


def test_an_old_numpyro_is_reported_by_the_cli(numpyro_0_14, tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "numpyro_lsp", "smoke", "--python", numpyro_0_14]
        + [str(EXAMPLES / "eight_schools.py")],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "NUMPYRO_LSP_CACHE_DIR": str(tmp_path / "cache")},
    )
    assert result.returncode == 1
    expected = f"{numpyro_0_14} has numpyro 0.14.0; numpyro-lsp needs numpyro 0.15 or newer"
    assert expected in result.stdout and "pip install -U numpyro" in result.stdout


def held_interpreter(folder: Path, python: Path | str) -> tuple[Path, Path, Path]:
    """A shell script that runs ``python`` once a file ``gate`` exists, and makes a file
    ``asked`` when it starts: the script, then those two files' paths."""
    gate, asked = folder / "gate", folder / "asked"
    held = folder / "held-python"
    held.write_text(
        f'#!/bin/sh\ntouch "{asked}"\n'
        f'while [ ! -e "{gate}" ]; do sleep 0.01; done\nexec "{python}" "$@"\n'
    )
    held.chmod(0o755)
    return held, gate, asked


@pytest.mark.skipif(os.name == "nt", reason="the held interpreter is a shell script")
async def test_the_project_interpreter_is_asked_before_its_answer_is_needed(tmp_path):
    """``start_loading`` starts the project's interpreter and returns while it runs (the
    server starts meanwhile); ``loaded`` then reads its answer. The interpreter here is
    held until the test lets it go."""
    from numpyro_lsp.catalog.provider import CatalogProvider
    from numpyro_lsp.numpyro_version import installed_numpyro_version

    held, gate, asked = held_interpreter(tmp_path, sys.executable)
    provider = CatalogProvider(str(held))

    async def started():
        return asked.exists()

    try:
        try:
            await asyncio.wait_for(asyncio.to_thread(provider.start_loading), timeout=30)
        except TimeoutError:
            pytest.fail("start_loading waited for the interpreter's answer")
        await eventually(started, timeout=30)  # running, held at the gate
    finally:
        gate.touch()
    loaded = await asyncio.to_thread(lambda: provider.loaded)
    assert loaded.problem is None
    assert loaded.installed_version == installed_numpyro_version()


NEWER_THAN_0_18 = (
    "import numpyro.distributions as dist\n\nprior = dist.InverseWishart(3.0, 2.0)\nx = dist.\n"
)


async def open_newer_than_0_18(interpreter: Path, folder: Path):
    """A server told ``interpreter``, with a workspace file that uses a distribution numpyro
    0.18 lacks open in it: the client, and the file's URI."""
    workspace = folder / "workspace"
    workspace.mkdir()
    model = workspace / "model.py"
    model.write_text(NEWER_THAN_0_18)
    client = await start_server(interpreter, folder / "cache", workspace)
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=model.as_uri(), language_id="python", version=1, text=NEWER_THAN_0_18
            )
        )
    )
    return client, model.as_uri()


@pytest.mark.skipif(os.name == "nt", reason="the held interpreter is a shell script")
@pytest.mark.parametrize("cached", [False, True], ids=["built", "cached"])
async def test_a_slow_interpreter_holds_up_no_request_and_its_catalog_checks_again(
    tmp_path, monkeypatch, cached
):
    """The project's interpreter (numpyro 0.18) is held at a gate, as a conda or container
    wrapper that takes seconds to start: completion and the first diagnostics answer
    meanwhile, from the shipped catalog. Once it answers, the catalog of its numpyro is read
    from the cache, or built, and the open document is checked again with it: 0.18 has no
    ``InverseWishart``."""
    from numpyro_lsp.catalog.store import build_catalog

    project = bare_venv(tmp_path / "venv", also=ensure("0.18.0"))
    if cached:
        monkeypatch.setenv("NUMPYRO_LSP_CACHE_DIR", str(tmp_path / "cache"))
        build_catalog(str(project))
    held, gate, asked = held_interpreter(tmp_path, project)
    client, uri = await open_newer_than_0_18(held, tmp_path)
    try:
        try:
            result = await asyncio.wait_for(
                client.text_document_completion_async(
                    types.CompletionParams(
                        text_document=types.TextDocumentIdentifier(uri=uri),
                        position=types.Position(3, len("x = dist.")),
                    )
                ),
                timeout=15,
            )
        except TimeoutError:
            pytest.fail("completion waited for the project's interpreter")
        items = result.items if isinstance(result, types.CompletionList) else result
        assert "InverseWishart" in {item.label for item in items or []}

        async def codes():
            return [d.code for d in client.diagnostics.get(uri, [])] or None

        async def published():
            return uri in client.diagnostics

        await eventually(published, timeout=15)
        assert asked.exists() and not gate.exists()  # answered while the interpreter was held
        assert await codes() is None  # the shipped catalog has InverseWishart
    finally:
        gate.touch()
    try:

        async def flagged():
            found = [d for d in client.diagnostics.get(uri, []) if d.code == "NPR009"]
            return found or None

        (finding,) = await eventually(flagged)
        assert "InverseWishart" in finding.message and finding.range.start.line == 2
    finally:
        await client.shutdown_session()


@pytest.mark.skipif(os.name == "nt", reason="the wrapper is a shell script")
def test_an_interpreter_that_never_answers_is_given_up_with_what_it_started(tmp_path, monkeypatch):
    """A wrapper that runs the interpreter as its child (as ``conda run`` does), which then
    hangs: the probe gives up at its timeout although the child holds the pipes, kills the
    child too, and says why in one line."""
    from numpyro_lsp import environment

    monkeypatch.setattr(environment, "PROBE_TIMEOUT_S", 1)
    child = tmp_path / "child.pid"
    wrapper = tmp_path / "wrapper-python"
    wrapper.write_text(f'#!/bin/sh\nsleep 600 &\necho $! > "{child}"\nwait\n')
    wrapper.chmod(0o755)
    began = time.monotonic()
    found = environment.probe(str(wrapper))
    assert time.monotonic() - began < 10
    assert found.numpyro_version is None
    assert found.problem == (
        f"The interpreter {wrapper} could not be run (no answer in 1 s): "
        f"{environment.HOW_TO_CHOOSE}."
    )
    pid = int(child.read_text())
    # Killed: gone, or a zombie until the init process reaps it.
    state = Path(f"/proc/{pid}/stat")
    assert not state.exists() or state.read_text().split(") ")[1].startswith("Z")


async def test_a_rebuilt_catalog_checks_the_open_documents_again(tmp_path):
    """The project's numpyro goes from 0.18 to the server's own while a file is open, and
    the user runs NumPyro: Rebuild Catalog: the file is checked again with the new
    catalog, where ``InverseWishart`` exists."""
    project = bare_venv(tmp_path / "venv", also=ensure("0.18.0"))
    client, uri = await open_newer_than_0_18(project, tmp_path)
    try:

        async def codes():
            return [d.code for d in client.diagnostics.get(uri, [])]

        async def flagged():
            return "NPR009" in await codes()

        await eventually(flagged)  # the catalog of 0.18, built in the background
        (purelib(project) / "matrix.pth").write_text(f"{purelib(Path(sys.executable))}\n")
        answer = await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="numpyro.rebuildCatalog")
        )
        assert answer["ok"] and answer["numpyroVersion"] == "0.22.0"

        async def cleared():
            return uri in client.diagnostics and "NPR009" not in await codes()

        await eventually(cleared, timeout=30)
    finally:
        await client.shutdown_session()
