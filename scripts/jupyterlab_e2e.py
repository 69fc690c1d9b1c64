"""numpyro-lsp in a real JupyterLab through jupyterlab-lsp, headless: JupyterLab (pip) with
the configuration of docs/editors.md (JupyterLab), Debian's Chromium driven by Playwright
(its Python package, no browser download). Opens a notebook whose third cell names a site
the model of the first cell does not have, and checks that the diagnostic shows in that
cell and that completion after ``dist.`` lists ``Normal``. Screenshots go to --results.

Run by scripts/jupyterlab.sh, which installs what this needs in its own virtualenv:
    python scripts/jupyterlab_e2e.py --server /path/to/numpyro-lsp --results DIR
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

CELLS = [
    "import numpyro\nimport numpyro.distributions as dist\nfrom numpyro import handlers\n\n\n"
    "def model(J, sigma, y=None):\n"
    '    mu = numpyro.sample("mu", dist.Normal(0, 5))\n'
    '    tau = numpyro.sample("tau", dist.HalfCauchy(5))\n'
    '    with numpyro.plate("J", J):\n'
    '        theta = numpyro.sample("theta", dist.Normal(mu, tau))\n'
    '        numpyro.sample("obs", dist.Normal(theta, sigma), obs=y)',
    "%matplotlib inline\nJ = 8\nsigma = [15.0, 10.0, 16.0, 11.0, 9.0, 11.0, 10.0, 18.0]",
    'conditioned = handlers.condition(model, data={"thetta": 0.0})\n',
]


def server_config(server: list[str]) -> dict:
    """jupyter-lsp's configuration for numpyro-lsp (docs/jupyterlab.md)."""
    return {
        "LanguageServerManager": {
            # Only this server: jupyterlab-lsp asks one server per notebook.
            "autodetect": False,
            "language_servers": {
                "numpyro-lsp": {
                    "version": 2,
                    "argv": server,
                    "languages": ["python"],
                    "mime_types": ["text/x-python", "text/x-ipython"],
                    "display_name": "numpyro-lsp",
                }
            },
        }
    }


def notebook() -> dict:
    return {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": None,
                "metadata": {},
                "outputs": [],
                "source": text.splitlines(keepends=True),
            }
            for text in CELLS
        ],
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python", "mimetype": "text/x-python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_text(page: Page, selector: str, pattern: str, timeout_s: float) -> None:
    page.wait_for_function(
        """([selector, source]) => [...document.querySelectorAll(selector)]
            .some((e) => new RegExp(source).test(e.textContent))""",
        arg=[selector, pattern],
        timeout=timeout_s * 1000,
    )


def run(server: list[str], results: Path, chromium: str) -> None:
    results.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix="numpyro-lsp-jlab-"))
    work = root / "work"
    work.mkdir()
    (root / "config").mkdir()
    (root / "config" / "jupyter_server_config.json").write_text(json.dumps(server_config(server)))
    (work / "eight_schools.ipynb").write_text(json.dumps(notebook()))
    env = {
        **os.environ,
        "HOME": str(root),
        "JUPYTER_CONFIG_DIR": str(root / "config"),
        "JUPYTER_DATA_DIR": str(root / "data"),
        "JUPYTER_RUNTIME_DIR": str(root / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(root / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(root / "workspaces"),
    }
    port = free_port()
    log = open(results / "jupyterlab.log", "w")  # noqa: SIM115 (closed in the finally below)
    lab = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            f"--port={port}",
            "--ip=127.0.0.1",
            "--IdentityProvider.token=",
            "--ServerApp.password=",
            "--ServerApp.disable_check_xsrf=True",
            "--allow-root",
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        ],
        cwd=work,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 90
        while "is running at" not in (results / "jupyterlab.log").read_text():
            if lab.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("JupyterLab did not start: see jupyterlab.log")
            time.sleep(0.5)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            try:
                drive(page, f"http://127.0.0.1:{port}/lab/tree/eight_schools.ipynb", results)
            except Exception:
                page.screenshot(path=str(results / "jupyterlab-FAILED.png"))
                (results / "jupyterlab-FAILED.html").write_text(page.content())
                status = page.request.get(f"http://127.0.0.1:{port}/lsp/status").text()
                (results / "jupyterlab-lsp-status.json").write_text(status)
                page.locator(".lsp-statusbar-item").click()
                page.wait_for_timeout(1000)
                page.screenshot(path=str(results / "jupyterlab-lsp-popup.png"))
                raise
            finally:
                browser.close()
    finally:
        if lab.poll() is None:
            os.killpg(lab.pid, signal.SIGTERM)
        try:
            lab.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(lab.pid, signal.SIGKILL)
        log.close()
        shutil.rmtree(root, ignore_errors=True)


def drive(page: Page, url: str, results: Path) -> None:
    page.goto(url)
    page.locator(".jp-Notebook .jp-Cell").nth(2).wait_for(timeout=120_000)
    # The diagnostic of the third cell: jupyterlab-lsp underlines the range, and lists it.
    page.locator(".jp-Notebook .jp-Cell").nth(2).locator(".cm-lintRange").first.wait_for(
        timeout=40_000
    )
    third = page.locator(".jp-Notebook .jp-Cell").nth(2)
    # JupyterLab's question about news, when it asks, is in the way of the screenshots.
    news = page.get_by_role("button", name="No", exact=True)
    if news.is_visible():
        news.click()
    third.locator(".cm-lintRange").first.hover()
    wait_for_text(page, ".cm-tooltip, .cm-diagnostic", "thetta.*did you mean", 30)
    page.screenshot(path=str(results / "jupyterlab-diagnostic.png"))
    # Completion: a new line in the third cell, ``dist.``, then Tab (JupyterLab's completer).
    editor = third.locator(".cm-content")
    editor.click()
    page.keyboard.press("Control+End")
    page.keyboard.type("prior = dist.Norm")
    page.keyboard.press("Tab")
    wait_for_text(page, ".jp-Completer", "LogNormal", 60)
    page.screenshot(path=str(results / "jupyterlab-completion.png"))
    items = page.locator(".jp-Completer .jp-Completer-item").all_inner_texts()
    if not any(re.match(r"\s*Normal\b", item) for item in items):
        raise AssertionError(f"completion lists no Normal: {items!r}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", required=True, nargs="+", help="the numpyro-lsp command")
    parser.add_argument("--results", type=Path, required=True)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    run(args.server, args.results, args.chromium)
    print("jupyterlab: the diagnostic and the completion showed in the notebook")
    return 0


if __name__ == "__main__":
    sys.exit(main())
