"""Benchmark of the parameterization advisor: ``python bench/advise.py``.

Times, cold (a fresh worker each: its start and jax import, loading, compiling, sampling),
one NUTS smoke test of a model and the advice on it (every variant run in that one worker,
one compiled sampler for all of them), rounds interleaved so drift on the machine hits both
alike. Two models: the guide's eight schools (one candidate site: 3 variants) and nested
plates (two candidate sites: 6 variants). Prints a table, the ratio advice / smoke test and
PASS/FAIL against the target (advice <= 2x one smoke test), and writes
bench/results/advise.json. CPU seconds are measured too (the worker's included). JAX's
persistent compilation cache is off by default, so that every run compiles (``--cache``
leaves the server's own cache folder in use: cold runs then read their samplers from it).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import resource
import statistics
import tempfile
import threading
import time
from pathlib import Path

from numpyro_lsp.advise.pipeline import advise
from numpyro_lsp.catalog.store import load_catalog
from numpyro_lsp.settings import SmokeSettings
from numpyro_lsp.smoke.pipeline import run_smoke_test
from numpyro_lsp.smoke.runner import SmokeRunner

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
TARGET = 2.0
NESTED = (ROOT / "tests" / "corpus" / "centered" / "nested_plates.py").read_text()
MODELS = {
    "eight_schools": (ROOT / "examples" / "eight_schools.py").read_text(),
    "model": NESTED.replace("def model(", "# numpyro: smoke-args 6, 3, y=Y\ndef model("),
}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="rounds of smoke test, advice")
    parser.add_argument("--out", type=Path, default=BENCH / "results" / "advise.json")
    parser.add_argument(
        "--cache", action="store_true", help="keep JAX's persistent compilation cache on"
    )
    return parser.parse_args()


def cpu_s() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(run) -> tuple[float, float, object]:
    """Wall and CPU seconds of ``run()`` in a fresh worker (closed, so its CPU is counted)."""
    runner = SmokeRunner()
    started, cpu = time.perf_counter(), cpu_s()
    try:
        result = run(runner)
    finally:
        runner.close()
    return time.perf_counter() - started, cpu_s() - cpu, result


def main() -> int:
    args = parse_args()
    settings = SmokeSettings()
    if not args.cache:  # the worker inherits it (smoke/compile_cache.py)
        os.environ["NUMPYRO_LSP_COMPILE_CACHE"] = "off"
    catalog = load_catalog().catalog
    folder = Path(tempfile.mkdtemp(prefix="advise-bench-"))
    rows: dict[str, dict[str, list[float]]] = {}
    variants: dict[str, list[str]] = {}
    for round_ in range(args.rounds):
        for model, source in MODELS.items():
            path = folder / f"{model}.py"
            path.write_text(source)
            times = rows.setdefault(
                model, {"smoke": [], "smoke_cpu": [], "advice": [], "advice_cpu": []}
            )
            wall, cpu, report = timed(
                lambda runner, s=source, p=path, m=model: run_smoke_test(
                    runner, s, str(p), m, settings, catalog, threading.Event()
                )
            )
            assert report.verdict in ("pass", "warn"), report.summary
            times["smoke"].append(wall)
            times["smoke_cpu"].append(cpu)
            wall, cpu, (advice, _) = timed(
                lambda runner, s=source, p=path, m=model: advise(
                    runner, s, str(p), m, settings, catalog, threading.Event()
                )
            )
            assert advice.recommended is not None, advice.reason
            times["advice"].append(wall)
            times["advice_cpu"].append(cpu)
            variants[model] = [v.name for v in advice.variants]
            print(
                f"round {round_ + 1}: {model}: smoke test {times['smoke'][-1]:.2f} s, advice "
                f"({len(advice.variants)} variants) {wall:.2f} s: {advice.recommended}",
                flush=True,
            )
    load = os.getloadavg()
    results = {}
    print(
        f"\n{'model':<15}{'variants':>9}{'smoke s':>10}{'advice s':>10}{'ratio':>8}"
        f"{'CPU ratio':>11}"
    )
    passed = True
    for model, times in rows.items():
        smoke, advice_s = statistics.median(times["smoke"]), statistics.median(times["advice"])
        cpu_ratio = statistics.median(times["advice_cpu"]) / statistics.median(times["smoke_cpu"])
        ratio = advice_s / smoke
        passed &= ratio <= TARGET
        results[model] = {
            **times,
            "variants": variants[model],
            "ratio": ratio,
            "cpu_ratio": cpu_ratio,
        }
        print(
            f"{model:<15}{len(variants[model]):>9}{smoke:>10.2f}{advice_s:>10.2f}{ratio:>8.2f}"
            f"{cpu_ratio:>11.2f}"
        )
    verdict = "PASS" if passed else "FAIL"
    cache = "on" if args.cache else "off"
    print(
        f"\nadvice <= {TARGET}x one smoke test (median wall, compilation cache {cache}): "
        f"{verdict}; load {load[0]:.2f}"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "when": datetime.datetime.now(datetime.UTC).isoformat(),
                "machine": platform.platform(),
                "cpus": os.cpu_count(),
                "load": load,
                "settings": {
                    "warmup": settings.warmup,
                    "samples": settings.samples,
                    "chains": settings.chains,
                },
                "target": TARGET,
                "compile_cache": "on" if args.cache else "off",
                "results": results,
            },
            indent=1,
        )
    )
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
