#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs what it needs, then lints and tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# The version matrix: a virtualenv per numpyro version (only numpyro and its jax), built once
# and cached in ~/.cache/numpyro-lsp/venvs ($NUMPYRO_LSP_VENVS); tests/test_version_matrix.py
# serves each with the server installed in .venv.
.venv/bin/python tests/numpyro_matrix.py
# The VS Code extension: lint and type check (Node 20 and npm are enough for these).
(
    cd vscode-extension
    [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund --silent
    npm run --silent lint
    npm run --silent typecheck
)
# tests/test_vscode_e2e.py needs Chromium, Node 24 and code-server: installed once, cached.
[ "${NUMPYRO_LSP_SKIP_E2E:-}" = 1 ] || bash vscode-extension/e2e/install.sh
# tests/test_neovim_e2e.py needs Neovim: Debian's package (0.7.2 on Debian 12), the release
# the first users tried.
if [ "${NUMPYRO_LSP_SKIP_E2E:-}" != 1 ] && ! command -v nvim >/dev/null; then
    sudo=()
    [ "$(id -u)" -eq 0 ] || sudo=(sudo)
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq neovim >/dev/null
fi
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/lint-imports
.venv/bin/python -m pytest tests "$@"
