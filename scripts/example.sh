#!/usr/bin/env bash
# Installs numpyro-lsp and runs it on the bundled example like an editor would.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/python scripts/demo.py examples/eight_schools.py
