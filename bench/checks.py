"""Benchmark of the NumPyro checks (issue: diagnostics).

    python bench/checks.py

Measures, in one run:
- the engine on a 2,000-line file (parse + model analysis + every rule), beside
  ``ast.parse`` alone of the same text (the floor any ast-based check pays);
- diagnostics after an edit through the real server over stdio (didChange to
  publishDiagnostics, debounce set to 0), on the same file;
- ``numpyro-lsp check`` on 100 files, beside a Python process that only parses them.
Targets: diagnostics after an edit p95 < 50 ms on 2,000 lines; check of 100 files < 2 s.
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lsp_client import LspClient
from report import latency_summary
from scenarios import initialize_params

ROOT = Path(__file__).resolve().parents[1]
CORPUS = sorted((ROOT / "tests" / "corpus" / "correct").glob("*.py"))
RESULTS = ROOT / "bench" / "results" / "checks.json"


def numbered(text: str, index: int) -> str:
    """A corpus program with its function names made unique, so copies can share a file."""
    names = re.findall(r"^def (\w+)", text, flags=re.M)
    for name in names:
        text = re.sub(rf"\b{name}\b", f"{name}_{index}", text)
    return text


def big_file(lines: int) -> str:
    parts, total, index = [], 0, 0
    while total < lines:
        text = numbered(CORPUS[index % len(CORPUS)].read_text(), index)
        parts.append(text)
        total += text.count("\n")
        index += 1
    return "\n".join(parts)


def timed_runs(function, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        began = time.perf_counter()
        function()
        samples.append(time.perf_counter() - began)
    return samples


def engine_times(text: str, repeat: int) -> dict:
    from numpyro_lsp.catalog.store import load_catalog
    from numpyro_lsp.rules.engine import check_source

    catalog = load_catalog().catalog
    check_source(text, catalog)  # warm
    return {
        "check": latency_summary(timed_runs(lambda: check_source(text, catalog), repeat)),
        "ast.parse": latency_summary(timed_runs(lambda: ast.parse(text), repeat)),
    }


async def edit_latencies(text: str, edits: int) -> list[float]:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        client = await LspClient.spawn([sys.executable, "-m", "numpyro_lsp"], cwd=root)
        params = initialize_params(root)
        params["initializationOptions"] = {"numpyro": {"debounceMs": 0}}
        await client.request("initialize", params)
        await client.notify("initialized", {})
        uri = (root / "big.py").as_uri()
        published = client.next_notification("textDocument/publishDiagnostics")
        document = {"uri": uri, "languageId": "python", "version": 1, "text": text}
        await client.notify("textDocument/didOpen", {"textDocument": document})
        await published
        last_line = text.count("\n")
        samples = []
        for version in range(2, edits + 2):
            published = client.next_notification("textDocument/publishDiagnostics")
            began = time.perf_counter()
            change = {
                "range": {
                    "start": {"line": last_line, "character": 0},
                    "end": {"line": last_line, "character": 0},
                },
                "text": f"# edit {version}\n",
            }
            await client.notify(
                "textDocument/didChange",
                {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]},
            )
            await published
            samples.append(time.perf_counter() - began)
            last_line += 1
        await client.shutdown()
        return samples


def cli_times(files: int, repeat: int) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        for index in range(files):
            source = CORPUS[index % len(CORPUS)]
            (root / f"m{index:03d}.py").write_text(numbered(source.read_text(), index))
        check = [sys.executable, "-m", "numpyro_lsp", "check", str(root)]
        parse_only = [
            sys.executable,
            "-c",
            "import ast, pathlib, sys\n"
            "for p in sorted(pathlib.Path(sys.argv[1]).glob('*.py')): ast.parse(p.read_text())",
            str(root),
        ]
        subprocess.run(check, capture_output=True, check=False)  # warm the file cache
        return {
            "numpyro-lsp check": latency_summary(
                timed_runs(lambda: subprocess.run(check, capture_output=True), repeat)
            ),
            "python parse only": latency_summary(
                timed_runs(lambda: subprocess.run(parse_only, capture_output=True), repeat)
            ),
        }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--files", type=int, default=100)
    args = parser.parse_args()
    text = big_file(args.lines)
    engine = engine_times(text, args.repeat)
    edits = latency_summary(asyncio.run(edit_latencies(text, args.repeat)))
    cli = cli_times(args.files, 3)
    lines = text.count("\n")
    print(f"file: {lines} lines; {args.files} files for the CLI")
    print(f"{'measure':<44}{'p50 ms':>10}{'p95 ms':>10}")
    rows = [
        (f"engine check, {lines} lines", engine["check"]),
        (f"ast.parse alone, {lines} lines (floor)", engine["ast.parse"]),
        (f"didChange -> diagnostics, {lines} lines", edits),
        (f"numpyro-lsp check, {args.files} files", cli["numpyro-lsp check"]),
        (f"python parse only, {args.files} files (floor)", cli["python parse only"]),
    ]
    for name, summary in rows:
        print(f"{name:<44}{summary['p50']:>10.1f}{summary['p95']:>10.1f}")
    check_ratio = engine["check"]["p50"] / engine["ast.parse"]["p50"]
    cli_ratio = cli["numpyro-lsp check"]["p50"] / cli["python parse only"]["p50"]
    print(f"\nengine / ast.parse: {check_ratio:.2f}x   CLI / parse-only process: {cli_ratio:.2f}x")
    targets = [
        ("diagnostics after an edit p95 < 50 ms", edits["p95"] < 50),
        ("check of 100 files < 2 s", cli["numpyro-lsp check"]["p50"] < 2000),
    ]
    for name, passed in targets:
        print(f"  {'PASS' if passed else 'FAIL'}  {name}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"engine": engine, "edits": edits, "cli": cli}, indent=2))
    print(f"wrote {RESULTS}")
    return 0 if all(passed for _, passed in targets) else 1


if __name__ == "__main__":
    sys.exit(main())
