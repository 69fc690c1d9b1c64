"""The environment of the package's helper processes: the catalog builder and the smoke-test
worker, both run with the user's interpreter."""

from __future__ import annotations

import os
from pathlib import Path

# The folder that holds the ``numpyro_lsp`` package.
PACKAGE_ROOT = Path(__file__).resolve().parents[1]


def helper_environment(**overrides: str) -> dict[str, str]:
    """This process's environment with ``overrides``, and this package importable by the
    helper's interpreter even where it is not installed (a development checkout)."""
    env = {**os.environ, **overrides}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PACKAGE_ROOT), env.get("PYTHONPATH")) if p)
    return env
