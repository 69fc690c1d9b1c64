"""The benchmark suite: ``python bench/run.py``.

numpyro-lsp beside jedi-language-server and a bare pygls server, in one run: initialize,
first completion and diagnostics, completion, hover and code-action latency, diagnostics
after an edit on 200- to 10,000-line files, memory; the checks without a server (engine,
``ast.parse``, the CLI). Prints one table with ratios and the targets' verdicts and writes
bench/results/bench.json.
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
import importlib.util
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import IO, Any

from floors import cli_times, engine_times
from half_typed import measure_half_typed
from instructions import available as valgrind_available
from instructions import instruction_counts
from machine import load_average, run_header
from scaling import ScalingResult, SizedFile, scaling_session
from scenarios import Budget, SessionResult, StartSample, Target, fresh_start, warm_session
from servers import OURS, ServerSpec, by_name, server_specs, with_project_interpreter
from summary import summarize_server, summarize_starts
from table import build_rows, render

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
DOCUMENT = ROOT / "examples" / "eight_schools.py"
# The largest file whose check is counted in instructions (bench/instructions.py).
INSTRUCTIONS_UP_TO_LINES = 2000


def compile_bytecode() -> None:
    """Write numpyro_lsp's .pyc files, as installing a wheel does. An editable install gets
    them on first import, unless PYTHONDONTWRITEBYTECODE is set: then every start would
    compile the server from source while pygls and jedi-ls load theirs from site-packages."""
    package = importlib.util.find_spec("numpyro_lsp")
    assert package is not None and package.origin is not None
    compileall.compile_dir(Path(package.origin).parent, quiet=1)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add = parser.add_argument
    add("--starts", type=int, default=5, help="fresh starts per server (after one warm-up)")
    add("--requests", type=int, default=100, help="timed requests per kind, at most")
    add("--warmup", type=int, default=3, help="untimed requests per kind")
    add("--budget", type=float, default=8.0, help="seconds per kind before stopping early")
    add("--sizes", type=int, nargs="+", default=[200, 2000, 10000], help="file sizes (lines)")
    add("--edits", type=int, default=40, help="timed edits per file size, at most")
    add("--opens", type=int, default=3, help="didOpen samples per file size")
    add("--engine-repeat", type=int, default=10, help="in-process engine runs per size")
    add("--cli-files", type=int, default=100, help="files for numpyro-lsp check")
    add("--out", type=Path, default=BENCH / "results" / "bench.json")
    add("--plot", type=Path, help="also draw the scaling curve into this PNG")
    return parser.parse_args()


class Logs:
    """Each server's stderr, appended to bench/results/logs/<server>.stderr.log."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.stderr.log"):
            old.unlink()
        self.folder = folder

    def open(self, spec: ServerSpec) -> IO[bytes]:
        return (self.folder / f"{spec.name}.stderr.log").open("ab")


async def measure_servers(args: argparse.Namespace, logs: Logs) -> dict[str, dict[str, Any]]:
    specs = server_specs()
    target = Target.locate(DOCUMENT)
    starts: dict[str, list[StartSample]] = {spec.name: [] for spec in specs}
    sessions: dict[str, SessionResult] = {}
    scaling: dict[str, ScalingResult] = {}
    # Round-robin fresh starts so drift on the machine hits every server alike; the first
    # round only warms the OS file cache and .pyc files and is not recorded.
    # Ours once more as VS Code starts it, told the project's interpreter.
    project = with_project_interpreter(by_name(OURS))
    starts[project.name] = []
    for round_number in range(args.starts + 1):
        for spec in [*specs, project]:
            with logs.open(spec) as stderr:
                sample = await fresh_start(spec, ROOT, target, stderr)
            if round_number:
                starts[spec.name].append(sample)
    budget = Budget(args.requests, args.budget)
    for spec in specs:
        with logs.open(spec) as stderr:
            sessions[spec.name] = await warm_session(
                spec, ROOT, target, budget, args.warmup, stderr
            )
    files = [SizedFile.generate(lines) for lines in args.sizes]
    edits = Budget(args.edits, args.budget)
    with tempfile.TemporaryDirectory() as folder:
        for spec in specs:
            if spec.diagnostics:
                with logs.open(spec) as stderr:
                    scaling[spec.name] = await scaling_session(
                        spec, Path(folder), files, args.opens, edits, stderr
                    )
    summaries = {
        spec.name: summarize_server(
            spec, starts[spec.name], sessions[spec.name], scaling.get(spec.name)
        )
        for spec in specs
    }
    summaries[OURS]["project_interpreter"] = summarize_starts(project, starts[project.name])
    return summaries


def measure_floors(args: argparse.Namespace) -> dict[str, Any]:
    engine = {}
    for lines in args.sizes:
        text = SizedFile.generate(lines).text
        engine[str(lines)] = {
            "lines": text.count("\n") + 1,
            **engine_times(text, args.engine_repeat),
        }
        # Counted where it takes seconds, not minutes, under valgrind.
        if valgrind_available() and lines <= INSTRUCTIONS_UP_TO_LINES:
            engine[str(lines)]["instructions"] = instruction_counts(lines)
    return {"engine": engine, "cli": cli_times(args.cli_files, 3)}


def main() -> int:
    args = parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    logs = Logs(args.out.parent / "logs")
    compile_bytecode()
    load_before = load_average()
    began = time.perf_counter()
    results: dict[str, Any] = {
        **run_header(args),
        "document": str(DOCUMENT.relative_to(ROOT)),
    }
    results["servers"] = asyncio.run(measure_servers(args, logs))
    load_between = load_average()
    results["floors"] = measure_floors(args)
    results["half_typed"] = measure_half_typed()
    rows = build_rows(results)
    results["rows"] = [row.as_json() for row in rows]
    results["all_pass"] = all(row.passed is not False for row in rows)
    results["wall_s"] = time.perf_counter() - began
    results["load_average"] = {
        "before": load_before,
        "after servers": load_between,
        "after": load_average(),
    }
    print(render(rows))
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(
        f"\nwrote {args.out} ({results['wall_s']:.0f} s; load average before "
        f"{load_before[0]:.2f}, after {results['load_average']['after'][0]:.2f})"
    )
    if args.plot:
        from plot import draw

        draw(results, args.plot)
        print(f"wrote {args.plot}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
