#!/usr/bin/env bash
# End-to-end test of the VS Code extension in a real VS Code (code-server in headless
# Chromium, driven by Playwright). Installs what it needs once, cached outside the repo
# (~/.cache/numpyro-lsp-e2e), packages the extension (with the server's wheel) and runs
# vscode-extension/e2e/run.mjs on a project whose virtualenv holds only numpyro 0.18 and its
# jax (tests/numpyro_matrix.py): the extension sets up the server's environment itself.
# Screenshots and logs: vscode-extension/e2e/results/. Pass --update-images to copy the
# README's screenshots into vscode-extension/images/.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || bash scripts/setup.sh
PROJECT_PYTHON="$(.venv/bin/python tests/numpyro_matrix.py 0.18.0)"
source vscode-extension/e2e/install.sh
export PATH="$NODE_DIR/bin:$PATH"

cd vscode-extension
# npm ci only when package-lock.json changed since the last one.
[ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund --silent
npm run --silent package >/dev/null
node e2e/run.mjs --code-server "$CODE_SERVER_DIR" --vsix numpyro-lsp.vsix \
    --python "$PROJECT_PYTHON" "$@"
