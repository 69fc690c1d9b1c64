#!/usr/bin/env bash
# Creates .venv with numpyro-lsp (editable) and its dev and bench extras. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null || PYTHON=python3
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[dev,bench]"
# The smoke test's pictures need uPlot from npm, copied into the package by the extension's
# build (vscode-extension/build.mjs); without npm, `numpyro-lsp smoke --html` says what is missing.
if command -v npm >/dev/null; then
    (
        cd vscode-extension
        [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund --silent
        node build.mjs
    )
fi
