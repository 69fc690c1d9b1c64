"""Benchmark of the shape lens: ``python bench/shapes.py``.

Times ``workspace/executeCommand numpyro.shapes`` end to end over LSP (stdio, like an
editor) on ``examples/eight_schools.py`` and on a generated 50-site model: the first trace
(a fresh worker: its start and jax import) and warm traces (median and p95). The baseline,
measured in the same run: what a user runs in a warm Python to get the same table,
``numpyro.util.format_shapes`` over a seeded trace with log-probs, in a separate process
that imports jax first. Also the typing latency while shapes are traced: completion p50
with the server idle against completion p50 while a loop of traces runs.

Targets: 8 schools < 300 ms warm, the 50-site model < 2 s warm, and completion p50 during
traces at most 1.5x idle (typing is never delayed). Writes bench/results/shapes.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lsp_client import LspClient
from messages import completion_params, did_open_params, initialize_params

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
EXAMPLE = ROOT / "examples" / "eight_schools.py"
TARGETS_MS = {"eight_schools": 300.0, "fifty_sites": 2000.0}
TYPING_TARGET = 1.5
BASELINE = """
import statistics, sys, time, runpy
import jax
from numpyro import handlers
from numpyro.util import format_shapes

module = runpy.run_path(sys.argv[1])
model, args, kwargs = module[sys.argv[2]], eval(sys.argv[3], module), {}
times = []
for _ in range(int(sys.argv[4])):
    started = time.perf_counter()
    trace = handlers.trace(handlers.seed(model, 0)).get_trace(*args, **kwargs)
    format_shapes(trace, compute_log_prob=True)
    times.append(time.perf_counter() - started)
print(statistics.median(times[1:]) * 1000)
"""


def fifty_site_model() -> str:
    """10 groups of 5 sites each: scalars, plate vectors and an event vector."""
    lines = [
        "import numpy as np",
        "import numpyro",
        "import numpyro.distributions as dist",
        "",
        "X = np.ones((200, 4))",
        "y = np.zeros(200)",
        "",
        "",
        "def fifty_sites(X, y):",
        "    total = 0.0",
    ]
    for g in range(10):
        lines += [
            f'    a{g} = numpyro.sample("a{g}", dist.Normal(0, 1))',
            f'    s{g} = numpyro.sample("s{g}", dist.HalfNormal(1))',
            f'    w{g} = numpyro.sample("w{g}", dist.Normal(0, 1).expand([4]).to_event(1))',
            f'    with numpyro.plate("p{g}", X.shape[0]):',
            f'        z{g} = numpyro.sample("z{g}", dist.Normal(a{g} + X @ w{g}, s{g}))',
            f'        numpyro.deterministic("d{g}", z{g} * 2)',
            f"    total = total + z{g}",
        ]
    lines += [
        '    with numpyro.plate("obs_plate", X.shape[0]):',
        '        numpyro.sample("obs", dist.Normal(total, 1.0), obs=y)',
        "",
    ]
    return "\n".join(lines)


def baseline_ms(path: Path, model: str, arguments: str, repeats: int) -> float:
    done = subprocess.run(
        [sys.executable, "-c", BASELINE, str(path), model, arguments, str(repeats)],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(done.stdout.strip().splitlines()[-1])


async def trace_ms(client: LspClient, uri: str, model: str) -> tuple[float, dict]:
    started = time.perf_counter()
    report = await client.request(
        "workspace/executeCommand", {"command": "numpyro.shapes", "arguments": [uri, model]}
    )
    return (time.perf_counter() - started) * 1000, report


async def completion_times(
    client: LspClient, uri: str, position: dict, count: int, until=lambda: True
) -> list[float]:
    """At least ``count`` completions, and more until ``until()`` holds."""
    times: list[float] = []
    while len(times) < count or not until():
        started = time.perf_counter()
        await client.request("textDocument/completion", completion_params(uri, position))
        times.append((time.perf_counter() - started) * 1000)
    return times


async def measure(args: argparse.Namespace, files: dict[str, tuple[Path, str]]) -> dict:
    client = await LspClient.spawn([sys.executable, "-m", "numpyro_lsp"], ROOT)
    await client.request("initialize", initialize_params(ROOT, {"numpyro": {"debounceMs": 0}}))
    await client.notify("initialized", {})
    results: dict = {}
    uris = {}
    for name, (path, model) in files.items():
        uri = path.as_uri()
        uris[name] = uri
        await client.notify("textDocument/didOpen", did_open_params(uri, path.read_text()))
        first, report = await trace_ms(client, uri, model)
        assert report["status"] == "ok", report
        warm = [(await trace_ms(client, uri, model))[0] for _ in range(args.repeats)]
        results[name] = {
            "sites": len(report["sites"]),
            "first_ms": first,
            "warm_p50_ms": statistics.median(warm),
            "warm_p95_ms": sorted(warm)[int(0.95 * (len(warm) - 1))],
            "worker_trace_ms": report["timings"].get("trace_s", 0) * 1000,
        }
    # Typing while shapes are traced: completions at ``dist.`` in the 50-site file.
    path, model = files["fifty_sites"]
    text = path.read_text()
    line = text[: text.index("dist.Normal")].count("\n")
    column = text.splitlines()[line].index("dist.") + len("dist.")
    position = {"line": line, "character": column}
    idle = statistics.median(
        await completion_times(client, uris["fifty_sites"], position, args.completions)
    )
    stop = asyncio.Event()
    traces = 0

    async def loop() -> None:
        nonlocal traces
        while not stop.is_set():
            await trace_ms(client, uris["fifty_sites"], model)
            traces += 1

    running = asyncio.create_task(loop())
    await asyncio.sleep(0.05)
    during = await completion_times(
        client, uris["fifty_sites"], position, args.completions, lambda: traces >= args.repeats
    )
    busy = statistics.median(during)
    stop.set()
    await running
    results["typing"] = {
        "idle_p50_ms": idle,
        "during_traces_p50_ms": busy,
        "during_traces_p95_ms": sorted(during)[int(0.95 * (len(during) - 1))],
        "completions": len(during),
        "traces": traces,
    }
    await client.shutdown()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20, help="warm traces per model")
    parser.add_argument("--completions", type=int, default=40)
    parser.add_argument("--out", type=Path, default=BENCH / "results" / "shapes.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        fifty = Path(folder) / "fifty_sites.py"
        fifty.write_text(fifty_site_model())
        files = {"eight_schools": (EXAMPLE, "eight_schools"), "fifty_sites": (fifty, "fifty_sites")}
        baselines = {
            "eight_schools": baseline_ms(EXAMPLE, "eight_schools", "(J, sigma, y)", args.repeats),
            "fifty_sites": baseline_ms(fifty, "fifty_sites", "(X, y)", args.repeats),
        }
        results = asyncio.run(measure(args, files))
    load = os.getloadavg()
    print(f"shape lens over LSP (load average {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f})")
    print(
        f"{'model':<14}{'sites':>6}{'first':>10}{'warm p50':>10}{'p95':>9}"
        f"{'format_shapes':>15}{'ratio':>7}  target"
    )
    ok = True
    for name, row in results.items():
        if name == "typing":
            continue
        row["baseline_ms"] = baselines[name]
        row["ratio"] = row["warm_p50_ms"] / baselines[name]
        passed = row["warm_p50_ms"] < TARGETS_MS[name]
        ok &= passed
        print(
            f"{name:<14}{row['sites']:>6}{row['first_ms']:>8.0f}ms{row['warm_p50_ms']:>8.1f}ms"
            f"{row['warm_p95_ms']:>7.1f}ms{row['baseline_ms']:>13.1f}ms{row['ratio']:>6.2f}x"
            f"  < {TARGETS_MS[name]:.0f} ms {'PASS' if passed else 'FAIL'}"
        )
    typing = results["typing"]
    typing["ratio"] = typing["during_traces_p50_ms"] / typing["idle_p50_ms"]
    passed = typing["ratio"] <= TYPING_TARGET
    ok &= passed
    print(
        f"completion p50: idle {typing['idle_p50_ms']:.1f} ms; {typing['completions']} during "
        f"{typing['traces']} traces {typing['during_traces_p50_ms']:.1f} ms (p95 "
        f"{typing['during_traces_p95_ms']:.1f} ms, {typing['ratio']:.2f}x, target "
        f"<= {TYPING_TARGET}x) {'PASS' if passed else 'FAIL'}"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"load": load, **results}, indent=1))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
