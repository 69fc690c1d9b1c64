"""``numpyro-lsp smoke FILE --html report.html --png DIR``: the report's pictures as files.

The HTML file is ``html_report.py``'s. The PNG files are drawn with matplotlib where the
interpreter that runs numpyro-lsp has it (it is not a dependency): per element a trace per
chain, a rank plot and the density per chain, then the pair plot (divergent draws marked)
and the energy plot with BFMI.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any

from numpyro_lsp.smoke.html_report import AssetsMissing, write_html_report
from numpyro_lsp.smoke.report import SmokeReport

RANK_BINS = 20


def write_pictures(report: SmokeReport, html: str | None, png: str | None) -> list[str]:
    """Writes what was asked; says in a line each what was written, or why not."""
    said = []
    if report.pictures is None:
        return ["no pictures: the model did not run"]
    if html:
        try:
            write_html_report(report, Path(html))
            said.append(f"wrote {html}")
        except (AssetsMissing, OSError) as error:
            said.append(f"no HTML report: {error}")
    if png:
        said.append(write_png_files(report.pictures, Path(png)))
    return said


def floats(text: str) -> list[float]:
    import array

    values = array.array("f")
    values.frombytes(base64.b64decode(text))
    return values.tolist()


def per_chain(values: list[float], chains: int) -> list[list[float]]:
    size = len(values) // chains
    return [values[c * size : (c + 1) * size] for c in range(chains)]


def write_png_files(pictures: dict[str, Any], folder: Path) -> str:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "no PNG files: matplotlib is not installed next to numpyro-lsp"
    folder.mkdir(parents=True, exist_ok=True)
    chains = pictures["chains"]
    written = 0
    for element in pictures["elements"]:
        draws = per_chain(floats(element["values"]), chains)
        figure, (trace, rank, density) = plt.subplots(1, 3, figsize=(12, 3))
        pooled = sorted((v, c) for c, d in enumerate(draws) for v in d)
        counts = [[0] * RANK_BINS for _ in draws]
        for position, (_, chain) in enumerate(pooled):
            counts[chain][min(RANK_BINS - 1, position * RANK_BINS // len(pooled))] += 1
        for chain, values in enumerate(draws):
            trace.plot([i * pictures["step"] for i in range(len(values))], values, lw=0.7)
            rank.step(range(RANK_BINS), counts[chain], where="post")
            density.hist(values, bins=30, density=True, histtype="step")
        trace.set_title(f"{element['name']}: trace")
        rank.set_title("rank")
        density.set_title("density")
        figure.tight_layout()
        figure.savefig(folder / f"{file_name(element['name'])}.png", dpi=80)
        plt.close(figure)
        written += 1
    pair = pictures.get("pair")
    if pair:
        figure, axes = plt.subplots(figsize=(5, 4))
        axes.scatter(floats(pair["xs"]), floats(pair["ys"]), s=4, alpha=0.5, label="draws")
        axes.scatter(floats(pair["div_x"]), floats(pair["div_y"]), s=12, c="red", label="divergent")
        axes.set_xlabel(pair["x"])
        axes.set_ylabel(pair["y"])
        axes.legend()
        figure.savefig(folder / "pair.png", dpi=80)
        plt.close(figure)
        written += 1
    if pictures.get("energy_all"):
        energy = per_chain(floats(pictures["energy_all"]), chains)
        marginal = [v - sum(d) / len(d) for d in energy for v in d]
        transition = [d[i] - d[i - 1] for d in energy for i in range(1, len(d))]
        figure, axes = plt.subplots(figsize=(5, 4))
        axes.hist(marginal, bins=30, density=True, alpha=0.5, label="marginal energy")
        axes.hist(transition, bins=30, density=True, alpha=0.5, label="energy transition")
        bfmi = ", ".join(f"{b:.2f}" if b is not None else "nan" for b in pictures["bfmi"])
        axes.set_title(f"energy · BFMI {bfmi}")
        axes.legend()
        figure.savefig(folder / "energy.png", dpi=80)
        plt.close(figure)
        written += 1
    return f"wrote {written} PNG files to {folder}"


def file_name(element: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", element).strip("_") or "site"
