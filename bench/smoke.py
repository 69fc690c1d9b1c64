"""Benchmark of the NUTS smoke test: ``python bench/smoke.py``.

Times the smoke test of ``examples/eight_schools.py`` cold (a fresh worker: its start and
jax import, loading, compiling, sampling) with an empty persistent compilation cache, cold
again with that cache warm (the first run after an editor restart, the model unchanged), and
warm (a worker that ran the model before, another seed) against ``python`` running the same
model with the same settings as a plain script, rounds interleaved so drift on the machine
hits all alike. Prints a table, the ratios and PASS/FAIL against the targets (warm <= 0.05x,
cold with a warm cache <= 0.4x, cold with an empty cache <= 1.2x the plain script's wall
time), and writes bench/results/smoke.json.

CPU seconds (user + system, the worker's included) are measured too: on a machine shared
with other work, wall times swing with the load and CPU time says what each run costs.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import attrs

from numpyro_lsp.catalog.store import load_catalog
from numpyro_lsp.settings import SmokeSettings
from numpyro_lsp.smoke.pipeline import run_smoke_test
from numpyro_lsp.smoke.protocol import COMPILE_CACHE_VARIABLE
from numpyro_lsp.smoke.report import SmokeReport
from numpyro_lsp.smoke.runner import SmokeRunner

BENCH = Path(__file__).resolve().parent
EXAMPLE = BENCH.parent / "examples" / "eight_schools.py"
MODEL = "eight_schools"
WARM_TARGET = 0.05
COLD_CACHED_TARGET = 0.4
COLD_TARGET = 1.2
# What the plain script does after the example's definitions: the smoke test's run.
PLAIN_RUN = """
mcmc = MCMC(
    NUTS(eight_schools),
    num_warmup={warmup},
    num_samples={samples},
    num_chains={chains},
    chain_method="vectorized",
    progress_bar=False,
)
mcmc.run(random.PRNGKey({seed}), J, sigma, y=y, extra_fields=("accept_prob",))
mcmc.print_summary()
"""


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="rounds of plain, cold, warm")
    parser.add_argument("--warm", type=int, default=3, help="warm runs per round")
    parser.add_argument("--out", type=Path, default=BENCH / "results" / "smoke.json")
    return parser.parse_args()


def plain_script(settings: SmokeSettings) -> str:
    definitions = EXAMPLE.read_text().split('if __name__ == "__main__":')[0]
    return definitions + PLAIN_RUN.format(
        warmup=settings.warmup,
        samples=settings.samples,
        chains=settings.chains,
        seed=settings.seed,
    )


def children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_plain(script: Path) -> tuple[float, float]:
    """Wall and CPU seconds of ``python script``."""
    cpu = children_cpu_s()
    started = time.perf_counter()
    subprocess.run([sys.executable, str(script)], check=True, capture_output=True)
    return time.perf_counter() - started, children_cpu_s() - cpu


def time_cold(settings: SmokeSettings) -> tuple[float, float, SmokeReport]:
    """Wall and CPU seconds of a smoke test in a fresh worker, the worker's CPU included
    (counted once it has exited)."""
    cpu = children_cpu_s() + time.process_time()
    runner = SmokeRunner()
    try:
        elapsed, report = time_smoke(runner, settings)
    finally:
        runner.close()
    return elapsed, children_cpu_s() + time.process_time() - cpu, report


def time_smoke(runner: SmokeRunner, settings: SmokeSettings) -> tuple[float, SmokeReport]:
    source = EXAMPLE.read_text()
    catalog = load_catalog().catalog  # loaded once by the server, before any run
    started = time.perf_counter()
    report = run_smoke_test(
        runner, source, str(EXAMPLE), MODEL, settings, catalog, threading.Event()
    )
    elapsed = time.perf_counter() - started
    if report.verdict not in ("pass", "warn"):
        raise SystemExit(f"the smoke test did not run:\n{report.details}")
    return elapsed, report


def measure(args: argparse.Namespace, settings: SmokeSettings, script: Path) -> dict:
    wall: dict[str, list[float]] = {"plain": [], "cold": [], "cold_cached": [], "warm": []}
    cpu: dict[str, list[float]] = {"plain": [], "cold": [], "cold_cached": []}
    timings: dict[str, list[dict]] = {"cold": [], "cold_cached": []}
    device = None
    for _ in range(args.rounds):
        elapsed, used = time_plain(script)
        wall["plain"].append(elapsed)
        cpu["plain"].append(used)
        with tempfile.TemporaryDirectory() as cache:
            # An empty persistent cache, then the same cache once the first run filled it.
            os.environ[COMPILE_CACHE_VARIABLE] = cache
            for name in ("cold", "cold_cached"):
                elapsed, used, report = time_cold(settings)
                wall[name].append(elapsed)
                cpu[name].append(used)
                timings[name].append(report.timings)
                device = report.device
        runner = SmokeRunner()
        try:
            time_smoke(runner, settings)  # compiles the model in this worker
            for seed in range(1, args.warm + 1):
                elapsed, report = time_smoke(runner, SmokeSettings(seed=seed))
                if "compiled sampler reused" not in report.summary:
                    raise SystemExit("a warm run did not reuse the compiled sampler")
                wall["warm"].append(elapsed)
        finally:
            runner.close()
    breakdown = {
        name: {
            key: statistics.median(t[key] for t in runs)
            for key in ("startup_s", "load_s", "compile_s", "warmup_s", "sampling_s")
        }
        for name, runs in timings.items()
    }
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "device": device,
        "cold_breakdown": breakdown,
        "load_average": os.getloadavg(),
        "cpus": os.cpu_count(),
    }


def medians(values: dict[str, list[float]]) -> dict[str, float]:
    return {name: statistics.median(v) for name, v in values.items()}


def render(result: dict) -> str:
    wall, cpu = result["wall_s"], result["cpu_s"]
    wall_median, cpu_median = medians(wall), medians(cpu)
    lines = [f"{'':<22}{'wall median':>12}{'wall min':>10}{'CPU median':>12}{'runs':>6}"]
    labels = {
        "plain": "plain python script",
        "cold": "cold, empty cache",
        "cold_cached": "cold, warm cache",
        "warm": "smoke test, warm",
    }
    for name, label in labels.items():
        used = f"{cpu_median[name]:>11.2f}s" if name in cpu else f"{'':>12}"
        lines.append(
            f"{label:<22}{wall_median[name]:>11.2f}s{min(wall[name]):>9.2f}s{used}"
            f"{len(wall[name]):>6}"
        )
    lines.append("")
    targets = (("warm", WARM_TARGET), ("cold_cached", COLD_CACHED_TARGET), ("cold", COLD_TARGET))
    for name, target in targets:
        ratio = wall_median[name] / wall_median["plain"]
        verdict = "PASS" if ratio <= target else "FAIL"
        line = f"{name}/plain wall = {ratio:.2f} (target <= {target}): {verdict}"
        if name in cpu:
            line += f"; CPU = {cpu_median[name] / cpu_median['plain']:.2f}"
        lines.append(line)
    load = ", ".join(f"{x:.1f}" for x in result["load_average"])
    lines += ["", f"device {result['device']}; medians:"]
    for name, breakdown in result["cold_breakdown"].items():
        parts = " · ".join(f"{k[:-2]} {v:.2f} s" for k, v in breakdown.items())
        lines.append(f"  {labels[name]}: {parts}")
    lines += [
        f"{result['cpus']} CPUs, load average {load} at the end",
    ]
    return "\n".join(lines)


def main() -> int:
    args = parse_args()
    settings = SmokeSettings()
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "eight_schools_plain.py"
        script.write_text(plain_script(settings))
        result = measure(args, settings, script)
    print(render(result))
    wall = medians(result["wall_s"])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "when": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": {
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
        "settings": attrs.asdict(settings),
        **result,
        "ratios": {
            "warm_over_plain": wall["warm"] / wall["plain"],
            "cold_cached_over_plain": wall["cold_cached"] / wall["plain"],
            "cold_over_plain": wall["cold"] / wall["plain"],
        },
    }
    args.out.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
