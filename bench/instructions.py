"""What a whole-file check costs in instructions, counted by valgrind's cachegrind: unlike its
time, the count does not move with how busy the machine is (on the VM this suite runs on, the
same check took 54 to 78 ms of CPU within an hour). ``ast.parse`` of the same text is counted
beside it, as the floor.

Each count runs a child Python under ``valgrind --tool=cachegrind --cache-sim=no`` twice, once
with one run of the work and once with three, and takes half the difference: what the
interpreter's start, the imports and loading the catalog cost cancels out. The child hashes
strings with a fixed seed (set and dict orders, and so the count, are then the same from one
count to the next) and keeps the collector off while it works, collecting between runs, as
the server does while it checks (features/collector.py).

    python bench/instructions.py 2000      # millions per check of the generated 2,000 lines
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

_REFS = re.compile(r"I\s+refs:\s+([\d,]+)")


def available() -> bool:
    return shutil.which("valgrind") is not None


def _counted(kind: str, lines: int, runs: int) -> int:
    command = [
        "valgrind",
        "--tool=cachegrind",
        "--cache-sim=no",
        "--cachegrind-out-file=/dev/null",
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        kind,
        str(lines),
        str(runs),
    ]
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    found = _REFS.search(done.stderr)
    if found is None:
        raise RuntimeError(f"cachegrind printed no instruction count: {done.stderr[-500:]}")
    return int(found.group(1).replace(",", ""))


def per_run(kind: str, lines: int) -> float:
    """Millions of instructions of one run of ``kind`` ("check" or "parse")."""
    return (_counted(kind, lines, 3) - _counted(kind, lines, 1)) / 2 / 1e6


def instruction_counts(lines: int) -> dict[str, Any]:
    return {"engine": per_run("check", lines), "ast.parse": per_run("parse", lines)}


def _child(kind: str, lines: int, runs: int) -> None:
    import ast
    import gc

    from corpus import big_file  # (the script's folder is on the path)

    text = big_file(lines)
    if kind == "check":
        from numpyro_lsp.catalog.store import load_catalog
        from numpyro_lsp.rules.engine import check_source

        catalog = load_catalog().catalog

        def work() -> object:
            return check_source(text, catalog)

    else:

        def work() -> object:
            return ast.parse(text)

    gc.disable()
    for _ in range(runs):
        work()
        gc.collect()


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        _child(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        size = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
        counts = instruction_counts(size)
        print(f"{size} lines: check {counts['engine']:.1f}, ast.parse {counts['ast.parse']:.1f}")
