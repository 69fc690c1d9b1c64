"""A 100-cell notebook over stdio (LSP notebook sync), beside its baseline measured in the
same server and run: the same program, the cells' text one after the other, opened as a
Python file.

- **open -> first diagnostics**: ``notebookDocument/didOpen`` to the first
  ``publishDiagnostics`` of one of its cells (the file: ``didOpen`` to its first publish);
  a fresh notebook each round (each cell's text changed by a comment, so nothing is cached);
- **edit -> diagnostics**: a line typed at the end of cell 50 that makes a finding
  (``dist.HalfNormal(-1)``), then taken out again, each to the publish for that cell (the
  file: the same edits at the same lines, to its publish);
- **completion** after ``dist.`` at the end of cell 90 (the file: the same place).

Targets (issue 19): edit -> diagnostics p95 < 30 ms, completion p95 < 10 ms, open -> first
diagnostics < 150 ms. ``.venv/bin/python bench/notebooks.py`` prints the table and writes
bench/results/notebooks.json.
"""

from __future__ import annotations

import ast
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from capabilities import CLIENT_CAPABILITIES
from corpus import big_file
from lsp_client import LspClient
from messages import completion_params, did_change_params, did_open_params, initialize_params, point
from stats import latency_summary, ms

BENCH = Path(__file__).resolve().parent
RESULTS = BENCH / "results"
CELLS = 100
EDITED_CELL, COMPLETION_CELL = 50, 90
OPEN_ROUNDS, EDITS, COMPLETIONS = 5, 40, 100
FINDING = "\nprior_bench = dist.HalfNormal(-1)"
PUBLISH = "textDocument/publishDiagnostics"
TARGETS_MS = {"open": 150.0, "edit_p95": 30.0, "completion_p95": 10.0}


def notebook_cells(count: int = CELLS) -> list[str]:
    """``count`` code cells: the corpus programs' top-level statements, in order, grouped."""
    source = big_file(2500)
    lines = source.split("\n")
    statements = ast.parse(source).body
    per_cell = max(1, len(statements) // count)
    cells = []
    for index in range(count):
        group = statements[index * per_cell : (index + 1) * per_cell]
        if index == count - 1:
            group = statements[index * per_cell :]
        first = min([group[0].lineno, *(d.lineno for d in getattr(group[0], "decorator_list", []))])
        cells.append("\n".join(lines[first - 1 : group[-1].end_lineno]))
    # Every cell can use dist (the corpus programs import it in their first lines).
    cells[0] = "import numpyro\nimport numpyro.distributions as dist\n" + cells[0]
    return cells


def end_of(text: str) -> dict[str, int]:
    lines = text.split("\n")
    return {"line": len(lines) - 1, "character": len(lines[-1])}


class Notebook:
    def __init__(self, client: LspClient, uri: str, cells: list[str]) -> None:
        self.client, self.uri, self.cells = client, uri, list(cells)
        self.version, self.cell_versions = 1, [1] * len(cells)

    def cell_uri(self, index: int) -> str:
        return f"{self.uri}#cell{index}"

    async def open(self) -> None:
        await self.client.notify(
            "notebookDocument/didOpen",
            {
                "notebookDocument": {
                    "uri": self.uri,
                    "notebookType": "jupyter-notebook",
                    "version": 1,
                    "cells": [
                        {"kind": 2, "document": self.cell_uri(i)} for i in range(len(self.cells))
                    ],
                },
                "cellTextDocuments": [
                    {"uri": self.cell_uri(i), "languageId": "python", "version": 1, "text": text}
                    for i, text in enumerate(self.cells)
                ],
            },
        )

    async def change(self, index: int, range_: dict[str, Any], text: str) -> None:
        self.version += 1
        self.cell_versions[index] += 1
        await self.client.notify(
            "notebookDocument/didChange",
            {
                "notebookDocument": {"uri": self.uri, "version": self.version},
                "change": {
                    "cells": {
                        "textContent": [
                            {
                                "document": {
                                    "uri": self.cell_uri(index),
                                    "version": self.cell_versions[index],
                                },
                                "changes": [{"range": range_, "text": text}],
                            }
                        ]
                    }
                },
            },
        )


def publish_for(client: LspClient, predicate) -> asyncio.Future:
    return client.next_notification(PUBLISH, lambda params: predicate(params.get("uri", "")))


async def wait(future: asyncio.Future) -> None:
    await asyncio.wait_for(future, 60)


async def notebook_figures(client: LspClient, root: Path) -> dict[str, list[float]]:
    cells = notebook_cells()
    figures: dict[str, list[float]] = {"open": [], "edit": [], "completion": []}
    notebook = None
    for round_ in range(OPEN_ROUNDS):
        uri = (root / f"bench_{round_}.ipynb").as_uri()
        texts = [f"{text}  # {round_}" for text in cells]
        notebook = Notebook(client, uri, texts)
        first = publish_for(client, lambda u, uri=uri: u.startswith(uri + "#"))
        began = time.perf_counter()
        await notebook.open()
        await wait(first)
        figures["open"].append(time.perf_counter() - began)
        if round_ < OPEN_ROUNDS - 1:  # one notebook open for the edits, as in the baseline
            await client.notify(
                "notebookDocument/didClose",
                {
                    "notebookDocument": {"uri": uri},
                    "cellTextDocuments": [{"uri": notebook.cell_uri(i)} for i in range(CELLS)],
                },
            )
    assert notebook is not None
    edited = notebook.cells[EDITED_CELL]
    end = end_of(edited)
    added_end = end_of(edited + FINDING)
    for index in range(EDITS):
        arrived = publish_for(client, lambda u: u == notebook.cell_uri(EDITED_CELL))
        began = time.perf_counter()
        if index % 2 == 0:
            await notebook.change(EDITED_CELL, point(end["line"], end["character"]), FINDING)
        else:
            await notebook.change(EDITED_CELL, {"start": end, "end": added_end}, "")
        await wait(arrived)
        figures["edit"].append(time.perf_counter() - began)
    target = notebook.cells[COMPLETION_CELL]
    at = end_of(target + "\nx_bench = dist.")
    await notebook.change(COMPLETION_CELL, point(*end_of(target).values()), "\nx_bench = dist.")
    cell = notebook.cell_uri(COMPLETION_CELL)
    for _ in range(3 + COMPLETIONS):
        began = time.perf_counter()
        result = await client.request("textDocument/completion", completion_params(cell, at))
        figures["completion"].append(time.perf_counter() - began)
        assert result and result["items"], "no completion in the notebook"
    figures["completion"] = figures["completion"][3:]
    return figures


async def file_figures(client: LspClient, root: Path) -> dict[str, list[float]]:
    """The baseline: the same program as one Python file, the same requests."""
    cells = notebook_cells()
    figures: dict[str, list[float]] = {"open": [], "edit": [], "completion": []}
    source = ""
    uri = ""
    for round_ in range(OPEN_ROUNDS):
        uri = (root / f"bench_{round_}.py").as_uri()
        source = "\n".join(f"{text}  # {round_}" for text in cells)
        first = publish_for(client, lambda u, uri=uri: u == uri)
        began = time.perf_counter()
        await client.notify("textDocument/didOpen", did_open_params(uri, source))
        await wait(first)
        figures["open"].append(time.perf_counter() - began)
        if round_ < OPEN_ROUNDS - 1:  # one file open for the edits
            await client.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    starts = [0]
    for text in cells:
        starts.append(starts[-1] + text.count("\n") + 1)
    cell_end = end_of(f"{cells[EDITED_CELL]}  # {OPEN_ROUNDS - 1}")
    end = {"line": starts[EDITED_CELL] + cell_end["line"], "character": cell_end["character"]}
    added = end_of(f"{cells[EDITED_CELL]}  # {OPEN_ROUNDS - 1}" + FINDING)
    added_end = {"line": starts[EDITED_CELL] + added["line"], "character": added["character"]}
    version = 1
    for index in range(EDITS):
        version += 1
        arrived = publish_for(client, lambda u: u == uri)
        began = time.perf_counter()
        if index % 2 == 0:
            change = did_change_params(uri, version, point(end["line"], end["character"]), FINDING)
        else:
            change = did_change_params(uri, version, {"start": end, "end": added_end}, "")
        await client.notify("textDocument/didChange", change)
        await wait(arrived)
        figures["edit"].append(time.perf_counter() - began)
    # Line numbers below the edited cell are as they were (every other edit took it out).
    cell_end = end_of(f"{cells[COMPLETION_CELL]}  # {OPEN_ROUNDS - 1}")
    line = starts[COMPLETION_CELL] + cell_end["line"]
    version += 1
    await client.notify(
        "textDocument/didChange",
        did_change_params(uri, version, point(line, cell_end["character"]), "\nx_bench = dist."),
    )
    at = {"line": line + 1, "character": len("x_bench = dist.")}
    for _ in range(3 + COMPLETIONS):
        began = time.perf_counter()
        result = await client.request("textDocument/completion", completion_params(uri, at))
        figures["completion"].append(time.perf_counter() - began)
        assert result and result["items"], "no completion in the file"
    figures["completion"] = figures["completion"][3:]
    return figures


async def session(root: Path, figures) -> dict[str, list[float]]:
    """A fresh server, warmed up, measured by ``figures``."""
    capabilities = {**CLIENT_CAPABILITIES, "notebookDocument": {"synchronization": {}}}
    client = await LspClient.spawn((sys.executable, "-m", "numpyro_lsp"), cwd=root)
    params = initialize_params(root, {"numpyro": {"debounceMs": 0}})
    params["capabilities"] = capabilities
    await client.request("initialize", params)
    await client.notify("initialized", {})
    # Warm-up: the first document pays for the imports at initialized.
    warm = (root / "warm.py").as_uri()
    first = publish_for(client, lambda u: u == warm)
    await client.notify("textDocument/didOpen", did_open_params(warm, "import numpyro\n"))
    await wait(first)
    await client.notify("textDocument/didClose", {"textDocument": {"uri": warm}})
    try:
        return await figures(client, root)
    finally:
        await client.shutdown()


async def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        # Each in a server of its own, one after the other, the baseline first.
        baseline = await session(root, file_figures)
        notebook = await session(root, notebook_figures)
    load = os.getloadavg()
    summary: dict[str, Any] = {"load_average": load, "cells": CELLS}
    rows = []
    for name, label in (
        ("open", "open -> first diagnostics"),
        ("edit", "edit -> diagnostics"),
        ("completion", "completion"),
    ):
        ours, base = latency_summary(notebook[name]), latency_summary(baseline[name])
        summary[name] = {"notebook": ours, "file": base}
        if name == "open":
            value, reference, target = (
                statistics.median(ms(s) for s in notebook[name]),
                statistics.median(ms(s) for s in baseline[name]),
                TARGETS_MS["open"],
            )
            what = "median"
        else:
            value, reference, target = ours["p95"], base["p95"], TARGETS_MS[f"{name}_p95"]
            what = "p95"
        verdict = "PASS" if value < target else "FAIL"
        rows.append(
            f"| {label} ({what}) | {value:.1f} ms | {reference:.1f} ms | "
            f"{value / reference:.2f}x | < {target:.0f} ms | {verdict} |"
        )
    print(f"100-cell notebook vs the same program as one file (load average {load[0]:.2f})")
    print("| measure | notebook | file (baseline) | ratio | target | |")
    print("| --- | --- | --- | --- | --- | --- |")
    print("\n".join(rows))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "notebooks.json").write_text(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
