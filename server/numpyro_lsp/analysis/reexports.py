"""Names that reach NumPyro through another module (``from priors import dist`` where
``priors`` re-exports ``numpyro.distributions``), resolved with jedi.

jedi costs hundreds of milliseconds, so it never runs on a request: a miss starts a lookup
in a background thread and answers None; the result is cached for the requests after it. A
lookup that found nothing is asked again once the environment it looked in has changed: a
package installed or removed, a module added next to the file.
"""

from __future__ import annotations

import functools
import os
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# Bindings to these never lead to NumPyro: no need to ask jedi.
KNOWN_ELSEWHERE = {
    "jax",
    "jaxlib",
    "numpy",
    "scipy",
    "pandas",
    "matplotlib",
    "arviz",
    "torch",
    "pyro",
    "sklearn",
    "optax",
    "flax",
    "funsor",
} | set(sys.stdlib_module_names)


def worth_asking(target: str) -> bool:
    top = target.split(".", 1)[0]
    return top != "numpyro" and top not in KNOWN_ELSEWHERE


def infer_full_name(
    source: str, name: str, path: str | None, root: str | None, python: str | None = None
) -> str | None:
    """jedi's full name of what the module-level ``name`` stands for in ``source``, with the
    packages of the project's interpreter ``python`` (the server's own when None)."""
    import jedi  # here, not at the server's start

    probe = f"{source}\n{name}\n"
    # A file outside the workspace gets jedi's default project (its own folder on the path).
    inside = root and path and Path(path).resolve().is_relative_to(Path(root).resolve())
    project = jedi.Project(root, environment_path=python) if inside else None
    environment = None if inside or python is None else jedi_environment(python)
    script = jedi.Script(probe, path=path, project=project, environment=environment)
    line = probe.count("\n")
    names = [d.full_name for d in script.infer(line, len(name) // 2) if d.full_name]
    return names[0] if names else None


@functools.cache
def jedi_environment(python: str):
    """jedi's view of an interpreter's packages (asked of it once, in a subprocess)."""
    import jedi

    return jedi.create_environment(python, safe=False)


def package_folders(python: str | None) -> list[Path]:
    """The folders an interpreter imports installed packages from."""
    paths = jedi_environment(python).get_sys_path() if python is not None else sys.path
    return [Path(p) for p in paths if p.endswith(("site-packages", "dist-packages"))]


def folders_stamp(folders: list[Path]) -> tuple:
    """When each folder last changed: adding or removing an entry changes it."""
    stamp = []
    for folder in folders:
        try:
            stamp.append((folder, os.stat(folder).st_mtime_ns))
        except OSError:
            stamp.append((folder, None))
    return tuple(stamp)


@dataclass(frozen=True)
class _NotFound:
    """A lookup that found nothing, with the folders it looked in as they were then."""

    folders: list[Path]
    stamp: tuple

    def outdated(self) -> bool:
        return folders_stamp(self.folders) != self.stamp


class ReexportResolver:
    def __init__(self) -> None:
        self._cache: dict[tuple, str | _NotFound] = {}
        self._pending: set[tuple] = set()
        self._lock = threading.Lock()

    @property
    def pending(self) -> int:
        """How many lookups are running."""
        with self._lock:
            return len(self._pending)

    def resolved(
        self,
        key: tuple,
        lookup: Callable[[], str | None],
        watched: Callable[[], list[Path]] = list,
        on_done: Callable[[], None] | None = None,
    ) -> str | None:
        """The cached answer for ``key``; on a miss, start ``lookup`` in the background. When
        it finds nothing, the folders ``watched`` names (in the background too) are kept with
        the answer, and a change to one of them makes the next request look again."""
        with self._lock:
            answer = self._cache.get(key)
            if isinstance(answer, str):
                return answer
            if key in self._pending or (answer is not None and not answer.outdated()):
                return None
            self._pending.add(key)

        def run() -> None:
            try:
                found = lookup()
            except Exception:  # noqa: BLE001 - jedi on broken code may fail in many ways
                found = None
            if found is None:
                try:
                    folders = watched()
                except Exception:  # noqa: BLE001 - the environment may be gone: look again later
                    folders = []
                kept: str | _NotFound = _NotFound(folders, folders_stamp(folders))
            else:
                kept = found
            with self._lock:
                self._cache[key] = kept
                self._pending.discard(key)
            if on_done is not None:
                on_done()

        threading.Thread(target=run, name="reexport-lookup", daemon=True).start()
        return None
