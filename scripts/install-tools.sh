#!/usr/bin/env bash
# Installs what a fresh Debian machine with Rust, Node and npm lacks to build
# Headroom. Tools already present at the right version are left alone
# (cargo-leptos takes ~27 min to build on 2 cores).
#   scripts/install-tools.sh          build tools
#   scripts/install-tools.sh --test   build tools + Debian chromium for browser tests
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

export PATH="$HOME/.cargo/bin:$PATH"

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if ! cargo leptos --version 2>/dev/null | grep -q '0\.3\.10'; then
  log "installing cargo-leptos 0.3.10 (slow: ~27 min on 2 cores)"
  cargo install cargo-leptos --locked --version 0.3.10 --features no_downloads
fi

# wasm-bindgen-cli must match the wasm-bindgen crate in Cargo.lock exactly.
wb_version=$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/[^0-9.]/, "", $0); print; exit}' Cargo.lock)
if ! wasm-bindgen --version 2>/dev/null | grep -q " ${wb_version}\$"; then
  log "installing wasm-bindgen-cli ${wb_version}"
  # Its own lockfile names a crate version the registry lacks, so not --locked.
  cargo install wasm-bindgen-cli --version "${wb_version}"
fi

# Node tools (tailwindcss v4 CLI, wasm-opt from binaryen, Playwright) are pinned in
# package-lock.json and put on PATH from node_modules/.bin by the scripts.
if [ ! -x node_modules/.bin/tailwindcss ] || [ ! -x node_modules/.bin/wasm-opt ] \
   || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing npm tools"
  npm ci --no-audit --no-fund
fi

if [ "${1:-}" = "--test" ] && ! command -v chromium >/dev/null; then
  log "installing Debian chromium for browser tests"
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium
fi
