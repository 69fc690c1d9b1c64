"""The project's interpreter: which one it is, what numpyro it has, and how the package's
helper processes (the catalog builder, the smoke-test worker) start there.

The interpreter is the one given (``--python PATH``, the ``interpreter`` initialization
option, which VS Code fills from ``numpyro.interpreter`` or the Python extension), else the
server's own, when that one has numpyro.

That interpreter has numpyro and its jax, and usually not numpyro-lsp (the server lives in an
environment of its own). Each helper is therefore handed over as standalone code: a short
bootstrap, given with ``python -c``, makes exactly the helper's own files importable under
their package names (``numpyro_lsp.smoke.worker`` and ``numpyro_lsp.smoke.protocol``, say)
and runs the main one. Nothing else of numpyro_lsp, and none of the server's environment, is
reachable from there, so the helper sees the project's packages only; a numpyro-lsp that the
project happens to have installed is shadowed by the files handed over. The question of its
numpyro version, put at every start, is one file that imports nothing (numpyro_version.py),
given as it is: the bootstrap would double what it costs.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from numpyro_lsp.numpyro_version import installed_numpyro_version

# The folder that holds the ``numpyro_lsp`` package.
PACKAGE_ROOT = Path(__file__).resolve().parents[1]

# The oldest numpyro the catalog builder and the smoke worker are tested with.
MINIMUM_NUMPYRO = (0, 15)
# What a user can do about a missing or unusable interpreter, in every message about one.
HOW_TO_CHOOSE = (
    "choose the project's interpreter with `--python PATH`, the `interpreter` "
    "initialization option, or `numpyro.interpreter` in VS Code"
)
PROBE_TIMEOUT_S = 30


@dataclass(frozen=True)
class ProjectPython:
    """The interpreter that runs the user's code, as found by ``probe``."""

    path: str
    numpyro_version: str | None = None
    # Why the interpreter could not be run (not found, not Python, timed out).
    error: str | None = None

    @property
    def problem(self) -> str | None:
        """What stops the builder and the worker from running here, and what to do; None
        when numpyro is there and new enough."""
        if self.error is not None:
            return f"The interpreter {self.path} could not be run ({self.error}): {HOW_TO_CHOOSE}."
        if self.numpyro_version is None:
            return (
                f"numpyro is not installed for {self.path}: install it there "
                f"(`{self.path} -m pip install numpyro`), or {HOW_TO_CHOOSE}."
            )
        if version_tuple(self.numpyro_version) < MINIMUM_NUMPYRO:
            oldest = ".".join(map(str, MINIMUM_NUMPYRO))
            return (
                f"{self.path} has numpyro {self.numpyro_version}; numpyro-lsp needs numpyro "
                f"{oldest} or newer: upgrade it (`{self.path} -m pip install -U numpyro`), "
                f"or {HOW_TO_CHOOSE}."
            )
        return None


def version_tuple(version: str) -> tuple[int, ...]:
    """``"0.15.3"`` as ``(0, 15, 3)``; a pre-release or local tail is ignored."""
    return tuple(int(part) for part in re.findall(r"\d+", version.split("+")[0])[:3])


def is_server_python(python: str) -> bool:
    # Not resolved: a virtualenv's ``python`` is a link to the base interpreter, which other
    # environments share.
    return Path(python).absolute() == Path(sys.executable).absolute()


def probe(python: str | None = None) -> ProjectPython:
    """``python``'s numpyro version (this interpreter's when None), without importing it."""
    return start_probe(python).result()


def start_probe(python: str | None = None) -> PendingProbe:
    """``probe``, with the question put to another interpreter now and its answer read by
    ``result()``: the server starts that process first and loads its modules while the
    interpreter starts (a process of its own, on another core when there is one)."""
    if python is None or is_server_python(python):
        return PendingProbe(ProjectPython(python or sys.executable, installed_numpyro_version()))
    try:
        source = _module_file("numpyro_lsp.numpyro_version").read_text(encoding="utf-8")
        process = subprocess.Popen(
            [python, "-c", source],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # killed whole when it does not answer: stop_helper
        )
    except OSError as error:
        return PendingProbe(ProjectPython(python, error=str(error)))
    return PendingProbe(python=python, process=process, began=time.monotonic())


@dataclass(eq=False)
class PendingProbe:
    """A probe under way (``process``), or its answer (``found``)."""

    found: ProjectPython | None = None
    python: str = ""
    process: subprocess.Popen | None = None
    began: float = 0.0

    @property
    def answered(self) -> bool:
        """Whether ``result()`` would return at once: the interpreter has answered (or exited)."""
        return self.found is not None or self.process is None or self.process.poll() is not None

    def result(self) -> ProjectPython:
        """The answer, waiting for the interpreter until ``PROBE_TIMEOUT_S`` after the start."""
        if self.found is None:
            self.found = self._read()
        return self.found

    def _read(self) -> ProjectPython:
        assert self.process is not None
        left = max(0.0, PROBE_TIMEOUT_S - (time.monotonic() - self.began))
        try:
            stdout, stderr = self.process.communicate(timeout=left)
        except subprocess.TimeoutExpired:
            stop_helper(self.process)
            return ProjectPython(self.python, error=f"no answer in {PROBE_TIMEOUT_S} s")
        try:
            found = json.loads(stdout.strip().splitlines()[-1])
        except (IndexError, ValueError):
            detail = (stderr.strip().splitlines() or [f"exit status {self.process.returncode}"])[-1]
            return ProjectPython(self.python, error=detail)
        return ProjectPython(self.python, found.get("numpyro"))


def stop_helper(process: subprocess.Popen) -> bool:
    """Kill a process started in a session of its own (``start_new_session``) and what it
    started: a wrapper (``conda run``) runs the interpreter as its child, which would go on
    running, holding the pipes open, after the wrapper died. Closes the pipes; says whether
    the process exited."""
    with contextlib.suppress(OSError):
        if os.name == "posix":
            os.killpg(process.pid, signal.SIGKILL)
        else:
            process.kill()
    try:
        process.wait(timeout=1)
    except subprocess.TimeoutExpired:
        return False
    finally:
        for stream in (process.stdin, process.stdout, process.stderr):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
    return True


# Run by ``python -c`` with the shipped files (module name -> file) and the module to run as
# ``__main__``; the helper's own arguments follow on the command line.
_BOOTSTRAP = """\
import importlib.abc, importlib.util, runpy, sys
FILES, MAIN = {files}, {main!r}
class ShippedFiles(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        file = FILES.get(name)
        if file is None:
            return None
        package = [] if file.endswith("__init__.py") else None
        return importlib.util.spec_from_file_location(
            name, file, submodule_search_locations=package
        )
sys.meta_path.insert(0, ShippedFiles())
runpy.run_module(MAIN, run_name="__main__", alter_sys=True)
"""


def _module_file(module: str) -> Path:
    relative = Path(*module.split("."))
    package = PACKAGE_ROOT / relative / "__init__.py"
    return package if package.exists() else (PACKAGE_ROOT / relative).with_suffix(".py")


def helper_command(python: str, main: str, shipped: list[str], *args: str) -> list[str]:
    """The command that runs module ``main`` with ``python``, where only ``main``, the
    modules in ``shipped`` and their parent packages are importable from numpyro_lsp."""
    names = {main, *shipped}
    for name in list(names):
        parts = name.split(".")
        names.update(".".join(parts[:i]) for i in range(1, len(parts)))
    files = {name: str(_module_file(name)) for name in sorted(names)}
    return [python, "-c", _BOOTSTRAP.format(files=json.dumps(files), main=main), *args]


def helper_environment(**overrides: str) -> dict[str, str]:
    """This process's environment with ``overrides``."""
    return {**os.environ, **overrides}
