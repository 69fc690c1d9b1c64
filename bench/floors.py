"""What the checks cost without a server around them, in this process: the rules engine
beside ``ast.parse`` alone (the floor any ast-based check pays), and ``numpyro-lsp check``
on many files beside a Python process that only parses them."""

from __future__ import annotations

import ast
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from corpus import SOURCES, numbered
from stats import latency_summary

PARSE_ONLY = (
    "import ast, pathlib, sys\n"
    "for p in sorted(pathlib.Path(sys.argv[1]).glob('*.py')): ast.parse(p.read_text())"
)


def timed_runs(
    function: Callable[[], object], repeat: int, clock: Callable[[], float] = time.perf_counter
) -> list[float]:
    samples = []
    for _ in range(repeat):
        began = clock()
        function()
        samples.append(clock() - began)
    return samples


def engine_times(text: str, repeat: int) -> dict[str, Any]:
    """The whole check (parse, model analysis, every rule) and ``ast.parse`` alone, in CPU
    time: on a shared machine, what the code costs rather than how busy the others are."""
    from numpyro_lsp.catalog.store import load_catalog
    from numpyro_lsp.rules.engine import check_source

    catalog = load_catalog().catalog
    check_source(text, catalog)  # warm: first-use imports and caches
    return {
        "engine": latency_summary(
            timed_runs(lambda: check_source(text, catalog), repeat, time.process_time)
        ),
        "ast.parse": latency_summary(
            timed_runs(lambda: ast.parse(text), repeat, time.process_time)
        ),
    }


def cli_times(files: int, repeat: int) -> dict[str, Any]:
    """``numpyro-lsp check`` on ``files`` corpus files, and a process that only parses them."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        for index in range(files):
            source = SOURCES[index % len(SOURCES)].read_text(encoding="utf-8")
            (root / f"m{index:03d}.py").write_text(numbered(source, index), encoding="utf-8")
        check = [sys.executable, "-m", "numpyro_lsp", "check", str(root)]
        parse_only = [sys.executable, "-c", PARSE_ONLY, str(root)]
        subprocess.run(check, capture_output=True, check=False)  # warm the file cache
        return {
            "files": files,
            "check": latency_summary(
                timed_runs(lambda: subprocess.run(check, capture_output=True), repeat)
            ),
            "parse only": latency_summary(
                timed_runs(lambda: subprocess.run(parse_only, capture_output=True), repeat)
            ),
        }
