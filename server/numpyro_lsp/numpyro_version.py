"""Which numpyro an interpreter has, as ``importlib.metadata.version`` gives it, read without
importing importlib.metadata where an installer left the usual trace: the name of the one
``numpyro-<version>.dist-info`` folder beside the importable package. Importing
importlib.metadata (for an editable install, say) costs 12-17 ms, and 40 ms of a bare
interpreter's start (docs/performance.md).

The server reads its own numpyro with it, and runs it in the project's interpreter to ask
that one (``environment.start_probe``): it stands alone there, so it imports nothing of
numpyro_lsp and keeps to what the Python versions of a project's interpreter all have.
"""

from __future__ import annotations

import json
import os
import sys
from importlib.util import find_spec


def installed_numpyro_version() -> str | None:
    try:
        spec = find_spec("numpyro")  # finds the package without importing it
    except ValueError:  # a module put in sys.modules without a spec
        spec = None
    folders = list(spec.submodule_search_locations or []) if spec is not None else []
    if len(folders) == 1:
        site = os.path.dirname(folders[0])
        try:
            found = [
                name
                for name in os.listdir(site)
                if name.startswith("numpyro-") and name.endswith(".dist-info")
            ]
        except OSError:
            found = []
        if len(found) == 1:
            return found[0][len("numpyro-") : -len(".dist-info")]
    from importlib import metadata

    try:
        return metadata.version("numpyro")
    except metadata.PackageNotFoundError:
        return None


if __name__ == "__main__":  # the probe: what ``environment.PendingProbe`` reads
    print(json.dumps({"python": sys.version.split()[0], "numpyro": installed_numpyro_version()}))
