#!/usr/bin/env bash
# Serves the release build over a fresh SQLite file seeded with the small demo fleet.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export DATABASE_URL="sqlite://$work/headroom.db"
export LEPTOS_SITE_ROOT="$root/target/site"
export LEPTOS_SITE_ADDR="127.0.0.1:${1:-3100}"
"$root/target/release/headroom" seed --demo --scale small >/dev/null
# Rebuild the public status page every second, so notices show at once.
"$root/target/release/headroom" settings set status.refresh_seconds 1 >/dev/null
exec "$root/target/release/headroom" serve
