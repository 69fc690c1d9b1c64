"""The VS Code extension in a real VS Code: ``scripts/e2e.sh`` drives code-server in headless
Chromium (restricted mode, completion, signature help, hover, commands, notifications).

The first run installs Chromium, Node 24 and code-server (about 2-3 minutes, cached in
``~/.cache/numpyro-lsp-e2e``); later runs take about 15-30 s. Screenshots and logs are in
``vscode-extension/e2e/results/``. ``NUMPYRO_LSP_SKIP_E2E=1`` skips it.
"""

from __future__ import annotations

import os
import signal
import subprocess

import pytest

from conftest import ROOT

TIMEOUT_S = 30 * 60


def run_e2e() -> tuple[int, str]:
    # A session of its own, so that a timeout stops the whole script (run.mjs then stops
    # code-server and Chromium, which it started in process groups of their own).
    process = subprocess.Popen(
        ["bash", str(ROOT / "scripts" / "e2e.sh")],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        output, _ = process.communicate(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            output, _ = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            output, _ = process.communicate()
        pytest.fail(f"scripts/e2e.sh ran past {TIMEOUT_S} s:\n{output}")
    return process.returncode, output


@pytest.mark.skipif(
    os.environ.get("NUMPYRO_LSP_SKIP_E2E") == "1",
    reason="NUMPYRO_LSP_SKIP_E2E=1 asks to skip the VS Code end-to-end test",
)
def test_extension_in_code_server():
    returncode, output = run_e2e()
    if returncode != 0:
        # A browser driving a UI on two busy cores sometimes loses a keystroke; a second
        # failure is a real one. Both outputs are kept for the report.
        first = output
        returncode, output = run_e2e()
        output = f"first run:\n{first}\n\nsecond run:\n{output}"
    assert returncode == 0, output
