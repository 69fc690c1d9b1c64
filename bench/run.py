"""Benchmark of the server foundation: ``python bench/run.py``.

Starts numpyro-lsp, a bare pygls server and jedi-language-server one after another, prints
a table, ratios and pass/fail against the targets, and writes bench/results/foundation.json.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import json
import os
import platform
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import IO, Any

from report import BARE, JEDI, OURS, checks, ratios, render, summarize
from scenarios import ServerSpec, SessionResult, StartSample, Target, fresh_start, warm_session

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
DOCUMENT = ROOT / "examples" / "eight_schools.py"


def server_specs() -> list[ServerSpec]:
    venv_bin = Path(sys.executable).parent
    return [
        ServerSpec(OURS, (sys.executable, "-m", "numpyro_lsp"), has_hover=True),
        ServerSpec(BARE, (sys.executable, str(BENCH / "bare_pygls_server.py")), has_hover=False),
        ServerSpec(JEDI, (str(venv_bin / "jedi-language-server"),), has_hover=True),
    ]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=5, help="fresh starts per server")
    parser.add_argument("--requests", type=int, default=100, help="timed requests per kind")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests per kind")
    parser.add_argument("--out", type=Path, default=BENCH / "results" / "foundation.json")
    return parser.parse_args()


def versions() -> dict[str, str]:
    names = ("numpyro-lsp", "pygls", "lsprotocol", "jedi", "jedi-language-server")
    found = {}
    for name in names:
        with contextlib.suppress(metadata.PackageNotFoundError):
            found[name] = metadata.version(name)
    return found


async def measure(args: argparse.Namespace, logs: Path) -> dict[str, dict[str, Any]]:
    specs = server_specs()
    target = Target.locate(DOCUMENT)
    starts: dict[str, list[StartSample]] = {spec.name: [] for spec in specs}
    sessions: dict[str, SessionResult] = {}

    def log(spec: ServerSpec) -> IO[bytes]:
        return (logs / f"{spec.name}.stderr.log").open("ab")

    # Round-robin fresh starts so drift on the machine hits every server alike; the first
    # round only warms the OS file cache and .pyc files and is not recorded.
    for round_number in range(args.starts + 1):
        for spec in specs:
            with log(spec) as stderr:
                sample = await fresh_start(spec, ROOT, target, stderr)
            if round_number:
                starts[spec.name].append(sample)
    for spec in specs:
        with log(spec) as stderr:
            sessions[spec.name] = await warm_session(
                spec, ROOT, target, args.requests, args.warmup, stderr
            )
    return {spec.name: summarize(spec, starts[spec.name], sessions[spec.name]) for spec in specs}


def main() -> int:
    args = parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    logs = args.out.parent / "logs"
    logs.mkdir(exist_ok=True)
    for old in logs.glob("*.stderr.log"):
        old.unlink()

    began = time.perf_counter()
    servers = asyncio.run(measure(args, logs))
    ratio = ratios(servers)
    done = checks(servers, ratio)
    print(render(servers, ratio, done))
    wall_s = time.perf_counter() - began

    document = {
        "when": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": {
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
        "versions": versions(),
        "settings": {"starts": args.starts, "requests": args.requests, "warmup": args.warmup},
        "document": str(DOCUMENT.relative_to(ROOT)),
        "wall_s": wall_s,
        "servers": servers,
        "ratios": ratio,
        "checks": [c.as_json() for c in done],
        "all_pass": all(c.passed for c in done),
    }
    args.out.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {args.out} ({wall_s:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
