"""The smoke test's pictures as one self-contained HTML file (``numpyro-lsp smoke FILE --html
report.html``), and the data the VS Code panel draws.

The page holds everything: uPlot (MIT, a canvas chart library of ~50 KB that needs no eval, so
it runs under a strict Content-Security-Policy), the renderer ``pictures/report.js`` that the
panel uses too, their styles, and the draws (``smoke/draws.py``) as JSON. Its policy allows
only those inline scripts and styles (by hash): no network at all.

uPlot's files come from the VS Code extension's npm dependencies: ``vscode-extension/build.mjs``
copies them into ``pictures/vendor/`` (``scripts/setup.sh`` runs it), and the wheel carries
them.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
from pathlib import Path
from typing import Any

from numpyro_lsp.smoke.report import SmokeReport

ASSETS = Path(__file__).resolve().parent / "pictures"
VENDOR = ASSETS / "vendor"
SCRIPTS = (VENDOR / "uPlot.iife.min.js", ASSETS / "report.js")
STYLES = (VENDOR / "uPlot.min.css", ASSETS / "report.css")


class AssetsMissing(RuntimeError):
    pass


def panel_data(report: SmokeReport) -> dict[str, Any]:
    """What the renderer draws: the title, the summary and the draws."""
    return {
        "title": f"NUTS smoke test of {report.model}",
        "summary": report.summary,
        "verdict": report.verdict,
        "path": report.path,
        "pictures": report.pictures,
    }


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        raise AssetsMissing(
            f"the report's {path.name} is missing ({path}): build it with "
            "`cd vscode-extension && npm ci && npm run build` (scripts/setup.sh does)"
        ) from error


def _hash(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def html_report(report: SmokeReport) -> str:
    """The report as one HTML page that needs nothing else."""
    scripts = [_read(path) for path in SCRIPTS]
    styles = [_read(path) for path in STYLES]
    # ``</`` never closes the data's script element early.
    data = json.dumps(panel_data(report)).replace("</", "<\\/")
    policy = (
        "default-src 'none'; "
        f"script-src {' '.join(_hash(s) for s in scripts)}; "
        f"style-src {' '.join(_hash(s) for s in styles)}; "
        "img-src data:"
    )
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{html.escape(policy)}">',
        f"<title>{html.escape(f'NUTS smoke test of {report.model}')}</title>",
        *(f"<style>{style}</style>" for style in styles),
        "</head><body>",
        '<main id="report"></main>',
        f'<script type="application/json" id="numpyro-report-data">{data}</script>',
        *(f"<script>{script}</script>" for script in scripts),
        "</body></html>",
    ]
    return "\n".join(parts)


def write_html_report(report: SmokeReport, path: Path) -> None:
    path.write_text(html_report(report), encoding="utf-8")
