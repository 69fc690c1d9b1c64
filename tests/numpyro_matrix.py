"""The numpyro versions the tests run against, each in a virtualenv of its own that holds only
numpyro and the jax it supports (never numpyro-lsp): a project environment as users have it.

The environments are built once and kept outside the repository, in
``$NUMPYRO_LSP_VENVS`` (default ``~/.cache/numpyro-lsp/venvs``); ``scripts/test.sh`` builds
them all before the tests (``python tests/numpyro_matrix.py``), and a test that needs one
builds it if it is missing. An environment whose requirements changed is built again.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

# numpyro version -> what is installed beside it: the jax of its time (numpyro 0.15 predates
# NumPy 2 and SciPy 1.14).
MATRIX = {
    "0.15.3": ["numpyro==0.15.3", "jax==0.4.28", "jaxlib==0.4.28", "numpy<2", "scipy<1.14"],
    "0.18.0": ["numpyro==0.18.0", "jax==0.5.3", "jaxlib==0.5.3"],
    "0.22.0": ["numpyro==0.22.0", "jax==0.10.2", "jaxlib==0.10.2"],
}
# Written last: an environment without it (a build that was interrupted) is built again.
MARKER = "numpyro-lsp-requirements.txt"


def venvs_dir() -> Path:
    override = os.environ.get("NUMPYRO_LSP_VENVS")
    return Path(override) if override else Path.home() / ".cache" / "numpyro-lsp" / "venvs"


def python_of(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure(version: str) -> Path:
    """The interpreter of the environment for ``version``, built now if need be."""
    venv = venvs_dir() / f"numpyro-{version}"
    wanted = "\n".join(MATRIX[version]) + "\n"
    marker = venv / MARKER
    if marker.exists() and marker.read_text() == wanted and python_of(venv).exists():
        return python_of(venv)
    shutil.rmtree(venv, ignore_errors=True)
    print(f"building {venv} ({', '.join(MATRIX[version])})", file=sys.stderr, flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [str(python_of(venv)), "-m", "pip", "install", "--quiet", *MATRIX[version]], check=True
    )
    marker.write_text(wanted)
    return python_of(venv)


if __name__ == "__main__":
    for version in sys.argv[1:] or MATRIX:
        print(ensure(version))
