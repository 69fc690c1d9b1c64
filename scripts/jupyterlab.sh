#!/usr/bin/env bash
# numpyro-lsp in a real JupyterLab (jupyterlab-lsp), headless: installs JupyterLab,
# jupyterlab-lsp, ipykernel and Playwright's Python package once, in a virtualenv cached
# outside the repo (~/.cache/numpyro-lsp-jupyterlab), uses Debian's Chromium (no browser
# download), and runs scripts/jupyterlab_e2e.py with the server of .venv and the
# configuration of docs/editors.md#jupyterlab. Screenshots: jupyterlab-results/.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || bash scripts/setup.sh
CACHE="${NUMPYRO_LSP_JUPYTERLAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/numpyro-lsp-jupyterlab}"
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM" ]; then
    sudo=()
    [ "$(id -u)" -eq 0 ] || sudo=(sudo)
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq chromium >/dev/null
fi
if [ ! -f "$CACHE/.installed" ]; then
    echo "jupyterlab: installing jupyterlab, jupyterlab-lsp, ipykernel, playwright in $CACHE" >&2
    python3 -m venv "$CACHE/venv"
    "$CACHE/venv/bin/pip" install -q --disable-pip-version-check \
        "jupyterlab>=4.4,<5" "jupyterlab-lsp>=5.3,<6" ipykernel "playwright>=1.50"
    touch "$CACHE/.installed"
fi
exec "$CACHE/venv/bin/python" scripts/jupyterlab_e2e.py --chromium "$CHROMIUM" \
    --results jupyterlab-results --server "$PWD/.venv/bin/numpyro-lsp" "$@"
