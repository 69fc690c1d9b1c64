"""The scaling curve, 200 to 10,000 lines, from a results document:

    python bench/plot.py [bench/results/bench.json] [docs/performance-scaling.png]

Left: milliseconds from didChange to publishDiagnostics (p50, bar to p95) for numpyro-lsp
and jedi-ls (less its fixed 1 s debounce), with the in-process engine and ``ast.parse``
below them and a straight line through numpyro-lsp's 2,000-line point. Right: the same per
1,000 lines, flat where the cost is linear.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from servers import JEDI, OURS

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_IN = ROOT / "bench" / "results" / "bench.json"
DEFAULT_OUT = ROOT / "docs" / "performance-scaling.png"

Series = tuple[str, list[float], list[float], list[float]]  # label, lines, p50, p95


def series(results: dict[str, Any]) -> list[Series]:
    ours = results["servers"][OURS]["scaling"]
    jedi = results["servers"][JEDI]["scaling"]
    engine = results["floors"]["engine"]
    sizes = list(ours)
    debounce = results["servers"][JEDI]["diagnostics_debounce_ms"]

    def pick(table: dict[str, Any], key: str, less: float = 0.0) -> Series:
        lines = [float(table[s]["lines"]) for s in sizes]
        p50 = [table[s][key]["p50"] - less for s in sizes]
        p95 = [table[s][key]["p95"] - less for s in sizes]
        return "", lines, p50, p95

    rows = [
        ("numpyro-lsp: didChange → diagnostics", pick(ours, "edit_ms")),
        (
            f"jedi-ls: didChange → diagnostics, less its {debounce:g} ms debounce",
            pick(jedi, "edit_ms", debounce),
        ),
        ("numpyro-lsp whole-file check, in-process (CPU; the CLI path)", pick(engine, "engine")),
        ("ast.parse alone, in-process (CPU time; the floor)", pick(engine, "ast.parse")),
    ]
    return [(label, *data[1:]) for label, data in rows]


def draw(results: dict[str, Any], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    curves = series(results)
    figure, (absolute, per_kline) = plt.subplots(1, 2, figsize=(12, 4.8))
    for label, lines, p50, p95 in curves:
        errors = [[0.0] * len(p50), [high - mid for mid, high in zip(p50, p95, strict=True)]]
        absolute.errorbar(lines, p50, yerr=errors, marker="o", capsize=3, label=label)
        per_kline.plot(
            lines,
            [m / (n / 1000) for m, n in zip(p50, lines, strict=True)],
            marker="o",
            label=label,
        )
    _, lines, p50, _ = curves[0]
    middle = min(range(len(lines)), key=lambda i: abs(lines[i] - 2000))
    slope = p50[middle] / lines[middle]
    absolute.plot(
        lines,
        [slope * n for n in lines],
        ":",
        color="grey",
        label="linear through numpyro-lsp at 2,000 lines",
    )
    absolute.axhline(
        50, color="red", linewidth=0.8, linestyle="--", label="target at 2,000 lines: p95 < 50 ms"
    )
    absolute.set(
        xlabel="lines in the file", ylabel="ms (p50, bar to p95)", title="Diagnostics after an edit"
    )
    per_kline.set(
        xlabel="lines in the file",
        ylabel="ms per 1,000 lines (p50)",
        title="Cost per 1,000 lines (flat = linear)",
    )
    per_kline.set_ylim(bottom=0)
    absolute.legend(fontsize=8)
    per_kline.legend(fontsize=8)
    machine = results["machine"]
    figure.suptitle(
        f"numpyro-lsp vs jedi-language-server · {machine['cpu']}, "
        f"{machine['cores']} cores · {results['when']}",
        fontsize=9,
    )
    figure.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(out, dpi=110)
    plt.close(figure)


def main() -> int:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_IN
    out = Path(sys.argv[2]) if len(sys.argv) > 2 else DEFAULT_OUT
    draw(json.loads(source.read_text(encoding="utf-8")), out)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
