"""JAX's persistent compilation cache for the smoke worker, in the project's interpreter.

A fresh worker (the editor restarted) then loads an unchanged model's compiled sampler from
disk instead of compiling it again. The folder is ``$NUMPYRO_LSP_COMPILE_CACHE``, which the
server sets to ``jax-compilation-cache`` in its cache folder unless the user set it
(``off`` turns the cache off). The cache is held to ``MAX_BYTES``: by jax's own
least-recently-used eviction where the ``filelock`` package is installed (jax needs it for
that), else by removing the oldest entries when the worker starts.

Only on jax 0.10 or newer: with jax 0.5.3 a sampler read back from the cache started from a
wrong state (a step size of zero or NaN). A cache that cannot be used never breaks a run: a
folder that cannot be written leaves the cache off, and jax reads a corrupt entry as a miss
(its warning is not the model's, see ``is_cache_warning``).

Imports jax; handed to the project's interpreter with the worker.
"""

from __future__ import annotations

import importlib.util
import os
import tempfile

import jax

OFF = "off"
MAX_BYTES = 1 << 30
MIN_JAX = (0, 10)
# jax's warnings about its cache (an entry it could not read or write): the run goes on.
CACHE_WARNINGS = (
    "Error reading persistent compilation cache entry",
    "Error writing persistent compilation cache entry",
)


def jax_version() -> tuple[int, ...]:
    parts = []
    for part in jax.__version__.split(".")[:3]:
        digits = "".join(c for c in part if c.isdigit())
        parts.append(int(digits or 0))
    return tuple(parts)


def enable(folder: str | None) -> str:
    """Turn the cache on in ``folder`` if it can be; says in words what was done, for the
    report."""
    if not folder or folder == OFF:
        return "off"
    if jax_version() < MIN_JAX:
        return f"off (jax {jax.__version__}; the cache is used from jax 0.10 on)"
    try:
        os.makedirs(folder, exist_ok=True)
        # A folder jax cannot write to would only give warnings: leave the cache off.
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        return f"off ({folder} cannot be written: {error.strerror or error})"
    lru = importlib.util.find_spec("filelock") is not None
    if not lru:
        trim(folder, MAX_BYTES)
    try:
        jax.config.update("jax_compilation_cache_dir", folder)
        # The smoke test's sampler and numpyro's first trace are small programs: keep all.
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
        jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
        if lru:
            jax.config.update("jax_compilation_cache_max_size", MAX_BYTES)
    except (AttributeError, KeyError, ValueError) as error:  # a jax without these options
        return f"off (this jax does not take the cache settings: {error})"
    return folder


def trim(folder: str, limit: int) -> None:
    """Remove the oldest files until the folder holds at most ``limit`` bytes."""
    entries = []
    with os.scandir(folder) as listing:
        for entry in listing:
            try:
                if entry.is_file(follow_symlinks=False):
                    stat = entry.stat(follow_symlinks=False)
                    entries.append((stat.st_mtime, stat.st_size, entry.path))
            except OSError:
                continue
    total = sum(size for _, size, _ in entries)
    for _, size, path in sorted(entries):
        if total <= limit:
            break
        try:
            os.remove(path)
            total -= size
        except OSError:
            continue


def is_cache_warning(message: str) -> bool:
    return message.startswith(CACHE_WARNINGS)
