"""``numpyro-lsp check``: the editor's checks over files and folders, for CI and pre-commit.

Never imports jax or numpyro: the catalog is read from the package or the cache.
"""

from __future__ import annotations

import functools
import json
import re
import sys
import tomllib
from dataclasses import dataclass, replace
from email.parser import HeaderParser
from pathlib import Path

from numpyro_lsp.analysis.discovery import python_files
from numpyro_lsp.analysis.notebook import NotebookFileError, named_in_cells, read_notebook_file
from numpyro_lsp.analysis.text import column_from_utf8, split_lines
from numpyro_lsp.catalog.schema import Catalog
from numpyro_lsp.catalog.store import CatalogBuildError, build_catalog, load_catalog, read_catalog
from numpyro_lsp.rules.base import Severity
from numpyro_lsp.rules.engine import RuleSettings, check_text
from numpyro_lsp.settings import Settings, Source, read


@dataclass(frozen=True)
class FileFinding:
    path: str
    line: int
    column: int  # 1-based, in characters
    end_line: int
    end_column: int
    code: str
    severity: Severity
    message: str
    # In a notebook, the cell's 1-based number among all its cells; ``line`` and
    # ``end_line`` are then the cell's.
    cell: int | None = None


def project_settings(start: Path) -> tuple[Settings, Path | None, list[str]]:
    """``[tool.numpyro-lsp]`` of the nearest pyproject.toml at or above ``start`` that has
    one, with that file and what is wrong with it."""
    for folder in [start, *start.parents]:
        pyproject = folder / "pyproject.toml"
        if not pyproject.is_file():
            continue
        try:
            table = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
            return Settings(), pyproject, [f"{pyproject}: {error}"]
        section = table.get("tool", {}).get("numpyro-lsp")
        if section is None:
            continue
        settings, problems = read(section, source=Source.PYPROJECT)
        return settings, pyproject, [f"{pyproject}: {p}" for p in problems]
    return Settings(), None, []


# The lowest Python a ``requires-python`` specifier admits: ">=3.12", "~=3.12", "==3.12.*".
_LOWEST_PYTHON = re.compile(r"(?:>=|~=|==)\s*(\d+)\.(\d+)")


@functools.cache
def required_python(folder: Path) -> tuple[int, int] | None:
    """The lowest Python that the nearest project metadata at or above ``folder`` admits: a
    pyproject.toml's ``project.requires-python``, or the ``Requires-Python`` of a package
    as published (an sdist's PKG-INFO, an unpacked wheel's ``*.dist-info/METADATA``)."""
    for candidate in [folder, *folder.parents]:
        specifier = _declared_python(candidate)
        if specifier is not None:
            lowest = [(int(a), int(b)) for a, b in _LOWEST_PYTHON.findall(specifier)]
            return max(lowest) if lowest else None
    return None


def _declared_python(folder: Path) -> str | None:
    """The Python specifier the project metadata in ``folder`` declares ("" for none); None
    when the folder holds no project metadata."""
    pyproject = folder / "pyproject.toml"
    if pyproject.is_file():
        try:
            table = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            return ""
        return str(table.get("project", {}).get("requires-python", ""))
    metadata = [folder / "PKG-INFO", *sorted(folder.glob("*.dist-info/METADATA"))]
    for path in metadata:
        if path.is_file():
            try:
                headers = HeaderParser().parsestr(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError):
                return ""
            return headers.get("Requires-Python", "")
    return None


def written_for_newer_python(path: Path) -> bool:
    required = required_python(path.resolve().parent)
    return required is not None and required > sys.version_info[:2]


def override(
    settings: RuleSettings,
    select: frozenset[str] | None,
    extend_select: frozenset[str],
    ignore: frozenset[str],
) -> RuleSettings:
    return replace(
        settings,
        select=select if select is not None else settings.select,
        extend_select=settings.extend_select | extend_select,
        ignore=settings.ignore | ignore,
    )


def catalog_for_checks(python: str | None = None) -> Catalog:
    """The catalog of ``python``'s numpyro (this interpreter's when None), built once (then
    cached) if none matches yet."""
    loaded = load_catalog(python)
    if loaded.problem is not None:
        version = loaded.catalog.numpyro_version
        print(f"numpyro-lsp: {loaded.problem} Checking with numpyro {version}.", file=sys.stderr)
    if not loaded.needs_rebuild:
        return loaded.catalog
    try:
        return read_catalog(build_catalog(python))
    except (CatalogBuildError, OSError, ValueError) as error:
        print(f"numpyro-lsp: using the shipped catalog ({error})", file=sys.stderr)
        return loaded.catalog


def check_file(path: Path, catalog: Catalog, settings: RuleSettings) -> list[FileFinding]:
    if path.suffix == ".ipynb":
        return check_notebook(path, catalog, settings)
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return [FileFinding(str(path), 1, 1, 1, 1, "E902", Severity.ERROR, f"cannot read: {error}")]
    return check_source_text(path, source, catalog, settings)


def check_notebook(path: Path, catalog: Catalog, settings: RuleSettings) -> list[FileFinding]:
    """A notebook's code cells, checked as one program (analysis/notebook.py), each
    finding at its cell and the line in it."""
    try:
        program = read_notebook_file(path)
    except (OSError, UnicodeDecodeError, NotebookFileError) as error:
        return [FileFinding(str(path), 1, 1, 1, 1, "E902", Severity.ERROR, f"cannot read: {error}")]
    if not program.cells:
        return []

    def cell_number(index: int) -> int:
        return int(program.cells[index].key)

    placed = []
    for finding in check_source_text(path, program.source, catalog, settings, program.cell_starts):
        index, line = program.cell_at(finding.line - 1)
        end_index, end_line = program.cell_at(finding.end_line - 1)
        cell = program.cells[index]
        # In a cell IPython dedents, a line's columns are further right than the program's.
        column = finding.column + cell.shift(line)
        end_column = finding.end_column + program.cells[end_index].shift(end_line)
        if end_index != index:  # clamped to the cell
            end_line, end_column = cell.line_count - 1, column
        placed.append(
            replace(
                finding,
                line=line + 1,
                column=column,
                end_line=end_line + 1,
                end_column=end_column,
                cell=cell_number(index),
                message=named_in_cells(program, finding.message, cell_number),
            )
        )
    return placed


def check_source_text(
    path: Path,
    source: str,
    catalog: Catalog,
    settings: RuleSettings,
    cell_starts: tuple[int, ...] = (),
) -> list[FileFinding]:
    lines = split_lines(source)
    try:
        findings, broken = check_text(source, catalog, settings, cell_starts)
    except RecursionError:
        message = "not checked: nested deeper than the analysis follows"
        return [FileFinding(str(path), 1, 1, 1, 1, "E999", Severity.INFORMATION, message)]
    if broken and written_for_newer_python(path):
        # Valid code for the project's Python may be newer syntax than ours: what parses is
        # checked, and nothing is said of the rest.
        broken = []

    def column(line: int, byte_column: int) -> int:
        text = lines[line - 1] if 0 < line <= len(lines) else ""
        return column_from_utf8(text, byte_column) + 1

    # The rest of a file that does not parse is checked too: E999 says where it does not.
    syntax_errors = [
        FileFinding(
            str(path),
            region.line + 1,
            region.column + 1,
            region.line + 1,
            region.column + 1,
            "E999",
            Severity.ERROR,
            f"cannot parse: {region.message}",
        )
        for region in broken
    ]
    return syntax_errors + [
        FileFinding(
            str(path),
            f.span.line,
            column(f.span.line, f.span.column),
            f.span.end_line,
            column(f.span.end_line, f.span.end_column),
            f.code,
            f.severity,
            f.message,
        )
        for f in findings
    ]


def format_text(findings: list[FileFinding]) -> str:
    return "".join(
        f"{f.path}:{'' if f.cell is None else f'cell {f.cell}:'}{f.line}:{f.column}: "
        f"{f.code} {f.message}\n"
        for f in findings
    )


def format_json(findings: list[FileFinding]) -> str:
    return json.dumps(
        [
            {
                "path": f.path,
                "line": f.line,
                "column": f.column,
                "end_line": f.end_line,
                "end_column": f.end_column,
                "code": f.code,
                "severity": f.severity.name.lower(),
                "message": f.message,
                **({} if f.cell is None else {"cell": f.cell}),
            }
            for f in findings
        ],
        indent=2,
    )


def run_check(
    paths: list[Path],
    settings: RuleSettings,
    exclude: tuple[str, ...] = (),
    pyproject: Path | None = None,
    python: str | None = None,
) -> list[FileFinding]:
    """The findings in ``paths``; ``exclude`` holds gitignore-style patterns relative to the
    folder of ``pyproject``, which sets them."""
    catalog = catalog_for_checks(python)
    root = pyproject.parent if pyproject is not None else None
    files = python_files(paths, exclude, root, notebooks=True)
    findings = [f for path in files for f in check_file(path, catalog, settings)]
    return sorted(findings, key=lambda f: (f.path, f.cell or 0, f.line, f.column, f.code))
