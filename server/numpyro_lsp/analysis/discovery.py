"""Which Python files a folder holds, for ``numpyro-lsp check`` and for the editor's
workspace index alike, found the way ruff finds them: ``.gitignore`` files (in the folder,
below it, and above it up to the repository's root) and the ``exclude`` setting are
respected, and virtual environments, ``site-packages``, builds and tool caches are never
entered. A file named on the command line is always read."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    # Imported where a folder is listed: pathspec costs 8 ms of a server's start, which lists
    # the workspace only for workspace-wide requests.
    from pathspec import GitIgnoreSpec

SKIPPED_FOLDERS = {".git", ".hg", ".svn", "__pycache__", "node_modules", "site-packages"}
SKIPPED_FOLDERS |= {".venv", "venv", ".tox", ".nox", ".eggs", "build", "dist"}
SKIPPED_FOLDERS |= {".mypy_cache", ".pytest_cache", ".ruff_cache", ".ipynb_checkpoints"}
# jupyterlab-lsp's copies of open notebooks as plain Python, named ``*.ipynb``.
SKIPPED_FOLDERS |= {".virtual_documents"}

Ignores = list[tuple[Path, "GitIgnoreSpec"]]


def skipped_folder(name: str) -> bool:
    return name in SKIPPED_FOLDERS or name.endswith(".egg-info")


def is_environment(folder: Path) -> bool:
    """A virtual environment (``pyvenv.cfg``) or a conda environment (``conda-meta``)."""
    return (folder / "pyvenv.cfg").is_file() or (folder / "conda-meta").is_dir()


def _gitignore(folder: Path) -> GitIgnoreSpec | None:
    try:
        lines = (folder / ".gitignore").read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    from pathspec import GitIgnoreSpec

    return GitIgnoreSpec.from_lines(lines)


def _ignores_above(folder: Path) -> Ignores:
    """The ``.gitignore`` files of the folders above ``folder`` in its repository."""
    found: Ignores = []
    for parent in folder.parents:
        spec = _gitignore(parent)
        if spec is not None:
            found.append((parent, spec))
        if (parent / ".git").exists():
            return found
    return []  # not in a repository: no .gitignore above applies


def _ignored(path: Path, is_folder: bool, ignores: Ignores) -> bool:
    """Ignored by a spec whose folder holds ``path`` (an exclude root may not)."""
    for base, spec in ignores:
        if path.is_relative_to(base):
            relative = path.relative_to(base).as_posix() + ("/" if is_folder else "")
            if spec.match_file(relative):
                return True
    return False


def python_files(
    paths: Iterable[Path],
    exclude: Iterable[str] = (),
    root: Path | None = None,
    notebooks: bool = False,
) -> Iterator[Path]:
    """The ``.py`` files to check (and the ``.ipynb`` notebooks, with ``notebooks``), in a
    stable order; ``exclude`` holds gitignore-style patterns relative to ``root`` (the
    folder of the pyproject.toml that sets them)."""
    suffixes = (".py", ".ipynb") if notebooks else (".py",)
    patterns = list(exclude)
    excluded: Ignores = []
    if patterns:
        from pathspec import GitIgnoreSpec

        excluded = [((root or Path.cwd()).resolve(), GitIgnoreSpec.from_lines(patterns))]
    for path in paths:
        if not path.is_dir():
            yield path
            continue
        top = path.resolve()
        ignores = {top: _ignores_above(top) + excluded}
        for folder, folders, files in os.walk(top):
            here = Path(folder)
            active = ignores.pop(here)
            spec = _gitignore(here)
            if spec is not None:
                active = [*active, (here, spec)]
            kept = []
            for name in sorted(folders):
                child = here / name
                if skipped_folder(name) or is_environment(child):
                    continue
                if _ignored(child, True, active):
                    continue
                kept.append(name)
                ignores[child] = active
            folders[:] = kept
            for name in sorted(files):
                child = here / name
                if name.endswith(suffixes) and not _ignored(child, False, active):
                    yield path / child.relative_to(top)
