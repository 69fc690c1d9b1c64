"""What ``numpyro-lsp smoke``, ``shapes`` and ``advise`` run of the file they are given: a
Python file's text; of a notebook, the program of its code cells down to the model's cell
(or to the cell below it that runs the model), without its plots, as the editor's lenses
run it (analysis/notebook.py). Their reports name
the program's lines; for a notebook they are named back as its cells' (``cell 3, line 2``,
``path:cell 3:2``), as ``numpyro-lsp check`` names them."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from numpyro_lsp.analysis.notebook import (
    NotebookFileError,
    NotebookProgram,
    named_in_cells,
    read_notebook_file,
    smoke_program,
)
from numpyro_lsp.catalog.schema import Catalog
from numpyro_lsp.smoke.loader import (
    LoadError,
    analyze_source,
    choose_model,
    plan_run,
    run_call_line,
)
from numpyro_lsp.smoke.protocol import RUN_FILE_FUNCTION


@dataclass(frozen=True)
class RunSource:
    path: Path
    source: str
    program: NotebookProgram | None = None  # a notebook's

    @property
    def cell_starts(self) -> tuple[int, ...]:
        """A notebook's (its program's lines keep their numbers in ``source``)."""
        return () if self.program is None else self.program.cell_starts

    def named(self, text: str) -> str:
        """``text`` (a report) with a notebook's program lines named as its cells'."""
        if self.program is None:
            return text
        return named_in_cells(self.program, text, self._cell_number, str(self.path))

    def named_json(self, data: Any) -> Any:
        """A report's JSON with a notebook's lines named as its cells': each finding's
        ``line`` is its cell's, beside that cell's ``cell`` number, and the texts say so."""
        if self.program is None:
            return data
        if isinstance(data, str):
            return self.named(data)
        if isinstance(data, list):
            return [self.named_json(item) for item in data]
        if not isinstance(data, dict):
            return data
        named = {key: self.named_json(value) for key, value in data.items()}
        if "line" in data and "message" in data and isinstance(data["line"], int):
            index, line = self.program.cell_at(data["line"] - 1)
            named.update(cell=self._cell_number(index), line=line + 1)
        return named

    def _cell_number(self, index: int) -> int:
        assert self.program is not None
        return int(self.program.cells[index].key)


def read_run_source(path: Path, model: str | None, catalog: Catalog) -> RunSource:
    """The file at ``path`` as a run of ``model`` reads it (by default the one the run
    would choose). Raises ``OSError``, ``UnicodeDecodeError`` or ``NotebookFileError``."""
    if path.suffix != ".ipynb":
        return RunSource(path, path.read_text(encoding="utf-8"))
    program = read_notebook_file(path)
    if model is None:
        try:
            analysis = analyze_source(program.source, catalog, program.cell_starts)
            model = choose_model(analysis, None).name
        except LoadError:  # the run says why, about the whole program
            return RunSource(path, program.source, program)
    return RunSource(path, notebook_run_program(program, model, catalog), program)


def notebook_run_program(program: NotebookProgram, model: str, catalog: Catalog) -> str:
    """What a run of ``model`` runs of a notebook: its cells down to the model's, or down
    to the cell whose ``mcmc.run(...)`` passes the model's data (``smoke_program``), unless
    those arguments cannot be built where the model's own cell can be run (they use the
    draws of another run: the model then runs on its defaults, as before that cell)."""
    own = with_run_files(program, smoke_program(program, model))
    line = run_call_line(program.source, model, catalog, program.cell_starts)
    if line is None:
        return own
    through_run = with_run_files(program, smoke_program(program, model, line))
    if _plans(program, through_run, model, catalog) or not _plans(program, own, model, catalog):
        return through_run
    return own


def with_run_files(program: NotebookProgram, source: str) -> str:
    """``source`` (a smoke program of ``program``) with each ``%run helpers.py`` line a call
    that runs the file's definitions and imports in the worker (smoke/worker.py): the
    notebook's code uses them. The line is longer than the cell's; its number stays."""
    lines = source.split("\n")
    for number, file in program.run_files:
        if number < len(lines):
            lines[number] = f"{RUN_FILE_FUNCTION}({file!r})"
    return "\n".join(lines)


def _plans(program: NotebookProgram, source: str, model: str, catalog: Catalog) -> bool:
    try:
        plan_run(source, "", model, catalog, program.cell_starts)
    except LoadError:
        return False
    return True


def command_source(
    command: str, args: argparse.Namespace, path: Path, catalog: Catalog
) -> RunSource | None:
    """``read_run_source`` for a command of the CLI; None after saying why the file cannot
    be read."""
    try:
        return read_run_source(path, args.model, catalog)
    except (OSError, UnicodeDecodeError, NotebookFileError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        print(f"numpyro-lsp {command}: cannot read {args.file}: {reason}", file=sys.stderr)
        return None
