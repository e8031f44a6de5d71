#!/usr/bin/env bash
# Runs every test of Headroom from a fresh clone and exits non-zero if any fails:
#   1. domain unit tests and API tests (each API test on SQLite and on PostgreSQL);
#   2. Playwright browser specs in Debian Chromium, with JavaScript off and hydrated;
#   3. the fault suite's fast subset (faults/run.sh --fast: fuzzed API, database
#      outage, rolling restart behind HAProxy, write storm, kill -9, graceful stop).
# Builds each artefact once: `cargo leptos build --release` makes the server binary
# and the WASM bundle; the Rust tests reuse the same release dependencies.
#
# PostgreSQL: HEADROOM_TEST_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres)
# names a server where tests may create and drop databases. If it does not answer,
# this fails loudly instead of skipping those tests (checked up front with psql
# where it is installed; otherwise the first PostgreSQL test fails naming the URL).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
started=$(date +%s)

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

scripts/install-tools.sh --test
export PATH="$root/node_modules/.bin:$HOME/.cargo/bin:$PATH"

export HEADROOM_TEST_PG_URL="${HEADROOM_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
log "checking PostgreSQL at $HEADROOM_TEST_PG_URL"
if command -v psql >/dev/null && ! psql "$HEADROOM_TEST_PG_URL" -Atqc 'SELECT 1' >/dev/null 2>&1; then
  echo "error: PostgreSQL does not answer at $HEADROOM_TEST_PG_URL; the API tests need it." >&2
  echo "Start it (or set HEADROOM_TEST_PG_URL) and run again." >&2
  exit 1
fi

log "building (release: server binary, WASM bundle, CSS)"
cargo leptos build --release --precompress --split

# cargo-leptos compiles with these set (Leptos reads some with option_env!); the
# same values let the test build reuse the release artefacts instead of
# rebuilding Leptos, and keep the next `cargo leptos build` from rebuilding too.
export LEPTOS_OUTPUT_NAME=headroom LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_PKG_DIR=pkg \
  LEPTOS_SITE_ADDR=127.0.0.1:3000 LEPTOS_RELOAD_PORT=3001 LEPTOS_LIB_DIR=frontend \
  LEPTOS_BIN_DIR=server LEPTOS_JS_MINIFY=true LEPTOS_HASH_FILES=true LEPTOS_HASH_FILE_NAME=hash.txt
log "unit and API tests (SQLite and PostgreSQL)"
cargo test --release -p app -p server

log "browser tests (Chromium: JavaScript off, then hydrated)"
(cd end2end && npx playwright test)

log "fault suite, fast subset (the full run: faults/run.sh)"
faults/run.sh --fast --no-build

log "all tests passed in $(( $(date +%s) - started )) s"
