"""Helpers imported from another workspace file are followed by the call graph, in the
editor: a sampling helper called from plain code (NPR022), and a helper's hard-coded site
names repeated by two calls from one model (NPR006)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from conftest import PublishedDiagnostics

HELPERS = """\
import numpyro
import numpyro.distributions as dist


def group_effects(n):
    scale = numpyro.sample("scale", dist.HalfNormal(1.0))
    with numpyro.plate("members", n):
        return numpyro.sample("effect", dist.Normal(0.0, scale))
"""
SCRIPT = """\
import numpyro
import numpyro.distributions as dist
from numpyro.infer import MCMC, NUTS

import helpers
from helpers import group_effects


def model(treated, control):
    effect_t = group_effects(len(treated))
    effect_c = helpers.group_effects(len(control))
    numpyro.sample("t", dist.Normal(effect_t, 1.0).to_event(1), obs=treated)
    numpyro.sample("c", dist.Normal(effect_c, 1.0).to_event(1), obs=control)


mcmc = MCMC(NUTS(model), num_warmup=50, num_samples=50)
prior_effects = group_effects(4)
"""


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("call graph workspace")
    (folder / "helpers.py").write_text(HELPERS)
    return folder


@pytest_lsp.fixture(
    scope="module",
    config=ClientServerConfig(server_command=[sys.executable, "-m", "numpyro_lsp", "--stdio"]),
)
async def workspace_client(lsp_client: LanguageClient, root: Path):
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=pytest_lsp.client_capabilities("visual-studio-code"),
            root_uri=root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="call graph")],
        )
    )
    lsp_client.published = PublishedDiagnostics(lsp_client)
    yield
    await lsp_client.shutdown_session()


async def test_imported_helpers_are_followed(workspace_client, root):
    uri = (root / "script.py").as_uri()

    def open_script():
        workspace_client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri=uri, language_id="python", version=1, text=SCRIPT
                )
            )
        )

    params = await workspace_client.published.after(uri, open_script)
    found = sorted((d.code, d.range.start.line + 1) for d in params.diagnostics)
    # The second call of the helper, and the plain module-level call of it.
    assert found == [("NPR006", 11), ("NPR022", 17)], [d.message for d in params.diagnostics]
