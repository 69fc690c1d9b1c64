"""numpyro-lsp in a real JupyterLab through jupyterlab-lsp: ``scripts/jupyterlab.sh`` starts
JupyterLab with the configuration of docs/editors.md and drives headless Chromium with
Playwright (a diagnostic in the third cell about the model of the first; completion after
``dist.`` in a cell). The first run installs JupyterLab, jupyterlab-lsp and Playwright's
Python package (about a minute, cached in ``~/.cache/numpyro-lsp-jupyterlab``); a run takes
about 30 s. Screenshots: ``jupyterlab-results/``. ``NUMPYRO_LSP_SKIP_E2E=1`` skips it.
"""

from __future__ import annotations

import os
import subprocess

import pytest

from conftest import ROOT


@pytest.mark.skipif(
    os.environ.get("NUMPYRO_LSP_SKIP_E2E") == "1",
    reason="NUMPYRO_LSP_SKIP_E2E=1 asks to skip the end-to-end tests",
)
def test_numpyro_lsp_in_jupyterlab():
    result = subprocess.run(
        ["bash", str(ROOT / "scripts" / "jupyterlab.sh")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "the diagnostic and the completion showed in the notebook" in result.stdout
    assert (ROOT / "jupyterlab-results" / "jupyterlab-diagnostic.png").is_file()
