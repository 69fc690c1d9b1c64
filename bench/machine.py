"""The machine and software a benchmark ran on."""

from __future__ import annotations

import argparse
import contextlib
import datetime
import os
import platform
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

PACKAGES = ("numpyro-lsp", "pygls", "lsprotocol", "jedi", "jedi-language-server", "libcst")


def proc_field(path: str, name: str) -> str | None:
    """The first ``name: value`` line of a /proc file."""
    with contextlib.suppress(OSError):
        for line in Path(path).read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() == name:
                return value.strip()
    return None


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def machine() -> dict[str, Any]:
    memory = proc_field("/proc/meminfo", "MemTotal")
    return {
        "cpu": proc_field("/proc/cpuinfo", "model name") or platform.processor(),
        "cores": os.cpu_count(),
        "memory_gib": round(int(memory.split()[0]) / 1024**2, 1) if memory else None,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
    }


def versions() -> dict[str, str]:
    found = {}
    for name in PACKAGES:
        with contextlib.suppress(metadata.PackageNotFoundError):
            found[name] = metadata.version(name)
    return found


def run_header(args: argparse.Namespace) -> dict[str, Any]:
    """What every results document starts with: when, where, with what and how."""
    return {
        "when": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "versions": versions(),
        "settings": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
    }
