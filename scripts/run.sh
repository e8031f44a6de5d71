#!/usr/bin/env bash
# Runs Headroom from a fresh clone: installs missing tools, builds in release,
# and serves in demo mode on http://127.0.0.1:3000 over the SQLite file
# headroom.db (seeding the small demo fleet when the database is empty).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

scripts/install-tools.sh
export PATH="$root/node_modules/.bin:$HOME/.cargo/bin:$PATH"

cargo leptos build --release --precompress --split

export LEPTOS_SITE_ROOT="$root/target/site"
export LEPTOS_SITE_ADDR="${LEPTOS_SITE_ADDR:-127.0.0.1:3000}"
exec "$root/target/release/headroom" serve --demo
