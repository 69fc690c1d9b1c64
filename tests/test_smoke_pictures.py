"""The smoke test's pictures (smoke/draws.py, smoke/html_report.py, smoke/picture_files.py):
the draws as the worker sends them, and the HTML report opened in headless Chromium with every
chart painted, the centered 8 schools' divergent draws in the pair plot, and no network."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from numpyro_lsp.smoke import draws
from numpyro_lsp.smoke.html_report import html_report
from numpyro_lsp.smoke.picture_files import floats, per_chain
from numpyro_lsp.smoke.report import SmokeReport

ROOT = Path(__file__).resolve().parent.parent
CHECK = ROOT / "tests" / "browser" / "check_report.mjs"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
PLAYWRIGHT = ROOT / "vscode-extension" / "node_modules" / "playwright-core"
needs_browser = pytest.mark.skipif(
    not (Path(CHROMIUM).exists() and PLAYWRIGHT.exists() and shutil.which("node")),
    reason="needs Chromium, node and the extension's node_modules (scripts/test.sh installs them)",
)


def funnel(chains=2, count=1000, seed=0):
    """Neal's funnel: ``theta`` narrows with ``tau``; the "divergent" draws are its neck."""
    rng = np.random.default_rng(seed)
    log_tau = rng.normal(0, 1.5, size=(chains, count))
    theta = rng.normal(size=(chains, count, 3)) * np.exp(log_tau)[..., None]
    mu = rng.normal(size=(chains, count))
    diverging = log_tau < -2.0
    energy = rng.normal(size=(chains, count)).cumsum(axis=1) * 0.1 + rng.normal(
        size=(chains, count)
    )
    return {"mu": mu, "tau": np.exp(log_tau), "theta": theta}, diverging, energy


def test_the_draws_are_thinned_and_the_pair_plot_shows_the_funnel():
    samples, diverging, energy = funnel()
    pictures = draws.pictures(samples, diverging, energy)
    assert pictures["step"] == 2 and pictures["kept"] == 500
    names = [e["name"] for e in pictures["elements"]]
    assert names == ["mu", "tau", "theta[0]", "theta[1]", "theta[2]"]
    mu = per_chain(floats(pictures["elements"][0]["values"]), 2)
    np.testing.assert_allclose(mu[1], samples["mu"][1, ::2], rtol=1e-6)
    # The neck: tau (on the log scale) apart, theta squeezed; mu plays no part.
    pair = {pictures["pair"]["x"].split("[")[0], pictures["pair"]["y"].split("[")[0]}
    assert pair == {"tau", "theta"}
    # Every divergent draw is kept, thinning or not.
    assert len(floats(pictures["pair"]["div_x"])) == diverging.sum() == pictures["divergences"]
    expected = np.sum(np.diff(energy, axis=1) ** 2, axis=1) / energy.shape[1] / energy.var(axis=1)
    np.testing.assert_allclose(pictures["bfmi"], expected, rtol=1e-6)
    json.dumps(pictures)  # it travels as JSON


def test_many_elements_are_capped():
    samples = {"w": np.zeros((1, 10, 300))}
    pictures = draws.pictures(samples, np.zeros((1, 10), bool), np.zeros((1, 10)))
    assert len(pictures["elements"]) == draws.MAX_ELEMENTS
    assert pictures["pair"]["x"] != pictures["pair"]["y"]


def report_with(pictures, summary="NUTS smoke test of m: WARN") -> SmokeReport:
    return SmokeReport("m", "/x/m.py", "warn", summary, "", pictures=pictures)


def check(html: str, folder: Path, screenshot: bool = False) -> dict:
    page = folder / "report.html"
    page.write_text(html, encoding="utf-8")
    command = ["node", str(CHECK), str(page)]
    if screenshot:
        command.append(str(folder / "report.png"))
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@needs_browser
def test_the_html_report_of_the_centered_eight_schools_shows_its_divergences(tmp_path):
    page = tmp_path / "report.html"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "numpyro_lsp",
            "smoke",
            str(ROOT / "examples" / "eight_schools.py"),
            "--json",
            "--html",
            str(page),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    report = json.loads(run.stdout)
    assert report["divergences"] > 0, run.stderr
    shown = check(page.read_text(), tmp_path)
    # Trace, rank and density for mu, tau and theta[0] (the picker's first choice), the pair
    # plot and the energy plot: each painted on its canvas.
    assert shown["expected"] == shown["painted"] == shown["canvases"] == 11, shown
    assert shown["blank_canvases"] == 0
    assert shown["pair_divergent"] == report["divergences"]
    assert any(t.startswith("energy · BFMI ") for t in shown["titles"])
    assert shown["picker"][:3] == ["mu", "tau", "theta[0]"] and len(shown["picker"]) == 10
    assert shown["requests"] == [] and shown["errors"] == [] and shown["violations"] == []


@needs_browser
def test_a_large_run_is_shown_in_under_a_second(tmp_path):
    """4 chains x 1,000 draws x 20 sites (the issue's target; bench/smoke_pictures.py times
    it beside the preparation)."""
    rng = np.random.default_rng(1)
    samples = {f"s{i}": rng.normal(size=(4, 1000)) for i in range(20)}
    diverging = rng.random((4, 1000)) < 0.01
    pictures = draws.pictures(samples, diverging, rng.normal(size=(4, 1000)))
    shown = check(html_report(report_with(pictures)), tmp_path)
    assert shown["expected"] == shown["painted"] == 62, shown
    assert shown["render_ms"] < 1000, shown


def test_nan_draws_do_not_break_the_pictures():
    samples = {"a": np.full((2, 20), np.nan), "b": np.ones((2, 20))}
    pictures = draws.pictures(samples, np.zeros((2, 20), bool), np.full((2, 20), np.nan))
    json.dumps(pictures)
    assert pictures["pair"] is not None
