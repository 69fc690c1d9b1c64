#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs what it needs, then lints and tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/lint-imports
.venv/bin/python -m pytest tests "$@"
