#!/usr/bin/env bash
# Installs numpyro-lsp and runs its main jobs on the bundled example: the server as an editor
# drives it, the checks as CI runs them, and the NUTS smoke test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "== the language server, driven over stdio like an editor"
.venv/bin/python scripts/demo.py examples/eight_schools.py
echo
echo "== numpyro-lsp check examples/"
.venv/bin/numpyro-lsp check examples/
echo
echo "== numpyro-lsp smoke examples/eight_schools.py"
# A warning verdict (divergences of the centered model) exits 0; only a failed run fails.
.venv/bin/numpyro-lsp smoke examples/eight_schools.py
