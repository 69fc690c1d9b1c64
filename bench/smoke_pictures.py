"""Benchmark of the smoke test's pictures: ``python bench/smoke_pictures.py``.

A 4-chain x 1,000-draw x 20-site run (the issue's target: shown in under 1 s): the time the
worker takes to prepare its draws (smoke/draws.py), the size they travel at, and the time
headless Chromium takes to draw the HTML report's 62 charts (tests/browser/check_report.mjs:
the renderer's own time, and from opening the page until every chart is painted).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from numpyro_lsp.smoke import draws
from numpyro_lsp.smoke.html_report import html_report
from numpyro_lsp.smoke.report import SmokeReport

ROOT = Path(__file__).resolve().parent.parent
TARGET_S = 1.0


def main() -> int:
    rng = np.random.default_rng(0)
    samples = {f"site{i}": rng.normal(size=(4, 1000)) for i in range(20)}
    diverging = rng.random((4, 1000)) < 0.01
    energy = rng.normal(size=(4, 1000))
    prepared = []
    for _ in range(5):
        started = time.perf_counter()
        pictures = draws.pictures(samples, diverging, energy)
        prepared.append(time.perf_counter() - started)
    size = len(json.dumps(pictures))
    report = SmokeReport("m", "m.py", "warn", "NUTS smoke test of m", "", pictures=pictures)
    shown, rendered = [], []
    with tempfile.TemporaryDirectory() as folder:
        page = Path(folder) / "report.html"
        page.write_text(html_report(report), encoding="utf-8")
        for _ in range(3):
            out = subprocess.run(
                ["node", str(ROOT / "tests" / "browser" / "check_report.mjs"), str(page)],
                capture_output=True,
                text=True,
                check=True,
            )
            result = json.loads(out.stdout)
            assert result["painted"] == result["expected"] == 62, result
            shown.append(result["shown_ms"] / 1000)
            rendered.append(result["render_ms"] / 1000)
    render = statistics.median(rendered)
    verdict = "PASS" if render < TARGET_S else "FAIL"
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"prepare draws (worker): median {statistics.median(prepared):.3f} s", end="; ")
    print(f"{size / 1e3:.0f} kB as JSON")
    print(f"renderer, 62 charts: median {render:.3f} s (target < {TARGET_S} s): {verdict}")
    print(f"page opened to all painted: median {statistics.median(shown):.3f} s", end=" ")
    print("(Chromium's start excluded)")
    print(f"{os.cpu_count()} CPUs, load average {load}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
